//! The dev sets as a regression guard (the figures are reported by `zhiku eval`).

mod common;

#[test]
fn dev_sets_stay_above_the_floor() {
    let e = common::engine();
    let dir = common::eval_dir();
    let now = common::at("2026-11-23T12:00:00+08:00");
    let qa = zhiku::eval::run_qa(&e, &dir.join("qa_dev.jsonl"), now, zhiku::eval::Half::All).unwrap();
    let intents = zhiku::eval::run_intents(&e, &dir.join("intent_dev.tsv"), zhiku::eval::Half::All).unwrap();
    let val = zhiku::eval::run_validation(&e, &dir.join("validation_dev.jsonl"), now, zhiku::eval::Half::All).unwrap();
    let rate = qa.passed as f64 / qa.cases as f64;
    println!(
        "qa {rate:.3} intent {:.3} validation recall {:.3} fa {:.3}",
        intents.accuracy, val.recall, val.false_alarm_rate
    );
    assert!(rate >= 0.70, "qa pass rate {rate:.3}: {:#?}", qa.failures);
    assert!(intents.accuracy >= 0.75, "intent accuracy {:.3}", intents.accuracy);
    assert!(
        val.recall >= 0.80 && val.false_alarm_rate <= 0.15,
        "validation {:?}",
        val
    );
}

#[test]
fn eval_terms_follow_the_readme_rule() {
    use zhiku::eval::{Term, qa_terms_ok};
    assert!(qa_terms_ok("售价¥139.00元", &[Term::One("139".into())], &[]).is_ok());
    assert!(qa_terms_ok("目前 有 货", &[Term::Any(vec!["有货".into(), "现货".into()])], &[]).is_ok());
    assert!(qa_terms_ok("目前缺货", &[], &["缺货".into()]).is_err());
    assert!(qa_terms_ok("ＳＰＦ25", &[Term::One("spf25".into())], &[]).is_ok());
}
