//! Replies judged against the numbers the question gives: "晚上七点付的款 今天能发走吗" is
//! decided by the merchant's payment cut-off, "收到20天了还能退吗" by the return window,
//! "晚上9点半还能找客服吗" by the service hours, "买2899的床垫能分期免息吗" by the 满3000
//! threshold; the time an answer gives for the service desk must be its hours'.
//! The shopper's numbers are conditions, not claims; the reply's yes or no is the claim, and
//! what makes it true is arithmetic on the question's number and the merchant's fact.

use super::context::Ctx;
use super::facts::Scope;
use super::text::parse_num;
use super::values::parse_hhmm;
use crate::pipeline::{ClaimKind, ClaimStatus};
use std::collections::HashSet;

/// A judged proposition: status, expected text, fact IRI, claim kind.
pub(super) type Judged = (ClaimStatus, Option<String>, Option<String>, ClaimKind);

re!(
    RE_SPOKEN_TIME,
    r"(凌晨|早上|上午|中午|下午|傍晚|晚上|夜里)?\s*([0-9一二两三四五六七八九十]{1,3})\s*点\s*(半|[0-9]{1,2}\s*分?)?"
);
re!(RE_CLOCK, r"(\d{1,2}):(\d{2})");
re!(
    RE_TIME_RANGE_WORDS,
    r"点[^,，。;；]{0,4}(?:到|至|-|~)[^,，。;；]{0,4}点|\d:\d{2}\s*(?:-|~|至|到)"
);
re!(RE_THRESHOLD, r"满\s*(\d+(?:\.\d+)?)\s*元");
re!(
    RE_ORDER_AMOUNT,
    r"(?:买|下单|付|实付|拍|订单)\s*(?:了|个|件)?\s*(\d{2,6}(?:\.\d+)?)\s*(?:元|块)?|(\d{2,6}(?:\.\d+)?)\s*(?:元|块)(?:的|钱)"
);
re!(RE_SAME_DAY, r"(今天|当天|今日|马上)[^,，。;；]{0,5}?(发|寄出|出库)");
re!(
    RE_CUTOFF,
    r"(\d{1,2}):(\d{2})\s*(?:以前|之前|前)[^,，。;；]{0,6}?(?:付款|下单|拍下|支付)"
);
re!(
    RE_ELAPSED,
    r"(?:收到|签收|到货|买了|拿到|到手)\s*(?:都|已经|有|第)?\s*([0-9一二两三四五六七八九十]{1,3})\s*天|([0-9一二两三四五六七八九十]{1,3})\s*天了"
);

/// The time of day a question gives (minutes after midnight): `19:30`, `晚上七点半`, `下午5点`.
fn time_of_day(q: &str) -> Option<u32> {
    if let Some(c) = RE_CLOCK.captures(q) {
        let n = |i: usize| c.get(i).and_then(|x| x.as_str().parse::<u32>().ok());
        return Some(n(1)? * 60 + n(2)?);
    }
    let c = RE_SPOKEN_TIME.captures(q)?;
    let mut h = parse_num(c.get(2)?.as_str())? as u32;
    let part = c.get(1).map_or("", |m| m.as_str());
    let pm = matches!(part, "下午" | "傍晚" | "晚上" | "夜里") || (part == "中午" && h < 6);
    if pm && h < 12 {
        h += 12;
    }
    let m = match c.get(3).map(|x| x.as_str()) {
        Some("半") => 30,
        Some(x) => x.trim_end_matches(['分', ' ']).trim().parse::<u32>().unwrap_or(0),
        None => 0,
    };
    (h <= 24 && m < 60).then_some(h * 60 + m)
}

/// The merchant's same-day cut-off for the products asked about ("16:30前付款的订单当天
/// 发货"): minutes after midnight, as written, and the fact IRI.
fn cutoff(cx: &Ctx, subjects: &[usize]) -> Option<(u32, String, String)> {
    cx.fb
        .sentences
        .iter()
        .filter(|f| match &f.scope {
            Scope::Shop => true,
            Scope::Own(x) => subjects.contains(x),
            Scope::Tagged(xs) => xs.iter().any(|x| subjects.contains(x)),
            Scope::General => false,
        })
        .find_map(|f| {
            let c = RE_CUTOFF.captures(&f.norm.s)?;
            let n = |i: usize| c.get(i).and_then(|x| x.as_str().parse::<u32>().ok());
            Some((n(1)? * 60 + n(2)?, f.orig.clone(), f.iri.clone()))
        })
}

