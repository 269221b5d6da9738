//! Claim extraction: every checkable statement in an answer text (template or LLM output),
//! typed and located, with the product(s) it is about.
//!
//! Nothing here knows a merchant by name: products are recognised by term overlap with the
//! merchant's own product names and SKUs, attribute keys come from the ontology's attribute
//! concepts and the merchant's property names, couriers from the ontology's courier concepts.
//! The keyword lists below are generic Chinese e-commerce vocabulary (units, 运费, 包邮, 缺货…).

use crate::pipeline::ClaimKind;
use crate::store::{MerchantFacts, Ontology};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

// ------------------------------------------------------------------ normalisation

/// A text NFKC-folded and lower-cased (spaces kept), with a map back to the original bytes.
#[derive(Debug, Clone)]
pub(crate) struct Normed {
    /// The folded text.
    pub s: String,
    map: Vec<usize>,
    orig_len: usize,
}

impl Normed {
    pub(crate) fn new(orig: &str) -> Self {
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
    pub(crate) fn orig(&self, r: &Range<usize>) -> Range<usize> {
        let start = self.map.get(r.start).copied().unwrap_or(self.orig_len);
        let end = if r.end >= self.s.len() {
            self.orig_len
        } else {
            self.map[r.end]
        };
        start..end.max(start)
    }
}

// ------------------------------------------------------------------ segmentation

/// A sentence of a folded text with its clauses (byte ranges into the folded text).
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub range: Range<usize>,
    pub clauses: Vec<Range<usize>>,
}

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
pub(crate) fn segment(s: &str) -> Vec<Sent> {
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

// ------------------------------------------------------------------ numbers

/// Parses an Arabic or Chinese numeral (七, 十五, 三十, 两, 半).
pub(crate) fn parse_num(s: &str) -> Option<f64> {
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

fn approx(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.011
}

// ------------------------------------------------------------------ value mentions

/// A typed value found in a text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
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
pub(crate) struct Mention {
    pub val: Val,
    pub range: Range<usize>,
    pub raw: String,
    /// The key the value belongs to: 运费, 差价, 满, 包邮, 价… for money; an event (ship,
    /// refund…) or attribute (warranty…) for durations; an attribute concept for measures.
    pub key: Option<String>,
    /// A shopper body measure (身高/体重…), never a merchant claim.
    pub body: bool,
}

/// A date written in the text (month, day) with its role in a range.
#[derive(Debug, Clone)]
pub(crate) struct DateMention {
    pub range: Range<usize>,
    pub month: u32,
    pub day: u32,
    /// Start of a written range, or followed by 起/开始.
    pub start: bool,
    /// End of a written range, or followed by 结束/截止 or preceded by 到/至.
    pub end: bool,
}

macro_rules! re {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($pat).expect("static regex"));
    };
}

