//! Ontology curation over one schema graph (the draft or a published version): the terms an
//! editor browses, the checks a draft must pass before it is published, and the difference
//! between two versions.

use crate::shacl::Shapes;
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{Graph, NamedNodeRef, NamedOrBlankNodeRef, TermRef, TripleRef};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

const OWL: &str = "http://www.w3.org/2002/07/owl#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const SH: &str = "http://www.w3.org/ns/shacl#";
const ZK: &str = "https://zhiku.dev/ns#";

/// Vocabularies whose terms a draft may use without declaring them (W3C and Dublin Core
/// standards; everything else, schema.org and zk: included, must be declared in the draft).
/// schema.org's own `schema:domainIncludes`/`rangeIncludes` are soft hints that name pending
/// and retired types, so only `rdf:type`, `rdfs:subClassOf`, `rdfs:domain`, `sh:targetClass`
/// and `sh:class` count as uses of a class.
const STANDARD: [&str; 8] = [
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    OWL,
    "http://www.w3.org/2001/XMLSchema#",
    SKOS,
    SH,
    "http://purl.org/dc/terms/",
    "http://purl.org/dc/elements/1.1/",
];

fn iri(local_ns: &str, local: &str) -> String {
    format!("{local_ns}{local}")
}

fn named<'a>(t: TermRef<'a>) -> Option<NamedNodeRef<'a>> {
    match t {
        TermRef::NamedNode(n) => Some(n),
        _ => None,
    }
}

fn subject_iri<'a>(s: NamedOrBlankNodeRef<'a>) -> Option<NamedNodeRef<'a>> {
    match s {
        NamedOrBlankNodeRef::NamedNode(n) => Some(n),
        _ => None,
    }
}

/// Subjects typed with any of `classes`.
fn typed(g: &Graph, classes: &[String]) -> BTreeSet<String> {
    g.triples_for_predicate(rdf::TYPE)
        .filter(|t| named(t.object).is_some_and(|o| classes.iter().any(|c| c == o.as_str())))
        .filter_map(|t| subject_iri(t.subject).map(|s| s.as_str().to_string()))
        .collect()
}

/// Declared classes: typed `rdfs:Class`/`owl:Class` or subject of `rdfs:subClassOf`.
pub fn classes(g: &Graph) -> BTreeSet<String> {
    let mut out = typed(g, &[rdfs::CLASS.as_str().to_string(), iri(OWL, "Class")]);
    out.extend(
        g.triples_for_predicate(rdfs::SUB_CLASS_OF)
            .filter_map(|t| subject_iri(t.subject).map(|s| s.as_str().to_string())),
    );
    out
}

/// Declared properties: typed `rdf:Property` or an OWL property class, or subject of
/// `rdfs:subPropertyOf`.
pub fn properties(g: &Graph) -> BTreeSet<String> {
    let kinds: Vec<String> = std::iter::once(rdf::PROPERTY.as_str().to_string())
        .chain(
            [
                "ObjectProperty",
                "DatatypeProperty",
                "AnnotationProperty",
                "FunctionalProperty",
            ]
            .iter()
            .map(|k| iri(OWL, k)),
        )
        .collect();
    let mut out = typed(g, &kinds);
    out.extend(
        g.triples_for_predicate(rdfs::SUB_PROPERTY_OF)
            .filter_map(|t| subject_iri(t.subject).map(|s| s.as_str().to_string())),
    );
    out
}

/// Named SHACL shapes: IRIs typed `sh:NodeShape`/`sh:PropertyShape` or carrying a target.
pub fn shapes(g: &Graph) -> BTreeSet<String> {
    let mut out = typed(g, &[iri(SH, "NodeShape"), iri(SH, "PropertyShape")]);
    for p in ["targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"] {
        let p = oxigraph::model::NamedNode::new_unchecked(iri(SH, p));
        out.extend(
            g.triples_for_predicate(p.as_ref())
                .filter_map(|t| subject_iri(t.subject).map(|s| s.as_str().to_string())),
        );
    }
    out
}

/// Intents (`zk:Intent` concepts) by IRI.
pub fn intents(g: &Graph) -> BTreeSet<String> {
    typed(g, &[iri(ZK, "Intent")])
}

