//! Policy claims: polarity (the answer allows what a merchant clause refuses, or refuses
//! what the merchant offers), who pays return shipping, and courier companies; with what
//! each reads from the fact base once ([`NegFact`], [`PayerFacts`], [`CourierFacts`]) and
//! its vocabulary.

use super::candidate::{ClauseScan, Parsed, Payer, What};
use super::context::{Ctx, Outcome, contradicted, supported, unverifiable};
use super::facts::{FactBase, FactSentence, Scope};
use super::lexicon::Vocab;
use super::mentions::{Mention, blank_mentions};
use super::text::{Normed, Stance, blank_ranges, coverage, neg_marker, stance, tail, term_set};
use crate::pipeline::{Claim, ClaimKind, ClaimStatus};
use std::collections::HashSet;

/// Whether a folded text names a fault the shop answers for ("非质量问题" names none).
pub(super) fn shop_fault(s: &str, v: &Vocab) -> bool {
    v.shop_fault.find(s).iter().any(|(r, _)| !s[..r.start].ends_with('非'))
}

/// Who pays return shipping, as stated in a folded clause (with its sentence for context):
/// a `payer` word followed by a paying verb, or a buyer-pays phrase, in a clause about the
/// shipping fee of a return; `true` with it when the return is for the shop's fault.
fn payer_in(clause: &str, sentence: &str, v: &Vocab) -> Option<(Payer, bool)> {
    if !v.amount.has(clause, "shipping_fee") && !v.amount.has(clause, "insurance") {
        return None;
    }
    let returnish =
        |t: &str| v.topic.has(t, "return") || v.canonical.has(t, "no_reason") || v.canonical.has(t, "return");
    if !returnish(clause) && !returnish(sentence) {
        return None;
    }
    // Faults that are the shop's in any case ("非质量问题" is not one) have a rule of their own,
    // named in the clause or, when the sentence names no non-fault, before it.
    let non_fault = |t: &str| v.shop_fault.find(t).iter().any(|(r, _)| t[..r.start].ends_with('非'));
    let fault = shop_fault(clause, v) || (!non_fault(sentence) && shop_fault(sentence, v));
    let fee_before = |at: usize| {
        v.amount
            .find(&clause[..at])
            .last()
            .is_some_and(|(r, n)| r.end == at && *n == "shipping_fee")
    };
    for (r, n) in v.payer.find(clause) {
        let payer = match n {
            "buyer" => Payer::Buyer,
            "shop" => Payer::Shop,
            "insurance" => Payer::Insurance,
            _ => continue,
        };
        let rest: String = clause[r.end..].chars().take(4).collect();
        if v.payer.has(&rest, "pays")
            && !(payer == Payer::Insurance && rest.starts_with('的'))
            && (payer == Payer::Insurance || !fee_before(r.start))
        {
            return Some((payer, fault));
        }
    }
    v.payer.has(clause, "buyer_pays").then_some((Payer::Buyer, fault))
}

/// Who pays return shipping, as a clause states it.
pub(super) fn payer_candidates(scan: &mut ClauseScan) {
    if let Some((p, fault)) = payer_in(scan.clause, &scan.s[scan.sent.range.clone()], &scan.lex.vocab) {
        scan.push(
            ClaimKind::Policy,
            scan.cl.clone(),
            What::Payer(p, fault),
            Vec::new(),
            false,
        );
    }
}

/// Who pays return shipping by one rule, and the fact that says so.
#[derive(Default)]
struct Payers {
    /// Who pays.
    set: HashSet<Payer>,
    /// IRI of the fact that says so.
    iri: Option<String>,
    /// The fact clause stating who pays (the expected text).
    text: Option<String>,
}

/// Who pays return shipping according to the merchant: stated in its own texts, or else
/// read from the structured return fees of its policies; for returns for the shop's fault
/// (质量问题, 破损), as its texts state it.
pub(super) struct PayerFacts {
    /// The rule for returns.
    rule: Payers,
    /// The rule for returns for the shop's fault.
    fault: Payers,
}

