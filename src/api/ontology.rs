//! Knowledge-editor routes: the ontology draft, its validation, publishing, versions, diffs
//! and terms, and the editor page at `/editor` (a static page that calls these routes).

use super::{ApiError, Shared, StrictQuery, blocking, upload_body};
use crate::Error;
use crate::engine::SchemaRef;
use crate::engine::workers::Pool;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use serde::Deserialize;

/// The editor page.
const EDITOR_PAGE: &str = include_str!("editor.html");

/// The editor routes; the draft upload has the import body limit.
pub(super) fn routes(max_import_bytes: usize) -> Router<Shared> {
    Router::new()
        .route("/editor", get(|| async { Html(EDITOR_PAGE) }))
        .route(
            "/v1/ontology/draft",
            get(draft).put(put_draft).layer(DefaultBodyLimit::max(max_import_bytes)),
        )
        .route("/v1/ontology/validate", post(validate))
        .route("/v1/ontology/publish", post(publish))
        .route("/v1/ontology/versions", get(versions))
        .route("/v1/ontology/diff", get(diff))
        .route("/v1/ontology/terms", get(terms))
}

async fn draft(State(engine): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    let e = engine.clone();
    let body = blocking(move || e.ontology_draft()).await?;
    Ok(([(header::CONTENT_TYPE, "text/turtle; charset=utf-8")], body))
}

async fn put_draft(
    State(engine): State<Shared>,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let body = upload_body(body, "limits.max_import_bytes")?;
    let e = engine.clone();
    let triples = engine
        .workers()
        .run(Pool::Import, move || e.put_ontology_draft(&body))
        .await?;
    Ok(axum::Json(serde_json::json!({ "triples": triples })))
}

async fn validate(State(engine): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    let e = engine.clone();
    Ok(axum::Json(blocking(move || e.validate_ontology_draft()).await?))
}

/// Query of `POST /v1/ontology/publish`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishQuery {
    /// Report what publishing would do, change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Publish even when merchants would violate the new shapes.
    #[serde(default)]
    pub force: bool,
}

async fn publish(
    State(engine): State<Shared>,
    StrictQuery(q): StrictQuery<PublishQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let e = engine.clone();
    let report = engine
        .workers()
        .run(Pool::Import, move || e.publish_ontology(q.dry_run, q.force))
        .await?;
    Ok(axum::Json(report))
}

async fn versions(State(engine): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    let e = engine.clone();
    Ok(axum::Json(blocking(move || e.ontology_versions()).await?))
}

/// Query of `GET /v1/ontology/diff`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    /// `draft`, `current` or a version number (default `current`).
    #[serde(default)]
    pub from: Option<String>,
    /// Same (default `draft`).
    #[serde(default)]
    pub to: Option<String>,
    /// `text` for the readable diff alone.
    #[serde(default)]
    pub format: Option<String>,
}

async fn diff(
    State(engine): State<Shared>,
    StrictQuery(q): StrictQuery<DiffQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let from_s = q.from.unwrap_or_else(|| "current".into());
    let to_s = q.to.unwrap_or_else(|| "draft".into());
    let from = SchemaRef::parse("from", &from_s)?;
    let to = SchemaRef::parse("to", &to_s)?;
    let text = match q.format.as_deref() {
        None | Some("json") => false,
        Some("text") => true,
        Some(f) => return Err(Error::invalid("format", format!("{f:?}: use json or text")).into()),
    };
    let e = engine.clone();
    let d = blocking(move || e.ontology_diff(from, to)).await?;
    if text {
        return Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], d.text).into_response());
    }
    let mut v = serde_json::to_value(&d).unwrap_or_default();
    v["from"] = from_s.into();
    v["to"] = to_s.into();
    Ok(axum::Json(v).into_response())
}

/// Query of `GET /v1/ontology/terms`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsQuery {
    /// `draft`, `current` or a version number (default `current`).
    #[serde(default)]
    pub version: Option<String>,
}

async fn terms(
    State(engine): State<Shared>,
    StrictQuery(q): StrictQuery<TermsQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let which = SchemaRef::parse("version", q.version.as_deref().unwrap_or("current"))?;
    let e = engine.clone();
    Ok(axum::Json(blocking(move || e.ontology_terms(which)).await?))
}
