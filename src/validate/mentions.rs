//! Typed values in a folded text ([`Mention`]: money, durations, measures, spec tokens,
//! percentages, ports, discounts, 满减 pairs, times of day, inventory counts), each keyed by
//! the word it belongs to within its clause, and how two values compare.

use super::lexicon::{Lexicon, Words};
use super::text::{
    approx, ascii_boundary_after, ascii_boundary_before, blank_ranges, masks, overlaps, parse_num, prev_char, segment,
    tail,
};
use std::ops::Range;

/// A typed value found in a text.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    /// An amount of money in CNY.
    Money(f64),
    /// A duration in hours (a range when lo < hi); `bound` when written as "X内" (at most).
    Dur { lo: f64, hi: f64, bound: bool },
    /// A physical measure with its unit (lower-case canonical unit).
    Measure { unit: &'static str, lo: f64, hi: f64 },
    /// A spec token: prefix (spf, pa, upf, ipx, ip, atm, pd, qc, 蓝牙) and value text.
    Spec { prefix: &'static str, value: String },
    /// A percentage of a named component (60%棉).
    Pct { v: f64, name: String },
    /// A count of ports of one type (usbc ×2).
    Ports { port: String, n: u32 },
    /// A discount factor (8折 → 0.8).
    Discount(f64),
    /// 满X减Y.
    Pair { x: f64, y: f64 },
    /// A time-of-day range in minutes after midnight.
    TimeRange(u32, u32),
    /// A time of day with 前/后 (cut-off), in minutes.
    TimeOfDay { t: u32, after: bool },
    /// An inventory count (还剩X件).
    Inventory(i64),
}

/// A value mention with its location (folded-text bytes) and the key word it belongs to.
#[derive(Debug, Clone)]
pub(super) struct Mention {
    /// The value.
    pub(super) val: Val,
    /// Folded-text byte range.
    pub(super) range: Range<usize>,
    /// As written (folded).
    pub(super) raw: String,
    /// The key the value belongs to: 运费, 差价, 满, 包邮, 价… for money; an event (ship,
    /// refund…) or attribute (warranty…) for durations; an attribute concept for measures.
    pub(super) key: Option<String>,
    /// A shopper body measure (身高/体重…), never a merchant claim.
    pub(super) body: bool,
    /// A duration that describes the product (warranty, shelf life, battery life: a
    /// `duration_role` under `attribute`), not a shop process.
    pub(super) attr_dur: bool,
}

re!(
    RE_TIME_RANGE,
    r"(\d{1,2}):(\d{2})\s*(?:-|~|至|到|—|–)\s*(\d{1,2}):(\d{2})"
);

re!(RE_TIME_POINT, r"(\d{1,2}):(\d{2})\s*(以前|之前|前|以后|之后|后)");

re!(
    RE_TIME_RANGE_CN,
    r"(早上|上午|早|白天)?\s*(\d{1,2})\s*点(半|30分?)?\s*(?:-|~|至|到)\s*(晚上|下午|晚|夜里|中午)?\s*(\d{1,2})\s*点(半|30分?)?"
);

re!(RE_FREE_SHIP, r"满\s*(\d+(?:\.\d+)?)\s*(?:就|即可|可)?\s*包邮");

re!(RE_HOURS_H, r"(\d{1,3})\s*h(?:内|以内)?");

re!(
    RE_PAIR,
    r"满\s*(\d+(?:\.\d+)?)\s*元?\s*,?\s*(?:立减|减|省)\s*(\d+(?:\.\d+)?)\s*元?"
);

re!(RE_SPEC_SPF, r"(spf|upf)\s*(\d+)(?:\s*(\+))?");

re!(RE_SPEC_PA, r"pa\s*(\+{1,4})");

re!(RE_SPEC_IP, r"(ipx|ip)\s*(\d{1,2})");

re!(RE_SPEC_ATM, r"(\d+)\s*atm");

re!(RE_SPEC_VER, r"(pd|qc|蓝牙)\s*(\d(?:\.\d)?\+?)");

re!(
    RE_PORTS_A,
    r"(\d+|[一二两三四五六七八九十]+)\s*个\s*(usb-?[ac]|type-?c)"
);

re!(RE_PORTS_B, r"(usb-?[ac]|type-?c)\s*[×x*]\s*(\d+)");

re!(RE_PCT, r"(\d+(?:\.\d+)?)\s*%");

re!(
    RE_INVENTORY,
    r"(?:还剩|只剩|仅剩|剩余|剩下|库存还有|库存还剩|库存仅剩|库存有|库存)\s*(?:最后)?\s*(\d+)\s*(?:件|个|台|支|条|套|盒|瓶|双|张|罐|包|片|袋|把|箱|份|饼)"
);

re!(
    pub(super) RE_DUR,
    r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千半]+)(?:\s*(?:-|~|至|到)\s*(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+))?\s*(小时|个工作日|工作日|个月|天|日|年|周|个星期|分钟)(内|以内|之内)?"
);

