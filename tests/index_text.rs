//! The tantivy index with the jieba tokenizer and merchant lexicon.

use zhiku::index::TextIndex;
use zhiku::index::text::TextSettings;
use zhiku::store::Layer;
use zhiku::store::passages::{Passage, PassageKind};

fn passage(m: &str, id: &str, text: &str) -> Passage {
    Passage {
        id: id.into(),
        merchant_id: m.into(),
        layer: Layer::Merchant,
        subject: format!("urn:test:{id}"),
        kind: PassageKind::Product,
        title: id.into(),
        text: text.into(),
    }
}

fn index(dir: &std::path::Path) -> TextIndex {
    let lexicon = vec!["HY-LP-0213".to_string(), "花漾".to_string(), "枫叶红棕".to_string()];
    let idx = TextIndex::open(dir, TextSettings::default(), &lexicon).unwrap();
    idx.replace_merchant(
        "a",
        &[
            passage(
                "a",
                "a1",
                "丝绒雾面口红 213枫叶红棕（货号HY-LP-0213），花漾品牌，售价139元。",
            ),
            passage("a", "a2", "持妆柔雾粉底液（货号HY-FD-0102），售价229元。"),
        ],
    )
    .unwrap();
    idx.replace_merchant(
        "b",
        &[passage("b", "b1", "另一家店的口红 HY-LP-0213 同款货号，售价99元。")],
    )
    .unwrap();
    idx
}

#[test]
fn sku_matches_whole_and_in_parts() {
    let dir = tempfile::tempdir().unwrap();
    let idx = index(dir.path());
    let toks: Vec<String> = idx
        .tokenizer()
        .tokens("HY-LP-0213多少钱")
        .into_iter()
        .map(|t| t.text)
        .collect();
    assert!(toks.contains(&"hy-lp-0213".to_string()), "{toks:?}");
    let hits = idx.search(&["a"], "HY-LP-0213", 5).unwrap();
    assert_eq!(hits[0].0.id, "a1");
    let hits = idx.search(&["a"], "LP", 5).unwrap();
    assert_eq!(hits.first().map(|h| h.0.id.as_str()), Some("a1"));
}

#[test]
fn brand_and_lexicon_words_stay_whole() {
    let dir = tempfile::tempdir().unwrap();
    let idx = index(dir.path());
    let toks: Vec<String> = idx
        .tokenizer()
        .tokens("花漾的枫叶红棕")
        .into_iter()
        .map(|t| t.text)
        .collect();
    assert!(
        toks.contains(&"花漾".to_string()) && toks.contains(&"枫叶红棕".to_string()),
        "{toks:?}"
    );
    assert!(
        toks.contains(&"上海交通大学".to_string())
            || idx
                .tokenizer()
                .tokens("上海交通大学")
                .iter()
                .any(|t| t.text == "上海交通大学")
    );
}

#[test]
fn search_is_scoped_by_merchant() {
    let dir = tempfile::tempdir().unwrap();
    let idx = index(dir.path());
    let hits = idx.search(&["a"], "HY-LP-0213 口红", 10).unwrap();
    assert!(hits.iter().all(|(p, _)| p.merchant_id == "a"));
    let hits = idx.search(&["b"], "HY-LP-0213", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].0.id, "b1");
    idx.replace_merchant("b", &[]).unwrap();
    assert!(idx.search(&["b"], "HY-LP-0213", 10).unwrap().is_empty());
    assert_eq!(idx.count(), 2);
}

#[test]
fn ngram_field_catches_typos() {
    let dir = tempfile::tempdir().unwrap();
    let idx = index(dir.path());
    // 粉底 segment shares bigrams although jieba splits the misspelt phrase differently.
    let hits = idx.search(&["a"], "柔雾粉底夜", 5).unwrap();
    assert_eq!(hits.first().map(|h| h.0.id.as_str()), Some("a2"));
}