re!(RE_PHONE, r"\d{3,4}-\d{3,4}-\d{3,4}|\d{3,4}-\d{7,8}|\d{3,4}-\d{3,4}");
re!(RE_LONGNUM, r"[a-z]*\d{7,}");
re!(
    RE_DATE,
    r"(?:(\d{2,4})年)?(\d{1,2})月(\d{1,2})(?:日|号)(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
);
re!(
    RE_DATE_OTHER,
    r"\d{4}年(?:\d{1,2}月)?|\d{1,2}月(?:底|初|中旬|上旬|下旬|份)|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}(?:日|号)"
);
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
    r"(?:还剩|只剩|仅剩|剩余|剩下|库存还有|库存还剩|库存仅剩|库存有|库存)\s*(?:最后)?\s*(\d+)\s*(?:件|个|台|支|条|套|盒|瓶|双)"
);
re!(
    RE_DUR,
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
fn dur_hours(unit: &str) -> f64 {
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

fn overlaps(taken: &[Range<usize>], r: &Range<usize>) -> bool {
    taken.iter().any(|t| t.start < r.end && r.start < t.end)
}

fn prev_char(s: &str, at: usize) -> Option<char> {
    s[..at].chars().next_back()
}

fn next_char(s: &str, at: usize) -> Option<char> {
    s[at..].chars().next()
}

fn ascii_boundary_before(s: &str, at: usize) -> bool {
    !prev_char(s, at).is_some_and(|c| c.is_ascii_alphanumeric())
}

fn ascii_boundary_after(s: &str, at: usize) -> bool {
    !next_char(s, at).is_some_and(|c| c.is_ascii_alphanumeric())
}

/// Byte ranges of a folded text that hold no claims: phone and order numbers, dates.
pub(crate) fn masks(s: &str) -> Vec<Range<usize>> {
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

/// Dates (month/day) written in a folded text.
pub(crate) fn dates(s: &str) -> Vec<DateMention> {
    let mut out: Vec<DateMention> = Vec::new();
    for c in RE_DATE.captures_iter(s) {
        let m = c.get(0).map(|m| m.range()).unwrap_or_default();
        let (Some(month), Some(day)) = (
            c.get(2).and_then(|x| x.as_str().parse().ok()),
            c.get(3).and_then(|x| x.as_str().parse().ok()),
        ) else {
            continue;
        };
        let before: String = s[..m.start]
            .chars()
            .rev()
            .take(3)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let after: String = s[m.end..].chars().take(6).collect();
        let end = ["到", "至", "截至", "截止"]
            .iter()
            .any(|k| before.trim_end().ends_with(k))
            || ["结束", "截止", "止", "为止"]
                .iter()
                .any(|k| after.trim_start().starts_with(k));
        let start = ["起", "开始"].iter().any(|k| after.trim_start().starts_with(k));
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

/// Key words for money, nearest before the value (within the clause).
const MONEY_KEYS: &[(&str, &str)] = &[
    ("运费险", "运费险"),
    ("运费差价", "差价"),
    ("差价", "差价"),
    ("运费", "运费"),
    ("邮费", "运费"),
    ("手续费", "手续费"),
    ("扣除", "扣"),
    ("扣", "扣"),
    ("可抵", "抵"),
    ("抵扣", "抵"),
    ("抵", "抵"),
    ("金额", "金额"),
    ("满", "满"),
    ("立减", "减"),
    ("减", "减"),
    ("优惠", "减"),
    ("售价", "价"),
    ("价格", "价"),
    ("单价", "价"),
    ("原价", "价"),
    ("现价", "价"),
    ("到手价", "价"),
    ("定价", "价"),
    ("价", "价"),
    ("合计", "总"),
    ("总共", "总"),
    ("一共", "总"),
    ("总价", "总"),
    ("实付", "总"),
    ("=", "总"),
    ("折后", "总"),
    ("积", "积分"),
    ("消费", "消费"),
];

/// Event and attribute keys for durations (a following key is preferred).
const DUR_KEYS: &[(&str, &str)] = &[
    ("发货", "ship"),
    ("发出", "ship"),
    ("寄出", "ship"),
    ("出库", "ship"),
    ("送达", "deliver"),
    ("送到", "deliver"),
    ("到货", "deliver"),
    ("退款", "refund"),
    ("到账", "refund"),
    ("无理由", "return"),
    ("退货", "return"),
    ("退换", "return"),
    ("换货", "exchange"),
    ("价保", "priceprotect"),
    ("保价", "priceprotect"),
    ("降价", "priceprotect"),
    ("开票", "invoice"),
    ("发票", "invoice"),
    ("发送", "send"),
    ("发到邮箱", "send"),
    ("邮箱", "send"),
    ("补货", "restock"),
    ("质保", "warranty"),
    ("保修", "warranty"),
    ("保质期", "shelf"),
    ("用完", "shelf"),
    ("续航", "battery"),
    ("待机", "battery"),
];

/// Duration keys that describe a product attribute rather than a shop process.
pub(crate) fn is_attr_dur_key(k: &str) -> bool {
    matches!(k, "warranty" | "shelf" | "battery")
}

const BODY_WORDS: &[&str] = &[
    "身高", "体重", "腰围", "胸围", "臀围", "肩宽", "脚长", "头围", "年龄", "腿长",
];

fn nearest_before(clause: &str, pos: usize, vocab: &[(&str, &'static str)]) -> Option<(&'static str, usize)> {
    let hay = &clause[..pos];
    let mut best: Option<(&'static str, usize, usize)> = None; // key, end, len
    for (w, k) in vocab {
        if let Some(i) = hay.rfind(w) {
            let end = i + w.len();
            let better = match best {
                None => true,
                Some((_, be, bl)) => end > be || (end == be && w.len() > bl),
            };
            if better {
                best = Some((k, end, w.len()));
            }
        }
    }
    best.map(|(k, end, _)| (k, pos - end))
}

fn nearest_after(clause: &str, pos: usize, vocab: &[(&str, &'static str)]) -> Option<(&'static str, usize)> {
    let hay = &clause[pos..];
    let mut best: Option<(&'static str, usize, usize)> = None;
    for (w, k) in vocab {
        if let Some(i) = hay.find(w) {
            let better = match best {
                None => true,
                Some((_, bi, bl)) => i < bi || (i == bi && w.len() > bl),
            };
            if better {
                best = Some((k, i, w.len()));
            }
        }
    }
    best.map(|(k, i, _)| (k, i))
}

/// Courier names used only when the ontology holds no courier concepts.
const FALLBACK_COURIERS: &[&[&str]] = &[
    &["顺丰", "顺丰速运", "顺丰快递"],
    &["中通", "中通快递"],
    &["圆通", "圆通速递", "圆通快递"],
    &["申通", "申通快递"],
    &["韵达", "韵达快递"],
    &["京东物流", "京东快递"],
    &["邮政", "中国邮政", "邮政快递", "ems"],
    &["极兔", "极兔速递"],
    &["德邦", "德邦快递"],
];

/// Attribute labels (ontology concepts and the merchant's property names) for keying measures.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexicon {
    /// (folded label, concept key), longest labels first.
    attr_labels: Vec<(String, String)>,
    /// Courier labels (folded) → courier concept index.
    courier_labels: Vec<(String, usize)>,
    courier_ac: Option<AhoCorasick>,
    /// Attribute labels that occur in no product name: text after one describes the
    /// product, it does not name another one ("材质<另一商品名里的词>").
    cutters: Vec<String>,
}

impl Lexicon {
    pub(crate) fn new(facts: &MerchantFacts, ontology: &Ontology) -> Self {
        let mut attr: Vec<(String, String)> = Vec::new();
        for c in &ontology.attributes {
            let key = crate::text::fold(&c.label);
            for l in &c.labels {
                let f = crate::text::fold(l);
                // Only label words, not whole questions or bare units.
                if f.chars().count() >= 2 && f.chars().any(crate::text::is_cjk) && !f.contains('吗') {
                    attr.push((f, key.clone()));
                }
            }
        }
        for p in &facts.products {
            for (n, _) in &p.properties {
                let f = crate::text::fold(n);
                if f.chars().count() >= 2 && !attr.iter().any(|(l, _)| *l == f) {
                    attr.push((f.clone(), f));
                }
            }
        }
        attr.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        attr.dedup_by(|a, b| a.0 == b.0);
        let mut courier_labels = Vec::new();
        for (i, c) in ontology.couriers.iter().enumerate() {
            for l in &c.labels {
                let f = crate::text::fold(l);
                if !f.is_empty() {
                    courier_labels.push((f, i));
                }
            }
        }
        if courier_labels.is_empty() {
            // Without the ontology: the common courier companies by their usual names.
            for (i, names) in FALLBACK_COURIERS.iter().enumerate() {
                for n in *names {
                    courier_labels.push((crate::text::fold(n), i));
                }
            }
        }
        let courier_ac = if courier_labels.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(courier_labels.iter().map(|(l, _)| l.as_str()))
                .ok()
        };
        let names: Vec<String> = facts.products.iter().map(|p| crate::text::fold(&p.name)).collect();
        let cutters = attr
            .iter()
            .map(|(l, _)| l.clone())
            .filter(|l| !names.iter().any(|n| n.contains(l.as_str())))
            .collect();
        Lexicon {
            attr_labels: attr,
            courier_labels,
            courier_ac,
            cutters,
        }
    }

    /// The attribute concept key of the label nearest before `pos` in `clause`.
    pub(crate) fn attr_key_before(&self, clause: &str, pos: usize) -> Option<String> {
        let hay = &clause[..pos];
        let mut best: Option<(usize, &str)> = None;
        for (l, k) in &self.attr_labels {
            if let Some(i) = hay.rfind(l.as_str()) {
                let end = i + l.len();
                if best.is_none_or(|(be, _)| end > be) {
                    best = Some((end, k));
                }
            }
        }
        // The label must be right before the value ("净含量50g", "衣长约70cm"), not a word
        // somewhere earlier (a label inside a product name).
        best.filter(|(end, _)| hay[*end..].chars().count() <= 4)
            .map(|(_, k)| k.to_string())
    }

    /// The part of a text before its first attribute label (the part that may name a product).
    pub(crate) fn naming_part<'t>(&self, text: &'t str) -> &'t str {
        let cut = self
            .cutters
            .iter()
            .filter_map(|l| text.find(l.as_str()))
            .min()
            .unwrap_or(text.len());
        &text[..cut]
    }

    /// The attribute concept key a property name belongs to.
    pub(crate) fn concept_of(&self, name: &str) -> String {
        let f = crate::text::fold(name);
        self.attr_labels
            .iter()
            .find(|(l, _)| *l == f)
            .map(|(_, k)| k.clone())
            .unwrap_or(f)
    }

    /// Courier mentions (folded-text range, concept index) in a folded text.
    pub(crate) fn couriers_in(&self, s: &str) -> Vec<(Range<usize>, usize)> {
        let Some(ac) = &self.courier_ac else { return Vec::new() };
        let mut out = Vec::new();
        for m in ac.find_iter(s) {
            let (label, idx) = &self.courier_labels[m.pattern().as_usize()];
            if label.chars().all(|c| c.is_ascii_alphanumeric())
                && !(ascii_boundary_before(s, m.start()) && ascii_boundary_after(s, m.end()))
            {
                continue;
            }
            out.push((m.start()..m.end(), *idx));
        }
        out
    }
}

fn clause_of(clauses: &[Range<usize>], pos: usize) -> Range<usize> {
    clauses
        .iter()
        .find(|c| c.start <= pos && pos < c.end)
        .cloned()
        .unwrap_or(pos..pos)
}

/// Every typed value in a folded text, keyed within its clause.
pub(crate) fn mentions(s: &str, lex: &Lexicon) -> Vec<Mention> {
    let sents = segment(s);
    let clauses: Vec<Range<usize>> = sents.iter().flat_map(|x| x.clauses.iter().cloned()).collect();
    let mut taken: Vec<Range<usize>> = masks(s);
    let mut out: Vec<Mention> = Vec::new();
    let push = |out: &mut Vec<Mention>, taken: &mut Vec<Range<usize>>, val: Val, r: Range<usize>| {
        taken.push(r.clone());
        out.push(Mention {
            val,
            raw: s[r.clone()].to_string(),
            range: r,
            key: None,
            body: false,
        });
    };
    for c in RE_TIME_RANGE.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) {
            continue;
        }
        let n = |i: usize| c.get(i).and_then(|x| x.as_str().parse::<u32>().ok()).unwrap_or(0);
        push(
            &mut out,
            &mut taken,
            Val::TimeRange(n(1) * 60 + n(2), n(3) * 60 + n(4)),
            r,
        );
    }
    for c in RE_TIME_POINT.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) {
            continue;
        }
        let n = |i: usize| c.get(i).and_then(|x| x.as_str().parse::<u32>().ok()).unwrap_or(0);
        let after = c.get(3).is_some_and(|x| x.as_str().contains('后'));
        let tr = c.get(1).map(|m| m.start()).unwrap_or(r.start)..c.get(2).map(|m| m.end()).unwrap_or(r.end);
        push(
            &mut out,
            &mut taken,
            Val::TimeOfDay {
                t: n(1) * 60 + n(2),
                after,
            },
            tr,
        );
    }
    for c in RE_TIME_RANGE_CN.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) {
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
        push(
            &mut out,
            &mut taken,
            Val::TimeRange(h1 * 60 + half(3), h2 * 60 + half(6)),
            r,
        );
    }
    for c in RE_FREE_SHIP.captures_iter(s) {
        let Some(g) = c.get(1) else { continue };
        let r = g.range();
        if overlaps(&taken, &r) || s[r.end..].trim_start().starts_with(['元', '块']) {
            continue;
        }
        let Some(v) = parse_num(g.as_str()) else { continue };
        push(&mut out, &mut taken, Val::Money(v), r);
    }
    for c in RE_PAIR.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) {
            continue;
        }
        let (Some(x), Some(y)) = (
            c.get(1).and_then(|m| parse_num(m.as_str())),
            c.get(2).and_then(|m| parse_num(m.as_str())),
        ) else {
            continue;
        };
        push(&mut out, &mut taken, Val::Pair { x, y }, r);
    }
    for c in RE_SPEC_SPF.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) || !ascii_boundary_before(s, r.start) {
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
        push(&mut out, &mut taken, Val::Spec { prefix, value }, r);
    }
    for c in RE_SPEC_PA.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) || !ascii_boundary_before(s, r.start) {
            continue;
        }
        let value = c.get(1).map_or("", |m| m.as_str()).to_string();
        push(&mut out, &mut taken, Val::Spec { prefix: "pa", value }, r);
    }
    for c in RE_SPEC_IP.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) || !ascii_boundary_before(s, r.start) || !ascii_boundary_after(s, r.end) {
            continue;
        }
        let prefix = if c.get(1).is_some_and(|m| m.as_str() == "ipx") {
            "ipx"
        } else {
            "ip"
        };
        let value = c.get(2).map_or("", |m| m.as_str()).to_string();
        push(&mut out, &mut taken, Val::Spec { prefix, value }, r);
    }
    for c in RE_SPEC_ATM.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) || !ascii_boundary_before(s, r.start) || !ascii_boundary_after(s, r.end) {
            continue;
        }
        let value = c.get(1).map_or("", |m| m.as_str()).to_string();
        push(&mut out, &mut taken, Val::Spec { prefix: "atm", value }, r);
    }
    for c in RE_SPEC_VER.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) || !ascii_boundary_before(s, r.start) || !ascii_boundary_after(s, r.end) {
            continue;
        }
        let prefix = match c.get(1).map_or("", |m| m.as_str()) {
            "pd" => "pd",
            "qc" => "qc",
            _ => "蓝牙",
        };
        let value = c.get(2).map_or("", |m| m.as_str()).to_string();
        push(&mut out, &mut taken, Val::Spec { prefix, value }, r);
    }
    let port_name = |p: &str| -> String {
        let p = p.replace('-', "");
        if p == "typec" { "usbc".to_string() } else { p }
    };
    for c in RE_PORTS_A.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) {
            continue;
        }
        let Some(n) = c.get(1).and_then(|m| parse_num(m.as_str())) else {
            continue;
        };
        let port = port_name(c.get(2).map_or("", |m| m.as_str()));
        push(&mut out, &mut taken, Val::Ports { port, n: n as u32 }, r);
    }
    for c in RE_PORTS_B.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) {
            continue;
        }
        let Some(n) = c.get(2).and_then(|m| parse_num(m.as_str())) else {
            continue;
        };
        let port = port_name(c.get(1).map_or("", |m| m.as_str()));
        push(&mut out, &mut taken, Val::Ports { port, n: n as u32 }, r);
    }
    for c in RE_PCT.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) || prev_char(s, r.start).is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '.') {
            continue;
        }
        let Some(v) = c.get(1).and_then(|m| parse_num(m.as_str())) else {
            continue;
        };
        let name = pct_name(s, r.clone());
        if name.is_empty() {
            continue;
        }
        push(&mut out, &mut taken, Val::Pct { v, name }, r);
    }
    for c in RE_INVENTORY.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) {
            continue;
        }
        let Some(n) = c.get(1).and_then(|m| m.as_str().parse::<i64>().ok()) else {
            continue;
        };
        taken.push(r.clone());
        let start = c.get(1).map_or(r.start, |m| m.start());
        push(&mut out, &mut taken, Val::Inventory(n), start..r.end);
    }
    for c in RE_DUR.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) || prev_char(s, r.start).is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '第') {
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
        push(
            &mut out,
            &mut taken,
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
        if overlaps(&taken, &r)
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
        push(&mut out, &mut taken, Val::Dur { lo: v, hi: v, bound }, r);
    }
    for c in RE_MONEY_YEN.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) {
            continue;
        }
        let Some(v) = c.get(1).and_then(|m| parse_num(m.as_str())) else {
            continue;
        };
        push(&mut out, &mut taken, Val::Money(v), r);
    }
    for c in RE_MONEY.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) || prev_char(s, r.start).is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '.') {
            continue;
        }
        let num = c.get(1).map_or("", |m| m.as_str());
        // A bare 一块 / 两块 ("一块儿", "两块替换芯") is not money.
        if !num.chars().any(|ch| ch.is_ascii_digit()) && !c.get(0).is_some_and(|m| m.as_str().ends_with('元')) {
            continue;
        }
        let Some(v) = parse_num(num) else { continue };
        push(&mut out, &mut taken, Val::Money(v), r);
    }
    for c in RE_MEASURE.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) {
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
            if ["全网", "网络", "信号", "通话", "视频", "手机", "双卡", "基站"]
                .iter()
                .any(|w| after.starts_with(w))
            {
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
        push(
            &mut out,
            &mut taken,
            Val::Measure {
                unit,
                lo,
                hi: hi.unwrap_or(lo),
            },
            r,
        );
    }
    for c in RE_DISCOUNT.captures_iter(s) {
        let r = c.get(0).map(|m| m.range()).unwrap_or_default();
        if overlaps(&taken, &r) || prev_char(s, r.start).is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '.') {
            continue;
        }
        let Some(v) = c.get(1).and_then(|m| parse_num(m.as_str())) else {
            continue;
        };
        let f = if v >= 10.0 { v / 100.0 } else { v / 10.0 };
        if f <= 0.0 || f >= 1.0 {
            continue;
        }
        push(&mut out, &mut taken, Val::Discount(f), r);
    }
    // Keys, within the clause.
    for m in &mut out {
        let cl = clause_of(&clauses, m.range.start);
        let clause = &s[cl.clone()];
        let pos = m.range.start.saturating_sub(cl.start).min(clause.len());
        let end = m.range.end.saturating_sub(cl.start).min(clause.len());
        let before: String = clause[..pos]
            .chars()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        m.body = BODY_WORDS.iter().any(|w| before.contains(w));
        m.key = match &m.val {
            Val::Money(_) => money_key(clause, pos, end),
            Val::Dur { .. } => {
                let after = nearest_after(clause, end, DUR_KEYS);
                let before = nearest_before(clause, pos, DUR_KEYS);
                match (after, before) {
                    // An attribute key right before the value wins ("质保1年", "续航10小时").
                    (_, Some((k, d))) if is_attr_dur_key(k) && d <= 6 => Some(k.to_string()),
                    (Some((k, _)), _) => Some(k.to_string()),
                    (None, Some((k, _))) => Some(k.to_string()),
                    _ => None,
                }
            }
            Val::Measure { .. } | Val::Pct { .. } => lex.attr_key_before(clause, pos),
            Val::Spec { prefix, .. } => Some(prefix.to_string()),
            Val::Pair { .. } => Some("满减".to_string()),
            _ => None,
        };
    }
    out.sort_by_key(|m| m.range.start);
    out
}

