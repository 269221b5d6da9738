//! The knowledge store: three oxigraph layers as named graphs (DESIGN.md §2) and the
//! one merchant-scoped view through which every read of merchant data goes.

pub mod curation;
pub mod generations;
pub mod graph;
pub mod merchant;
pub mod ontology;
pub mod passages;
pub mod sealing;
pub mod sparql;

pub use graph::{GraphStore, Layer};
pub use merchant::{MerchantFacts, MerchantView};
pub use ontology::Ontology;
pub use passages::Passage;

use crate::merchant_id::MerchantId;

/// Errors of the knowledge store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// oxigraph storage failed.
    #[error("graph storage: {0}")]
    Storage(#[from] oxigraph::store::StorageError),
    /// An RDF file failed to parse (the message names the line and column).
    #[error("{file}: {message}")]
    Parse {
        /// The file or input name.
        file: String,
        /// Parser message with position.
        message: String,
    },
    /// A SPARQL query failed.
    #[error("sparql: {0}")]
    Query(String),
    /// A sealed value could not be opened (its key is not configured, or it was altered).
    #[error("sealed value: {0}")]
    Sealed(String),
    /// A SPARQL query does not parse (or is an update).
    #[error("sparql syntax: {0}")]
    QuerySyntax(String),
    /// A SPARQL query nests deeper than `limits.max_query_depth` (the message says where).
    #[error("{0}")]
    TooDeep(String),
    /// A SPARQL query has more triple patterns than `limits.max_query_patterns`.
    #[error("the query has more than {0} triple patterns (limits.max_query_patterns; a path step counts as one)")]
    TooManyPatterns(usize),
    /// A SPARQL query calls `SERVICE`, which is never allowed.
    #[error("SERVICE {0} is not allowed: queries see only this service's own graphs")]
    ServiceNotAllowed(String),
    /// A SPARQL query ran past `limits.sparql_timeout_ms` and was cancelled.
    #[error("the query ran past limits.sparql_timeout_ms and was cancelled")]
    QueryTimeout,
    /// A SPARQL result has more rows than `limits.max_sparql_rows`.
    #[error("the result has more than {0} rows (limits.max_sparql_rows); add a LIMIT")]
    ResultTooLarge(usize),
    /// A merchant id is not well-formed, or reserved.
    #[error(transparent)]
    InvalidMerchantId(#[from] crate::merchant_id::InvalidMerchantId),
    /// The merchant has no graph.
    #[error("unknown merchant {0}")]
    UnknownMerchant(String),
    /// File-system error.
    #[error("{context}: {source}")]
    Io {
        /// What was being read or written.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl GraphStore {
    /// The one function that builds a merchant-scoped view: the general layer, the
    /// published schema and `merchant_id`'s own graph. Every read of merchant data goes
    /// through the view it returns.
    pub fn scoped(&self, merchant_id: &MerchantId) -> Result<MerchantView, StoreError> {
        if !self.has_merchant(merchant_id)? {
            return Err(StoreError::UnknownMerchant(merchant_id.to_string()));
        }
        MerchantView::new(self.clone(), merchant_id, self.published_version())
    }
}

/// Merchant facts through the scoped view, cached per merchant. An import invalidates the
/// merchant's entry.
#[derive(Clone)]
pub struct Knowledge {
    graph: GraphStore,
    cache: moka::sync::Cache<MerchantId, std::sync::Arc<MerchantFacts>>,
}

impl Knowledge {
    /// Wraps a graph store.
    pub fn new(graph: GraphStore) -> Self {
        Knowledge {
            graph,
            cache: moka::sync::Cache::new(1024),
        }
    }

    /// The merchant's facts (cached).
    pub fn facts(&self, merchant_id: &MerchantId) -> Result<std::sync::Arc<MerchantFacts>, StoreError> {
        if let Some(f) = self.cache.get(merchant_id) {
            return Ok(f);
        }
        let f = std::sync::Arc::new(self.graph.scoped(merchant_id)?.facts()?);
        self.cache.insert(merchant_id.clone(), f.clone());
        Ok(f)
    }

    /// Drops the cached facts of a merchant.
    pub fn invalidate(&self, merchant_id: &MerchantId) {
        self.cache.invalidate(merchant_id);
    }

    /// Drops every merchant's cached facts (a new schema version was published).
    pub fn invalidate_all(&self) {
        self.cache.invalidate_all();
    }

    /// The underlying graph store.
    pub fn graph(&self) -> &GraphStore {
        &self.graph
    }
}