impl PayerFacts {
    /// Payers stated in the merchant's own clauses, else from its policies' return fees.
    pub(super) fn new(fb: &FactBase) -> Self {
        let (mut rule, mut fault) = (Payers::default(), Payers::default());
        for f in fb.own_sentences() {
            for cl in &f.clauses {
                if let Some((p, for_fault)) = payer_in(&f.norm.s[cl.clone()], &f.norm.s, &fb.lex.vocab) {
                    let to = if for_fault { &mut fault } else { &mut rule };
                    to.set.insert(p);
                    to.iri.get_or_insert_with(|| f.iri.clone());
                    to.text
                        .get_or_insert_with(|| f.orig.get(f.norm.orig(cl)).unwrap_or("").to_string());
                }
            }
        }
        if rule.set.is_empty() {
            // Fall back on the structured return fees of the shop-wide policy.
            for pol in &fb.facts.policies {
                match pol.fees.as_deref() {
                    Some("ReturnFeesCustomerResponsibility" | "ReturnShippingFees") => {
                        rule.set.insert(Payer::Buyer);
                    }
                    Some("FreeReturn") => {
                        rule.set.insert(Payer::Shop);
                        rule.set.insert(Payer::Insurance);
                    }
                    _ => continue,
                }
                rule.iri.get_or_insert_with(|| pol.iri.clone());
            }
        }
        PayerFacts { rule, fault }
    }
}

/// Who pays return shipping must be who the merchant says pays it, by the rule for returns
/// for the shop's fault when the return is one.
pub(super) fn check_payer(payers: &PayerFacts, payer: Payer, fault: bool) -> Outcome {
    let by = if fault { &payers.fault } else { &payers.rule };
    if by.set.is_empty() {
        return unverifiable();
    }
    if by.set.contains(&payer) {
        return supported(by.iri.clone());
    }
    contradicted(by.text.clone().unwrap_or_default(), by.iri.clone())
}

/// Suffixes a courier name is written with in the merchant's texts ("顺丰速运").
const FACT_COURIER_SUFFIXES: &[&str] = &["快递", "速运"];

/// The courier companies the merchant names, the ones it ships with by default, and each
/// as written in its texts.
pub(super) struct CourierFacts {
    /// Every courier the merchant names.
    all: HashSet<usize>,
    /// Its default couriers.
    default: HashSet<usize>,
    /// Each courier as written (concept, text).
    text: Vec<(usize, String)>,
}

impl CourierFacts {
    /// Couriers named in the shipping settings (all defaults) and in the merchant's texts (default
    /// after 默认).
    pub(super) fn new(fb: &FactBase) -> Self {
        let mut all = HashSet::new();
        let mut default = HashSet::new();
        let mut text = Vec::new();
        for sh in &fb.facts.shipping {
            let n = crate::text::fold(&sh.name);
            for (r, c) in fb.lex.couriers_in(&n) {
                all.insert(c);
                default.insert(c);
                text.push((c, sh.name.get(Normed::new(&sh.name).orig(&r)).unwrap_or("").to_string()));
            }
        }
        for f in fb.sentences.iter().filter(|f| f.scope != Scope::General) {
            for (r, c) in fb.lex.couriers_in(&f.norm.s) {
                all.insert(c);
                if fb
                    .lex
                    .vocab
                    .courier_default
                    .has(tail(&f.norm.s[..r.start], 6), "default")
                {
                    default.insert(c);
                }
                let mut end = r.end;
                for suf in FACT_COURIER_SUFFIXES {
                    if f.norm.s[end..].starts_with(suf) {
                        end += suf.len();
                        break;
                    }
                }
                text.push((c, f.orig.get(f.norm.orig(&(r.start..end))).unwrap_or("").to_string()));
            }
        }
        CourierFacts { all, default, text }
    }
}

/// Suffixes a courier name is written with in an answer ("顺丰快递").
const COURIER_SUFFIXES: &[&str] = &["快递", "速运", "速递"];

