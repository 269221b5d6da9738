//! SHACL Core validation (<https://www.w3.org/TR/shacl/>, sections 2–4).
//!
//! Parse a shapes graph once with [`Shapes::from_graph`], then check data graphs with
//! [`validate`]:
//!
//! ```
//! use zhiku::shacl::{Shapes, graph_from_turtle, validate};
//!
//! let shapes = Shapes::from_graph(&graph_from_turtle(
//!     "@prefix sh: <http://www.w3.org/ns/shacl#> .
//!      <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;
//!        sh:property [ sh:path <urn:name> ; sh:minCount 1 ] .",
//!     None,
//! )?)?;
//! let report = validate(&shapes, &graph_from_turtle("<urn:x> a <urn:C> .", None)?, None);
//! assert!(!report.conforms);
//! assert_eq!(report.results[0].component, "http://www.w3.org/ns/shacl#MinCountConstraintComponent");
//! # Ok::<(), zhiku::shacl::ShaclError>(())
//! ```
//!
//! Recursive shapes are not part of SHACL Core, but real shapes graphs have them (schema.org:
//! Product → offers → Offer → itemOffered → Product). When a check of a node against a shape
//! reaches the same node and shape again, the inner check is assumed to conform, and outcomes
//! that rest on that assumption are settled only once it is confirmed: a cycle conforms
//! unless some member fails for another reason, whatever the evaluation order. Checks nested
//! deeper than [`MAX_DEPTH`] are taken as conforming.

mod data;
mod path;
mod report;
mod shapes;
mod validate;
mod values;
pub mod vocab;

#[cfg(test)]
mod tests;

pub use data::DataGraph;
pub use oxigraph::model::{BlankNode, Graph, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, TermRef};
pub use path::Path;
pub use report::{Severity, ValidationReport, ValidationResult};
pub use shapes::Shapes;
pub use validate::{MAX_DEPTH, validate, validate_subjects};

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::rdf;
use std::collections::HashSet;

/// A malformed shapes graph. Each variant names the offending shape (N-Triples form).
#[derive(Debug, thiserror::Error)]
pub enum ShaclError {
    /// A property shape must have exactly one `sh:path`.
    #[error("shape {shape}: a property shape needs exactly one sh:path, found {found}")]
    PathCount {
        /// The shape.
        shape: String,
        /// How many `sh:path` values it has.
        found: usize,
    },
    /// The value of `sh:path` is not a well-formed SHACL property path.
    #[error("shape {shape}: ill-formed sh:path: {reason}")]
    InvalidPath {
        /// The shape.
        shape: String,
        /// What is wrong.
        reason: String,
    },
    /// A parameter has a value of the wrong kind, or too many values.
    #[error("shape {shape}: ill-formed {parameter}: {reason}")]
    InvalidParameter {
        /// The shape.
        shape: String,
        /// The parameter's IRI.
        parameter: String,
        /// What is wrong.
        reason: String,
    },
    /// A parameter that only property shapes may have is used on a node shape.
    #[error("shape {shape}: {parameter} is only allowed in property shapes (the shape has no sh:path)")]
    PropertyShapeOnly {
        /// The shape.
        shape: String,
        /// The parameter's IRI.
        parameter: String,
    },
    /// A literal is used where a shape is expected.
    #[error("the literal {term} is used as a shape")]
    LiteralShape {
        /// The literal.
        term: String,
    },
    /// The shapes text is not valid Turtle (see [`graph_from_turtle`]).
    #[error("invalid Turtle: {0}")]
    Syntax(String),
    /// An internal inconsistency (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Parses Turtle text into a graph, resolving relative IRIs against `base_iri` if given.
///
/// Parsing is lenient about IRI syntax: the published schema.org shapes file contains IRIs
/// such as `<http://schema.org/validation#ValidSchemahttp://rdfs.org/ns/void#Dataset>`.
pub fn graph_from_turtle(text: &str, base_iri: Option<&str>) -> Result<Graph, ShaclError> {
    let mut parser = RdfParser::from_format(RdfFormat::Turtle).lenient();
    if let Some(base) = base_iri {
        parser = parser
            .with_base_iri(base)
            .map_err(|e| ShaclError::Syntax(format!("base IRI {base}: {e}")))?;
    }
    let mut graph = Graph::new();
    for quad in parser.for_slice(text) {
        let quad = quad.map_err(|e| ShaclError::Syntax(e.to_string()))?;
        graph.insert(quad.as_ref());
    }
    Ok(graph)
}

/// The members of the RDF list starting at `head` (`rdf:nil` is the empty list).
pub(crate) fn rdf_list(graph: &Graph, head: TermRef<'_>) -> Result<Vec<Term>, String> {
    let mut members = Vec::new();
    let mut seen = HashSet::new();
    let mut node = head.into_owned();
    loop {
        if node == Term::from(rdf::NIL) {
            return Ok(members);
        }
        let Some(subject) = path::as_subject(&node) else {
            return Err(format!("the list node {node} is a literal"));
        };
        if !seen.insert(node.clone()) {
            return Err(format!("the list at {head} is cyclic"));
        }
        let firsts: Vec<Term> = graph
            .objects_for_subject_predicate(subject, rdf::FIRST)
            .map(TermRef::into_owned)
            .collect();
        let rests: Vec<Term> = graph
            .objects_for_subject_predicate(subject, rdf::REST)
            .map(TermRef::into_owned)
            .collect();
        match (firsts.as_slice(), rests.as_slice()) {
            ([first], [rest]) => {
                members.push(first.clone());
                node = rest.clone();
            }
            _ => {
                return Err(format!(
                    "the list node {node} needs exactly one rdf:first and one rdf:rest (has {} and {})",
                    firsts.len(),
                    rests.len()
                ));
            }
        }
    }
}
