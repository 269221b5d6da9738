//! A merchant that is in no seed file (`tests/fixtures/m-tea.ttl`, another trade than the demo
//! merchants) is imported at run time and answers from its own facts: the answers must
//! generalise beyond the demo data.

mod common;

use zhiku::import::{Format, Mode, Upload};

#[test]
fn a_merchant_imported_at_run_time_answers_from_its_facts() {
    let e = common::new_engine();
    let ttl = std::fs::read(common::root().join("tests/fixtures/m-tea.ttl")).unwrap();
    let job = e
        .import(
            &common::mid("m-tea"),
            Upload {
                name: "m-tea.ttl",
                format: Format::Turtle,
                data: &ttl,
            },
            Mode::Replace,
        )
        .expect("import");
    assert_eq!(job.validation.as_ref().unwrap().violations, 0);
    let at = common::at("2026-07-01T10:00:00+08:00");
    // (question, every string the answer must hold, handoff expected)
    let cases: &[(&str, &[&str], bool)] = &[
        ("普洱多少钱", &["268"], false),
        ("YL-DH-100有货吗", &["缺货"], false),
        ("滇红还有货吗", &["缺货"], false),
        ("红茶保质期多久", &["24个月"], false),
        ("满多少包邮", &["88"], false),
        ("发什么快递", &["中通"], false),
        ("拆封了能退吗", &["15天"], false),
        ("可以开发票吗", &["电子普通发票"], false),
        ("普洱生茶怎么泡", &["100℃"], false),
        ("客服几点上班", &["08:30"], false),
        ("我的订单到哪了 单号783920183745", &[], true),
    ];
    let mut failures = Vec::new();
    for (q, must, handoff) in cases {
        let r = e
            .answer(zhiku::Question::new(common::mid("m-tea"), q, None, 500).unwrap(), at)
            .unwrap();
        let ok = must.iter().all(|m| r.answer.contains(m)) && r.handoff == *handoff;
        if !ok {
            failures.push(format!("{q} → {} (handoff {})", r.answer, r.handoff));
        }
        assert!(
            r.citations
                .iter()
                .all(|c| c.subject.starts_with("https://tea.example/") || c.layer != zhiku::store::Layer::Merchant),
            "{q}: cites another merchant: {:?}",
            r.citations
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The validator's prepared facts follow every import: a price changed by import several
/// times in a row is checked against the latest price each time, over HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_follows_a_price_changed_by_each_import() {
    let base = common::serve(common::new_engine());
    let ttl = std::fs::read_to_string(common::root().join("tests/fixtures/m-tea.ttl")).unwrap();
    assert!(ttl.contains("schema:price 268.00"), "fixture changed");
    let validate = |answer: String| {
        let base = base.clone();
        async move {
            let r = common::client(&base)
                .post(format!("{base}/v1/validate"))
                .json(&serde_json::json!({
                    "merchant_id": "m-tea", "question": "普洱多少钱", "answer": answer,
                    "now": "2026-07-01T10:00:00+08:00"
                }))
                .send()
                .await
                .expect("validate");
            assert_eq!(r.status().as_u16(), 200);
            r.json::<serde_json::Value>().await.expect("JSON")["verdict"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }
    };
    let mut previous: Option<u32> = None;
    for price in [268u32, 301, 288, 301, 199] {
        let data = ttl.replace("schema:price 268.00", &format!("schema:price {price}.00"));
        let (s, r) = common::upload(&base, "m-tea", "?mode=replace", "text/turtle", data).await;
        assert_eq!(s, 200, "{r}");
        let said = |p: u32| format!("冰岛古树普洱生茶 357g饼售价{p}元。");
        assert_eq!(validate(said(price)).await, "pass", "after import at {price}");
        if let Some(old) = previous.filter(|o| *o != price) {
            assert_ne!(
                validate(said(old)).await,
                "pass",
                "old price {old} after import at {price}"
            );
        }
        previous = Some(price);
    }
}
