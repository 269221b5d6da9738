//! End-to-end over real HTTP: every endpoint and every error, on real stores and the real model.

mod common;

use serde_json::{Value, json};

async fn server() -> String {
    common::serve(common::engine())
}

async fn post(base: &str, path: &str, body: Value) -> (u16, Value) {
    let r = common::client(base)
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_reports_the_stores() {
    let base = server().await;
    let r: Value = common::get(format!("{base}/healthz")).await.json().await.unwrap();
    assert_eq!(r["status"], "ok");
    assert_eq!(
        r["stats"]["merchants"], 3,
        "a count: which merchants exist does not leak"
    );
    assert!(r["stats"]["passages"].as_u64().unwrap() > 100);
    assert_eq!(r["stats"]["passages"], r["stats"]["vectors"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_returns_facts_citations_verdict_and_timings() {
    let base = server().await;
    let (s, r) = post(
        &base,
        "/v1/answer",
        json!({"merchant_id": "m-beauty", "question": "HY-LP-0213多少钱"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert!(r["answer"].as_str().unwrap().contains("139"), "{r}");
    assert_eq!(r["intent"], "price_inquiry");
    assert_eq!(r["handoff"], false);
    assert!(!r["citations"].as_array().unwrap().is_empty());
    assert_eq!(r["citations"][0]["layer"], "merchant");
    assert_eq!(r["verdict"]["verdict"], "pass");
    for stage in ["understand_ms", "retrieve_ms", "answer_ms", "validate_ms", "total_ms"] {
        assert!(r["timings"][stage].as_f64().is_some(), "timing {stage}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_merchant_answers_from_its_own_facts() {
    let base = server().await;
    for (m, q) in [("m-digital", "JK-PB-2002多少钱"), ("m-apparel", "ZL-CT-2402多少钱")] {
        let (s, r) = post(&base, "/v1/answer", json!({"merchant_id": m, "question": q})).await;
        assert_eq!(s, 200, "{r}");
        let subjects: Vec<&str> = r["citations"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["subject"].as_str())
            .collect();
        assert!(!subjects.is_empty());
        assert!(
            subjects
                .iter()
                .all(|s| s.contains(&format!("/{m}/")) || s.contains("/general/")),
            "{subjects:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn human_request_hands_off() {
    let base = server().await;
    let (s, r) = post(
        &base,
        "/v1/answer",
        json!({"merchant_id": "m-apparel", "question": "我要转人工客服"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(r["handoff"], true, "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_returns_scoped_evidence_with_provenance() {
    let base = server().await;
    let (s, r) = post(
        &base,
        "/v1/search",
        json!({"merchant_id": "m-beauty", "question": "包邮吗 运费多少"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let ev = r["evidence"].as_array().unwrap();
    assert!(!ev.is_empty());
    for e in ev {
        let subject = e["subject"].as_str().unwrap();
        assert!(subject.contains("/m-beauty/") || e["layer"] == "general", "{subject}");
        assert!(e["sources"].as_array().is_some_and(|s| !s.is_empty()));
        assert!(e["id"].as_str().unwrap().starts_with('E'));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_flags_a_wrong_price() {
    let base = server().await;
    let (s, r) = post(
        &base,
        "/v1/validate",
        json!({"merchant_id": "m-beauty", "question": "213口红多少钱", "answer": "丝绒雾面口红 213枫叶红棕售价129元。"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_ne!(r["verdict"], "pass", "{r}");
    let (s, r) = post(
        &base,
        "/v1/validate",
        json!({"merchant_id": "m-beauty", "question": "213口红多少钱", "answer": "丝绒雾面口红 213枫叶红棕售价139元。"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(r["verdict"], "pass", "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_json_with_codes() {
    let base = server().await;
    let (s, r) = post(
        &base,
        "/v1/answer",
        json!({"merchant_id": "m-nobody", "question": "口红多少钱"}),
    )
    .await;
    assert_eq!((s, r["error"]["code"].as_str()), (404, Some("unknown_merchant")), "{r}");
    let (s, r) = post(
        &base,
        "/v1/answer",
        json!({"merchant_id": "m-beauty", "question": "   "}),
    )
    .await;
    assert_eq!((s, r["error"]["code"].as_str()), (400, Some("invalid_request")), "{r}");
    assert!(r["error"]["message"].as_str().unwrap().contains("question"));
    let long = "口".repeat(501);
    let (s, r) = post(
        &base,
        "/v1/answer",
        json!({"merchant_id": "m-beauty", "question": long}),
    )
    .await;
    assert_eq!((s, r["error"]["code"].as_str()), (400, Some("invalid_request")), "{r}");
    let (s, r) = post(&base, "/v1/answer", json!({"merchant_id": "m-beauty"})).await;
    assert_eq!((s, r["error"]["code"].as_str()), (400, Some("invalid_json")), "{r}");
    let (s, r) = post(
        &base,
        "/v1/answer",
        json!({"merchant_id": "m-beauty", "question": "在吗", "now": "yesterday"}),
    )
    .await;
    assert_eq!((s, r["error"]["code"].as_str()), (400, Some("invalid_request")), "{r}");
    let r = common::client(&base)
        .post(format!("{base}/v1/answer"))
        .header("content-type", "application/json")
        .body("{\"merchant_id\": \"m-beauty\", \"question\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_json");
    let huge = json!({"merchant_id": "m-beauty", "question": "x".repeat(200_000)});
    let (s, r) = post(&base, "/v1/answer", huge).await;
    assert_eq!((s, r["error"]["code"].as_str()), (413, Some("body_too_large")), "{r}");
    let (s, r) = post(&base, "/v1/nothing", json!({})).await;
    assert_eq!((s, r["error"]["code"].as_str()), (404, Some("not_found")));
    let (s, r) = post(&base, "/v1/validate", json!({"merchant_id": "m-beauty", "answer": ""})).await;
    assert_eq!((s, r["error"]["code"].as_str()), (400, Some("invalid_request")), "{r}");
}

/// `/v1/validate` lists contradicted and unsupported claims apart, each with the fact it was
/// checked against or `no fact`; an unsupported sentence is dropped when the rest stands, and
/// hands off when it is the whole answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_lists_contradicted_and_unsupported_claims() {
    let base = server().await;
    let ask = |question: &'static str, answer: &'static str| {
        let base = base.clone();
        async move {
            let (s, r) = post(
                &base,
                "/v1/validate",
                json!({"merchant_id": "m-digital", "question": question, "answer": answer,
                       "now": "2026-11-23T12:00:00+08:00"}),
            )
            .await;
            assert_eq!(s, 200, "{r}");
            r
        }
    };
    let r = ask("Air Pro支持LDAC吗", "Air Pro支持LDAC。").await;
    assert_eq!(r["verdict"], "handoff", "{r}");
    assert_eq!(r["unsupported"][0]["fact"], "no fact", "{r}");
    assert_eq!(r["contradicted"], json!([]), "{r}");
    let r = ask("Air Pro多少钱", "声澜 Air Pro 主动降噪蓝牙耳机售价299元。").await;
    let c = &r["contradicted"][0];
    assert!(c["fact"].as_str().unwrap().contains("/m-digital/"), "{r}");
    assert_eq!(c["expected"], "399元", "{r}");
    assert_eq!(r["unsupported"], json!([]), "{r}");
    let r = ask(
        "Air Pro多少钱 支持LDAC吗",
        "声澜 Air Pro 主动降噪蓝牙耳机售价399元。它支持LDAC。",
    )
    .await;
    assert_eq!(r["verdict"], "corrected", "{r}");
    let fixed = r["corrected_answer"].as_str().unwrap();
    assert!(fixed.contains("399元") && !fixed.to_lowercase().contains("ldac"), "{r}");
}