/// Courier companies a clause names (unless it negates), and whether it calls one the default.
pub(super) fn courier_candidates(scan: &mut ClauseScan, couriers: &[(std::ops::Range<usize>, usize)]) {
    let (s, cl) = (scan.s, scan.cl.clone());
    for (r, idx) in couriers.iter().filter(|(r, _)| r.start >= cl.start && r.end <= cl.end) {
        if scan.stance == Stance::Negate {
            continue;
        }
        let default = scan.lex.vocab.courier_default.any(tail(&s[cl.start..r.start], 6));
        // Extend to "X快递"/"X速运" as written.
        let mut end = r.end;
        for suf in COURIER_SUFFIXES {
            if s[end..].starts_with(suf) {
                end += suf.len();
                break;
            }
        }
        scan.push(
            ClaimKind::Courier,
            r.start..end,
            What::Courier { concept: *idx, default },
            Vec::new(),
            false,
        );
    }
}

/// A courier named must be one the merchant uses; one called the default, its default.
pub(super) fn check_courier(cx: &Ctx, couriers: &CourierFacts, concept: usize, default: bool) -> Outcome {
    let fb = cx.fb;
    if couriers.all.is_empty() {
        return unverifiable();
    }
    let expected = || -> String {
        let pick = couriers
            .default
            .iter()
            .next()
            .or_else(|| couriers.all.iter().next())
            .copied();
        pick.and_then(|c| couriers.text.iter().find(|(x, _)| *x == c).map(|(_, t)| t.clone()))
            .unwrap_or_default()
    };
    if !couriers.all.contains(&concept) {
        return contradicted(expected(), Some(fb.facts.org.iri.clone()));
    }
    if default && !couriers.default.is_empty() && !couriers.default.contains(&concept) {
        return contradicted(expected(), Some(fb.facts.org.iri.clone()));
    }
    supported(None)
}

/// Terms that are no condition of a policy statement (shop and order words, bigram debris).
const STOP_TERMS: &[&str] = &[
    "本店", "店铺", "商品", "订单", "的订", "单的", "全店", "我们", "可以", "支持", "如有", "请在",
];

/// A negated fact clause: "<cond> 不支持 <topic>".
#[derive(Debug, Clone)]
pub(super) struct NegFact {
    /// Terms of what is refused.
    topic: HashSet<String>,
    /// Condition terms not also in a positive statement on the same topic.
    distinctive: HashSet<String>,
    /// The clause as written.
    text: String,
    /// IRI of the fact.
    iri: String,
    /// Products the statement is about (empty: shop-wide).
    products: Vec<usize>,
}

/// Negated fact clauses ("<cond> 不支持 <topic>") with their distinctive condition terms.
pub(super) fn neg_facts(fb: &FactBase) -> Vec<NegFact> {
    let v = &fb.lex.vocab;
    // (topic terms, condition terms, clause text, IRI, declared products)
    type RawNeg = (HashSet<String>, HashSet<String>, String, String, Vec<usize>);
    let mut raw: Vec<RawNeg> = Vec::new();
    for f in fb.own_sentences() {
        let s = &f.norm.s;
        let mut cond_start = 0;
        for cl in &f.clauses {
            let clause = &s[cl.clone()];
            let Some((pos, marker)) = neg_marker(clause) else {
                continue;
            };
            let at = cl.start + pos;
            let topic_txt = strip_particles(&s[at + marker.len()..cl.end]);
            let topic = term_set(&v.canon(&blank_values(topic_txt, &f.mentions, at + marker.len())));
            let cond_txt = &s[cond_start..at];
            let cond = v.cond_terms(cond_txt);
            cond_start = cl.end;
            if topic.is_empty() {
                continue;
            }
            let text = f.orig.get(f.norm.orig(cl)).unwrap_or("").to_string();
            raw.push((topic, cond, text, f.iri.clone(), f.declared.clone()));
        }
    }
    // Distinctive condition terms: not also in positive statements on the same topic.
    let positives: Vec<HashSet<String>> = fb
        .own_sentences()
        .filter(|f| f.clauses.iter().all(|c| stance(&f.norm.s[c.clone()]) != Stance::Negate))
        .map(|f| v.cond_terms(&f.norm.s))
        .collect();
    let stop: HashSet<&str> = STOP_TERMS.iter().copied().collect();
    let mut negs = Vec::new();
    for (topic, cond, text, iri, products) in raw {
        let mut d: HashSet<String> = cond
            .iter()
            .filter(|t| !topic.contains(*t) && !stop.contains(t.as_str()))
            .cloned()
            .collect();
        for p in &positives {
            if coverage(&topic, p) >= 0.6 {
                d.retain(|t| !p.contains(t));
            }
        }
        negs.push(NegFact {
            topic,
            distinctive: d,
            text,
            iri,
            products,
        });
    }
    negs
}

