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
