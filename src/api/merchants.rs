//! Merchant routes: imports, import jobs, export, subject deletion. Thin handlers: the
//! format comes from `?format=`, the `Content-Type` or the `?name=` file extension, in that
//! order; the engine does the rest.

use super::guard::CheckedMerchant;
use super::{ApiError, Shared, StrictQuery, blocking};
use crate::Error;
use crate::engine::SpoolFile;
use crate::engine::workers::Pool;
use crate::import::{Format, ImportError, Mode};
use crate::merchant_id::MerchantId;
use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use serde::Deserialize;

/// The merchant routes. Upload bodies are streamed to a spool file under their own limits
/// (`limits.max_stream_import_bytes` for N-Triples, N-Quads and Turtle,
/// `limits.max_import_bytes` for the rest), never held in memory whole.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/merchants/{id}/imports", post(import))
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

/// The merchant the guard checked (every merchant route is path-scoped).
fn checked(m: CheckedMerchant) -> Result<MerchantId, ApiError> {
    m.0.ok_or_else(|| Error::invalid("id", "no merchant in the path").into())
}

async fn import(
    State(engine): State<Shared>,
    Extension(m): Extension<CheckedMerchant>,
    StrictQuery(q): StrictQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    let mode = match q.mode.as_deref() {
        None => Mode::Merge,
        Some(m) => Mode::parse(m).ok_or_else(|| Error::invalid("mode", format!("{m:?}: use merge or replace")))?,
    };
    let format = upload_format(&q, &headers)?;
    let name = q.name.clone().unwrap_or_else(|| "upload".to_string());
    let id = checked(m)?;
    let spool = spool(&engine, body, format, &name).await?;
    let e = engine.clone();
    let job = engine
        .workers()
        .run(Pool::Import, move || {
            e.import_file(&id, spool.path(), &name, format, mode, &|_| {})
        })
        .await?;
    Ok(axum::Json(job))
}

/// Writes the body to a spool file as it arrives; 413 as soon as it passes the limit.
async fn spool(engine: &Shared, body: Body, format: Format, name: &str) -> Result<SpoolFile, ApiError> {
    use futures_util::StreamExt;
    use std::io::Write;
    let (limit, setting) = engine.upload_limit(format);
    let e = engine.clone();
    let file = blocking(move || e.spool_file()).await?;
    let path = file.path().to_path_buf();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<axum::body::Bytes>(8);
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::OpenOptions::new().write(true).open(&path)?);
        while let Some(chunk) = rx.blocking_recv() {
            w.write_all(&chunk)?;
        }
        w.flush()
    });
    let mut stream = body.into_data_stream();
    let mut total = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| super::body::body_error(&e, setting))?;
        total += chunk.len() as u64;
        if total > limit {
            return Err(Error::from(ImportError::TooLarge {
                name: name.to_string(),
                limit,
                setting,
            })
            .into());
        }
        if tx.send(chunk).await.is_err() {
            break;
        }
    }
    drop(tx);
    let written = writer.await.map_err(|e| Error::Config(format!("spool writer: {e}")))?;
    written.map_err(|source| Error::Io {
        context: "write upload to the spool".into(),
        source,
    })?;
    Ok(file)
}

async fn job(
    State(engine): State<Shared>,
    Extension(m): Extension<CheckedMerchant>,
    Path((_, job)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let id = checked(m)?;
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
    Extension(m): Extension<CheckedMerchant>,
    StrictQuery(q): StrictQuery<ExportQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let id = checked(m)?;
    let format = match q.format.as_deref() {
        None => Format::Turtle,
        Some(f) => Format::from_name(f).ok_or_else(|| Error::from(ImportError::UnsupportedFormat(f.to_string())))?,
    };
    let e = engine.clone();
    let bytes = engine
        .workers()
        .run(Pool::Import, move || e.export(&id, format))
        .await?;
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
    Extension(m): Extension<CheckedMerchant>,
    StrictQuery(q): StrictQuery<SubjectQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let id = checked(m)?;
    let e = engine.clone();
    let job = engine
        .workers()
        .run(Pool::Import, move || e.delete_subject(&id, &q.iri))
        .await?;
    Ok(axum::Json(job))
}
