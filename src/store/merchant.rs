//! The merchant-scoped view and the merchant's facts as typed records.
//!
//! [`MerchantView`] is built only by [`crate::store::Stores::scoped`]; its dataset is the general
//! layer, the published schema and the one merchant graph, nothing else.

use super::StoreError;
use super::graph::{GraphStore, general_graph, schema_graph};
use crate::merchant_id::MerchantId;
use chrono::{DateTime, FixedOffset, NaiveDate};
use oxigraph::model::{NamedNode, Term};
use oxigraph::sparql::QuerySolution;
use serde::Serialize;
use std::collections::BTreeMap;

/// A read-only view of one merchant's knowledge: general + schema + that merchant's graph.
#[derive(Clone)]
pub struct MerchantView {
    pub(super) store: GraphStore,
    merchant_id: MerchantId,
    pub(super) graphs: Vec<NamedNode>,
}

/// Availability of an offer (schema.org `ItemAvailability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// `schema:InStock` (and `LimitedAvailability`, `OnlineOnly`, `InStoreOnly`).
    InStock,
    /// `schema:OutOfStock`, `SoldOut`, `Discontinued`.
    OutOfStock,
    /// `schema:PreOrder`, `PreSale`, `BackOrder`.
    PreOrder,
    /// Not stated.
    Unknown,
}

impl Availability {
    fn from_iri(iri: &str) -> Self {
        let local = local_name(iri);
        match local {
            "InStock" | "LimitedAvailability" | "OnlineOnly" | "InStoreOnly" => Availability::InStock,
            "OutOfStock" | "SoldOut" | "Discontinued" => Availability::OutOfStock,
            "PreOrder" | "PreSale" | "BackOrder" => Availability::PreOrder,
            _ => Availability::Unknown,
        }
    }
}

/// An offer for a product.
#[derive(Debug, Clone, Serialize)]
pub struct OfferFacts {
    /// Offer IRI.
    pub iri: String,
    /// Price in `currency`.
    pub price: Option<f64>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// Stock state.
    pub availability: Availability,
    /// Units in stock when the merchant publishes it.
    pub inventory: Option<i64>,
    /// Unit of `inventory` (件).
    pub inventory_unit: Option<String>,
    /// Pre-order ship date (`schema:availabilityStarts`).
    pub availability_starts: Option<NaiveDate>,
    /// Free-text offer note.
    pub description: Option<String>,
    /// Return policy IRI.
    pub return_policy: Option<String>,
}

/// A product with its attributes and offer.
#[derive(Debug, Clone, Serialize)]
pub struct Product {
    /// Product IRI.
    pub iri: String,
    /// Display name.
    pub name: String,
    /// Stock-keeping unit.
    pub sku: Option<String>,
    /// Brand name.
    pub brand: Option<String>,
    /// Category path, `/`-separated.
    pub category: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// `schema:additionalProperty` name → value, in file order by name.
    pub properties: Vec<(String, String)>,
    /// The offer, when there is one.
    pub offer: Option<OfferFacts>,
}

/// A merchant return policy.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnPolicy {
    /// Policy IRI.
    pub iri: String,
    /// Name.
    pub name: String,
    /// Return window in days.
    pub days: Option<i64>,
    /// `returnPolicyCategory` local name (MerchantReturnFiniteReturnWindow, MerchantReturnNotPermitted…).
    pub category: Option<String>,
    /// `returnFees` local name.
    pub fees: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// Shipping details or rate settings.
#[derive(Debug, Clone, Serialize)]
pub struct Shipping {
    /// IRI.
    pub iri: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Shipping rate (CNY).
    pub rate: Option<f64>,
    /// Free-shipping threshold (CNY).
    pub free_threshold: Option<f64>,
    /// Transit days (min, max).
    pub transit_days: Option<(i64, i64)>,
    /// Handling days (min, max).
    pub handling_days: Option<(i64, i64)>,
    /// Destination regions named.
    pub regions: Vec<String>,
}

