//! Value claims that belong to the shop or a price: prices and the totals computed from
//! them, fees, thresholds and durations, 满减 amounts, service hours and cut-off times,
//! and phone numbers. Amounts computed in the answer (sums, discounts, 满减, quantities)
//! count as supported.

use super::candidate::{Candidate, ClauseScan, What};
use super::context::{Ctx, Outcome, contradicted, keys_compatible, keys_equal, quoted, supported, unverifiable};
use super::facts::{FactBase, FactSentence, Scope};
use super::mentions::{Mention, Val, same_type, same_value};
use super::promotions::PromoInfo;
use super::text::{RE_PHONE, fmt_money, parse_num};
use crate::pipeline::ClaimKind;

/// A price must be the subject product's, or computed from the answer's amounts (a sum,
/// a discount, a 满减, a quantity); a stated total must add up.
pub(super) fn check_price(cx: &Ctx, promos: &[PromoInfo], c: &Candidate, m: &Mention, v: f64) -> Outcome {
    let fb = cx.fb;
    let prices: Vec<(usize, f64)> = c.subjects.iter().filter_map(|&p| fb.price(p).map(|x| (p, x))).collect();
    if let Some(o) = asked_total(cx, promos, v) {
        return o;
    }
    if let Some((p, _)) = prices.iter().find(|(_, x)| (x - v).abs() < 0.011) {
        return supported(fb.offer_iri(*p));
    }
    if let Some(o) = arithmetic(cx, m, v) {
        return o;
    }
    if derived(cx, promos, v, &m.range) {
        return supported(None);
    }
    let any_price = fb
        .facts
        .products
        .iter()
        .enumerate()
        .find(|(i, _)| fb.price(*i).is_some_and(|x| (x - v).abs() < 0.011));
    let sentence =
        cx.p.sents
            .get(c.sentence)
            .map_or("", |st| &cx.p.norm.s[st.range.clone()]);
    if (m.key.as_deref() == Some("total") || !quantities(sentence).is_empty()) && !c.in_question {
        // A stated total that no combination of the answer's amounts gives.
        if let Some(o) = wrong_total(cx, m, v) {
            return o;
        }
    }
    if prices.is_empty() || c.in_question || m.key.as_deref() == Some("total") {
        return match any_price {
            Some((i, _)) if c.subjects.is_empty() => supported(fb.offer_iri(i)),
            _ => unverifiable(),
        };
    }
    // The amount is another product's price that the answer also names.
    if cx
        .p
        .answer_products
        .iter()
        .any(|&p| fb.price(p).is_some_and(|x| (x - v).abs() < 0.011))
    {
        return unverifiable();
    }
    let first = prices[0].1;
    if prices.iter().all(|(_, x)| (x - first).abs() < 0.011) {
        return contradicted(fmt_money(first), fb.offer_iri(prices[0].0));
    }
    unverifiable()
}

/// The one amount of an answer to "A跟B一起买多少钱" must be the sum of their prices (less a
/// 满减 of the merchant's promotions), not one of them.
fn asked_total(cx: &Ctx, promos: &[PromoInfo], v: f64) -> Option<Outcome> {
    let q = &cx.p.question.s;
    // The products the question joins ("气垫跟散粉"): a group where a product line is named.
    let named: Vec<Vec<usize>> = q
        .split(['和', '跟', '加', '与', '+', '、'])
        .map(|part| cx.fb.products.identify(part))
        .filter(|g| !g.is_empty())
        .collect();
    let [ga, gb] = named.as_slice() else { return None };
    let sums: Vec<f64> = ga
        .iter()
        .flat_map(|&a| gb.iter().filter(move |&&b| b != a).map(move |&b| (a, b)))
        .filter_map(|(a, b)| Some(cx.fb.price(a)? + cx.fb.price(b)?))
        .collect();
    let (&[a], &[b]) = (ga.as_slice(), gb.as_slice()) else {
        // Several products per part: an amount that is one of their sums holds.
        return sums.iter().any(|s| (s - v).abs() < 0.011).then(|| supported(None));
    };
    if a == b {
        return None;
    }
    let money = cx.p.mentions.iter().filter(|m| matches!(m.val, Val::Money(_))).count();
    if money != 1 || !SUM_CUES.iter().any(|w| q.contains(w)) {
        return None;
    }
    let sum = cx.fb.price(a)? + cx.fb.price(b)?;
    let close = |x: f64| (x - v).abs() < 0.011;
    let less = deduction_pairs(cx, promos)
        .into_iter()
        .any(|(px, py)| px > 0.0 && sum >= px && close(sum - (sum / px).floor() * py));
    if close(sum) || less {
        return Some(supported(None));
    }
    Some(contradicted(fmt_money(sum), None))
}

