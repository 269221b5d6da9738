//! Real tests (no mocks) of the embedding model and the embedded vector index.
//!
//! The model is read from `$ZHIKU_CACHE/models/me5-small` (default
//! `$HOME/.cache/zhiku/models/me5-small`) and ONNX Runtime from
//! `$ZHIKU_CACHE/py/onnxruntime/capi/libonnxruntime.so*` (or `$ORT_DYLIB_PATH`).
//! When they are missing the tests fail and say to run `make setup`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use zhiku::index::embed::DIM;
use zhiku::index::vector::VectorSettings;
use zhiku::index::{EdgeVectorIndex, Embedder, IndexError, VectorIndex, VectorPoint};

/// `$ZHIKU_CACHE`, or `$HOME/.cache/zhiku`.
fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ZHIKU_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME is not set");
    PathBuf::from(home).join(".cache").join("zhiku")
}

fn model_dir() -> PathBuf {
    let dir = cache_dir().join("models").join("me5-small");
    assert!(
        dir.is_dir(),
        "embedding model not found at {}; run `make setup` first",
        dir.display()
    );
    dir
}

/// The ONNX Runtime library: `$ORT_DYLIB_PATH`, else the one `make setup` installs.
fn ort_library() -> PathBuf {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let capi = cache_dir().join("py").join("onnxruntime").join("capi");
    let found = std::fs::read_dir(&capi).ok().and_then(|entries| {
        entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("libonnxruntime.so"))
            })
            .max()
    });
    found.unwrap_or_else(|| {
        panic!(
            "ONNX Runtime library not found in {}; run `make setup` first",
            capi.display()
        )
    })
}

/// One embedder shared by the tests of this binary (loading takes seconds).
fn embedder() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| Embedder::load(&model_dir(), Some(&ort_library())).expect("load the embedding model"))
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f32]) -> f32 {
    dot(a, a).sqrt()
}

fn strings(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| (*t).to_owned()).collect()
}

/// A deterministic pseudo-random unit vector.
fn unit_vector(seed: u64, dim: usize) -> Vec<f32> {
    let mut state = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let mut v: Vec<f32> = (0..dim)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        })
        .collect();
    let n = norm(&v);
    v.iter_mut().for_each(|x| *x /= n);
    v
}

fn point(id: u64, merchant: &str, passage: &str, vector: Vec<f32>) -> VectorPoint {
    VectorPoint {
        id,
        merchant_id: merchant.to_owned(),
        passage_id: passage.to_owned(),
        vector,
    }
}

// ---------------------------------------------------------------- embedder

#[test]
fn similar_questions_are_closer_than_unrelated_ones() {
    let e = embedder();
    let cancel = e.embed_query("我想取消订单").expect("embed");
    let cancel2 = e.embed_query("帮我把订单取消掉").expect("embed");
    let price = e.embed_query("口红多少钱").expect("embed");
    for v in [&cancel, &cancel2, &price] {
        assert_eq!(v.len(), DIM);
        assert_eq!(v.len(), Embedder::DIM);
        assert!((norm(v) - 1.0).abs() < 1e-3, "norm {}", norm(v));
    }
    let close = dot(&cancel, &cancel2);
    let far = dot(&cancel, &price);
    assert!(
        close > far,
        "取消订单 pair {close} should beat the price question {far}"
    );
}

#[test]
fn query_cache_returns_the_same_arc() {
    let e = embedder();
    let first = e.embed_query("物流到哪了").expect("embed");
    let second = e.embed_query("物流到哪了").expect("embed");
    assert!(Arc::ptr_eq(&first, &second));
}

