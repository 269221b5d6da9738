//! The verdict: every candidate checked by its family, policy polarity checked over the
//! whole answer, and pass / corrected / handoff decided with the corrections. [`Prepared`]
//! keeps a merchant's facts indexed for checking (the fact base and each family's facts).

use super::attributes::{check_attribute, check_colour, check_material, is_attr_val};
use super::candidate::{Candidate, What};
use super::context::{Ctx, Outcome};
use super::extract::parse;
use super::facts::FactBase;
use super::mentions::{Mention, Val};
use super::policy::{
    CourierFacts, NegFact, PayerFacts, check_courier, check_payer, neg_facts, policy_claims, shop_fault,
};
use super::promotions::{
    PromoInfo, check_participation, check_presale_date, check_promo_date, check_promo_status, promo_infos,
};
use super::proposition::{PropFacts, proposition_claims};
use super::stock::{check_inventory, check_stock};
use super::values::{check_phone, check_price, check_range, check_shop_value, fee_claim, order_fee, service_hours};
use crate::config::UnsupportedPolicy;
use crate::pipeline::{Claim, ClaimKind, ClaimStatus, Correction, Finding, Validation, Verdict};
use crate::store::{MerchantFacts, Ontology};
use chrono::{DateTime, FixedOffset};

/// The merchant's knowledge prepared for checking: the fact base and what each claim family
/// reads from it once (promotions, service hours, couriers, negated clauses, payers).
struct Checker<'a> {
    /// The fact base.
    base: FactBase<'a>,
    /// Promotions with their terms and values.
    promos: Vec<PromoInfo>,
    /// Service hours (from, to, fact IRI).
    hours: Vec<(u32, u32, String)>,
    /// Couriers.
    couriers: CourierFacts,
    /// Negated fact clauses.
    negs: Vec<NegFact>,
    /// Who pays return shipping.
    payers: PayerFacts,
    /// Fact clauses read for the answer's propositions.
    props: PropFacts,
}

impl<'a> Checker<'a> {
    /// Builds the fact base and each family's facts.
    fn new(facts: std::borrow::Cow<'a, MerchantFacts>, ontology: &Ontology) -> Self {
        let base = FactBase::new(facts, ontology);
        Checker {
            promos: promo_infos(&base),
            hours: service_hours(&base),
            couriers: CourierFacts::new(&base),
            negs: neg_facts(&base),
            payers: PayerFacts::new(&base),
            props: PropFacts::new(&base),
            base,
        }
    }
}

/// Validates an answer against the merchant's facts as of `at` (the question time): extracts
/// every checkable claim, checks it, and decides pass / corrected / handoff.
pub fn validate_text(
    answer: &str,
    question: &str,
    facts: &MerchantFacts,
    ontology: &Ontology,
    at: DateTime<FixedOffset>,
) -> Validation {
    let k = Checker::new(std::borrow::Cow::Borrowed(facts), ontology);
    validate_with(&k, answer, question, at, UnsupportedPolicy::default())
}

/// A merchant's facts prepared for validation once (the fact index dominates the cost of
/// [`validate_text`]); keep one per merchant and drop it when the merchant is re-imported.
pub struct Prepared {
    /// The merchant's facts prepared for checking.
    base: Checker<'static>,
}

impl Prepared {
    /// Indexes the merchant's facts and the ontology's attribute and courier labels.
    pub fn new(facts: MerchantFacts, ontology: &Ontology) -> Self {
        Prepared {
            base: Checker::new(std::borrow::Cow::Owned(facts), ontology),
        }
    }

    /// Same as [`validate_text`] on the prepared facts.
    pub fn validate(&self, answer: &str, question: &str, at: DateTime<FixedOffset>) -> Validation {
        validate_with(&self.base, answer, question, at, UnsupportedPolicy::default())
    }

    /// As [`Self::validate`], with what an unsupported claim does to the verdict.
    pub fn validate_with_policy(
        &self,
        answer: &str,
        question: &str,
        at: DateTime<FixedOffset>,
        unsupported: UnsupportedPolicy,
    ) -> Validation {
        validate_with(&self.base, answer, question, at, unsupported)
    }
}

/// A checked claim with where it is written in the answer and whether its text may be
/// replaced by the merchant's value.
type Checked = (Claim, std::ops::Range<usize>, bool);

