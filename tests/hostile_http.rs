//! The holes a hostile tester found over HTTP (issue 12), one regression test each: a
//! body parsed twice (B1), parsers recursing without a bound (B2, B3), RDF/XML entity
//! expansion (B4), reserved merchant ids (B5), unaudited 429s (B6), and the smaller holes
//! of the same probe. Each sends what the tester sent and checks the answer, that nothing
//! stored changed, and that the server still answers the next request.

mod common;

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};
use zhiku::Engine;
use zhiku::security::{AuditQuery, Role};

/// One engine for this binary: a small per-key limit and a short body timeout, so the
/// limit tests are quick.
fn engine() -> Arc<Engine> {
    static E: OnceLock<Arc<Engine>> = OnceLock::new();
    E.get_or_init(|| {
        // SAFETY: set once, before any engine (the only reader of these variables) exists.
        unsafe {
            std::env::set_var("ZHIKU_LIMITS__MAX_CONCURRENT_PER_KEY", "2");
            std::env::set_var("ZHIKU_LIMITS__BODY_READ_TIMEOUT_MS", "1500");
            std::env::set_var("ZHIKU_LIMITS__HEADER_READ_TIMEOUT_MS", "1000");
        }
        common::new_engine()
    })
    .clone()
}

fn server() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| common::serve(engine()))
}

/// Sends `request`: its status and JSON body (`null` when there is none).
async fn call(request: reqwest::RequestBuilder) -> (u16, Value) {
    let r = request.send().await.expect("the server answers");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// The server is up: `/healthz` answers 200.
async fn alive(base: &str) {
    let r = reqwest::get(format!("{base}/healthz"))
        .await
        .expect("the server answers");
    assert_eq!(r.status(), 200);
}

/// Records of the audit trail carrying `request_id`.
fn audited(request_id: &str) -> Vec<zhiku::security::AuditRecord> {
    let engine = engine();
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = engine
            .security()
            .audit
            .query(&AuditQuery {
                limit: Some(1000),
                after,
                ..Default::default()
            })
            .unwrap();
        out.extend(
            page.records
                .into_iter()
                .filter(|r| r.fields.request_id.as_deref() == Some(request_id)),
        );
        match page.next_after {
            Some(a) => after = Some(a),
            None => return out,
        }
    }
}

/// B1: a JSON array names no merchant the guard could check, so it is refused; the body the
/// guard checks is the one the handler uses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_is_parsed_once_into_one_object_naming_one_merchant() {
    let base = server();
    let digital = common::client_with(&common::key(&engine(), Role::Chatbot, &["m-digital"]));
    let probes = [
        ("/v1/answer", json!(["m-beauty", "213口红多少钱？"])),
        ("/v1/search", json!(["m-beauty", "213口红多少钱？"])),
        ("/v1/validate", json!(["m-beauty", "高速负离子吹风机现在售价359元"])),
        ("/v1/answer", json!([["m-beauty"], "213口红多少钱？"])),
    ];
    for (i, (route, body)) in probes.iter().enumerate() {
        let rid = format!("b1-array-{i}");
        let (s, v) = call(
            digital
                .post(format!("{base}{route}"))
                .header("x-request-id", &rid)
                .json(body),
        )
        .await;
        assert_eq!((s, code(&v)), (400, "invalid_json"), "{route}: {v}");
        let text = v.to_string();
        assert!(
            !text.contains("359") && !text.contains("citations") && !text.contains("E1"),
            "{text}"
        );
        let records = audited(&rid);
        assert!(
            records.iter().any(|r| r.fields.outcome == "denied"),
            "{route}: refusal not audited"
        );
    }
    // duplicate keys, nested ids, numbers: refused, never resolved to m-beauty
    for body in [
        r#"{"merchant_id":"m-digital","merchant_id":"m-beauty","question":"213口红多少钱？"}"#,
        r#"{"merchant_id":{"merchant_id":"m-beauty"},"question":"213口红多少钱？"}"#,
        r#"{"merchant_id":["m-beauty"],"question":"213口红多少钱？"}"#,
        r#"{"merchant_id":"m-beauty\u0000","question":"213口红多少钱？"}"#,
        r#"{"merchant_id":"M-BEAUTY","question":"213口红多少钱？"}"#,
        r#"{"merchant_id":"m-digital","question":"213口红多少钱？","merchant":"m-beauty"}"#,
    ] {
        let (s, v) = call(
            digital
                .post(format!("{base}/v1/answer"))
                .header("content-type", "application/json")
                .body(body),
        )
        .await;
        assert_eq!(s, 400, "{body}: {v}");
        assert!(!v.to_string().contains("359"), "{v}");
    }
    // the object form for another merchant: the unknown-merchant 404, audited
    let (s, v) = call(
        digital
            .post(format!("{base}/v1/validate"))
            .header("x-request-id", "b1-object")
            .json(&json!({"merchant_id": "m-beauty", "answer": "高速负离子吹风机现在售价359元"})),
    )
    .await;
    assert_eq!((s, code(&v)), (404, "unknown_merchant"), "{v}");
    assert!(!audited("b1-object").is_empty());
}