/// A dated promotion or event.
#[derive(Debug, Clone, Serialize)]
pub struct Promotion {
    /// IRI.
    pub iri: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Start of validity.
    pub valid_from: Option<DateTime<FixedOffset>>,
    /// End of validity.
    pub valid_through: Option<DateTime<FixedOffset>>,
    /// Whether this is an event (`schema:Event`) rather than a promotional offer.
    pub is_event: bool,
    /// Products the promotion is restricted to (IRIs), empty for shop-wide.
    pub items: Vec<String>,
}

/// Where a promotion stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PromotionStatus {
    /// Not started yet.
    Upcoming,
    /// Running.
    Active,
    /// Over.
    Ended,
}

impl Promotion {
    /// The status of the promotion at `at`.
    pub fn status(&self, at: DateTime<FixedOffset>) -> PromotionStatus {
        if let Some(from) = self.valid_from
            && at < from
        {
            return PromotionStatus::Upcoming;
        }
        if let Some(until) = self.valid_through
            && at > until
        {
            return PromotionStatus::Ended;
        }
        PromotionStatus::Active
    }
}

/// A FAQ entry.
#[derive(Debug, Clone, Serialize)]
pub struct Faq {
    /// IRI of the `schema:Question`.
    pub iri: String,
    /// The question.
    pub question: String,
    /// The accepted answer.
    pub answer: String,
}

/// The shop itself.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Organization {
    /// IRI.
    pub iri: String,
    /// Shop name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Hotline.
    pub telephone: Option<String>,
    /// Contact-point descriptions.
    pub contact: Vec<String>,
    /// Online-service hours (opens, closes), `HH:MM`.
    pub hours: Vec<(String, String)>,
}

/// A general-layer rule (national return rule, 三包, invoice basics…).
#[derive(Debug, Clone, Serialize)]
pub struct GeneralRule {
    /// IRI.
    pub iri: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
}

/// Everything zhiku knows about one merchant, as typed records read from its view.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MerchantFacts {
    /// Merchant id.
    pub merchant_id: String,
    /// The shop.
    pub org: Organization,
    /// Products with offers.
    pub products: Vec<Product>,
    /// Return policies.
    pub policies: Vec<ReturnPolicy>,
    /// Shipping details and rate settings.
    pub shipping: Vec<Shipping>,
    /// Promotions and events.
    pub promotions: Vec<Promotion>,
    /// FAQ entries.
    pub faqs: Vec<Faq>,
    /// General-layer rules visible to this merchant.
    pub general: Vec<GeneralRule>,
}

impl MerchantFacts {
    /// The product with this IRI.
    pub fn product(&self, iri: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.iri == iri)
    }

    /// The return policy with this IRI.
    pub fn policy(&self, iri: &str) -> Option<&ReturnPolicy> {
        self.policies.iter().find(|p| p.iri == iri)
    }
}

const PREFIX: &str =
    "PREFIX schema: <https://schema.org/>\nPREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n";

impl MerchantView {
    pub(super) fn new(store: GraphStore, merchant_id: &MerchantId, schema_version: u32) -> Result<Self, StoreError> {
        let graphs = vec![
            general_graph(),
            schema_graph(schema_version),
            store.live_graph(merchant_id)?,
        ];
        Ok(MerchantView {
            store,
            merchant_id: merchant_id.clone(),
            graphs,
        })
    }

    /// The merchant id of this view.
    pub fn merchant_id(&self) -> &MerchantId {
        &self.merchant_id
    }

    /// Runs a SELECT query over this view's dataset only.
    /// Sealed values come back opened and masked (`store/sealing.rs`).
    pub fn select(&self, query: &str) -> Result<Vec<QuerySolution>, StoreError> {
        self.store
            .select_in(&self.graphs, &format!("{PREFIX}{query}"))?
            .into_iter()
            .map(|s| self.store.shown_solution(s))
            .collect()
    }

    /// Runs a SELECT query over the merchant's own graph only (no general or schema facts).
    fn select_own(&self, body: &str, vars: &str) -> Result<Vec<QuerySolution>, StoreError> {
        let g = &self.graphs[2];
        self.select(&format!(
            "SELECT {vars} WHERE {{ GRAPH <{}> {{ {body} }} }}",
            g.as_str()
        ))
    }