#[test]
fn batch_embeddings_match_single_ones() {
    let e = embedder();
    let texts = strings(&["怎么退货", "收到的商品有问题想退款", "我的快递什么时候到"]);
    let batch = e.embed_queries(&texts).expect("embed queries");
    assert_eq!(batch.len(), texts.len());
    for (text, v) in texts.iter().zip(&batch) {
        assert_eq!(v.len(), DIM);
        assert!((norm(v) - 1.0).abs() < 1e-3);
        let single = e.embed_query(text).expect("embed");
        // int8 activations are quantised per batch, so allow a small difference.
        assert!(dot(v, &single) > 0.98, "{text}: {}", dot(v, &single));
    }
    assert!(dot(&batch[0], &batch[1]) > dot(&batch[0], &batch[2]));

    // More passages than one batch of 32.
    let passages: Vec<String> = (0..40).map(|i| format!("第{i}号商品支持七天无理由退货")).collect();
    let vectors = e.embed_passages(&passages).expect("embed passages");
    assert_eq!(vectors.len(), 40);
    assert!(vectors.iter().all(|v| v.len() == DIM && (norm(v) - 1.0).abs() < 1e-3));
    assert!(e.embed_passages(&[]).expect("empty").is_empty());
}

#[test]
fn disk_cache_keeps_query_vectors_across_calls() {
    let e = embedder();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("cache").join("intents.json");
    let texts = strings(&["我要退款", "发票怎么开", "我要退款"]);

    let first = e.embed_queries_cached(&texts, &file).expect("first call");
    assert!(file.is_file(), "cache file written");
    assert_eq!(first.len(), 3);
    assert_eq!(first[0], first[2]);
    let direct = e.embed_queries(&texts[..2]).expect("embed");
    assert!(dot(&first[1], &direct[1]) > 0.98);

    let written = std::fs::metadata(&file).expect("meta").modified().expect("mtime");
    let second = e.embed_queries_cached(&texts, &file).expect("second call");
    assert_eq!(first, second, "vectors come back bit for bit");
    let unchanged = std::fs::metadata(&file).expect("meta").modified().expect("mtime");
    assert_eq!(written, unchanged, "nothing new to embed, file not rewritten");

    // A changed set: only the new text is embedded; earlier entries stay for other callers.
    let changed = strings(&["发票怎么开", "优惠券怎么用"]);
    let third = e.embed_queries_cached(&changed, &file).expect("third call");
    assert_eq!(third[0], first[1]);
    let text = std::fs::read_to_string(&file).expect("read cache");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(json["entries"].as_object().expect("entries").len(), 3);

    // Passage vectors of the same text are kept apart from query vectors.
    let passages = e.embed_passages_cached(&changed, &file).expect("passages");
    let direct = e.embed_passages(&changed).expect("embed passages");
    assert!(dot(&passages[1], &direct[1]) > 0.98);
    assert_ne!(passages[0], third[0]);
    let again = e.embed_passages_cached(&changed, &file).expect("passages again");
    assert_eq!(passages, again);

    // A corrupt file is ignored and replaced.
    std::fs::write(&file, b"{ not json").expect("corrupt");
    let fourth = e.embed_queries_cached(&changed, &file).expect("after corruption");
    assert_eq!(fourth.len(), 2);
    let text = std::fs::read_to_string(&file).expect("read cache");
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
    // No temporary files are left behind.
    let leftovers = std::fs::read_dir(file.parent().expect("parent")).expect("list").count();
    assert_eq!(leftovers, 1);
}

#[test]
fn a_second_embedder_loads_in_the_same_process() {
    let _first = embedder();
    let second = Embedder::load(&model_dir(), Some(&ort_library())).expect("second load");
    let v = second.embed_query("你好").expect("embed");
    assert_eq!(v.len(), DIM);
}

#[test]
fn missing_model_says_run_make_setup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = Embedder::load(&dir.path().join("nope"), None).expect_err("no model");
    assert!(matches!(err, IndexError::Embed(_)));
    assert!(err.to_string().contains("make setup"), "{err}");

    // A folder without the onnx file names the missing file.
    let err = Embedder::load(dir.path(), None).expect_err("no onnx");
    assert!(err.to_string().contains("model_int8.onnx"), "{err}");
    assert!(err.to_string().contains("make setup"), "{err}");
}

// ---------------------------------------------------------------- vector index

