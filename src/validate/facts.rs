//! The merchant's knowledge read into sentences with their typed values ([`FactBase`]):
//! products' own fields, return policies, shipping, promotions, FAQ, the shop, and the
//! general layer (support only), each with the scope it applies to ([`Scope`]).

use super::lexicon::Lexicon;
use super::mentions::{Mention, mentions};
use super::products::ProductIndex;
use super::text::{Normed, blank_ranges, fmt_money, segment, term_set};
use crate::store::{MerchantFacts, Ontology};
use std::collections::HashSet;

/// Where a fact sentence applies.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scope {
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
pub(super) struct FactSentence {
    /// The sentence as written.
    pub(super) orig: String,
    /// The sentence folded.
    pub(super) norm: Normed,
    /// Alignment terms (values blanked, verbs canonical), plus context terms (FAQ question).
    pub(super) terms: HashSet<String>,
    /// Its values.
    pub(super) mentions: Vec<Mention>,
    /// Where it applies.
    pub(super) scope: Scope,
    /// IRI of the subject it was read from.
    pub(super) iri: String,
    /// Clauses (folded byte ranges).
    pub(super) clauses: Vec<std::ops::Range<usize>>,
    /// How many products the sentence mentions (values of a multi-product sentence cannot
    /// be attributed to one of them).
    pub(super) mentioned: usize,
    /// Products the source of the sentence belongs to by the data model (a product's own
    /// field, a return policy's products), not by the words in it; empty: shop-wide.
    pub(super) declared: Vec<usize>,
    /// The regions it names (`region` notations), read once when the fact base is built.
    pub(super) regions: Vec<String>,
}

impl FactSentence {
    /// A value of this sentence as originally written.
    pub(super) fn raw(&self, m: &Mention) -> String {
        self.orig.get(self.norm.orig(&m.range)).unwrap_or(&m.raw).to_string()
    }

    /// The one product this sentence is about, if it is about exactly one.
    pub(super) fn single_product(&self) -> Option<usize> {
        match &self.scope {
            Scope::Own(p) => Some(*p),
            Scope::Tagged(ps) if ps.len() == 1 => Some(ps[0]),
            _ => None,
        }
    }
}

/// A product's own words, folded: its name, property values and description.
pub(super) fn product_text(p: &crate::store::merchant::Product) -> String {
    let mut text = crate::text::fold(&p.name);
    for (_, v) in &p.properties {
        text.push_str(&crate::text::fold(v));
    }
    text.push_str(&crate::text::fold(p.description.as_deref().unwrap_or("")));
    text
}

/// The merchant's knowledge prepared for checking.
pub(super) struct FactBase<'a> {
    /// The merchant's facts.
    pub(super) facts: std::borrow::Cow<'a, MerchantFacts>,
    /// Attribute and courier labels.
    pub(super) lex: Lexicon,
    /// The product index.
    pub(super) products: ProductIndex,
    /// Every sentence of the merchant's knowledge.
    pub(super) sentences: Vec<FactSentence>,
    /// Terms of the merchant's product names.
    pub(super) product_terms: HashSet<String>,
}

impl<'a> FactBase<'a> {
    /// Reads the merchant's facts into sentences, with the ontology's attribute and courier labels.
    pub(super) fn new(facts: std::borrow::Cow<'a, MerchantFacts>, ontology: &Ontology) -> Self {
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
            product_terms,
        };
        fb.build();
        fb
    }

    /// Adds the sentences of `text` (a shop-wide text is tagged with the products it names;
    /// `context`, e.g. an FAQ question, adds alignment terms).
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
            .map(|c| term_set(&self.lex.vocab.canon(&crate::text::fold_keep_spaces(c))))
            .unwrap_or_default();
        let whole = Normed::new(text);
        for sent in segment(&whole.s) {
            let orig_r = whole.orig(&sent.range);
            let orig = text[orig_r].to_string();
            let norm = Normed::new(&orig);
            let ments = mentions(&norm.s, &self.lex);
            let blanked = blank_ranges(&norm.s, &ments.iter().map(|m| m.range.clone()).collect::<Vec<_>>());
            let mut terms = term_set(&self.lex.vocab.canon(&blanked));
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
            let regions = self
                .lex
                .vocab
                .region
                .find(&norm.s)
                .into_iter()
                .map(|(_, n)| n.to_string())
                .collect();
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
                regions,
            });
        }
    }

    /// Reads every text of the merchant into sentences. (`facts` is set aside meanwhile so
    /// that `add` can borrow the fact base mutably.)
    fn build(&mut self) {
        let owned = std::mem::take(&mut self.facts);
        let facts: &MerchantFacts = &owned;
        self.add_products(facts);
        self.add_policies(facts);
        self.add_shipping(facts);
        for pr in &facts.promotions {
            self.add(&pr.name, Scope::Shop, &pr.iri, None);
            if let Some(d) = &pr.description {
                self.add(d, Scope::Shop, &pr.iri, Some(&pr.name));
            }
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
        self.facts = owned;
    }

    /// Each product's name, properties, description and offer description.
    fn add_products(&mut self, facts: &MerchantFacts) {
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
    }

    /// Return policies, verbalised with their windows; product-specific when only a few
    /// products use them.
    fn add_policies(&mut self, facts: &MerchantFacts) {
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
    }

    /// Shipping settings: names, descriptions, and the rates, free-shipping thresholds and
    /// transit times verbalised.
    fn add_shipping(&mut self, facts: &MerchantFacts) {
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
    }

    /// The merchant's own sentences (the general layer left out).
    pub(super) fn own_sentences(&self) -> impl Iterator<Item = &FactSentence> {
        self.sentences.iter().filter(|f| f.scope != Scope::General)
    }

    /// Product price, when known.
    pub(super) fn price(&self, p: usize) -> Option<f64> {
        self.facts.products.get(p)?.offer.as_ref()?.price
    }

    /// The IRI of product `p`'s offer (else of the product).
    pub(super) fn offer_iri(&self, p: usize) -> Option<String> {
        let prod = self.facts.products.get(p)?;
        Some(prod.offer.as_ref().map_or_else(|| prod.iri.clone(), |o| o.iri.clone()))
    }
}
