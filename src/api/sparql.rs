//! `GET/POST /sparql`: the SPARQL 1.1 Protocol, read-only, over the caller's graphs only. A
//! chatbot or merchant key sees general + published schema + one of its merchants
//! (`?merchant=`, or its only one); an editor key the shared layers; an admin key the shared
//! layers, or a named merchant. The guard picks and checks the merchant
//! ([`CheckedMerchant`]). Query time and result size are limited; a query past its
//! time is cancelled and answered 503.

use super::guard::{AuditDetail, CallRecord, CheckedMerchant, ParsedQuery};
use super::{ApiError, Shared};
use crate::Error;
use crate::engine::workers::Pool;
use crate::store::sparql::{OutputFormats, QueryLimits};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::time::{Duration, Instant};

/// URL parameters of `/sparql`: `query`, and `merchant` (read and checked by the guard).
/// Anything else is refused.
fn url_query(ParsedQuery(pairs): ParsedQuery) -> Result<Option<String>, ApiError> {
    let mut query = None;
    for (k, v) in pairs {
        match k.as_str() {
            "merchant" => {}
            "query" if query.is_none() => query = Some(v),
            "query" => return Err(Error::invalid("query", "given more than once").into()),
            other => {
                return Err(Error::invalid(other, "unknown parameter: use `query` and `merchant`").into());
            }
        }
    }
    Ok(query)
}

fn query_text(method: &Method, url_query: Option<String>, headers: &HeaderMap, body: &[u8]) -> Result<String, Error> {
    if method == Method::GET || body.is_empty() {
        return url_query.ok_or_else(|| Error::invalid("query", "missing: pass ?query= or POST the query"));
    }
    if url_query.is_some() {
        return Err(Error::invalid("query", "given both in the URL and in the body"));
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let text = std::str::from_utf8(body).map_err(|e| Error::invalid("query", format!("not UTF-8: {e}")))?;
    match ct.as_str() {
        "application/sparql-query" => Ok(text.to_string()),
        "application/x-www-form-urlencoded" => {
            let pairs = super::query_pairs(text).map_err(|e| Error::invalid("body", e.message))?;
            match pairs.as_slice() {
                [(k, v)] if k == "query" => Ok(v.clone()),
                _ => Err(Error::invalid(
                    "body",
                    "a form body holds exactly one field, `query` (put `merchant` in the URL)",
                )),
            }
        }
        "application/sparql-update" => Err(Error::invalid(
            "query",
            "updates are not accepted: the endpoint is read-only",
        )),
        other => Err(Error::invalid(
            "content-type",
            format!("{other:?}: send application/sparql-query or application/x-www-form-urlencoded"),
        )),
    }
}

pub(super) async fn sparql(
    State(engine): State<Shared>,
    Extension(CheckedMerchant(merchant)): Extension<CheckedMerchant>,
    Extension(record): Extension<CallRecord>,
    Extension(pairs): Extension<ParsedQuery>,
    method: Method,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let url_query = url_query(pairs)?;
    let body = super::upload_body(body, "limits.max_body_bytes")?;
    let limits = engine.config().limits.clone();
    let text = query_text(&method, url_query, &headers, &body)?;
    if text.chars().count() > limits.max_sparql_query_chars {
        return Err(Error::invalid(
            "query",
            format!(
                "is longer than {} characters (limits.max_sparql_query_chars)",
                limits.max_sparql_query_chars
            ),
        )
        .into());
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let formats = OutputFormats::from_accept(accept);
    let timeout = Duration::from_millis(limits.sparql_timeout_ms);
    let qlimits = QueryLimits {
        max_depth: limits.max_query_depth,
        max_patterns: limits.max_query_patterns,
        deadline: Instant::now() + timeout,
        max_rows: limits.max_sparql_rows,
        token: Default::default(),
    };
    let detail = crate::security::mask::mask(&text.chars().take(2000).collect::<String>()).into_owned();
    // recorded before it runs: a query that takes its worker down still leaves a trace
    record.started(&engine, detail.clone()).await;
    let e = engine.clone();
    let cancel = qlimits.token.clone();
    let run = engine
        .workers()
        .run_within(
            Pool::Query,
            record.key_id(),
            Some(timeout),
            move || cancel.cancel(),
            move || e.sparql(merchant.as_ref(), &text, formats, &qlimits),
        )
        .await;
    let out = match run {
        Ok(Some(r)) => r.map_err(ApiError::from),
        Ok(None) => Err(Error::Store(crate::store::StoreError::QueryTimeout).into()),
        Err(e) => Err(e.into()),
    };
    let mut response = match out {
        Ok(out) => ([(header::CONTENT_TYPE, out.media_type)], out.body).into_response(),
        Err(err) => {
            let mut r = err.into_response();
            if r.status() == StatusCode::SERVICE_UNAVAILABLE {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            r
        }
    };
    response.extensions_mut().insert(AuditDetail(detail));
    Ok(response)
}
