//! The SPARQL endpoint's query execution: read-only queries over a fixed dataset (a
//! merchant-scoped view, or the shared layers), with a deadline, a cancellation token and a
//! result-size cap, serialized in the negotiated format. Sealed values come out opened and
//! masked, never in the clear.

use super::StoreError;
use super::graph::{GraphStore, general_graph, schema_graph};
use super::merchant::MerchantView;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::NamedNode;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults, SparqlEvaluator};
use std::time::Instant;

/// How much one query may take.
#[derive(Clone)]
pub struct QueryLimits {
    /// Stop at this instant (the endpoint also cancels `token` at its timeout).
    pub deadline: Instant,
    /// At most this many solutions or triples.
    pub max_rows: usize,
    /// Cancelled by the caller when it gives up.
    pub token: CancellationToken,
}

/// The serialization a client asked for (`Accept`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputFormats {
    /// For SELECT and ASK.
    pub results: QueryResultsFormat,
    /// For CONSTRUCT and DESCRIBE.
    pub graph: RdfFormat,
}

impl OutputFormats {
    /// Picks the formats from an `Accept` header: the first media type each kind knows, else
    /// SPARQL JSON results and N-Triples.
    pub fn from_accept(accept: &str) -> Self {
        let types = accept.split(',').map(|t| t.split(';').next().unwrap_or("").trim());
        let mut out = OutputFormats {
            results: QueryResultsFormat::Json,
            graph: RdfFormat::NTriples,
        };
        let (mut r, mut g) = (false, false);
        for t in types {
            if !r && let Some(f) = QueryResultsFormat::from_media_type(t) {
                out.results = f;
                r = true;
            }
            if !g && let Some(f) = RdfFormat::from_media_type(t) {
                out.graph = f;
                g = true;
            }
        }
        out
    }
}

/// A serialized result and its media type.
#[derive(Debug, Clone)]
pub struct QueryOutput {
    /// `Content-Type` of `body`.
    pub media_type: &'static str,
    /// The serialized result.
    pub body: Vec<u8>,
    /// Solutions or triples in it (1 for ASK).
    pub rows: usize,
}

fn eval_error(e: QueryEvaluationError) -> StoreError {
    match e {
        QueryEvaluationError::Cancelled => StoreError::QueryTimeout,
        QueryEvaluationError::UnsupportedService(s) => StoreError::ServiceNotAllowed(s.to_string()),
        QueryEvaluationError::UnboundService | QueryEvaluationError::InvalidServiceName(_) => {
            StoreError::ServiceNotAllowed("a variable".to_string())
        }
        other => StoreError::Query(other.to_string()),
    }
}

fn check(limits: &QueryLimits, rows: usize) -> Result<(), StoreError> {
    if rows > limits.max_rows {
        return Err(StoreError::ResultTooLarge(limits.max_rows));
    }
    if Instant::now() > limits.deadline {
        limits.token.cancel();
        return Err(StoreError::QueryTimeout);
    }
    Ok(())
}

impl GraphStore {
    /// Runs a read-only query (SELECT, ASK, CONSTRUCT, DESCRIBE) whose dataset is exactly
    /// `graphs`: the default graph is their union, `GRAPH ?g` ranges over them, and `FROM`,
    /// `FROM NAMED` and `SERVICE` in the query text cannot widen it (oxigraph is built
    /// without its HTTP client, so any `SERVICE` fails). Updates do not parse as queries.
    pub(crate) fn query_in(
        &self,
        graphs: &[NamedNode],
        query: &str,
        formats: OutputFormats,
        limits: &QueryLimits,
    ) -> Result<QueryOutput, StoreError> {
        let evaluator = SparqlEvaluator::new().with_cancellation_token(limits.token.clone());
        let prepared = super::graph::prepare_in(evaluator, graphs, query)?;
        let io = |e: std::io::Error| StoreError::Query(e.to_string());
        match prepared.on_store(self.inner()).execute().map_err(eval_error)? {
            QueryResults::Solutions(solutions) => {
                let serializer = QueryResultsSerializer::from_format(formats.results);
                let mut w = serializer
                    .serialize_solutions_to_writer(Vec::new(), solutions.variables().to_vec())
                    .map_err(io)?;
                let mut rows = 0;
                for s in solutions {
                    let s = self.shown_solution(s.map_err(eval_error)?)?;
                    rows += 1;
                    check(limits, rows)?;
                    w.serialize(&s).map_err(io)?;
                }
                Ok(QueryOutput {
                    media_type: formats.results.media_type(),
                    body: w.finish().map_err(io)?,
                    rows,
                })
            }
            QueryResults::Boolean(b) => Ok(QueryOutput {
                media_type: formats.results.media_type(),
                body: QueryResultsSerializer::from_format(formats.results)
                    .serialize_boolean_to_writer(Vec::new(), b)
                    .map_err(io)?,
                rows: 1,
            }),
            QueryResults::Graph(triples) => {
                let mut w = RdfSerializer::from_format(formats.graph).for_writer(Vec::new());
                let mut rows = 0;
                for t in triples {
                    let t = t.map_err(eval_error)?;
                    let t = oxigraph::model::Triple::new(t.subject, t.predicate, self.shown(t.object)?);
                    rows += 1;
                    check(limits, rows)?;
                    w.serialize_triple(&t).map_err(io)?;
                }
                Ok(QueryOutput {
                    media_type: formats.graph.media_type(),
                    body: w.finish().map_err(io)?,
                    rows,
                })
            }
        }
    }

    /// The shared layers only (general + published schema): the dataset of a SPARQL query
    /// that names no merchant (editor and admin keys).
    pub fn query_shared(
        &self,
        query: &str,
        formats: OutputFormats,
        limits: &QueryLimits,
    ) -> Result<QueryOutput, StoreError> {
        let graphs = [general_graph(), schema_graph(self.published_version())];
        self.query_in(&graphs, query, formats, limits)
    }
}

impl MerchantView {
    /// A SPARQL query over this view's dataset (general + schema + the merchant's graph).
    pub fn query(&self, query: &str, formats: OutputFormats, limits: &QueryLimits) -> Result<QueryOutput, StoreError> {
        self.store.query_in(&self.graphs, query, formats, limits)
    }
}
