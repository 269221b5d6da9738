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

/// A merchant id from a test literal.
pub fn mid(s: &str) -> zhiku::MerchantId {
    zhiku::MerchantId::parse(s).expect("merchant id")
}

pub fn at(s: &str) -> zhiku::Clock {
    chrono::DateTime::parse_from_rfc3339(s).expect("rfc3339")
}

/// A key of `role` (bound to `merchants`) on `engine`'s data dir.
pub fn key(engine: &Engine, role: zhiku::security::Role, merchants: &[&str]) -> String {
    let merchants: Vec<zhiku::MerchantId> = merchants.iter().map(|m| mid(m)).collect();
    engine.security().keys.create(role, &merchants, None).expect("key").1
}

fn admin_keys() -> &'static std::sync::Mutex<std::collections::HashMap<String, String>> {
    static KEYS: OnceLock<std::sync::Mutex<std::collections::HashMap<String, String>>> = OnceLock::new();
    KEYS.get_or_init(Default::default)
}

/// The admin key `serve` made for the server at `url` (its base, or any URL on it).
pub fn admin_key(url: &str) -> String {
    let rest = url.strip_prefix("http://").expect("http URL");
    let base = format!("http://{}", rest.split('/').next().unwrap_or(rest));
    admin_keys().lock().unwrap()[&base].clone()
}

/// An HTTP client that sends `key` on every request.
pub fn client_with(key: &str) -> reqwest::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {key}").parse().expect("header"),
    );
    reqwest::Client::builder().default_headers(h).build().expect("client")
}

/// An HTTP client with the admin key of the server at `url` (its base, or any URL on it).
pub fn client(url: &str) -> reqwest::Client {
    client_with(&admin_key(url))
}

/// `GET url` with the server's admin key.
pub async fn get(url: String) -> reqwest::Response {
    client(&url).get(url).send().await.expect("GET")
}

/// `POST {base}/v1/answer` for one question; the response body.
pub async fn ask(base: &str, merchant: &str, question: &str) -> serde_json::Value {
    client(base)
        .post(format!("{base}/v1/answer"))
        .json(&serde_json::json!({"merchant_id": merchant, "question": question}))
        .send()
        .await
        .expect("answer request")
        .json()
        .await
        .expect("answer JSON")
}

/// Serves `engine` over real HTTP on a free port (in its own thread); the base URL. An admin
/// key is made for it ([`client`], [`admin_key`]).
pub fn serve(engine: Arc<Engine>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr");
    let admin = key(&engine, zhiku::security::Role::Admin, &[]);
    admin_keys().lock().unwrap().insert(format!("http://{addr}"), admin);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).expect("listener");
            let limits = engine.config().limits.clone();
            zhiku::api::serve_on(l, zhiku::api::router(engine), &limits, std::future::pending())
                .await
                .expect("serve");
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
    let r = client(base)
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