fn values(g: &Graph, s: &str, p: &str) -> Vec<String> {
    let s = oxigraph::model::NamedNode::new_unchecked(s);
    let p = oxigraph::model::NamedNode::new_unchecked(p);
    g.objects_for_subject_predicate(s.as_ref(), p.as_ref())
        .map(|o| match o {
            TermRef::Literal(l) => l.value().to_string(),
            TermRef::NamedNode(n) => n.as_str().to_string(),
            other => other.to_string(),
        })
        .collect()
}

/// The label of a term: its Chinese `rdfs:label`/`skos:prefLabel`, else any.
fn label(g: &Graph, s: &str) -> String {
    let node = oxigraph::model::NamedNode::new_unchecked(s);
    let mut best: Option<String> = None;
    for p in [rdfs::LABEL.as_str().to_string(), iri(SKOS, "prefLabel")] {
        let p = oxigraph::model::NamedNode::new_unchecked(p);
        for o in g.objects_for_subject_predicate(node.as_ref(), p.as_ref()) {
            if let TermRef::Literal(l) = o {
                if l.language().is_some_and(|lang| lang.starts_with("zh")) {
                    return l.value().to_string();
                }
                best.get_or_insert_with(|| l.value().to_string());
            }
        }
    }
    best.unwrap_or_default()
}

/// A term with its label.
#[derive(Debug, Clone, Serialize)]
pub struct TermInfo {
    /// IRI.
    pub iri: String,
    /// Label (Chinese preferred).
    pub label: String,
}

/// An intent as an editor sees it.
#[derive(Debug, Clone, Serialize)]
pub struct IntentInfo {
    /// IRI.
    pub iri: String,
    /// `skos:notation`.
    pub id: String,
    /// Label.
    pub label: String,
    /// Number of `skos:example`s.
    pub examples: usize,
}

/// A synonym concept (attribute or courier) with its alternative labels.
#[derive(Debug, Clone, Serialize)]
pub struct SynonymInfo {
    /// IRI.
    pub iri: String,
    /// Preferred label.
    pub label: String,
    /// `skos:altLabel`s.
    pub alt: Vec<String>,
}

/// The terms of a schema graph.
#[derive(Debug, Clone, Serialize)]
pub struct Terms {
    /// Declared classes.
    pub classes: Vec<TermInfo>,
    /// Declared properties.
    pub properties: Vec<TermInfo>,
    /// Intents.
    pub intents: Vec<IntentInfo>,
    /// Attribute and courier synonym concepts.
    pub synonyms: Vec<SynonymInfo>,
}

/// Lists a schema graph's classes, properties, intents and synonyms.
pub fn terms(g: &Graph) -> Terms {
    let info = |set: BTreeSet<String>| {
        set.into_iter()
            .map(|iri| TermInfo {
                label: label(g, &iri),
                iri,
            })
            .collect()
    };
    let mut intent_list: Vec<IntentInfo> = intents(g)
        .into_iter()
        .map(|i| IntentInfo {
            id: values(g, &i, &iri(SKOS, "notation")).pop().unwrap_or_default(),
            label: label(g, &i),
            examples: values(g, &i, &iri(SKOS, "example")).len(),
            iri: i,
        })
        .collect();
    intent_list.sort_by(|a, b| a.id.cmp(&b.id));
    let synonyms = typed(g, &[iri(ZK, "AttributeConcept"), iri(ZK, "Courier")])
        .into_iter()
        .map(|c| SynonymInfo {
            label: label(g, &c),
            alt: values(g, &c, &iri(SKOS, "altLabel")),
            iri: c,
        })
        .collect();
    Terms {
        classes: info(classes(g)),
        properties: info(properties(g)),
        intents: intent_list,
        synonyms,
    }
}

/// One thing wrong with a draft.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// `shape` (ill-formed SHACL), `undeclared` (a class or property used but not
    /// declared) or `intent` (an intent without notation or examples).
    pub kind: &'static str,
    /// The term at fault.
    pub subject: String,
    /// What is wrong.
    pub message: String,
}