re!(RE_MONEY_YEN, r"¥\s*(\d+(?:\.\d+)?)");

re!(
    RE_MONEY,
    r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)\s*(?:元|块钱|块)"
);

re!(
    RE_MEASURE,
    r"(-?\d+(?:\.\d+)?)(?:\s*(?:-|~)\s*(\d+(?:\.\d+)?))?\s*(mah|kwh|wh|mbps|gb|tb|ml|kg|mg|mm|cm|db|w|g|毫升|毫安|厘米|毫米|千克|英寸|克|瓦|升|米|°c)"
);

re!(RE_DISCOUNT, r"(\d+(?:\.\d+)?|[一二三四五六七八九])\s*折");

/// Durations in hours per unit.
pub(super) fn dur_hours(unit: &str) -> f64 {
    match unit {
        "小时" => 1.0,
        "天" | "日" | "工作日" | "个工作日" => 24.0,
        "周" | "个星期" => 168.0,
        "个月" => 720.0,
        "年" => 8760.0,
        "分钟" => 1.0 / 60.0,
        _ => 1.0,
    }
}

/// The canonical (lower-case ASCII) name of a measure unit.
fn canon_unit(u: &str) -> &'static str {
    match u {
        "mah" | "毫安" => "mah",
        "kwh" => "kwh",
        "wh" => "wh",
        "mbps" => "mbps",
        "gb" => "gb",
        "tb" => "tb",
        "ml" | "毫升" => "ml",
        "升" => "l",
        "kg" | "千克" => "kg",
        "mg" => "mg",
        "mm" | "毫米" => "mm",
        "cm" | "厘米" => "cm",
        "米" => "m",
        "db" => "db",
        "w" | "瓦" => "w",
        "g" | "克" => "g",
        "英寸" => "inch",
        "°c" => "°c",
        _ => "?",
    }
}

/// Amount roles read only from the words after an amount, never as the nearest key before it.
const AFTER_ONLY_ROLES: &[&str] = &["coupon", "free_shipping", "interest_free"];

/// The concept of `words` whose form ends nearest before `pos`, and where that form is.
fn nearest_before<'a>(clause: &str, pos: usize, words: &'a Words, skip: &[&str]) -> Option<(&'a str, Range<usize>)> {
    words
        .find(&clause[..pos])
        .into_iter()
        .rfind(|(_, n)| !skip.contains(n))
        .map(|(r, n)| (n, r))
}

/// The concept of `words` whose form starts nearest after `pos`, and its distance in bytes.
fn nearest_after<'a>(clause: &str, pos: usize, words: &'a Words) -> Option<(&'a str, usize)> {
    words.find(&clause[pos..]).into_iter().next().map(|(r, n)| (n, r.start))
}

