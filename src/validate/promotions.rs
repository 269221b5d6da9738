//! Promotion claims: running / ended / upcoming, start and end dates, pre-sale ship dates,
//! a product's participation, evaluated at the question time against the promotions the
//! answer is about. The promotion state and participation vocabulary is here.

use super::candidate::{Candidate, ClauseScan, PromoClaim, What};
use super::context::{Ctx, Outcome, clause_text, contradicted, supported, unverifiable};
use super::facts::FactBase;
use super::mentions::{Val, mentions, same_value};
use super::text::{ANY_PRODUCT, DateMention, Stance, coverage, segment, term_set};
use crate::pipeline::ClaimKind;
use crate::store::merchant::{Availability, PromotionStatus};
use chrono::{DateTime, Datelike, FixedOffset};
use std::collections::HashSet;

/// A promotion with its matching terms.
#[derive(Debug, Clone)]
pub(super) struct PromoInfo {
    /// Index into `MerchantFacts::promotions`.
    pub(super) idx: usize,
    /// Terms of its name.
    name_terms: HashSet<String>,
    /// Terms of its description.
    desc_terms: HashSet<String>,
    /// Its 满减 pairs and discounts.
    pub(super) pairs: Vec<Val>,
}

/// The merchant's promotions with their matching terms and 满减 / discount values.
pub(super) fn promo_infos(fb: &FactBase) -> Vec<PromoInfo> {
    let mut promos = Vec::new();
    for (idx, pr) in fb.facts.promotions.iter().enumerate() {
        let name_n = crate::text::fold_keep_spaces(&pr.name);
        let desc_n = crate::text::fold_keep_spaces(pr.description.as_deref().unwrap_or(""));
        let mut pairs: Vec<Val> = Vec::new();
        for m in mentions(&name_n, &fb.lex).into_iter().chain(mentions(&desc_n, &fb.lex)) {
            if matches!(m.val, Val::Pair { .. } | Val::Discount(_)) {
                pairs.push(m.val);
            }
        }
        promos.push(PromoInfo {
            idx,
            name_terms: term_set(&name_n),
            desc_terms: term_set(&desc_n),
            pairs,
        });
    }
    promos
}

/// The promotion state a clause states: upcoming, ended, or running (unless negated).
pub(super) fn status_candidates(scan: &mut ClauseScan) {
    let found: Vec<&str> = scan
        .lex
        .vocab
        .promotion
        .find(scan.clause)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let state = if found.contains(&"upcoming") {
        Some(PromoClaim::Upcoming)
    } else if found.contains(&"ended") {
        Some(PromoClaim::Ended)
    } else if found.iter().any(|n| matches!(*n, "running" | "started")) && scan.stance != Stance::Negate {
        Some(PromoClaim::Running)
    } else {
        None
    };
    if let Some(state) = state {
        scan.push(
            ClaimKind::Promotion,
            scan.cl.clone(),
            What::PromoStatus(state),
            Vec::new(),
            false,
        );
    }
}

/// Start and end dates written in a clause (a promotion's validity, or a pre-sale ship date).
pub(super) fn date_candidates(scan: &mut ClauseScan, dates: &[DateMention]) {
    let cl = scan.cl.clone();
    for d in dates
        .iter()
        .filter(|d| d.range.start >= cl.start && d.range.end <= cl.end)
    {
        if d.start || d.end {
            let subj = scan.subject_at(d.range.start);
            scan.push(
                ClaimKind::Promotion,
                d.range.clone(),
                What::PromoDate(d.clone()),
                subj,
                false,
            );
        }
    }
}

/// A clause saying its product takes part in a promotion ("也参与", "可享"), unless negated.
pub(super) fn participation_candidates(scan: &mut ClauseScan) {
    if scan.stance != Stance::Negate && scan.lex.vocab.promotion.has(scan.clause, "takes_part") {
        let subj = scan.subject_at(scan.cl.end);
        scan.push(ClaimKind::Promotion, scan.cl.clone(), What::Participation, subj, false);
    }
}

/// Promotions the given text names (by name or by its 满减/discount), best first.
pub(super) fn named_promos(cx: &Ctx, promos: &[PromoInfo], text: &str) -> Vec<(f64, usize)> {
    aligned_promos_with(cx, promos, text, false)
}

/// Promotions the given text is about (also by its description), best first (score, index).
fn aligned_promos(cx: &Ctx, promos: &[PromoInfo], text: &str) -> Vec<(f64, usize)> {
    aligned_promos_with(cx, promos, text, true)
}

