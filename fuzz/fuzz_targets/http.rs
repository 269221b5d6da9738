//! The whole HTTP surface: arbitrary requests through the router with its guard, by callers
//! of every role, over the demo merchants. The input is one request: byte 0 picks the caller
//! (none, chatbot or merchant key of the first demo merchant, editor, admin), byte 1 the
//! method; then the path and query up to a newline, header lines (`name: value`) up to an
//! empty line, and the body. It must never panic or abort, never answer 5xx (but a SPARQL
//! timeout's 503), and never show a non-admin caller a literal or IRI stem that only another
//! merchant holds, unless the request itself carried it.
#![no_main]

use aho_corasick::AhoCorasick;
use axum::body::Body;
use axum::http::Request;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, LazyLock};
use tower::ServiceExt;
use zhiku::engine::{Engine, Seed};
use zhiku::security::Role;

const METHODS: [&str; 6] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];

struct Setup {
    engine: Arc<Engine>,
    runtime: tokio::runtime::Runtime,
    /// (role, key); `None` sends no key.
    callers: Vec<Option<(Role, String)>>,
    /// Literals (six characters or more) and IRI stems only the other merchants hold.
    foreign: Vec<String>,
    matcher: AhoCorasick,
}

/// Quoted literals of a Turtle file (a plain scan: the demo files use `"…"` only).
fn literals(ttl: &str) -> Vec<String> {
    ttl.split('"')
        .skip(1)
        .step_by(2)
        .filter(|l| l.chars().count() >= 6 && !l.contains('\\') && !l.starts_with("http"))
        .map(str::to_string)
        .collect()
}

static SETUP: LazyLock<Setup> = LazyLock::new(|| {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = zhiku::Config::for_project(&root, dir.path().to_path_buf());
    let engine = Arc::new(Engine::open(config, Seed::IfEmpty).expect("engine (run `make setup` first)"));
    std::mem::forget(dir);
    let ids = engine.merchants().expect("merchants");
    let own = ids[0].clone();
    let read = |p: std::path::PathBuf| std::fs::read_to_string(p).unwrap_or_default();
    let mut shared = read(root.join(format!("ingest/merchants/{own}.ttl")));
    shared.push_str(&read(root.join("ingest/general/general.ttl")));
    let mut foreign = Vec::new();
    for other in &ids[1..] {
        foreign.push(format!("merchant/{other}/"));
        let text = read(root.join(format!("ingest/merchants/{other}.ttl")));
        foreign.extend(literals(&text).into_iter().filter(|l| !shared.contains(l.as_str())));
    }
    foreign.sort();
    foreign.dedup();
    let keys = &engine.security().keys;
    let key = |role, merchants: &[zhiku::MerchantId]| Some((role, keys.create(role, merchants, None).expect("key").1));
    let callers = vec![
        None,
        key(Role::Chatbot, std::slice::from_ref(&own)),
        key(Role::Merchant, std::slice::from_ref(&own)),
        key(Role::Editor, &[]),
        key(Role::Admin, &[]),
    ];
    Setup {
        matcher: AhoCorasick::new(&foreign).expect("matcher"),
        foreign,
        engine,
        runtime: tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime"),
        callers,
    }
});

/// The request an input describes, or `None` when it is not one `http` can hold.
fn request(data: &[u8]) -> Option<(Option<usize>, Request<Body>, String)> {
    let [caller, method, rest @ ..] = data else { return None };
    let caller = usize::from(*caller) % SETUP.callers.len();
    let text = String::from_utf8_lossy(rest);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let path = lines.next().unwrap_or("/");
    let mut b = Request::builder()
        .method(METHODS[usize::from(*method) % METHODS.len()])
        .uri(if path.starts_with('/') { path.to_string() } else { format!("/{path}") });
    for line in lines {
        let (k, v) = line.split_once(':')?;
        b = b.header(k.trim(), v.trim());
    }
    if let Some((_, key)) = &SETUP.callers[caller] {
        b = b.header("authorization", format!("Bearer {key}"));
    }
    let req = b.body(Body::from(body.to_string())).ok()?;
    Some((Some(caller), req, text.into_owned()))
}

fuzz_target!(
    init: {
        LazyLock::force(&SETUP);
    },
    |data: &[u8]| {
    let Some((caller, req, sent)) = request(data) else { return };
    let setup = &*SETUP;
    let router = zhiku::api::router(setup.engine.clone());
    let (status, text) = setup.runtime.block_on(async {
        let r = router.oneshot(req).await.expect("infallible");
        let status = r.status().as_u16();
        let bytes = axum::body::to_bytes(r.into_body(), 64 << 20).await.unwrap_or_default();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    });
    assert!(status < 500 || status == 503, "{status} {text}");
    let admin = caller.and_then(|c| setup.callers[c].as_ref()).is_some_and(|(r, _)| *r == Role::Admin);
    if !admin {
        for m in setup.matcher.find_iter(text.as_str()) {
            let leaked = &setup.foreign[m.pattern().as_usize()];
            assert!(sent.contains(leaked.as_str()), "another merchant's {leaked:?} in {text}");
        }
    }
});
