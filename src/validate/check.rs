//! Checking claims against the merchant's own facts (and, for support only, the general
//! layer), as of the question time.
//!
//! The facts are read into sentences with their typed values ([`FactBase`]); each answer
//! value is compared with values of the same type and key in the facts about the same
//! product (or shop-wide facts), policy statements are compared by polarity with negated
//! fact clauses on the same topic, and promotions are evaluated at `at`.

use super::claims::{
    Candidate, DateMention, Lexicon, Mention, Normed, Parsed, Payer, ProductIndex, PromoClaim, Stance, StockClaim, Val,
    What, blank_ranges, canon, cond_terms, is_attr_dur_key, material_listed, materials_in, mentions, neg_marker, parse,
    payer_in, same_type, same_value, segment, stance, term_set,
};
use crate::pipeline::{Claim, ClaimKind, ClaimStatus, Correction, Validation, Verdict};
use crate::store::merchant::{Availability, PromotionStatus};
use crate::store::{MerchantFacts, Ontology};
use chrono::{DateTime, Datelike, FixedOffset};
use std::collections::HashSet;

// ------------------------------------------------------------------ fact base

/// Where a fact sentence applies.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scope {
    /// A product's own field (name, property, description, offer).
    Own(usize),
    /// A shop text naming these products.
    Tagged(Vec<usize>),
    /// A shop-wide text.
    Shop,
    /// The general layer (support only).
    General,
}

/// One sentence of the merchant's knowledge with its values.
#[derive(Debug, Clone)]
pub(crate) struct FactSentence {
    orig: String,
    norm: Normed,
    /// Alignment terms (values blanked, verbs canonical), plus context terms (FAQ question).
    terms: HashSet<String>,
    mentions: Vec<Mention>,
    scope: Scope,
    iri: String,
    /// Clauses (folded byte ranges).
    clauses: Vec<std::ops::Range<usize>>,
    /// How many products the sentence mentions (values of a multi-product sentence cannot
    /// be attributed to one of them).
    mentioned: usize,
    /// Products the source of the sentence belongs to by the data model (a product's own
    /// field, a return policy's products), not by the words in it; empty: shop-wide.
    declared: Vec<usize>,
}

impl FactSentence {
    fn raw(&self, m: &Mention) -> String {
        self.orig.get(self.norm.orig(&m.range)).unwrap_or(&m.raw).to_string()
    }

    fn single_product(&self) -> Option<usize> {
        match &self.scope {
            Scope::Own(p) => Some(*p),
            Scope::Tagged(ps) if ps.len() == 1 => Some(ps[0]),
            _ => None,
        }
    }
}

/// A negated fact clause: "<cond> 不支持 <topic>".
#[derive(Debug, Clone)]
struct NegFact {
    topic: HashSet<String>,
    distinctive: HashSet<String>,
    text: String,
    iri: String,
    /// Products the statement is about (empty: shop-wide).
    products: Vec<usize>,
}

/// A promotion with its matching terms.
#[derive(Debug, Clone)]
struct PromoInfo {
    idx: usize,
    name_terms: HashSet<String>,
    desc_terms: HashSet<String>,
    pairs: Vec<Val>,
}

/// The merchant's knowledge prepared for checking.
pub(crate) struct FactBase<'a> {
    facts: std::borrow::Cow<'a, MerchantFacts>,
    lex: Lexicon,
    products: ProductIndex,
    sentences: Vec<FactSentence>,
    negs: Vec<NegFact>,
    promos: Vec<PromoInfo>,
    couriers_all: HashSet<usize>,
    couriers_default: HashSet<usize>,
    courier_text: Vec<(usize, String)>,
    payers: HashSet<Payer>,
    payer_iri: Option<String>,
    /// The fact clause stating who pays return shipping (the expected text).
    payer_text: Option<String>,
    ranges: Vec<(u32, u32, String)>,
    /// Terms of the merchant's product names.
    product_terms: HashSet<String>,
}

const STOP_TERMS: &[&str] = &[
    "本店", "店铺", "商品", "订单", "的订", "单的", "全店", "我们", "可以", "支持", "如有", "请在",
];

fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.2}").trim_end_matches('0').to_string()
    }
}

fn fmt_money(v: f64) -> String {
    format!("{}元", fmt_num(v))
}

