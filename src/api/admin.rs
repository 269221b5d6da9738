//! Admin routes: `GET /v1/audit?actor=&action=&from=&to=&after=&limit=`.

use super::{ApiError, Shared, blocking};
use crate::security::AuditQuery;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::IntoResponse;

pub(super) async fn audit(
    State(engine): State<Shared>,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(q) = q?;
    let e = engine.clone();
    let page = blocking(move || Ok(e.security().audit.query(&q)?)).await?;
    Ok(Json(page))
}
