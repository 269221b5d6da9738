//! Malformed and hostile input over real HTTP: truncated RDF, invalid UTF-8, a 100 MB body,
//! deeply nested JSON-LD, SPARQL `SERVICE` to an outside address, and path traversal in file
//! names and ids. Each gets a clear 4xx with a machine-readable code, and the merchant's
//! stored graph is unchanged afterwards.

mod common;

use serde_json::Value;

const M: &str = "m-apparel";

async fn export(base: &str) -> String {
    common::get(format!("{base}/v1/merchants/{M}/export?format=ntriples"))
        .await
        .text()
        .await
        .unwrap()
}

fn lines(nt: &str) -> std::collections::BTreeSet<String> {
    nt.lines().map(common::mask_blanks).collect()
}

/// `body` uploaded to the merchant as `content_type`: the status and error code.
async fn upload(base: &str, query: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let (s, v) = common::upload(base, M, query, content_type, body).await;
    (s, v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_uploads_get_4xx_and_change_nothing() {
    let engine = common::new_engine();
    let base = common::serve(engine);
    let before = lines(&export(&base).await);
    assert!(before.len() > 100);

    // truncated Turtle: a statement cut in the middle of a literal
    let ttl = "@prefix schema: <https://schema.org/> .\n<https://x.example/p> a schema:Product ;\n  schema:name \"半截";
    let (s, r) = upload(&base, "?format=turtle", "text/turtle", ttl.into()).await;
    assert_eq!((s, r["error"]["code"].as_str()), (400, Some("syntax_error")), "{r}");
    assert!(r["error"]["details"]["line"].as_u64().is_some(), "{r}");

    // truncated N-Triples: the last line has no object
    let nt = "<https://x.example/p> <https://schema.org/name> \"a\" .\n<https://x.example/p> <https://schema.org/sku>";
    let (s, r) = upload(&base, "", "application/n-triples", nt.into()).await;
    assert_eq!((s, r["error"]["details"]["line"].as_u64()), (400, Some(2)), "{r}");

    // invalid UTF-8 inside a literal, in every text format
    let mut bad = b"<https://x.example/p> <https://schema.org/name> \"".to_vec();
    bad.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    bad.extend_from_slice(b"\" .\n");
    for (q, ct) in [
        ("?format=ntriples", "application/n-triples"),
        ("?format=turtle", "text/turtle"),
        ("?format=jsonld", "application/ld+json"),
        ("?name=faq.csv", "text/csv"),
    ] {
        let (s, r) = upload(&base, q, ct, bad.clone()).await;
        assert_eq!(s, 400, "{ct}: {r}");
        assert!(r["error"]["code"].as_str().is_some_and(|c| !c.is_empty()), "{ct}: {r}");
        assert!(!r["error"]["message"].as_str().unwrap_or("").is_empty());
    }

    // deeply nested JSON-LD (a stack-overflow attempt)
    let depth = 100_000;
    let mut deep = String::from(
        r#"{"@context": {"@vocab": "https://schema.org/"}, "@id": "https://x.example/p", "isRelatedTo": "#,
    );
    deep.push_str(&"{\"isRelatedTo\": ".repeat(depth));
    deep.push_str("\"end\"");
    deep.push_str(&"}".repeat(depth));
    deep.push('}');
    let (s, r) = upload(&base, "?format=jsonld", "application/ld+json", deep.into()).await;
    assert!((400..500).contains(&s), "{s} {r}");
    assert!(r["error"]["code"].is_string(), "{r}");

    // deeply nested JSON arrays as well
    let arrays = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let (s, r) = upload(&base, "?format=jsonld", "application/ld+json", arrays.into()).await;
    assert!((400..500).contains(&s), "{s} {r}");

    // 100 MB of garbage as Turtle: it streams to the spool and stops at line 1
    let garbage = vec![b'x'; 100 * 1024 * 1024];
    let (s, r) = upload(&base, "?format=turtle", "text/turtle", garbage).await;
    assert_eq!((s, r["error"]["code"].as_str()), (400, Some("syntax_error")), "{r}");

    // a path traversal in the file name is a name in messages, never a path
    let escape = std::env::temp_dir().join("zhiku-traversal-probe.ttl");
    let _ = std::fs::remove_file(&escape);
    let name = format!("../../../../../..{}", escape.display());
    let client = common::client(&base);
    let r = client
        .post(format!("{base}/v1/merchants/{M}/imports"))
        .query(&[("name", name.as_str())])
        .header("content-type", "text/turtle")
        .body("<https://x.example/p> <https://schema.org/name> ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(!escape.exists(), "the upload was written outside the spool");

    // traversal in ids: an import job id, a merchant id
    for path in [
        format!("/v1/merchants/{M}/imports/..%2F..%2F..%2Fetc%2Fpasswd"),
        format!("/v1/merchants/{M}/imports/....%2F%2Fjob"),
        "/v1/merchants/..%2Fm-beauty/export".to_string(),
        "/v1/merchants/%2E%2E/export".to_string(),
    ] {
        let r = common::get(format!("{base}{path}")).await;
        let s = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(s == 400 || s == 404, "{path}: {s} {v}");
        assert!(v["error"]["code"].is_string(), "{path}: {v}");
    }

    // a 100 MB JSON body to the answer route: 413 before it is read whole
    let r = client
        .post(format!("{base}/v1/answer"))
        .header("content-type", "application/json")
        .body(vec![b' '; 100 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);

    // SPARQL SERVICE to an outside address
    let outside = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    outside.set_nonblocking(true).unwrap();
    let q = format!(
        "SELECT * WHERE {{ SERVICE <http://{}/> {{ ?s ?p ?o }} }}",
        outside.local_addr().unwrap()
    );
    let r = client
        .get(format!("{base}/sparql"))
        .query(&[("query", q.as_str()), ("merchant", M)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(outside.accept().is_err());

    // nothing stored changed
    assert_eq!(lines(&export(&base).await), before);
}