/// The clause holding folded offset `pos`.
fn clause_of(clauses: &[Range<usize>], pos: usize) -> Range<usize> {
    clauses
        .iter()
        .find(|c| c.start <= pos && pos < c.end)
        .cloned()
        .unwrap_or(pos..pos)
}

/// The value mentions of a text as the patterns find them: what one pattern takes, a later
/// one cannot take again, so [`PASSES`] run in a fixed order.
struct Scan<'s> {
    /// The folded text.
    s: &'s str,
    /// Ranges taken so far (masked spans first).
    taken: Vec<Range<usize>>,
    /// Values found so far.
    out: Vec<Mention>,
}

impl<'s> Scan<'s> {
    /// A scan of `s` with its masked spans already taken.
    fn new(s: &'s str) -> Self {
        Scan {
            s,
            taken: masks(s),
            out: Vec::new(),
        }
    }

    /// Takes `r` for a value.
    fn push(&mut self, val: Val, r: Range<usize>) {
        self.taken.push(r.clone());
        self.out.push(Mention {
            val,
            raw: self.s[r.clone()].to_string(),
            range: r,
            key: None,
            body: false,
            attr_dur: false,
        });
    }
}

/// The value patterns, in the order they take text.
const PASSES: &[fn(&mut Scan)] = &[
    clock_times,
    spoken_time_ranges,
    thresholds,
    specs,
    ports,
    percentages,
    inventory,
    durations,
    money,
    measures,
    discounts,
];

/// Every typed value in a folded text, keyed within its clause.
pub(super) fn mentions(s: &str, lex: &Lexicon) -> Vec<Mention> {
    let sents = segment(s);
    let clauses: Vec<Range<usize>> = sents.iter().flat_map(|x| x.clauses.iter().cloned()).collect();
    let mut sc = Scan::new(s);
    for pass in PASSES {
        pass(&mut sc);
    }
    let mut out = sc.out;
    assign_keys(&mut out, s, &clauses, lex);
    out.sort_by_key(|m| m.range.start);
    out
}

/// Times of day: `9:00-18:00` ranges and `16:00前` cut-offs.
fn clock_times(sc: &mut Scan) {
    let s = sc.s;
    for c in RE_TIME_RANGE.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) {
            continue;
        }
        let n = |i: usize| c.get(i).and_then(|x| x.as_str().parse::<u32>().ok()).unwrap_or(0);
        sc.push(Val::TimeRange(n(1) * 60 + n(2), n(3) * 60 + n(4)), r);
    }
    for c in RE_TIME_POINT.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) {
            continue;
        }
        let n = |i: usize| c.get(i).and_then(|x| x.as_str().parse::<u32>().ok()).unwrap_or(0);
        let after = c.get(3).is_some_and(|x| x.as_str().contains('后'));
        let tr = c.get(1).map(|m| m.start()).unwrap_or(r.start)..c.get(2).map(|m| m.end()).unwrap_or(r.end);
        sc.push(
            Val::TimeOfDay {
                t: n(1) * 60 + n(2),
                after,
            },
            tr,
        );
    }
}

/// Time ranges written with 点 (`早上9点到晚上10点`).
fn spoken_time_ranges(sc: &mut Scan) {
    let s = sc.s;
    for c in RE_TIME_RANGE_CN.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) {
            continue;
        }
        let n = |i: usize| c.get(i).and_then(|x| x.as_str().parse::<u32>().ok()).unwrap_or(0);
        let half = |i: usize| if c.get(i).is_some() { 30 } else { 0 };
        let mut h1 = n(2);
        if c.get(1).is_none() && h1 == 12 {
            h1 = 12;
        }
        let mut h2 = n(5);
        let pm2 = c.get(4).is_some_and(|m| m.as_str() != "中午");
        if (pm2 || h2 < h1) && h2 < 12 {
            h2 += 12;
        }
        sc.push(Val::TimeRange(h1 * 60 + half(3), h2 * 60 + half(6)), r);
    }
}

