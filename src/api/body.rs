//! Request bodies: read within their size and time limits, and JSON bodies parsed once. The
//! guard reads a body-scoped route's body, parses it into the route's typed request
//! ([`ScopedBody`]) and checks the merchant it names; the handler receives exactly that
//! value ([`Checked`]), never the bytes.

use super::ApiError;
use crate::merchant_id::MerchantId;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::any::Any;
use std::sync::Arc;

/// A typed request whose JSON body names the one merchant it is about.
pub(crate) trait ScopedBody: DeserializeOwned + Clone + Send + Sync + 'static {
    /// The merchant the request is about (the guard checks the key against it).
    fn merchant_id(&self) -> &MerchantId;
}

/// A body parsed by the guard, before and after its merchant is checked.
#[derive(Clone)]
pub(crate) struct ParsedBody {
    /// The merchant it names.
    pub merchant: MerchantId,
    body: Arc<dyn Any + Send + Sync>,
}

/// Parses one route's body into its typed request (`limits.max_json_depth` given).
pub(crate) type Parser = fn(&[u8], usize) -> Result<ParsedBody, ApiError>;

/// The [`Parser`] of requests of type `T`.
pub(crate) fn parser<T: ScopedBody>(bytes: &[u8], max_depth: usize) -> Result<ParsedBody, ApiError> {
    let body: T = json(bytes, max_depth)?;
    Ok(ParsedBody {
        merchant: body.merchant_id().clone(),
        body: Arc::new(body),
    })
}

/// Parses a JSON body into `T`: one JSON object (a UTF-8 byte-order mark is ignored),
/// nested at most `max_depth` levels, no field unknown to `T`, nothing after it. Errors
/// name the field and the line and column.
pub(crate) fn json<T: DeserializeOwned>(bytes: &[u8], max_depth: usize) -> Result<T, ApiError> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let invalid = |m: String| ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", m);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(invalid("the body is empty: send one JSON object".into())),
        Some(b'{') => {}
        Some(_) => {
            return Err(invalid(
                "the body must be one JSON object ({…}), not an array or a scalar".into(),
            ));
        }
    }
    crate::nesting::check(bytes, crate::nesting::Syntax::Json, max_depth).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "too_deep",
            format!(
                "the body nests deeper than limits.max_json_depth ({}) at line {}, column {}",
                e.limit, e.line, e.column
            ),
        )
    })?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "merchant_id" {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_merchant_id",
                format!("merchant_id: {inner}"),
            )
        } else if path == "." {
            invalid(inner.to_string())
        } else {
            invalid(format!("{path}: {inner}"))
        }
    })?;
    de.end().map_err(|e| invalid(format!("after the object: {e}")))?;
    Ok(value)
}

/// The typed body the guard parsed and checked, for a body-scoped route's handler.
pub(crate) struct Checked<T>(pub T);

impl<T: ScopedBody, S: Send + Sync> FromRequestParts<S> for Checked<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // Absent only when a route's handler and its access-table scope disagree: refuse.
        let unchecked = || {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "this route's body was not checked by the guard",
            )
        };
        let parsed = parts.extensions.remove::<ParsedBody>().ok_or_else(unchecked)?;
        let body = parsed.body.downcast::<T>().map_err(|_| unchecked())?;
        Ok(Checked(Arc::unwrap_or_clone(body)))
    }
}

/// 415 unless the request says its body is JSON.
pub(crate) fn require_json(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json")) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        ))
    }
}

/// A small request body, whole: at most `limits.max_body_bytes`, arriving within
/// `limits.body_read_timeout_ms`.
pub(crate) async fn read_body(
    body: axum::body::Body,
    limits: &crate::config::Limits,
) -> Result<axum::body::Bytes, ApiError> {
    let timeout = std::time::Duration::from_millis(limits.body_read_timeout_ms);
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limits.max_body_bytes)).await {
        Err(_) => Err(body_timeout()),
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(body_error(&e, "limits.max_body_bytes")),
    }
}

fn body_timeout() -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "body_timeout",
        "the request body did not arrive in time (limits.body_read_timeout_ms)",
    )
}

/// A failed body read: 408 when it stalled past `limits.body_read_timeout_ms`, else 413
/// naming the limit `setting` it passed.
pub(crate) fn body_error(e: &(dyn std::error::Error + 'static), setting: &str) -> ApiError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<tower_http::timeout::TimeoutError>() {
            return body_timeout();
        }
        cause = c.source();
    }
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("the request body exceeds {setting}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        merchant_id: MerchantId,
        #[serde(default)]
        text: Option<String>,
    }

    fn code(bytes: &str) -> &'static str {
        json::<Body>(bytes.as_bytes(), 8)
            .map(|_| "ok")
            .unwrap_or_else(|e| e.code)
    }

    #[test]
    fn only_one_well_formed_object_is_accepted() {
        let b: Body = json(br#"{"merchant_id":"m-a","text":"x"}"#, 8).unwrap();
        assert_eq!((b.merchant_id.as_str(), b.text.as_deref()), ("m-a", Some("x")));
        assert_eq!(code("\u{feff}{\"merchant_id\":\"m-a\"}"), "ok");
        for bad in [
            r#"["m-a","x"]"#,
            r#""m-a""#,
            "",
            "  ",
            "null",
            r#"{"merchant_id":"m-a","merchant_id":"m-b"}"#,
            r#"{"merchant_id":"m-a","other":1}"#,
            r#"{"merchant_id":"m-a"} {"merchant_id":"m-b"}"#,
            r#"{"merchant_id":"m-a","text":["x"]}"#,
        ] {
            assert_eq!(code(bad), "invalid_json", "{bad}");
        }
        for bad in [
            r#"{"merchant_id":"_general"}"#,
            r#"{"merchant_id":["m-a"]}"#,
            r#"{"merchant_id":"M-A"}"#,
        ] {
            assert_eq!(code(bad), "invalid_merchant_id", "{bad}");
        }
        let deep = format!(
            r#"{{"merchant_id":"m-a","text":{}1{}}}"#,
            "[".repeat(20),
            "]".repeat(20)
        );
        assert_eq!(code(&deep), "too_deep");
    }
}
