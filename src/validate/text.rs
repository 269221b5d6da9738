//! Language machinery of 商家知识校验: folding with a map back to the original text,
//! sentence and clause segmentation, numerals, masked spans (phones, order numbers, dates),
//! dates, clause stance and negation, and the term sets used to align texts.

use std::collections::HashSet;
use std::ops::Range;
use unicode_normalization::UnicodeNormalization;

/// A text NFKC-folded and lower-cased (spaces kept), with a map back to the original bytes.
#[derive(Debug, Clone)]
pub(super) struct Normed {
    /// The folded text.
    pub(super) s: String,
    /// Folded byte → original byte.
    map: Vec<usize>,
    /// Length of the original.
    orig_len: usize,
}

impl Normed {
    /// Folds `orig`.
    pub(super) fn new(orig: &str) -> Self {
        let mut s = String::with_capacity(orig.len());
        let mut map = Vec::with_capacity(orig.len() + 1);
        for (ob, c) in orig.char_indices() {
            let mut buf = String::new();
            for n in std::iter::once(c).nfkc() {
                buf.extend(n.to_lowercase());
            }
            map.extend(std::iter::repeat_n(ob, buf.len()));
            s.push_str(&buf);
        }
        map.push(orig.len());
        Normed {
            s,
            map,
            orig_len: orig.len(),
        }
    }

    /// The original byte range of a range of the folded text.
    pub(super) fn orig(&self, r: &Range<usize>) -> Range<usize> {
        let start = self.map.get(r.start).copied().unwrap_or(self.orig_len);
        let end = if r.end >= self.s.len() {
            self.orig_len
        } else {
            self.map[r.end]
        };
        start..end.max(start)
    }
}

/// A sentence of a folded text with its clauses (byte ranges into the folded text).
#[derive(Debug, Clone)]
pub(super) struct Sent {
    /// The sentence.
    pub(super) range: Range<usize>,
    /// Its clauses.
    pub(super) clauses: Vec<Range<usize>>,
}

/// `r` without its surrounding whitespace; `None` when nothing is left.
fn trim_range(s: &str, r: Range<usize>) -> Option<Range<usize>> {
    let sub = &s[r.clone()];
    let lead = sub.len() - sub.trim_start().len();
    let t = sub.trim();
    if t.is_empty() {
        return None;
    }
    Some(r.start + lead..r.start + lead + t.len())
}

/// Splits a folded text into sentences (。；！？ newline, and `~` not between digits) and
/// clauses (also at commas).
pub(super) fn segment(s: &str) -> Vec<Sent> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    let mut sent_start = 0;
    let mut clause_start = 0;
    let mut clauses = Vec::new();
    for (i, &(b, c)) in chars.iter().enumerate() {
        let next_b = b + c.len_utf8();
        let tilde_sep = c == '~' && {
            let prev_digit = i > 0 && chars[i - 1].1.is_ascii_digit();
            let next_digit = chars.get(i + 1).is_some_and(|x| x.1.is_ascii_digit());
            !(prev_digit && next_digit)
        };
        let sent_sep = matches!(c, '。' | ';' | '!' | '?' | '\n' | '…') || tilde_sep;
        let clause_sep = sent_sep || c == ',';
        if clause_sep {
            if let Some(r) = trim_range(s, clause_start..b) {
                clauses.push(r);
            }
            clause_start = next_b;
        }
        if sent_sep {
            if let Some(r) = trim_range(s, sent_start..b) {
                out.push(Sent {
                    range: r,
                    clauses: std::mem::take(&mut clauses),
                });
            }
            clauses.clear();
            sent_start = next_b;
        }
    }
    if let Some(r) = trim_range(s, clause_start..s.len()) {
        clauses.push(r);
    }
    if let Some(r) = trim_range(s, sent_start..s.len()) {
        out.push(Sent { range: r, clauses });
    }
    out
}