/// Free-shipping thresholds (`满99包邮`) and 满减 pairs (`满300减40`).
fn thresholds(sc: &mut Scan) {
    let s = sc.s;
    for c in RE_FREE_SHIP.captures_iter(s) {
        let Some(g) = c.get(1) else { continue };
        let r = g.range();
        if overlaps(&sc.taken, &r) || s[r.end..].trim_start().starts_with(['元', '块']) {
            continue;
        }
        let Some(v) = parse_num(g.as_str()) else { continue };
        sc.push(Val::Money(v), r);
    }
    for c in RE_PAIR.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) {
            continue;
        }
        let (Some(x), Some(y)) = (
            c.get(1).and_then(|m| parse_num(m.as_str())),
            c.get(2).and_then(|m| parse_num(m.as_str())),
        ) else {
            continue;
        };
        sc.push(Val::Pair { x, y }, r);
    }
}

/// Spec tokens: SPF/UPF, PA, IP/IPX, ATM, PD/QC/蓝牙 versions.
fn specs(sc: &mut Scan) {
    let s = sc.s;
    for c in RE_SPEC_SPF.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) || !ascii_boundary_before(s, r.start) {
            continue;
        }
        let prefix = if c.get(1).is_some_and(|m| m.as_str() == "spf") {
            "spf"
        } else {
            "upf"
        };
        let value = format!(
            "{}{}",
            c.get(2).map_or("", |m| m.as_str()),
            c.get(3).map_or("", |m| m.as_str())
        );
        sc.push(Val::Spec { prefix, value }, r);
    }
    for c in RE_SPEC_PA.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) || !ascii_boundary_before(s, r.start) {
            continue;
        }
        let value = c.get(1).map_or("", |m| m.as_str()).to_string();
        sc.push(Val::Spec { prefix: "pa", value }, r);
    }
    for c in RE_SPEC_IP.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) || !ascii_boundary_before(s, r.start) || !ascii_boundary_after(s, r.end) {
            continue;
        }
        let prefix = if c.get(1).is_some_and(|m| m.as_str() == "ipx") {
            "ipx"
        } else {
            "ip"
        };
        let value = c.get(2).map_or("", |m| m.as_str()).to_string();
        sc.push(Val::Spec { prefix, value }, r);
    }
    for c in RE_SPEC_ATM.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) || !ascii_boundary_before(s, r.start) || !ascii_boundary_after(s, r.end) {
            continue;
        }
        let value = c.get(1).map_or("", |m| m.as_str()).to_string();
        sc.push(Val::Spec { prefix: "atm", value }, r);
    }
    for c in RE_SPEC_VER.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) || !ascii_boundary_before(s, r.start) || !ascii_boundary_after(s, r.end) {
            continue;
        }
        let prefix = match c.get(1).map_or("", |m| m.as_str()) {
            "pd" => "pd",
            "qc" => "qc",
            _ => "蓝牙",
        };
        let value = c.get(2).map_or("", |m| m.as_str()).to_string();
        sc.push(Val::Spec { prefix, value }, r);
    }
}

/// Port counts (`2个USB-C`, `USB-A×1`).
fn ports(sc: &mut Scan) {
    let s = sc.s;
    for c in RE_PORTS_A.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) {
            continue;
        }
        let Some(n) = c.get(1).and_then(|m| parse_num(m.as_str())) else {
            continue;
        };
        let port = port_name(c.get(2).map_or("", |m| m.as_str()));
        sc.push(Val::Ports { port, n: n as u32 }, r);
    }
    for c in RE_PORTS_B.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) {
            continue;
        }
        let Some(n) = c.get(2).and_then(|m| parse_num(m.as_str())) else {
            continue;
        };
        let port = port_name(c.get(1).map_or("", |m| m.as_str()));
        sc.push(Val::Ports { port, n: n as u32 }, r);
    }
}