fn money_key(clause: &str, pos: usize, end: usize) -> Option<String> {
    let after: String = clause[end..].chars().take(5).collect();
    if after.starts_with("无门槛")
        || after.starts_with("优惠券")
        || after.starts_with("券")
        || after.starts_with("店铺券")
    {
        return Some("券".to_string());
    }
    let after = after.trim_start_matches(['的', ' ']);
    let threshold = nearest_before(clause, pos, MONEY_KEYS).is_some_and(|(k, d)| k == "满" && d <= 1);
    if !threshold {
        if after.starts_with("运费") && !after.starts_with("运费险") || after.starts_with("邮费") {
            return Some("运费".to_string());
        }
        if after.starts_with("差价") {
            return Some("差价".to_string());
        }
    }
    // (`nearest_before` distances are in bytes: 满 must touch the number.)
    let (mut k, dist) = nearest_before(clause, pos, MONEY_KEYS)?;
    if k == "满" && dist > 1 {
        // "不满的话收8元": 满 is not this number's key; look further back.
        match nearest_before(clause, pos - dist - "满".len(), MONEY_KEYS) {
            Some((k2, _)) if k2 != "满" => k = k2,
            _ => return None,
        }
    }
    if k == "满" {
        let rest = &clause[end..];
        if rest.contains("包邮") {
            return Some("包邮".to_string());
        }
        if rest.contains("免息") {
            return Some("免息".to_string());
        }
    }
    if k == "运费险" {
        return None;
    }
    Some(k.to_string())
}

