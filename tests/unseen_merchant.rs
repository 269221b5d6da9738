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
