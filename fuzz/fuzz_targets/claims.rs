//! The claim extractor of 商家知识校验 on arbitrary answer and question text, against the
//! first demo merchant's real facts and the project's ontology.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use zhiku::store::{GraphStore, MerchantFacts, Ontology};

static KNOWLEDGE: LazyLock<(MerchantFacts, Ontology)> = LazyLock::new(|| {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = zhiku::Config::for_project(&root, dir.path().to_path_buf());
    let graph = GraphStore::open(&dir.path().join("graph")).expect("store");
    let report = zhiku::engine::load_seed_graphs(&graph, &config).expect("seed");
    let merchant = report.merchants.first().expect("a demo merchant").0.clone();
    let facts = graph.scoped(&merchant).expect("view").facts().expect("facts");
    let ontology = Ontology::load(&graph).expect("ontology");
    std::mem::forget(dir);
    (facts, ontology)
});

fuzz_target!(
    // the store is built before fuzzing starts, so it does not count against -timeout
    init: {
        LazyLock::force(&KNOWLEDGE);
    },
    |data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (answer, question) = text.split_once('\u{0}').unwrap_or((&text, ""));
    let (facts, ontology) = &*KNOWLEDGE;
    let _ = zhiku::validate::extract(answer, question, facts, ontology);
});
