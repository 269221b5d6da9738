//! Literal checks: lexical well-formedness for XSD datatypes (`sh:datatype`) and the
//! SPARQL-style ordering used by `sh:minInclusive` & co. and `sh:lessThan`.

use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{LiteralRef, NamedNodeRef, Term};
use oxsdatatypes::{
    Date, DateTime, DayTimeDuration, Decimal, Double, Duration, Float, GDay, GMonth, GMonthDay, GYear, GYearMonth,
    Time, YearMonthDuration,
};
use std::cmp::Ordering;
use std::str::FromStr;

/// Whether the literal's lexical form is in the lexical space of its datatype. Datatypes
/// the engine does not know are accepted as well-formed.
pub(crate) fn is_well_formed(lit: LiteralRef<'_>) -> bool {
    let value = lit.value();
    let dt = lit.datatype();
    if dt == rdf::LANG_STRING {
        return lit.language().is_some();
    }
    if dt == xsd::STRING || dt == xsd::ANY_URI {
        return true;
    }
    if dt == xsd::BOOLEAN {
        return matches!(value, "true" | "false" | "1" | "0");
    }
    if dt == xsd::DECIMAL {
        return is_decimal_lexical(value);
    }
    if dt == xsd::FLOAT || dt == xsd::DOUBLE {
        return is_double_lexical(value);
    }
    if let Some((min, max)) = integer_bounds(dt) {
        return is_integer_lexical(value) && integer_in_range(value, min, max);
    }
    if dt == xsd::DATE_TIME {
        return DateTime::from_str(value).is_ok();
    }
    if dt == xsd::DATE_TIME_STAMP {
        return DateTime::from_str(value).is_ok_and(|d| d.timezone().is_some());
    }
    if dt == xsd::DATE {
        return Date::from_str(value).is_ok();
    }
    if dt == xsd::TIME {
        return Time::from_str(value).is_ok();
    }
    if dt == xsd::G_YEAR {
        return GYear::from_str(value).is_ok();
    }
    if dt == xsd::G_YEAR_MONTH {
        return GYearMonth::from_str(value).is_ok();
    }
    if dt == xsd::G_MONTH {
        return GMonth::from_str(value).is_ok();
    }
    if dt == xsd::G_DAY {
        return GDay::from_str(value).is_ok();
    }
    if dt == xsd::G_MONTH_DAY {
        return GMonthDay::from_str(value).is_ok();
    }
    if dt == xsd::DURATION {
        return Duration::from_str(value).is_ok();
    }
    if dt == xsd::DAY_TIME_DURATION {
        return DayTimeDuration::from_str(value).is_ok();
    }
    if dt == xsd::YEAR_MONTH_DURATION {
        return YearMonthDuration::from_str(value).is_ok();
    }
    if dt == xsd::NORMALIZED_STRING {
        return !value.contains(['\t', '\n', '\r']);
    }
    if dt == xsd::TOKEN {
        return is_token(value);
    }
    if dt == xsd::LANGUAGE {
        return is_language_tag(value);
    }
    if dt == xsd::HEX_BINARY {
        return value.len().is_multiple_of(2) && value.bytes().all(|b| b.is_ascii_hexdigit());
    }
    true
}

/// The inclusive bounds of the XSD integer types (`None` for "no bound"), or `None` if `dt`
/// is not one of them.
#[allow(clippy::type_complexity)]
fn integer_bounds(dt: NamedNodeRef<'_>) -> Option<(Option<i128>, Option<i128>)> {
    let b = if dt == xsd::INTEGER {
        (None, None)
    } else if dt == xsd::LONG {
        (Some(i64::MIN.into()), Some(i64::MAX.into()))
    } else if dt == xsd::INT {
        (Some(i32::MIN.into()), Some(i32::MAX.into()))
    } else if dt == xsd::SHORT {
        (Some(i16::MIN.into()), Some(i16::MAX.into()))
    } else if dt == xsd::BYTE {
        (Some(i8::MIN.into()), Some(i8::MAX.into()))
    } else if dt == xsd::NON_NEGATIVE_INTEGER {
        (Some(0), None)
    } else if dt == xsd::POSITIVE_INTEGER {
        (Some(1), None)
    } else if dt == xsd::NON_POSITIVE_INTEGER {
        (None, Some(0))
    } else if dt == xsd::NEGATIVE_INTEGER {
        (None, Some(-1))
    } else if dt == xsd::UNSIGNED_LONG {
        (Some(0), Some(u64::MAX.into()))
    } else if dt == xsd::UNSIGNED_INT {
        (Some(0), Some(u32::MAX.into()))
    } else if dt == xsd::UNSIGNED_SHORT {
        (Some(0), Some(u16::MAX.into()))
    } else if dt == xsd::UNSIGNED_BYTE {
        (Some(0), Some(u8::MAX.into()))
    } else {
        return None;
    };
    Some(b)
}

fn is_integer_lexical(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn integer_in_range(s: &str, min: Option<i128>, max: Option<i128>) -> bool {
    match i128::from_str(s) {
        Ok(v) => min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m),
        // Too large for i128: only types without a bound on that side accept it.
        Err(_) => {
            if s.starts_with('-') {
                min.is_none()
            } else {
                max.is_none()
            }
        }
    }
}

fn is_decimal_lexical(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let all_digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    match frac {
        None => !int.is_empty() && all_digits(int),
        Some(f) => (!int.is_empty() || !f.is_empty()) && all_digits(int) && all_digits(f),
    }
}

