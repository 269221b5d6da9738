//! The industry schema as the pipeline uses it: intents (SKOS concepts with examples and
//! cues), attribute concepts with synonyms, couriers, and the validator's vocabularies
//! (`zk:Vocabulary` schemes in `ontology/vocabulary.ttl`).

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
    /// `skos:notation`: the key code refers to (empty when the concept has none).
    pub notation: String,
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
    /// Word lists by scheme notation (`zk:Vocabulary`).
    pub vocabulary: Vocabulary,
}

/// One concept of a vocabulary: its key and its written forms.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VocabTerm {
    /// `skos:notation`: the key code refers to.
    pub notation: String,
    /// Written forms, `skos:prefLabel` first, then each `skos:altLabel` (sorted).
    pub labels: Vec<String>,
    /// Notations of the `skos:broader` concepts in the same scheme.
    pub broader: Vec<String>,
}

/// The `zk:Vocabulary` schemes by notation, their terms sorted by notation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Vocabulary {
    /// Scheme notation → terms.
    pub schemes: BTreeMap<String, Vec<VocabTerm>>,
}

impl Vocabulary {
    /// The terms of a scheme (empty when the ontology has no such scheme).
    pub fn terms(&self, scheme: &str) -> &[VocabTerm] {
        self.schemes.get(scheme).map_or(&[], Vec::as_slice)
    }

    /// The term with this notation in a scheme.
    pub fn term(&self, scheme: &str, notation: &str) -> Option<&VocabTerm> {
        self.terms(scheme).iter().find(|t| t.notation == notation)
    }

    /// Every (written form, notation) of a scheme.
    pub fn forms<'a>(&'a self, scheme: &str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.terms(scheme)
            .iter()
            .flat_map(|t| t.labels.iter().map(move |l| (l.as_str(), t.notation.as_str())))
    }

    /// Reads every `zk:Vocabulary` scheme of a schema graph.
    fn load(store: &GraphStore, graphs: &[oxigraph::model::NamedNode]) -> Result<Self, StoreError> {
        let mut schemes: BTreeMap<String, BTreeMap<String, VocabTerm>> = BTreeMap::new();
        let rows = store.select_in(
            graphs,
            &format!(
                "{PREFIX}SELECT ?s ?n ?pref ?alt ?b WHERE {{ ?v a zk:Vocabulary ; skos:notation ?s .
                 ?c skos:inScheme ?v ; skos:notation ?n .
                 OPTIONAL {{ ?c skos:prefLabel ?pref }} OPTIONAL {{ ?c skos:altLabel ?alt }}
                 OPTIONAL {{ ?c skos:broader ?bc . ?bc skos:inScheme ?v ; skos:notation ?b }} }}
                 ORDER BY ?s ?n ?alt ?b"
            ),
        )?;
        for r in rows {
            let (Some(scheme), Some(n)) = (lit(r.get("s")), lit(r.get("n"))) else {
                continue;
            };
            let t = schemes
                .entry(scheme)
                .or_default()
                .entry(n.clone())
                .or_insert_with(|| VocabTerm {
                    notation: n,
                    labels: Vec::new(),
                    broader: Vec::new(),
                });
            if let Some(p) = lit(r.get("pref")).filter(|p| !t.labels.contains(p)) {
                t.labels.insert(0, p);
            }
            if let Some(a) = lit(r.get("alt")).filter(|a| !t.labels.contains(a)) {
                t.labels.push(a);
            }
            if let Some(b) = lit(r.get("b")).filter(|b| !t.broader.contains(b)) {
                t.broader.push(b);
            }
        }
        Ok(Vocabulary {
            schemes: schemes
                .into_iter()
                .map(|(s, terms)| (s, terms.into_values().collect()))
                .collect(),
        })
    }
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
            vocabulary: Vocabulary::load(store, &graphs)?,
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
            "{PREFIX}SELECT ?c ?n ?pref ?alt WHERE {{ ?c a {class} . OPTIONAL {{ ?c skos:notation ?n }}
             OPTIONAL {{ ?c skos:prefLabel ?pref }}
             OPTIONAL {{ ?c skos:altLabel ?alt }} }} ORDER BY ?c ?alt"
        ),
    )? {
        let Some(iri) = lit(r.get("c")) else { continue };
        let c = map.entry(iri.clone()).or_insert_with(|| Concept {
            iri,
            notation: lit(r.get("n")).unwrap_or_default(),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The project's `ontology/vocabulary.ttl` loads into schemes with keys, forms and broader links.
    #[test]
    fn the_vocabulary_file_loads_by_notation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = GraphStore::open(dir.path()).expect("store");
        let graph = schema_graph(0);
        let ttl = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/ontology/vocabulary.ttl")).expect("file");
        store
            .replace_graph_turtle(graph.as_ref(), "vocabulary.ttl", &ttl)
            .expect("parse");
        let o = Ontology::load_from(&store, graph).expect("load");
        let v = &o.vocabulary;
        let out = v.term("stock", "out_of_stock").expect("out_of_stock");
        assert_eq!(out.labels[0], "缺货");
        assert!(out.labels.contains(&"售罄".to_string()));
        let taiwan = v.term("region", "taiwan").expect("taiwan");
        assert_eq!(taiwan.broader, vec!["hk_macau_taiwan".to_string()]);
        assert!(v.forms("material").any(|(f, n)| f == "山羊绒" && n == "cashmere"));
        assert!(v.terms("no-such-scheme").is_empty());
    }
}