/// Parses an Arabic or Chinese numeral (七, 十五, 三十, 两, 半).
pub(super) fn parse_num(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return s.parse().ok();
    }
    if s == "半" {
        return Some(0.5);
    }
    let (mut total, mut section, mut num) = (0f64, 0f64, 0f64);
    for c in s.chars() {
        let d = match c {
            '零' | '〇' => Some(0.0),
            '一' => Some(1.0),
            '二' | '两' => Some(2.0),
            '三' => Some(3.0),
            '四' => Some(4.0),
            '五' => Some(5.0),
            '六' => Some(6.0),
            '七' => Some(7.0),
            '八' => Some(8.0),
            '九' => Some(9.0),
            _ => None,
        };
        if let Some(d) = d {
            num = d;
            continue;
        }
        let unit = match c {
            '十' => 10.0,
            '百' => 100.0,
            '千' => 1000.0,
            '万' => {
                total += (section + num) * 10000.0;
                section = 0.0;
                num = 0.0;
                continue;
            }
            _ => return None,
        };
        let n = if num == 0.0 { 1.0 } else { num };
        section += n * unit;
        num = 0.0;
    }
    Some(total + section + num)
}

/// Equal to the cent.
pub(super) fn approx(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.011
}

re!(pub(super) RE_PHONE, r"\d{3,4}-\d{3,4}-\d{3,4}|\d{3,4}-\d{7,8}|\d{3,4}-\d{3,4}");

re!(RE_LONGNUM, r"[a-z]*\d{7,}");

re!(
    RE_DATE,
    r"(?:(\d{2,4})年)?(\d{1,2})月(\d{1,2})(?:日|号)(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
);

re!(
    RE_DATE_OTHER,
    r"\d{4}年(?:\d{1,2}月)?|\d{1,2}月(?:底|初|中旬|上旬|下旬|份)|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}(?:日|号)"
);

/// Whether `r` overlaps any of `taken`.
pub(super) fn overlaps(taken: &[Range<usize>], r: &Range<usize>) -> bool {
    taken.iter().any(|t| t.start < r.end && r.start < t.end)
}

/// The character before byte `at`.
pub(super) fn prev_char(s: &str, at: usize) -> Option<char> {
    s[..at].chars().next_back()
}

/// The character at byte `at`.
pub(super) fn next_char(s: &str, at: usize) -> Option<char> {
    s[at..].chars().next()
}

/// No ASCII letter or digit right before byte `at`.
pub(super) fn ascii_boundary_before(s: &str, at: usize) -> bool {
    !prev_char(s, at).is_some_and(|c| c.is_ascii_alphanumeric())
}

/// No ASCII letter or digit at byte `at`.
pub(super) fn ascii_boundary_after(s: &str, at: usize) -> bool {
    !next_char(s, at).is_some_and(|c| c.is_ascii_alphanumeric())
}

/// Byte ranges of a folded text that hold no claims: phone and order numbers, dates.
pub(super) fn masks(s: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for m in RE_PHONE.find_iter(s) {
        let digits = m.as_str().chars().filter(char::is_ascii_digit).count();
        if digits >= 10 {
            out.push(m.range());
        }
    }
    for m in RE_LONGNUM.find_iter(s) {
        out.push(m.range());
    }
    for m in RE_DATE.find_iter(s) {
        out.push(m.range());
    }
    for m in RE_DATE_OTHER.find_iter(s) {
        out.push(m.range());
    }
    out
}

/// A date written in the text (month, day) with its role in a range.
#[derive(Debug, Clone)]
pub(super) struct DateMention {
    /// Folded-text byte range.
    pub(super) range: Range<usize>,
    /// Month.
    pub(super) month: u32,
    /// Day.
    pub(super) day: u32,
    /// Start of a written range, or followed by 起/开始.
    pub(super) start: bool,
    /// End of a written range, or followed by 结束/截止 or preceded by 到/至.
    pub(super) end: bool,
}