/// Words between a discount and the amount it gives ("8折后199元").
const AFTER_DISCOUNT: &[&str] = &["折后", "折后价", "打折后"];

/// A written computation: "A元+B元=C元" (C must be the sum) or "8折后C元" (C must be the
/// preceding amount times the discount).
fn arithmetic(cx: &Ctx, m: &Mention, v: f64) -> Option<Outcome> {
    let s = &cx.p.norm.s;
    let st =
        cx.p.sents
            .iter()
            .find(|st| st.range.start <= m.range.start && m.range.start < st.range.end)?;
    let cl = st
        .clauses
        .iter()
        .find(|c| c.start <= m.range.start && m.range.start < c.end)?;
    let before = s[cl.start..m.range.start].trim_end();
    let money_before = |from: usize| -> Vec<f64> {
        cx.p.mentions
            .iter()
            .filter(|x| x.range.start >= from && x.range.end <= m.range.start)
            .filter_map(|x| if let Val::Money(a) = x.val { Some(a) } else { None })
            .collect()
    };
    if before.ends_with('=') {
        let ops = money_before(cl.start);
        if ops.len() >= 2 {
            let sum: f64 = ops.iter().sum();
            return Some(if (sum - v).abs() < 0.011 {
                supported(None)
            } else {
                contradicted(fmt_money(sum), None)
            });
        }
    }
    if AFTER_DISCOUNT.iter().any(|w| before.ends_with(w)) {
        let factor =
            cx.p.mentions
                .iter()
                .filter(|x| x.range.start >= cl.start && x.range.end <= m.range.start)
                .filter_map(|x| if let Val::Discount(f) = x.val { Some(f) } else { None })
                .next_back()?;
        let base = money_before(0).into_iter().next_back()?;
        let want = (base * factor * 100.0).round() / 100.0;
        return Some(if (want - v).abs() < 0.51 {
            supported(None)
        } else {
            contradicted(fmt_money(want), None)
        });
    }
    None
}

/// A total ("一共288元") that is neither the sum of the sentence's earlier amounts nor a price
/// times the quantity the answer names.
fn wrong_total(cx: &Ctx, m: &Mention, v: f64) -> Option<Outcome> {
    let st =
        cx.p.sents
            .iter()
            .find(|st| st.range.start <= m.range.start && m.range.start < st.range.end)?;
    let before: Vec<f64> =
        cx.p.mentions
            .iter()
            .filter(|x| x.range.start >= st.range.start && x.range.end <= m.range.start)
            .filter_map(|x| if let Val::Money(a) = x.val { Some(a) } else { None })
            .collect();
    let qty: Vec<f64> = quantities(&cx.p.norm.s[st.range.clone()]);
    let expected = if before.len() >= 2 {
        Some(before.iter().sum::<f64>())
    } else if let (Some(&a), Some(&n)) = (before.first(), qty.first()) {
        Some(a * n)
    } else {
        None
    }?;
    if (expected - v).abs() < 0.011 {
        return Some(supported(None));
    }
    Some(contradicted(fmt_money(expected), None))
}

/// The answer's amounts other than `except`, and the prices of the products it and the
/// question name.
fn all_money(cx: &Ctx, except: &std::ops::Range<usize>) -> Vec<f64> {
    let mut v: Vec<f64> =
        cx.p.mentions
            .iter()
            .filter(|m| m.range != *except)
            .filter_map(|m| if let Val::Money(x) = m.val { Some(x) } else { None })
            .collect();
    for &p in cx.p.answer_products.iter().chain(cx.p.question_products.iter()) {
        if let Some(x) = cx.fb.price(p) {
            v.push(x);
        }
    }
    // One amount written and priced is one amount: "单价79元" is no second 79 to add.
    v.sort_by(f64::total_cmp);
    v.dedup_by(|a, b| (*a - *b).abs() < 0.011);
    v
}