/// A yes or no to "paid at T, does it ship today": true exactly when T is before the
/// merchant's cut-off. `affirms`: the reply says it ships today.
pub(super) fn same_day(cx: &Ctx, subjects: &[usize], affirms: bool) -> Option<Judged> {
    let q = &cx.p.question.s;
    if !RE_SAME_DAY.is_match(q) {
        return None;
    }
    let paid = time_of_day(q)?;
    let (cut, text, iri) = cutoff(cx, subjects)?;
    if (paid < cut) == affirms {
        return Some((ClaimStatus::Supported, None, Some(iri), ClaimKind::Days));
    }
    Some((ClaimStatus::Contradicted, Some(text), Some(iri), ClaimKind::Days))
}

/// Words that name the service desk in a question ("还能找客服吗", "有人工吗").
const SERVICE_DESK: &[&str] = &["客服", "人工"];

/// A yes or no to "is the service desk there at T": true exactly when T is within the
/// merchant's service hours.
pub(super) fn service_hours(cx: &Ctx, affirms: bool) -> Option<Judged> {
    let q = &cx.p.question.s;
    if !SERVICE_DESK.iter().any(|w| q.contains(w)) {
        return None;
    }
    let at = time_of_day(q)?;
    let hours = desk_hours(cx);
    if hours.is_empty() {
        return None;
    }
    Some(hours_judged(
        cx,
        hours.iter().any(|&(o, c)| o <= at && at < c) == affirms,
    ))
}

/// The service desk's hours (opens, closes), in minutes after midnight.
fn desk_hours(cx: &Ctx) -> Vec<(u32, u32)> {
    cx.fb
        .facts
        .org
        .hours
        .iter()
        .filter_map(|(o, c)| Some((parse_hhmm(o)?, parse_hhmm(c)?)))
        .collect()
}

/// A claim about the service hours, supported or contradicted by them.
fn hours_judged(cx: &Ctx, holds: bool) -> Judged {
    let org = &cx.fb.facts.org;
    let iri = Some(org.iri.clone());
    if holds {
        return (ClaimStatus::Supported, None, iri, ClaimKind::Hours);
    }
    let written: Vec<String> = org.hours.iter().map(|(o, c)| format!("{o}-{c}")).collect();
    (
        ClaimStatus::Contradicted,
        Some(format!("客服在线时间{}", written.join("、"))),
        iri,
        ClaimKind::Hours,
    )
}

/// Words that make a time of day the end of the service hours ("晚上10点下班", "到9点"), and
/// its start ("早上8点上班", "9点开始").
const CLOSES: &[&str] = &["下班", "下线", "结束", "截止", "到", "至", "关"];
const OPENS: &[&str] = &["上班", "上线", "开始", "起", "从"];

/// A time of day the answer gives for the service desk ("客服几点下班" — "晚上10点下班") must
/// be its closing (or opening) time. `clause`: the answer's clause, as written.
pub(super) fn service_time(cx: &Ctx, clause: &str) -> Option<Judged> {
    let q = &cx.p.question.s;
    if !SERVICE_DESK.iter().any(|w| q.contains(w)) || RE_TIME_RANGE_WORDS.is_match(clause) {
        return None;
    }
    let c = crate::text::fold(clause);
    let at = time_of_day(&c)?;
    let closes = CLOSES.iter().any(|w| c.contains(w));
    if !closes && !OPENS.iter().any(|w| c.contains(w)) {
        return None;
    }
    let hours = desk_hours(cx);
    if hours.is_empty() {
        return None;
    }
    Some(hours_judged(
        cx,
        hours.iter().any(|&(o, c)| at == if closes { c } else { o }),
    ))
}

