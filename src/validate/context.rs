//! One parsed answer against one fact base ([`Ctx`]): the alignment terms of its clauses,
//! quoted merchant sentences ([`quoted`]), and the outcome of a check ([`Outcome`]).

use super::candidate::{Candidate, Parsed};
use super::facts::{FactBase, FactSentence, Scope};
use super::mentions::{Mention, blank_mentions, same_type, same_value};
use super::text::{coverage, term_set};
use crate::pipeline::ClaimStatus;
use chrono::{DateTime, FixedOffset};
use std::collections::HashSet;

/// One parsed answer being checked against one fact base.
pub(super) struct Ctx<'p, 'f> {
    /// The merchant's facts.
    pub(super) fb: &'p FactBase<'f>,
    /// The parsed answer.
    pub(super) p: &'p Parsed,
    /// The question as asked.
    pub(super) question: &'p str,
    /// The question time.
    pub(super) at: DateTime<FixedOffset>,
    /// Per sentence, per clause: alignment terms.
    clause_terms: Vec<Vec<HashSet<String>>>,
    /// Per sentence: alignment terms of all its clauses.
    sent_terms: Vec<HashSet<String>>,
    /// The answer as written.
    pub(super) answer: &'p str,
}

impl<'p, 'f> Ctx<'p, 'f> {
    /// The context of one parsed answer: alignment terms per clause and per sentence.
    pub(super) fn new(
        fb: &'p FactBase<'f>,
        parsed: &'p Parsed,
        question: &'p str,
        at: DateTime<FixedOffset>,
        answer: &'p str,
    ) -> Self {
        let s = &parsed.norm.s;
        let clause_terms: Vec<Vec<HashSet<String>>> = parsed
            .sents
            .iter()
            .map(|st| {
                st.clauses
                    .iter()
                    .map(|cl| term_set(&fb.lex.vocab.canon(&blank_mentions(s, cl, &parsed.mentions))))
                    .collect()
            })
            .collect();
        let sent_terms: Vec<HashSet<String>> = clause_terms
            .iter()
            .map(|cs| cs.iter().flat_map(|c| c.iter().cloned()).collect())
            .collect();
        Ctx {
            fb,
            p: parsed,
            question,
            at,
            clause_terms,
            sent_terms,
            answer,
        }
    }
}

impl Ctx<'_, '_> {
    /// How well fact sentence `f` aligns with the claim's clause: its terms shared with the
    /// clause, plus half of those shared with the rest of the sentence.
    pub(super) fn align(&self, c: &Candidate, f: &FactSentence) -> f64 {
        let ct = &self.clause_terms[c.sentence][c.clause];
        let st = &self.sent_terms[c.sentence];
        let a = ct.iter().filter(|t| f.terms.contains(*t)).count() as f64;
        let b = st.iter().filter(|t| !ct.contains(*t) && f.terms.contains(*t)).count() as f64;
        a + 0.5 * b
    }
}

/// The outcome of a check: status, the merchant's value when contradicted, the fact IRI.
pub(super) type Outcome = (ClaimStatus, Option<String>, Option<String>);

/// The claim holds (by the fact at `iri`, if one).
pub(super) fn supported(iri: Option<String>) -> Outcome {
    (ClaimStatus::Supported, None, iri)
}

/// Nothing in the facts decides the claim.
pub(super) fn unverifiable() -> Outcome {
    (ClaimStatus::Unverifiable, None, None)
}

/// A claim about the merchant that no fact supports (closed world).
pub(super) fn unsupported() -> Outcome {
    (ClaimStatus::Unsupported, None, None)
}

/// The facts hold `expected` instead.
pub(super) fn contradicted(expected: String, iri: Option<String>) -> Outcome {
    (ClaimStatus::Contradicted, Some(expected), iri)
}

/// Both values are keyed, with the same key.
pub(super) fn keys_equal(a: &Option<String>, b: &Option<String>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if x == y)
}

/// The keys do not differ (equal, or one is missing).
pub(super) fn keys_compatible(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// An answer clause that quotes a merchant sentence holding the same value is true as quoted,
/// whatever product the clause seems to be about.
pub(super) fn quoted(cx: &Ctx, c: &Candidate, m: &Mention) -> Option<String> {
    let ct = &cx.clause_terms[c.sentence][c.clause];
    if ct.len() < 5 {
        return None;
    }
    // Another product's own statement is no quote for this one.
    let in_scope = |f: &FactSentence| match &f.scope {
        Scope::Own(p) => c.subjects.is_empty() || c.subjects.contains(p),
        Scope::Tagged(ps) => c.subjects.is_empty() || ps.iter().any(|p| c.subjects.contains(p)),
        Scope::Shop => true,
        Scope::General => false,
    };
    cx.fb
        .sentences
        .iter()
        .filter(|f| in_scope(f))
        .filter(|f| {
            f.mentions
                .iter()
                .any(|fm| same_type(&m.val, &fm.val) && same_value(&m.val, &fm.val))
        })
        .find(|f| coverage(ct, &f.terms) >= 0.8)
        .map(|f| f.iri.clone())
}

/// The folded text of clause `ci` of sentence `si`.
pub(super) fn clause_text<'a>(cx: &'a Ctx, si: usize, ci: usize) -> &'a str {
    &cx.p.norm.s[cx.p.sents[si].clauses[ci].clone()]
}