    /// Reads every fact the pipeline needs into typed records.
    pub fn facts(&self) -> Result<MerchantFacts, StoreError> {
        Ok(MerchantFacts {
            merchant_id: self.merchant_id.to_string(),
            org: self.organization()?,
            products: self.products()?,
            policies: self.policies()?,
            shipping: self.shipping()?,
            promotions: self.promotions()?,
            faqs: self.faqs()?,
            general: self.general_rules()?,
        })
    }

    fn organization(&self) -> Result<Organization, StoreError> {
        let rows = self.select_own(
            "?o a schema:Organization ; schema:name ?name .
             OPTIONAL { ?o schema:description ?desc }
             OPTIONAL { ?o schema:telephone ?tel }",
            "?o ?name ?desc ?tel",
        )?;
        let Some(r) = rows.first() else {
            return Ok(Organization::default());
        };
        let iri = s(r, "o").unwrap_or_default();
        let mut org = Organization {
            iri: iri.clone(),
            name: s(r, "name").unwrap_or_default(),
            description: s(r, "desc"),
            telephone: s(r, "tel"),
            ..Default::default()
        };
        for r in self.select_own(
            &format!(
                "<{iri}> schema:contactPoint ?c . OPTIONAL {{ ?c schema:description ?d }}
              OPTIONAL {{ ?c schema:hoursAvailable ?h . ?h schema:opens ?opens ; schema:closes ?closes }}"
            ),
            "?d ?opens ?closes",
        )? {
            if let Some(d) = s(&r, "d")
                && !org.contact.contains(&d)
            {
                org.contact.push(d);
            }
            if let (Some(o), Some(c)) = (s(&r, "opens"), s(&r, "closes")) {
                org.hours.push((hhmm(&o), hhmm(&c)));
            }
        }
        Ok(org)
    }

    fn products(&self) -> Result<Vec<Product>, StoreError> {
        let mut products: BTreeMap<String, Product> = BTreeMap::new();
        for r in self.select_own(
            "?p a schema:Product ; schema:name ?name .
             OPTIONAL { ?p schema:sku ?sku }
             OPTIONAL { ?p schema:brand ?b . OPTIONAL { ?b schema:name ?bn } }
             OPTIONAL { ?p schema:category ?cat }
             OPTIONAL { ?p schema:description ?desc }",
            "?p ?name ?sku ?b ?bn ?cat ?desc",
        )? {
            let iri = s(&r, "p").unwrap_or_default();
            products.entry(iri.clone()).or_insert_with(|| Product {
                iri,
                name: s(&r, "name").unwrap_or_default(),
                sku: s(&r, "sku"),
                brand: s(&r, "bn").or_else(|| s(&r, "b").filter(|b| !b.starts_with("http"))),
                category: s(&r, "cat"),
                description: s(&r, "desc"),
                properties: Vec::new(),
                offer: None,
            });
        }
        for r in self.select_own(
            "?p a schema:Product ; schema:additionalProperty ?pv . ?pv schema:name ?n ; schema:value ?v",
            "?p ?n ?v",
        )? {
            if let (Some(p), Some(n), Some(v)) = (s(&r, "p"), s(&r, "n"), s(&r, "v"))
                && let Some(prod) = products.get_mut(&p)
            {
                prod.properties.push((n, v));
            }
        }
        for r in self.select_own(
            "?p a schema:Product .
             { ?p schema:offers ?o } UNION { ?o schema:itemOffered ?p . ?o schema:price ?anyprice }
             ?o a schema:Offer .
             OPTIONAL { ?o schema:price ?price }
             OPTIONAL { ?o schema:priceCurrency ?cur }
             OPTIONAL { ?o schema:availability ?av }
             OPTIONAL { ?o schema:inventoryLevel ?inv . ?inv schema:value ?invv . OPTIONAL { ?inv schema:unitText ?invu } }
             OPTIONAL { ?o schema:availabilityStarts ?starts }
             OPTIONAL { ?o schema:description ?odesc }
             OPTIONAL { ?o schema:hasMerchantReturnPolicy ?rp }",
            "?p ?o ?price ?cur ?av ?invv ?invu ?starts ?odesc ?rp",
        )? {
            let Some(p) = s(&r, "p") else { continue };
            let Some(prod) = products.get_mut(&p) else { continue };
            if prod.offer.is_some() {
                continue;
            }
            prod.offer = Some(OfferFacts {
                iri: s(&r, "o").unwrap_or_default(),
                price: s(&r, "price").and_then(|v| v.parse().ok()),
                currency: s(&r, "cur"),
                availability: s(&r, "av").map(|a| Availability::from_iri(&a)).unwrap_or(Availability::Unknown),
                inventory: s(&r, "invv").and_then(|v| v.parse::<f64>().ok()).map(|v| v as i64),
                inventory_unit: s(&r, "invu"),
                availability_starts: s(&r, "starts").and_then(|d| NaiveDate::parse_from_str(&d[..d.len().min(10)], "%Y-%m-%d").ok()),
                description: s(&r, "odesc"),
                return_policy: s(&r, "rp"),
            });
        }
        let mut v: Vec<Product> = products.into_values().collect();
        for p in &mut v {
            p.properties.sort();
            p.properties.dedup();
        }
        Ok(v)
    }