/// SPARQL nested past `limits.max_query_depth`.
fn deep_queries() -> Vec<(&'static str, String)> {
    vec![
        (
            "FILTER( + 1000 (",
            format!("SELECT * WHERE {{ FILTER({}1{}) }}", "(".repeat(1000), ")".repeat(1000)),
        ),
        (
            "1+1+… 4000 terms",
            format!("SELECT * WHERE {{ FILTER({}1 > 0) }}", "1+".repeat(4000)),
        ),
        (
            "4000 nested {}",
            format!("SELECT * WHERE {}{}", "{".repeat(4000), "}".repeat(4000)),
        ),
        (
            "9000 !",
            format!("SELECT * WHERE {{ FILTER({}true) }}", "!".repeat(9000)),
        ),
        (
            "6000 path parentheses",
            format!(
                "SELECT * WHERE {{ ?s {}<https://schema.org/name>{} ?o }}",
                "(".repeat(6000),
                ")".repeat(6000)
            ),
        ),
        (
            "1000 sub-SELECTs",
            format!(
                "SELECT * {{{}?s ?p ?o{}}}",
                "{SELECT * {".repeat(1000),
                "}}".repeat(1000)
            ),
        ),
        (
            "600 OPTIONALs",
            format!("SELECT * WHERE {{ ?s ?p ?o {} }}", "OPTIONAL { ?s ?p ?o } ".repeat(600)),
        ),
        (
            "800 UNIONs",
            format!("SELECT * WHERE {{ {{?s ?p ?o}} {} }}", "UNION {?s ?p ?o} ".repeat(800)),
        ),
        (
            // found by the sparql fuzz target: each nested `!(` doubles oxigraph's parse time
            "20 nested !( groups",
            format!("ASK {{ FILTER({}true{}) }}", "!(".repeat(20), ")".repeat(20)),
        ),
        (
            "a less-than hiding brackets up to a later >",
            format!("ASK {{ FILTER(1<{}1{}&&2>1) }}", "(".repeat(9000), ")".repeat(9000)),
        ),
    ]
}

