//! Policy claims: polarity (the answer allows what a merchant clause refuses, or refuses
//! what the merchant offers), who pays return shipping, and courier companies.

use super::candidate::Payer;
use super::context::{Ctx, Outcome, contradicted, supported, unverifiable};
use super::facts::{FactBase, Scope};
use super::mentions::{Mention, blank_mentions};
use super::text::{Normed, Stance, blank_ranges, canon, cond_terms, coverage, neg_marker, stance, term_set};
use crate::pipeline::{Claim, ClaimKind, ClaimStatus};
use std::collections::HashSet;

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
pub(super) fn payer_in(clause: &str, sentence: &str) -> Option<Payer> {
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

/// Who pays return shipping according to the merchant: stated in its own texts, or else
/// read from the structured return fees of its policies.
pub(super) struct PayerFacts {
    set: HashSet<Payer>,
    iri: Option<String>,
    /// The fact clause stating who pays return shipping (the expected text).
    text: Option<String>,
}

impl PayerFacts {
    pub(super) fn new(fb: &FactBase) -> Self {
        let mut set = HashSet::new();
        let mut iri = None;
        let mut text = None;
        for f in fb.own_sentences() {
            for cl in &f.clauses {
                if let Some(p) = payer_in(&f.norm.s[cl.clone()], &f.norm.s) {
                    set.insert(p);
                    iri.get_or_insert_with(|| f.iri.clone());
                    text.get_or_insert_with(|| f.orig.get(f.norm.orig(cl)).unwrap_or("").to_string());
                }
            }
        }
        if set.is_empty() {
            // Fall back on the structured return fees of the shop-wide policy.
            for pol in &fb.facts.policies {
                match pol.fees.as_deref() {
                    Some("ReturnFeesCustomerResponsibility" | "ReturnShippingFees") => {
                        set.insert(Payer::Buyer);
                    }
                    Some("FreeReturn") => {
                        set.insert(Payer::Shop);
                        set.insert(Payer::Insurance);
                    }
                    _ => continue,
                }
                iri.get_or_insert_with(|| pol.iri.clone());
            }
        }
        PayerFacts { set, iri, text }
    }
}

pub(super) fn check_payer(payers: &PayerFacts, payer: Payer) -> Outcome {
    if payers.set.is_empty() {
        return unverifiable();
    }
    if payers.set.contains(&payer) {
        return supported(payers.iri.clone());
    }
    contradicted(payers.text.clone().unwrap_or_default(), payers.iri.clone())
}

/// The courier companies the merchant names, the ones it ships with by default, and each
/// as written in its texts.
pub(super) struct CourierFacts {
    all: HashSet<usize>,
    default: HashSet<usize>,
    text: Vec<(usize, String)>,
}

impl CourierFacts {
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
                let before: String = f.norm.s[..r.start]
                    .chars()
                    .rev()
                    .take(6)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                if before.contains("默认") {
                    default.insert(c);
                }
                let mut end = r.end;
                for suf in ["快递", "速运"] {
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

const STOP_TERMS: &[&str] = &[
    "本店", "店铺", "商品", "订单", "的订", "单的", "全店", "我们", "可以", "支持", "如有", "请在",
];

/// A negated fact clause: "<cond> 不支持 <topic>".
#[derive(Debug, Clone)]
pub(super) struct NegFact {
    topic: HashSet<String>,
    distinctive: HashSet<String>,
    text: String,
    iri: String,
    /// Products the statement is about (empty: shop-wide).
    products: Vec<usize>,
}

/// Negated fact clauses ("<cond> 不支持 <topic>") with their distinctive condition terms.
pub(super) fn neg_facts(fb: &FactBase) -> Vec<NegFact> {
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
            let topic = term_set(&canon(&blank_values(topic_txt, &f.mentions, at + marker.len())));
            let cond_txt = &s[cond_start..at];
            let cond = cond_terms(cond_txt);
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
        .map(|f| cond_terms(&f.norm.s))
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

fn strip_particles(s: &str) -> &str {
    s.trim_end_matches(|c: char| {
        "哦呢啦哈的了亲呀吧嘛~!。 ".contains(c) || !c.is_alphanumeric() && !crate::text::is_cjk(c)
    })
}

fn blank_values(topic: &str, ments: &[Mention], offset: usize) -> String {
    let rs: Vec<std::ops::Range<usize>> = ments
        .iter()
        .filter(|m| m.range.start >= offset && m.range.end <= offset + topic.len())
        .map(|m| m.range.start - offset..m.range.end - offset)
        .collect();
    blank_ranges(topic, &rs)
}

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

pub(super) fn policy_claims(cx: &Ctx, negs: &[NegFact]) -> Vec<(Claim, std::ops::Range<usize>)> {
    let fb = cx.fb;
    let p = cx.p;
    let s = &p.norm.s;
    let mut out = Vec::new();
    let opener_affirms = p
        .sents
        .first()
        .and_then(|st| st.clauses.first())
        .map(|c| &s[c.clone()])
        .is_some_and(|c| c.chars().count() <= 8 && BARE_OPENERS.iter().any(|w| c.contains(w)));
    // The shopper's own conditions count when the answer opens with a bare yes; product
    // nouns of the question do not (the answer names its products itself).
    let q_terms: HashSet<String> = if opener_affirms {
        cond_terms(&p.question.s)
            .into_iter()
            .filter(|t| !fb.product_terms.contains(t))
            .collect()
    } else {
        HashSet::new()
    };
    for (si, st) in p.sents.iter().enumerate() {
        let mut reported = false;
        // Terms of the sentence's non-negated clauses (conditions the answer accepts).
        let mut accepted: HashSet<String> = q_terms.clone();
        for (ci, cl) in st.clauses.iter().enumerate() {
            if p.stances[si][ci] != Stance::Negate {
                accepted.extend(cond_terms(&s[cl.clone()]));
            }
        }
        let sentence_affirms = p.stances[si].contains(&Stance::Affirm) || (si == 0 && opener_affirms);
        for (ci, cl) in st.clauses.iter().enumerate() {
            if reported {
                break;
            }
            let clause = &s[cl.clone()];
            let st_c = p.stances[si][ci];
            let cterms = term_set(&canon(&blank_mentions(s, cl, &p.mentions)));
            if st_c != Stance::Negate {
                for nf in negs {
                    // A statement about some products holds only for answers about them.
                    if !nf.products.is_empty()
                        && !nf
                            .products
                            .iter()
                            .any(|x| p.answer_products.contains(x) || p.question_products.contains(x))
                    {
                        continue;
                    }
                    let cov = coverage(&nf.topic, &cterms);
                    if cov < 0.6 {
                        continue;
                    }
                    let hit = if nf.distinctive.is_empty() {
                        st_c == Stance::Affirm || (sentence_affirms && nf.topic.len() >= 2)
                    } else {
                        nf.distinctive.iter().any(|t| accepted.contains(t)) && sentence_affirms
                    };
                    if hit {
                        let r = p.norm.orig(cl);
                        out.push((
                            Claim {
                                kind: ClaimKind::Policy,
                                text: cx_answer_slice(cx, &r),
                                status: ClaimStatus::Contradicted,
                                expected: Some(nf.text.clone()),
                                subject: Some(nf.iri.clone()),
                            },
                            r,
                        ));
                        reported = true;
                        break;
                    }
                }
            } else if let Some((pos, marker)) = neg_marker(clause) {
                // The answer refuses something the merchant offers without restriction.
                let cond = term_set(&clause[..pos]);
                let stop: HashSet<&str> = STOP_TERMS.iter().copied().collect();
                if cond.iter().any(|t| !stop.contains(t.as_str())) {
                    continue;
                }
                let topic_txt = strip_particles(&clause[pos + marker.len()..]);
                let topic = term_set(&canon(topic_txt));
                if topic.len() < 2
                    || negs
                        .iter()
                        .any(|nf| coverage(&topic, &nf.topic) >= 0.6 || coverage(&nf.topic, &topic) >= 0.6)
                {
                    continue;
                }
                let pos_fact = fb.own_sentences().find(|f| {
                    f.clauses.iter().all(|c| stance(&f.norm.s[c.clone()]) != Stance::Negate)
                        && coverage(&topic, &f.terms) >= 0.8
                        && f.clauses.iter().any(|c| stance(&f.norm.s[c.clone()]) == Stance::Affirm)
                });
                if let Some(f) = pos_fact {
                    let r = p.norm.orig(cl);
                    out.push((
                        Claim {
                            kind: ClaimKind::Policy,
                            text: cx_answer_slice(cx, &r),
                            status: ClaimStatus::Contradicted,
                            expected: Some(f.orig.clone()),
                            subject: Some(f.iri.clone()),
                        },
                        r,
                    ));
                    reported = true;
                }
            }
        }
    }
    out
}

fn cx_answer_slice(cx: &Ctx, r: &std::ops::Range<usize>) -> String {
    cx.p_answer.get(r.clone()).unwrap_or("").to_string()
}