    fn policies(&self) -> Result<Vec<ReturnPolicy>, StoreError> {
        let mut out = Vec::new();
        for r in self.select_own(
            "?p a schema:MerchantReturnPolicy .
             OPTIONAL { ?p schema:name ?name }
             OPTIONAL { ?p schema:merchantReturnDays ?days }
             OPTIONAL { ?p schema:returnPolicyCategory ?cat }
             OPTIONAL { ?p schema:returnFees ?fees }
             OPTIONAL { ?p schema:description ?desc }",
            "?p ?name ?days ?cat ?fees ?desc",
        )? {
            let iri = s(&r, "p").unwrap_or_default();
            if out.iter().any(|p: &ReturnPolicy| p.iri == iri) {
                continue;
            }
            out.push(ReturnPolicy {
                iri,
                name: s(&r, "name").unwrap_or_default(),
                days: s(&r, "days").and_then(|d| d.parse().ok()),
                category: s(&r, "cat").map(|c| local_name(&c).to_string()),
                fees: s(&r, "fees").map(|c| local_name(&c).to_string()),
                description: s(&r, "desc"),
            });
        }
        Ok(out)
    }

    fn shipping(&self) -> Result<Vec<Shipping>, StoreError> {
        let mut out: Vec<Shipping> = Vec::new();
        for r in self.select_own(
            "{ ?s a schema:OfferShippingDetails } UNION { ?s a schema:ShippingRateSettings }
             OPTIONAL { ?s schema:name ?name }
             OPTIONAL { ?s schema:description ?desc }
             OPTIONAL { ?s schema:shippingRate ?r . ?r schema:value ?rate }
             OPTIONAL { ?s schema:freeShippingThreshold ?t . ?t schema:value ?thr }
             OPTIONAL { ?s schema:deliveryTime ?dt . ?dt schema:transitTime ?tt . ?tt schema:minValue ?tmin ; schema:maxValue ?tmax }
             OPTIONAL { ?s schema:deliveryTime ?dt2 . ?dt2 schema:handlingTime ?ht . ?ht schema:minValue ?hmin ; schema:maxValue ?hmax }",
            "?s ?name ?desc ?rate ?thr ?tmin ?tmax ?hmin ?hmax",
        )? {
            let iri = s(&r, "s").unwrap_or_default();
            if out.iter().any(|x| x.iri == iri) {
                continue;
            }
            let num = |v: &str| s(&r, v).and_then(|x| x.parse::<f64>().ok());
            let pair = |a: &str, b: &str| match (num(a), num(b)) {
                (Some(x), Some(y)) => Some((x as i64, y as i64)),
                _ => None,
            };
            out.push(Shipping {
                name: s(&r, "name").unwrap_or_default(),
                description: s(&r, "desc"),
                rate: num("rate"),
                free_threshold: num("thr"),
                transit_days: pair("tmin", "tmax"),
                handling_days: pair("hmin", "hmax"),
                regions: Vec::new(),
                iri,
            });
        }
        for r in self.select_own(
            "?s schema:shippingDestination ?d . ?d schema:addressRegion ?reg",
            "?s ?reg",
        )? {
            if let (Some(iri), Some(reg)) = (s(&r, "s"), s(&r, "reg"))
                && let Some(x) = out.iter_mut().find(|x| x.iri == iri)
            {
                x.regions.push(reg);
            }
        }
        Ok(out)
    }

