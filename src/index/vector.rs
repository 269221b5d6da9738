//! Dense-vector index behind one trait, [`VectorIndex`].
//!
//! The default implementation, [`EdgeVectorIndex`], is Qdrant's embedded engine (qdrant-edge,
//! an `EdgeShard` in a local folder). A Qdrant-cluster implementation can sit behind the same
//! trait.
//!
//! Every point carries the payload `{"merchant_id", "passage_id"}`; `merchant_id` has a keyword
//! payload index, and every search is scoped to a set of merchants by a filter, so one
//! merchant never sees another merchant's passages.
//!
//! The vector index is derived data: it can be rebuilt from the knowledge graph at any time.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use qdrant_edge::{
    Condition, CountRequest, CreateIndex, Distance, EdgeConfigBuilder, EdgeShard, EdgeVectorParamsBuilder,
    FieldCondition, FieldIndexOperations, Filter, JsonPath, Match, NamedQuery, PayloadFieldSchema, PayloadSchemaType,
    PointId, PointInsertOperations, PointOperations, PointStruct, PointStructPersisted, QueryEnum, QueryRequest,
    ScoringQuery, SearchParams, UpdateOperation, VectorInternal, Vectors, WithPayloadInterface, WithVector,
};
use serde::{Deserialize, Serialize};

use super::IndexError;

/// Name of the dense vector in the shard.
const VECTOR_NAME: &str = "dense";
/// Payload key of the merchant id (keyword-indexed).
const MERCHANT_KEY: &str = "merchant_id";
/// Payload key of the passage id.
const PASSAGE_KEY: &str = "passage_id";
/// File qdrant-edge writes its configuration to; its presence means an existing shard.
const EDGE_CONFIG_FILE: &str = "edge_config.json";
/// Points per update operation (one WAL record each).
const UPSERT_CHUNK: usize = 1_000;

/// One passage vector to store.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorPoint {
    /// Point id, unique within the index; upserting the same id replaces the point.
    pub id: u64,
    /// Merchant that owns the passage (stored as keyword payload, used by every filter).
    pub merchant_id: String,
    /// Id of the passage the vector was computed from.
    pub passage_id: String,
    /// The embedding; its length must equal the index dimension.
    pub vector: Vec<f32>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorHit {
    /// Id of the matching passage.
    pub passage_id: String,
    /// Cosine similarity to the query (higher is closer).
    pub score: f32,
}

/// One trait for the embedded engine (default) and a Qdrant cluster (later issue).
pub trait VectorIndex: Send + Sync {
    /// Inserts or replaces points; durable (flushed) when it returns.
    ///
    /// # Errors
    /// [`IndexError::Vector`] when a vector has the wrong dimension or is not finite, or the
    /// engine fails.
    fn upsert(&self, points: Vec<VectorPoint>) -> Result<(), IndexError>;

    /// Deletes every point whose payload merchant_id equals `merchant_id`; durable when it returns.
    ///
    /// # Errors
    /// [`IndexError::Vector`] when the engine fails.
    fn delete_merchant(&self, merchant_id: &str) -> Result<(), IndexError>;

    /// Deletes the points with these ids (absent ids are ignored); durable when it returns.
    ///
    /// # Errors
    /// [`IndexError::Vector`] when the engine fails.
    fn delete_points(&self, ids: &[u64]) -> Result<(), IndexError>;

    /// Top-`limit` points by cosine similarity among points whose merchant_id is one of `merchant_ids`.
    ///
    /// Hits come best first. An empty `merchant_ids` or a `limit` of 0 gives no hits.
    ///
    /// # Errors
    /// [`IndexError::Vector`] when `vector` has the wrong dimension or the engine fails.
    fn search(&self, merchant_ids: &[&str], vector: &[f32], limit: usize) -> Result<Vec<VectorHit>, IndexError>;

    /// Number of points stored.
    ///
    /// # Errors
    /// [`IndexError::Vector`] when the engine fails.
    fn count(&self) -> Result<usize, IndexError>;
}