/// Whether an amount is computed from other amounts of the answer (a total, a discount
/// applied, a 满减 taken off, a quantity multiplied).
fn derived(cx: &Ctx, promos: &[PromoInfo], v: f64, except: &std::ops::Range<usize>) -> bool {
    let a = all_money(cx, except);
    let factors = discount_factors(cx);
    let pairs = deduction_pairs(cx, promos);
    let qty: Vec<f64> = quantities(&cx.p.norm.s)
        .into_iter()
        .chain(quantities(&cx.p.question.s))
        .collect();
    let (sum_cue, diff_cue) = arithmetic_cues(cx, except);
    let close = |x: f64| (x - v).abs() < 0.011;
    for (i, &x) in a.iter().enumerate() {
        if factors.iter().any(|f| (x * f - v).abs() < 0.51) || qty.iter().any(|n| close(x * n)) {
            return true;
        }
        for &(px, py) in &pairs {
            if diff_cue && px > 0.0 && x >= px {
                let k = (x / px).floor();
                if close(x - k * py) || close(k * py) {
                    return true;
                }
            }
        }
        for (j, &y) in a.iter().enumerate() {
            if i == j {
                continue;
            }
            if (sum_cue && close(x + y))
                || (diff_cue && close(x - y))
                || factors.iter().any(|f| ((x + y) * f - v).abs() < 0.51)
            {
                return true;
            }
            for (k, &z) in a.iter().enumerate() {
                if sum_cue && k != i && k != j && close(x + y + z) {
                    return true;
                }
            }
        }
    }
    false
}

/// The discount factors of the answer (8折 → 0.8; 半价 → 0.5 or, on the second item, 0.75).
fn discount_factors(cx: &Ctx) -> Vec<f64> {
    let mut factors: Vec<f64> =
        cx.p.mentions
            .iter()
            .filter_map(|m| if let Val::Discount(f) = m.val { Some(f) } else { None })
            .collect();
    if cx.p.norm.s.contains("半价") {
        factors.push(0.5);
        factors.push(0.75);
    }
    factors
}

/// The 满减 pairs (threshold, amount off) of the answer and of the merchant's promotions.
fn deduction_pairs(cx: &Ctx, promos: &[PromoInfo]) -> Vec<(f64, f64)> {
    let mut pairs: Vec<(f64, f64)> =
        cx.p.mentions
            .iter()
            .filter_map(|m| {
                if let Val::Pair { x, y } = m.val {
                    Some((x, y))
                } else {
                    None
                }
            })
            .collect();
    for pr in promos {
        for v in &pr.pairs {
            if let Val::Pair { x, y } = v {
                pairs.push((*x, *y));
            }
        }
    }
    pairs
}

/// Words that let a sentence add amounts up (+, =, 共…).
const SUM_CUES: &[&str] = &["+", "=", "合计", "共", "总价", "加起来", "一起", "算下来"];

/// Words that let a sentence take an amount off (减, 省…).
const DIFF_CUES: &[&str] = &["减", "优惠", "省", "便宜", "差价", "=", "抵", "券", "扣"];

/// Whether the sentence of the amount at `except` adds up and whether it deducts (a stated
/// total does both).
fn arithmetic_cues(cx: &Ctx, except: &std::ops::Range<usize>) -> (bool, bool) {
    // Arithmetic needs its words in the sentence: a total (+, =, 共…) or a deduction (减, 省…).
    let sent =
        cx.p.sents
            .iter()
            .find(|st| st.range.start <= except.start && except.start < st.range.end)
            .map_or("", |st| &cx.p.norm.s[st.range.clone()]);
    let total =
        cx.p.mentions
            .iter()
            .any(|m| m.range == *except && m.key.as_deref() == Some("total"));
    let sum_cue = total || SUM_CUES.iter().any(|w| sent.contains(w));
    let diff_cue = total || DIFF_CUES.iter().any(|w| sent.contains(w));
    (sum_cue, diff_cue)
}

