//! How an upload changes a merchant's stored graph, computed in memory before anything is
//! written: the graph after the change (which SHACL validates) and the triples to remove
//! and add (which one transaction applies).

use oxigraph::model::{Graph, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef, Triple};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};

/// How an upload combines with what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// For every (subject, predicate) the upload states, its values replace the stored ones;
    /// everything else stays. Uploading `<offer> schema:price 149` changes just that price.
    #[default]
    Merge,
    /// The upload becomes the whole merchant graph.
    Replace,
}

impl Mode {
    /// Parses `merge` or `replace`.
    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "merge" => Some(Mode::Merge),
            "replace" => Some(Mode::Replace),
            _ => None,
        }
    }
}

/// The graph after a change and the difference to the stored one.
#[derive(Debug, Default)]
pub struct Change {
    /// The merchant graph as it will be.
    pub after: Graph,
    /// Stored triples that go.
    pub removed: Vec<Triple>,
    /// Triples that come.
    pub added: Vec<Triple>,
}

impl Change {
    /// Subjects whose triples changed (for targeted re-indexing and reports).
    pub fn touched_subjects(&self) -> BTreeSet<String> {
        self.removed
            .iter()
            .chain(&self.added)
            .filter_map(|t| match &t.subject {
                NamedOrBlankNode::NamedNode(n) => Some(n.as_str().to_string()),
                NamedOrBlankNode::BlankNode(_) => None,
            })
            .collect()
    }
}

/// Applies an upload to the stored graph `current` by `mode`.
pub fn plan(current: &Graph, upload: Vec<Triple>, mode: Mode) -> Change {
    let after = match mode {
        Mode::Replace => upload.into_iter().collect(),
        Mode::Merge => {
            let mut after = current.clone();
            let keys: HashSet<(NamedOrBlankNode, oxigraph::model::NamedNode)> = upload
                .iter()
                .map(|t| (t.subject.clone(), t.predicate.clone()))
                .collect();
            let mut dropped = Vec::new();
            for (s, p) in &keys {
                let old: Vec<Term> = current
                    .objects_for_subject_predicate(s.as_ref(), p.as_ref())
                    .map(TermRef::into_owned)
                    .collect();
                for o in old {
                    after.remove(&Triple::new(s.clone(), p.clone(), o.clone()));
                    dropped.push(o);
                }
            }
            for t in &upload {
                after.insert(t);
            }
            remove_orphans(&mut after, dropped);
            after
        }
    };
    diff(current, after)
}

/// Removes `subject`'s own triples and every triple pointing at it, with the blank nodes
/// that only it used.
pub fn delete_subject(current: &Graph, subject: NamedNodeRef<'_>) -> Change {
    let mut after = current.clone();
    let mut dropped = Vec::new();
    let own: Vec<Triple> = current.triples_for_subject(subject).map(|t| t.into_owned()).collect();
    for t in own {
        after.remove(&t);
        dropped.push(t.object);
    }
    let incoming: Vec<Triple> = current.triples_for_object(subject).map(|t| t.into_owned()).collect();
    for t in incoming {
        after.remove(&t);
    }
    remove_orphans(&mut after, dropped);
    diff(current, after)
}

/// Removes blank nodes among `candidates` that nothing points at any more, with their own
/// triples, recursively.
fn remove_orphans(g: &mut Graph, mut candidates: Vec<Term>) {
    while let Some(t) = candidates.pop() {
        let Term::BlankNode(b) = t else { continue };
        if g.triples_for_object(b.as_ref()).next().is_some() {
            continue;
        }
        let own: Vec<Triple> = g
            .triples_for_subject(NamedOrBlankNodeRef::BlankNode(b.as_ref()))
            .map(|t| t.into_owned())
            .collect();
        for t in own {
            g.remove(&t);
            candidates.push(t.object);
        }
    }
}

fn diff(current: &Graph, after: Graph) -> Change {
    let removed = current
        .iter()
        .filter(|t| !after.contains(*t))
        .map(|t| t.into_owned())
        .collect();
    let added = after
        .iter()
        .filter(|t| !current.contains(*t))
        .map(|t| t.into_owned())
        .collect();
    Change { after, removed, added }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::io::{RdfFormat, RdfParser};

    fn ttl(s: &str) -> Vec<Triple> {
        RdfParser::from_format(RdfFormat::Turtle)
            .rename_blank_nodes()
            .for_slice(format!("@prefix s: <https://schema.org/> .\n{s}").as_bytes())
            .map(|q| Triple::from(q.unwrap()))
            .collect()
    }

    fn graph(s: &str) -> Graph {
        ttl(s).into_iter().collect()
    }

    #[test]
    fn merge_replaces_the_values_of_stated_predicates_only() {
        let current = graph("<https://x/o> s:price 139 ; s:priceCurrency \"CNY\" .");
        let c = plan(&current, ttl("<https://x/o> s:price 149 ."), Mode::Merge);
        assert_eq!(c.removed.len(), 1);
        assert_eq!(c.added.len(), 1);
        assert_eq!(c.after.len(), 2);
        assert!(c.removed[0].object.to_string().contains("139"));
        assert_eq!(c.touched_subjects().len(), 1);
    }

    #[test]
    fn merge_drops_blank_nodes_nothing_points_at_any_more() {
        let current = graph("<https://x/o> s:inventoryLevel [ s:value 5 ; s:unitText \"件\" ] .");
        let c = plan(
            &current,
            ttl("<https://x/o> s:inventoryLevel [ s:value 3 ] ."),
            Mode::Merge,
        );
        assert_eq!(c.after.len(), 2, "old level with its two triples is gone");
        assert_eq!(c.removed.len(), 3);
    }

    #[test]
    fn replace_makes_the_upload_the_whole_graph() {
        let current = graph("<https://x/a> s:name \"a\" . <https://x/b> s:name \"b\" .");
        let c = plan(&current, ttl("<https://x/a> s:name \"a\" ."), Mode::Replace);
        assert_eq!(c.after.len(), 1);
        assert_eq!(c.removed.len(), 1);
        assert!(c.added.is_empty());
    }

    #[test]
    fn deleting_a_subject_removes_its_facts_and_references() {
        let current = graph(
            "<https://x/p> s:name \"p\" ; s:offers <https://x/o> ; s:additionalProperty [ s:name \"c\" ] .
             <https://x/o> s:itemOffered <https://x/p> ; s:price 1 .",
        );
        let p = oxigraph::model::NamedNode::new_unchecked("https://x/p");
        let c = delete_subject(&current, p.as_ref());
        assert_eq!(c.after.len(), 1, "only the offer's price is left: {:?}", c.after);
    }
}
