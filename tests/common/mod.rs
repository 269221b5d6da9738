//! Shared fixtures: one engine per test binary over real stores in a temp dir, loaded with
//! the project's ontology, general layer and demo merchants.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use zhiku::Config;
use zhiku::engine::{Engine, Seed};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The eval sets: `../shared/eval` beside the project.
pub fn eval_dir() -> PathBuf {
    root().join("..").join("shared").join("eval")
}

pub fn config(data: &Path) -> Config {
    Config::for_project(&root(), data.to_path_buf())
}

/// A fresh engine in its own temp dir (kept alive for the process).
pub fn new_engine() -> Arc<Engine> {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(config(dir.path()), Seed::IfEmpty).expect("engine opens (run `make setup` first)");
    std::mem::forget(dir);
    Arc::new(engine)
}

/// One shared engine per test binary.
pub fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE.get_or_init(new_engine).clone()
}

pub fn at(s: &str) -> zhiku::Clock {
    chrono::DateTime::parse_from_rfc3339(s).expect("rfc3339")
}

/// `POST {base}/v1/answer` for one question; the response body.
pub async fn ask(base: &str, merchant: &str, question: &str) -> serde_json::Value {
    reqwest::Client::new()
        .post(format!("{base}/v1/answer"))
        .json(&serde_json::json!({"merchant_id": merchant, "question": question}))
        .send()
        .await
        .expect("answer request")
        .json()
        .await
        .expect("answer JSON")
}

/// Serves `engine` over real HTTP on a free port (in its own thread); the base URL.
pub fn serve(engine: Arc<Engine>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(l, zhiku::api::router(engine)).await.expect("serve");
        });
    });
    format!("http://{addr}")
}

/// `POST {base}/v1/merchants/{merchant}/imports{query}`; the status and JSON body.
pub async fn upload(
    base: &str,
    merchant: &str,
    query: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/merchants/{merchant}/imports{query}"))
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("import request");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// An N-Triples line with blank node labels masked (labels differ between loads).
pub fn mask_blanks(line: &str) -> String {
    line.split(' ')
        .map(|w| if w.starts_with("_:") { "_:b" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}