fn is_double_lexical(s: &str) -> bool {
    if matches!(s, "INF" | "+INF" | "-INF" | "NaN") {
        return true;
    }
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    is_decimal_lexical(mantissa) && exponent.is_none_or(is_integer_lexical)
}

fn is_token(s: &str) -> bool {
    !s.contains(['\t', '\n', '\r']) && !s.starts_with(' ') && !s.ends_with(' ') && !s.contains("  ")
}

fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A numeric value: integers and decimals compare exactly, floats and doubles as `f64`.
#[derive(Clone, Copy)]
enum Num {
    Decimal(Decimal),
    Double(Double),
}

/// The value of a literal, for ordering comparisons.
enum Value<'a> {
    Num(Num),
    Str(&'a str),
    Bool(bool),
    DateTime(DateTime),
    Date(Date),
    Time(Time),
    GYear(GYear),
    GYearMonth(GYearMonth),
    GMonth(GMonth),
    GDay(GDay),
    GMonthDay(GMonthDay),
    Duration(Duration),
}

fn value_of(lit: LiteralRef<'_>) -> Option<Value<'_>> {
    if !is_well_formed(lit) {
        return None;
    }
    let s = lit.value();
    let dt = lit.datatype();
    Some(if dt == xsd::STRING {
        Value::Str(s)
    } else if dt == xsd::BOOLEAN {
        Value::Bool(matches!(s, "true" | "1"))
    } else if dt == xsd::DECIMAL || integer_bounds(dt).is_some() {
        match Decimal::from_str(s) {
            Ok(d) => Value::Num(Num::Decimal(d)),
            Err(_) => Value::Num(Num::Double(Double::from_str(s).ok()?)),
        }
    } else if dt == xsd::DOUBLE || dt == xsd::FLOAT {
        let d = match s {
            "INF" | "+INF" => Double::from(f64::INFINITY),
            "-INF" => Double::from(f64::NEG_INFINITY),
            "NaN" => Double::from(f64::NAN),
            _ => Double::from_str(s).ok()?,
        };
        if dt == xsd::FLOAT {
            // Round to single precision so that float values compare as floats.
            Value::Num(Num::Double(Double::from(Float::from(d))))
        } else {
            Value::Num(Num::Double(d))
        }
    } else if dt == xsd::DATE_TIME || dt == xsd::DATE_TIME_STAMP {
        Value::DateTime(DateTime::from_str(s).ok()?)
    } else if dt == xsd::DATE {
        Value::Date(Date::from_str(s).ok()?)
    } else if dt == xsd::TIME {
        Value::Time(Time::from_str(s).ok()?)
    } else if dt == xsd::G_YEAR {
        Value::GYear(GYear::from_str(s).ok()?)
    } else if dt == xsd::G_YEAR_MONTH {
        Value::GYearMonth(GYearMonth::from_str(s).ok()?)
    } else if dt == xsd::G_MONTH {
        Value::GMonth(GMonth::from_str(s).ok()?)
    } else if dt == xsd::G_DAY {
        Value::GDay(GDay::from_str(s).ok()?)
    } else if dt == xsd::G_MONTH_DAY {
        Value::GMonthDay(GMonthDay::from_str(s).ok()?)
    } else if dt == xsd::DURATION || dt == xsd::DAY_TIME_DURATION || dt == xsd::YEAR_MONTH_DURATION {
        Value::Duration(Duration::from_str(s).ok()?)
    } else {
        return None;
    })
}

fn num_cmp(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Decimal(x), Num::Decimal(y)) => Some(x.cmp(&y)),
        (Num::Decimal(x), Num::Double(y)) => Double::from(x).partial_cmp(&y),
        (Num::Double(x), Num::Decimal(y)) => x.partial_cmp(&Double::from(y)),
        (Num::Double(x), Num::Double(y)) => x.partial_cmp(&y),
    }
}

/// Compares two terms as SPARQL's `<` would: `None` when they are not comparable (not
/// literals, ill-typed, different kinds of values, or an undetermined order such as a
/// dateTime with and one without a timezone).
pub(crate) fn compare(a: &Term, b: &Term) -> Option<Ordering> {
    let (Term::Literal(a), Term::Literal(b)) = (a, b) else {
        return None;
    };
    let (va, vb) = (value_of(a.as_ref())?, value_of(b.as_ref())?);
    match (va, vb) {
        (Value::Num(x), Value::Num(y)) => num_cmp(x, y),
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(&y)),
        (Value::DateTime(x), Value::DateTime(y)) => x.partial_cmp(&y),
        (Value::Date(x), Value::Date(y)) => x.partial_cmp(&y),
        (Value::Time(x), Value::Time(y)) => x.partial_cmp(&y),
        (Value::GYear(x), Value::GYear(y)) => x.partial_cmp(&y),
        (Value::GYearMonth(x), Value::GYearMonth(y)) => x.partial_cmp(&y),
        (Value::GMonth(x), Value::GMonth(y)) => x.partial_cmp(&y),
        (Value::GDay(x), Value::GDay(y)) => x.partial_cmp(&y),
        (Value::GMonthDay(x), Value::GMonthDay(y)) => x.partial_cmp(&y),
        (Value::Duration(x), Value::Duration(y)) => x.partial_cmp(&y),
        _ => None,
    }
}