#[test]
fn search_is_scoped_to_merchants() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = EdgeVectorIndex::open(dir.path(), &VectorSettings::default()).expect("open");
    let mut points = Vec::new();
    for i in 0..20u64 {
        points.push(point(i, "a", &format!("a-{i}"), unit_vector(i, DIM)));
        points.push(point(100 + i, "b", &format!("b-{i}"), unit_vector(100 + i, DIM)));
    }
    index.upsert(points).expect("upsert");
    assert_eq!(index.count().expect("count"), 40);

    // b's vector is the exact query; searching a's passages must never return it.
    let query = unit_vector(105, DIM);
    let hits = index.search(&["a"], &query, 10).expect("search a");
    assert_eq!(hits.len(), 10);
    assert!(hits.iter().all(|h| h.passage_id.starts_with("a-")), "{hits:?}");
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score), "best first");

    // Both merchants: b-5 comes first with cosine ≈ 1.
    let both = index.search(&["a", "b"], &query, 5).expect("search a, b");
    assert_eq!(both[0].passage_id, "b-5");
    assert!((both[0].score - 1.0).abs() < 1e-3, "{}", both[0].score);
    let only_b = index.search(&["b"], &query, 100).expect("search b");
    assert_eq!(only_b.len(), 20);
    assert!(only_b.iter().all(|h| h.passage_id.starts_with("b-")));

    // Unknown merchant, empty scope and zero limit give nothing.
    assert!(index.search(&["c"], &query, 10).expect("c").is_empty());
    assert!(index.search(&[], &query, 10).expect("none").is_empty());
    assert!(index.search(&["a"], &query, 0).expect("zero").is_empty());

    // Upserting an existing id replaces the point (and may move it to another merchant).
    index
        .upsert(vec![point(105, "a", "a-moved", query.clone())])
        .expect("replace");
    assert_eq!(index.count().expect("count"), 40);
    let hits = index.search(&["a"], &query, 1).expect("search a");
    assert_eq!(hits[0].passage_id, "a-moved");
    assert_eq!(index.search(&["b"], &query, 100).expect("b").len(), 19);
}

#[test]
fn delete_merchant_removes_only_its_points() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = EdgeVectorIndex::open(dir.path(), &VectorSettings::default()).expect("open");
    let points = (0..30u64)
        .map(|i| {
            let merchant = if i % 3 == 0 { "b" } else { "a" };
            point(i, merchant, &format!("{merchant}-{i}"), unit_vector(i, DIM))
        })
        .collect();
    index.upsert(points).expect("upsert");
    assert_eq!(index.count().expect("count"), 30);

    index.delete_merchant("a").expect("delete a");
    assert_eq!(index.count().expect("count"), 10);
    assert!(index.search(&["a"], &unit_vector(1, DIM), 10).expect("a").is_empty());
    assert_eq!(index.search(&["b"], &unit_vector(1, DIM), 100).expect("b").len(), 10);

    // Deleting an unknown merchant is fine.
    index.delete_merchant("nobody").expect("delete nobody");
    assert_eq!(index.count().expect("count"), 10);
}

#[test]
fn points_survive_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vectors");
    {
        let index = EdgeVectorIndex::open(&path, &VectorSettings::default()).expect("create");
        let points = (0..50u64)
            .map(|i| point(i, if i < 25 { "a" } else { "b" }, &format!("p{i}"), unit_vector(i, DIM)))
            .collect();
        index.upsert(points).expect("upsert");
        index.delete_merchant("b").expect("delete b");
    }
    let index = EdgeVectorIndex::open(&path, &VectorSettings::default()).expect("reopen");
    assert_eq!(index.count().expect("count"), 25);
    let hits = index.search(&["a"], &unit_vector(7, DIM), 1).expect("search");
    assert_eq!(hits[0].passage_id, "p7");
    assert!(index.search(&["b"], &unit_vector(30, DIM), 5).expect("b").is_empty());
    // The keyword filter still works after loading and new writes still land.
    index
        .upsert(vec![point(999, "c", "c-1", unit_vector(999, DIM))])
        .expect("upsert after reopen");
    assert_eq!(index.count().expect("count"), 26);
}

/// Copy every file of `from` into `to` (recursively).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn writes_are_on_disk_when_they_return() {
    // Snapshot the folder while the index is still open (as a crash would leave it, with no
    // flush on drop) and load the snapshot.
    let dir = tempfile::tempdir().expect("tempdir");
    let live = dir.path().join("live");
    let snapshot = dir.path().join("snapshot");
    let index = EdgeVectorIndex::open(&live, &VectorSettings::default()).expect("create");
    let points = (0..12u64)
        .map(|i| point(i, "a", &format!("p{i}"), unit_vector(i, DIM)))
        .collect();
    index.upsert(points).expect("upsert");
    copy_dir(&live, &snapshot);
    let copy = EdgeVectorIndex::open(&snapshot, &VectorSettings::default()).expect("open copy");
    assert_eq!(copy.count().expect("count"), 12);
    drop(index);
}

