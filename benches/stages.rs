//! Criterion bench: each pipeline stage on the demo data, plus the whole flow.
//! Run with `make bench` (dev profile with optimised dependencies, like the tests).

use criterion::{Criterion, criterion_group, criterion_main};
use std::path::PathBuf;
use std::time::Duration;
use zhiku::engine::{Engine, Seed};
use zhiku::{Config, Question};

fn engine() -> Engine {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    let e = Engine::open(Config::for_project(&root, dir.path().to_path_buf()), Seed::IfEmpty).expect("engine");
    std::mem::forget(dir);
    e
}

fn stages(c: &mut Criterion) {
    let e = engine();
    let p = e.pipeline();
    let at = chrono::DateTime::parse_from_rfc3339("2026-06-10T12:00:00+08:00").expect("time");
    let questions = [
        ("m-beauty", "213口红多少钱"),
        ("m-digital", "退货要自己出运费吗"),
        ("m-apparel", "满多少包邮"),
    ];
    let mut g = c.benchmark_group("stages");
    g.measurement_time(Duration::from_secs(5)).sample_size(20);
    for (m, text) in questions {
        let q = Question::new(zhiku::MerchantId::parse(m).expect("merchant id"), text, None, 500).expect("question");
        let u = p.understand.run(q.clone()).expect("understand");
        let r = p.retrieve.run(u.clone(), at).expect("retrieve");
        let d = p.generate.run(r.clone(), at).expect("answer");
        g.bench_function(format!("understand/{m}"), |b| {
            b.iter(|| p.understand.run(q.clone()).expect("understand"))
        });
        g.bench_function(format!("retrieve/{m}"), |b| {
            b.iter(|| p.retrieve.run(u.clone(), at).expect("retrieve"))
        });
        g.bench_function(format!("answer/{m}"), |b| {
            b.iter(|| p.generate.run(r.clone(), at).expect("answer"))
        });
        g.bench_function(format!("validate/{m}"), |b| {
            b.iter(|| p.validate.run(d.clone(), at).expect("validate"))
        });
        g.bench_function(format!("total/{m}"), |b| {
            b.iter(|| e.answer(q.clone(), at).expect("answer"))
        });
    }
    // Cold path: a question never seen before, so the query embedding is computed.
    let mut n = 0u64;
    g.bench_function("understand_cold/m-beauty", |b| {
        b.iter(|| {
            n += 1;
            let q = Question::new(
                zhiku::MerchantId::parse("m-beauty").expect("merchant id"),
                &format!("第{n}次问：口红多少钱"),
                None,
                500,
            )
            .expect("question");
            p.understand.run(q).expect("understand")
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