fn pct_name(s: &str, r: Range<usize>) -> String {
    const STOPS: &[char] = &['的', '和', '及', '与', '或', '是', '为', '在', '、', '加', '含', '有'];
    let after: String = s[r.end..]
        .chars()
        .take_while(|c| crate::text::is_cjk(*c))
        .take(6)
        .collect();
    let cut = |x: &str| -> String {
        let mut out = String::new();
        for (i, c) in x.chars().enumerate() {
            if i > 0 && STOPS.contains(&c) {
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
        if STOPS.contains(&c) {
            break;
        }
        b.push(c);
    }
    b.reverse();
    b.into_iter().collect()
}

/// Whether two component names (60%棉, 40%涤纶…) name the same thing.
pub(crate) fn same_component(a: &str, b: &str) -> bool {
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
pub(crate) fn same_value(a: &Val, b: &Val) -> bool {
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
pub(crate) fn same_type(a: &Val, b: &Val) -> bool {
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

// ------------------------------------------------------------------ alignment terms

/// Verb forms folded to one spelling before matching conditions (generic vocabulary).
const CANON: &[(&str, &str)] = &[
    ("使用过", "使用"),
    ("用过", "使用"),
    ("用了", "使用"),
    ("拆开", "拆封"),
    ("拆了", "拆封"),
    ("拆过", "拆封"),
    ("剪掉了", "剪掉"),
    ("剪了", "剪掉"),
    ("激活了", "激活"),
    ("洗过", "洗涤"),
    ("洗了", "洗涤"),
    ("穿过", "穿着"),
    ("退换货", "退货"),
    ("退换", "退货"),
    ("增值税专用发票", "专票"),
    ("专用发票", "专票"),
    ("增值税专票", "专票"),
    ("增值税普通发票", "普票"),
    ("普通发票", "普票"),
    ("保价", "价保"),
    ("七天无理由", "无理由"),
    ("7天无理由", "无理由"),
];

/// Canonical spelling of generic verb forms.
pub(crate) fn canon(s: &str) -> String {
    let mut out = s.to_string();
    for (a, b) in CANON {
        if out.contains(a) {
            out = out.replace(a, b);
        }
    }
    out
}

/// Replaces the value mentions of a folded text by spaces (keeping byte offsets valid).
pub(crate) fn blank_ranges(s: &str, ranges: &[Range<usize>]) -> String {
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
pub(crate) fn drop_negated(s: &str) -> String {
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

/// Condition terms of a text for policy matching: canonical verbs, negated spans and bare
/// numbers left out.
pub(crate) fn cond_terms(s: &str) -> HashSet<String> {
    term_set(&drop_negated(&canon(&strip_exceptions(s))))
        .into_iter()
        .filter(|t| !t.chars().all(|c| c.is_ascii_digit()))
        .collect()
}

/// Matching terms of a text (CJK bigrams, ASCII words), lone CJK characters left out.
pub(crate) fn term_set(s: &str) -> HashSet<String> {
    crate::text::terms(s)
        .into_iter()
        .filter(|t| t.chars().count() >= 2 || t.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect()
}

// ------------------------------------------------------------------ products

/// Term index over the merchant's product names and SKUs.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProductIndex {
    names: Vec<Vec<String>>,
    folded: Vec<String>,
    weight: HashMap<String, f64>,
    df: HashMap<String, usize>,
    total: Vec<f64>,
    /// Name term → products whose name has it (so a text is scored against the products it
    /// shares a term with, not against the whole catalogue).
    postings: HashMap<String, Vec<usize>>,
    /// Folded SKUs (four characters or more) and their products.
    sku_finder: Option<(aho_corasick::AhoCorasick, Vec<usize>)>,
}

re!(RE_PCT_NUM, r"\d+(?:\.\d+)?%");

/// A product match this good names the product on its own.
const STRONG_MATCH: f64 = 0.45;
re!(RE_NUM_UNIT_WORD, r"^(\d+)[a-z]+$");

fn name_terms(name: &str) -> Vec<String> {
    let masked = RE_PCT_NUM.replace_all(name, " ");
    let mut t = crate::text::terms(&masked);
    let extra: Vec<String> = t
        .iter()
        .filter_map(|w| {
            RE_NUM_UNIT_WORD
                .captures(w)
                .and_then(|c| c.get(1))
                .map(|m| m.as_str().to_string())
        })
        .filter(|d| d.len() >= 3)
        .collect();
    for e in extra {
        if !t.contains(&e) {
            t.push(e);
        }
    }
    t
}

impl ProductIndex {
    pub(crate) fn new(facts: &MerchantFacts) -> Self {
        let names: Vec<Vec<String>> = facts.products.iter().map(|p| name_terms(&p.name)).collect();
        let mut df: HashMap<String, usize> = HashMap::new();
        for n in &names {
            for t in n {
                *df.entry(t.clone()).or_default() += 1;
            }
        }
        let n = names.len().max(1) as f64;
        let weight: HashMap<String, f64> = df
            .iter()
            .map(|(t, d)| (t.clone(), ((n + 1.0) / *d as f64).ln() + 0.05))
            .collect();
        let total = names
            .iter()
            .map(|ts| ts.iter().map(|t| weight.get(t).copied().unwrap_or(0.0)).sum())
            .collect();
        let (sku_patterns, sku_owners): (Vec<String>, Vec<usize>) = facts
            .products
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.sku
                    .as_deref()
                    .map(crate::text::fold)
                    .filter(|s| s.len() >= 4)
                    .map(|s| (s, i))
            })
            .unzip();
        let sku_finder = aho_corasick::AhoCorasick::new(&sku_patterns)
            .ok()
            .filter(|_| !sku_patterns.is_empty())
            .map(|ac| (ac, sku_owners));
        let mut postings: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, ts) in names.iter().enumerate() {
            for t in ts {
                let list = postings.entry(t.clone()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        let folded = facts.products.iter().map(|p| crate::text::fold(&p.name)).collect();
        ProductIndex {
            names,
            folded,
            weight,
            df,
            total,
            postings,
            sku_finder,
        }
    }

    /// Per-product match scores of a folded text: (weighted coverage of the name's terms,
    /// adjusted for ASCII model tokens; whether a term unique to that product matched;
    /// whether all of the product's ASCII model tokens matched).
    ///
    /// Only products that share a name term with the text or whose SKU it contains are
    /// scored (in product order); every other product would score at most 0.
    fn scores(&self, text: &str) -> Vec<(usize, (f64, bool, bool))> {
        let terms: HashSet<String> = crate::text::terms(text).into_iter().collect();
        let compact = crate::text::fold(text);
        let mut sku_hits: Vec<usize> = self
            .sku_finder
            .iter()
            .flat_map(|(ac, owners)| {
                ac.find_overlapping_iter(&compact)
                    .map(|m| owners[m.pattern().as_usize()])
            })
            .collect();
        sku_hits.sort_unstable();
        let mut candidates: Vec<usize> = terms
            .iter()
            .filter_map(|t| self.postings.get(t))
            .flatten()
            .copied()
            .chain(sku_hits.iter().copied())
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        // Model tokens: ASCII words with a letter (x200, max, 30w); bare numbers are not.
        let is_ascii = |t: &String| {
            t.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') && t.chars().any(|c| c.is_ascii_alphabetic())
        };
        // ASCII tokens of the text that name some product (model words).
        let text_models: Vec<&String> = terms
            .iter()
            .filter(|t| is_ascii(t) && self.df.contains_key(*t))
            .collect();
        candidates
            .into_iter()
            .map(|i| (i, &self.names[i]))
            .map(|(i, ts)| {
                if sku_hits.binary_search(&i).is_ok() {
                    return (i, (1.5, true, true));
                }
                let mut got = 0.0;
                let mut unique = false;
                for t in ts {
                    if terms.contains(t) {
                        got += self.weight.get(t).copied().unwrap_or(0.0);
                        if self.df.get(t).copied().unwrap_or(0) == 1 && t.chars().count() >= 2 {
                            unique = true;
                        }
                    }
                }
                let total = self.total[i];
                let mut score = if total > 0.0 { got / total } else { 0.0 };
                let models: Vec<&String> = ts.iter().filter(|t| is_ascii(t)).collect();
                let mut all_models = false;
                if !models.is_empty() {
                    let hit = models.iter().filter(|t| terms.contains(**t)).count();
                    if hit > 0 {
                        score += 0.3 * hit as f64 / models.len() as f64;
                        all_models = hit == models.len();
                    }
                }
                let foreign = text_models.iter().filter(|t| !ts.contains(**t)).count().min(2);
                score -= 0.2 * foreign as f64;
                (i, (score, unique, all_models))
            })
            .collect()
    }

    /// The product (or group of equally matching products) a short text names, if any.
    pub(crate) fn identify(&self, text: &str) -> Vec<usize> {
        self.identify_scored(text).0
    }

    /// As [`Self::identify`], with the match score.
    pub(crate) fn identify_scored(&self, text: &str) -> (Vec<usize>, f64) {
        let scores = self.scores(text);
        let best = scores.iter().map(|(_, (s, _, _))| *s).fold(0.0, f64::max);
        if best <= 0.0 {
            return (Vec::new(), 0.0);
        }
        let group: Vec<&(usize, (f64, bool, bool))> =
            scores.iter().filter(|(_, (s, _, _))| *s >= best - 0.02).collect();
        let strong = group.iter().any(|(_, (_, u, a))| *u || *a);
        let group: Vec<usize> = group.iter().map(|(i, _)| *i).collect();
        // A product line named without its variant (a colour or size) matches several products equally.
        let line = group.len() >= 2 && best >= 0.3;
        if best >= STRONG_MATCH || (best >= 0.25 && strong) || line {
            (group, best)
        } else {
            (Vec::new(), 0.0)
        }
    }

    /// Whether product `p`'s name contains a folded word.
    pub(crate) fn name_contains(&self, p: usize, word: &str) -> bool {
        self.folded.get(p).is_some_and(|n| n.contains(word))
    }

    /// Whether a value as written ("5000mAh") is a term of some product name.
    pub(crate) fn is_name_term(&self, raw: &str) -> bool {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        compact.chars().any(|c| c.is_ascii_alphabetic()) && self.df.contains_key(&compact)
    }

    /// Whether value mention `mi` of a clause is part of a product's name ("某品牌5000mAh
    /// 充电宝"), not a claim about it.
    pub(crate) fn names_value(&self, s: &str, cl: &Range<usize>, ments: &[&Mention], mi: usize) -> bool {
        let m = ments[mi];
        if !matches!(m.val, Val::Measure { .. }) {
            return false;
        }
        let compact: String = m.raw.chars().filter(|c| !c.is_whitespace()).collect();
        if !self.df.contains_key(&compact) {
            return false;
        }
        let from = if mi == 0 { cl.start } else { ments[mi - 1].range.end };
        let to = ments.get(mi + 1).map_or(cl.end, |n| n.range.start);
        let window = &s[from.min(m.range.start)..to.max(m.range.end)];
        self.identify(window).iter().any(|&p| self.names[p].contains(&compact))
    }

    /// Whether a text matches a term unique to one of the products.
    pub(crate) fn has_unique(&self, text: &str, g: &[usize]) -> bool {
        let scores = self.scores(text);
        g.iter()
            .any(|&i| scores.iter().any(|(j, (_, unique, _))| *j == i && *unique))
    }

    /// How many products a text mentions at least loosely.
    pub(crate) fn mentioned(&self, text: &str) -> usize {
        self.scores(text)
            .iter()
            .filter(|(_, (s, u, a))| *s >= 0.3 || (*s >= 0.2 && (*u || *a)))
            .count()
    }

    /// Products a fact sentence names (stricter: near-complete names).
    pub(crate) fn tags(&self, text: &str) -> Vec<usize> {
        self.scores(text)
            .iter()
            .filter(|(_, (s, u, a))| *s >= 0.6 || (*s >= 0.4 && (*u || *a)))
            .map(|(i, _)| *i)
            .collect()
    }
}

// ------------------------------------------------------------------ answer parsing

/// Stock state claimed in an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StockClaim {
    /// 有货.
    InStock,
    /// 现货 (ships now: also wrong for a pre-order item).
    Spot,
    /// 缺货.
    OutOfStock,
}

/// Promotion state claimed in an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PromoClaim {
    Running,
    Ended,
    Upcoming,
}

/// Who pays return shipping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Payer {
    Buyer,
    Shop,
    Insurance,
}

/// Stance of a clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stance {
    Affirm,
    Negate,
    Neutral,
}

/// The typed content of a claim candidate.
#[derive(Debug, Clone)]
pub(crate) enum What {
    Value(Mention),
    Stock(StockClaim),
    Courier {
        concept: usize,
        default: bool,
    },
    Colour(String),
    /// A material (canonical name, see [`materials_in`]); `pure` when written 纯X/全X.
    Material {
        name: &'static str,
        pure: bool,
    },
    PromoStatus(PromoClaim),
    PromoDate(DateMention),
    /// A phone number (digits only).
    Phone(String),
    Participation,
    Payer(Payer),
}

/// A claim candidate found in an answer.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Kind of claim.
    pub kind: ClaimKind,
    /// As written in the answer.
    pub text: String,
    /// Byte range in the original answer.
    pub range: Range<usize>,
    pub(crate) sentence: usize,
    pub(crate) clause: usize,
    pub(crate) what: What,
    /// Products the claim is about (indices into `MerchantFacts::products`).
    pub subjects: Vec<usize>,
    /// The value also appears in the question (the shopper's own number).
    pub in_question: bool,
}

/// An answer parsed for checking: folded text, sentences, clause stances, candidates.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub norm: Normed,
    pub sents: Vec<Sent>,
    /// (sentence, clause) → stance.
    pub stances: Vec<Vec<Stance>>,
    pub mentions: Vec<Mention>,
    pub candidates: Vec<Candidate>,
    /// Products identified anywhere in the answer (in order, deduplicated).
    pub answer_products: Vec<usize>,
    pub question: Normed,
    pub question_products: Vec<usize>,
}

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
    "除外",
    "不行",
    "不在",
];
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