/// Promotions scoring 0.6 or more: name coverage, description coverage (when asked), a
/// matching 满减 or discount value; best first.
fn aligned_promos_with(cx: &Ctx, promos: &[PromoInfo], text: &str, by_description: bool) -> Vec<(f64, usize)> {
    let fb = cx.fb;
    let n = crate::text::fold_keep_spaces(text);
    let terms = term_set(&n);
    let vals: Vec<Val> = mentions(&n, &fb.lex).into_iter().map(|m| m.val).collect();
    let mut out = Vec::new();
    for pr in promos {
        let name_cov = coverage(&pr.name_terms, &terms);
        let desc_frac = if by_description && terms.len() >= 4 {
            coverage(&terms, &pr.desc_terms)
        } else {
            0.0
        };
        let pair_hit = vals.iter().any(|v| pr.pairs.iter().any(|p| same_value(v, p)));
        let mut score = name_cov.max(desc_frac);
        if pair_hit {
            score = score.max(0.7);
        }
        if score >= 0.6 {
            out.push((score, name_cov, pr.idx));
        }
    }
    // Ties go to the promotion the text names (an event and its offer share a 满减 pair).
    out.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)));
    out.into_iter().map(|(score, _, i)| (score, i)).collect()
}

/// A promotion state must be its state at the question time (`None`: no promotion aligned).
pub(super) fn check_promo_status(cx: &Ctx, infos: &[PromoInfo], c: &Candidate, claim: PromoClaim) -> Option<Outcome> {
    let mut aligned = aligned_promos(cx, infos, clause_text(cx, c.sentence, c.clause));
    if aligned.is_empty() && c.clause > 0 {
        aligned = aligned_promos(cx, infos, clause_text(cx, c.sentence, c.clause - 1));
    }
    if aligned.is_empty() {
        return None;
    }
    let promos = &cx.fb.facts.promotions;
    let statuses: Vec<(PromotionStatus, usize)> = aligned.iter().map(|(_, i)| (promos[*i].status(cx.at), *i)).collect();
    let want = match claim {
        PromoClaim::Running => PromotionStatus::Active,
        PromoClaim::Ended => PromotionStatus::Ended,
        PromoClaim::Upcoming => PromotionStatus::Upcoming,
    };
    if let Some((_, i)) = statuses.iter().find(|(s, _)| *s == want) {
        return Some(supported(Some(promos[*i].iri.clone())));
    }
    let (st, i) = statuses[0];
    let p = &promos[i];
    let expected = match st {
        PromotionStatus::Ended => p.valid_through.map(|t| format!("已于{}月{}日结束", t.month(), t.day())),
        PromotionStatus::Upcoming => p.valid_from.map(|t| format!("{}月{}日开始", t.month(), t.day())),
        PromotionStatus::Active => Some("正在进行".to_string()),
    };
    Some(contradicted(expected.unwrap_or_default(), Some(p.iri.clone())))
}

/// A start or end date must be the aligned promotion's.
pub(super) fn check_promo_date(cx: &Ctx, infos: &[PromoInfo], c: &Candidate, d: &DateMention) -> Outcome {
    let mut aligned = aligned_promos(cx, infos, clause_text(cx, c.sentence, c.clause));
    if aligned.is_empty() {
        aligned = aligned_promos(cx, infos, &cx.p.norm.s[cx.p.sents[c.sentence].range.clone()]);
    }
    if aligned.is_empty() {
        return unverifiable();
    }
    let promos = &cx.fb.facts.promotions;
    let md = |t: Option<DateTime<FixedOffset>>| t.map(|t| (t.month(), t.day()));
    let ok = |i: usize| {
        let p = &promos[i];
        (!d.start || md(p.valid_from) == Some((d.month, d.day)))
            && (!d.end || md(p.valid_through) == Some((d.month, d.day)))
    };
    if let Some((_, i)) = aligned.iter().find(|(_, i)| ok(*i)) {
        return supported(Some(promos[*i].iri.clone()));
    }
    let p = &promos[aligned[0].1];
    let t = if d.end { p.valid_through } else { p.valid_from };
    match t {
        Some(t) => contradicted(format!("{}月{}日", t.month(), t.day()), Some(p.iri.clone())),
        None => unverifiable(),
    }
}

/// Words that make a date a pre-sale ship or launch date.
const PRESALE_WORDS: &[&str] = &["发货", "发出", "到货", "上市", "开售"];

