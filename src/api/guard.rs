//! The guard in front of every route: request id, the access table
//! ([`crate::security::rbac`]), API key, role, merchant scope, per-key concurrency, and the
//! audit record. Handlers behind it receive the caller's [`Principal`] as an extension.

use super::{ApiError, Shared};
use crate::merchant_id::MerchantId;
use crate::security::rbac::{self, Access, Lookup, Route, Scope};
use crate::security::{NewRecord, Principal};
use axum::body::Body;
use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

/// The merchant the guard checked the key against (`None`: the route names none). Handlers
/// of path- and query-scoped routes take their merchant from here, never from the request
/// again.
#[derive(Debug, Clone)]
pub(crate) struct CheckedMerchant(pub Option<MerchantId>);

/// The URL query of a query-scoped route, decoded once by the guard (the handler reads its
/// other parameters from here, never from the URI again).
#[derive(Debug, Clone)]
pub(crate) struct ParsedQuery(pub Vec<(String, String)>);

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

/// The key a request presents: `Authorization: Bearer …`, else `X-Api-Key` (an
/// `Authorization` header of another scheme does not hide a key sent beside it).
fn presented_key(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    bearer.or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()))
}

/// One request's facts for its audit record.
#[derive(Clone)]
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
    if r.status() == StatusCode::TOO_MANY_REQUESTS {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    r
}

/// Refuses a request that reaches no route (404) or is refused before routing (431): the
/// error, after an anonymous audit record of it (its key is not looked at).
pub(super) async fn refuse_unrouted(engine: &Shared, headers: &HeaderMap, path: &str, err: ApiError) -> Response {
    let call = Call {
        request_id: request_id(headers),
        action: "unrouted",
        target: path.chars().take(512).collect(),
    };
    let mut r = deny(engine, &call, None, err).await;
    if let Ok(v) = HeaderValue::from_str(&call.request_id) {
        r.headers_mut().insert("x-request-id", v);
    }
    r
}

/// The merchant a request names, by the route's scope, parsed into a [`MerchantId`]. A
/// body-scoped request's body is read (within `limits.max_body_bytes` and
/// `limits.body_read_timeout_ms`) and parsed once, into the route's typed request, which
/// goes on to the handler in place of the bytes.
async fn merchant_of(
    route: &Route,
    req: Request,
    limits: &crate::config::Limits,
) -> Result<(Option<MerchantId>, Request), ApiError> {
    match route.scope {
        Scope::None => Ok((None, req)),
        Scope::Path => {
            let (mut parts, body) = req.into_parts();
            let params = <RawPathParams as axum::extract::FromRequestParts<()>>::from_request_parts(&mut parts, &())
                .await
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", e.body_text()))?;
            let id = params.iter().find(|(k, _)| *k == "id").map(|(_, v)| merchant_id(v));
            Ok((id.transpose()?, Request::from_parts(parts, body)))
        }
        Scope::Query => {
            let pairs = super::query_pairs(req.uri().query().unwrap_or(""))?;
            let mut found = pairs.iter().filter(|(k, _)| k == "merchant");
            let m = found.next().map(|(_, v)| merchant_id(v)).transpose()?;
            if found.next().is_some() {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    "`merchant` given more than once",
                ));
            }
            let mut req = req;
            req.extensions_mut().insert(ParsedQuery(pairs));
            Ok((m, req))
        }
        Scope::Body => {
            let parse = super::body_parser(route.path).ok_or_else(|| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "no body type for this route",
                )
            })?;
            let (mut parts, body) = req.into_parts();
            super::body::require_json(&parts.headers)?;
            let bytes = super::body::read_body(body, limits).await?;
            let parsed = parse(&bytes, limits.max_json_depth)?;
            let merchant = parsed.merchant.clone();
            parts.extensions.insert(parsed);
            Ok((Some(merchant), Request::from_parts(parts, Body::empty())))
        }
    }
}

