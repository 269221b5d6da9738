//! Admin routes: `GET /v1/audit?actor=&action=&from=&to=&after=&limit=`.

use super::{ApiError, Shared, StrictQuery, blocking};
use crate::security::AuditQuery;
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;

pub(super) async fn audit(
    State(engine): State<Shared>,
    StrictQuery(q): StrictQuery<AuditQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let e = engine.clone();
    let page = blocking(move || Ok(e.security().audit.query(&q)?)).await?;
    Ok(Json(page))
}