/// Percentages of a named component (`60%棉`).
fn percentages(sc: &mut Scan) {
    let s = sc.s;
    for c in RE_PCT.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) || prev_char(s, r.start).is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '.') {
            continue;
        }
        let Some(v) = c.get(1).and_then(|m| parse_num(m.as_str())) else {
            continue;
        };
        let name = pct_name(s, r.clone());
        if name.is_empty() {
            continue;
        }
        sc.push(Val::Pct { v, name }, r);
    }
}

/// Inventory counts (`还剩3件`).
fn inventory(sc: &mut Scan) {
    let s = sc.s;
    for c in RE_INVENTORY.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) {
            continue;
        }
        let Some(n) = c.get(1).and_then(|m| m.as_str().parse::<i64>().ok()) else {
            continue;
        };
        sc.taken.push(r.clone());
        let start = c.get(1).map_or(r.start, |m| m.start());
        sc.push(Val::Inventory(n), start..r.end);
    }
}

/// Durations (`3-5天`, `48小时内`, `24h`).
fn durations(sc: &mut Scan) {
    let s = sc.s;
    for c in RE_DUR.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) || prev_char(s, r.start).is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '第')
        {
            continue;
        }
        let unit = c.get(3).map_or("", |m| m.as_str());
        let Some(lo) = c.get(1).and_then(|m| parse_num(m.as_str())) else {
            continue;
        };
        let hi = c.get(2).and_then(|m| parse_num(m.as_str())).unwrap_or(lo);
        // "次日", "每日" and similar are not counts; a Chinese numeral must be a whole numeral.
        let h = dur_hours(unit);
        let bound = c.get(4).is_some();
        let end = c.get(3).map(|m| m.end()).unwrap_or(r.end);
        sc.push(
            Val::Dur {
                lo: lo * h,
                hi: hi * h,
                bound,
            },
            r.start..end,
        );
    }
    for c in RE_HOURS_H.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r)
            || !ascii_boundary_before(s, r.start)
            || !ascii_boundary_after(
                s,
                c.get(0)
                    .map_or(r.end, |m| m.start() + m.as_str().find('h').unwrap_or(0) + 1),
            )
        {
            continue;
        }
        let Some(v) = c.get(1).and_then(|m| parse_num(m.as_str())) else {
            continue;
        };
        let bound = c.get(0).is_some_and(|m| m.as_str().contains('内'));
        sc.push(Val::Dur { lo: v, hi: v, bound }, r);
    }
}

/// Amounts of money (`¥99`, `20元`).
fn money(sc: &mut Scan) {
    let s = sc.s;
    for c in RE_MONEY_YEN.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) {
            continue;
        }
        let Some(v) = c.get(1).and_then(|m| parse_num(m.as_str())) else {
            continue;
        };
        sc.push(Val::Money(v), r);
    }
    for c in RE_MONEY.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) || prev_char(s, r.start).is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '.') {
            continue;
        }
        let num = c.get(1).map_or("", |m| m.as_str());
        // A bare 一块 / 两块 ("一块儿", "两块替换芯") is not money.
        if !num.chars().any(|ch| ch.is_ascii_digit()) && !c.get(0).is_some_and(|m| m.as_str().ends_with('元')) {
            continue;
        }
        let Some(v) = parse_num(num) else { continue };
        sc.push(Val::Money(v), r);
    }
}

/// Words after a number with `g` that make it a network generation (5G全网通), not grams.
const NETWORK_WORDS: &[&str] = &["全网", "网络", "信号", "通话", "视频", "手机", "双卡", "基站"];

