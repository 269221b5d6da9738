//! Criterion bench of merchant imports on real stores: the time from submitting a one-price
//! merge to the answer that shows it (the "import → answer within 1 s" figure), and a
//! 10,000-triple N-Triples import into a new merchant (triples/s through parse, SHACL,
//! transaction and indexing). Run with `make bench`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::PathBuf;
use std::time::Duration;
use zhiku::engine::{Engine, Seed};
use zhiku::import::{Format, Mode, Upload};
use zhiku::{Config, Question};

fn engine() -> Engine {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    let e = Engine::open(Config::for_project(&root, dir.path().to_path_buf()), Seed::IfEmpty).expect("engine");
    std::mem::forget(dir);
    e
}

const SHOP: &str = r#"@prefix schema: <https://schema.org/> .
<https://bench.example/org> a schema:Organization ; schema:name "基准小店" .
<https://bench.example/p/cup> a schema:Product ; schema:name "钛合金保温杯 500ml" ; schema:sku "TC-500" ;
    schema:offers <https://bench.example/o/cup> .
<https://bench.example/o/cup> a schema:Offer ; schema:itemOffered <https://bench.example/p/cup> ;
    schema:price 88.00 ; schema:priceCurrency "CNY" ; schema:availability schema:InStock .
"#;

/// `n` triples of attribute records (the bulk of a large catalogue's triples).
fn records(n: usize) -> String {
    (0..n / 3)
        .map(|i| {
            format!(
                "<https://bench.example/r/{i}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/PropertyValue> .\n\
                 <https://bench.example/r/{i}> <https://schema.org/name> \"属性{i}\" .\n\
                 <https://bench.example/r/{i}> <https://schema.org/value> \"{i}\" .\n"
            )
        })
        .collect()
}

fn imports(c: &mut Criterion) {
    let e = engine();
    let at = chrono::DateTime::parse_from_rfc3339("2026-06-10T12:00:00+08:00").expect("time");
    let upload = |m: &str, format, data: &[u8], mode| {
        e.import(
            &zhiku::MerchantId::parse(m).expect("merchant id"),
            Upload {
                name: "bench",
                format,
                data,
            },
            mode,
        )
        .expect("import")
    };
    upload("m-bench", Format::Turtle, SHOP.as_bytes(), Mode::Replace);
    let mut g = c.benchmark_group("imports");
    g.measurement_time(Duration::from_secs(10)).sample_size(10);
    let mut price = 90u32;
    g.bench_function("price_change_to_answer", |b| {
        b.iter(|| {
            price += 1;
            let nt = format!(
                "<https://bench.example/o/cup> <https://schema.org/price> \"{price}.00\"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n"
            );
            upload("m-bench", Format::NTriples, nt.as_bytes(), Mode::Merge);
            let q = Question::new(zhiku::MerchantId::parse("m-bench").expect("merchant id"), "保温杯多少钱", None, 500).expect("question");
            let r = e.answer(q, at).expect("answer");
            assert!(r.answer.contains(&price.to_string()), "{}", r.answer);
        })
    });
    let n = 10_000;
    let data = records(n);
    g.throughput(Throughput::Elements(n as u64));
    let mut round = 0;
    g.bench_function("ntriples_10k_new_merchant", |b| {
        b.iter(|| {
            round += 1;
            upload(
                &format!("m-bulk-{round}"),
                Format::NTriples,
                data.as_bytes(),
                Mode::Replace,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, imports);
criterion_main!(benches);