/// Sentence-final particles and punctuation trimmed off a topic.
const PARTICLES: &str = "哦呢啦哈的了亲呀吧嘛~!。 ";

/// A topic without its trailing particles and punctuation.
fn strip_particles(s: &str) -> &str {
    s.trim_end_matches(|c: char| PARTICLES.contains(c) || !c.is_alphanumeric() && !crate::text::is_cjk(c))
}

/// `topic` (at `offset` in its sentence) with the sentence's value mentions blanked.
fn blank_values(topic: &str, ments: &[Mention], offset: usize) -> String {
    let rs: Vec<std::ops::Range<usize>> = ments
        .iter()
        .filter(|m| m.range.start >= offset && m.range.end <= offset + topic.len())
        .map(|m| m.range.start - offset..m.range.end - offset)
        .collect();
    blank_ranges(topic, &rs)
}

/// A short first clause with one of these is a bare yes ("可以的亲").
const BARE_OPENERS: &[&str] = &[
    "可以",
    "能的",
    "支持",
    "是的",
    "没问题",
    "当然",
    "有的",
    "送的",
    "参加",
    "能买",
];

/// Policy statements of the answer that contradict the merchant, at most one per sentence:
/// a clause allowing what a merchant clause refuses, or refusing what the merchant offers
/// without restriction.
pub(super) fn policy_claims(cx: &Ctx, negs: &[NegFact]) -> Vec<(Claim, std::ops::Range<usize>)> {
    let p = cx.p;
    let s = &p.norm.s;
    let mut out = Vec::new();
    let opener_affirms = opens_with_yes(p);
    let q_terms = question_conditions(cx, opener_affirms);
    for (si, st) in p.sents.iter().enumerate() {
        // Terms of the sentence's non-negated clauses (conditions the answer accepts).
        let mut accepted: HashSet<String> = q_terms.clone();
        for (ci, cl) in st.clauses.iter().enumerate() {
            if p.stances[si][ci] != Stance::Negate {
                accepted.extend(cx.fb.lex.vocab.cond_terms(&s[cl.clone()]));
            }
        }
        let sentence_affirms = p.stances[si].contains(&Stance::Affirm) || (si == 0 && opener_affirms);
        for (ci, cl) in st.clauses.iter().enumerate() {
            let st_c = p.stances[si][ci];
            let found = if st_c != Stance::Negate {
                allowed_refusal(cx, negs, cl, st_c, &accepted, sentence_affirms)
                    .map(|nf| (nf.text.clone(), nf.iri.clone()))
            } else {
                refused_offer(cx, negs, &s[cl.clone()]).map(|f| (f.orig.clone(), f.iri.clone()))
            };
            if let Some((expected, iri)) = found {
                out.push(contradiction(cx, cl, expected, iri));
                break;
            }
        }
    }
    out
}

