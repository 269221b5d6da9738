//! Derived indexes over passages: BM25 text search ([`text`]), dense vectors ([`vector`])
//! and the embedding model that produces them ([`embed`]).

pub mod embed;
pub mod text;
pub mod vector;

pub use embed::Embedder;
pub use text::TextIndex;
pub use vector::{EdgeVectorIndex, VectorHit, VectorIndex, VectorPoint};

/// Errors of the index layer.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// tantivy failed.
    #[error("text index: {0}")]
    Text(String),
    /// The vector engine failed.
    #[error("vector index: {0}")]
    Vector(String),
    /// The embedding model failed to load or run.
    #[error("embedding model: {0}")]
    Embed(String),
    /// Index settings in `indexes/` are invalid.
    #[error("index settings: {0}")]
    Settings(String),
    /// File-system error.
    #[error("index i/o: {0}")]
    Io(#[from] std::io::Error),
}

impl From<tantivy::TantivyError> for IndexError {
    fn from(e: tantivy::TantivyError) -> Self {
        IndexError::Text(e.to_string())
    }
}
