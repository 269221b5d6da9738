//! Property tests over the HTTP surface, with the guard in place (issue 12, items 1 and 7).
//!
//! - Random JSON shapes (arrays, nested objects, duplicate keys, numbers, nulls, strings
//!   with every look-alike of a merchant id) on every body-scoped route, over real HTTP,
//!   with a key for merchant A: no response ever carries another merchant's data or
//!   provenance.
//! - Random methods, paths, query strings, headers and bodies, with keys of every role,
//!   driven through the router itself: it never panics, never answers 5xx (but a SPARQL
//!   timeout's 503), and never shows a key bound to A, or an editor's key, another
//!   merchant's data.
//!
//! 512 cases each.

mod common;

use axum::body::Body;
use axum::http::Request;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;
use zhiku::Engine;
use zhiku::security::{Role, rbac};

/// Merchant A: every non-admin key here is bound to it.
const A: &str = "m-digital";
/// The other demo merchants, whose data must never reach A's keys.
const OTHERS: [&str; 2] = ["m-beauty", "m-apparel"];

struct World {
    engine: Arc<Engine>,
    base: String,
    /// (role, key) for chatbot A, merchant A, editor, admin.
    keys: Vec<(Role, String)>,
    /// Literals and IRI stems only the other merchants hold.
    markers: Vec<String>,
    runtime: tokio::runtime::Runtime,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        // SAFETY: set once, before any engine (the only reader of these variables) exists.
        unsafe { std::env::set_var("ZHIKU_LIMITS__SPARQL_TIMEOUT_MS", "2000") };
        let engine = common::new_engine();
        let base = common::serve(engine.clone());
        let keys = vec![
            (Role::Chatbot, common::key(&engine, Role::Chatbot, &[A])),
            (Role::Merchant, common::key(&engine, Role::Merchant, &[A])),
            (Role::Editor, common::key(&engine, Role::Editor, &[])),
            (Role::Admin, common::key(&engine, Role::Admin, &[])),
        ];
        World {
            engine,
            base,
            keys,
            markers: markers(),
            runtime: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime"),
        }
    })
}

/// What only the other merchants hold: their IRI stems, and their literals of six
/// characters or more that appear nowhere in A's data, the general layer or the ontology.
fn markers() -> Vec<String> {
    let read = |p: std::path::PathBuf| std::fs::read_to_string(p).expect("demo data");
    let root = common::root();
    let mut shared = read(root.join(format!("ingest/merchants/{A}.ttl")));
    shared.push_str(&read(root.join("ingest/general/general.ttl")));
    for f in std::fs::read_dir(root.join("ontology")).expect("ontology") {
        let p = f.expect("entry").path();
        if p.extension().is_some_and(|x| x == "ttl") && p.metadata().is_ok_and(|m| m.len() < 1 << 20) {
            shared.push_str(&read(p));
        }
    }
    let literal = regex::Regex::new(r#""([^"\\]{6,})""#).expect("regex");
    let mut out = Vec::new();
    for other in OTHERS {
        out.push(format!("merchant/{other}/"));
        let text = read(root.join(format!("ingest/merchants/{other}.ttl")));
        for c in literal.captures_iter(&text) {
            let l = c[1].to_string();
            if l.chars().count() >= 6 && !shared.contains(&l) && !l.starts_with("http") {
                out.push(l);
            }
        }
    }
    out.sort();
    out.dedup();
    assert!(out.len() > 40, "the other merchants have literals of their own");
    out
}

/// The first marker of another merchant in `response` that `request` did not carry.
fn leaked<'a>(w: &'a World, request: &str, response: &str) -> Option<&'a str> {
    w.markers
        .iter()
        .find(|m| response.contains(m.as_str()) && !request.contains(m.as_str()))
        .map(String::as_str)
}

/// Strings a merchant id may be mistaken for.
fn look_alike() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(A.to_string()),
        Just("m-beauty".to_string()),
        Just("m-apparel".to_string()),
        Just("_general".to_string()),
        Just("urn:zhiku:graph:merchant:m-beauty".to_string()),
        Just("m-beauty ".to_string()),
        Just(" m-beauty".to_string()),
        Just("M-BEAUTY".to_string()),
        Just("m\u{2010}beauty".to_string()),
        Just("ｍ-beauty".to_string()),
        Just("m-beauty\u{0}".to_string()),
        Just("m-digital/../m-beauty".to_string()),
        Just("m-digital,m-beauty".to_string()),
        Just(String::new()),
        "[a-z_-]{0,12}",
    ]
}

