//! Access control over real HTTP: the full route × role × merchant matrix, SPARQL that
//! cannot leave the caller's graphs, query time and size limits, per-key concurrency, and
//! the audit trail of it all.

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use zhiku::Engine;
use zhiku::security::Role;
use zhiku::security::rbac::{self, Access, Scope};

/// One engine for this binary, with a short SPARQL timeout and a small per-key limit so the
/// limit tests are quick.
fn engine() -> Arc<Engine> {
    static E: OnceLock<Arc<Engine>> = OnceLock::new();
    E.get_or_init(|| {
        // SAFETY: set once, before any engine (the only reader of these variables) exists.
        unsafe {
            std::env::set_var("ZHIKU_LIMITS__SPARQL_TIMEOUT_MS", "1000");
            std::env::set_var("ZHIKU_LIMITS__MAX_CONCURRENT_PER_KEY", "3");
        }
        common::new_engine()
    })
    .clone()
}

const OWN: &str = "m-beauty";
const OTHER: &str = "m-digital";

/// The specification the access table must implement: every route and the roles it
/// admits. Written out here, not read from the table, so a change to either shows.
const SPEC: &[(&str, &str, &[Role])] = {
    use Role::*;
    &[
        ("GET", "/healthz", &[]),
        ("GET", "/editor", &[]),
        ("POST", "/v1/answer", &[Chatbot, Merchant, Admin]),
        ("POST", "/v1/search", &[Chatbot, Merchant, Admin]),
        ("POST", "/v1/validate", &[Chatbot, Merchant, Admin]),
        ("GET", "/sparql", &[Chatbot, Merchant, Editor, Admin]),
        ("POST", "/sparql", &[Chatbot, Merchant, Editor, Admin]),
        ("POST", "/v1/merchants/{id}/imports", &[Merchant, Admin]),
        ("GET", "/v1/merchants/{id}/imports/{job}", &[Merchant, Admin]),
        ("GET", "/v1/merchants/{id}/export", &[Merchant, Admin]),
        ("DELETE", "/v1/merchants/{id}/subjects", &[Merchant, Admin]),
        ("GET", "/v1/ontology/draft", &[Editor, Admin]),
        ("PUT", "/v1/ontology/draft", &[Editor, Admin]),
        ("POST", "/v1/ontology/validate", &[Editor, Admin]),
        ("POST", "/v1/ontology/publish", &[Editor, Admin]),
        ("GET", "/v1/ontology/versions", &[Editor, Admin]),
        ("GET", "/v1/ontology/diff", &[Editor, Admin]),
        ("GET", "/v1/ontology/terms", &[Editor, Admin]),
        ("GET", "/v1/audit", &[Admin]),
    ]
};

#[test]
fn the_access_table_is_the_spec() {
    let table: BTreeSet<(String, String, Vec<Role>)> = rbac::ROUTES
        .iter()
        .map(|r| {
            let roles = match r.access {
                Access::Public => vec![],
                Access::Roles(rs) => rs.to_vec(),
            };
            (r.method.to_string(), r.path.to_string(), roles)
        })
        .collect();
    let spec: BTreeSet<(String, String, Vec<Role>)> = SPEC
        .iter()
        .map(|(m, p, rs)| (m.to_string(), p.to_string(), rs.to_vec()))
        .collect();
    assert_eq!(table, spec);
}

#[test]
fn the_readme_matrix_is_the_table() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    for r in rbac::ROUTES {
        let cell = |role: Role| if r.admits(role) { "✓" } else { "–" };
        let row = format!(
            "| {} | `{}` | {} | {} | {} | {} |",
            r.method,
            r.path,
            if r.access == Access::Public {
                "public".to_string()
            } else {
                cell(Role::Chatbot).to_string()
            },
            if r.access == Access::Public {
                "public"
            } else {
                cell(Role::Merchant)
            },
            if r.access == Access::Public {
                "public"
            } else {
                cell(Role::Editor)
            },
            if r.access == Access::Public {
                "public"
            } else {
                cell(Role::Admin)
            },
        );
        assert!(readme.contains(&row), "README access matrix lacks the row\n{row}");
    }
}

/// The callers of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    NoKey,
    BadKey,
    Revoked,
    Has(Role),
}

struct Fixture {
    base: String,
    keys: Vec<(Caller, Option<String>)>,
    jobs: std::collections::HashMap<String, String>,
}

