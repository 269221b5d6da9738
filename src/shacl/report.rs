//! Validation reports.

use super::path::Path;
use oxigraph::model::{NamedNode, Term};
use serde::Serialize;

/// Severity of a validation result (`sh:resultSeverity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// `sh:Violation` (the default), and any severity IRI other than the three SHACL ones.
    Violation,
    /// `sh:Warning`.
    Warning,
    /// `sh:Info`.
    Info,
}

/// The outcome of [`super::validate`].
#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    /// `sh:conforms`: true iff there is no result at all, of any severity (as the spec says).
    pub conforms: bool,
    /// The validation results (one per `sh:result`), in evaluation order.
    pub results: Vec<ValidationResult>,
}

impl ValidationReport {
    /// Number of results with severity [`Severity::Violation`].
    pub fn violations(&self) -> usize {
        self.count(Severity::Violation)
    }

    /// Number of results with severity [`Severity::Warning`].
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    /// Number of results with severity [`Severity::Info`].
    pub fn infos(&self) -> usize {
        self.count(Severity::Info)
    }

    fn count(&self, severity: Severity) -> usize {
        self.results.iter().filter(|r| r.severity == severity).count()
    }
}

/// One validation result (`sh:ValidationResult`). Text fields hold N-Triples forms; the
/// `*_term`, `result_path` and `*_iri` fields keep the exact RDF terms.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationResult {
    /// `sh:focusNode`, e.g. `<https://x/p1>` or `_:b0`.
    pub focus_node: String,
    /// `sh:resultPath` as SPARQL property path text, e.g. `^<p>/<q>*`.
    pub path: Option<String>,
    /// `sh:value`.
    pub value: Option<String>,
    /// `sh:resultSeverity`.
    pub severity: Severity,
    /// `sh:sourceShape`.
    pub source_shape: String,
    /// `sh:sourceConstraintComponent`, full IRI without angle brackets.
    pub component: String,
    /// The shape's `sh:message` texts, or one generated English message when it has none.
    pub messages: Vec<String>,
    /// The focus node.
    #[serde(skip)]
    pub focus_term: Term,
    /// The result path.
    #[serde(skip)]
    pub result_path: Option<Path>,
    /// The value.
    #[serde(skip)]
    pub value_term: Option<Term>,
    /// The severity IRI as declared (may be a custom IRI).
    #[serde(skip)]
    pub severity_iri: NamedNode,
    /// The source shape.
    #[serde(skip)]
    pub source_shape_term: Term,
    /// The source constraint component.
    #[serde(skip)]
    pub component_iri: NamedNode,
}