/// Any JSON value, with merchant-id look-alikes among its strings and field names taken
/// mostly from the request types'.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        look_alike().prop_map(Value::String),
        Just(json!("213口红多少钱？")),
        Just(json!("高速负离子吹风机现在售价359元")),
        Just(json!("2026-06-10T12:00:00+08:00")),
    ];
    let key = prop_oneof![
        Just("merchant_id".to_string()),
        Just("question".to_string()),
        Just("answer".to_string()),
        Just("now".to_string()),
        Just("session_id".to_string()),
        Just("merchant".to_string()),
        "[a-z_]{1,8}",
    ];
    leaf.prop_recursive(4, 24, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A merchant id, A's half of the time.
fn merchant() -> impl Strategy<Value = String> {
    prop_oneof![1 => Just(A.to_string()), 1 => look_alike()]
}

/// A question or answer text, often naming another merchant's products.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("213口红多少钱？".to_string()),
        Just("高速负离子吹风机现在售价359元".to_string()),
        Just("耳机不喜欢几天内能退".to_string()),
        Just("满多少包邮".to_string()),
        Just("山羊绒毛衣能机洗吗".to_string()),
        "[a-z0-9 ]{1,20}",
    ]
}

/// A body for `route` (0 answer, 1 search, 2 validate): mostly well-formed requests with a
/// random merchant; else any JSON value, the request's fields as a positional array, an
/// object with a key twice (serde_json values cannot hold duplicates), or one with a
/// byte-order mark and trailing bytes.
fn any_body(route: usize) -> impl Strategy<Value = String> {
    let field = if route == 2 { "answer" } else { "question" };
    prop_oneof![
        4 => (merchant(), text(), text(), prop::option::of(Just("2026-06-10T12:00:00+08:00"))).prop_map(
            move |(m, q, a, now)| {
                let mut v = json!({"merchant_id": m, field: a});
                if route == 2 {
                    v["question"] = json!(q);
                }
                if let Some(now) = now {
                    v["now"] = json!(now);
                }
                v.to_string()
            }
        ),
        2 => any_json().prop_map(|v| v.to_string()),
        // the request's fields in order, as an array (serde reads a struct from a sequence)
        2 => (merchant(), text(), text(), prop::collection::vec(any_json(), 0..3)).prop_map(move |(m, a, q, extra)| {
            let mut fields = vec![json!(m), json!(a)];
            if route == 2 {
                fields.push(json!(q));
            }
            fields.extend(extra);
            Value::Array(fields).to_string()
        }),
        1 => (merchant(), merchant(), text()).prop_map(move |(a, b, t)| {
            format!(r#"{{"merchant_id":{},"{field}":{},"merchant_id":{}}}"#, json!(a), json!(t), json!(b))
        }),
        1 => (merchant(), "[ \t\r\n]{0,3}", "[\\[\\]{}, \"a-z0-9]{0,6}").prop_map(move |(m, ws, tail)| {
            format!("\u{feff}{ws}{{\"merchant_id\":{},\"{field}\":\"在吗\"}}{tail}", json!(m))
        }),
    ]
}

const BODY_ROUTES: [&str; 3] = ["/v1/answer", "/v1/search", "/v1/validate"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Item 1: any body shape, with a chatbot key for A, over real HTTP.
    #[test]
    fn no_body_shape_reaches_another_merchant((route, body) in (0..BODY_ROUTES.len()).prop_flat_map(|r| (Just(r), any_body(r)))) {
        let w = world();
        let key = &w.keys[0].1;
        let route = BODY_ROUTES[route];
        let (status, text) = w.runtime.block_on(async {
            let r = common::client_with(key)
                .post(format!("{}{route}", w.base))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .expect("request");
            (r.status().as_u16(), r.text().await.expect("body"))
        });
        prop_assert!(status < 500, "{route} {body}: {status} {text}");
        prop_assert_eq!(leaked(w, &body, &text), None, "{} {}: {}", route, body, text);
        if status == 200 {
            let v: Value = serde_json::from_str(&text).expect("JSON");
            prop_assert_eq!(v["merchant_id"].as_str(), Some(A), "{}", text);
        }
    }
}

/// A random request: method, path (every route pattern, with look-alike merchants and
/// random segments), query, headers, body, and the caller.
#[derive(Debug, Clone)]
struct Probe {
    method: &'static str,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    caller: Option<usize>,
    auth_style: u8,
}

fn any_probe() -> impl Strategy<Value = Probe> {
    // publishing a random draft would replace the schema every later case answers with
    let rows: Vec<(&'static str, &'static str)> = rbac::ROUTES
        .iter()
        .filter(|r| r.path != "/v1/ontology/publish")
        .map(|r| (r.method, r.path))
        .chain([("GET", "/"), ("POST", "/v1/merchants"), ("GET", "/v1/answer")])
        .collect();
    let any_method = prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]);
    let route = (prop::sample::select(rows), prop::option::weighted(0.15, any_method))
        .prop_map(|((m, p), other)| (other.unwrap_or(m), p));
    let segment = prop_oneof![
        4 => merchant(),
        1 => Just("%5Fgeneral".to_string()),
        1 => Just("%2E%2E%2Fm-beauty".to_string()),
        1 => "[a-z0-9%_.-]{0,10}",
    ];
    let query = prop_oneof![
        Just(String::new()),
        merchant()
            .prop_map(|m| format!("?merchant={m}&query=SELECT%20%2A%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%2050")),
        merchant().prop_map(|m| format!(
            "?merchant={m}&query=SELECT%20%3Fo%20WHERE%20%7BGRAPH%20%3Fg%20%7B%3Fs%20%3Fp%20%3Fo%7D%7D%20LIMIT%2050"
        )),
        Just("?query=SELECT%20%3Fo%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%2050".to_string()),
        Just("?format=ntriples".to_string()),
        Just("?iri=https%3A%2F%2Fschema.org%2FProduct".to_string()),
        Just("?query=%FF&merchant=%FF".to_string()),
        "\\?[a-z=&%0-9]{0,16}",
    ];
    let content_type = prop::sample::select(vec![
        None,
        Some("application/json"),
        Some("application/sparql-query"),
        Some("text/turtle"),
        Some("application/ld+json"),
        Some("text/csv"),
        Some("application/x-www-form-urlencoded"),
    ]);
    let body = prop_oneof![
        Just(Vec::new()),
        (0..3usize).prop_flat_map(any_body).prop_map(String::into_bytes),
        Just(b"SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 100".to_vec()),
        Just(b"<https://x.example/p> <https://schema.org/name> \"x\" .".to_vec()),
        prop::collection::vec(any::<u8>(), 0..64),
    ];
    let caller = prop::option::weighted(0.9, 0..4usize);
    (
        route,
        segment.clone(),
        segment,
        query,
        content_type,
        body,
        caller,
        0..3u8,
    )
        .prop_map(
            |((method, route), a, b, query, content_type, body, caller, auth_style)| Probe {
                method,
                path: format!("{}{query}", route.replace("{id}", &a).replace("{job}", &b)),
                content_type,
                body,
                caller,
                auth_style,
            },
        )
}

