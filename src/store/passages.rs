//! Passages: the merchant's facts verbalised into Chinese text by the templates in
//! `prompts/passages/`. Each passage keeps its subject IRI, layer and merchant id.

use super::graph::Layer;
use super::merchant::{GeneralRule, MerchantFacts};
use minijinja::{Environment, context};
use serde::Serialize;
use std::hash::{Hash, Hasher};

/// The pseudo merchant id under which general-layer passages are indexed; every merchant's
/// search includes it.
pub const GENERAL_SCOPE: &str = "_general";

/// What a passage describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassageKind {
    /// A product and its offer.
    Product,
    /// A return policy.
    Policy,
    /// Shipping details or rates.
    Shipping,
    /// A promotion or event.
    Promotion,
    /// A FAQ entry.
    Faq,
    /// The shop and its contact points.
    Shop,
    /// A general-layer rule.
    General,
}

impl PassageKind {
    /// The kind's name as stored in the indexes.
    pub fn as_str(&self) -> &'static str {
        match self {
            PassageKind::Product => "product",
            PassageKind::Policy => "policy",
            PassageKind::Shipping => "shipping",
            PassageKind::Promotion => "promotion",
            PassageKind::Faq => "faq",
            PassageKind::Shop => "shop",
            PassageKind::General => "general",
        }
    }

    /// Parses [`PassageKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "product" => PassageKind::Product,
            "policy" => PassageKind::Policy,
            "shipping" => PassageKind::Shipping,
            "promotion" => PassageKind::Promotion,
            "faq" => PassageKind::Faq,
            "shop" => PassageKind::Shop,
            "general" => PassageKind::General,
            _ => return None,
        })
    }
}

/// A passage of text derived from the graph.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Passage {
    /// Stable id (`{merchant_id}:{hash of subject and kind}`).
    pub id: String,
    /// Owning merchant, or [`GENERAL_SCOPE`].
    pub merchant_id: String,
    /// Knowledge layer.
    pub layer: Layer,
    /// Subject IRI the passage describes.
    pub subject: String,
    /// What it describes.
    pub kind: PassageKind,
    /// Short title (product name, FAQ question…).
    pub title: String,
    /// The passage text.
    pub text: String,
}

impl Passage {
    fn new(merchant_id: &str, layer: Layer, subject: &str, kind: PassageKind, title: &str, text: String) -> Self {
        Passage {
            id: passage_id(merchant_id, subject, kind),
            merchant_id: merchant_id.to_string(),
            layer,
            subject: subject.to_string(),
            kind,
            title: title.to_string(),
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        }
    }

    /// A numeric id for the vector index.
    pub fn numeric_id(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.id.hash(&mut h);
        h.finish() >> 1
    }
}

/// The id of the passage of `kind` about `subject` for `merchant_id`.
pub fn passage_id(merchant_id: &str, subject: &str, kind: PassageKind) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (merchant_id, subject, kind.as_str()).hash(&mut h);
    format!("{merchant_id}:{:016x}", h.finish())
}

/// Verbalises a merchant's facts into passages.
pub fn verbalise(facts: &MerchantFacts, env: &Environment<'_>) -> Result<Vec<Passage>, minijinja::Error> {
    let m = facts.merchant_id.as_str();
    let shop = facts.org.name.as_str();
    let mut out = Vec::new();
    let t = env.get_template("passages/product.j2")?;
    for p in &facts.products {
        let policy = p
            .offer
            .as_ref()
            .and_then(|o| o.return_policy.as_deref())
            .and_then(|iri| facts.policy(iri));
        let text = t.render(context! { shop, p, offer => p.offer, policy })?;
        out.push(Passage::new(
            m,
            Layer::Merchant,
            &p.iri,
            PassageKind::Product,
            &p.name,
            text,
        ));
    }
    let t = env.get_template("passages/policy.j2")?;
    for p in &facts.policies {
        out.push(Passage::new(
            m,
            Layer::Merchant,
            &p.iri,
            PassageKind::Policy,
            &p.name,
            t.render(context! { shop, p })?,
        ));
    }
    let t = env.get_template("passages/shipping.j2")?;
    for s in &facts.shipping {
        out.push(Passage::new(
            m,
            Layer::Merchant,
            &s.iri,
            PassageKind::Shipping,
            &s.name,
            t.render(context! { shop, s })?,
        ));
    }
    let t = env.get_template("passages/promotion.j2")?;
    for p in &facts.promotions {
        let items: Vec<&str> = p
            .items
            .iter()
            .filter_map(|i| facts.product(i))
            .map(|x| x.name.as_str())
            .collect();
        let text = t.render(context! { shop, p, items })?;
        out.push(Passage::new(
            m,
            Layer::Merchant,
            &p.iri,
            PassageKind::Promotion,
            &p.name,
            text,
        ));
    }
    let t = env.get_template("passages/faq.j2")?;
    for f in &facts.faqs {
        out.push(Passage::new(
            m,
            Layer::Merchant,
            &f.iri,
            PassageKind::Faq,
            &f.question,
            t.render(context! { shop, f })?,
        ));
    }
    if !facts.org.iri.is_empty() {
        let t = env.get_template("passages/shop.j2")?;
        let o = &facts.org;
        out.push(Passage::new(
            m,
            Layer::Merchant,
            &o.iri,
            PassageKind::Shop,
            &o.name,
            t.render(context! { o })?,
        ));
    }
    Ok(out)
}

/// Verbalises the general layer's rules (indexed once under [`GENERAL_SCOPE`]).
pub fn verbalise_general(rules: &[GeneralRule], env: &Environment<'_>) -> Result<Vec<Passage>, minijinja::Error> {
    let t = env.get_template("passages/general.j2")?;
    rules
        .iter()
        .map(|r| {
            let text = t.render(context! { r })?;
            Ok(Passage::new(
                GENERAL_SCOPE,
                Layer::General,
                &r.iri,
                PassageKind::General,
                &r.name,
                text,
            ))
        })
        .collect()
}