/// B2: each query that aborted the process gets 400 `too_deep` naming the setting, over GET
/// and POST, with an editor's key and a chatbot's; the next request is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_sparql_is_refused_and_the_server_stays_up() {
    let base = server();
    let editor = common::client_with(&common::key(&engine(), Role::Editor, &[]));
    let chatbot = common::client_with(&common::key(&engine(), Role::Chatbot, &["m-beauty"]));
    for (i, (what, q)) in deep_queries().into_iter().enumerate() {
        assert!(q.chars().count() <= 20_000, "{what} is within the query length limit");
        let rid = format!("b2-{i}");
        let (s, v) = call(
            editor
                .get(format!("{base}/sparql"))
                .header("x-request-id", &rid)
                .query(&[("query", q.as_str())]),
        )
        .await;
        assert_eq!((s, code(&v)), (400, "too_deep"), "{what}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("limits.max_query_depth"),
            "{v}"
        );
        let (s, v) = call(
            chatbot
                .post(format!("{base}/sparql"))
                .header("content-type", "application/sparql-query")
                .body(q.clone()),
        )
        .await;
        assert_eq!((s, code(&v)), (400, "too_deep"), "{what}: {v}");
        alive(base).await;
    }
    // a 3000-step path is a 3000-pattern join: ordering it would take one worker minutes
    let q = format!("SELECT * WHERE {{ ?s {} ?o }}", vec!["<a:p>"; 3000].join("/"));
    let (s, v) = call(editor.get(format!("{base}/sparql")).query(&[("query", q.as_str())])).await;
    assert_eq!((s, code(&v)), (400, "query_too_large"), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limits.max_query_patterns"),
        "{v}"
    );
    // the query is recorded before it runs, and its outcome after
    let records = audited("b2-0");
    let outcomes: Vec<&str> = records.iter().map(|r| r.fields.outcome.as_str()).collect();
    assert_eq!(outcomes, ["started", "error"], "{records:?}");
    // nesting within the limit still answers
    let q = format!("ASK {{ FILTER({}true{}) }}", "(".repeat(30), ")".repeat(30));
    let r = editor
        .get(format!("{base}/sparql"))
        .query(&[("query", q.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// B3 and the other nesting holes: uploads, a JSON body and an ontology draft nested past
/// their limits get 400 `too_deep` with the line and column; nothing stored changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_uploads_and_bodies_are_refused_and_change_nothing() {
    let base = server();
    let m = "m-apparel";
    let merchant = common::client_with(&common::key(&engine(), Role::Merchant, &[m]));
    let export = || async {
        merchant
            .get(format!("{base}/v1/merchants/{m}/export?format=ntriples"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let before: std::collections::BTreeSet<String> = export().await.lines().map(common::mask_blanks).collect();
    let jsonld = |depth: usize| {
        format!(
            r#"{{"@context": {{"@vocab": "https://schema.org/"}}, "@id": "https://x.example/p", "isRelatedTo": {}"end"{}}}"#,
            r#"{"isRelatedTo": "#.repeat(depth),
            "}".repeat(depth)
        )
    };
    let uploads = [
        ("jsonld 2000", "application/ld+json", jsonld(2000)),
        ("jsonld 1000", "application/ld+json", jsonld(1000)),
        (
            "turtle collections",
            "text/turtle",
            format!(
                "<https://x.example/p> <https://schema.org/isRelatedTo> {}1{} .",
                "(".repeat(5000),
                ")".repeat(5000)
            ),
        ),
        (
            "turtle blank nodes",
            "text/turtle",
            format!(
                "<https://x.example/p> {}<https://schema.org/name> \"x\"{} .",
                "<https://schema.org/isRelatedTo> [ ".repeat(3000),
                " ]".repeat(3000)
            ),
        ),
        (
            "turtle nesting behind an escaped # in a local name",
            "text/turtle",
            format!(
                "@prefix ex: <https://x.example/> .\nex:p ex:isRelatedTo ex:a\\#, {}[ ex:name \"x\" ]{} .",
                "[ ex:isRelatedTo ".repeat(3000),
                " ]".repeat(3000)
            ),
        ),
        (
            "rdf/xml elements",
            "application/rdf+xml",
            format!(
                r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:s="https://schema.org/">{}{}</rdf:RDF>"#,
                r#"<rdf:Description rdf:about="https://x.example/p"><s:isRelatedTo>"#.repeat(3000),
                "</s:isRelatedTo></rdf:Description>".repeat(3000)
            ),
        ),
    ];
    for (what, ct, body) in uploads {
        let (s, v) = call(
            merchant
                .post(format!("{base}/v1/merchants/{m}/imports"))
                .header("content-type", ct)
                .body(body),
        )
        .await;
        assert_eq!((s, code(&v)), (400, "too_deep"), "{what}: {v}");
        assert!(v["error"]["details"]["line"].as_u64().is_some(), "{what}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("limits.max_import_depth"),
            "{v}"
        );
        alive(base).await;
    }
    // a JSON body nested 2000 deep
    let body = format!(
        r#"{{"merchant_id":"{m}","question":{}1{}}}"#,
        "[".repeat(2000),
        "]".repeat(2000)
    );
    let (s, v) = call(
        merchant
            .post(format!("{base}/v1/answer"))
            .header("content-type", "application/json")
            .body(body),
    )
    .await;
    assert_eq!((s, code(&v)), (400, "too_deep"), "{v}");
    // an ontology draft nested 5000 deep
    let editor = common::client_with(&common::key(&engine(), Role::Editor, &[]));
    let draft = format!(
        "<https://zhiku.dev/ns#x> <https://zhiku.dev/ns#y> {}1{} .",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let (s, v) = call(
        editor
            .put(format!("{base}/v1/ontology/draft"))
            .header("content-type", "text/turtle")
            .body(draft),
    )
    .await;
    assert_eq!((s, code(&v)), (400, "too_deep"), "{v}");
    let after: std::collections::BTreeSet<String> = export().await.lines().map(common::mask_blanks).collect();
    assert_eq!(after, before);
}

/// RDF/XML with `levels` nested internal entities, each ten of the one below ("billion
/// laughs"): 555 bytes at 8 levels.
fn laughs(levels: usize) -> String {
    let mut dt = String::from("<!ENTITY l0 \"lol\">");
    for i in 1..=levels {
        dt.push_str(&format!("<!ENTITY l{i} \"{}\">", format!("&l{};", i - 1).repeat(10)));
    }
    format!(
        r#"<?xml version="1.0"?><!DOCTYPE rdf:RDF [{dt}]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:s="https://schema.org/"><rdf:Description rdf:about="https://x.example/laughs"><s:name>&l{levels};</s:name></rdf:Description></rdf:RDF>"#
    )
}

/// B4: entity expansion is capped (each entity, and all references together); external
/// entities are refused; entities used as namespace abbreviations still import.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rdf_xml_entities_cannot_blow_up() {
    let base = server();
    let m = "m-beauty";
    let merchant = common::client_with(&common::key(&engine(), Role::Merchant, &[m]));
    let upload = |body: String| {
        let merchant = merchant.clone();
        async move {
            call(
                merchant
                    .post(format!("{base}/v1/merchants/{m}/imports"))
                    .header("content-type", "application/rdf+xml")
                    .body(body),
            )
            .await
        }
    };
    let bomb = laughs(8);
    assert!(bomb.len() < 700, "{}", bomb.len());
    let (s, v) = upload(bomb).await;
    assert_eq!((s, code(&v)), (400, "xml_entities"), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limits.max_xml_entity_bytes"),
        "{v}"
    );
    // a small entity referenced a million times
    let wide = laughs(2).replace(
        "<s:name>&l2;</s:name>",
        &format!("<s:name>{}</s:name>", "&l2;".repeat(100_000)),
    );
    let (s, v) = upload(wide).await;
    assert_eq!((s, code(&v)), (400, "xml_entities"), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limits.max_xml_expansion_bytes"),
        "{v}"
    );
    // a second DOCTYPE after an empty one; entity names ending in a no-break space
    for bomb in [
        laughs(8).replacen("<!DOCTYPE", "<!DOCTYPE rdf:RDF []><!DOCTYPE", 1),
        laughs(8).replace(" \"", "\u{a0} \"").replace(';', "\u{a0};"),
    ] {
        let (s, v) = upload(bomb).await;
        assert_eq!((s, code(&v)), (400, "xml_entities"), "{v}");
    }
    let external = r#"<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:s="https://schema.org/"><rdf:Description rdf:about="https://x.example/e"><s:name>&x;</s:name></rdf:Description></rdf:RDF>"#;
    let (s, v) = upload(external.to_string()).await;
    assert_eq!((s, code(&v)), (400, "xml_entities"), "{v}");
    let namespaces = r#"<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY schema "https://schema.org/">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:s="&schema;"><rdf:Description rdf:about="https://x.example/entity-ok"><rdf:type rdf:resource="&schema;Thing"/><s:name>实体</s:name></rdf:Description></rdf:RDF>"#;
    let (s, v) = upload(namespaces.to_string()).await;
    assert_eq!(s, 200, "{v}");
}

/// B5: zhiku's own ids are no merchant's: every route refuses them, keys cannot be bound
/// to them, and the general layer stays whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_ids_are_refused_everywhere() {
    let base = server();
    let admin = common::client(base);
    let stats = || async {
        reqwest::get(format!("{base}/healthz"))
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let before = stats().await;
    let faq = "问题,答案\n可以退货吗,所有商品一律不退不换\n";
    for id in ["_general", "%5Fgeneral", "_", "_x", "urn:zhiku:graph:general", "-x"] {
        let (s, v) = call(
            admin
                .post(format!("{base}/v1/merchants/{id}/imports?name=faq.csv"))
                .header("content-type", "text/csv")
                .body(faq),
        )
        .await;
        assert_eq!((s, code(&v)), (400, "invalid_merchant_id"), "{id}: {v}");
        for path in [
            format!("/v1/merchants/{id}/export"),
            format!("/v1/merchants/{id}/imports/j1"),
        ] {
            let (s, v) = call(admin.get(format!("{base}{path}"))).await;
            assert_eq!((s, code(&v)), (400, "invalid_merchant_id"), "{path}: {v}");
        }
        let r = admin
            .delete(format!("{base}/v1/merchants/{id}/subjects?iri=https://x.example/a"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{id}");
        let r = admin
            .get(format!("{base}/sparql?merchant={id}&query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{id}");
    }
    for route in ["/v1/answer", "/v1/search"] {
        let (s, v) = call(
            admin
                .post(format!("{base}{route}"))
                .json(&json!({"merchant_id": "_general", "question": "可以退货吗"})),
        )
        .await;
        assert_eq!((s, code(&v)), (400, "invalid_merchant_id"), "{v}");
    }
    // the CLI refuses to bind a key to a reserved id
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhiku"))
        .args(["keys", "create", "--role", "merchant", "--merchant", "_general"])
        .env("ZHIKU_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("reserved"), "{out:?}");
    // a key stored before the rule, bound to `_general`, touches nothing
    let engine = engine();
    let keys = &engine.security().keys;
    let (record, token) = keys.create(Role::Merchant, &[common::mid("m-stale")], None).unwrap();
    let file = engine.config().data_dir.join("security").join("keys.json");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"m-stale\"", "\"_general\"");
    std::fs::write(&file, text).unwrap();
    let p = keys.authenticate(&token).unwrap();
    assert_eq!((p.key_id.as_str(), p.merchants.len()), (record.id.as_str(), 0));
    // the general layer is whole, and its rules are still cited
    let after = stats().await;
    assert_eq!(after["stats"]["passages"], before["stats"]["passages"]);
    let v = common::ask(base, "m-beauty", "可以退货吗").await;
    assert!(!v.to_string().contains("一律不退不换"), "{v}");
}

/// A streamed request body that sends `first` and then stalls until `release` fires.
fn stalled_body(first: &'static [u8], release: tokio::sync::oneshot::Receiver<()>) -> reqwest::Body {
    let stream = futures_util::stream::unfold((Some(first), Some(release)), |(first, release)| async move {
        if let Some(f) = first {
            return Some((Ok::<_, std::io::Error>(f.to_vec()), (None, release)));
        }
        let _ = release?.await;
        None
    });
    reqwest::Body::wrap_stream(stream)
}

/// An upload in flight: its status and JSON body when it ends.
type Upload = tokio::task::JoinHandle<(u16, Value)>;
/// Lets a stalled upload finish.
type Release = tokio::sync::oneshot::Sender<()>;

/// `n` uploads by `client` to m-digital that send their first bytes and stall: the
/// handles, and the senders that release them.
fn stalled_uploads(client: &reqwest::Client, n: usize) -> (Vec<Upload>, Vec<Release>) {
    let base = server();
    let mut held = Vec::new();
    let mut releases = Vec::new();
    for _ in 0..n {
        let (tx, rx) = tokio::sync::oneshot::channel();
        releases.push(tx);
        let c = client.clone();
        held.push(tokio::spawn(async move {
            call(
                c.post(format!("{base}/v1/merchants/m-digital/imports?format=turtle"))
                    .body(stalled_body(b"<https://x.example/slow> ", rx)),
            )
            .await
        }));
    }
    (held, releases)
}

/// B6: a 429 is audited like every other refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_call_is_audited() {
    let base = server();
    let client = common::client_with(&common::key(&engine(), Role::Merchant, &["m-digital"]));
    // two stalled uploads hold the key's two slots
    let (held, releases) = stalled_uploads(&client, 2);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let r = client
        .get(format!("{base}/v1/merchants/m-digital/export"))
        .header("x-request-id", "b6-limited")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "1");
    let records = audited("b6-limited");
    assert!(
        records
            .iter()
            .any(|r| r.fields.status == Some(429) && r.fields.outcome == "denied"),
        "{records:?}"
    );
    drop(releases);
    for h in held {
        h.await.unwrap();
    }
}

/// A slow upload: cut off after `limits.body_read_timeout_ms` with 408, not when the client
/// gives up, and its slot is given back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_upload_times_out_and_gives_its_slot_back() {
    let base = server();
    let client = common::client_with(&common::key(&engine(), Role::Merchant, &["m-digital"]));
    let (held, releases) = stalled_uploads(&client, 2);
    let t = std::time::Instant::now();
    let waited = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut out = Vec::new();
        for h in held {
            out.push(h.await.unwrap());
        }
        out
    })
    .await;
    let outcomes = waited.expect("the server cut the stalled uploads off");
    for (s, v) in outcomes {
        assert_eq!((s, code(&v)), (408, "body_timeout"), "{v}");
    }
    assert!(t.elapsed() < std::time::Duration::from_secs(10));
    drop(releases);
    let r = client
        .get(format!("{base}/v1/merchants/m-digital/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the slots were given back");
}

/// A client that sends the merchant key of m-digital.
fn digital_merchant() -> (String, reqwest::Client) {
    let key = common::key(&engine(), Role::Merchant, &["m-digital"]);
    let client = common::client_with(&key);
    (key, client)
}

/// Deleting a schema term, or an IRI that is no subject of the merchant's graph: 404, and
/// no product loses its type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_merchants_own_subjects_can_be_deleted() {
    let base = server();
    let m = "m-digital";
    let (_, merchant) = digital_merchant();
    let products = || async {
        let q = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://schema.org/Product> }";
        let r = merchant
            .get(format!("{base}/sparql"))
            .query(&[("query", q)])
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        v["results"]["bindings"][0]["n"]["value"]
            .as_str()
            .unwrap()
            .parse::<u32>()
            .unwrap()
    };
    let n = products().await;
    assert!(n > 5);
    for iri in [
        "https://schema.org/Product",
        "http://schema.org/Product",
        "https://x.example/nobody",
    ] {
        let (s, v) = call(
            merchant
                .delete(format!("{base}/v1/merchants/{m}/subjects"))
                .query(&[("iri", iri)]),
        )
        .await;
        assert_eq!((s, code(&v)), (404, "not_found"), "{iri}: {v}");
    }
    assert_eq!(products().await, n);
}

/// A query string that is not UTF-8 once decoded: 400, never a query with replaced
/// characters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_string_that_is_not_utf8_is_refused() {
    let base = server();
    let (_, merchant) = digital_merchant();
    for q in ["query=%FF", "query=ASK%7B%7D&merchant=m-digit%FF"] {
        let (s, v) = call(merchant.get(format!("{base}/sparql?{q}"))).await;
        assert_eq!((s, code(&v)), (400, "invalid_query"), "{q}: {v}");
    }
    // every route's query, not only the endpoint's
    for path in [
        "/v1/merchants/m-digital/export?format=%FFturtle",
        "/v1/merchants/m-digital/imports?name=%FF%FE&format=turtle",
    ] {
        let (s, v) = call(
            merchant
                .request(
                    if path.contains("imports") {
                        reqwest::Method::POST
                    } else {
                        reqwest::Method::GET
                    },
                    format!("{base}{path}"),
                )
                .body("<https://x.example/q> <https://schema.org/name> \"q\" ."),
        )
        .await;
        assert_eq!((s, code(&v)), (400, "invalid_query"), "{path}: {v}");
    }
}

/// A Basic `Authorization` header beside a valid `X-Api-Key` does not hide the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_basic_authorization_header_does_not_hide_an_api_key() {
    let base = server();
    let (key, _) = digital_merchant();
    let r = reqwest::Client::new()
        .get(format!("{base}/v1/merchants/m-digital/export"))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// A 1 MB `Authorization` header gets a JSON 431 naming the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_get_a_json_431() {
    let base = server();
    let (s, v) = call(
        reqwest::Client::new()
            .get(format!("{base}/v1/merchants/m-digital/export"))
            .header("authorization", format!("Bearer {}", "x".repeat(1 << 20))),
    )
    .await;
    assert_eq!((s, code(&v)), (431, "headers_too_large"), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limits.max_header_bytes"),
        "{v}"
    );
    alive(base).await;
}

/// A SPARQL body over 64 KiB names the setting that limits it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sparql_body_too_large_names_its_setting() {
    let base = server();
    let (_, merchant) = digital_merchant();
    let big = format!("ASK {{ ?s ?p \"{}\" }}", "x".repeat(70 * 1024));
    let (s, v) = call(
        merchant
            .post(format!("{base}/sparql"))
            .header("content-type", "application/sparql-query")
            .body(big),
    )
    .await;
    assert_eq!(s, 413, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limits.max_body_bytes"),
        "{v}"
    );
}