/// Settings of the vector index (the `vector` table of the index settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VectorSettings {
    /// Vector dimension; must match the embedding model (384 for multilingual-e5-small).
    pub dim: usize,
    /// HNSW beam width at query time; larger is more accurate and slower. Only matters once
    /// the index has been built by [`EdgeVectorIndex::optimize`]; before that search is exact.
    pub hnsw_ef: usize,
}

impl Default for VectorSettings {
    fn default() -> Self {
        VectorSettings {
            dim: super::embed::DIM,
            hnsw_ef: 128,
        }
    }
}

impl VectorSettings {
    /// Checks that the values are usable.
    ///
    /// # Errors
    /// [`IndexError::Settings`] when `dim` or `hnsw_ef` is 0.
    pub fn validate(&self) -> Result<(), IndexError> {
        if self.dim == 0 {
            return Err(IndexError::Settings("vector.dim must be positive".into()));
        }
        if self.hnsw_ef == 0 {
            return Err(IndexError::Settings("vector.hnsw_ef must be positive".into()));
        }
        Ok(())
    }
}

/// Converts an engine error (or any displayable error) into [`IndexError::Vector`].
fn engine_error(context: &str, e: impl fmt::Display) -> IndexError {
    IndexError::Vector(format!("{context}: {e}"))
}

/// Parses a payload key.
fn json_path(key: &str) -> Result<JsonPath, IndexError> {
    key.parse::<JsonPath>()
        .map_err(|()| IndexError::Vector(format!("invalid payload key {key:?}")))
}

/// Dense-vector index over qdrant-edge, stored in one folder.
///
/// Sharp edges of the engine absorbed here:
/// - all writes and flushes go through one mutex (`EdgeShard::flush` panics when another
///   thread is updating); searches run concurrently and take no lock of ours;
/// - every write is flushed before it returns, because loading does not replay the WAL;
/// - a panic inside the engine during a write is caught and returned as an error;
/// - inputs are validated before they reach the engine, whose first internal error is slow
///   (it captures a backtrace).
///
/// The engine locks its folder: one process may open a given path only once at a time.
/// Its WAL is never truncated; compact by rebuilding into a fresh folder.
pub struct EdgeVectorIndex {
    /// The shard; reads go straight to it.
    shard: EdgeShard,
    /// Serialises updates, optimisation and flushes.
    writer: Mutex<()>,
    /// Vector dimension.
    dim: usize,
    /// HNSW beam width for searches.
    hnsw_ef: usize,
    /// Folder of the shard.
    path: PathBuf,
    /// Parsed `merchant_id` key.
    merchant_key: JsonPath,
    /// Parsed `passage_id` key.
    passage_key: JsonPath,
}

impl fmt::Debug for EdgeVectorIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EdgeVectorIndex")
            .field("path", &self.path)
            .field("dim", &self.dim)
            .field("hnsw_ef", &self.hnsw_ef)
            .finish_non_exhaustive()
    }
}