/// Item counts of a text (2 to 20: 两件, 3个).
fn quantities(s: &str) -> Vec<f64> {
    use std::sync::LazyLock;
    static RE_Q: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(\d+|[一二两三四五六七八九十])\s*(?:件|支|个|盒|瓶|条|套|根|片|双|台|份|只|把|张|包|袋|罐|箱|桶|本)",
        )
        .expect("static regex")
    });
    RE_Q.captures_iter(s)
        .filter_map(|c| c.get(1).and_then(|m| parse_num(m.as_str())))
        .filter(|n| *n >= 2.0 && *n <= 20.0)
        .collect()
}

/// Whether a money mention claims the shipping fee: keyed so, or a bare amount answering a
/// question that asks the fee and no price ("T恤买一件69运费多少" — "69元", even when it
/// repeats the question's number: it is then the fee claimed).
pub(super) fn fee_claim(cx: &Ctx, c: &Candidate, m: &Mention) -> bool {
    let v = &cx.fb.lex.vocab;
    let q = &cx.p.question.s;
    let bare =
        cx.p.norm
            .s
            .replace(m.raw.as_str(), "")
            .chars()
            .all(|ch| !ch.is_alphanumeric());
    let asks_fee = v.amount.has(q, "shipping_fee") && !v.amount.has(q, "price") && !q.contains("多少钱");
    asks_fee
        && ((m.key.as_deref() == Some("shipping_fee") && !c.in_question)
            || (m.key.is_none() && (bare || !c.in_question)))
}

/// The shipping fee of the order a question describes, by the shop's one order-level rule
/// (a rate with a free-shipping threshold): the order is the amount the question gives, or
/// the one product it names times the quantity. `None` where the question gives no order,
/// names a region, or the shop has no single such rule.
pub(super) fn order_fee(cx: &Ctx, v: f64) -> Option<Outcome> {
    let fb = cx.fb;
    let q = &cx.p.question.s;
    if !fb.lex.vocab.region.find(q).is_empty() || !fb.lex.vocab.region.find(&cx.p.norm.s).is_empty() {
        return None;
    }
    let asked: Vec<f64> = super::mentions::mentions(q, &fb.lex)
        .into_iter()
        .filter_map(|m| if let Val::Money(x) = m.val { Some(x) } else { None })
        .collect();
    let amount = match (asked.as_slice(), cx.p.question_products.as_slice()) {
        ([a], _) => *a,
        ([], [p]) => fb.price(*p)? * quantities(q).first().copied().unwrap_or(1.0),
        _ => return None,
    };
    let mut rules = fb
        .facts
        .shipping
        .iter()
        .filter(|s| s.regions.is_empty() && s.free_threshold.is_some() && s.rate.is_some());
    let rule = rules.next()?;
    if rules.next().is_some() {
        return None;
    }
    let (rate, threshold) = (rule.rate?, rule.free_threshold?);
    let want = if amount >= threshold { 0.0 } else { rate };
    if (want - v).abs() < 0.011 {
        return Some(supported(Some(rule.iri.clone())));
    }
    Some(contradicted(format!("{}元", fmt_money(want)), Some(rule.iri.clone())))
}