/// JSON-LD over 16 MiB is parsed whole: the documented limit is `limits.max_import_bytes`
/// (256 MiB), not a parser's buffer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_ld_over_16_mib_imports() {
    let base = server();
    let (_, merchant) = digital_merchant();
    let long = "长".repeat(6 * 1024 * 1024);
    let doc = format!(
        r#"{{"@context": {{"@vocab": "https://schema.org/"}}, "@id": "https://x.example/long", "@type": "Thing", "disambiguatingDescription": "{long}"}}"#
    );
    assert!(doc.len() > 17 * 1024 * 1024);
    let (s, v) = call(
        merchant
            .post(format!("{base}/v1/merchants/m-digital/imports"))
            .header("content-type", "application/ld+json")
            .body(doc),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["counts"]["triples_parsed"], 2, "{v}");
}

/// A JSON body that starts with a UTF-8 byte-order mark is read, not refused with
/// "expected value at line 1 column 1".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_body_with_a_byte_order_mark_is_read() {
    let base = server();
    let digital = common::client_with(&common::key(&engine(), Role::Chatbot, &["m-digital"]));
    let mut bom = "\u{feff}".as_bytes().to_vec();
    bom.extend_from_slice(r#"{"merchant_id":"m-digital","question":"耳机多少钱"}"#.as_bytes());
    let (s, v) = call(
        digital
            .post(format!("{base}/v1/answer"))
            .header("content-type", "application/json")
            .body(bom),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["merchant_id"], "m-digital");
}