fn hhmm(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

impl<'a> FactBase<'a> {
    pub(crate) fn new(facts: std::borrow::Cow<'a, MerchantFacts>, ontology: &Ontology) -> Self {
        let lex = Lexicon::new(&facts, ontology);
        let products = ProductIndex::new(&facts);
        let product_terms = facts
            .products
            .iter()
            .flat_map(|p| term_set(&crate::text::fold_keep_spaces(&p.name)))
            .collect();
        let mut fb = FactBase {
            facts,
            lex,
            products,
            sentences: Vec::new(),
            negs: Vec::new(),
            promos: Vec::new(),
            couriers_all: HashSet::new(),
            couriers_default: HashSet::new(),
            courier_text: Vec::new(),
            payers: HashSet::new(),
            payer_iri: None,
            payer_text: None,
            ranges: Vec::new(),
            product_terms,
        };
        fb.build();
        fb
    }

    fn add(&mut self, text: &str, scope: Scope, iri: &str, context: Option<&str>) {
        let tagged = |fb: &Self, s: &str| -> Scope {
            match &scope {
                Scope::Shop => {
                    let t = fb.products.tags(s);
                    if t.is_empty() { Scope::Shop } else { Scope::Tagged(t) }
                }
                other => other.clone(),
            }
        };
        let ctx_terms: HashSet<String> = context
            .map(|c| term_set(&canon(&crate::text::fold_keep_spaces(c))))
            .unwrap_or_default();
        let whole = Normed::new(text);
        for sent in segment(&whole.s) {
            let orig_r = whole.orig(&sent.range);
            let orig = text[orig_r].to_string();
            let norm = Normed::new(&orig);
            let ments = mentions(&norm.s, &self.lex);
            let blanked = blank_ranges(&norm.s, &ments.iter().map(|m| m.range.clone()).collect::<Vec<_>>());
            let mut terms = term_set(&canon(&blanked));
            terms.extend(ctx_terms.iter().cloned());
            let declared = match &scope {
                Scope::Own(p) => vec![*p],
                Scope::Tagged(ps) => ps.clone(),
                _ => Vec::new(),
            };
            let scope = tagged(self, &norm.s);
            let clauses = segment(&norm.s).into_iter().flat_map(|s| s.clauses).collect();
            // Only shop-wide sentences use it; a product's own sentences would cost a scan
            // of the catalogue each.
            let mentioned = if scope == Scope::Shop {
                self.products.mentioned(&norm.s)
            } else {
                0
            };
            self.sentences.push(FactSentence {
                orig,
                norm,
                terms,
                mentions: ments,
                scope,
                iri: iri.to_string(),
                clauses,
                mentioned,
                declared,
            });
        }
    }

    fn build(&mut self) {
        let owned = std::mem::take(&mut self.facts);
        let facts: &MerchantFacts = &owned;
        for (i, p) in facts.products.iter().enumerate() {
            self.add(&p.name, Scope::Own(i), &p.iri, None);
            for (n, v) in &p.properties {
                self.add(&format!("{n}：{v}"), Scope::Own(i), &p.iri, None);
            }
            if let Some(d) = &p.description {
                self.add(d, Scope::Own(i), &p.iri, Some(&p.name));
            }
            if let Some(o) = &p.offer
                && let Some(d) = &o.description
            {
                self.add(d, Scope::Own(i), &o.iri, Some(&p.name));
            }
        }
        // Policies: product-specific when only a few products use them.
        for pol in &facts.policies {
            let users: Vec<usize> = facts
                .products
                .iter()
                .enumerate()
                .filter(|(_, p)| p.offer.as_ref().and_then(|o| o.return_policy.as_deref()) == Some(pol.iri.as_str()))
                .map(|(i, _)| i)
                .collect();
            let scope = if !users.is_empty() && users.len() * 2 <= facts.products.len() {
                Scope::Tagged(users)
            } else {
                Scope::Shop
            };
            if let Some(d) = &pol.description {
                self.add(d, scope.clone(), &pol.iri, Some(&pol.name));
            }
            if let Some(days) = pol.days
                && pol.category.as_deref() != Some("MerchantReturnNotPermitted")
            {
                self.add(
                    &format!("签收后{days}天内可申请{days}天无理由退货"),
                    scope.clone(),
                    &pol.iri,
                    None,
                );
            }
        }
        for sh in &facts.shipping {
            let regions = sh.regions.join("、");
            self.add(&sh.name, Scope::Shop, &sh.iri, None);
            if let Some(d) = &sh.description {
                self.add(d, Scope::Shop, &sh.iri, Some(&sh.name));
            }
            if let Some(r) = sh.rate {
                self.add(&format!("{regions}运费{}", fmt_money(r)), Scope::Shop, &sh.iri, None);
            }
            if let Some(t) = sh.free_threshold {
                self.add(&format!("满{}包邮", fmt_money(t)), Scope::Shop, &sh.iri, None);
            }
            if let Some((a, b)) = sh.transit_days {
                let span = if a == b { format!("{a}") } else { format!("{a}-{b}") };
                self.add(&format!("{regions}发货后一般{span}天送达"), Scope::Shop, &sh.iri, None);
            }
        }
        for (idx, pr) in facts.promotions.iter().enumerate() {
            self.add(&pr.name, Scope::Shop, &pr.iri, None);
            if let Some(d) = &pr.description {
                self.add(d, Scope::Shop, &pr.iri, Some(&pr.name));
            }
            let name_n = crate::text::fold_keep_spaces(&pr.name);
            let desc_n = crate::text::fold_keep_spaces(pr.description.as_deref().unwrap_or(""));
            let mut pairs: Vec<Val> = Vec::new();
            for m in mentions(&name_n, &self.lex)
                .into_iter()
                .chain(mentions(&desc_n, &self.lex))
            {
                if matches!(m.val, Val::Pair { .. } | Val::Discount(_)) {
                    pairs.push(m.val);
                }
            }
            self.promos.push(PromoInfo {
                idx,
                name_terms: term_set(&name_n),
                desc_terms: term_set(&desc_n),
                pairs,
            });
        }
        for f in &facts.faqs {
            self.add(&f.answer, Scope::Shop, &f.iri, Some(&f.question));
        }
        let org = &facts.org;
        if let Some(d) = &org.description {
            self.add(d, Scope::Shop, &org.iri, None);
        }
        for c in &org.contact {
            self.add(c, Scope::Shop, &org.iri, None);
        }
        for g in &facts.general {
            self.add(&g.description, Scope::General, &g.iri, Some(&g.name));
        }
        // Time ranges (service hours).
        for (o, c) in &org.hours {
            if let (Some(a), Some(b)) = (parse_hhmm(o), parse_hhmm(c)) {
                self.ranges.push((a, b, org.iri.clone()));
            }
        }
        for f in self.sentences.iter().filter(|f| f.scope != Scope::General) {
            for m in &f.mentions {
                if let Val::TimeRange(a, b) = m.val {
                    self.ranges.push((a, b, f.iri.clone()));
                }
            }
        }
        self.facts = owned;
        self.build_couriers();
        self.build_negs();
        self.build_payers();
    }

    fn build_couriers(&mut self) {
        let mut all = HashSet::new();
        let mut default = HashSet::new();
        let mut text = Vec::new();
        for sh in &self.facts.shipping {
            let n = crate::text::fold(&sh.name);
            for (r, c) in self.lex.couriers_in(&n) {
                all.insert(c);
                default.insert(c);
                text.push((c, sh.name.get(Normed::new(&sh.name).orig(&r)).unwrap_or("").to_string()));
            }
        }
        for f in self.sentences.iter().filter(|f| f.scope != Scope::General) {
            for (r, c) in self.lex.couriers_in(&f.norm.s) {
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
        self.couriers_all = all;
        self.couriers_default = default;
        self.courier_text = text;
    }

    fn own_sentences(&self) -> impl Iterator<Item = &FactSentence> {
        self.sentences.iter().filter(|f| f.scope != Scope::General)
    }

    fn build_negs(&mut self) {
        // (topic terms, condition terms, clause text, IRI, declared products)
        type RawNeg = (HashSet<String>, HashSet<String>, String, String, Vec<usize>);
        let mut raw: Vec<RawNeg> = Vec::new();
        for f in self.own_sentences() {
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
        let positives: Vec<HashSet<String>> = self
            .own_sentences()
            .filter(|f| f.clauses.iter().all(|c| stance(&f.norm.s[c.clone()]) != Stance::Negate))
            .map(|f| cond_terms(&f.norm.s))
            .collect();
        let stop: HashSet<&str> = STOP_TERMS.iter().copied().collect();
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
            self.negs.push(NegFact {
                topic,
                distinctive: d,
                text,
                iri,
                products,
            });
        }
    }

    fn build_payers(&mut self) {
        let mut set = HashSet::new();
        let mut iri = None;
        let mut text = None;
        for f in self.own_sentences() {
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
            for pol in &self.facts.policies {
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
        self.payers = set;
        self.payer_iri = iri;
        self.payer_text = text;
    }

    /// Product price, when known.
    fn price(&self, p: usize) -> Option<f64> {
        self.facts.products.get(p)?.offer.as_ref()?.price
    }

    fn offer_iri(&self, p: usize) -> Option<String> {
        let prod = self.facts.products.get(p)?;
        Some(prod.offer.as_ref().map_or_else(|| prod.iri.clone(), |o| o.iri.clone()))
    }
}

fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    Some(h.trim().parse::<u32>().ok()? * 60 + m.get(..2)?.parse::<u32>().ok()?)
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

/// Fraction of `topic` terms found in `terms`.
fn coverage(topic: &HashSet<String>, terms: &HashSet<String>) -> f64 {
    if topic.is_empty() {
        return 0.0;
    }
    topic.iter().filter(|t| terms.contains(*t)).count() as f64 / topic.len() as f64
}

// ------------------------------------------------------------------ answer context

struct Ctx<'p, 'f> {
    fb: &'p FactBase<'f>,
    p: &'p Parsed,
    question: &'p str,
    at: DateTime<FixedOffset>,
    /// Per sentence, per clause: alignment terms.
    clause_terms: Vec<Vec<HashSet<String>>>,
    sent_terms: Vec<HashSet<String>>,
    p_answer: &'p str,
}

impl Ctx<'_, '_> {
    fn align(&self, c: &Candidate, f: &FactSentence) -> f64 {
        let ct = &self.clause_terms[c.sentence][c.clause];
        let st = &self.sent_terms[c.sentence];
        let a = ct.iter().filter(|t| f.terms.contains(*t)).count() as f64;
        let b = st.iter().filter(|t| !ct.contains(*t) && f.terms.contains(*t)).count() as f64;
        a + 0.5 * b
    }

    fn all_money(&self, except: &std::ops::Range<usize>) -> Vec<f64> {
        let mut v: Vec<f64> = self
            .p
            .mentions
            .iter()
            .filter(|m| m.range != *except)
            .filter_map(|m| if let Val::Money(x) = m.val { Some(x) } else { None })
            .collect();
        for &p in self.p.answer_products.iter().chain(self.p.question_products.iter()) {
            if let Some(x) = self.fb.price(p) {
                v.push(x);
            }
        }
        v
    }

    /// Whether an amount is computed from other amounts of the answer (a total, a discount
    /// applied, a 满减 taken off, a quantity multiplied).
    fn derived(&self, v: f64, except: &std::ops::Range<usize>) -> bool {
        let a = self.all_money(except);
        let mut factors: Vec<f64> = self
            .p
            .mentions
            .iter()
            .filter_map(|m| if let Val::Discount(f) = m.val { Some(f) } else { None })
            .collect();
        if self.p.norm.s.contains("半价") {
            factors.push(0.5);
            factors.push(0.75);
        }
        let mut pairs: Vec<(f64, f64)> = self
            .p
            .mentions
            .iter()
            .filter_map(|m| {
                if let Val::Pair { x, y } = m.val {
                    Some((x, y))
                } else {
                    None
                }
            })
            .collect();
        for pr in &self.fb.promos {
            for v in &pr.pairs {
                if let Val::Pair { x, y } = v {
                    pairs.push((*x, *y));
                }
            }
        }
        let qty: Vec<f64> = quantities(&self.p.norm.s)
            .into_iter()
            .chain(quantities(&self.p.question.s))
            .collect();
        // Arithmetic needs its words in the sentence: a total (+, =, 共…) or a deduction (减, 省…).
        let sent = self
            .p
            .sents
            .iter()
            .find(|st| st.range.start <= except.start && except.start < st.range.end)
            .map_or("", |st| &self.p.norm.s[st.range.clone()]);
        let total = self
            .p
            .mentions
            .iter()
            .any(|m| m.range == *except && m.key.as_deref() == Some("总"));
        let sum_cue = total
            || ["+", "=", "合计", "共", "总价", "加起来", "一起", "算下来"]
                .iter()
                .any(|w| sent.contains(w));
        let diff_cue = total
            || ["减", "优惠", "省", "便宜", "差价", "=", "抵", "券", "扣"]
                .iter()
                .any(|w| sent.contains(w));
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
}

fn quantities(s: &str) -> Vec<f64> {
    use std::sync::LazyLock;
    static RE_Q: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(\d+|[一二两三四五六七八九十])\s*(?:件|支|个|盒|瓶|条|套|根|片|双|台|份)")
            .expect("static regex")
    });
    RE_Q.captures_iter(s)
        .filter_map(|c| c.get(1).and_then(|m| super::claims::parse_num(m.as_str())))
        .filter(|n| *n >= 2.0 && *n <= 20.0)
        .collect()
}

type Outcome = (ClaimStatus, Option<String>, Option<String>);

fn supported(iri: Option<String>) -> Outcome {
    (ClaimStatus::Supported, None, iri)
}

fn unverifiable() -> Outcome {
    (ClaimStatus::Unverifiable, None, None)
}

fn contradicted(expected: String, iri: Option<String>) -> Outcome {
    (ClaimStatus::Contradicted, Some(expected), iri)
}

fn keys_equal(a: &Option<String>, b: &Option<String>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if x == y)
}

fn keys_compatible(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

fn is_attr_val(m: &Mention) -> bool {
    match &m.val {
        Val::Measure { .. } | Val::Spec { .. } | Val::Pct { .. } | Val::Ports { .. } => true,
        Val::Dur { .. } => m.key.as_deref().is_some_and(is_attr_dur_key),
        _ => false,
    }
}

// ------------------------------------------------------------------ value checks

fn check_price(cx: &Ctx, c: &Candidate, m: &Mention, v: f64) -> Outcome {
    let fb = cx.fb;
    let prices: Vec<(usize, f64)> = c.subjects.iter().filter_map(|&p| fb.price(p).map(|x| (p, x))).collect();
    if let Some((p, _)) = prices.iter().find(|(_, x)| (x - v).abs() < 0.011) {
        return supported(fb.offer_iri(*p));
    }
    if let Some(o) = arithmetic(cx, m, v) {
        return o;
    }
    if cx.derived(v, &m.range) {
        return supported(None);
    }
    let any_price = fb
        .facts
        .products
        .iter()
        .enumerate()
        .find(|(i, _)| fb.price(*i).is_some_and(|x| (x - v).abs() < 0.011));
    if m.key.as_deref() == Some("总") && !c.in_question {
        // A stated total that no combination of the answer's amounts gives.
        if let Some(o) = wrong_total(cx, m, v) {
            return o;
        }
    }
    if prices.is_empty() || c.in_question || m.key.as_deref() == Some("总") {
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
    if before.ends_with("折后") || before.ends_with("折后价") || before.ends_with("打折后") {
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

/// Values that belong to the shop (fees, thresholds, durations, 满减, hours): compared with
/// values of the same type and key in shop-wide facts and the subject product's facts.
fn check_shop_value(cx: &Ctx, c: &Candidate, m: &Mention) -> Outcome {
    let fb = cx.fb;
    let subj = &c.subjects;
    let support_scope = |f: &FactSentence| match &f.scope {
        Scope::Own(p) => subj.is_empty() || subj.contains(p),
        Scope::Tagged(ps) => subj.is_empty() || ps.iter().any(|p| subj.contains(p)),
        Scope::Shop => true,
        Scope::General => false,
    };
    let contra_scope = |f: &FactSentence| match &f.scope {
        Scope::Own(p) => subj.contains(p),
        Scope::Tagged(ps) => ps.iter().any(|p| subj.contains(p)),
        Scope::Shop => true,
        Scope::General => false,
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
    let mut best: Option<(f64, String, String)> = None;
    for f in fb.sentences.iter().filter(|f| contra_scope(f)) {
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
    if let Some((_, exp, iri)) = best {
        if c.in_question {
            return unverifiable();
        }
        // "法律规定七天无理由…": a statement of the general rule, true as such.
        let sentence = &cx.p.norm.s[cx.p.sents[c.sentence].range.clone()];
        if GENERAL_CUES.iter().any(|w| sentence.contains(w)) && general_supports(cx, m) {
            return supported(None);
        }
        return contradicted(exp, Some(iri));
    }
    if general_supports(cx, m) {
        return supported(None);
    }
    unverifiable()
}

/// Words that present a statement as law or general practice rather than the shop's rule.
const GENERAL_CUES: &[&str] = &[
    "法律",
    "法规",
    "国家规定",
    "按规定",
    "根据规定",
    "依法",
    "消费者权益保护法",
    "电子商务法",
    "三包规定",
    "平台规则",
    "一般来说",
];

fn general_supports(cx: &Ctx, m: &Mention) -> bool {
    cx.fb.sentences.iter().filter(|f| f.scope == Scope::General).any(|f| {
        f.mentions
            .iter()
            .any(|fm| same_type(&m.val, &fm.val) && keys_compatible(&m.key, &fm.key) && same_value(&m.val, &fm.val))
    })
}

/// An answer clause that quotes a merchant sentence holding the same value is true as quoted,
/// whatever product the clause seems to be about.
fn quoted(cx: &Ctx, c: &Candidate, m: &Mention) -> Option<String> {
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

/// Product attributes: compared with the subject product's own facts, and with shop-wide
/// sentences only where they align closely with the claim's clause.
fn check_attribute(cx: &Ctx, c: &Candidate, m: &Mention) -> Outcome {
    let fb = cx.fb;
    let equal = |fm: &Mention| same_type(&m.val, &fm.val) && same_value(&m.val, &fm.val);
    if c.subjects.is_empty() {
        let any = fb
            .sentences
            .iter()
            .any(|f| f.scope != Scope::General && f.mentions.iter().any(equal));
        return if any { supported(None) } else { unverifiable() };
    }
    if let Some(iri) = quoted(cx, c, m) {
        return supported(Some(iri));
    }
    // Shop-wide statements about the same thing (an FAQ on shelf life, shrinkage…).
    let aligned_shop: Vec<(&FactSentence, f64)> = fb
        .sentences
        .iter()
        .filter(|f| f.scope == Scope::Shop && f.mentioned <= 1)
        .map(|f| (f, cx.align(c, f)))
        .filter(|(_, a)| *a >= 2.0)
        .collect();
    if let Some((f, _)) = aligned_shop.iter().find(|(f, _)| f.mentions.iter().any(equal)) {
        return supported(Some(f.iri.clone()));
    }
    let key_ok = |fm: &Mention| match (&m.val, &fm.val) {
        (Val::Measure { .. }, _) | (Val::Dur { .. }, _) => keys_compatible(&m.key, &fm.key),
        _ => true,
    };
    let mut all_contra = true;
    let mut expected: Option<(String, String)> = None;
    for &p in &c.subjects {
        let own: Vec<&FactSentence> = fb.sentences.iter().filter(|f| f.single_product() == Some(p)).collect();
        if let Some(f) = own.iter().find(|f| f.mentions.iter().any(equal)) {
            return supported(Some(f.iri.clone()));
        }
        let mut found = None;
        for f in &own {
            for fm in &f.mentions {
                if same_type(&m.val, &fm.val) && !fm.body && key_ok(fm) && found.is_none() {
                    found = Some((f.raw(fm), f.iri.clone()));
                }
            }
        }
        if found.is_none() {
            for (f, a) in &aligned_shop {
                for fm in &f.mentions {
                    if *a >= 3.0 && same_type(&m.val, &fm.val) && !fm.body && key_ok(fm) && found.is_none() {
                        found = Some((f.raw(fm), f.iri.clone()));
                    }
                }
            }
        }
        match found {
            Some(e) => {
                expected.get_or_insert(e);
            }
            None => all_contra = false,
        }
    }
    match expected {
        Some((e, iri)) if all_contra && !c.in_question => contradicted(e, Some(iri)),
        _ => unverifiable(),
    }
}

fn check_inventory(cx: &Ctx, c: &Candidate, n: i64) -> Outcome {
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

fn check_stock(cx: &Ctx, c: &Candidate, state: StockClaim) -> Outcome {
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

fn check_courier(cx: &Ctx, concept: usize, default: bool) -> Outcome {
    let fb = cx.fb;
    if fb.couriers_all.is_empty() {
        return unverifiable();
    }
    let expected = || -> String {
        let pick = fb
            .couriers_default
            .iter()
            .next()
            .or_else(|| fb.couriers_all.iter().next())
            .copied();
        pick.and_then(|c| fb.courier_text.iter().find(|(x, _)| *x == c).map(|(_, t)| t.clone()))
            .unwrap_or_default()
    };
    if !fb.couriers_all.contains(&concept) {
        return contradicted(expected(), Some(fb.facts.org.iri.clone()));
    }
    if default && !fb.couriers_default.is_empty() && !fb.couriers_default.contains(&concept) {
        return contradicted(expected(), Some(fb.facts.org.iri.clone()));
    }
    supported(None)
}

fn check_colour(cx: &Ctx, c: &Candidate, core: &str) -> Outcome {
    const BASIC: &str = "红橙黄绿青蓝紫黑白灰粉棕褐金银米杏驼咖卡其藏";
    let fb = cx.fb;
    let mut contra = 0;
    let mut expected = None;
    for &p in &c.subjects {
        let Some(prod) = fb.facts.products.get(p) else { continue };
        let colour_props: Vec<&String> = prod
            .properties
            .iter()
            .filter(|(n, _)| fb.lex.concept_of(n) == "颜色" || n.contains("颜色") || n.contains("色号"))
            .map(|(_, v)| v)
            .collect();
        let mut text = crate::text::fold(&prod.name);
        for (_, v) in &prod.properties {
            text.push_str(&crate::text::fold(v));
        }
        text.push_str(&crate::text::fold(prod.description.as_deref().unwrap_or("")));
        let basics: Vec<char> = core.chars().filter(|ch| BASIC.contains(*ch)).collect();
        let colour_text: String = colour_props.iter().map(|v| crate::text::fold(v)).collect();
        if text.contains(core) || (!basics.is_empty() && basics.iter().all(|b| colour_text.contains(*b))) {
            return supported(Some(prod.iri.clone()));
        }
        if !colour_props.is_empty() {
            contra += 1;
            expected.get_or_insert((colour_props[0].clone(), prod.iri.clone()));
        }
    }
    match expected {
        Some((e, iri)) if contra == c.subjects.len() => contradicted(e, Some(iri)),
        _ => unverifiable(),
    }
}

/// A material named for a product must be one its facts list (where they list any).
fn check_material(cx: &Ctx, c: &Candidate, material: &str, pure: bool) -> Outcome {
    let fb = cx.fb;
    let mut contra = 0;
    let mut expected = None;
    for &p in &c.subjects {
        let Some(prod) = fb.facts.products.get(p) else { continue };
        let mut text = crate::text::fold(&prod.name);
        for (_, v) in &prod.properties {
            text.push_str(&crate::text::fold(v));
        }
        text.push_str(&crate::text::fold(prod.description.as_deref().unwrap_or("")));
        let listed: Vec<&String> = prod
            .properties
            .iter()
            .filter(|(n, v)| {
                let concept = fb.lex.concept_of(n);
                (concept == "材质"
                    || n.contains("材质")
                    || n.contains("面料")
                    || n.contains("成分")
                    || n.contains("填充"))
                    && !materials_in(&crate::text::fold(v)).is_empty()
            })
            .map(|(_, v)| v)
            .collect();
        // 纯棉 / 100%棉: the listed materials must be that one alone.
        let pure_ok = !pure
            || listed.iter().all(|v| {
                let f = crate::text::fold(v);
                let ms = materials_in(&f);
                ms.iter().all(|(_, m)| *m == material)
                    || ms
                        .iter()
                        .any(|(r, m)| *m == material && f[..r.start].trim_end().ends_with("100%"))
            });
        if material_listed(material, &text) && pure_ok {
            return supported(Some(prod.iri.clone()));
        }
        if let Some(v) = listed.first() {
            contra += 1;
            expected.get_or_insert(((*v).clone(), prod.iri.clone()));
        }
    }
    match expected {
        Some((e, iri)) if contra == c.subjects.len() => contradicted(e, Some(iri)),
        _ => unverifiable(),
    }
}

// ------------------------------------------------------------------ promotions

/// Promotions the given text names (by name or by its 满减/discount), best first.
fn named_promos(cx: &Ctx, text: &str) -> Vec<(f64, usize)> {
    aligned_promos_with(cx, text, false)
}

/// Promotions the given text is about (also by its description), best first (score, index).
fn aligned_promos(cx: &Ctx, text: &str) -> Vec<(f64, usize)> {
    aligned_promos_with(cx, text, true)
}

fn aligned_promos_with(cx: &Ctx, text: &str, by_description: bool) -> Vec<(f64, usize)> {
    let fb = cx.fb;
    let n = crate::text::fold_keep_spaces(text);
    let terms = term_set(&n);
    let vals: Vec<Val> = mentions(&n, &fb.lex).into_iter().map(|m| m.val).collect();
    let mut out = Vec::new();
    for pr in &fb.promos {
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
            out.push((score, pr.idx));
        }
    }
    out.sort_by(|a, b| b.0.total_cmp(&a.0));
    out
}

fn clause_text<'a>(cx: &'a Ctx, si: usize, ci: usize) -> &'a str {
    &cx.p.norm.s[cx.p.sents[si].clauses[ci].clone()]
}

fn check_promo_status(cx: &Ctx, c: &Candidate, claim: PromoClaim) -> Option<Outcome> {
    let mut aligned = aligned_promos(cx, clause_text(cx, c.sentence, c.clause));
    if aligned.is_empty() && c.clause > 0 {
        aligned = aligned_promos(cx, clause_text(cx, c.sentence, c.clause - 1));
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

fn check_promo_date(cx: &Ctx, c: &Candidate, d: &DateMention) -> Outcome {
    let mut aligned = aligned_promos(cx, clause_text(cx, c.sentence, c.clause));
    if aligned.is_empty() {
        aligned = aligned_promos(cx, &cx.p.norm.s[cx.p.sents[c.sentence].range.clone()]);
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

/// A pre-sale ship date ("8月1日起发货") against the offer's `availabilityStarts`.
fn check_presale_date(cx: &Ctx, c: &Candidate, d: &DateMention) -> Option<Outcome> {
    let clause = clause_text(cx, c.sentence, c.clause);
    if !["发货", "发出", "到货", "上市", "开售"]
        .iter()
        .any(|w| clause.contains(w))
        || c.subjects.is_empty()
    {
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

/// A phone number must be one the shop publishes.
fn check_phone(cx: &Ctx, digits: &str) -> Outcome {
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

fn product_excluded(cx: &Ctx, promo: usize, product: usize) -> bool {
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
            for marker in ["不参与", "不参加", "除外", "不适用", "不可用", "不能用"] {
                if let Some(pos) = clause.find(marker) {
                    let cond = term_set(&desc[start.max(cl.start)..cl.start + pos]);
                    if !cond.is_empty() && coverage(&cond, &pterms) >= 0.6 {
                        return true;
                    }
                }
            }
            start = cl.end;
        }
    }
    false
}

fn check_participation(cx: &Ctx, c: &Candidate) -> Option<Outcome> {
    if c.subjects.is_empty() {
        return None;
    }
    let mut aligned = named_promos(cx, clause_text(cx, c.sentence, c.clause));
    if aligned.is_empty() {
        aligned = named_promos(cx, &cx.p.norm.s[cx.p.sents[c.sentence].range.clone()]);
    }
    if aligned.is_empty() {
        aligned = named_promos(cx, cx.question);
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

// ------------------------------------------------------------------ policy polarity

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

fn policy_claims(cx: &Ctx) -> Vec<(Claim, std::ops::Range<usize>)> {
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
                for nf in &fb.negs {
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
                    || fb
                        .negs
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

fn blank_mentions(s: &str, cl: &std::ops::Range<usize>, ments: &[Mention]) -> String {
    let rs: Vec<std::ops::Range<usize>> = ments
        .iter()
        .filter(|m| m.range.start >= cl.start && m.range.end <= cl.end)
        .map(|m| m.range.start - cl.start..m.range.end - cl.start)
        .collect();
    blank_ranges(&s[cl.clone()], &rs)
}

fn check_payer(cx: &Ctx, payer: Payer) -> Outcome {
    let fb = cx.fb;
    if fb.payers.is_empty() {
        return unverifiable();
    }
    if fb.payers.contains(&payer) {
        return supported(fb.payer_iri.clone());
    }
    contradicted(fb.payer_text.clone().unwrap_or_default(), fb.payer_iri.clone())
}

// ------------------------------------------------------------------ entry point

/// Validates an answer against the merchant's facts as of `at` (the question time): extracts
/// every checkable claim, checks it, and decides pass / corrected / handoff.
pub fn validate_text(
    answer: &str,
    question: &str,
    facts: &MerchantFacts,
    ontology: &Ontology,
    at: DateTime<FixedOffset>,
) -> Validation {
    let fb = FactBase::new(std::borrow::Cow::Borrowed(facts), ontology);
    validate_with(&fb, answer, question, at)
}

/// A merchant's facts prepared for validation once (the fact index dominates the cost of
/// [`validate_text`]); keep one per merchant and drop it when the merchant is re-imported.
pub struct Prepared {
    base: FactBase<'static>,
}

impl Prepared {
    /// Indexes the merchant's facts and the ontology's attribute and courier labels.
    pub fn new(facts: MerchantFacts, ontology: &Ontology) -> Self {
        Prepared {
            base: FactBase::new(std::borrow::Cow::Owned(facts), ontology),
        }
    }

    /// Same as [`validate_text`] on the prepared facts.
    pub fn validate(&self, answer: &str, question: &str, at: DateTime<FixedOffset>) -> Validation {
        validate_with(&self.base, answer, question, at)
    }
}

pub(crate) fn validate_with(fb: &FactBase, answer: &str, question: &str, at: DateTime<FixedOffset>) -> Validation {
    let parsed = parse(answer, question, &fb.lex, &fb.products);
    let s = &parsed.norm.s;
    let clause_terms: Vec<Vec<HashSet<String>>> = parsed
        .sents
        .iter()
        .map(|st| {
            st.clauses
                .iter()
                .map(|cl| term_set(&canon(&blank_mentions(s, cl, &parsed.mentions))))
                .collect()
        })
        .collect();
    let sent_terms: Vec<HashSet<String>> = clause_terms
        .iter()
        .map(|cs| cs.iter().flat_map(|c| c.iter().cloned()).collect())
        .collect();
    let cx = Ctx {
        fb,
        p: &parsed,
        question,
        at,
        clause_terms,
        sent_terms,
        p_answer: answer,
    };
    let mut claims: Vec<(Claim, std::ops::Range<usize>, bool)> = Vec::new(); // claim, range, substitutable
    for c in &parsed.candidates {
        let mut kind = c.kind;
        let (outcome, substitutable) = match &c.what {
            What::Value(m) => {
                let o = match &m.val {
                    Val::Money(v) if matches!(m.key.as_deref(), None | Some("价" | "总")) => {
                        check_price(&cx, c, m, *v)
                    }
                    Val::Inventory(n) => check_inventory(&cx, c, *n),
                    Val::TimeRange(a, b) => check_range(&cx, c, *a, *b),
                    _ if is_attr_val(m) => check_attribute(&cx, c, m),
                    _ => check_shop_value(&cx, c, m),
                };
                (o, true)
            }
            What::Stock(st) => (check_stock(&cx, c, *st), false),
            What::Courier { concept, default } => (check_courier(&cx, *concept, *default), true),
            What::Colour(core) => (check_colour(&cx, c, core), true),
            What::Material { name, pure } => (check_material(&cx, c, name, *pure), true),
            What::PromoStatus(pc) => match check_promo_status(&cx, c, *pc) {
                Some(o) => (o, false),
                None => continue,
            },
            What::PromoDate(d) => match check_presale_date(&cx, c, d) {
                Some(o) => {
                    kind = ClaimKind::Days;
                    (o, true)
                }
                None => (check_promo_date(&cx, c, d), true),
            },
            What::Phone(digits) => (check_phone(&cx, digits), true),
            What::Participation => match check_participation(&cx, c) {
                Some(o) => (o, false),
                None => continue,
            },
            What::Payer(p) => (check_payer(&cx, *p), false),
        };
        let (status, expected, subject) = outcome;
        claims.push((
            Claim {
                kind,
                text: c.text.clone(),
                status,
                expected,
                subject,
            },
            c.range.clone(),
            substitutable,
        ));
    }
    for (claim, r) in policy_claims(&cx) {
        claims.push((claim, r, false));
    }
    claims.sort_by_key(|(_, r, _)| r.start);

    let contradicted: Vec<&(Claim, std::ops::Range<usize>, bool)> = claims
        .iter()
        .filter(|(c, _, _)| c.status == ClaimStatus::Contradicted)
        .collect();
    let (verdict, corrections, corrected_answer) = if contradicted.is_empty() {
        (Verdict::Pass, Vec::new(), None)
    } else if contradicted
        .iter()
        .all(|(c, _, sub)| *sub && c.expected.as_deref().is_some_and(|e| !e.is_empty()))
    {
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
        let corrections = contradicted
            .iter()
            .map(|(c, _, _)| Correction {
                kind: c.kind,
                wrong: c.text.clone(),
                right: c.expected.clone().unwrap_or_default(),
            })
            .collect();
        (Verdict::Corrected, corrections, Some(text))
    } else {
        (Verdict::Handoff, Vec::new(), None)
    };
    Validation {
        verdict,
        claims: claims.into_iter().map(|(c, _, _)| c).collect(),
        corrections,
        corrected_answer,
    }
}

fn check_range(cx: &Ctx, c: &Candidate, a: u32, b: u32) -> Outcome {
    let fb = cx.fb;
    if let Some((_, _, iri)) = fb.ranges.iter().find(|(x, y, _)| *x == a && *y == b) {
        return supported(Some(iri.clone()));
    }
    if fb.ranges.is_empty() || c.in_question {
        return unverifiable();
    }
    let best = fb
        .ranges
        .iter()
        .find(|(x, y, _)| *x == a || *y == b)
        .or_else(|| fb.ranges.first());
    match best {
        Some((x, y, iri)) => contradicted(format!("{}-{}", hhmm(*x), hhmm(*y)), Some(iri.clone())),
        None => unverifiable(),
    }
}