/// Words before a date that make it an end ("至6月18日").
const DATE_END_BEFORE: &[&str] = &["到", "至", "截至", "截止"];

/// Words after a date that make it an end ("6月18日结束").
const DATE_END_AFTER: &[&str] = &["结束", "截止", "止", "为止"];

/// Words after a date that make it a start ("6月1日起").
const DATE_START_AFTER: &[&str] = &["起", "开始"];

/// The last `n` characters of a text (all of it when shorter).
pub(super) fn tail(s: &str, n: usize) -> &str {
    let start = s.char_indices().rev().take(n).last().map_or(s.len(), |(i, _)| i);
    &s[start..]
}

/// Dates (month/day) written in a folded text.
pub(super) fn dates(s: &str) -> Vec<DateMention> {
    let mut out: Vec<DateMention> = Vec::new();
    for c in RE_DATE.captures_iter(s) {
        let m = c.get(0).map(|m| m.range()).unwrap_or_default();
        let (Some(month), Some(day)) = (
            c.get(2).and_then(|x| x.as_str().parse().ok()),
            c.get(3).and_then(|x| x.as_str().parse().ok()),
        ) else {
            continue;
        };
        let before = tail(&s[..m.start], 3);
        let after: String = s[m.end..].chars().take(6).collect();
        let end = DATE_END_BEFORE.iter().any(|k| before.trim_end().ends_with(k))
            || DATE_END_AFTER.iter().any(|k| after.trim_start().starts_with(k));
        let start = DATE_START_AFTER.iter().any(|k| after.trim_start().starts_with(k));
        out.push(DateMention {
            range: m,
            month,
            day,
            start,
            end,
        });
    }
    // A written range D1 至 D2: first is a start, second an end.
    for i in 1..out.len() {
        let gap = &s[out[i - 1].range.end..out[i].range.start];
        let g = gap.trim();
        if matches!(g, "至" | "到" | "-" | "~" | "—" | "–") {
            out[i - 1].start = true;
            out[i].end = true;
        }
    }
    out
}

/// Stance of a clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stance {
    /// Affirms (可以, 支持…).
    Affirm,
    /// Negates (不支持, 不能…).
    Negate,
    /// Neither.
    Neutral,
}

/// Words that negate a clause.
const NEG_MARKERS: &[&str] = &[
    "暂不支持",
    "暂不提供",
    "暂不参与",
    "不支持",
    "不参与",
    "不参加",
    "不提供",
    "不能",
    "不可以",
    "不可",
    "无法",
    "禁用",
    "不包邮",
    "不接受",
    "不予",
    "不适用",
    "不包括",
    "不含",
    "暂不",
    "不退",
    "不换",
    "不发",
    "不寄",
    "除外",
    "不行",
    "不在",
];

/// Words that affirm a clause.
const AFF_MARKERS: &[&str] = &[
    "可以",
    "支持",
    "能够",
    "也能",
    "都能",
    "能的",
    "就能",
    "还能",
    "可享",
    "提供",
    "参与",
    "参加",
    "没关系",
    "没问题",
    "是的",
    "当然",
    "也可",
    "都可",
    "能退",
    "能换",
    "能开",
    "能用",
    "能寄",
    "能发",
    "也在",
    "享受",
];

/// Words for any product: a rule on "定制商品" is a rule on what is 定制.
pub(super) const ANY_PRODUCT: &[&str] = &["商品", "产品", "宝贝", "东西"];

/// The parenthesised exceptions of a text, inside their parentheses ("新疆、西藏不支持改顺丰"
/// of "…补差价8元（新疆、西藏不支持改顺丰）").
pub(super) fn exceptions(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find(['(', '（']) {
        let after = &rest[open..];
        let inner_start = after.chars().next().map_or(1, char::len_utf8);
        let Some(c) = after.find([')', '）']) else { break };
        let inner = &after[inner_start..c];
        if inner.contains("除外") || NEG_MARKERS.iter().any(|m| inner.contains(m)) {
            out.push(inner);
        }
        rest = &after[c..];
        rest = &rest[rest.chars().next().map_or(1, char::len_utf8)..];
    }
    out
}