    fn promotions(&self) -> Result<Vec<Promotion>, StoreError> {
        let mut out: Vec<Promotion> = Vec::new();
        for r in self.select_own(
            "{ ?p a schema:Event . OPTIONAL { ?p schema:startDate ?from } OPTIONAL { ?p schema:endDate ?until } BIND(true AS ?event) }
             UNION
             { ?p a schema:Offer . FILTER NOT EXISTS { ?p schema:price ?anyprice }
               OPTIONAL { ?p schema:validFrom ?from } OPTIONAL { ?p schema:validThrough ?until } BIND(false AS ?event) }
             OPTIONAL { ?p schema:name ?name }
             OPTIONAL { ?p schema:description ?desc }",
            "?p ?name ?desc ?from ?until ?event",
        )? {
            let iri = s(&r, "p").unwrap_or_default();
            if out.iter().any(|x| x.iri == iri) {
                continue;
            }
            out.push(Promotion {
                iri,
                name: s(&r, "name").unwrap_or_default(),
                description: s(&r, "desc"),
                valid_from: s(&r, "from").and_then(|d| parse_datetime(&d)),
                valid_through: s(&r, "until").and_then(|d| parse_datetime(&d)),
                is_event: s(&r, "event").as_deref() == Some("true"),
                items: Vec::new(),
            });
        }
        for r in self.select_own(
            "?p a schema:Offer ; schema:itemOffered ?i . FILTER NOT EXISTS { ?p schema:price ?x }",
            "?p ?i",
        )? {
            if let (Some(p), Some(i)) = (s(&r, "p"), s(&r, "i"))
                && let Some(x) = out.iter_mut().find(|x| x.iri == p)
            {
                x.items.push(i);
            }
        }
        Ok(out)
    }

    fn faqs(&self) -> Result<Vec<Faq>, StoreError> {
        let mut out: Vec<Faq> = Vec::new();
        for r in self.select_own(
            "?q a schema:Question ; schema:name ?name ; schema:acceptedAnswer ?a . ?a schema:text ?text",
            "?q ?name ?text",
        )? {
            let iri = s(&r, "q").unwrap_or_default();
            if out.iter().any(|x| x.iri == iri) {
                continue;
            }
            out.push(Faq {
                iri,
                question: s(&r, "name").unwrap_or_default(),
                answer: s(&r, "text").unwrap_or_default(),
            });
        }
        Ok(out)
    }

    fn general_rules(&self) -> Result<Vec<GeneralRule>, StoreError> {
        general_rules(&self.store)
    }
}

/// The general layer's named rules (anything with a name and a description).
pub fn general_rules(store: &GraphStore) -> Result<Vec<GeneralRule>, StoreError> {
    let rows = store.select_in(
        &[general_graph()],
        &format!(
            "{PREFIX}SELECT ?s ?name ?desc WHERE {{ ?s schema:name ?name ; schema:description ?desc }} ORDER BY ?s"
        ),
    )?;
    let mut out: Vec<GeneralRule> = Vec::new();
    for r in rows {
        let iri = s(&r, "s").unwrap_or_default();
        if out.iter().any(|x| x.iri == iri) {
            continue;
        }
        out.push(GeneralRule {
            iri,
            name: s(&r, "name").unwrap_or_default(),
            description: s(&r, "desc").unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The string value of a solution variable: an IRI's text or a literal's lexical form.
fn s(r: &QuerySolution, var: &str) -> Option<String> {
    match r.get(var)? {
        Term::NamedNode(n) => Some(n.as_str().to_string()),
        Term::Literal(l) => Some(l.value().to_string()),
        Term::BlankNode(_) => None,
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The local name of an IRI (after the last `/` or `#`).
pub fn local_name(iri: &str) -> &str {
    iri.rsplit(['/', '#']).next().unwrap_or(iri)
}

fn hhmm(t: &str) -> String {
    t.get(..5).unwrap_or(t).to_string()
}

fn parse_datetime(v: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(v).ok().or_else(|| {
        NaiveDate::parse_from_str(v.get(..10)?, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|d| d.and_local_timezone(FixedOffset::east_opt(8 * 3600)?).single())
    })
}
