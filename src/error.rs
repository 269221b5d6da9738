//! The crate-wide error type. Each variant maps to one HTTP status and one machine-readable
//! code (see [`Error::code`]).

use crate::import::{ImportError, Job};
use crate::index::IndexError;
use crate::store::StoreError;

/// Errors of the service, as seen by callers of the library and the HTTP API.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed: a field is missing, empty, too long or of the wrong type.
    #[error("invalid request: {field}: {message}")]
    InvalidRequest {
        /// The offending field.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The merchant id names no merchant graph.
    #[error("unknown merchant: {0}")]
    UnknownMerchant(String),
    /// Something named in the request does not exist (an import job, a subject).
    #[error("not found: {0}")]
    NotFound(String),
    /// An upload cannot be parsed (the message names the line and column).
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The request conflicts with the stored state (an ontology draft with problems, a
    /// publish that would break merchants); `details` says what.
    #[error("{message}")]
    Conflict {
        /// Machine-readable code.
        code: &'static str,
        /// Human message.
        message: String,
        /// Structured report.
        details: serde_json::Value,
    },
    /// SHACL validation rejected an import; nothing was written. The job carries the report.
    #[error("import rejected: {} SHACL violation(s); nothing was written", .0.validation.as_ref().map(|v| v.violations).unwrap_or(0))]
    Rejected(Box<Job>),
    /// The knowledge store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Keys or the audit trail failed, or a request to them is malformed.
    #[error(transparent)]
    Security(#[from] crate::security::SecurityError),
    /// An index (text, vector, embedding) failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A template failed to render.
    #[error("template error: {0}")]
    Template(String),
    /// Too much work is still running (queries that outlived their deadline); retry later.
    #[error("overloaded: {0}")]
    Overloaded(String),
    /// A worker failed on this request (it panicked); the service goes on.
    #[error("internal error: {0}")]
    Internal(String),
    /// Configuration is incomplete or inconsistent.
    #[error("configuration error: {0}")]
    Config(String),
    /// An I/O error outside the stores (reading an input file, for example).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl Error {
    /// The machine-readable error code returned by the HTTP API.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidRequest { .. } => "invalid_request",
            Error::UnknownMerchant(_) => "unknown_merchant",
            Error::NotFound(_) => "not_found",
            Error::Import(e) => e.code(),
            Error::Rejected(_) => "shacl_violation",
            Error::Conflict { code, .. } => code,
            Error::Store(StoreError::QuerySyntax(_)) => "sparql_syntax",
            Error::Store(StoreError::ServiceNotAllowed(_)) => "service_not_allowed",
            Error::Store(StoreError::QueryTimeout) => "query_timeout",
            Error::Store(StoreError::ResultTooLarge(_)) => "result_too_large",
            Error::Store(StoreError::InvalidMerchantId(_)) => "invalid_merchant_id",
            Error::Store(StoreError::TooDeep(_)) => "too_deep",
            Error::Store(StoreError::TooManyPatterns(_)) => "query_too_large",
            Error::Store(_) => "store_error",
            Error::Security(crate::security::SecurityError::Invalid { .. }) => "invalid_request",
            Error::Security(_) => "security_error",
            Error::Index(_) => "index_error",
            Error::Template(_) => "template_error",
            Error::Config(_) => "config_error",
            Error::Internal(_) => "internal",
            Error::Overloaded(_) => "overloaded",
            Error::Io { .. } => "io_error",
        }
    }

    /// Shorthand for [`Error::InvalidRequest`].
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl From<minijinja::Error> for Error {
    fn from(e: minijinja::Error) -> Self {
        Error::Template(e.to_string())
    }
}