/// Removes parenthesised exceptions ("（偏远地区除外）"): they restrict a
/// statement without negating it, and name no condition the statement accepts.
pub(super) fn strip_exceptions(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find(['(', '（']) {
        let after = &rest[open..];
        let close = after.find([')', '）']);
        match close {
            Some(c) if after[..c].contains("除外") || NEG_MARKERS.iter().any(|m| after[..c].contains(m)) => {
                out.push_str(&rest[..open]);
                out.push(' ');
                let end = c + after[c..].chars().next().map_or(1, char::len_utf8);
                rest = &after[end..];
            }
            _ => {
                let step = open + after.chars().next().map_or(1, char::len_utf8);
                out.push_str(&rest[..step]);
                rest = &rest[step..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Words that make a clause a question or a hypothetical: it states nothing.
const NEUTRAL_MARKERS: &[&str] = &["是否", "能否", "可否", "有没有", "以店铺规则为准", "以平台规则为准"];

/// Stance of a folded clause.
pub(super) fn stance(clause: &str) -> Stance {
    let clause = strip_exceptions(clause);
    // A question or a hypothetical states nothing ("是否可以开具…以店铺规则为准").
    if NEUTRAL_MARKERS.iter().any(|m| clause.contains(m)) {
        return Stance::Neutral;
    }
    if NEG_MARKERS.iter().any(|m| clause.contains(m)) {
        Stance::Negate
    } else if AFF_MARKERS.iter().any(|m| clause.contains(m)) {
        Stance::Affirm
    } else {
        Stance::Neutral
    }
}

/// The first negation marker in a clause (byte offset and marker).
pub(super) fn neg_marker(clause: &str) -> Option<(usize, &'static str)> {
    NEG_MARKERS
        .iter()
        .filter_map(|m| clause.find(m).map(|i| (i, *m)))
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.len().cmp(&a.1.len())))
}

/// Replaces the value mentions of a folded text by spaces (keeping byte offsets valid).
pub(super) fn blank_ranges(s: &str, ranges: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(s.len());
    for (b, c) in s.char_indices() {
        if ranges.iter().any(|r| r.start <= b && b < r.end) {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Removes "未X / 没X / 不X / 非X" spans (a negated condition is no condition).
pub(super) fn drop_negated(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if matches!(chars[i], '未' | '没' | '不' | '非') {
            out.push(' ');
            i += 3;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Matching terms of a text (CJK bigrams, ASCII words), lone CJK characters left out.
pub(super) fn term_set(s: &str) -> HashSet<String> {
    crate::text::terms(s)
        .into_iter()
        .filter(|t| t.chars().count() >= 2 || t.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect()
}

/// Fraction of `topic` terms found in `terms`.
pub(super) fn coverage(topic: &HashSet<String>, terms: &HashSet<String>) -> f64 {
    if topic.is_empty() {
        return 0.0;
    }
    topic.iter().filter(|t| terms.contains(*t)).count() as f64 / topic.len() as f64
}

/// A number without trailing zeros (20, 19.9).
fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.2}").trim_end_matches('0').to_string()
    }
}

/// An amount as the merchant's value is written (20元).
pub(super) fn fmt_money(v: f64) -> String {
    format!("{}元", fmt_num(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        assert_eq!(parse_num("七"), Some(7.0));
        assert_eq!(parse_num("十五"), Some(15.0));
        assert_eq!(parse_num("三十"), Some(30.0));
        assert_eq!(parse_num("二十四"), Some(24.0));
        assert_eq!(parse_num("两"), Some(2.0));
        assert_eq!(parse_num("139.00"), Some(139.0));
    }
}