#[test]
fn bad_vectors_and_settings_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v");
    let index = EdgeVectorIndex::open(&path, &VectorSettings::default()).expect("open");
    let err = index
        .upsert(vec![point(1, "a", "p1", vec![0.5; 3])])
        .expect_err("wrong dimension");
    assert!(matches!(err, IndexError::Vector(_)), "{err}");
    let mut nan = unit_vector(1, DIM);
    nan[0] = f32::NAN;
    assert!(index.upsert(vec![point(1, "a", "p1", nan)]).is_err());
    assert!(index.search(&["a"], &[1.0, 0.0], 5).is_err());
    assert_eq!(index.count().expect("count"), 0);
    drop(index);

    // Reopening with another dimension is a settings error, not silent corruption.
    let other = VectorSettings { dim: 8, hnsw_ef: 64 };
    let err = EdgeVectorIndex::open(&path, &other).expect_err("dimension mismatch");
    assert!(matches!(err, IndexError::Settings(_)), "{err}");
    let zero = VectorSettings { dim: 0, hnsw_ef: 64 };
    assert!(matches!(
        EdgeVectorIndex::open(&dir.path().join("z"), &zero),
        Err(IndexError::Settings(_))
    ));

    // Settings deserialise with defaults.
    let parsed: VectorSettings = serde_json::from_str(r#"{"hnsw_ef": 200}"#).expect("parse");
    assert_eq!(parsed.dim, 384);
    assert_eq!(parsed.hnsw_ef, 200);
}

#[test]
fn concurrent_writes_and_searches_do_not_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = Arc::new(EdgeVectorIndex::open(dir.path(), &VectorSettings::default()).expect("open"));
    let mut handles = Vec::new();
    for t in 0..3u64 {
        let index = Arc::clone(&index);
        handles.push(std::thread::spawn(move || {
            for round in 0..10u64 {
                let base = t * 1_000 + round * 10;
                let points = (base..base + 10)
                    .map(|i| point(i, &format!("m{t}"), &format!("p{i}"), unit_vector(i, DIM)))
                    .collect();
                index.upsert(points).expect("upsert");
                if round == 5 {
                    index.delete_merchant("nobody").expect("delete");
                }
            }
        }));
    }
    for t in 0..2u64 {
        let index = Arc::clone(&index);
        handles.push(std::thread::spawn(move || {
            for i in 0..50u64 {
                let hits = index
                    .search(&["m0", "m1", "m2"], &unit_vector(t * 100 + i, DIM), 5)
                    .expect("search");
                assert!(hits.len() <= 5);
            }
        }));
    }
    for h in handles {
        h.join().expect("thread");
    }
    assert_eq!(index.count().expect("count"), 300);
    assert!(index.optimize().is_ok());
    assert_eq!(index.count().expect("count"), 300);
}

#[test]
fn real_embeddings_find_the_right_passage() {
    let e = embedder();
    let passages_a = strings(&[
        "订单在发货前可以在“我的订单”里直接取消，款项原路退回。",
        "本店口红每支售价199元，会员九折。",
        "快递一般48小时内发出，默认顺丰。",
    ]);
    let passages_b = strings(&["订单取消请联系人工客服，取消后三个工作日内退款。"]);
    let va = e.embed_passages(&passages_a).expect("embed a");
    let vb = e.embed_passages(&passages_b).expect("embed b");

    let dir = tempfile::tempdir().expect("tempdir");
    let index = EdgeVectorIndex::open(dir.path(), &VectorSettings::default()).expect("open");
    let mut points: Vec<VectorPoint> = va
        .into_iter()
        .enumerate()
        .map(|(i, v)| point(i as u64, "a", &format!("a-{i}"), v))
        .collect();
    points.extend(
        vb.into_iter()
            .enumerate()
            .map(|(i, v)| point(100 + i as u64, "b", &format!("b-{i}"), v)),
    );
    index.upsert(points).expect("upsert");

    let q = e.embed_query("我想取消订单").expect("embed query");
    let hits = index.search(&["a"], &q, 3).expect("search");
    assert_eq!(hits[0].passage_id, "a-0", "{hits:?}");
    assert!(hits.iter().all(|h| h.passage_id.starts_with("a-")));

    let q = e.embed_query("口红多少钱").expect("embed query");
    let hits = index.search(&["a", "b"], &q, 1).expect("search");
    assert_eq!(hits[0].passage_id, "a-1", "{hits:?}");
}