/// Physical measures with a unit (`5000mAh`, `50ml`, `1600W`).
fn measures(sc: &mut Scan) {
    let s = sc.s;
    for c in RE_MEASURE.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) {
            continue;
        }
        let first = c.get(1).map(|m| m.start()).unwrap_or(r.start);
        let after_time_colon =
            prev_char(s, first) == Some(':') && s[..first.saturating_sub(1)].ends_with(|c: char| c.is_ascii_digit());
        if after_time_colon || prev_char(s, first).is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '.') {
            continue;
        }
        let unit_raw = c.get(3).map_or("", |m| m.as_str());
        if unit_raw.is_ascii() && !ascii_boundary_after(s, r.end) {
            continue;
        }
        if unit_raw == "g" {
            let after: String = s[r.end..].chars().take(3).collect();
            if NETWORK_WORDS.iter().any(|w| after.starts_with(w)) {
                continue;
            }
        }
        let (Some(lo), hi) = (
            c.get(1).and_then(|m| m.as_str().parse::<f64>().ok()),
            c.get(2).and_then(|m| m.as_str().parse::<f64>().ok()),
        ) else {
            continue;
        };
        let unit = canon_unit(unit_raw);
        sc.push(
            Val::Measure {
                unit,
                lo,
                hi: hi.unwrap_or(lo),
            },
            r,
        );
    }
}

/// Discounts (`8折` → 0.8).
fn discounts(sc: &mut Scan) {
    let s = sc.s;
    for c in RE_DISCOUNT.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&sc.taken, &r) || prev_char(s, r.start).is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '.') {
            continue;
        }
        let Some(v) = c.get(1).and_then(|m| parse_num(m.as_str())) else {
            continue;
        };
        let f = if v >= 10.0 { v / 100.0 } else { v / 10.0 };
        if f <= 0.0 || f >= 1.0 {
            continue;
        }
        sc.push(Val::Discount(f), r);
    }
}

/// A port type's canonical name (`type-c` → `usbc`).
fn port_name(p: &str) -> String {
    let p = p.replace('-', "");
    if p == "typec" { "usbc".to_string() } else { p }
}

/// Keys each value by the words of its clause (money and duration keys, attribute labels,
/// spec prefixes) and marks shopper body measures.
fn assign_keys(out: &mut [Mention], s: &str, clauses: &[Range<usize>], lex: &Lexicon) {
    for m in out {
        let cl = clause_of(clauses, m.range.start);
        let clause = &s[cl.clone()];
        let pos = m.range.start.saturating_sub(cl.start).min(clause.len());
        let end = m.range.end.saturating_sub(cl.start).min(clause.len());
        let before = tail(&clause[..pos], 6);
        let v = &lex.vocab;
        m.body = v.body.any(before);
        let attr = |k: &str| v.duration.closure(k).contains(&"attribute");
        m.key = match &m.val {
            Val::Money(_) => money_key(clause, pos, end, &v.amount),
            Val::Dur { .. } => {
                let after = nearest_after(clause, end, &v.duration);
                let before = nearest_before(clause, pos, &v.duration, &[]).map(|(k, r)| (k, pos - r.end));
                match (after, before) {
                    // An attribute key right before the value wins ("质保1年", "续航10小时").
                    (_, Some((k, d))) if attr(k) && d <= 6 => Some(k.to_string()),
                    (Some((k, _)), _) => Some(k.to_string()),
                    (None, Some((k, _))) => Some(k.to_string()),
                    _ => None,
                }
            }
            Val::Measure { .. } | Val::Pct { .. } => lex.attr_key_before(clause, pos),
            Val::Spec { prefix, .. } => Some(prefix.to_string()),
            Val::Pair { .. } => Some("threshold_reduction".to_string()),
            _ => None,
        };
        m.attr_dur = matches!(m.val, Val::Dur { .. }) && m.key.as_deref().is_some_and(attr);
    }
}