/// A merchant id named in a path or query: 400 `invalid_merchant_id` when malformed or
/// reserved.
fn merchant_id(s: &str) -> Result<MerchantId, ApiError> {
    MerchantId::parse(s).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_merchant_id", e.to_string()))
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
        let mut call = Call {
            request_id: request_id.clone(),
            action: "unlisted",
            target: req.uri().path().to_string(),
        };
        let route = match lookup {
            Lookup::Route(r) => r,
            Lookup::WrongMethod => {
                let err = ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    format!("{method} is not allowed here"),
                );
                return deny(&engine, &call, None, err).await;
            }
            Lookup::Unlisted => {
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
        call.action = route.action;
        let (principal, req, permit) = match admit(&engine, route, &mut call, req).await {
            Ok(x) => x,
            Err(response) => return response,
        };
        let response = next.run(req).await;
        drop(permit);
        // writes, SPARQL and admin calls always; and every call the handler refused
        let status = response.status();
        if route.audited || principal.role == crate::security::Role::Admin || status.is_client_error() {
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

/// Key, role, merchant scope and the per-key limit, in that order: the caller, the request
/// carrying its [`Principal`], [`CheckedMerchant`] and [`CallRecord`] (plus the parsed
/// body of a body-scoped route), and the call's permit. A refusal is audited and answered
/// here.
async fn admit(
    engine: &Shared,
    route: &'static Route,
    call: &mut Call,
    req: Request,
) -> Result<(Principal, Request, tokio::sync::OwnedSemaphorePermit), Response> {
    let principal = match presented_key(req.headers()) {
        None => Err(crate::security::keys::KeyRejection::Missing),
        Some(k) => engine.security().keys.authenticate(k),
    };
    let principal = match principal {
        Ok(p) => p,
        Err(rej) => {
            let err = ApiError::new(StatusCode::UNAUTHORIZED, rej.code(), rej.to_string());
            return Err(deny(engine, call, None, err).await);
        }
    };
    if !route.admits(principal.role) {
        let err = ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("a {} key may not call {} {}", principal.role, route.method, route.path),
        );
        return Err(deny(engine, call, Some(&principal), err).await);
    }
    let limits = &engine.config().limits;
    let (merchant, mut req) = match merchant_of(route, req, limits).await {
        Ok(x) => x,
        Err(err) => return Err(deny(engine, call, Some(&principal), err).await),
    };
    let merchant = match checked_merchant(route, &principal, merchant, call) {
        Ok(m) => m,
        Err(err) => return Err(deny(engine, call, Some(&principal), err).await),
    };
    let Some(permit) = engine.security().limiter.try_acquire(&principal.key_id) else {
        let err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "this key already has {} requests in flight (limits.max_concurrent_per_key)",
                limits.max_concurrent_per_key
            ),
        );
        return Err(deny(engine, call, Some(&principal), err).await);
    };
    req.extensions_mut().insert(principal.clone());
    req.extensions_mut().insert(CheckedMerchant(merchant));
    req.extensions_mut().insert(CallRecord {
        call: call.clone(),
        principal: principal.clone(),
    });
    Ok((principal, req, permit))
}

/// The merchant the call may touch: the one it named (the key must be allowed it; if not,
/// the same 404 as a merchant that does not exist), or, for a query-scoped route and a key
/// bound to one merchant, that one.
fn checked_merchant(
    route: &Route,
    principal: &Principal,
    named: Option<MerchantId>,
    call: &mut Call,
) -> Result<Option<MerchantId>, ApiError> {
    let merchant = match (named, route.scope) {
        (None, Scope::Query) if principal.role.has_merchants() => match principal.merchants.as_slice() {
            [only] => Some(only.clone()),
            _ => {
                return Err(crate::Error::invalid(
                    "merchant",
                    "this key has several merchants: name one with ?merchant=",
                )
                .into());
            }
        },
        (named, _) => named,
    };
    if let Some(m) = &merchant {
        call.target = m.to_string();
        if !principal.may_access(m) {
            return Err(crate::Error::UnknownMerchant(m.to_string()).into());
        }
    }
    Ok(merchant)
}

/// What a handler needs to audit a step of its own call before it responds (a SPARQL
/// query is recorded before it runs).
#[derive(Clone)]
pub(crate) struct CallRecord {
    call: Call,
    principal: Principal,
}

impl CallRecord {
    /// The caller's key id.
    pub(crate) fn key_id(&self) -> &str {
        &self.principal.key_id
    }

    /// Appends a `started` record of this call, with `detail`, before the work runs.
    pub(crate) async fn started(&self, engine: &Shared, detail: String) {
        let mut record = self
            .call
            .record(Some(&self.principal), "started", StatusCode::OK, Some(detail));
        record.status = None;
        audit(engine, record).await;
    }
}