/// The threshold a yes or no is about: "买2899的床垫能分期免息吗" asks of an order of 2899
/// what the merchant grants from 满3000 on. `topics`: the proposition's service topics.
pub(super) fn threshold(cx: &Ctx, keys: &HashSet<String>, affirms: bool) -> Option<Judged> {
    let topics: Vec<&str> = keys
        .iter()
        .filter_map(|k| k.strip_prefix("t:"))
        .filter(|t| !matches!(*t, "ship_to" | "return" | "exchange"))
        .collect();
    if topics.is_empty() || !affirms {
        return None;
    }
    let c = RE_ORDER_AMOUNT.captures(&cx.p.question.s)?;
    let amount: f64 = c.get(1).or(c.get(2))?.as_str().parse().ok()?;
    let v = &cx.fb.lex.vocab;
    let mut found: Option<(f64, String, String)> = None;
    for f in cx.fb.sentences.iter().filter(|f| f.scope == Scope::Shop) {
        for cl in &f.clauses {
            let clause = &f.norm.s[cl.clone()];
            let on_topic = v.topic.find(clause).iter().any(|(_, n)| topics.contains(n));
            let Some(n) = RE_THRESHOLD.captures(clause).and_then(|m| m[1].parse::<f64>().ok()) else {
                continue;
            };
            if !on_topic {
                continue;
            }
            match &found {
                Some((m, _, _)) if (m - n).abs() > 0.011 => return None,
                Some(_) => {}
                None => {
                    found = Some((
                        n,
                        f.orig.get(f.norm.orig(cl)).unwrap_or(clause).to_string(),
                        f.iri.clone(),
                    ))
                }
            }
        }
    }
    let (n, text, iri) = found?;
    if amount >= n {
        return Some((ClaimStatus::Supported, None, Some(iri), ClaimKind::Policy));
    }
    Some((ClaimStatus::Contradicted, Some(text), Some(iri), ClaimKind::Policy))
}

/// Days since receipt a question gives ("收到20天了", "签收两天").
fn elapsed_days(q: &str) -> Option<f64> {
    let c = RE_ELAPSED.captures(q)?;
    parse_num(c.get(1).or(c.get(2))?.as_str())
}

/// The no-reason return window (days) of the products asked about, from their return
/// policy, else the shop's one policy with a window; with its IRI.
fn return_window(cx: &Ctx, subjects: &[usize]) -> Option<(i64, String)> {
    let facts = &cx.fb.facts;
    let own: HashSet<&str> = subjects
        .iter()
        .filter_map(|&i| facts.products.get(i)?.offer.as_ref()?.return_policy.as_deref())
        .collect();
    let windows: Vec<(i64, &str)> = facts
        .policies
        .iter()
        .filter(|p| own.is_empty() || own.contains(p.iri.as_str()))
        .filter_map(|p| Some((p.days?, p.iri.as_str())))
        .collect();
    let first = windows.first()?;
    windows
        .iter()
        .all(|w| w.0 == first.0)
        .then(|| (first.0, first.1.to_string()))
}

/// A yes to "received N days ago, can I still return it" is wrong once N is past the
/// return window, a no while N is within it and no refusal (`refused`) applies (a fault of the shop is another matter: `keys` naming one are left alone).
pub(super) fn past_window(
    cx: &Ctx,
    subjects: &[usize],
    keys: &HashSet<String>,
    affirms: bool,
    refused: bool,
) -> Option<Judged> {
    let asks_return = keys.contains("t:return") || keys.contains("c:no_reason") || keys.contains("t:exchange");
    if !asks_return || keys.iter().any(|k| k.starts_with("f:")) {
        return None;
    }
    let days = elapsed_days(&cx.p.question.s)?;
    let (window, iri) = return_window(cx, subjects)?;
    // Within the window a no is wrong unless a refusal of the merchant meets the question's
    // conditions (拆封, 已使用).
    let within = days <= window as f64;
    if within == affirms || (within && refused) {
        return None;
    }
    Some((
        ClaimStatus::Contradicted,
        Some(format!("签收后{window}天内可申请无理由退货")),
        Some(iri),
        ClaimKind::Policy,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_as_shoppers_write_them() {
        assert_eq!(time_of_day("晚上七点付的款"), Some(19 * 60));
        assert_eq!(time_of_day("下午5点付款"), Some(17 * 60));
        assert_eq!(time_of_day("下午4点半拍的"), Some(16 * 60 + 30));
        assert_eq!(time_of_day("19:45付款"), Some(19 * 60 + 45));
        assert_eq!(time_of_day("上午10点下单"), Some(10 * 60));
        assert_eq!(time_of_day("中午1点"), Some(13 * 60));
        assert_eq!(time_of_day("今天能发吗"), None);
    }

    #[test]
    fn days_since_receipt() {
        assert_eq!(elapsed_days("收到20天了 还能退吗"), Some(20.0));
        assert_eq!(elapsed_days("签收两天 能退吗"), Some(2.0));
        assert_eq!(elapsed_days("收到第20天 还能退吗"), Some(20.0));
        assert_eq!(elapsed_days("都十天了还能退不"), Some(10.0));
        assert_eq!(elapsed_days("7天无理由吗"), None);
    }
}