const MATRIX_IRI: &str = "https://data.zhiku.example/merchant/matrix/thing";

fn thing_ttl() -> String {
    format!("<{MATRIX_IRI}> a <https://schema.org/Thing> ; <https://schema.org/name> \"matrix\" .\n")
}

async fn fixture() -> Fixture {
    let engine = engine();
    let base = common::serve(engine.clone());
    let revoked = common::key(&engine, Role::Merchant, &[OWN]);
    let id = engine.security().keys.list().unwrap().last().unwrap().id.clone();
    engine.security().keys.revoke(&id).unwrap();
    let keys = vec![
        (Caller::NoKey, None),
        (
            Caller::BadKey,
            Some(format!("zk_{}_{}", "0".repeat(12), "0".repeat(64))),
        ),
        (Caller::Revoked, Some(revoked)),
        (
            Caller::Has(Role::Chatbot),
            Some(common::key(&engine, Role::Chatbot, &[OWN])),
        ),
        (
            Caller::Has(Role::Merchant),
            Some(common::key(&engine, Role::Merchant, &[OWN])),
        ),
        (Caller::Has(Role::Editor), Some(common::key(&engine, Role::Editor, &[]))),
        (Caller::Has(Role::Admin), Some(common::key(&engine, Role::Admin, &[]))),
    ];
    // one import job per merchant, for the job route
    let mut jobs = std::collections::HashMap::new();
    for m in [OWN, OTHER] {
        let (s, job) = common::upload(&base, m, "?format=turtle", "text/turtle", thing_ttl()).await;
        assert_eq!(s, 200, "{job}");
        jobs.insert(m.to_string(), job["id"].as_str().unwrap().to_string());
    }
    Fixture { base, keys, jobs }
}

/// A request to `route` for `merchant` that succeeds when the caller may make it.
fn request(
    f: &Fixture,
    client: &reqwest::Client,
    method: &str,
    path: &str,
    merchant: &str,
    draft: &str,
) -> reqwest::RequestBuilder {
    let b = &f.base;
    let m = merchant;
    let ask = json!({"merchant_id": m, "question": "在吗"});
    match (method, path) {
        ("GET", "/healthz") => client.get(format!("{b}/healthz")),
        ("GET", "/editor") => client.get(format!("{b}/editor")),
        ("POST", "/v1/answer") => client.post(format!("{b}/v1/answer")).json(&ask),
        ("POST", "/v1/search") => client.post(format!("{b}/v1/search")).json(&ask),
        ("POST", "/v1/validate") => client
            .post(format!("{b}/v1/validate"))
            .json(&json!({"merchant_id": m, "answer": "您好"})),
        ("GET", "/sparql") => client
            .get(format!("{b}/sparql"))
            .query(&[("merchant", m), ("query", "ASK { ?s ?p ?o }")]),
        ("POST", "/sparql") => client
            .post(format!("{b}/sparql?merchant={m}"))
            .header("content-type", "application/sparql-query")
            .body("ASK { ?s ?p ?o }"),
        ("POST", "/v1/merchants/{id}/imports") => client
            .post(format!("{b}/v1/merchants/{m}/imports?format=turtle"))
            .header("content-type", "text/turtle")
            .body(thing_ttl()),
        ("GET", "/v1/merchants/{id}/imports/{job}") => {
            client.get(format!("{b}/v1/merchants/{m}/imports/{}", f.jobs[m]))
        }
        ("GET", "/v1/merchants/{id}/export") => client.get(format!("{b}/v1/merchants/{m}/export?format=ntriples")),
        ("DELETE", "/v1/merchants/{id}/subjects") => client
            .delete(format!("{b}/v1/merchants/{m}/subjects"))
            .query(&[("iri", MATRIX_IRI)]),
        ("GET", "/v1/ontology/draft") => client.get(format!("{b}/v1/ontology/draft")),
        ("PUT", "/v1/ontology/draft") => client
            .put(format!("{b}/v1/ontology/draft"))
            .header("content-type", "text/turtle")
            .body(draft.to_string()),
        ("POST", "/v1/ontology/validate") => client.post(format!("{b}/v1/ontology/validate")),
        ("POST", "/v1/ontology/publish") => client.post(format!("{b}/v1/ontology/publish?dry_run=true")),
        ("GET", "/v1/ontology/versions") => client.get(format!("{b}/v1/ontology/versions")),
        ("GET", "/v1/ontology/diff") => client.get(format!("{b}/v1/ontology/diff?from=current&to=draft")),
        ("GET", "/v1/ontology/terms") => client.get(format!("{b}/v1/ontology/terms")),
        ("GET", "/v1/audit") => client.get(format!("{b}/v1/audit?limit=5")),
        other => panic!("no sample request for {other:?}: add one"),
    }
}