/// Removes parenthesised exceptions ("（偏远地区除外）"): they restrict a
/// statement without negating it, and name no condition the statement accepts.
pub(crate) fn strip_exceptions(s: &str) -> String {
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

/// Stance of a folded clause.
pub(crate) fn stance(clause: &str) -> Stance {
    let clause = strip_exceptions(clause);
    // A question or a hypothetical states nothing ("是否可以开具…以店铺规则为准").
    if ["是否", "能否", "可否", "有没有", "以店铺规则为准", "以平台规则为准"]
        .iter()
        .any(|m| clause.contains(m))
    {
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
pub(crate) fn neg_marker(clause: &str) -> Option<(usize, &'static str)> {
    NEG_MARKERS
        .iter()
        .filter_map(|m| clause.find(m).map(|i| (i, *m)))
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.len().cmp(&a.1.len())))
}

const STOCK_PHRASES: &[(&str, Option<StockClaim>)] = &[
    ("不缺货", Some(StockClaim::InStock)),
    ("没缺货", Some(StockClaim::InStock)),
    ("缺货的", None),
    ("缺货商品", None),
    ("缺货", Some(StockClaim::OutOfStock)),
    ("售罄", Some(StockClaim::OutOfStock)),
    ("卖完", Some(StockClaim::OutOfStock)),
    ("卖光", Some(StockClaim::OutOfStock)),
    ("断货", Some(StockClaim::OutOfStock)),
    ("没货", Some(StockClaim::OutOfStock)),
    ("无货", Some(StockClaim::OutOfStock)),
    ("没有货", Some(StockClaim::OutOfStock)),
    ("没有现货", Some(StockClaim::OutOfStock)),
    ("无现货", Some(StockClaim::OutOfStock)),
    ("暂无库存", Some(StockClaim::OutOfStock)),
    ("没有库存", Some(StockClaim::OutOfStock)),
    ("无库存", Some(StockClaim::OutOfStock)),
    ("已下架", Some(StockClaim::OutOfStock)),
    ("有货的话", None),
    ("有没有货", None),
    ("是否有货", None),
    ("有货", Some(StockClaim::InStock)),
    ("现货商品", None),
    ("现货款", None),
    ("现货的话", None),
    ("现货", Some(StockClaim::Spot)),
    ("有现货", Some(StockClaim::Spot)),
    ("补货中", Some(StockClaim::OutOfStock)),
    ("正在补货", Some(StockClaim::OutOfStock)),
    ("有库存", Some(StockClaim::InStock)),
    ("库存充足", Some(StockClaim::InStock)),
    ("货源充足", Some(StockClaim::InStock)),
];

static STOCK_AC: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(STOCK_PHRASES.iter().map(|(p, _)| *p))
        .expect("static automaton")
});