/// Parses the answer, checks every candidate and the policy statements, and decides.
fn validate_with(
    k: &Checker,
    answer: &str,
    question: &str,
    at: DateTime<FixedOffset>,
    unsupported: UnsupportedPolicy,
) -> Validation {
    let fb = &k.base;
    let parsed = parse(answer, question, &fb.lex, &fb.products);
    let cx = Ctx::new(fb, &parsed, question, at, answer);
    let mut claims: Vec<Checked> = parsed
        .candidates
        .iter()
        .filter_map(|c| check_candidate(k, &cx, c))
        .collect();
    for (claim, r) in policy_claims(&cx, &k.negs) {
        claims.push((claim, r, false));
    }
    for (claim, r) in proposition_claims(&cx, &k.props, &k.promos) {
        // A clause another check already decided is not judged twice.
        let decided = claims
            .iter()
            .any(|(c, cr, _)| c.status == ClaimStatus::Contradicted && cr.start < r.end && r.start < cr.end);
        if !decided {
            claims.push((claim, r, false));
        }
    }
    claims.sort_by_key(|(_, r, _)| r.start);
    let sentences: Vec<std::ops::Range<usize>> = parsed.sents.iter().map(|s| parsed.norm.orig(&s.range)).collect();
    let (verdict, corrections, corrected_answer) = decide(answer, &claims, &sentences, unsupported);
    let findings = |status: ClaimStatus| -> Vec<Finding> {
        claims
            .iter()
            .filter(|(c, _, _)| c.status == status)
            .map(|(c, _, _)| Finding::of(c))
            .collect()
    };
    Validation {
        verdict,
        contradicted: findings(ClaimStatus::Contradicted),
        unsupported: findings(ClaimStatus::Unsupported),
        claims: claims.into_iter().map(|(c, _, _)| c).collect(),
        corrections,
        corrected_answer,
    }
}

/// Checks one candidate with its family's check; `None` when the check does not apply
/// (no promotion the answer is about, no product for a participation).
fn check_candidate(k: &Checker, cx: &Ctx, c: &Candidate) -> Option<Checked> {
    let mut kind = c.kind;
    let (outcome, substitutable) = match &c.what {
        What::Value(m) => (check_value(k, cx, c, m), true),
        What::Stock(st) => (check_stock(cx, c, *st), false),
        What::Courier { concept, default } => (check_courier(cx, &k.couriers, *concept, *default), true),
        What::Colour(core) => (check_colour(cx, c, core), true),
        What::Material { name, pure } => (check_material(cx, c, name, *pure), true),
        What::PromoStatus(pc) => (check_promo_status(cx, &k.promos, c, *pc)?, false),
        What::PromoDate(d) => match check_presale_date(cx, c, d) {
            Some(o) => {
                kind = ClaimKind::Days;
                (o, true)
            }
            None => (check_promo_date(cx, &k.promos, c, d), true),
        },
        What::Phone(digits) => (check_phone(cx, digits), true),
        What::Participation => (check_participation(cx, &k.promos, c)?, false),
        What::Payer(p, fault) => (
            check_payer(&k.payers, *p, *fault || shop_fault(&cx.p.question.s, &cx.fb.lex.vocab)),
            false,
        ),
    };
    let (status, expected, subject) = outcome;
    Some((
        Claim {
            kind,
            text: c.text.clone(),
            status,
            expected,
            subject,
        },
        c.range.clone(),
        substitutable,
    ))
}

/// Checks a value by its type and key: prices, inventory counts, time ranges, attribute
/// values, and everything else as a shop value.
fn check_value(k: &Checker, cx: &Ctx, c: &Candidate, m: &Mention) -> Outcome {
    match &m.val {
        Val::Money(v) if fee_claim(cx, c, m) => order_fee(cx, *v).unwrap_or_else(|| {
            // A bare amount answering a fee question is a fee ("成都 要运费吗" — "6块").
            let fee = Mention {
                key: Some("shipping_fee".to_string()),
                ..m.clone()
            };
            check_shop_value(cx, c, &fee)
        }),
        Val::Money(v) if matches!(m.key.as_deref(), None | Some("price" | "total")) => {
            check_price(cx, &k.promos, c, m, *v)
        }
        Val::Inventory(n) => check_inventory(cx, c, *n),
        Val::TimeRange(a, b) => check_range(&k.hours, c, *a, *b),
        _ if is_attr_val(m) => check_attribute(cx, c, m),
        _ => check_shop_value(cx, c, m),
    }
}