/// Checks a draft: SHACL shapes well-formed, every class and property it uses declared
/// (outside the W3C/Dublin Core vocabularies), every intent with a notation and examples.
pub fn check(g: &Graph) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Err(e) = Shapes::from_graph(g) {
        problems.push(Problem {
            kind: "shape",
            subject: String::new(),
            message: e.to_string(),
        });
    }
    let declared_classes = classes(g);
    let declared_properties = properties(g);
    let standard = |s: &str| STANDARD.iter().any(|ns| s.starts_with(ns));
    let mut used_classes: BTreeMap<String, String> = BTreeMap::new();
    let mut used_properties: BTreeMap<String, String> = BTreeMap::new();
    let class_positions = [
        rdf::TYPE.as_str().to_string(),
        rdfs::SUB_CLASS_OF.as_str().to_string(),
        iri(SH, "targetClass"),
        iri(SH, "class"),
        rdfs::DOMAIN.as_str().to_string(),
    ];
    for t in g.iter() {
        let by = subject_label(t);
        if !standard(t.predicate.as_str()) {
            used_properties
                .entry(t.predicate.as_str().to_string())
                .or_insert_with(|| by.clone());
        }
        if let Some(o) = named(t.object) {
            if class_positions.iter().any(|p| p == t.predicate.as_str()) && !standard(o.as_str()) {
                used_classes.entry(o.as_str().to_string()).or_insert_with(|| by.clone());
            }
            if (t.predicate.as_str() == iri(SH, "path") || t.predicate == rdfs::SUB_PROPERTY_OF)
                && !standard(o.as_str())
            {
                used_properties.entry(o.as_str().to_string()).or_insert(by);
            }
        }
    }
    for (c, by) in used_classes {
        if !declared_classes.contains(&c) {
            problems.push(Problem {
                kind: "undeclared",
                message: format!("class <{c}> is used (by {by}) but not declared as rdfs:Class or owl:Class"),
                subject: c,
            });
        }
    }
    for (p, by) in used_properties {
        if !declared_properties.contains(&p) {
            problems.push(Problem {
                kind: "undeclared",
                message: format!("property <{p}> is used (by {by}) but not declared as rdf:Property"),
                subject: p,
            });
        }
    }
    for i in intents(g) {
        if values(g, &i, &iri(SKOS, "notation")).is_empty() {
            problems.push(Problem {
                kind: "intent",
                subject: i.clone(),
                message: format!("intent <{i}> has no skos:notation (its id)"),
            });
        }
        if values(g, &i, &iri(SKOS, "example")).is_empty() {
            problems.push(Problem {
                kind: "intent",
                subject: i.clone(),
                message: format!("intent <{i}> has no skos:example; the classifier needs examples"),
            });
        }
    }
    problems
}

fn subject_label(t: TripleRef<'_>) -> String {
    match t.subject {
        NamedOrBlankNodeRef::NamedNode(n) => format!("<{}>", n.as_str()),
        NamedOrBlankNodeRef::BlankNode(_) => "a blank node".to_string(),
    }
}

/// Terms added or removed, by kind.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TermSets {
    /// Classes.
    pub classes: Vec<String>,
    /// Properties.
    pub properties: Vec<String>,
    /// Named shapes.
    pub shapes: Vec<String>,
    /// Intents.
    pub intents: Vec<String>,
}

/// The difference between two schema graphs.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// What `to` has and `from` lacks.
    pub added: TermSets,
    /// What `from` has and `to` lacks.
    pub removed: TermSets,
    /// Intents in both whose statements (examples, cues, labels…) differ.
    pub changed_intents: Vec<String>,
    /// Triples added and removed (blank nodes not compared).
    pub triples_added: usize,
    /// Triples removed.
    pub triples_removed: usize,
    /// A readable diff: `+ class <iri>`, `- intent <iri>`, `~ intent <iri>`.
    pub text: String,
}