const RUNNING: &[&str] = &[
    "正在进行",
    "进行中",
    "正在",
    "现在",
    "目前",
    "当前",
    "还在",
    "还能享受",
    "仍在",
    "都送",
    "火热",
];
const ENDED: &[&str] = &["已经结束", "已结束", "结束了", "已截止", "已经截止", "已过期"];
const UPCOMING: &[&str] = &["还没开始", "尚未开始", "即将开始", "还未开始", "没开始"];
const PARTICIPATE: &[&str] = &["参与", "参加", "也在", "能用", "可以用", "能享", "可享", "享受", "也能"];
const PAYER_WORDS: &[(&str, Payer)] = &[
    ("运费险", Payer::Insurance),
    ("您", Payer::Buyer),
    ("买家", Payer::Buyer),
    ("顾客", Payer::Buyer),
    ("客户", Payer::Buyer),
    ("消费者", Payer::Buyer),
    ("自己", Payer::Buyer),
    ("本店", Payer::Shop),
    ("店铺", Payer::Shop),
    ("商家", Payer::Shop),
    ("卖家", Payer::Shop),
    ("我们", Payer::Shop),
];
const PAY_VERBS: &[&str] = &["承担", "负责", "支付", "自理", "自付", "赔付", "出"];

/// Who pays return shipping, as stated in a folded clause (with its sentence for context).
pub(crate) fn payer_in(clause: &str, sentence: &str) -> Option<Payer> {
    if !clause.contains("运费") {
        return None;
    }
    let returnish = ["退货", "退换", "寄回", "无理由"]
        .iter()
        .any(|w| clause.contains(w) || sentence.contains(w));
    if !returnish {
        return None;
    }
    // Quality problems are the shop's in any case; not a claim about the general rule.
    let quality = sentence
        .match_indices("质量")
        .any(|(i, _)| !sentence[..i].ends_with('非'))
        || ["错发", "漏发", "破损"].iter().any(|w| sentence.contains(w));
    if quality {
        return None;
    }
    for (w, p) in PAYER_WORDS {
        let mut from = 0;
        while let Some(i) = clause[from..].find(w) {
            let at = from + i + w.len();
            let rest: String = clause[at..].chars().take(4).collect();
            if PAY_VERBS.iter().any(|v| rest.contains(v))
                && !(*w == "运费险" && rest.starts_with('的'))
                && (*p == Payer::Insurance || !clause[..from + i].ends_with("运费"))
            {
                return Some(*p);
            }
            from = at;
        }
    }
    if ["需承担", "需要承担", "要承担", "需自行承担", "需自付"]
        .iter()
        .any(|w| clause.contains(w))
    {
        return Some(Payer::Buyer);
    }
    None
}

fn colour_tokens(s: &str) -> Vec<(Range<usize>, String)> {
    const BASIC: &str = "红橙黄绿青蓝紫黑白灰粉棕褐金银米杏驼咖卡其藏";
    const STOP: &[char] = &[
        '是', '的', '有', '和', '、', '为', '选', '或', '及', '与', '拍', '款', '个', '种', '两', '三', '四',
    ];
    const NOT_COLOUR_BEFORE: &str = "肤显出气颜本特角脸景音成发染变褪掉串色提";
    let mut out = Vec::new();
    for (i, _) in s.match_indices('色') {
        let after = next_char(s, i + '色'.len_utf8());
        if after.is_some_and(|c| "号差温系调值卡".contains(c)) {
            continue;
        }
        let before: Vec<(usize, char)> = s[..i]
            .char_indices()
            .rev()
            .take_while(|(_, c)| crate::text::is_cjk(*c))
            .take(4)
            .collect();
        let mut start = i;
        for (b, c) in &before {
            if STOP.contains(c) {
                break;
            }
            start = *b;
        }
        let core = &s[start..i];
        if core.is_empty() || core.chars().last().is_some_and(|c| NOT_COLOUR_BEFORE.contains(c)) {
            continue;
        }
        if !core.chars().any(|c| BASIC.contains(c)) {
            continue;
        }
        out.push((start..i + '色'.len_utf8(), core.to_string()));
    }
    out
}

/// Words that make a clause a shop-wide statement.
const UNIVERSAL: &[&str] = &[
    "所有商品",
    "全部商品",
    "全店",
    "全场",
    "本店所有",
    "店内所有",
    "每笔订单",
];

/// Clause words saying what a product is made of.
const MATERIAL_CUES: &[&str] = &["材质", "面料", "成分", "材料", "用料", "纯", "填充"];

/// Generic material vocabulary: written form → canonical material.
const MATERIALS: &[(&str, &str)] = &[
    ("纯棉", "棉"),
    ("全棉", "棉"),
    ("棉麻", "棉麻"),
    ("长绒棉", "棉"),
    ("棉", "棉"),
    ("亚麻", "麻"),
    ("苎麻", "麻"),
    ("真丝", "蚕丝"),
    ("桑蚕丝", "蚕丝"),
    ("蚕丝", "蚕丝"),
    ("冰丝", "冰丝"),
    ("山羊绒", "羊绒"),
    ("羊绒", "羊绒"),
    ("绵羊毛", "羊毛"),
    ("羊毛", "羊毛"),
    ("马海毛", "马海毛"),
    ("羊驼毛", "羊驼毛"),
    ("白鸭绒", "鸭绒"),
    ("鸭绒", "鸭绒"),
    ("白鹅绒", "鹅绒"),
    ("鹅绒", "鹅绒"),
    ("涤纶", "涤纶"),
    ("聚酯纤维", "涤纶"),
    ("锦纶", "锦纶"),
    ("尼龙", "锦纶"),
    ("氨纶", "氨纶"),
    ("腈纶", "腈纶"),
    ("粘纤", "粘纤"),
    ("粘胶", "粘纤"),
    ("人造棉", "粘纤"),
    ("莫代尔", "莫代尔"),
    ("天丝", "天丝"),
    ("莱赛尔", "天丝"),
    ("三醋酸", "醋酸"),
    ("醋酸", "醋酸"),
    ("雪纺", "雪纺"),
    ("真皮", "真皮"),
    ("牛皮", "真皮"),
    ("羊皮", "真皮"),
    ("pu皮", "pu"),
    ("硅胶", "硅胶"),
    ("tpu", "tpu"),
    ("铝合金", "铝合金"),
    ("不锈钢", "不锈钢"),
    ("陶瓷", "陶瓷"),
    ("玻璃", "玻璃"),
    ("实木", "实木"),
    ("竹", "竹"),
];