impl EdgeVectorIndex {
    /// Opens the index in `path`, creating it (and the folder) when it does not exist yet.
    ///
    /// A new index gets the named dense vector `"dense"` of `settings.dim` dimensions with
    /// cosine distance and a keyword payload index on `merchant_id`. An existing index must
    /// have the same dimension.
    ///
    /// # Errors
    /// [`IndexError::Settings`] for invalid settings or a dimension that differs from the
    /// stored index (rebuild it); [`IndexError::Vector`] when the engine cannot open the
    /// folder (for example, it is already open in this process); [`IndexError::Io`] when the
    /// folder cannot be created.
    pub fn open(path: &Path, settings: &VectorSettings) -> Result<Self, IndexError> {
        settings.validate()?;
        std::fs::create_dir_all(path)?;

        let existing = path.join(EDGE_CONFIG_FILE).is_file();
        let shard = if existing {
            EdgeShard::load(path, None).map_err(|e| engine_error(&format!("cannot load {}", path.display()), e))?
        } else {
            let config = EdgeConfigBuilder::new()
                .vector(
                    VECTOR_NAME,
                    EdgeVectorParamsBuilder::new(settings.dim, Distance::Cosine).build(),
                )
                .build();
            EdgeShard::new(path, config).map_err(|e| engine_error(&format!("cannot create {}", path.display()), e))?
        };

        if existing {
            let config = shard.config();
            match config.vectors.get(VECTOR_NAME) {
                Some(params) if params.size == settings.dim && params.distance == Distance::Cosine => {}
                Some(params) => {
                    return Err(IndexError::Settings(format!(
                        "vector index {} has {} dimensions ({:?}), settings ask for {} (Cosine); \
                         delete the folder to rebuild it",
                        path.display(),
                        params.size,
                        params.distance,
                        settings.dim
                    )));
                }
                None => {
                    return Err(IndexError::Settings(format!(
                        "vector index {} has no vector named {VECTOR_NAME:?}; delete the folder to rebuild it",
                        path.display()
                    )));
                }
            }
        }

        let index = EdgeVectorIndex {
            shard,
            writer: Mutex::new(()),
            dim: settings.dim,
            hnsw_ef: settings.hnsw_ef,
            path: path.to_path_buf(),
            merchant_key: json_path(MERCHANT_KEY)?,
            passage_key: json_path(PASSAGE_KEY)?,
        };
        index.ensure_merchant_index()?;
        Ok(index)
    }

    /// Folder of the index.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Vector dimension of the index.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Builds the HNSW index and merges segments, blocking until done (about 10 s for 20,000
    /// points on 2 cores), then flushes. Until it runs, searches are exact (brute force), which
    /// is fine for small indexes. Returns whether anything was optimised.
    ///
    /// Writes wait while it runs; searches do not.
    ///
    /// # Errors
    /// [`IndexError::Vector`] when the engine fails.
    pub fn optimize(&self) -> Result<bool, IndexError> {
        self.write("optimize", |shard| {
            shard.optimize().map_err(|e| engine_error("optimize", e))
        })
    }

    /// Creates the keyword index on `merchant_id` unless it exists.
    fn ensure_merchant_index(&self) -> Result<(), IndexError> {
        if self.shard.info().payload_schema.contains_key(&self.merchant_key) {
            return Ok(());
        }
        let operation = UpdateOperation::FieldIndexOperation(FieldIndexOperations::CreateIndex(CreateIndex {
            field_name: self.merchant_key.clone(),
            field_schema: Some(PayloadFieldSchema::FieldType(PayloadSchemaType::Keyword)),
        }));
        self.write("create merchant_id index", |shard| {
            shard
                .update(operation)
                .map_err(|e| engine_error("create merchant_id index", e))
        })
    }

    /// Runs `f` as the only writer, then flushes; engine panics become errors.
    fn write<T>(&self, what: &str, f: impl FnOnce(&EdgeShard) -> Result<T, IndexError>) -> Result<T, IndexError> {
        let _guard = self
            .writer
            .lock()
            .map_err(|_| IndexError::Vector("vector index writer lock poisoned".into()))?;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let value = f(&self.shard)?;
            self.shard.flush();
            Ok(value)
        }));
        match outcome {
            Ok(result) => result,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(IndexError::Vector(format!("{what}: the engine panicked: {message}")))
            }
        }
    }

    /// Checks a vector's dimension and values.
    fn check_vector(&self, vector: &[f32], what: &str) -> Result<(), IndexError> {
        if vector.len() != self.dim {
            return Err(IndexError::Vector(format!(
                "{what} has {} dimensions, the index has {}",
                vector.len(),
                self.dim
            )));
        }
        if !vector.iter().all(|x| x.is_finite()) {
            return Err(IndexError::Vector(format!("{what} contains NaN or infinity")));
        }
        Ok(())
    }

    /// Filter matching points whose merchant_id is one of `merchant_ids`.
    fn merchant_filter(&self, merchant_ids: &[&str]) -> Filter {
        let matcher = match merchant_ids {
            [one] => Match::from((*one).to_owned()),
            many => Match::from(many.iter().map(|m| (*m).to_owned()).collect::<Vec<_>>()),
        };
        Filter::new_must(Condition::Field(FieldCondition::new_match(
            self.merchant_key.clone(),
            matcher,
        )))
    }
}