/// Top-`k` recall of filtered searches against brute force, for the index at `path` opened
/// with `hnsw_ef`.
fn filtered_recall(path: &Path, hnsw_ef: usize, data: &[Vec<f32>], queries: &[Vec<f32>]) -> f32 {
    let settings = VectorSettings { dim: DIM, hnsw_ef };
    let index = EdgeVectorIndex::open(path, &settings).expect("open");
    filtered_recall_with(&index, data, queries)
}

#[test]
fn hnsw_recall_under_a_merchant_filter() {
    // 16,000 points in 40 tight clusters, half of them merchant "a": after `optimize` the
    // filtered search of "a" (8,000 points, above the engine's full-scan threshold) goes
    // through HNSW, where `hnsw_ef` decides the recall.
    let jitter = |seed: u64, center: &[f32]| {
        let noise = unit_vector(seed, DIM);
        let mut v: Vec<f32> = center.iter().zip(&noise).map(|(c, n)| c + 0.35 * n).collect();
        let n = norm(&v);
        v.iter_mut().for_each(|x| *x /= n);
        v
    };
    let centers: Vec<Vec<f32>> = (0..40).map(|c| unit_vector(50_000 + c, DIM)).collect();
    let data: Vec<Vec<f32>> = (0..16_000u64).map(|i| jitter(i, &centers[(i % 40) as usize])).collect();
    let queries: Vec<Vec<f32>> = (0..60u64)
        .map(|q| jitter(90_000 + q, &centers[(q % 40) as usize]))
        .collect();

    let dir = tempfile::tempdir().expect("tempdir");
    {
        let index = EdgeVectorIndex::open(dir.path(), &VectorSettings::default()).expect("open");
        let points = data
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let merchant = if i % 2 == 0 { "a" } else { "b" };
                point(i as u64, merchant, &format!("p{i}"), v.clone())
            })
            .collect();
        index.upsert(points).expect("upsert");
        let before = filtered_recall_with(&index, &data, &queries);
        assert!(before > 0.99, "exact search before optimize: recall {before}");
        assert!(index.optimize().expect("optimize"), "HNSW built");
    }
    // Reopening also checks that the optimised segments load.
    let default_ef = filtered_recall(dir.path(), VectorSettings::default().hnsw_ef, &data, &queries);
    let wide_ef = filtered_recall(dir.path(), 512, &data, &queries);
    eprintln!("filtered top-10 recall: hnsw_ef 128 → {default_ef:.3}, hnsw_ef 512 → {wide_ef:.3}");
    assert!(default_ef >= 0.6, "recall at the default hnsw_ef: {default_ef}");
    assert!(wide_ef >= 0.85, "recall at hnsw_ef 512: {wide_ef}");
    assert!(wide_ef >= default_ef);
}

/// Recall of an already open index (see [`filtered_recall`]).
fn filtered_recall_with(index: &EdgeVectorIndex, data: &[Vec<f32>], queries: &[Vec<f32>]) -> f32 {
    let k = 10;
    let mut found = 0;
    for q in queries {
        let hits = index.search(&["a"], q, k).expect("search");
        let mut exact: Vec<(f32, usize)> = data
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(i, v)| (dot(v, q), i))
            .collect();
        exact.sort_by(|x, y| y.0.total_cmp(&x.0));
        let truth: std::collections::HashSet<String> = exact[..k].iter().map(|(_, i)| format!("p{i}")).collect();
        found += hits.iter().filter(|h| truth.contains(&h.passage_id)).count();
    }
    found as f32 / (k * queries.len()) as f32
}