static MATERIAL_AC: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(MATERIALS.iter().map(|(w, _)| *w))
        .expect("static automaton")
});

/// Material names in a folded text (range, canonical name); "棉麻" also counts as 棉 and 麻.
pub(crate) fn materials_in(s: &str) -> Vec<(Range<usize>, &'static str)> {
    MATERIAL_AC
        .find_iter(s)
        .map(|m| (m.start()..m.end(), MATERIALS[m.pattern().as_usize()].1))
        .collect()
}

/// Whether a material is among the canonical materials of a text.
pub(crate) fn material_listed(material: &str, text: &str) -> bool {
    materials_in(text)
        .iter()
        .any(|(_, c)| *c == material || (*c == "棉麻" && (material == "棉" || material == "麻")))
        || (material == "棉麻" && {
            let ms = materials_in(text);
            ms.iter().any(|(_, c)| *c == "棉") && ms.iter().any(|(_, c)| *c == "麻")
        })
}

/// Whether a product match may become the subject, given the current subject.
fn accepts(current: &(Vec<usize>, f64), g: &[usize], score: f64, leading_unique: bool) -> bool {
    current.0.is_empty()
        || score >= STRONG_MATCH
        || score >= current.1
        || leading_unique
        || g.iter().all(|p| current.0.contains(p))
}

