//! `GET/POST /sparql`: the SPARQL 1.1 Protocol, read-only, over the caller's graphs only. A
//! chatbot or merchant key sees general + published schema + one of its merchants
//! (`?merchant=`, or its only one); an editor key the shared layers; an admin key the shared
//! layers, or a named merchant. The guard picks and checks the merchant
//! ([`CheckedMerchant`]). Query time and result size are limited; a query past its
//! time is cancelled and answered 503.

use super::guard::{AuditDetail, CheckedMerchant};
use super::{ApiError, Shared};
use crate::Error;
use crate::store::sparql::{OutputFormats, QueryLimits};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::time::{Duration, Instant};

/// URL parameters of `/sparql`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SparqlParams {
    /// The query (GET, or POST with no body of its own).
    #[serde(default)]
    pub query: Option<String>,
    /// The merchant whose graph to include (read and checked by the guard).
    #[serde(default)]
    pub merchant: Option<String>,
}

fn query_text(method: &Method, params: &SparqlParams, headers: &HeaderMap, body: &[u8]) -> Result<String, Error> {
    if method == Method::GET || body.is_empty() {
        return params
            .query
            .clone()
            .ok_or_else(|| Error::invalid("query", "missing: pass ?query= or POST the query"));
    }
    if params.query.is_some() {
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
        "application/x-www-form-urlencoded" => match form_urlencoded::parse(body).collect::<Vec<_>>().as_slice() {
            [(k, v)] if k == "query" => Ok(v.to_string()),
            _ => Err(Error::invalid(
                "body",
                "a form body holds exactly one field, `query` (put `merchant` in the URL)",
            )),
        },
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
    method: Method,
    params: Result<Query<SparqlParams>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params?;
    if params.merchant.is_some() && params.merchant != merchant {
        // the guard read the same parameter; a mismatch means the request changed in between
        return Err(Error::invalid("merchant", "does not match the checked merchant").into());
    }
    let body = super::upload_body(body, "query")?;
    let limits = engine.config().limits.clone();
    let text = query_text(&method, &params, &headers, &body)?;
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
        deadline: Instant::now() + timeout,
        max_rows: limits.max_sparql_rows,
        token: Default::default(),
    };
    let token = qlimits.token.clone();
    let detail = AuditDetail(crate::security::mask::mask(&text.chars().take(2000).collect::<String>()).into_owned());
    let e = engine.clone();
    let q = text.clone();
    let run = super::blocking(move || e.sparql(merchant.as_deref(), &q, formats, &qlimits));
    let out = match tokio::time::timeout(timeout, run).await {
        Ok(r) => r,
        Err(_) => {
            token.cancel();
            Err(Error::Store(crate::store::StoreError::QueryTimeout).into())
        }
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
    response.extensions_mut().insert(detail);
    Ok(response)
}
