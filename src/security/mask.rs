//! Masking of sensitive values in text that leaves the service or is logged: mobile
//! numbers (138****5678), ID-card numbers (310***********1234), bank cards (Luhn-valid 16–19
//! digits: 6222********1234) and house numbers in street addresses (世纪大道***). Used on
//! answers, evidence, audit details and every log line ([`MaskingWriter`]).

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Digit runs that may be one number written with spaces or hyphens between groups.
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9](?:[ \-]?[0-9]){9,18}[Xx]?").expect("number pattern"));

/// A street, road or lane followed by a house number (and building, unit, room).
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(路|街|大道|巷|弄|胡同)\s*[0-9０-９一二三四五六七八九十百零]+\s*号[0-9A-Za-z０-９栋幢座单元室楼层号\-\s]*",
    )
    .expect("address pattern")
});

fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if !i.is_multiple_of(2) {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

fn keep(digits: &[u8], head: usize, tail: usize) -> String {
    let n = digits.len();
    let mut s = String::with_capacity(n);
    for (i, d) in digits.iter().enumerate() {
        s.push(if i < head || i >= n - tail { char::from(*d) } else { '*' });
    }
    s
}

/// The masked form of one number, or `None` when it is not a sensitive kind.
fn mask_number(run: &str) -> Option<String> {
    let digits: Vec<u8> = run
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    let all_digits = digits.iter().all(u8::is_ascii_digit);
    let n = digits.len();
    match n {
        11 if all_digits && digits[0] == b'1' && (b'3'..=b'9').contains(&digits[1]) => Some(keep(&digits, 3, 4)),
        18 if digits[..17].iter().all(u8::is_ascii_digit) => Some(keep(&digits, 3, 4)),
        15 if all_digits && !luhn(&digits) => Some(keep(&digits, 3, 4)),
        15..=19 if all_digits && luhn(&digits) => Some(keep(&digits, 4, 4)),
        _ => None,
    }
}

/// `text` with every sensitive value masked (borrowed when there is none).
pub fn mask(text: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut last = 0;
    for m in NUMBER.find_iter(text) {
        let before = text[..m.start()].chars().next_back();
        let mut rest = text[m.end()..].chars();
        let after = rest.next();
        // part of a longer token, or of a decimal number (1.234…, 1234….5)
        let decimal = before == Some('.') || (after == Some('.') && rest.next().is_some_and(|c| c.is_ascii_digit()));
        if before.is_some_and(|c| c.is_ascii_alphanumeric()) || after.is_some_and(|c| c.is_ascii_digit()) || decimal {
            continue;
        }
        if let Some(masked) = mask_number(m.as_str()) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[last..m.start()]);
            o.push_str(&masked);
            last = m.end();
        }
    }
    let text: Cow<'_, str> = match out {
        Some(mut o) => {
            o.push_str(&text[last..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(text),
    };
    if ADDRESS.is_match(&text) {
        Cow::Owned(ADDRESS.replace_all(&text, "$1***").into_owned())
    } else {
        text
    }
}

/// Masks every string inside a JSON value (numbers and keys are left alone).
pub fn mask_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            if let Cow::Owned(m) = mask(s) {
                *s = m;
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(mask_json),
        serde_json::Value::Object(o) => o.values_mut().for_each(mask_json),
        _ => {}
    }
}

/// A log writer that masks every line before it reaches the underlying writer (the fmt
/// layer writes one event per `write`).
pub struct MaskingWriter<W>(pub W);

impl<W: std::io::Write> std::io::Write for MaskingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let s = String::from_utf8_lossy(buf);
        self.0.write_all(mask(&s).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// `MakeWriter` for `tracing_subscriber::fmt().with_writer(...)`: masked stderr.
pub fn masked_stderr() -> MaskingWriter<std::io::Stderr> {
    MaskingWriter(std::io::stderr())
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn masks_each_kind() {
        assert_eq!(mask("我的手机13812345678，谢谢"), "我的手机138****5678，谢谢");
        assert_eq!(mask("电话 138-1234-5678"), "电话 138****5678");
        assert_eq!(mask("身份证310101199001011234"), "身份证310***********1234");
        assert_eq!(mask("身份证31010119900101123X"), "身份证310***********123X");
        assert_eq!(mask("卡号6222021234567890128"), "卡号6222***********0128");
        assert_eq!(
            mask("寄到上海市浦东新区世纪大道100号2栋301室"),
            "寄到上海市浦东新区世纪大道***"
        );
    }

    #[test]
    fn leaves_ordinary_numbers_alone() {
        for s in [
            "满199减20，2026-06-18截止",
            "SKU HY-LP-0213 售价359元",
            "订单号 20261202013000",
            "12345678901234567890123",
            "电话 400-820-8820",
            "耗时 0.6222021234567890128 秒",
        ] {
            assert_eq!(mask(s), s, "{s}");
        }
    }
}
