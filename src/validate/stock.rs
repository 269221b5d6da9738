//! Stock claims: 有货 / 现货 / 缺货 phrases (the `stock` vocabulary of the schema) and
//! inventory counts, checked against the subject product's offer.

use super::candidate::{Candidate, ClauseScan, StockClaim, What};
use super::context::{Ctx, Outcome, contradicted, supported, unverifiable};
use super::products::ProductIndex;
use crate::pipeline::ClaimKind;
use crate::store::merchant::Availability;

/// Words before a stock phrase that make it a condition ("如果有货…"), not a claim.
const CONDITION_WORDS: &[&str] = &["如果", "若", "如"];

/// Stock phrases of a clause (有货 / 现货 / 缺货…) for the product they are about.
pub(super) fn stock_candidates(scan: &mut ClauseScan, products: &ProductIndex) {
    let (s, cl, clause) = (scan.s, scan.cl.clone(), scan.clause);
    for (r, notation) in scan.lex.vocab.stock.find(clause) {
        let state = match notation {
            "in_stock" => StockClaim::InStock,
            "spot" => StockClaim::Spot,
            "out_of_stock" => StockClaim::OutOfStock,
            _ => continue,
        };
        let before: String = clause[..r.start].chars().rev().take(3).collect();
        if CONDITION_WORDS
            .iter()
            .any(|w| before.contains(&w.chars().rev().collect::<String>()))
        {
            continue;
        }
        let nr = cl.start + r.start..cl.start + r.end;
        let mut subj = scan.subject_at(nr.start);
        if subj.is_empty() {
            // "有货的亲，<product>…": the product named later in the sentence.
            for later in scan.sent.clauses.iter().skip(scan.ci + 1) {
                let g = products.identify(&s[later.clone()]);
                if !g.is_empty() {
                    subj = g;
                    break;
                }
            }
        }
        scan.push(ClaimKind::Stock, nr, What::Stock(state), subj, false);
    }
}

/// An inventory count must be the subject product's.
pub(super) fn check_inventory(cx: &Ctx, c: &Candidate, n: i64) -> Outcome {
    let fb = cx.fb;
    if c.subjects.len() != 1 || c.in_question {
        return unverifiable();
    }
    let p = c.subjects[0];
    let Some(o) = fb.facts.products.get(p).and_then(|x| x.offer.as_ref()) else {
        return unverifiable();
    };
    match (o.inventory, o.availability) {
        (Some(inv), _) if inv == n => supported(Some(o.iri.clone())),
        (Some(inv), _) => {
            let unit = o.inventory_unit.clone().unwrap_or_else(|| "件".to_string());
            contradicted(format!("{inv}{unit}"), Some(o.iri.clone()))
        }
        (None, Availability::OutOfStock) if n > 0 => contradicted("缺货".to_string(), Some(o.iri.clone())),
        _ => unverifiable(),
    }
}

/// A stock state must be the subject products' availability (contradicted only when it is
/// wrong for all of them).
pub(super) fn check_stock(cx: &Ctx, c: &Candidate, state: StockClaim) -> Outcome {
    let fb = cx.fb;
    if c.subjects.is_empty() {
        return unverifiable();
    }
    let mut contra = 0;
    let mut iri = None;
    let mut expected = String::new();
    for &p in &c.subjects {
        let Some(o) = fb.facts.products.get(p).and_then(|x| x.offer.as_ref()) else {
            return unverifiable();
        };
        let ok = match (state, o.availability) {
            (StockClaim::InStock | StockClaim::Spot, Availability::InStock)
            | (StockClaim::OutOfStock, Availability::OutOfStock) => Some(true),
            (StockClaim::InStock | StockClaim::Spot, Availability::OutOfStock)
            | (StockClaim::OutOfStock, Availability::InStock)
            | (StockClaim::Spot, Availability::PreOrder) => Some(false),
            _ => None,
        };
        match ok {
            Some(true) => return supported(Some(o.iri.clone())),
            Some(false) => {
                contra += 1;
                iri.get_or_insert(o.iri.clone());
                expected = match o.availability {
                    Availability::InStock => "有货".to_string(),
                    Availability::PreOrder => "预售".to_string(),
                    _ => "缺货".to_string(),
                };
            }
            None => {}
        }
    }
    if contra == c.subjects.len() {
        contradicted(expected, iri)
    } else {
        unverifiable()
    }
}