/// Values that belong to the shop (fees, thresholds, durations, 满减, hours): compared with
/// values of the same type and key in shop-wide facts and the subject product's facts.
pub(super) fn check_shop_value(cx: &Ctx, c: &Candidate, m: &Mention) -> Outcome {
    let fb = cx.fb;
    let subj = &c.subjects;
    let regions = RegionFilter::new(cx, c, m);
    let of_subject = |f: &FactSentence| match &f.scope {
        Scope::Own(p) => subj.contains(p),
        Scope::Tagged(ps) => ps.iter().any(|p| subj.contains(p)),
        _ => false,
    };
    // A product's own rule (its return window) sets aside the shop-wide one.
    let own_rule = !subj.is_empty()
        && fb.sentences.iter().filter(|f| of_subject(f)).any(|f| {
            f.mentions
                .iter()
                .any(|fm| same_type(&m.val, &fm.val) && m.key.is_some() && keys_equal(&m.key, &fm.key))
        });
    let support_scope = |f: &FactSentence| {
        regions.fits(f)
            && match &f.scope {
                Scope::Own(p) => subj.is_empty() || subj.contains(p),
                Scope::Tagged(ps) => subj.is_empty() || ps.iter().any(|p| subj.contains(p)),
                Scope::Shop => !own_rule,
                Scope::General => false,
            }
    };
    let contra_scope = |f: &FactSentence| {
        regions.fits(f)
            && match &f.scope {
                Scope::Own(p) => subj.contains(p),
                Scope::Tagged(ps) => ps.iter().any(|p| subj.contains(p)),
                Scope::Shop => true,
                Scope::General => false,
            }
    };
    for f in fb.sentences.iter().filter(|f| support_scope(f)) {
        for fm in &f.mentions {
            if !same_type(&m.val, &fm.val) || !same_value(&m.val, &fm.val) || !keys_compatible(&m.key, &fm.key) {
                continue;
            }
            // A keyed value is supported by an unkeyed one only when the contexts align.
            let one_unkeyed = m.key.is_some() != fm.key.is_some();
            if !one_unkeyed || cx.align(c, f) >= 3.0 {
                return supported(Some(f.iri.clone()));
            }
        }
    }
    if let Some(iri) = quoted(cx, c, m) {
        return supported(Some(iri));
    }
    // 满减 pairs: the same threshold with another amount.
    let best = best_contradiction(cx, c, m, contra_scope);
    if let Some((_, exp, iri)) = best {
        if c.in_question {
            return unverifiable();
        }
        // "法律规定七天无理由…": a statement of the general rule, true as such.
        let sentence = &cx.p.norm.s[cx.p.sents[c.sentence].range.clone()];
        if cx.fb.lex.vocab.authority.any(sentence) && general_supports(cx, m) {
            return supported(None);
        }
        return contradicted(exp, Some(iri));
    }
    if general_supports(cx, m) {
        return supported(None);
    }
    unverifiable()
}

/// The fact value a shop value is most likely a wrong version of: the same type and key in
/// the best-aligned fact in scope (for 满减 pairs, the same threshold with another amount):
/// (alignment, value as written, fact IRI).
fn best_contradiction(
    cx: &Ctx,
    c: &Candidate,
    m: &Mention,
    contra_scope: impl Fn(&FactSentence) -> bool,
) -> Option<(f64, String, String)> {
    let mut best: Option<(f64, String, String)> = None;
    for f in cx.fb.sentences.iter().filter(|f| contra_scope(f)) {
        let score = cx.align(c, f);
        for fm in &f.mentions {
            if !same_type(&m.val, &fm.val) || same_value(&m.val, &fm.val) {
                continue;
            }
            let strong = match (&m.val, &fm.val) {
                (Val::Pair { x: a, .. }, Val::Pair { x: b, .. }) => (a - b).abs() < 0.011 || score >= 2.0,
                (Val::Money(_), Val::Money(_)) => keys_equal(&m.key, &fm.key),
                (Val::Dur { .. }, Val::Dur { .. }) => {
                    (keys_equal(&m.key, &fm.key) && score >= 1.0) || (keys_compatible(&m.key, &fm.key) && score >= 3.0)
                }
                (Val::Discount(_), Val::Discount(_)) => score >= 2.0,
                (Val::TimeOfDay { .. }, Val::TimeOfDay { .. }) => score >= 1.0,
                _ => keys_compatible(&m.key, &fm.key) && score >= 3.0,
            };
            if strong && best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, f.raw(fm), f.iri.clone()));
            }
        }
    }
    best
}

/// The regions a value is claimed for (named in its sentence, else in the question) select
/// the facts that apply: a fact naming other regions says nothing about it, and a fact naming
/// none applies only where no fact names one of its regions ("新疆运费20元" over "运费8元").
struct RegionFilter<'a> {
    /// Each claimed region with its broader groups.
    claimed: Vec<Vec<&'a str>>,
    /// Some fact with a value of the same type names a claimed region.
    specific: bool,
}

impl<'a> RegionFilter<'a> {
    fn new(cx: &'a Ctx, c: &Candidate, m: &Mention) -> Self {
        let vocab = &cx.fb.lex.vocab;
        let sentence = &cx.p.norm.s[cx.p.sents[c.sentence].range.clone()];
        let mut named = vocab.region.find(sentence);
        if named.is_empty() {
            named = vocab.region.find(&cx.p.question.s);
        }
        let claimed: Vec<Vec<&str>> = named.into_iter().map(|(_, n)| vocab.region.closure(n)).collect();
        let mut f = RegionFilter {
            claimed,
            specific: false,
        };
        f.specific = !f.claimed.is_empty()
            && cx.fb.sentences.iter().any(|s| {
                s.scope != Scope::General
                    && s.mentions
                        .iter()
                        .any(|fm| same_type(&m.val, &fm.val) && keys_compatible(&m.key, &fm.key))
                    && f.names_claimed(s)
            });
        f
    }

