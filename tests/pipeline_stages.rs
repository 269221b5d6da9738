//! Each stage on the real engine (real oxigraph, tantivy, qdrant-edge, e5 model).

mod common;

use zhiku::Question;
use zhiku::store::passages::PassageKind;

fn q(m: &str, text: &str) -> Question {
    Question::new(zhiku::MerchantId::parse(m).unwrap(), text, None, 500).unwrap()
}

#[test]
fn question_is_validated_at_the_edge() {
    let m = || zhiku::MerchantId::parse("m-beauty").unwrap();
    assert!(Question::new(m(), "  ", None, 500).is_err());
    assert!(zhiku::MerchantId::parse("").is_err());
    assert!(Question::new(m(), &"好".repeat(501), None, 500).is_err());
    assert_eq!(Question::new(m(), " 在吗 ", None, 500).unwrap().text, "在吗");
}

#[test]
fn understand_links_skus_and_names_and_spots_order_numbers() {
    let e = common::engine();
    let p = e.pipeline();
    let u = p.understand.run(q("m-beauty", "HY-FD-0102还有货吗")).unwrap();
    assert!(
        u.entities.first().is_some_and(|x| x.iri.ends_with("foundation-02")),
        "{:?}",
        u.entities
    );
    let u = p.understand.run(q("m-beauty", "我的订单2026061012345到哪了")).unwrap();
    assert!(u.order_specific);
    let u = p.understand.run(q("m-beauty", "你好，在吗")).unwrap();
    assert_eq!(u.intent.id, "greeting");
    assert!(u.entities.is_empty());
}

#[test]
fn retrieve_fuses_sources_within_the_merchant() {
    let e = common::engine();
    let p = e.pipeline();
    let at = common::at("2026-06-10T12:00:00+08:00");
    let u = p.understand.run(q("m-digital", "JK-PB-2002多少钱")).unwrap();
    let r = p.retrieve.run(u, at).unwrap();
    assert!(!r.evidence.is_empty());
    let top = &r.evidence[0];
    assert_eq!(top.kind, PassageKind::Product);
    assert!(top.sources.iter().any(|s| s == "graph"), "{:?}", top.sources);
    assert!(
        r.evidence
            .iter()
            .all(|e| e.subject.contains("/m-digital/") || e.subject.contains("/general/"))
    );
    let subjects: std::collections::HashSet<_> = r.evidence.iter().map(|e| &e.subject).collect();
    assert_eq!(subjects.len(), r.evidence.len(), "deduplicated by subject");
}

#[test]
fn answer_cites_evidence_or_hands_off() {
    let e = common::engine();
    let p = e.pipeline();
    let at = common::at("2026-06-10T12:00:00+08:00");
    let u = p.understand.run(q("m-apparel", "ZL-CT-2402多少钱")).unwrap();
    let d = p.generate.run(p.retrieve.run(u, at).unwrap(), at).unwrap();
    assert!(!d.handoff);
    assert!(!d.citations.is_empty());
    let evidence_ids: Vec<_> = d.retrieved.evidence.iter().map(|e| e.id.clone()).collect();
    assert!(d.citations.iter().all(|c| evidence_ids.contains(c)));
    let u = p.understand.run(q("m-apparel", "有没有卖电视机的")).unwrap();
    let d = p.generate.run(p.retrieve.run(u, at).unwrap(), at).unwrap();
    assert!(d.handoff, "unknown product hands off: {}", d.answer);
}

#[test]
fn validate_corrects_a_wrong_draft() {
    let e = common::engine();
    let p = e.pipeline();
    let at = common::at("2026-06-10T12:00:00+08:00");
    let u = p.understand.run(q("m-beauty", "HY-LP-0213多少钱")).unwrap();
    let mut d = p.generate.run(p.retrieve.run(u, at).unwrap(), at).unwrap();
    assert!(d.answer.contains("139"));
    d.answer = d.answer.replace("139", "129");
    let v = p.validate.run(d, at).unwrap();
    assert_ne!(v.validation.verdict, zhiku::validate::Verdict::Pass);
}

#[test]
fn whole_flow_answers_as_of_the_clock() {
    let e = common::engine();
    let before = e
        .answer(q("m-beauty", "现在有什么活动"), common::at("2026-06-10T12:00:00+08:00"))
        .unwrap();
    let after = e
        .answer(q("m-beauty", "现在有什么活动"), common::at("2026-11-23T12:00:00+08:00"))
        .unwrap();
    assert_ne!(before.answer, after.answer);
    assert!(after.answer.contains("结束"), "{}", after.answer);
}
