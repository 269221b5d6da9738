//! Read access to the data graph being validated: an in-memory [`Graph`], or any other
//! source (zhiku implements it over a named graph in the oxigraph store, so large imports
//! are validated without loading them into memory).

use oxigraph::model::{Graph, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef};

/// The four lookups SHACL Core needs from a data graph.
pub trait DataGraph {
    /// The objects of `(subject, predicate, ?)`.
    fn objects(&self, subject: NamedOrBlankNodeRef<'_>, predicate: NamedNodeRef<'_>) -> Vec<Term>;
    /// The subjects of `(?, predicate, object)`.
    fn subjects(&self, predicate: NamedNodeRef<'_>, object: TermRef<'_>) -> Vec<NamedOrBlankNode>;
    /// The `(predicate, object)` pairs of `subject`.
    fn predicate_objects(&self, subject: NamedOrBlankNodeRef<'_>) -> Vec<(NamedNode, Term)>;
    /// Calls `f` with the subject and object of every triple with `predicate`.
    fn for_each_with_predicate(&self, predicate: NamedNodeRef<'_>, f: &mut dyn FnMut(NamedOrBlankNode, Term));
}

impl DataGraph for Graph {
    fn objects(&self, subject: NamedOrBlankNodeRef<'_>, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        self.objects_for_subject_predicate(subject, predicate)
            .map(TermRef::into_owned)
            .collect()
    }

    fn subjects(&self, predicate: NamedNodeRef<'_>, object: TermRef<'_>) -> Vec<NamedOrBlankNode> {
        self.subjects_for_predicate_object(predicate, object)
            .map(NamedOrBlankNodeRef::into_owned)
            .collect()
    }

    fn predicate_objects(&self, subject: NamedOrBlankNodeRef<'_>) -> Vec<(NamedNode, Term)> {
        self.triples_for_subject(subject)
            .map(|t| (t.predicate.into_owned(), t.object.into_owned()))
            .collect()
    }

    fn for_each_with_predicate(&self, predicate: NamedNodeRef<'_>, f: &mut dyn FnMut(NamedOrBlankNode, Term)) {
        for t in self.triples_for_predicate(predicate) {
            f(t.subject.into_owned(), t.object.into_owned());
        }
    }
}