/// The role of an amount: a coupon, fee or fee difference named right after it, else the
/// nearest role named before it (a threshold only when 满 touches the number: then 包邮 or
/// 免息 after it make it a free-shipping or interest-free threshold).
fn money_key(clause: &str, pos: usize, end: usize, words: &Words) -> Option<String> {
    let after: String = clause[end..].chars().take(5).collect();
    let after = after.trim_start_matches(['的', ' ']);
    let named_after = words
        .find(after)
        .into_iter()
        .next()
        .filter(|(r, _)| r.start == 0)
        .map(|(_, n)| n);
    if named_after == Some("coupon") {
        return Some("coupon".to_string());
    }
    let threshold =
        nearest_before(clause, pos, words, AFTER_ONLY_ROLES).is_some_and(|(k, r)| k == "threshold" && pos - r.end <= 1);
    if !threshold && let Some(k @ ("shipping_fee" | "fee_difference")) = named_after {
        return Some(k.to_string());
    }
    // (distances are in bytes: 满 must touch the number.)
    let (mut k, at) = nearest_before(clause, pos, words, AFTER_ONLY_ROLES)?;
    if k == "threshold" && pos - at.end > 1 {
        // "不满的话收8元": 满 is not this number's key; look further back.
        match nearest_before(clause, at.start, words, AFTER_ONLY_ROLES) {
            Some((k2, _)) if k2 != "threshold" => k = k2,
            _ => return None,
        }
    }
    if k == "threshold" {
        let rest = &clause[end..];
        for role in ["free_shipping", "interest_free"] {
            if words.has(rest, role) {
                return Some(role.to_string());
            }
        }
    }
    (k != "insurance").then(|| k.to_string())
}

/// Characters that end a percentage's component name (60%棉和40%涤纶).
const PCT_NAME_STOPS: &[char] = &['的', '和', '及', '与', '或', '是', '为', '在', '、', '加', '含', '有'];

/// The component a percentage is of: the CJK word after it (60%棉), else before it (棉60%).
fn pct_name(s: &str, r: Range<usize>) -> String {
    let after: String = s[r.end..]
        .chars()
        .take_while(|c| crate::text::is_cjk(*c))
        .take(6)
        .collect();
    let cut = |x: &str| -> String {
        let mut out = String::new();
        for (i, c) in x.chars().enumerate() {
            if i > 0 && PCT_NAME_STOPS.contains(&c) {
                break;
            }
            if x[x.char_indices().nth(i).map_or(0, |(b, _)| b)..].starts_with("搭配") {
                break;
            }
            out.push(c);
        }
        out
    };
    if !after.is_empty() {
        return cut(&after);
    }
    let before: Vec<char> = s[..r.start]
        .chars()
        .rev()
        .take_while(|c| crate::text::is_cjk(*c))
        .take(4)
        .collect();
    let mut b: Vec<char> = Vec::new();
    for c in before {
        if PCT_NAME_STOPS.contains(&c) {
            break;
        }
        b.push(c);
    }
    b.reverse();
    b.into_iter().collect()
}

/// Whether two component names (60%棉, 40%涤纶…) name the same thing.
fn same_component(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a.contains(b) || b.contains(a) {
        return true;
    }
    let pa: Vec<char> = a.chars().take(2).collect();
    let pb: Vec<char> = b.chars().take(2).collect();
    pa.len() == 2 && pa == pb
}