/// A pre-sale ship date ("8月1日起发货") against the offer's `availabilityStarts`.
pub(super) fn check_presale_date(cx: &Ctx, c: &Candidate, d: &DateMention) -> Option<Outcome> {
    let clause = clause_text(cx, c.sentence, c.clause);
    if !PRESALE_WORDS.iter().any(|w| clause.contains(w)) || c.subjects.is_empty() {
        return None;
    }
    let mut expected = None;
    for &p in &c.subjects {
        let o = cx.fb.facts.products.get(p)?.offer.as_ref()?;
        let starts = o.availability_starts?;
        if (starts.month(), starts.day()) == (d.month, d.day) {
            return Some(supported(Some(o.iri.clone())));
        }
        expected.get_or_insert((format!("{}月{}日", starts.month(), starts.day()), o.iri.clone()));
    }
    let (e, iri) = expected?;
    Some(contradicted(e, Some(iri)))
}

/// Words of a promotion's description that exclude what precedes them ("特价商品不参与").
const EXCLUSION_MARKERS: &[&str] = &["不参与", "不参加", "除外", "不适用", "不可用", "不能用"];

/// Whether a text names the product's availability as a class of products ("预售商品").
fn availability_named(cx: &Ctx, text: &str, product: usize) -> bool {
    let Some(offer) = cx.fb.facts.products.get(product).and_then(|p| p.offer.as_ref()) else {
        return false;
    };
    let notation = match offer.availability {
        Availability::PreOrder => "preorder",
        Availability::OutOfStock => "out_of_stock",
        Availability::InStock | Availability::Unknown => return false,
    };
    cx.fb.lex.vocab.stock.has(text, notation)
}

/// Whether a promotion leaves a product out: not among its listed items, or named before an
/// exclusion in its description.
pub(super) fn product_excluded(cx: &Ctx, promo: usize, product: usize) -> bool {
    let fb = cx.fb;
    let pr = &fb.facts.promotions[promo];
    let prod = &fb.facts.products[product];
    if !pr.items.is_empty() {
        return !pr.items.contains(&prod.iri);
    }
    let ptext = crate::text::fold_keep_spaces(&format!(
        "{} {} {}",
        prod.name,
        prod.category.as_deref().unwrap_or(""),
        prod.description.as_deref().unwrap_or("")
    ));
    let pterms = term_set(&ptext);
    let desc = crate::text::fold_keep_spaces(pr.description.as_deref().unwrap_or(""));
    for sent in segment(&desc) {
        let mut start = sent.range.start;
        for cl in &sent.clauses {
            let clause = &desc[cl.clone()];
            for marker in EXCLUSION_MARKERS {
                if let Some(pos) = clause.find(marker) {
                    // A list of products left out ("A、B和C不参与"): each item on its own.
                    let listed = &desc[start.max(cl.start)..cl.start + pos];
                    for item in listed.split(['、', '和', '及', '/']) {
                        // "预售商品不参与": left out by its availability.
                        if availability_named(cx, item, product) {
                            return true;
                        }
                        let mut cond = term_set(item);
                        cond.retain(|t| !ANY_PRODUCT.contains(&t.as_str()));
                        if !cond.is_empty() && coverage(&cond, &pterms) >= 0.6 {
                            return true;
                        }
                    }
                }
            }
            start = cl.end;
        }
    }
    false
}

/// A product said to take part in a promotion must not be left out of it (`None`: no
/// subject or no promotion named).
pub(super) fn check_participation(cx: &Ctx, infos: &[PromoInfo], c: &Candidate) -> Option<Outcome> {
    if c.subjects.is_empty() {
        return None;
    }
    let mut aligned = named_promos(cx, infos, clause_text(cx, c.sentence, c.clause));
    if aligned.is_empty() {
        aligned = named_promos(cx, infos, &cx.p.norm.s[cx.p.sents[c.sentence].range.clone()]);
    }
    if aligned.is_empty() {
        aligned = named_promos(cx, infos, cx.question);
    }
    let (best, _) = *aligned.first()?;
    let top: Vec<usize> = aligned
        .iter()
        .filter(|(s, _)| *s >= best - 0.05)
        .map(|(_, i)| *i)
        .collect();
    let promos = &cx.fb.facts.promotions;
    for &i in &top {
        if c.subjects.iter().all(|&p| product_excluded(cx, i, p)) {
            let name = promos[i].name.clone();
            return Some(contradicted(
                format!("{}不参与{}", cx.fb.facts.products[c.subjects[0]].name, name),
                Some(promos[i].iri.clone()),
            ));
        }
    }
    Some(supported(Some(promos[top[0]].iri.clone())))
}
