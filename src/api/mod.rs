//! HTTP API (axum). Handlers are thin: they validate the request into domain types, call
//! the engine's merchant-scoped API on a blocking thread, and map errors to JSON bodies
//! `{"error": {"code", "message"}}`.

use crate::Error;
use crate::engine::Engine;
use crate::merchant_id::MerchantId;
use crate::pipeline::{Clock, Question};
use crate::store::StoreError;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use body::{Checked, ScopedBody};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use tower_http::trace::TraceLayer;

mod admin;
mod body;
mod guard;
mod merchants;
mod ontology;
mod server;
mod sparql;

pub use server::serve_on;

/// An API error: status, machine-readable code, human message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: serde_json::Value,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: serde_json::Value::Null,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code, "message": self.message });
        if !self.details.is_null() {
            error["details"] = self.details;
        }
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = match &e {
            Error::InvalidRequest { .. } => StatusCode::BAD_REQUEST,
            Error::UnknownMerchant(_) | Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Import(crate::import::ImportError::UnsupportedFormat(_)) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Import(
                crate::import::ImportError::TooManyTriples { .. } | crate::import::ImportError::TooLarge { .. },
            ) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Import(_) => StatusCode::BAD_REQUEST,
            Error::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Conflict { .. } => StatusCode::CONFLICT,
            Error::Store(
                StoreError::QuerySyntax(_)
                | StoreError::ServiceNotAllowed(_)
                | StoreError::ResultTooLarge(_)
                | StoreError::TooDeep(_)
                | StoreError::TooManyPatterns(_)
                | StoreError::InvalidMerchantId(_),
            )
            | Error::Security(crate::security::SecurityError::Invalid { .. }) => StatusCode::BAD_REQUEST,
            Error::Store(StoreError::QueryTimeout) | Error::Overloaded(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        match &e {
            // the client's query ran out of its time: its doing, not the service's
            Error::Store(StoreError::QueryTimeout) => tracing::info!(error = %e, "query cancelled"),
            Error::Overloaded(_) => tracing::warn!(error = %e, "refused"),
            _ if status.is_server_error() => tracing::error!(error = %e, "request failed"),
            _ => {}
        }
        let details = match &e {
            Error::Import(i) => i.details(),
            Error::Rejected(job) => serde_json::to_value(job).unwrap_or_default(),
            Error::Conflict { details, .. } => details.clone(),
            _ => serde_json::Value::Null,
        };
        ApiError {
            status,
            code: e.code(),
            message: e.to_string(),
            details,
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", r.body_text())
    }
}

pub(crate) type Shared = Arc<Engine>;

/// `POST /v1/answer` and `/v1/search` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskBody {
    /// Merchant id.
    pub merchant_id: MerchantId,
    /// Question.
    pub question: String,
    /// Conversation id.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Answer as of this RFC 3339 time instead of now.
    #[serde(default)]
    pub now: Option<String>,
}

/// `POST /v1/validate` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateBody {
    /// Merchant id.
    pub merchant_id: MerchantId,
    /// Answer text to check.
    pub answer: String,
    /// The question it answers (context).
    #[serde(default)]
    pub question: Option<String>,
    /// Check as of this RFC 3339 time instead of now.
    #[serde(default)]
    pub now: Option<String>,
}

impl ScopedBody for AskBody {
    fn merchant_id(&self) -> &MerchantId {
        &self.merchant_id
    }
}

impl ScopedBody for ValidateBody {
    fn merchant_id(&self) -> &MerchantId {
        &self.merchant_id
    }
}

/// The typed request of each body-scoped route (`Scope::Body` in the access table): the
/// guard parses the body into it once, checks its merchant, and hands it to the handler.
fn body_parser(route: &str) -> Option<body::Parser> {
    match route {
        "/v1/answer" | "/v1/search" => Some(body::parser::<AskBody>),
        "/v1/validate" => Some(body::parser::<ValidateBody>),
        _ => None,
    }
}

/// A route's URL query as `T`, its values percent-decoded strictly: 400 `invalid_query`
/// when one is not UTF-8 once decoded, or does not fit `T`.
pub(crate) struct StrictQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for StrictQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, ApiError> {
        query_pairs(parts.uri.query().unwrap_or(""))?;
        let axum::extract::Query(t) = axum::extract::Query::<T>::try_from_uri(&parts.uri)?;
        Ok(StrictQuery(t))
    }
}

/// The pairs of a URL query, percent-decoded strictly: 400 `invalid_query` when a value
/// is not UTF-8 (never replaced characters).
fn query_pairs(q: &str) -> Result<Vec<(String, String)>, ApiError> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("not UTF-8 once decoded: {e}"),
                )
            })
    };
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

/// Parses an optional RFC 3339 time; defaults to the wall clock (the edge is the only place
/// that reads it).
pub fn clock(now: Option<&str>) -> Result<Clock, Error> {
    match now {
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|e| Error::invalid("now", format!("not an RFC 3339 time: {e}"))),
        None => Ok(chrono::Local::now().fixed_offset()),
    }
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
        .map_err(ApiError::from)
}

/// A buffered request body, or 413 naming the limit `setting` it passed (408 when it
/// stalled past `limits.body_read_timeout_ms`).
pub(crate) fn upload_body(
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
    setting: &str,
) -> Result<axum::body::Bytes, ApiError> {
    body.map_err(|e| body::body_error(&e, setting))
}

/// A response body with every sensitive value in it masked (what the shopper typed, too).
fn shown(mut body: serde_json::Value) -> Json<serde_json::Value> {
    crate::security::mask::mask_json(&mut body);
    Json(body)
}