    /// Whether a fact names one of the claimed regions (or a group holding one).
    fn names_claimed(&self, f: &FactSentence) -> bool {
        f.regions
            .iter()
            .any(|n| self.claimed.iter().any(|up| up.contains(&n.as_str())))
    }

    fn fits(&self, f: &FactSentence) -> bool {
        if self.claimed.is_empty() {
            return true;
        }
        if !f.regions.is_empty() {
            self.names_claimed(f)
        } else {
            !self.specific
        }
    }
}

/// Whether the general layer states the same value.
fn general_supports(cx: &Ctx, m: &Mention) -> bool {
    cx.fb.sentences.iter().filter(|f| f.scope == Scope::General).any(|f| {
        f.mentions
            .iter()
            .any(|fm| same_type(&m.val, &fm.val) && keys_compatible(&m.key, &fm.key) && same_value(&m.val, &fm.val))
    })
}

/// Minutes after midnight as `HH:MM`.
fn hhmm(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// `HH:MM` as minutes after midnight.
pub(super) fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    Some(h.trim().parse::<u32>().ok()? * 60 + m.get(..2)?.parse::<u32>().ok()?)
}

/// Service hours: the shop's opening hours and every time range its own texts state.
pub(super) fn service_hours(fb: &FactBase) -> Vec<(u32, u32, String)> {
    let org = &fb.facts.org;
    let mut ranges = Vec::new();
    // Time ranges (service hours).
    for (o, c) in &org.hours {
        if let (Some(a), Some(b)) = (parse_hhmm(o), parse_hhmm(c)) {
            ranges.push((a, b, org.iri.clone()));
        }
    }
    for f in fb.sentences.iter().filter(|f| f.scope != Scope::General) {
        for m in &f.mentions {
            if let Val::TimeRange(a, b) = m.val {
                ranges.push((a, b, f.iri.clone()));
            }
        }
    }
    ranges
}

/// A time range (service hours) must be one the merchant states.
pub(super) fn check_range(hours: &[(u32, u32, String)], c: &Candidate, a: u32, b: u32) -> Outcome {
    if let Some((_, _, iri)) = hours.iter().find(|(x, y, _)| *x == a && *y == b) {
        return supported(Some(iri.clone()));
    }
    if hours.is_empty() || c.in_question {
        return unverifiable();
    }
    let best = hours
        .iter()
        .find(|(x, y, _)| *x == a || *y == b)
        .or_else(|| hours.first());
    match best {
        Some((x, y, iri)) => contradicted(format!("{}-{}", hhmm(*x), hhmm(*y)), Some(iri.clone())),
        None => unverifiable(),
    }
}

/// Phone numbers written in a clause (ten digits or more).
pub(super) fn phone_candidates(scan: &mut ClauseScan) {
    let (clause, cl_start) = (scan.clause, scan.cl.start);
    for m in RE_PHONE.find_iter(clause) {
        let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 10 {
            let nr = cl_start + m.start()..cl_start + m.end();
            scan.push(ClaimKind::Hours, nr, What::Phone(digits), Vec::new(), false);
        }
    }
}

/// A phone number must be one the shop publishes.
pub(super) fn check_phone(cx: &Ctx, digits: &str) -> Outcome {
    let fb = cx.fb;
    let digits_of = |t: &str| t.chars().filter(char::is_ascii_digit).collect::<String>();
    let known = fb.facts.org.telephone.iter().map(|t| digits_of(t)).any(|t| t == digits)
        || fb.own_sentences().any(|f| digits_of(&f.orig).contains(digits));
    match &fb.facts.org.telephone {
        _ if known => supported(Some(fb.facts.org.iri.clone())),
        Some(t) => contradicted(t.clone(), Some(fb.facts.org.iri.clone())),
        None => unverifiable(),
    }
}
