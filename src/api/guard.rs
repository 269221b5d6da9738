//! The guard in front of every route: request id, the access table
//! ([`crate::security::rbac`]), API key, role, merchant scope, per-key concurrency, and the
//! audit record. Handlers behind it receive the caller's [`Principal`] as an extension.

use super::{ApiError, Shared};
use crate::security::rbac::{self, Access, Lookup, Route, Scope};
use crate::security::{NewRecord, Principal};
use axum::body::Body;
use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tracing::Instrument;

/// The merchant the guard checked the key against (`None`: the route names none). Handlers
/// of `Scope::Query` routes read their merchant from here.
#[derive(Debug, Clone)]
pub(crate) struct CheckedMerchant(pub Option<String>);

/// More about a call for its audit record (a SPARQL query), set by a handler on its
/// response.
#[derive(Debug, Clone)]
pub(crate) struct AuditDetail(pub String);

/// The request id: the client's `x-request-id` when it is short and plain, else a new one.
fn request_id(headers: &HeaderMap) -> String {
    if let Some(v) = headers.get("x-request-id").and_then(|v| v.to_str().ok())
        && !v.is_empty()
        && v.len() <= 64
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return v.to_string();
    }
    static FALLBACK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    crate::security::random_bytes::<8>()
        .map(hex::encode)
        .unwrap_or_else(|_| format!("seq{}", FALLBACK.fetch_add(1, std::sync::atomic::Ordering::Relaxed)))
}

fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer "));
    }
    headers.get("x-api-key").and_then(|v| v.to_str().ok())
}

#[derive(Deserialize)]
struct MerchantField {
    merchant_id: String,
}

/// One request's facts for its audit record.
struct Call {
    request_id: String,
    action: &'static str,
    target: String,
}

impl Call {
    fn record(
        &self,
        principal: Option<&Principal>,
        outcome: &str,
        status: StatusCode,
        detail: Option<String>,
    ) -> NewRecord {
        NewRecord {
            actor: principal
                .map(|p| p.key_id.clone())
                .unwrap_or_else(|| "anonymous".into()),
            role: principal.map(|p| p.role.name().to_string()),
            action: self.action.to_string(),
            target: self.target.clone(),
            outcome: outcome.to_string(),
            status: Some(status.as_u16()),
            request_id: Some(self.request_id.clone()),
            detail,
        }
    }
}

async fn audit(engine: &Shared, record: NewRecord) {
    let e = engine.clone();
    let done = tokio::task::spawn_blocking(move || e.security().audit.append(record)).await;
    match done {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => tracing::error!(error = %err, "audit record not written"),
        Err(err) => tracing::error!(error = %err, "audit task failed"),
    }
}

/// Refuses the call: the error response, after its audit record is written.
async fn deny(engine: &Shared, call: &Call, principal: Option<&Principal>, err: ApiError) -> Response {
    audit(
        engine,
        call.record(principal, "denied", err.status, Some(err.message.clone())),
    )
    .await;
    let mut r = err.into_response();
    if r.status() == StatusCode::UNAUTHORIZED {
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    r
}

/// The merchant a request names, by the route's scope; the body is buffered (within
/// `limits.max_body_bytes`) for `Scope::Body` and handed on unchanged.
async fn merchant_of(route: &Route, req: Request, max_body: usize) -> Result<(Option<String>, Request), ApiError> {
    match route.scope {
        Scope::None => Ok((None, req)),
        Scope::Path => {
            let (mut parts, body) = req.into_parts();
            let params = <RawPathParams as axum::extract::FromRequestParts<()>>::from_request_parts(&mut parts, &())
                .await
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", e.body_text()))?;
            let id = params.iter().find(|(k, _)| *k == "id").map(|(_, v)| v.to_string());
            Ok((id, Request::from_parts(parts, body)))
        }
        Scope::Query => {
            let q = req.uri().query().unwrap_or("");
            let m = merchant_param(q)?;
            Ok((m, req))
        }
        Scope::Body => {
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, max_body).await.map_err(|_| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "request body exceeds the configured limit (limits.max_body_bytes)",
                )
            })?;
            // A body without a string `merchant_id` is passed on: the handler refuses it (400).
            let m = serde_json::from_slice::<MerchantField>(&bytes)
                .ok()
                .map(|f| f.merchant_id);
            Ok((m, Request::from_parts(parts, Body::from(bytes))))
        }
    }
}