/// Pass when nothing is contradicted or unsupported; corrected when every contradicted claim
/// can be replaced by a non-empty merchant value, or (policy `drop`) when the sentences
/// holding the unsupported claims can be dropped and the rest stands; handoff otherwise.
fn decide(
    answer: &str,
    claims: &[Checked],
    sentences: &[std::ops::Range<usize>],
    policy: UnsupportedPolicy,
) -> (Verdict, Vec<Correction>, Option<String>) {
    let contradicted: Vec<&Checked> = claims
        .iter()
        .filter(|(c, _, _)| c.status == ClaimStatus::Contradicted)
        .collect();
    let unsupported: Vec<&Checked> = claims
        .iter()
        .filter(|(c, _, _)| c.status == ClaimStatus::Unsupported && policy != UnsupportedPolicy::Warn)
        .collect();
    if contradicted.is_empty() && unsupported.is_empty() {
        (Verdict::Pass, Vec::new(), None)
    } else if contradicted.is_empty() {
        match (policy, dropped(answer, &unsupported, sentences)) {
            (UnsupportedPolicy::Drop, Some((text, corrections))) => (Verdict::Corrected, corrections, Some(text)),
            _ => (Verdict::Handoff, Vec::new(), None),
        }
    } else if !unsupported.is_empty() {
        (Verdict::Handoff, Vec::new(), None)
    } else if contradicted
        .iter()
        .all(|(c, _, sub)| *sub && c.expected.as_deref().is_some_and(|e| !e.is_empty()))
    {
        let corrections = contradicted
            .iter()
            .map(|(c, _, _)| Correction {
                kind: c.kind,
                wrong: c.text.clone(),
                right: c.expected.clone().unwrap_or_default(),
            })
            .collect();
        (Verdict::Corrected, corrections, Some(corrected(answer, &contradicted)))
    } else {
        (Verdict::Handoff, Vec::new(), None)
    }
}

/// The answer without the sentences holding unsupported claims, when what remains still says
/// something (a claim-free rest, or a bare reply whose claim was the unsupported one, does
/// not stand).
fn dropped(
    answer: &str,
    unsupported: &[&Checked],
    sentences: &[std::ops::Range<usize>],
) -> Option<(String, Vec<Correction>)> {
    let hit = |s: &std::ops::Range<usize>| unsupported.iter().any(|(_, r, _)| r.start < s.end && s.start < r.end);
    let (gone, kept): (Vec<&std::ops::Range<usize>>, Vec<&std::ops::Range<usize>>) =
        sentences.iter().partition(|s| hit(s));
    if gone.is_empty()
        || kept.is_empty()
        || unsupported
            .iter()
            .any(|(_, r, _)| r.start == 0 && r.end == answer.len())
    {
        return None;
    }
    let mut text = String::new();
    let mut at = 0;
    for s in &gone {
        text.push_str(answer.get(at..s.start)?);
        // The sentence's closing punctuation goes with it.
        at = s.end
            + answer[s.end..]
                .chars()
                .next()
                .filter(|c| "。！？!?；;～~".contains(*c))
                .map_or(0, char::len_utf8);
    }
    text.push_str(answer.get(at..)?);
    let text = text.trim().to_string();
    if text.chars().filter(|c| c.is_alphanumeric()).count() < 4 {
        return None;
    }
    let corrections = unsupported
        .iter()
        .map(|(c, _, _)| Correction {
            kind: c.kind,
            wrong: c.text.clone(),
            right: String::new(),
        })
        .collect();
    Some((text, corrections))
}

/// The answer with each contradicted claim replaced by the merchant's value (from the end,
/// skipping overlapping ones).
fn corrected(answer: &str, contradicted: &[&Checked]) -> String {
    let mut fixes: Vec<(std::ops::Range<usize>, String)> = contradicted
        .iter()
        .map(|(c, r, _)| (r.clone(), c.expected.clone().unwrap_or_default()))
        .collect();
    fixes.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut text = answer.to_string();
    let mut last = usize::MAX;
    for (r, right) in &fixes {
        if r.end <= last && answer.is_char_boundary(r.start) && answer.is_char_boundary(r.end) {
            text.replace_range(r.clone(), right);
            last = r.start;
        }
    }
    text
}
