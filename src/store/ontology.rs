//! The industry schema as the pipeline uses it: intents (SKOS concepts with examples and
//! cues), attribute concepts with synonyms, and couriers.

use super::StoreError;
use super::graph::{GraphStore, schema_graph};
use oxigraph::model::Term;
use serde::Serialize;
use std::collections::BTreeMap;

/// When an intent hands the conversation to a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffRule {
    /// Always (the shopper asks for a human, complains, or asks about an order's state).
    Always,
    /// When the question is about one specific order, parcel or refund.
    WhenOrderSpecific,
    /// Never by itself (only when the knowledge holds no answer).
    Never,
}

/// An intent of the ontology.
#[derive(Debug, Clone, Serialize)]
pub struct Intent {
    /// `skos:notation`, e.g. `price_inquiry`.
    pub id: String,
    /// Chinese label.
    pub label: String,
    /// Whether answering needs merchant facts.
    pub needs_merchant_facts: bool,
    /// Handoff rule.
    pub handoff: HandoffRule,
    /// Labelled example questions.
    pub examples: Vec<String>,
    /// Short cue phrases.
    pub cues: Vec<String>,
}

/// A concept with a preferred label and alternative labels (attributes, couriers).
#[derive(Debug, Clone, Serialize)]
pub struct Concept {
    /// Concept IRI.
    pub iri: String,
    /// Preferred label.
    pub label: String,
    /// All labels, preferred first.
    pub labels: Vec<String>,
}

/// The ontology, read from the published schema graph.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Ontology {
    /// Intents, sorted by id.
    pub intents: Vec<Intent>,
    /// Product attribute concepts.
    pub attributes: Vec<Concept>,
    /// Courier companies.
    pub couriers: Vec<Concept>,
}

const PREFIX: &str = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nPREFIX zk: <https://zhiku.dev/ns#>\n";

fn lit(t: Option<&Term>) -> Option<String> {
    match t? {
        Term::Literal(l) => Some(l.value().to_string()),
        Term::NamedNode(n) => Some(n.as_str().to_string()),
        _ => None,
    }
}

impl Ontology {
    /// Reads the ontology from the published schema graph.
    pub fn load(store: &GraphStore) -> Result<Self, StoreError> {
        Self::load_from(store, schema_graph(store.published_version()))
    }

    /// Reads the ontology from one schema graph (a version or the draft).
    pub fn load_from(store: &GraphStore, graph: oxigraph::model::NamedNode) -> Result<Self, StoreError> {
        let graphs = [graph];
        let mut intents: BTreeMap<String, Intent> = BTreeMap::new();
        for r in store.select_in(
            &graphs,
            &format!(
                "{PREFIX}SELECT ?i ?id ?label ?needs ?handoff WHERE {{ ?i a zk:Intent ; skos:notation ?id .
                 OPTIONAL {{ ?i skos:prefLabel ?label }} OPTIONAL {{ ?i zk:needsMerchantFacts ?needs }}
                 OPTIONAL {{ ?i zk:handoff ?handoff }} }}"
            ),
        )? {
            let Some(id) = lit(r.get("id")) else { continue };
            let handoff = match lit(r.get("handoff")).as_deref().map(super::merchant::local_name) {
                Some("HandoffAlways") => HandoffRule::Always,
                Some("HandoffWhenOrderSpecific") => HandoffRule::WhenOrderSpecific,
                _ => HandoffRule::Never,
            };
            intents.entry(id.clone()).or_insert(Intent {
                id,
                label: lit(r.get("label")).unwrap_or_default(),
                needs_merchant_facts: lit(r.get("needs")).as_deref() == Some("true"),
                handoff,
                examples: Vec::new(),
                cues: Vec::new(),
            });
        }
        for (prop, is_example) in [("skos:example", true), ("zk:cue", false)] {
            for r in store.select_in(
                &graphs,
                &format!(
                    "{PREFIX}SELECT ?id ?t WHERE {{ ?i a zk:Intent ; skos:notation ?id ; {prop} ?t }} ORDER BY ?id ?t"
                ),
            )? {
                if let (Some(id), Some(t)) = (lit(r.get("id")), lit(r.get("t")))
                    && let Some(i) = intents.get_mut(&id)
                {
                    if is_example { i.examples.push(t) } else { i.cues.push(t) }
                }
            }
        }
        Ok(Ontology {
            intents: intents.into_values().collect(),
            attributes: concepts(store, &graphs, "zk:AttributeConcept")?,
            couriers: concepts(store, &graphs, "zk:Courier")?,
        })
    }

    /// The intent with this id.
    pub fn intent(&self, id: &str) -> Option<&Intent> {
        self.intents.iter().find(|i| i.id == id)
    }
}

fn concepts(
    store: &GraphStore,
    graphs: &[oxigraph::model::NamedNode],
    class: &str,
) -> Result<Vec<Concept>, StoreError> {
    let mut map: BTreeMap<String, Concept> = BTreeMap::new();
    for r in store.select_in(
        graphs,
        &format!(
            "{PREFIX}SELECT ?c ?pref ?alt WHERE {{ ?c a {class} . OPTIONAL {{ ?c skos:prefLabel ?pref }}
             OPTIONAL {{ ?c skos:altLabel ?alt }} }} ORDER BY ?c ?alt"
        ),
    )? {
        let Some(iri) = lit(r.get("c")) else { continue };
        let c = map.entry(iri.clone()).or_insert_with(|| Concept {
            iri,
            label: String::new(),
            labels: Vec::new(),
        });
        if let Some(p) = lit(r.get("pref"))
            && c.label.is_empty()
        {
            c.label = p.clone();
            c.labels.insert(0, p);
        }
        if let Some(a) = lit(r.get("alt"))
            && !c.labels.contains(&a)
        {
            c.labels.push(a);
        }
    }
    Ok(map.into_values().collect())
}