fn client_for(key: Option<&str>) -> reqwest::Client {
    match key {
        Some(k) => common::client_with(k),
        None => reqwest::Client::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_role_and_merchant_gets_the_expected_status() {
    let f = fixture().await;
    let admin = common::client(&f.base);
    let draft = admin
        .get(format!("{}/v1/ontology/draft", f.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut cells = 0;
    let mut denied: Vec<String> = Vec::new();
    for route in rbac::ROUTES {
        let merchants: &[&str] = if route.scope == Scope::None {
            &[OWN]
        } else {
            &[OWN, OTHER]
        };
        for (caller, key) in &f.keys {
            for &m in merchants {
                if route.method == "DELETE" {
                    // the subject must exist for an allowed delete to succeed
                    let (s, _) = common::upload(&f.base, m, "?format=turtle", "text/turtle", thing_ttl()).await;
                    assert_eq!(s, 200);
                }
                let client = client_for(key.as_deref());
                let r = request(&f, &client, route.method, route.path, m, &draft)
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                let headers = r.headers().clone();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                let code = body["error"]["code"].as_str().unwrap_or("");
                let cell = format!("{} {} as {caller:?} for {m}: {status} {body}", route.method, route.path);
                let (want, want_code): (StatusCode, &str) = match (route.access, caller) {
                    (Access::Public, _) => (StatusCode::OK, ""),
                    (_, Caller::NoKey) => (StatusCode::UNAUTHORIZED, "missing_key"),
                    (_, Caller::BadKey) => (StatusCode::UNAUTHORIZED, "invalid_key"),
                    (_, Caller::Revoked) => (StatusCode::UNAUTHORIZED, "key_revoked"),
                    (_, Caller::Has(role)) if !route.admits(*role) => (StatusCode::FORBIDDEN, "forbidden"),
                    (_, Caller::Has(role)) => {
                        let sees = match role {
                            Role::Admin => true,
                            Role::Editor => false,
                            Role::Chatbot | Role::Merchant => m == OWN,
                        };
                        if route.scope != Scope::None && !sees {
                            (StatusCode::NOT_FOUND, "unknown_merchant")
                        } else {
                            (StatusCode::OK, "")
                        }
                    }
                };
                assert_eq!(status, want, "{cell}");
                assert_eq!(code, want_code, "{cell}");
                if status == StatusCode::UNAUTHORIZED {
                    assert_eq!(headers["www-authenticate"], "Bearer", "{cell}");
                }
                if want_code == "unknown_merchant" {
                    // exactly what a merchant that does not exist gets: existence does not leak
                    assert_eq!(body["error"]["message"], format!("unknown merchant: {m}"), "{cell}");
                }
                let rid = headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                assert!(!rid.is_empty(), "{cell}");
                if !want.is_success() {
                    denied.push(rid.to_string());
                }
                cells += 1;
            }
        }
    }
    assert!(cells > 150, "{cells} cells");
    // Every denied call is in the audit trail under its request id, naming a key id or
    // `anonymous`, never a key; the chain holds.
    let engine = engine();
    let audit = &engine.security().audit;
    let mut records = Vec::new();
    let mut after = None;
    loop {
        let page = audit
            .query(&zhiku::security::AuditQuery {
                limit: Some(1000),
                after,
                ..Default::default()
            })
            .unwrap();
        records.extend(page.records);
        match page.next_after {
            Some(a) => after = Some(a),
            None => break,
        }
    }
    let recorded: BTreeSet<&str> = records
        .iter()
        .filter(|r| r.fields.outcome == "denied")
        .filter_map(|r| r.fields.request_id.as_deref())
        .collect();
    let missing: Vec<&String> = denied.iter().filter(|id| !recorded.contains(id.as_str())).collect();
    assert!(
        missing.is_empty(),
        "{} of {} denials not audited",
        missing.len(),
        denied.len()
    );
    assert!(
        records
            .iter()
            .all(|r| r.fields.actor == "anonymous" || r.fields.actor.starts_with("k_") || r.fields.actor == "cli")
    );
    let v = audit.verify().unwrap();
    assert_eq!(v.broken, None);
}

/// An allowed admin request for a merchant that does not exist gets the same 404 as a
/// chatbot key asking about a merchant that is not its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_merchant_looks_like_no_merchant() {
    let engine = engine();
    let base = common::serve(engine.clone());
    let chatbot = common::client_with(&common::key(&engine, Role::Chatbot, &[OWN]));
    let ask = |m: &str| json!({"merchant_id": m, "question": "在吗"});
    let r = chatbot
        .post(format!("{base}/v1/answer"))
        .json(&ask(OTHER))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let theirs: Value = r.json().await.unwrap();
    let r = common::client(&base)
        .post(format!("{base}/v1/answer"))
        .json(&ask("m-nobody"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let nobody: Value = r.json().await.unwrap();
    assert_eq!(
        theirs.to_string().replace(OTHER, "X"),
        nobody.to_string().replace("m-nobody", "X")
    );
}

async fn sparql(client: &reqwest::Client, base: &str, merchant: Option<&str>, query: &str) -> (u16, Value) {
    let mut params = vec![("query", query)];
    if let Some(m) = merchant {
        params.push(("merchant", m));
    }
    let r = client
        .get(format!("{base}/sparql"))
        .header("accept", "application/sparql-results+json")
        .query(&params)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn bindings(v: &Value, var: &str) -> Vec<String> {
    v["results"]["bindings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|b| b[var]["value"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sparql_sees_only_the_callers_graphs() {
    let engine = engine();
    let base = common::serve(engine.clone());
    let own = common::client_with(&common::key(&engine, Role::Merchant, &[OWN]));
    let theirs = format!("urn:zhiku:graph:merchant:{OTHER}");

    // GRAPH ?g ranges over general + schema + the key's merchant, nothing else
    let (s, r) = sparql(&own, &base, None, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").await;
    assert_eq!(s, 200, "{r}");
    let graphs = bindings(&r, "g");
    assert!(
        graphs.iter().any(|g| g.contains(&format!("merchant:{OWN}"))),
        "{graphs:?}"
    );
    assert!(graphs.iter().any(|g| g == "urn:zhiku:graph:general"), "{graphs:?}");
    assert!(
        graphs.iter().all(|g| g == "urn:zhiku:graph:general"
            || g.starts_with("urn:zhiku:graph:schema:")
            || g.starts_with(&format!("urn:zhiku:graph:merchant:{OWN}"))),
        "{graphs:?}"
    );
    // naming the other merchant's graph, by GRAPH or FROM or FROM NAMED, finds nothing of it
    for q in [
        format!("SELECT ?s WHERE {{ GRAPH <{theirs}> {{ ?s ?p ?o }} }}"),
        format!("SELECT ?s FROM <{theirs}> WHERE {{ ?s ?p ?o }} LIMIT 5000"),
        format!("SELECT ?s FROM NAMED <{theirs}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 5000"),
        "SELECT ?s WHERE { ?s ?p ?o } LIMIT 9000".to_string(),
    ] {
        let (s, r) = sparql(&own, &base, None, &q).await;
        assert_eq!(s, 200, "{q}: {r}");
        let leaked: Vec<String> = bindings(&r, "s")
            .into_iter()
            .filter(|s| s.contains(&format!("/{OTHER}/")))
            .collect();
        assert!(leaked.is_empty(), "{q} leaked {leaked:?}");
    }
    // asking for the other merchant by name is the unknown-merchant 404
    let (s, r) = sparql(&own, &base, Some(OTHER), "ASK { ?s ?p ?o }").await;
    assert_eq!((s, r["error"]["code"].as_str()), (404, Some("unknown_merchant")), "{r}");
    // an editor sees the shared layers only
    let editor = common::client_with(&common::key(&engine, Role::Editor, &[]));
    let (s, r) = sparql(
        &editor,
        &base,
        None,
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
    )
    .await;
    assert_eq!(s, 200);
    assert!(bindings(&r, "g").iter().all(|g| !g.contains("merchant")), "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sparql_cannot_call_out_or_write() {
    let engine = engine();
    let base = common::serve(engine.clone());
    let own = common::client_with(&common::key(&engine, Role::Merchant, &[OWN]));
    // A listener standing in for an outside endpoint: it must never be contacted.
    let outside = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    outside.set_nonblocking(true).unwrap();
    let addr = outside.local_addr().unwrap();
    let q = format!("SELECT * WHERE {{ SERVICE <http://{addr}/sparql> {{ ?s ?p ?o }} }}");
    let (s, r) = sparql(&own, &base, None, &q).await;
    assert_eq!(
        (s, r["error"]["code"].as_str()),
        (400, Some("service_not_allowed")),
        "{r}"
    );
    let (s, r) = sparql(&own, &base, None, "SELECT * WHERE { SERVICE ?x { ?s ?p ?o } }").await;
    assert_eq!(
        (s, r["error"]["code"].as_str()),
        (400, Some("service_not_allowed")),
        "{r}"
    );
    assert!(outside.accept().is_err(), "SERVICE reached the outside listener");
    // updates do not run, by either door
    let (s, r) = sparql(&own, &base, None, "INSERT DATA { <urn:x> <urn:y> <urn:z> }").await;
    assert_eq!((s, r["error"]["code"].as_str()), (400, Some("sparql_syntax")), "{r}");
    let r = own
        .post(format!("{base}/sparql"))
        .header("content-type", "application/sparql-update")
        .body("DROP ALL")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (s, r) = sparql(&own, &base, None, "ASK { <urn:x> <urn:y> <urn:z> }").await;
    assert_eq!((s, r["boolean"].as_bool()), (200, Some(false)));
    // a form POST carries only the query; the merchant goes in the URL
    let r = own
        .post(format!("{base}/sparql"))
        .form(&[("query", "ASK { ?s ?p ?o }"), ("merchant", OTHER)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = own
        .post(format!("{base}/sparql"))
        .form(&[("query", "ASK { ?s ?p ?o }")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// A cross product of the schema graph with itself: minutes without a limit. (Three times
/// would be hours, and oxigraph would not stop it at the deadline: see `engine/workers.rs`.)
async fn heavy_query(client: &reqwest::Client, base: &str) -> reqwest::Response {
    let heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }";
    client
        .get(format!("{base}/sparql"))
        .query(&[("query", heavy)])
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sparql_time_and_size_are_limited() {
    let engine = engine();
    let base = common::serve(engine.clone());
    let editor = common::client_with(&common::key(&engine, Role::Editor, &[]));
    let t = std::time::Instant::now();
    let r = heavy_query(&editor, &base).await;
    let took = t.elapsed();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "query_timeout");
    assert!(
        took < std::time::Duration::from_secs(5),
        "the timeout (1 s) took {took:?}"
    );
    // the service still answers
    let (s, _) = sparql(&editor, &base, None, "ASK { ?s ?p ?o }").await;
    assert_eq!(s, 200);
    // more rows than limits.max_sparql_rows
    let (s, r) = sparql(&editor, &base, None, "SELECT * WHERE { ?s ?p ?o }").await;
    assert_eq!((s, r["error"]["code"].as_str()), (400, Some("result_too_large")), "{r}");
    // a query longer than limits.max_sparql_query_chars
    let long = format!("ASK {{ ?s ?p \"{}\" }}", "x".repeat(30_000));
    let r = editor
        .post(format!("{base}/sparql"))
        .header("content-type", "application/sparql-query")
        .body(long)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_over_its_concurrency_limit_gets_429() {
    let engine = engine();
    let base = common::serve(engine.clone());
    let key = common::key(&engine, Role::Editor, &[]);
    let mut calls = Vec::new();
    for _ in 0..8 {
        let c = common::client_with(&key);
        let base = base.clone();
        calls.push(tokio::spawn(async move {
            let r = heavy_query(&c, &base).await;
            (r.status().as_u16(), r.headers().get("retry-after").cloned())
        }));
    }
    let mut statuses = Vec::new();
    for c in calls {
        statuses.push(c.await.unwrap());
    }
    let limited = statuses.iter().filter(|(s, _)| *s == 429).count();
    assert!(limited >= 5, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .filter(|(s, _)| *s == 429)
            .all(|(_, h)| h.as_ref().is_some_and(|v| v == "1"))
    );
    // another key is not limited by this one
    let other = common::client_with(&common::key(&engine, Role::Editor, &[]));
    let (s, _) = sparql(&other, &base, None, "ASK { ?s ?p ?o }").await;
    assert_eq!(s, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_is_queried_by_admins_only_and_records_sparql() {
    let engine = engine();
    let base = common::serve(engine.clone());
    let chatbot_key = common::key(&engine, Role::Chatbot, &[OWN]);
    let chatbot = common::client_with(&chatbot_key);
    let chatbot_id = engine.security().keys.authenticate(&chatbot_key).unwrap().key_id;
    let (s, _) = sparql(&chatbot, &base, None, "ASK { ?s a <https://schema.org/Product> }").await;
    assert_eq!(s, 200);
    let r = chatbot.get(format!("{base}/v1/audit")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let admin = common::client(&base);
    let page: Value = admin
        .request(Method::GET, format!("{base}/v1/audit"))
        .query(&[("actor", chatbot_id.as_str()), ("action", "sparql")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // recorded before it ran, and with its outcome after
    let recs = page["records"].as_array().unwrap();
    assert_eq!(recs.len(), 2, "{page}");
    assert_eq!(
        (&recs[0]["outcome"], &recs[1]["outcome"]),
        (&json!("started"), &json!("ok"))
    );
    for r in recs {
        assert_eq!(r["target"], OWN);
        assert!(r["detail"].as_str().unwrap().contains("schema.org/Product"));
    }
    // the denied audit query is recorded too
    let page: Value = admin
        .get(format!("{base}/v1/audit"))
        .query(&[("actor", chatbot_id.as_str()), ("action", "audit.query")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["records"][0]["outcome"], "denied", "{page}");
    // time filters
    let future = "2999-01-01T00:00:00Z";
    let page: Value = admin
        .get(format!("{base}/v1/audit"))
        .query(&[("from", future)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["records"].as_array().unwrap().len(), 0);
    let r = admin
        .get(format!("{base}/v1/audit"))
        .query(&[("from", "yesterday")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

/// Words and names another merchant's questions would use, read from the data at run time.
fn vocabulary(merchant: &str) -> Vec<String> {
    let facts = engine().facts(&common::mid(merchant)).unwrap();
    let mut words: Vec<String> = facts.products.iter().map(|p| p.name.clone()).collect();
    words.extend(facts.products.iter().filter_map(|p| p.sku.clone()));
    words.extend(facts.products.iter().filter_map(|p| p.brand.clone()));
    words.extend(facts.faqs.iter().map(|f| f.question.clone()));
    words.extend(facts.promotions.iter().map(|p| p.name.clone()));
    assert!(words.len() > 10);
    words
}

mod isolation {
    use super::*;
    use proptest::prelude::*;

    const ASKS: &[&str] = &[
        "{}",
        "{}多少钱",
        "{}有货吗",
        "{}能退吗",
        "{}发什么快递",
        "请问{}还有优惠吗",
        "{}和{}哪个好",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

        /// Questions for one merchant, however much they name another merchant's products,
        /// SKUs, FAQ and promotions, return evidence of that merchant and the general layer
        /// only, and answers cite nothing else.
        #[test]
        fn questions_for_a_never_return_evidence_of_b(
            pair in prop::sample::select(vec![(OWN, OTHER), (OTHER, OWN), ("m-apparel", OWN), (OWN, "m-apparel")]),
            i in 0usize..10_000,
            j in 0usize..10_000,
            ask in prop::sample::select(ASKS.to_vec()),
            noise in "[\u{4e00}-\u{9fa5}]{0,4}",
        ) {
            let (a, b) = pair;
            let theirs = vocabulary(b);
            let mine = vocabulary(a);
            let q = ask.replacen("{}", &theirs[i % theirs.len()], 1).replacen("{}", &mine[j % mine.len()], 1) + &noise;
            let q = q.chars().take(400).collect::<String>();
            let at = common::at("2026-06-10T12:00:00+08:00");
            let question = zhiku::Question::new(common::mid(a), &q, None, 500).unwrap();
            let r = engine().search(question.clone(), at).unwrap();
            for e in &r.evidence {
                prop_assert!(e.merchant_id == a || e.merchant_id == "_general", "{q}: evidence {} from {}", e.subject, e.merchant_id);
                prop_assert!(!e.subject.contains(&format!("/{b}/")), "{q}: {}", e.subject);
            }
            let answer = engine().answer(question, at).unwrap();
            for c in &answer.citations {
                prop_assert!(!c.subject.contains(&format!("/{b}/")), "{q}: cited {}", c.subject);
            }
        }
    }
}

/// `zhiku audit verify` on a trail that was edited, had a record deleted or inserted, had
/// its newest records cut off, was torn by a crash, and was pruned behind a checkpoint.
#[test]
fn audit_verify_detects_tampering() {
    use zhiku::security::{NewRecord, Security};
    let dir = tempfile::tempdir().unwrap();
    let verify = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhiku"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(["audit", "verify"])
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let config = common::config(dir.path());
    let security = Security::open(dir.path(), &config).unwrap();
    for i in 0..6 {
        security
            .audit
            .append(NewRecord {
                actor: format!("k_00000000000{i}"),
                action: "import".into(),
                target: "m-a".into(),
                outcome: "ok".into(),
                ..NewRecord::default()
            })
            .unwrap();
    }
    // keys made by the command are audited too, and chain onto the records above
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhiku"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["keys", "create", "--role", "editor"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let (ok, msg) = verify();
    assert!(ok, "{msg}");
    let path = security.audit.path().to_path_buf();
    let original = std::fs::read_to_string(&path).unwrap();
    assert!(!original.contains(&key), "the audit trail holds a key");
    assert_eq!(original.lines().count(), 7);
    let lines: Vec<&str> = original.lines().collect();
    let write = |ls: &[String]| std::fs::write(&path, ls.join("\n") + "\n").unwrap();
    let owned = || lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();

    // an edited field
    let mut edited = owned();
    edited[2] = edited[2].replace("\"m-a\"", "\"m-b\"");
    write(&edited);
    let (ok, msg) = verify();
    assert!(!ok && msg.contains("line 3") && msg.contains("changed"), "{msg}");
    // a deleted record
    let mut deleted = owned();
    deleted.remove(3);
    write(&deleted);
    let (ok, msg) = verify();
    assert!(!ok && msg.contains("line 4"), "{msg}");
    // a duplicated (inserted) record
    let mut inserted = owned();
    inserted.insert(2, lines[1].to_string());
    write(&inserted);
    let (ok, msg) = verify();
    assert!(!ok && msg.contains("line 3"), "{msg}");
    // a record whose hash was recomputed after an edit still breaks the next link
    let mut rehashed: Vec<serde_json::Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    rehashed[1]["target"] = "m-z".into();
    rehashed[1]["hash"] = "f".repeat(64).into();
    write(&rehashed.iter().map(|v| v.to_string()).collect::<Vec<_>>());
    let (ok, _) = verify();
    assert!(!ok);

    // the newest records cut off the end: the signed head shows it
    write(&owned()[..5]);
    let (ok, msg) = verify();
    assert!(
        !ok && msg.contains("line 6") && msg.contains("records 6..=7 were cut"),
        "{msg}"
    );

    // restored, then torn by a crash mid-append: the torn tail (never acknowledged) is cut
    // at the next open and the chain holds
    std::fs::write(&path, format!("{original}{{\"seq\":8,\"time\":\"2026")).unwrap();
    let (ok, msg) = verify();
    assert!(ok, "{msg}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    let reopened = Security::open(dir.path(), &config).unwrap();
    assert_eq!(
        reopened
            .audit
            .append(NewRecord {
                actor: "cli".into(),
                action: "ingest".into(),
                ..NewRecord::default()
            })
            .unwrap()
            .seq,
        8
    );
    let (ok, msg) = verify();
    assert!(ok, "{msg}");

    // pruning everything older than tomorrow leaves a checkpoint that later records chain onto
    let pruned = reopened
        .audit
        .prune(chrono::Utc::now() + chrono::Duration::days(1))
        .unwrap();
    assert_eq!(pruned, 8);
    reopened
        .audit
        .append(NewRecord {
            actor: "cli".into(),
            action: "ingest".into(),
            ..NewRecord::default()
        })
        .unwrap();
    let (ok, msg) = verify();
    assert!(ok, "{msg}");
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.lines().next().unwrap().contains("checkpoint"));
    assert!(after.lines().nth(1).unwrap().contains("\"seq\":9"));
    // editing the checkpoint's hash breaks the chain
    std::fs::write(&path, after.replacen("\"hash\":\"", "\"hash\":\"0", 1)).unwrap();
    let (ok, _) = verify();
    assert!(!ok);
}
