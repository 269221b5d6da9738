//! Criterion bench: the security layer's per-request costs — key authentication, one
//! fsynced audit append, masking an answer, sealing and opening one value with SM4-GCM.
//! Run with `cargo bench --profile dev --bench security` (or `make bench`).

use criterion::{Criterion, criterion_group, criterion_main};
use std::collections::BTreeMap;
use std::time::Duration;
use zhiku::security::sm4::Keyring;
use zhiku::security::{NewRecord, Role, Security};

fn security(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = zhiku::Config::for_project(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), dir.path().into());
    let s = Security::open(dir.path(), &config).expect("security");
    let (_, key) = s
        .keys
        .create(
            Role::Chatbot,
            &[zhiku::MerchantId::parse("m-beauty").expect("merchant id")],
            None,
        )
        .expect("key");
    let mut g = c.benchmark_group("security");
    g.measurement_time(Duration::from_secs(5)).sample_size(30);
    g.bench_function("authenticate", |b| b.iter(|| s.keys.authenticate(&key).expect("key")));
    g.bench_function("audit_append_fsync", |b| {
        b.iter(|| {
            s.audit
                .append(NewRecord {
                    actor: "k_000000000001".into(),
                    action: "import".into(),
                    target: "m-beauty".into(),
                    outcome: "ok".into(),
                    status: Some(200),
                    ..NewRecord::default()
                })
                .expect("append")
        })
    });
    let answer =
        "您好，213号口红现价139元，满199减20；如需帮助请致电13812345678，退货地址：杭州市西湖区文三路90号3楼。";
    g.bench_function("mask_answer", |b| {
        b.iter(|| zhiku::security::mask::mask(answer).into_owned())
    });
    let ring = Keyring::new(
        &BTreeMap::from([("k1".to_string(), "0123456789abcdeffedcba9876543210".to_string())]),
        "k1",
    )
    .expect("keyring");
    let sealed = ring.seal("\"13812345678\"").expect("seal");
    g.bench_function("sm4gcm_seal", |b| {
        b.iter(|| ring.seal("\"13812345678\"").expect("seal"))
    });
    g.bench_function("sm4gcm_open", |b| b.iter(|| ring.open(&sealed).expect("open")));
    g.finish();
}

criterion_group!(benches, security);
criterion_main!(benches);
