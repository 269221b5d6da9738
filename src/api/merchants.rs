//! Merchant routes: imports, import jobs, export, subject deletion. Thin handlers: the
//! format comes from `?format=`, the `Content-Type` or the `?name=` file extension, in that
//! order; the engine does the rest.

use super::{ApiError, Shared, blocking, upload_body};
use crate::Error;
use crate::import::{Format, ImportError, Mode, Upload};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use serde::Deserialize;

/// The merchant routes, with their own body limit for uploads.
pub(super) fn routes(max_import_bytes: usize) -> Router<Shared> {
    Router::new()
        .route(
            "/v1/merchants/{id}/imports",
            post(import).layer(DefaultBodyLimit::max(max_import_bytes)),
        )
        .route("/v1/merchants/{id}/imports/{job}", get(job))
        .route("/v1/merchants/{id}/export", get(export))
        .route("/v1/merchants/{id}/subjects", delete(delete_subject))
}

/// Query of `POST /v1/merchants/{id}/imports`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `merge` (default) or `replace`.
    #[serde(default)]
    pub mode: Option<String>,
    /// Format name (`turtle`, `ntriples`, `nquads`, `jsonld`, `rdfxml`, `csv`, `tsv`).
    #[serde(default)]
    pub format: Option<String>,
    /// Source file name, for messages and the job record (its extension can give the format).
    #[serde(default)]
    pub name: Option<String>,
}

fn upload_format(q: &ImportQuery, headers: &HeaderMap) -> Result<Format, Error> {
    if let Some(f) = &q.format {
        return Format::from_name(f).ok_or_else(|| ImportError::UnsupportedFormat(f.clone()).into());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(f) = Format::from_media_type(content_type) {
        return Ok(f);
    }
    if let Some(f) = q
        .name
        .as_deref()
        .and_then(|n| Format::from_path(std::path::Path::new(n)))
    {
        return Ok(f);
    }
    let told = if content_type.is_empty() {
        "no Content-Type"
    } else {
        content_type
    };
    Err(ImportError::UnsupportedFormat(told.to_string()).into())
}

async fn import(
    State(engine): State<Shared>,
    Path(id): Path<String>,
    q: Result<Query<ImportQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(q) = q?;
    let body = upload_body(body, "upload")?;
    let mode = match q.mode.as_deref() {
        None => Mode::Merge,
        Some(m) => Mode::parse(m).ok_or_else(|| Error::invalid("mode", format!("{m:?}: use merge or replace")))?,
    };
    let format = upload_format(&q, &headers)?;
    let name = q.name.clone().unwrap_or_else(|| "upload".to_string());
    let e = engine.clone();
    let job = blocking(move || {
        e.import(
            &id,
            Upload {
                name: &name,
                format,
                data: &body,
            },
            mode,
        )
    })
    .await?;
    Ok(axum::Json(job))
}

async fn job(
    State(engine): State<Shared>,
    Path((id, job)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let e = engine.clone();
    Ok(axum::Json(blocking(move || e.job(&id, &job)).await?))
}

/// Query of `GET /v1/merchants/{id}/export`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Format name; Turtle by default.
    #[serde(default)]
    pub format: Option<String>,
}

async fn export(
    State(engine): State<Shared>,
    Path(id): Path<String>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(q) = q?;
    let format = match q.format.as_deref() {
        None => Format::Turtle,
        Some(f) => Format::from_name(f).ok_or_else(|| Error::from(ImportError::UnsupportedFormat(f.to_string())))?,
    };
    let e = engine.clone();
    let bytes = blocking(move || e.export(&id, format)).await?;
    Ok(([(header::CONTENT_TYPE, format.media_type())], bytes))
}

/// Query of `DELETE /v1/merchants/{id}/subjects`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectQuery {
    /// The subject IRI.
    pub iri: String,
}

async fn delete_subject(
    State(engine): State<Shared>,
    Path(id): Path<String>,
    q: Result<Query<SubjectQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(q) = q?;
    let e = engine.clone();
    Ok(axum::Json(blocking(move || e.delete_subject(&id, &q.iri)).await?))
}