impl Probe {
    fn request(&self, w: &World) -> Option<Request<Body>> {
        let mut r = Request::builder().method(self.method).uri(&self.path);
        if let Some(ct) = self.content_type {
            r = r.header("content-type", ct);
        }
        if let Some(c) = self.caller {
            let key = &w.keys[c].1;
            r = match self.auth_style {
                0 => r.header("authorization", format!("Bearer {key}")),
                1 => r.header("x-api-key", key.as_str()),
                _ => r
                    .header("authorization", "Basic dXNlcjpwYXNz")
                    .header("x-api-key", key.as_str()),
            };
        }
        r.body(Body::from(self.body.clone())).ok()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Item 7: any request through the router, with the guard, by any caller.
    #[test]
    fn the_router_never_fails_or_leaks(probe in any_probe()) {
        let w = world();
        // a path axum cannot even hold as a URI is refused by hyper before the router
        let Some(request) = probe.request(w) else { return Ok(()) };
        let router = zhiku::api::router(w.engine.clone());
        let (status, text) = w.runtime.block_on(async {
            let r = router.oneshot(request).await.expect("infallible");
            let status = r.status().as_u16();
            let bytes = axum::body::to_bytes(r.into_body(), 64 << 20).await.expect("body");
            (status, String::from_utf8_lossy(&bytes).into_owned())
        });
        prop_assert!(status < 500 || status == 503, "{probe:?}: {status} {text}");
        let admin = probe.caller.is_some_and(|c| w.keys[c].0 == Role::Admin);
        if !admin {
            let request = format!("{} {}", probe.path, String::from_utf8_lossy(&probe.body));
            prop_assert_eq!(leaked(w, &request, &text), None, "{:?}: {}", probe, text);
        }
    }
}
