//! Text helpers shared by the stages: normalisation and character-level term overlap for
//! Chinese (CJK bigrams) mixed with ASCII words and numbers.

use unicode_normalization::UnicodeNormalization;

/// NFKC-folds, lower-cases and removes whitespace (the eval README's matching rule).
pub fn fold(s: &str) -> String {
    s.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// NFKC-folds and lower-cases, keeping spaces.
pub fn fold_keep_spaces(s: &str) -> String {
    s.nfkc().flat_map(char::to_lowercase).collect()
}

/// jieba with its default dictionary, loaded once.
static JIEBA: std::sync::LazyLock<jieba_rs::Jieba> = std::sync::LazyLock::new(jieba_rs::Jieba::new);

/// The words of a text by jieba's search mode (long words and the shorter words inside
/// them), folded; words of fewer than two characters are dropped.
pub fn words(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in JIEBA.cut_for_search(&fold_keep_spaces(s), true) {
        let w = w.word.trim();
        if w.chars().count() >= 2 && !out.iter().any(|x| x == w) {
            out.push(w.to_string());
        }
    }
    out
}

/// The words of a text by jieba's default mode, folded, in order (single characters kept).
pub fn cut(s: &str) -> Vec<String> {
    JIEBA
        .cut(&fold_keep_spaces(s), true)
        .into_iter()
        .map(|w| w.word.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether `c` is a CJK ideograph.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Matching terms of a text: every CJK character bigram (a lone CJK character counts as one
/// term) and every ASCII alphanumeric word (lower-cased). Duplicates are kept out.
pub fn terms(s: &str) -> Vec<String> {
    let s = fold_keep_spaces(s);
    let mut out: Vec<String> = Vec::new();
    let push = |t: String, out: &mut Vec<String>| {
        if !out.contains(&t) {
            out.push(t);
        }
    };
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_cjk(c) {
            let start = i;
            while i < chars.len() && is_cjk(chars[i]) {
                i += 1;
            }
            let run = &chars[start..i];
            if run.len() == 1 {
                push(run[0].to_string(), &mut out);
            }
            for w in run.windows(2) {
                push(w.iter().collect(), &mut out);
            }
        } else if c.is_ascii_alphanumeric() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            let w: String = chars[start..i]
                .iter()
                .collect::<String>()
                .trim_end_matches('.')
                .to_string();
            push(w, &mut out);
        } else {
            i += 1;
        }
    }
    out
}

/// Whether `text` contains a digit run of at least `min_len` digits (an order, tracking or
/// phone number rather than a price or a quantity).
pub fn has_long_number(text: &str, min_len: usize) -> bool {
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            run += 1;
            if run >= min_len {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// Splits a text into clauses at Chinese and ASCII sentence and clause punctuation.
pub fn clauses(text: &str) -> Vec<&str> {
    text.split(['。', '；', ';', '！', '!', '？', '?', '\n', '，', ','])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// Splits a text into sentences at Chinese and ASCII sentence punctuation.
pub fn sentences(text: &str) -> Vec<&str> {
    text.split(['。', '；', ';', '！', '!', '？', '?', '\n'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_mix_bigrams_and_words() {
        let t = terms("GT4手表 HY-LP-0213");
        assert!(t.contains(&"gt4".to_string()));
        assert!(t.contains(&"手表".to_string()));
        assert!(t.contains(&"hy".to_string()) && t.contains(&"0213".to_string()));
    }

    #[test]
    fn fold_matches_eval_rule() {
        assert_eq!(fold("¥139.00 元"), "¥139.00元");
        assert_eq!(fold("ＡＢＣ 1"), "abc1");
    }

    #[test]
    fn long_numbers() {
        assert!(has_long_number("订单2026061012345到哪了", 8));
        assert!(!has_long_number("买2支139元", 8));
    }
}