/// Compares two schema graphs.
pub fn diff(from: &Graph, to: &Graph) -> Diff {
    type Kind = fn(&Graph) -> BTreeSet<String>;
    let kinds: [(&str, Kind); 4] = [
        ("class", classes),
        ("property", properties),
        ("shape", shapes),
        ("intent", intents),
    ];
    let mut added = TermSets::default();
    let mut removed = TermSets::default();
    let mut text = String::new();
    for (name, f) in kinds {
        let (a, b) = (f(from), f(to));
        let plus: Vec<String> = b.difference(&a).cloned().collect();
        let minus: Vec<String> = a.difference(&b).cloned().collect();
        for p in &plus {
            text.push_str(&format!("+ {name} <{p}>\n"));
        }
        for m in &minus {
            text.push_str(&format!("- {name} <{m}>\n"));
        }
        let (add_slot, rm_slot) = match name {
            "class" => (&mut added.classes, &mut removed.classes),
            "property" => (&mut added.properties, &mut removed.properties),
            "shape" => (&mut added.shapes, &mut removed.shapes),
            _ => (&mut added.intents, &mut removed.intents),
        };
        *add_slot = plus;
        *rm_slot = minus;
    }
    let ground = |t: &TripleRef<'_>| !t.subject.is_blank_node() && !t.object.is_blank_node();
    let statements = |g: &Graph, s: &str| -> BTreeSet<String> {
        let n = oxigraph::model::NamedNode::new_unchecked(s);
        g.triples_for_subject(n.as_ref()).map(|t| t.to_string()).collect()
    };
    let mut changed_intents = Vec::new();
    for i in intents(from).intersection(&intents(to)) {
        if statements(from, i) != statements(to, i) {
            text.push_str(&format!("~ intent <{i}>\n"));
            changed_intents.push(i.clone());
        }
    }
    let triples_added = to.iter().filter(ground).filter(|t| !from.contains(*t)).count();
    let triples_removed = from.iter().filter(ground).filter(|t| !to.contains(*t)).count();
    if text.is_empty() {
        text.push_str("(no added or removed classes, properties, shapes or intents)\n");
    }
    text.push_str(&format!("{triples_added} triples added, {triples_removed} removed\n"));
    Diff {
        added,
        removed,
        changed_intents,
        triples_added,
        triples_removed,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(ttl: &str) -> Graph {
        crate::shacl::graph_from_turtle(
            &format!(
                "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix zk: <https://zhiku.dev/ns#> .
                 @prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix sh: <http://www.w3.org/ns/shacl#> .
                 @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n{ttl}"
            ),
            None,
        )
        .unwrap()
    }

    #[test]
    fn undeclared_terms_and_intents_without_examples_are_problems() {
        let draft = g(
            "zk:A a rdfs:Class . zk:B rdfs:subClassOf zk:Missing . zk:x zk:undeclaredProp 1 .
             zk:i1 a zk:Intent ; skos:notation \"i1\" .",
        );
        let p = check(&draft);
        let subjects: Vec<&str> = p.iter().map(|p| p.subject.as_str()).collect();
        assert!(subjects.contains(&"https://zhiku.dev/ns#Missing"), "{p:?}");
        assert!(subjects.contains(&"https://zhiku.dev/ns#undeclaredProp"), "{p:?}");
        assert!(
            subjects.contains(&"https://zhiku.dev/ns#Intent"),
            "zk:Intent itself undeclared: {p:?}"
        );
        assert!(
            p.iter()
                .any(|p| p.kind == "intent" && p.message.contains("skos:example"))
        );
        let ok = g("zk:Intent a rdfs:Class . zk:i1 a zk:Intent ; skos:notation \"i1\" ; skos:example \"你好\" .");
        assert!(check(&ok).is_empty(), "{:?}", check(&ok));
    }

    #[test]
    fn ill_formed_shapes_are_problems() {
        let bad = g("zk:S a sh:NodeShape ; sh:minCount \"x\" .");
        assert!(check(&bad).iter().any(|p| p.kind == "shape"), "{:?}", check(&bad));
    }

    #[test]
    fn diff_lists_added_removed_and_changed_terms() {
        let a = g("zk:Intent a rdfs:Class . zk:Old a rdfs:Class . zk:i a zk:Intent ; skos:example \"a\" .");
        let b = g("zk:Intent a rdfs:Class . zk:New a rdfs:Class . zk:i a zk:Intent ; skos:example \"a\", \"b\" .");
        let d = diff(&a, &b);
        assert_eq!(d.added.classes, vec!["https://zhiku.dev/ns#New"]);
        assert_eq!(d.removed.classes, vec!["https://zhiku.dev/ns#Old"]);
        assert_eq!(d.changed_intents, vec!["https://zhiku.dev/ns#i"]);
        assert!(d.text.contains("+ class <https://zhiku.dev/ns#New>"));
        assert!(d.text.contains("~ intent"));
    }
}