/// Refusals past the guard are audited too: an unknown route, a handler's 400 and 404, and
/// oversized headers refused before routing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_past_the_guard_are_audited() {
    let base = server();
    let (_, merchant) = digital_merchant();
    let probes = [
        ("a1", merchant.get(format!("{base}/v1/nothing"))),
        ("a2", reqwest::Client::new().get(format!("{base}/v1/nothing/at/all"))),
        (
            "a3",
            merchant
                .post(format!("{base}/v1/answer"))
                .json(&json!({"merchant_id": "m-digital", "question": "   "})),
        ),
        (
            "a4",
            merchant
                .post(format!("{base}/v1/validate"))
                .json(&json!({"merchant_id": "m-digital", "answer": "好", "now": "yesterday"})),
        ),
        (
            "a5",
            merchant.get(format!("{base}/v1/merchants/m-digital/imports/job-nope")),
        ),
        (
            "a6",
            merchant
                .get(format!("{base}/v1/nothing"))
                .header("x-pad", "x".repeat(70 * 1024)),
        ),
    ];
    for (rid, request) in probes {
        let rid = format!("audit-{rid}");
        let r = request.header("x-request-id", &rid).send().await.unwrap();
        let status = r.status().as_u16();
        assert!((400..500).contains(&status), "{rid}: {status}");
        let records = audited(&rid);
        assert!(
            records.iter().any(|r| r.fields.status == Some(status)),
            "{rid} ({status}) not audited: {records:?}"
        );
    }
}

/// A connection that never finishes its headers is closed after
/// `limits.header_read_timeout_ms` (slowloris), without a key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_stalling_in_its_headers_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let base = server();
    let addr = base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let t = std::time::Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), conn.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "still open after 10 s");
    assert!(t.elapsed() < std::time::Duration::from_secs(5), "{:?}", t.elapsed());
    alive(base).await;
}
