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
use spargebra::Query;
use std::time::Instant;

/// How much one query may take.
#[derive(Clone)]
pub struct QueryLimits {
    /// Deepest nesting, in the text and in the algebra (`limits.max_query_depth`).
    pub max_depth: usize,
    /// Most triple and path patterns (`limits.max_query_patterns`).
    pub max_patterns: usize,
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

/// Parses a query whose nesting is at most `limits.max_depth` levels, in its text (checked
/// before the recursive parser runs) and in its algebra (checked before the recursive
/// evaluator runs: long operator, `UNION`, `OPTIONAL` and path chains nest there), with at
/// most `limits.max_patterns` triple patterns (the optimiser's join ordering grows with
/// their cube, and does not stop for the query's deadline).
pub fn parse_bounded(query: &str, limits: &QueryLimits) -> Result<Query, StoreError> {
    let max_depth = limits.max_depth;
    let too_deep = |at: String| {
        StoreError::TooDeep(format!(
            "the query nests deeper than limits.max_query_depth ({max_depth}){at}"
        ))
    };
    crate::nesting::check(query.as_bytes(), crate::nesting::Syntax::Sparql, max_depth)
        .map_err(|e| too_deep(format!(" at line {}, column {}", e.line, e.column)))?;
    let parsed = spargebra::SparqlParser::new()
        .parse_query(query)
        .map_err(|e| StoreError::QuerySyntax(e.to_string()))?;
    let pattern = match &parsed {
        Query::Select { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. }
        | Query::Ask { pattern, .. } => pattern,
    };
    let mut walk = algebra::Walk {
        patterns_left: limits.max_patterns,
    };
    if !walk.pattern(pattern, max_depth) {
        if walk.patterns_left == 0 {
            return Err(StoreError::TooManyPatterns(limits.max_patterns));
        }
        return Err(too_deep(
            " (in its algebra: a long chain of operators, UNIONs, OPTIONALs or path steps)".into(),
        ));
    }
    Ok(parsed)
}

/// The SPARQL algebra's depth and size. Each function answers whether its node fits in
/// `left` more levels and in the triple patterns still allowed, and stops descending as soon
/// as one does not (so it never recurses deeper than the limit).
mod algebra {
    use spargebra::algebra::{AggregateExpression, Expression, GraphPattern, OrderExpression, PropertyPathExpression};

    pub(super) struct Walk {
        /// Triple and path patterns still allowed; 0 once too many were seen.
        pub patterns_left: usize,
    }

    impl Walk {
        fn count(&mut self, n: usize) -> bool {
            match self.patterns_left.checked_sub(n) {
                Some(left) => {
                    self.patterns_left = left;
                    true
                }
                None => {
                    self.patterns_left = 0;
                    false
                }
            }
        }

        pub(super) fn pattern(&mut self, p: &GraphPattern, left: usize) -> bool {
            let Some(left) = left.checked_sub(1) else {
                return false;
            };
            match p {
                GraphPattern::Bgp { patterns } => self.count(patterns.len()),
                GraphPattern::Values { .. } => true,
                GraphPattern::Path { path: pp, .. } => self.count(1) && path(pp, left),
                GraphPattern::Join { left: a, right: b }
                | GraphPattern::Lateral { left: a, right: b }
                | GraphPattern::Union { left: a, right: b }
                | GraphPattern::Minus { left: a, right: b } => self.pattern(a, left) && self.pattern(b, left),
                GraphPattern::LeftJoin {
                    left: a,
                    right: b,
                    expression: e,
                } => self.pattern(a, left) && self.pattern(b, left) && e.as_ref().is_none_or(|e| self.expr(e, left)),
                GraphPattern::Filter { expr: e, inner }
                | GraphPattern::Extend {
                    inner, expression: e, ..
                } => self.pattern(inner, left) && self.expr(e, left),
                GraphPattern::Graph { inner, .. }
                | GraphPattern::Project { inner, .. }
                | GraphPattern::Distinct { inner }
                | GraphPattern::Reduced { inner }
                | GraphPattern::Slice { inner, .. }
                | GraphPattern::Service { inner, .. } => self.pattern(inner, left),
                GraphPattern::OrderBy { inner, expression } => {
                    self.pattern(inner, left)
                        && expression.iter().all(|o| match o {
                            OrderExpression::Asc(e) | OrderExpression::Desc(e) => self.expr(e, left),
                        })
                }
                GraphPattern::Group { inner, aggregates, .. } => {
                    self.pattern(inner, left)
                        && aggregates.iter().all(|(_, a)| match a {
                            AggregateExpression::CountSolutions { .. } => true,
                            AggregateExpression::FunctionCall { expr: e, .. } => self.expr(e, left),
                        })
                }
            }
        }

        fn expr(&mut self, e: &Expression, left: usize) -> bool {
            let Some(left) = left.checked_sub(1) else {
                return false;
            };
            match e {
                Expression::NamedNode(_) | Expression::Literal(_) | Expression::Variable(_) | Expression::Bound(_) => {
                    true
                }
                Expression::Or(a, b)
                | Expression::And(a, b)
                | Expression::Equal(a, b)
                | Expression::SameTerm(a, b)
                | Expression::Greater(a, b)
                | Expression::GreaterOrEqual(a, b)
                | Expression::Less(a, b)
                | Expression::LessOrEqual(a, b)
                | Expression::Add(a, b)
                | Expression::Subtract(a, b)
                | Expression::Multiply(a, b)
                | Expression::Divide(a, b) => self.expr(a, left) && self.expr(b, left),
                Expression::UnaryPlus(a) | Expression::UnaryMinus(a) | Expression::Not(a) => self.expr(a, left),
                Expression::In(a, list) => self.expr(a, left) && list.iter().all(|e| self.expr(e, left)),
                Expression::Exists(p) => self.pattern(p, left),
                Expression::If(a, b, c) => self.expr(a, left) && self.expr(b, left) && self.expr(c, left),
                Expression::Coalesce(list) | Expression::FunctionCall(_, list) => {
                    list.iter().all(|e| self.expr(e, left))
                }
            }
        }
    }

    fn path(p: &PropertyPathExpression, left: usize) -> bool {
        let Some(left) = left.checked_sub(1) else {
            return false;
        };
        match p {
            PropertyPathExpression::NamedNode(_) | PropertyPathExpression::NegatedPropertySet(_) => true,
            PropertyPathExpression::Reverse(a)
            | PropertyPathExpression::ZeroOrMore(a)
            | PropertyPathExpression::OneOrMore(a)
            | PropertyPathExpression::ZeroOrOne(a) => path(a, left),
            PropertyPathExpression::Sequence(a, b) | PropertyPathExpression::Alternative(a, b) => {
                path(a, left) && path(b, left)
            }
        }
    }
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
        let parsed = parse_bounded(query, limits)?;
        let prepared = super::graph::prepare_in(evaluator, graphs, parsed);
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
