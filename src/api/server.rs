//! The HTTP server loop: hyper (HTTP/1.1 and HTTP/2) under the router, with a header read
//! timeout and a cap on open connections (against slowloris), and a read buffer large
//! enough that oversized headers reach the router's own check ([`headers_limit`]) and get
//! a JSON 431 rather than a bare one. Headers larger than [`READ_BUFFER_BYTES`] are still
//! cut off by hyper itself.

use super::{ApiError, Shared};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::future::Future;

/// hyper's read buffer per connection: the most header bytes a request can send and still
/// be answered in JSON.
pub const READ_BUFFER_BYTES: usize = 2 * 1024 * 1024;

/// Refuses requests whose header block is larger than `limits.max_header_bytes`: 431
/// `headers_too_large`.
pub(super) async fn headers_limit(State(engine): State<Shared>, req: Request, next: Next) -> Response {
    let max = engine.config().limits.max_header_bytes;
    let size: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.as_bytes().len() + 4)
        .sum::<usize>()
        + uri_len(req.uri());
    if size > max {
        let err = ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!("the request line and headers take {size} bytes, more than limits.max_header_bytes ({max})"),
        );
        return super::guard::refuse_unrouted(&engine, req.headers(), req.uri().path(), err).await;
    }
    next.run(req).await
}

/// The length of `uri` as sent, without formatting it.
fn uri_len(uri: &axum::http::Uri) -> usize {
    let scheme = uri.scheme_str().map_or(0, |s| s.len() + 3);
    let authority = uri.authority().map_or(0, |a| a.as_str().len());
    scheme + authority + uri.path_and_query().map_or(0, |p| p.as_str().len())
}

/// Serves `app` on `listener` until `shutdown` resolves; connections in flight finish.
/// Connections that stall before their headers are complete are closed after
/// `limits.header_read_timeout_ms`; at most `limits.max_connections` are open at once (more
/// wait in the listen backlog).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: &crate::config::Limits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .max_buf_size(READ_BUFFER_BYTES)
        .timer(TokioTimer::new())
        .header_read_timeout(std::time::Duration::from_millis(limits.header_read_timeout_ms));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let open = std::sync::Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = open.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // out of file descriptors and the like: wait, do not spin
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
        let conn = graceful.watch(conn.into_owned());
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    graceful.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_uri_is_measured_as_it_prints() {
        for u in [
            "/v1/answer",
            "/sparql?query=ASK%7B%7D",
            "http://example.com:8080/a/b?c=d",
            "*",
        ] {
            let uri: axum::http::Uri = u.parse().unwrap();
            assert_eq!(super::uri_len(&uri), uri.to_string().len(), "{u}");
        }
    }
}