/// Parses an answer: segmentation, stances, value mentions, claim candidates with subjects.
pub(crate) fn parse(answer: &str, question: &str, lex: &Lexicon, products: &ProductIndex) -> Parsed {
    let norm = Normed::new(answer);
    let s = norm.s.as_str();
    let sents = segment(s);
    let qn = Normed::new(question);
    let question_products = products.identify(&qn.s);
    let question_numbers: Vec<f64> = {
        let qmasks = masks(&qn.s);
        static RE_ANYNUM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+(?:\.\d+)?").expect("static regex"));
        let mut v: Vec<f64> = RE_ANYNUM
            .find_iter(&qn.s)
            .filter(|m| !overlaps(&qmasks, &m.range()))
            // Model numbers (X200, 手机 15) are not the shopper's quantities.
            .filter(|m| {
                let before = qn.s[..m.start()].trim_end_matches(' ');
                !before.ends_with(|c: char| c.is_ascii_alphabetic())
                    && !qn.s[m.end()..].starts_with(|c: char| c.is_ascii_alphabetic())
            })
            .filter_map(|m| m.as_str().parse().ok())
            .collect();
        for c in RE_DUR.captures_iter(&qn.s) {
            if let Some(x) = c.get(1).and_then(|m| parse_num(m.as_str())) {
                v.push(x);
            }
        }
        v
    };
    // Durations the shopper wrote (签收3天了), in hours.
    let question_durs: Vec<f64> = {
        let qmasks = masks(&qn.s);
        let mut v = Vec::new();
        for c in RE_DUR.captures_iter(&qn.s) {
            if c.get(0).is_some_and(|m| overlaps(&qmasks, &m.range())) {
                continue;
            }
            let h = dur_hours(c.get(3).map_or("", |m| m.as_str()));
            for g in [1, 2] {
                if let Some(x) = c.get(g).and_then(|m| parse_num(m.as_str())) {
                    v.push(x * h);
                }
            }
        }
        v
    };
    let ments = mentions(s, lex);
    let stances: Vec<Vec<Stance>> = sents
        .iter()
        .map(|st| st.clauses.iter().map(|c| stance(&s[c.clone()])).collect())
        .collect();

    // Subjects: product pieces per clause, carried forward across clauses and sentences.
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut current: (Vec<usize>, f64) = products.identify_scored(&qn.s);
    let mut answer_products: Vec<usize> = Vec::new();
    let dates_all = dates(s);
    let couriers = lex.couriers_in(s);
    for (si, st) in sents.iter().enumerate() {
        for (ci, cl) in st.clauses.iter().enumerate() {
            let clause = &s[cl.clone()];
            let cl_ments: Vec<&Mention> = ments
                .iter()
                .filter(|m| m.range.start >= cl.start && m.range.end <= cl.end)
                .collect();
            // Pieces: split at value mentions and list separators.
            // Values cut the clause into pieces, except values that belong to a product name
            // ("某品牌5000mAh 20W充电宝"); so do list separators outside values.
            let blocking: Vec<Range<usize>> = cl_ments
                .iter()
                .filter(|m| !products.is_name_term(&m.raw))
                .map(|m| m.range.clone())
                .collect();
            let mut cuts: Vec<usize> = vec![cl.start];
            for r in &blocking {
                cuts.push(r.start);
                cuts.push(r.end);
            }
            for (b, c) in clause.char_indices() {
                let at = cl.start + b;
                if "、和与及+=/()（）".contains(c) && !cl_ments.iter().any(|m| m.range.start <= at && at < m.range.end)
                {
                    cuts.push(at);
                    cuts.push(at + c.len_utf8());
                }
            }
            cuts.push(cl.end);
            cuts.sort_unstable();
            cuts.dedup();
            let mut pieces: Vec<(usize, Vec<usize>, f64)> = Vec::new(); // (end offset, products, score)
            let label_cut = cl.start + lex.naming_part(clause).len();
            for w in cuts.windows(2) {
                let piece = &s[w[0]..w[1]];
                if piece.trim().chars().count() < 2 || blocking.iter().any(|r| r.start <= w[0] && w[1] <= r.end) {
                    continue;
                }
                // Words after an attribute label describe the product; they name no other one.
                let leading = w[0] == cl.start;
                if w[0] > label_cut {
                    continue;
                }
                let piece = &s[w[0]..w[1].min(label_cut.max(w[0]))];
                let (g, score) = products.identify_scored(piece);
                // A weak mention does not displace a product the answer named clearly.
                if !g.is_empty() && accepts(&current, &g, score, leading && products.has_unique(piece, &g)) {
                    pieces.push((w[1], g, score));
                }
            }
            if pieces.is_empty() {
                let naming = lex.naming_part(clause);
                let (g, score) = products.identify_scored(naming);
                if !g.is_empty() && accepts(&current, &g, score, false) {
                    pieces.push((cl.start, g, score));
                }
            }
            let distinct: Vec<&Vec<usize>> = {
                let mut d: Vec<&Vec<usize>> = Vec::new();
                for (_, g, _) in &pieces {
                    if !d.contains(&g) {
                        d.push(g);
                    }
                }
                d
            };
            for g in &distinct {
                for p in g.iter() {
                    if !answer_products.contains(p) {
                        answer_products.push(*p);
                    }
                }
            }
            let is_list = distinct.len() >= 2;
            // "所有商品…", "全店…": a shop-wide statement, about no one product.
            let universal = UNIVERSAL.iter().any(|w| clause.contains(w)) && pieces.is_empty();
            let subject_at = |pos: usize, current: &(Vec<usize>, f64)| -> Vec<usize> {
                if universal {
                    return Vec::new();
                }
                if let Some((_, g, _)) = pieces.iter().rev().find(|(end, _, _)| *end <= pos) {
                    return g.clone();
                }
                if !is_list && let Some((_, g, _)) = pieces.first() {
                    return g.clone();
                }
                current.0.clone()
            };
            let mut push = |kind: ClaimKind, nr: Range<usize>, what: What, subjects: Vec<usize>, in_q: bool| {
                let r = norm.orig(&nr);
                candidates.push(Candidate {
                    kind,
                    text: answer[r.clone()].to_string(),
                    range: r,
                    sentence: si,
                    clause: ci,
                    what,
                    subjects,
                    in_question: in_q,
                });
            };
            // Values.
            for (mi, m) in cl_ments.iter().enumerate() {
                if m.body || products.names_value(s, cl, &cl_ments, mi) {
                    continue;
                }
                let subj = subject_at(m.range.start, &current);
                let in_q = match &m.val {
                    Val::Money(v) | Val::Discount(v) => question_numbers.iter().any(|q| approx(*q, *v)),
                    Val::Dur { lo, hi, .. } => question_durs.iter().any(|q| approx(*q, *lo) || approx(*q, *hi)),
                    Val::Measure { lo, hi, .. } => question_numbers.iter().any(|q| approx(*q, *lo) || approx(*q, *hi)),
                    Val::Pair { x, y } => {
                        question_numbers.iter().any(|q| approx(*q, *x))
                            && question_numbers.iter().any(|q| approx(*q, *y))
                    }
                    Val::Inventory(n) => question_numbers.iter().any(|q| approx(*q, *n as f64)),
                    _ => false,
                };
                let kind = match &m.val {
                    Val::Money(_) => match m.key.as_deref() {
                        Some("运费" | "差价" | "手续费" | "扣" | "包邮" | "满" | "免息") => ClaimKind::Fee,
                        _ => ClaimKind::Price,
                    },
                    Val::Dur { .. } => match m.key.as_deref() {
                        Some(k) if is_attr_dur_key(k) => ClaimKind::Attribute,
                        _ => ClaimKind::Days,
                    },
                    Val::Measure { .. } | Val::Spec { .. } | Val::Pct { .. } | Val::Ports { .. } => {
                        ClaimKind::Attribute
                    }
                    Val::Discount(_) | Val::Pair { .. } => ClaimKind::Promotion,
                    Val::TimeRange(..) | Val::TimeOfDay { .. } => ClaimKind::Hours,
                    Val::Inventory(_) => ClaimKind::Stock,
                };
                push(kind, m.range.clone(), What::Value((*m).clone()), subj, in_q);
            }
            // Stock state.
            let cst = stances[si][ci];
            for m in STOCK_AC.find_iter(clause) {
                let Some(state) = STOCK_PHRASES[m.pattern().as_usize()].1 else {
                    continue;
                };
                let before: String = clause[..m.start()].chars().rev().take(3).collect();
                if ["如果", "若", "如"]
                    .iter()
                    .any(|w| before.contains(&w.chars().rev().collect::<String>()))
                {
                    continue;
                }
                let nr = cl.start + m.start()..cl.start + m.end();
                let mut subj = subject_at(nr.start, &current);
                if subj.is_empty() {
                    // "有货的亲，<product>…": the product named later in the sentence.
                    for later in st.clauses.iter().skip(ci + 1) {
                        let g = products.identify(&s[later.clone()]);
                        if !g.is_empty() {
                            subj = g;
                            break;
                        }
                    }
                }
                push(ClaimKind::Stock, nr, What::Stock(state), subj, false);
            }
            // Couriers.
            for (r, idx) in couriers.iter().filter(|(r, _)| r.start >= cl.start && r.end <= cl.end) {
                if cst == Stance::Negate {
                    continue;
                }
                let before: String = s[cl.start..r.start]
                    .chars()
                    .rev()
                    .take(6)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let default = ["默认", "只发", "都发", "统一", "一律", "合作"]
                    .iter()
                    .any(|w| before.contains(w));
                // Extend to "X快递"/"X速运" as written.
                let mut end = r.end;
                for suf in ["快递", "速运", "速递"] {
                    if s[end..].starts_with(suf) {
                        end += suf.len();
                        break;
                    }
                }
                push(
                    ClaimKind::Courier,
                    r.start..end,
                    What::Courier { concept: *idx, default },
                    Vec::new(),
                    false,
                );
            }
            // Colours.
            if cst != Stance::Negate {
                for (r, core) in colour_tokens(clause) {
                    let nr = cl.start + r.start..cl.start + r.end;
                    let subj = subject_at(nr.start, &current);
                    if !subj.is_empty() {
                        push(ClaimKind::Attribute, nr, What::Colour(core), subj, false);
                    }
                }
            }
            // Materials, where the clause is about what the product is made of.
            if cst != Stance::Negate && MATERIAL_CUES.iter().any(|w| clause.contains(w)) {
                for (r, canon) in materials_in(clause) {
                    let nr = cl.start + r.start..cl.start + r.end;
                    let subj = subject_at(nr.start, &current);
                    // A material word inside the product's own name is part of naming it.
                    let in_name = !subj.is_empty() && subj.iter().all(|&p| products.name_contains(p, &s[nr.clone()]));
                    if !subj.is_empty() && !in_name {
                        let pure = ["纯", "全"].iter().any(|w| s[nr.clone()].starts_with(w))
                            || s[..nr.start].ends_with("100%");
                        push(
                            ClaimKind::Attribute,
                            nr,
                            What::Material { name: canon, pure },
                            subj,
                            false,
                        );
                    }
                }
            }
            // Promotion state, dates, participation.
            let state = if UPCOMING.iter().any(|w| clause.contains(w)) {
                Some(PromoClaim::Upcoming)
            } else if ENDED.iter().any(|w| clause.contains(w)) {
                Some(PromoClaim::Ended)
            } else if RUNNING.iter().any(|w| clause.contains(w)) && cst != Stance::Negate {
                Some(PromoClaim::Running)
            } else {
                None
            };
            if let Some(state) = state {
                push(
                    ClaimKind::Promotion,
                    cl.clone(),
                    What::PromoStatus(state),
                    Vec::new(),
                    false,
                );
            }
            for d in dates_all
                .iter()
                .filter(|d| d.range.start >= cl.start && d.range.end <= cl.end)
            {
                if d.start || d.end {
                    let subj = subject_at(d.range.start, &current);
                    push(
                        ClaimKind::Promotion,
                        d.range.clone(),
                        What::PromoDate(d.clone()),
                        subj,
                        false,
                    );
                }
            }
            for m in RE_PHONE.find_iter(clause) {
                let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
                if digits.len() >= 10 {
                    let nr = cl.start + m.start()..cl.start + m.end();
                    push(ClaimKind::Hours, nr, What::Phone(digits), Vec::new(), false);
                }
            }
            if cst != Stance::Negate && PARTICIPATE.iter().any(|w| clause.contains(w)) {
                let subj = subject_at(cl.end, &current);
                push(ClaimKind::Promotion, cl.clone(), What::Participation, subj, false);
            }
            // Who pays return shipping.
            if let Some(p) = payer_in(clause, &s[st.range.clone()]) {
                push(ClaimKind::Policy, cl.clone(), What::Payer(p), Vec::new(), false);
            }
            if !is_list && let Some((_, g, score)) = pieces.last() {
                let score = if *g == current.0 { score.max(current.1) } else { *score };
                current = (g.clone(), score);
            }
        }
    }
    Parsed {
        norm,
        sents,
        stances,
        mentions: ments,
        candidates,
        answer_products,
        question: qn,
        question_products,
    }
}

/// Extracts the claim candidates of an answer (values with their keys and subjects, stock
/// states, couriers, colours, promotion states and dates, participation, return-shipping
/// payer). Policy polarity is decided in [`crate::validate::check`] against the facts.
pub fn extract(answer: &str, question: &str, facts: &MerchantFacts, ontology: &Ontology) -> Vec<Candidate> {
    let lex = Lexicon::new(facts, ontology);
    let products = ProductIndex::new(facts);
    parse(answer, question, &lex, &products).candidates
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
