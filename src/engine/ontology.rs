//! Ontology curation for knowledge editors: the working draft, its checks, publishing a new
//! version (after re-validating every merchant against the new shapes), versions and diffs.
//! Publishing swaps the engine's schema state, so answers switch to the new version at once.

use super::Engine;
use crate::Error;
use crate::import::{self, Format, ImportError};
use crate::store::curation::{self, Diff, Problem, Terms};
use crate::store::graph::{DRAFT_GRAPH, SchemaVersion, schema_graph};
use oxigraph::model::{Graph, NamedNode};
use serde::Serialize;
use std::sync::Arc;

/// A schema graph named by an editor: `draft`, `current` or a version number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaRef {
    /// The working draft.
    Draft,
    /// The published version answers use.
    Current,
    /// A published version.
    Version(u32),
}

impl SchemaRef {
    /// Parses `draft`, `current` or a version number (`2`, `v2`).
    pub fn parse(field: &str, s: &str) -> Result<SchemaRef, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "draft" => Ok(SchemaRef::Draft),
            "current" | "published" => Ok(SchemaRef::Current),
            v => v
                .trim_start_matches('v')
                .parse()
                .map(SchemaRef::Version)
                .map_err(|_| Error::invalid(field, format!("{s:?}: use draft, current or a version number"))),
        }
    }
}

/// The outcome of `validate`.
#[derive(Debug, Clone, Serialize)]
pub struct DraftReport {
    /// No problems.
    pub ok: bool,
    /// What is wrong.
    pub problems: Vec<Problem>,
    /// Triples in the draft.
    pub triples: usize,
}

/// How one merchant fares under the draft's shapes.
#[derive(Debug, Clone, Serialize)]
pub struct MerchantCheck {
    /// Merchant.
    pub merchant_id: String,
    /// `sh:Violation` results (the merchant would break).
    pub violations: usize,
    /// Warnings.
    pub warnings: usize,
}

/// The outcome of `publish`.
#[derive(Debug, Clone, Serialize)]
pub struct PublishReport {
    /// Whether a new version was published.
    pub published: bool,
    /// A dry run.
    pub dry_run: bool,
    /// The new version (or the one a publish would create).
    pub version: u32,
    /// Every merchant's validation against the new shapes.
    pub merchants: Vec<MerchantCheck>,
    /// Merchants with violations.
    pub breaking: Vec<String>,
}

/// The versions and which one is current.
#[derive(Debug, Clone, Serialize)]
pub struct Versions {
    /// The published version answers use.
    pub current: u32,
    /// Every published version, oldest first.
    pub versions: Vec<SchemaVersion>,
}

impl Engine {
    fn schema_copy(&self, r: SchemaRef) -> Result<Graph, Error> {
        let g = self.knowledge.graph();
        let name = match r {
            SchemaRef::Draft => NamedNode::new_unchecked(DRAFT_GRAPH),
            SchemaRef::Current => schema_graph(g.published_version()),
            SchemaRef::Version(v) if v >= 1 && v <= g.published_version() => schema_graph(v),
            SchemaRef::Version(v) => return Err(Error::NotFound(format!("ontology version {v}"))),
        };
        Ok(g.graph_copy(name.as_ref())?)
    }

    /// The draft as Turtle.
    pub fn ontology_draft(&self) -> Result<Vec<u8>, Error> {
        Ok(self.knowledge.graph().export(
            NamedNode::new_unchecked(DRAFT_GRAPH).as_ref(),
            NamedNode::new_unchecked(DRAFT_GRAPH).as_ref(),
            oxigraph::io::RdfFormat::Turtle,
        )?)
    }