/// Whether two values of the same type are equal (ranges equal; a single value inside a
/// written range counts as equal).
pub(super) fn same_value(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Money(x), Val::Money(y)) => approx(*x, *y),
        (
            Val::Dur {
                lo: a1,
                hi: a2,
                bound: ab,
            },
            Val::Dur { lo: b1, hi: b2, .. },
        ) => {
            (approx(*a1, *b1) && approx(*a2, *b2))
                || (!ab && approx(*a1, *a2) && *a1 >= *b1 - 0.01 && *a1 <= *b2 + 0.01 && b1 < b2)
        }
        (
            Val::Measure {
                unit: u1,
                lo: a1,
                hi: a2,
            },
            Val::Measure {
                unit: u2,
                lo: b1,
                hi: b2,
            },
        ) => u1 == u2 && approx(*a1, *b1) && approx(*a2, *b2),
        (Val::Spec { prefix: p1, value: v1 }, Val::Spec { prefix: p2, value: v2 }) => p1 == p2 && v1 == v2,
        (Val::Pct { v: v1, name: n1 }, Val::Pct { v: v2, name: n2 }) => approx(*v1, *v2) && same_component(n1, n2),
        (Val::Ports { port: p1, n: n1 }, Val::Ports { port: p2, n: n2 }) => p1 == p2 && n1 == n2,
        (Val::Discount(x), Val::Discount(y)) => approx(*x, *y),
        (Val::Pair { x: x1, y: y1 }, Val::Pair { x: x2, y: y2 }) => approx(*x1, *x2) && approx(*y1, *y2),
        (Val::TimeRange(a1, a2), Val::TimeRange(b1, b2)) => a1 == b1 && a2 == b2,
        (Val::Inventory(x), Val::Inventory(y)) => x == y,
        (Val::TimeOfDay { t: a, .. }, Val::TimeOfDay { t: b, .. }) => a == b,
        _ => false,
    }
}

/// Whether two values are of the same comparable type (same unit family, same spec prefix,
/// same component, same port).
pub(super) fn same_type(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Money(_), Val::Money(_))
        | (Val::Dur { .. }, Val::Dur { .. })
        | (Val::Discount(_), Val::Discount(_))
        | (Val::Pair { .. }, Val::Pair { .. })
        | (Val::TimeRange(..), Val::TimeRange(..))
        | (Val::Inventory(_), Val::Inventory(_)) => true,
        (Val::Measure { unit: u1, .. }, Val::Measure { unit: u2, .. }) => u1 == u2,
        (Val::Spec { prefix: p1, .. }, Val::Spec { prefix: p2, .. }) => p1 == p2,
        (Val::Pct { name: n1, .. }, Val::Pct { name: n2, .. }) => same_component(n1, n2),
        (Val::Ports { port: p1, .. }, Val::Ports { port: p2, .. }) => p1 == p2,
        (Val::TimeOfDay { after: a1, .. }, Val::TimeOfDay { after: a2, .. }) => a1 == a2,
        _ => false,
    }
}

/// Clause `cl` of `s` with its value mentions blanked.
pub(super) fn blank_mentions(s: &str, cl: &std::ops::Range<usize>, ments: &[Mention]) -> String {
    let rs: Vec<std::ops::Range<usize>> = ments
        .iter()
        .filter(|m| m.range.start >= cl.start && m.range.end <= cl.end)
        .map(|m| m.range.start - cl.start..m.range.end - cl.start)
        .collect();
    blank_ranges(&s[cl.clone()], &rs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::text::Normed;

    #[test]
    fn segments_and_maps_back() {
        let n = Normed::new("亲，运费２０元～发货后5~7天送达。");
        let sents = segment(&n.s);
        assert_eq!(sents.len(), 2);
        let m = mentions(&n.s, &Lexicon::default());
        assert!(m.iter().any(|m| m.val == Val::Money(20.0)));
        let d = m.iter().find(|m| matches!(m.val, Val::Dur { .. })).expect("duration");
        assert_eq!(
            d.val,
            Val::Dur {
                lo: 120.0,
                hi: 168.0,
                bound: false
            }
        );
        let money = m.iter().find(|m| m.val == Val::Money(20.0)).expect("money");
        assert_eq!(&"亲，运费２０元～发货后5~7天送达。"[n.orig(&money.range)], "２０元");
    }

    #[test]
    fn masks_phones_dates_orders() {
        let n = Normed::new("客服电话400-111-2222，订单1234567890，3月1日至3月8日23:59");
        let m = mentions(&n.s, &Lexicon::default());
        assert!(m.is_empty(), "{m:?}");
    }
}