/// Whether the answer opens with a bare yes ("可以的亲").
fn opens_with_yes(p: &Parsed) -> bool {
    p.sents
        .first()
        .and_then(|st| st.clauses.first())
        .map(|c| &p.norm.s[c.clone()])
        .is_some_and(|c| c.chars().count() <= 8 && BARE_OPENERS.iter().any(|w| c.contains(w)))
}

/// The shopper's own conditions count when the answer opens with a bare yes; product
/// nouns of the question do not (the answer names its products itself).
fn question_conditions(cx: &Ctx, opener_affirms: bool) -> HashSet<String> {
    if opener_affirms {
        cx.fb
            .lex
            .vocab
            .cond_terms(&cx.p.question.s)
            .into_iter()
            .filter(|t| !cx.fb.product_terms.contains(t))
            .collect()
    } else {
        HashSet::new()
    }
}

/// The first negated merchant clause whose topic a non-negated answer clause covers and
/// allows: by affirming it, or by accepting its distinctive condition.
fn allowed_refusal<'n>(
    cx: &Ctx,
    negs: &'n [NegFact],
    cl: &std::ops::Range<usize>,
    st_c: Stance,
    accepted: &HashSet<String>,
    sentence_affirms: bool,
) -> Option<&'n NegFact> {
    let p = cx.p;
    let cterms = term_set(&cx.fb.lex.vocab.canon(&blank_mentions(&p.norm.s, cl, &p.mentions)));
    negs.iter().find(|nf| {
        // A statement about some products holds only for answers about them.
        if !nf.products.is_empty()
            && !nf
                .products
                .iter()
                .any(|x| p.answer_products.contains(x) || p.question_products.contains(x))
        {
            return false;
        }
        if coverage(&nf.topic, &cterms) < 0.6 {
            return false;
        }
        if nf.distinctive.is_empty() {
            st_c == Stance::Affirm || (sentence_affirms && nf.topic.len() >= 2)
        } else {
            nf.distinctive.iter().any(|t| accepted.contains(t)) && sentence_affirms
        }
    })
}

/// A merchant sentence offering, without restriction, what a negated answer clause refuses
/// (the refusal names no condition of its own and no merchant clause refuses the same).
fn refused_offer<'p>(cx: &Ctx<'p, '_>, negs: &[NegFact], clause: &str) -> Option<&'p FactSentence> {
    let (pos, marker) = neg_marker(clause)?;
    let cond = term_set(&clause[..pos]);
    let stop: HashSet<&str> = STOP_TERMS.iter().copied().collect();
    if cond.iter().any(|t| !stop.contains(t.as_str())) {
        return None;
    }
    let topic_txt = strip_particles(&clause[pos + marker.len()..]);
    let topic = term_set(&cx.fb.lex.vocab.canon(topic_txt));
    if topic.len() < 2
        || negs
            .iter()
            .any(|nf| coverage(&topic, &nf.topic) >= 0.6 || coverage(&nf.topic, &topic) >= 0.6)
    {
        return None;
    }
    cx.fb.own_sentences().find(|f| {
        f.clauses.iter().all(|c| stance(&f.norm.s[c.clone()]) != Stance::Negate)
            && coverage(&topic, &f.terms) >= 0.8
            && f.clauses.iter().any(|c| stance(&f.norm.s[c.clone()]) == Stance::Affirm)
    })
}

/// A contradicted policy claim: answer clause `cl` against the merchant's `expected` text.
fn contradiction(
    cx: &Ctx,
    cl: &std::ops::Range<usize>,
    expected: String,
    iri: String,
) -> (Claim, std::ops::Range<usize>) {
    let r = cx.p.norm.orig(cl);
    (
        Claim {
            kind: ClaimKind::Policy,
            text: cx_answer_slice(cx, &r),
            status: ClaimStatus::Contradicted,
            expected: Some(expected),
            subject: Some(iri),
        },
        r,
    )
}

/// The answer text at original byte range `r`.
fn cx_answer_slice(cx: &Ctx, r: &std::ops::Range<usize>) -> String {
    cx.answer.get(r.clone()).unwrap_or("").to_string()
}