impl VectorIndex for EdgeVectorIndex {
    fn upsert(&self, points: Vec<VectorPoint>) -> Result<(), IndexError> {
        if points.is_empty() {
            return Ok(());
        }
        for p in &points {
            self.check_vector(&p.vector, &format!("vector of point {}", p.id))?;
        }
        let mut batches: Vec<Vec<PointStructPersisted>> = Vec::new();
        let mut points = points.into_iter().peekable();
        while points.peek().is_some() {
            let batch = points
                .by_ref()
                .take(UPSERT_CHUNK)
                .map(|p| {
                    PointStruct::new(
                        p.id,
                        Vectors::new_named([(VECTOR_NAME, p.vector)]),
                        serde_json::json!({ MERCHANT_KEY: p.merchant_id, PASSAGE_KEY: p.passage_id }),
                    )
                    .into()
                })
                .collect();
            batches.push(batch);
        }
        self.write("upsert", |shard| {
            for batch in batches {
                shard
                    .update(UpdateOperation::PointOperation(PointOperations::UpsertPoints(
                        PointInsertOperations::PointsList(batch),
                    )))
                    .map_err(|e| engine_error("upsert", e))?;
            }
            Ok(())
        })
    }

    fn delete_merchant(&self, merchant_id: &str) -> Result<(), IndexError> {
        let filter = self.merchant_filter(&[merchant_id]);
        self.write("delete merchant", |shard| {
            shard
                .update(UpdateOperation::PointOperation(PointOperations::DeletePointsByFilter(
                    filter,
                )))
                .map_err(|e| engine_error("delete merchant", e))
        })
    }

    fn delete_points(&self, ids: &[u64]) -> Result<(), IndexError> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids = ids.iter().map(|&id| PointId::NumId(id)).collect();
        self.write("delete points", |shard| {
            shard
                .update(UpdateOperation::PointOperation(PointOperations::DeletePoints { ids }))
                .map_err(|e| engine_error("delete points", e))
        })
    }

    fn search(&self, merchant_ids: &[&str], vector: &[f32], limit: usize) -> Result<Vec<VectorHit>, IndexError> {
        if merchant_ids.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        self.check_vector(vector, "query vector")?;
        let request = QueryRequest {
            prefetches: Vec::new(),
            query: Some(ScoringQuery::Vector(QueryEnum::Nearest(NamedQuery::new(
                VectorInternal::Dense(vector.to_vec()),
                VECTOR_NAME,
            )))),
            filter: Some(self.merchant_filter(merchant_ids)),
            score_threshold: None,
            limit,
            offset: 0,
            params: Some(SearchParams {
                hnsw_ef: Some(self.hnsw_ef),
                ..SearchParams::default()
            }),
            with_vector: WithVector::Bool(false),
            with_payload: WithPayloadInterface::Fields(vec![self.passage_key.clone()]),
        };
        let points = self.shard.query(request).map_err(|e| engine_error("search", e))?;
        let mut hits = Vec::with_capacity(points.len());
        for point in points {
            let passage_id = point
                .payload
                .as_ref()
                .and_then(|p| p.0.get(PASSAGE_KEY))
                .and_then(|v| v.as_str());
            match passage_id {
                Some(id) => hits.push(VectorHit {
                    passage_id: id.to_owned(),
                    score: point.score,
                }),
                None => {
                    tracing::warn!(point = ?point.id, "vector point without passage_id payload");
                }
            }
        }
        Ok(hits)
    }

    fn count(&self) -> Result<usize, IndexError> {
        self.shard
            .count(CountRequest {
                filter: None,
                exact: true,
            })
            .map_err(|e| engine_error("count", e))
    }
}