    /// Replaces the draft with a Turtle document (parsed completely first; a syntax error
    /// names the line and column and changes nothing). Returns the draft's triple count.
    pub fn put_ontology_draft(&self, data: &[u8]) -> Result<usize, Error> {
        let triples = import::parse_rdf(
            "draft",
            Format::Turtle,
            data,
            "https://zhiku.dev/ns",
            &(&self.config.limits).into(),
        )?;
        if triples.is_empty() {
            return Err(ImportError::Empty("draft".into()).into());
        }
        let graph: Graph = triples.into_iter().collect();
        let _w = self.writer()?;
        self.knowledge
            .graph()
            .replace_graph(NamedNode::new_unchecked(DRAFT_GRAPH).as_ref(), &graph)?;
        Ok(graph.len())
    }

    /// Checks the draft (shapes well-formed, no undeclared class or property, intents with
    /// examples).
    pub fn validate_ontology_draft(&self) -> Result<DraftReport, Error> {
        let draft = self.schema_copy(SchemaRef::Draft)?;
        let problems = curation::check(&draft);
        Ok(DraftReport {
            ok: problems.is_empty(),
            problems,
            triples: draft.len(),
        })
    }

    /// Publishes the draft as the next version: it must pass [`Engine::validate_ontology_draft`],
    /// and every merchant graph is validated against its shapes first. Merchants with
    /// violations block the publish unless `force`. A `dry_run` reports and changes nothing.
    pub fn publish_ontology(&self, dry_run: bool, force: bool) -> Result<PublishReport, Error> {
        let _w = self.writer()?;
        let draft = self.schema_copy(SchemaRef::Draft)?;
        let problems = curation::check(&draft);
        if !problems.is_empty() {
            return Err(Error::Conflict {
                code: "ontology_invalid",
                message: format!("the draft has {} problem(s); run validate", problems.len()),
                details: serde_json::to_value(&problems).unwrap_or_default(),
            });
        }
        let shapes = crate::shacl::Shapes::from_graph(&draft).map_err(|e| Error::invalid("draft", e.to_string()))?;
        let g = self.knowledge.graph();
        let mut merchants = Vec::new();
        for m in g.merchant_ids()? {
            let r = self.validate_stored(&shapes, g.live_graph(&m)?.as_ref(), Some(&draft))?;
            merchants.push(MerchantCheck {
                merchant_id: m.to_string(),
                violations: r.violations,
                warnings: r.warnings,
            });
        }
        let breaking: Vec<String> = merchants
            .iter()
            .filter(|m| m.violations > 0)
            .map(|m| m.merchant_id.clone())
            .collect();
        let next = g.published_version() + 1;
        let mut report = PublishReport {
            published: false,
            dry_run,
            version: next,
            merchants,
            breaking,
        };
        if dry_run {
            return Ok(report);
        }
        if !report.breaking.is_empty() && !force {
            return Err(Error::Conflict {
                code: "merchants_would_break",
                message: format!(
                    "publishing would make {} merchant graph(s) violate the new shapes: {}; fix them or publish with force=true",
                    report.breaking.len(),
                    report.breaking.join(", ")
                ),
                details: serde_json::to_value(&report).unwrap_or_default(),
            });
        }
        let triples = g.stage_draft(next)?;
        let state = self.build_schema(next)?;
        g.record_published(next, &chrono::Utc::now().to_rfc3339(), triples)?;
        match self.schema.write() {
            Ok(mut s) => *s = Arc::new(state),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(state),
        }
        self.knowledge.invalidate_all();
        tracing::info!(version = next, "ontology published");
        report.published = true;
        Ok(report)
    }

    /// The published versions.
    pub fn ontology_versions(&self) -> Result<Versions, Error> {
        let g = self.knowledge.graph();
        Ok(Versions {
            current: g.published_version(),
            versions: g.versions()?,
        })
    }

    /// The difference between two schema graphs.
    pub fn ontology_diff(&self, from: SchemaRef, to: SchemaRef) -> Result<Diff, Error> {
        Ok(curation::diff(&self.schema_copy(from)?, &self.schema_copy(to)?))
    }

    /// The classes, properties, intents and synonyms of a schema graph.
    pub fn ontology_terms(&self, which: SchemaRef) -> Result<Terms, Error> {
        Ok(curation::terms(&self.schema_copy(which)?))
    }
}