/// The `merchant` query parameter; given twice is an error.
fn merchant_param(q: &str) -> Result<Option<String>, ApiError> {
    let mut found = None;
    for (k, v) in form_urlencoded::parse(q.as_bytes()) {
        if k == "merchant" {
            if found.is_some() {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    "`merchant` given more than once",
                ));
            }
            found = Some(v.into_owned());
        }
    }
    Ok(found)
}

/// The middleware (`route_layer`, so it sees the matched route pattern).
pub(super) async fn guard(State(engine): State<Shared>, req: Request, next: Next) -> Response {
    let request_id = request_id(req.headers());
    let pattern = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let method = req.method().as_str().to_string();
    let span =
        tracing::info_span!("request", id = %request_id, method = %method, route = pattern.as_deref().unwrap_or("?"));
    let mut response = async {
        let lookup = pattern
            .as_deref()
            .map(|p| rbac::lookup(&method, p))
            .unwrap_or(Lookup::Unlisted);
        let route = match lookup {
            Lookup::Route(r) => r,
            Lookup::WrongMethod => {
                return ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    format!("{method} is not allowed here"),
                )
                .into_response();
            }
            Lookup::Unlisted => {
                let call = Call {
                    request_id: request_id.clone(),
                    action: "unlisted",
                    target: req.uri().path().to_string(),
                };
                let err = ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "this route is not in the access table",
                );
                return deny(&engine, &call, None, err).await;
            }
        };
        if route.access == Access::Public {
            return next.run(req).await;
        }
        let mut call = Call {
            request_id: request_id.clone(),
            action: route.action,
            target: req.uri().path().to_string(),
        };
        let principal = match presented_key(req.headers()) {
            None => Err(crate::security::keys::KeyRejection::Missing),
            Some(k) => engine.security().keys.authenticate(k),
        };
        let principal = match principal {
            Ok(p) => p,
            Err(rej) => {
                let err = ApiError::new(StatusCode::UNAUTHORIZED, rej.code(), rej.to_string());
                return deny(&engine, &call, None, err).await;
            }
        };
        if !route.admits(principal.role) {
            let err = ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("a {} key may not call {} {}", principal.role, route.method, route.path),
            );
            return deny(&engine, &call, Some(&principal), err).await;
        }
        let (mut merchant, mut req) = match merchant_of(route, req, engine.config().limits.max_body_bytes).await {
            Ok(x) => x,
            Err(err) => return deny(&engine, &call, Some(&principal), err).await,
        };
        if route.scope == Scope::Query && merchant.is_none() && principal.role.has_merchants() {
            // a chatbot or merchant key's queries always see one of its merchants
            match principal.merchants.as_slice() {
                [only] => merchant = Some(only.clone()),
                _ => {
                    let err: ApiError =
                        crate::Error::invalid("merchant", "this key has several merchants: name one with ?merchant=")
                            .into();
                    return deny(&engine, &call, Some(&principal), err).await;
                }
            }
        }
        if let Some(m) = &merchant {
            call.target = m.clone();
            if !principal.may_access(m) {
                // The same answer as for a merchant that does not exist: existence does not leak.
                let err: ApiError = crate::Error::UnknownMerchant(m.clone()).into();
                return deny(&engine, &call, Some(&principal), err).await;
            }
        }
        let Some(_permit) = engine.security().limiter.try_acquire(&principal.key_id) else {
            let mut r = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "this key already has {} requests in flight (limits.max_concurrent_per_key)",
                    engine.config().limits.max_concurrent_per_key
                ),
            )
            .into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return r;
        };
        req.extensions_mut().insert(principal.clone());
        req.extensions_mut().insert(CheckedMerchant(merchant.clone()));
        let response = next.run(req).await;
        if route.audited || principal.role == crate::security::Role::Admin {
            let status = response.status();
            let outcome = if status.is_success() || status.is_redirection() {
                "ok"
            } else {
                "error"
            };
            let detail = response.extensions().get::<AuditDetail>().map(|d| d.0.clone());
            audit(&engine, call.record(Some(&principal), outcome, status, detail)).await;
        }
        response
    }
    .instrument(span)
    .await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}