/// Validates an ask body into the domain types at the edge.
fn ask(engine: &Engine, b: AskBody) -> Result<(Question, Clock), ApiError> {
    let q = Question::new(
        b.merchant_id,
        &b.question,
        b.session_id,
        engine.config().limits.max_question_chars,
    )?;
    Ok((q, clock(b.now.as_deref())?))
}

async fn answer(State(engine): State<Shared>, Checked(body): Checked<AskBody>) -> Result<impl IntoResponse, ApiError> {
    let (q, at) = ask(&engine, body)?;
    let e = engine.clone();
    let r = blocking(move || e.answer(q, at)).await?;
    Ok(shown(serde_json::to_value(r).unwrap_or_default()))
}

async fn search(State(engine): State<Shared>, Checked(body): Checked<AskBody>) -> Result<impl IntoResponse, ApiError> {
    let (q, at) = ask(&engine, body)?;
    let e = engine.clone();
    let r = blocking(move || e.search(q, at)).await?;
    let u = &r.understood;
    Ok(shown(json!({
        "merchant_id": u.question.merchant_id,
        "question": u.question.text,
        "intent": u.intent,
        "entities": u.entities,
        "evidence": r.evidence,
    })))
}

/// A text field within `max` characters once trimmed (`empty_ok` or not).
fn bounded_text(field: &str, text: &str, max: usize, empty_ok: bool) -> Result<String, Error> {
    let text = text.trim();
    if text.is_empty() && !empty_ok {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(Error::invalid(field, format!("is longer than {max} characters")));
    }
    Ok(text.to_string())
}

async fn validate(
    State(engine): State<Shared>,
    Checked(b): Checked<ValidateBody>,
) -> Result<impl IntoResponse, ApiError> {
    let limits = &engine.config().limits;
    let answer = bounded_text("answer", &b.answer, limits.max_answer_chars, false)?;
    let question = bounded_text(
        "question",
        b.question.as_deref().unwrap_or_default(),
        limits.max_question_chars,
        true,
    )?;
    let at = clock(b.now.as_deref())?;
    let e = engine.clone();
    let m = b.merchant_id.clone();
    let v = blocking(move || e.validate(&m, &answer, &question, at)).await?;
    Ok(shown(
        json!({ "merchant_id": b.merchant_id, "verdict": v.verdict, "claims": v.claims,
            "contradicted": v.contradicted, "unsupported": v.unsupported,
            "corrections": v.corrections, "corrected_answer": v.corrected_answer }),
    ))
}

async fn healthz(State(engine): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    let e = engine.clone();
    let stats = blocking(move || e.stats()).await?;
    Ok(Json(json!({ "status": "ok", "stats": stats })))
}

async fn not_found(State(engine): State<Shared>, headers: axum::http::HeaderMap, uri: axum::http::Uri) -> Response {
    let err = ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route");
    guard::refuse_unrouted(&engine, &headers, uri.path(), err).await
}

/// The router with every route, the guard (keys, roles, merchant scope, limits, audit;
/// [`crate::security::rbac::ROUTES`]) and the body-size limit.
pub fn router(engine: Arc<Engine>) -> Router {
    let limit = engine.config().limits.max_body_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/answer", post(answer))
        .route("/v1/search", post(search))
        .route("/v1/validate", post(validate))
        .route("/sparql", get(sparql::sparql).post(sparql::sparql))
        .route("/v1/audit", get(admin::audit))
        .merge(merchants::routes())
        .merge(ontology::routes(engine.config().limits.max_import_bytes))
        .route_layer(axum::middleware::from_fn_with_state(engine.clone(), guard::guard))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            std::time::Duration::from_millis(engine.config().limits.body_read_timeout_ms),
        ))
        .layer(axum::middleware::from_fn_with_state(
            engine.clone(),
            server::headers_limit,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(engine)
}

/// Serves the API on `listen` until ctrl-c.
pub async fn serve(engine: Arc<Engine>, listen: &str) -> Result<(), Error> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| Error::Io {
            context: format!("bind {listen}"),
            source,
        })?;
    tracing::info!(%listen, "zhiku serving");
    let days = engine.config().security.audit_retention_days;
    let pruner = engine.security().clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
        loop {
            every.tick().await;
            let s = pruner.clone();
            match tokio::task::spawn_blocking(move || s.prune_audit(days)).await {
                Ok(Ok(n)) if n > 0 => tracing::info!(pruned = n, days, "audit records past retention pruned"),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "audit prune failed"),
                Err(e) => tracing::error!(error = %e, "audit prune task failed"),
            }
        }
    });
    let limits = engine.config().limits.clone();
    serve_on(listener, router(engine), &limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|source| Error::Io {
        context: "serve".into(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A log sink for one test.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_body_scoped_route_has_its_typed_request() {
        use crate::security::rbac::{ROUTES, Scope};
        for r in ROUTES {
            assert_eq!(
                r.scope == Scope::Body,
                body_parser(r.path).is_some(),
                "{} {}",
                r.method,
                r.path
            );
        }
    }

    #[test]
    fn a_query_the_client_let_run_out_is_not_logged_as_an_error() {
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let timeout = ApiError::from(Error::Store(StoreError::QueryTimeout));
            assert_eq!(timeout.status, StatusCode::SERVICE_UNAVAILABLE);
            let _ = ApiError::from(Error::Internal("a worker panicked".into()));
        });
        let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let line = |needle: &str| log.lines().find(|l| l.contains(needle)).unwrap_or_default().to_string();
        let timeout = line("limits.sparql_timeout_ms");
        assert!(timeout.contains("INFO") && !timeout.contains("ERROR"), "{log}");
        assert!(line("a worker panicked").contains("ERROR"), "{log}");
    }
}
