//! Ontology curation over real HTTP: draft get/put, validation, a publish blocked by problems
//! and by merchants that would break, a publish that switches answers to the new version,
//! versions and diffs.

mod common;

use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

async fn server() -> String {
    common::serve(common::new_engine())
}

async fn get_json(url: String) -> (u16, Value) {
    let r = common::get(url).await;
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn post_json(url: String) -> (u16, Value) {
    let r = common::client(&url).post(url).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

use common::ask;

async fn put_draft(base: &str, ttl: String) -> (u16, Value) {
    let r = common::client(base)
        .put(format!("{base}/v1/ontology/draft"))
        .header(CONTENT_TYPE, "text/turtle")
        .body(ttl)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

const LIVE: &str = r#"
<https://zhiku.dev/ns#LiveStream> a <http://www.w3.org/2000/01/rdf-schema#Class> ;
    <http://www.w3.org/2000/01/rdf-schema#label> "直播"@zh .
<https://zhiku.dev/intent/live_stream> a <https://zhiku.dev/ns#Intent> , <http://www.w3.org/2004/02/skos/core#Concept> ;
    <http://www.w3.org/2004/02/skos/core#inScheme> <https://zhiku.dev/ns#IntentScheme> ;
    <http://www.w3.org/2004/02/skos/core#notation> "live_stream" ;
    <http://www.w3.org/2004/02/skos/core#prefLabel> "直播间"@zh ;
    <https://zhiku.dev/ns#needsMerchantFacts> true ;
    <http://www.w3.org/2004/02/skos/core#example> "直播什么时候开始"@zh , "今天还有直播吗"@zh ,
        "主播几点开播"@zh , "直播间的链接在哪里"@zh , "明晚直播几点"@zh .
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editors_curate_validate_and_publish_the_schema() {
    let base = server().await;
    let (s, v) = get_json(format!("{base}/v1/ontology/versions")).await;
    assert_eq!(s, 200);
    assert_eq!(v["current"], 1);
    let draft = common::get(format!("{base}/v1/ontology/draft"))
        .await
        .text()
        .await
        .unwrap();
    assert!(draft.contains("zhiku.dev/intent/price_inquiry"));
    let (s, r) = post_json(format!("{base}/v1/ontology/validate")).await;
    assert_eq!(s, 200);
    assert_eq!(r["ok"], true, "the seed schema is clean: {r}");

    // The draft saved back as it is differs from the published version in nothing.
    let (s, r) = put_draft(&base, draft.clone()).await;
    assert_eq!(s, 200, "{r}");
    let (_, d) = get_json(format!("{base}/v1/ontology/diff?from=current&to=draft")).await;
    for kind in ["classes", "properties", "shapes", "intents"] {
        assert_eq!(d["added"][kind], json!([]), "{kind}: {}", d["text"]);
        assert_eq!(d["removed"][kind], json!([]), "{kind}: {}", d["text"]);
    }

    // A syntax error names its line and leaves the draft as it was.
    let (s, err) = put_draft(&base, format!("{draft}\n<https://zhiku.dev/ns#X> a \n")).await;
    assert_eq!(s, 400, "{err}");
    assert_eq!(err["error"]["code"], "syntax_error");
    assert!(err["error"]["details"]["line"].as_u64().unwrap() > 1000, "{err}");
    let (_, r) = post_json(format!("{base}/v1/ontology/validate")).await;
    assert_eq!(r["ok"], true);

    // An undeclared class and an intent without examples are problems, and block publishing.
    let bad = format!(
        "{draft}\n<https://zhiku.dev/ns#Thing1> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <https://zhiku.dev/ns#Nowhere> .\n\
         <https://zhiku.dev/intent/empty> a <https://zhiku.dev/ns#Intent> ; <http://www.w3.org/2004/02/skos/core#notation> \"empty\" .\n"
    );
    let (s, _) = put_draft(&base, bad).await;
    assert_eq!(s, 200);
    let (_, r) = post_json(format!("{base}/v1/ontology/validate")).await;
    assert_eq!(r["ok"], false);
    let problems = r["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["kind"] == "undeclared" && p["subject"] == "https://zhiku.dev/ns#Nowhere"),
        "{r}"
    );
    assert!(problems.iter().any(|p| p["kind"] == "intent"), "{r}");
    let (s, err) = post_json(format!("{base}/v1/ontology/publish")).await;
    assert_eq!(s, 409, "{err}");
    assert_eq!(err["error"]["code"], "ontology_invalid");

    // A shape that every demo product fails: the dry run names the merchants, publish refuses.
    let strict = format!(
        "{draft}\n<https://zhiku.dev/ns#GtinShape> a <http://www.w3.org/ns/shacl#NodeShape> ;\n\
         <http://www.w3.org/ns/shacl#targetClass> <https://schema.org/Product> ;\n\
         <http://www.w3.org/ns/shacl#property> [ <http://www.w3.org/ns/shacl#path> <https://schema.org/gtin13> ; <http://www.w3.org/ns/shacl#minCount> 1 ] .\n"
    );
    let (s, _) = put_draft(&base, strict).await;
    assert_eq!(s, 200);
    let (s, r) = post_json(format!("{base}/v1/ontology/publish?dry_run=true")).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["published"], false);
    let breaking: Vec<&str> = r["breaking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(breaking, vec!["m-apparel", "m-beauty", "m-digital"], "{r}");
    let (s, err) = post_json(format!("{base}/v1/ontology/publish")).await;
    assert_eq!(s, 409, "{err}");
    assert_eq!(err["error"]["code"], "merchants_would_break");
    let (_, v) = get_json(format!("{base}/v1/ontology/versions")).await;
    assert_eq!(v["current"], 1, "nothing was published");

    // A new intent and class: the diff shows them, publishing makes version 2, answers use it.
    let (s, r) = put_draft(&base, format!("{draft}\n{LIVE}")).await;
    assert_eq!(s, 200, "{r}");
    let (_, r) = post_json(format!("{base}/v1/ontology/validate")).await;
    assert_eq!(r["ok"], true, "{r}");
    let (s, d) = get_json(format!("{base}/v1/ontology/diff?from=current&to=draft")).await;
    assert_eq!(s, 200);
    assert_eq!(d["added"]["classes"], json!(["https://zhiku.dev/ns#LiveStream"]), "{d}");
    assert_eq!(
        d["added"]["intents"],
        json!(["https://zhiku.dev/intent/live_stream"]),
        "{d}"
    );
    assert!(
        d["text"]
            .as_str()
            .unwrap()
            .contains("+ intent <https://zhiku.dev/intent/live_stream>")
    );
    let before = ask(&base, "m-beauty", "今晚几点开直播呀").await;
    assert_ne!(before["intent"], "live_stream");
    let (s, r) = post_json(format!("{base}/v1/ontology/publish")).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["published"], true);
    assert_eq!(r["version"], 2);
    let (_, v) = get_json(format!("{base}/v1/ontology/versions")).await;
    assert_eq!(v["current"], 2);
    assert_eq!(v["versions"].as_array().unwrap().len(), 2);
    assert_eq!(v["versions"][1]["current"], true);
    let after = ask(&base, "m-beauty", "今晚几点开直播呀").await;
    assert_eq!(after["intent"], "live_stream", "answers switched to version 2: {after}");
    // Merchant answers still hold their facts.
    let r = ask(&base, "m-beauty", "HY-LP-0213多少钱").await;
    assert!(r["answer"].as_str().unwrap().contains("139"), "{r}");
    let (s, d) = get_json(format!("{base}/v1/ontology/diff?from=1&to=2")).await;
    assert_eq!(s, 200);
    assert_eq!(d["added"]["intents"], json!(["https://zhiku.dev/intent/live_stream"]));
    let (s, _) = get_json(format!("{base}/v1/ontology/diff?from=1&to=9")).await;
    assert_eq!(s, 404);
    let (s, _) = get_json(format!("{base}/v1/ontology/diff?from=latest")).await;
    assert_eq!(s, 400);
    let (s, t) = get_json(format!("{base}/v1/ontology/terms?version=2")).await;
    assert_eq!(s, 200);
    assert!(
        t["intents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == "live_stream" && i["examples"] == 5)
    );
    let page = common::get(format!("{base}/editor")).await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("id=\"draft\""));
}

/// The validator's words are ontology terms: an editor adds a stock phrase and a courier to the
/// draft, publishes, and `/v1/validate` catches wrong claims written with them, with no
/// rebuild or restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_words_added_by_an_editor_apply_after_publish() {
    let base = server().await;
    let validate = |answer: &'static str| {
        let base = base.clone();
        async move {
            let r = common::client(&base)
                .post(format!("{base}/v1/validate"))
                .json(
                    &json!({"merchant_id": "m-beauty", "question": "213口红有货吗 发什么快递", "answer": answer,
                              "now": "2026-11-23T12:00:00+08:00"}),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    let stock = "丝绒雾面口红213枫叶红棕已告罄。";
    let courier = "我们默认发丹鸟快递。";
    // Unknown words claim nothing the validator can read yet.
    for answer in [stock, courier] {
        let v = validate(answer).await;
        assert!(
            v["claims"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["status"] != "contradicted"),
            "{answer}: {v}"
        );
    }
    let draft = common::get(format!("{base}/v1/ontology/draft"))
        .await
        .text()
        .await
        .unwrap();
    let words = r#"
<https://zhiku.dev/vocab/stock-out-of-stock> <http://www.w3.org/2004/02/skos/core#altLabel> "告罄"@zh .
<https://zhiku.dev/courier/danniao> a <https://zhiku.dev/ns#Courier> , <http://www.w3.org/2004/02/skos/core#Concept> ;
    <http://www.w3.org/2004/02/skos/core#inScheme> <https://zhiku.dev/ns#CourierScheme> ;
    <http://www.w3.org/2004/02/skos/core#notation> "danniao" ;
    <http://www.w3.org/2004/02/skos/core#prefLabel> "丹鸟"@zh ;
    <http://www.w3.org/2004/02/skos/core#altLabel> "丹鸟快递"@zh .
"#;
    let (s, r) = put_draft(&base, format!("{draft}\n{words}")).await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = post_json(format!("{base}/v1/ontology/publish")).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["published"], true, "{r}");
    for (answer, kind) in [(stock, "stock"), (courier, "courier")] {
        let v = validate(answer).await;
        assert_ne!(v["verdict"], "pass", "{answer}: {v}");
        assert!(
            v["claims"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["kind"] == kind && c["status"] == "contradicted"),
            "{answer}: {v}"
        );
    }
}
