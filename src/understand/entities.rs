//! Entity linking: the merchant's products found in a question, by exact match of names,
//! name parts, SKUs and brands (aho-corasick), then by weighted term overlap with product
//! names for paraphrases ("烟酰胺精华" → "烟酰胺亮肤精华液").

use crate::pipeline::Entity;
use crate::store::{MerchantFacts, Ontology};
use crate::text::{fold, is_cjk, terms, words};
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;

/// Minimum overlap score for a fuzzy link.
const MIN_SCORE: f32 = 0.34;
/// Link score of a name word no other product has.
const WORD_SCORE: f32 = 0.6;
/// Keep links within this fraction of the best one.
const KEEP_RATIO: f32 = 0.5;
/// Pseudo-names without any term, added to the catalogue when weighing terms, so that in a
/// small catalogue (one or a few products) a name's terms still count as specific.
const IDF_PRIOR_NAMES: f32 = 10.0;

/// Links the products of `facts` mentioned in `question`, best first.
pub fn link_products(question: &str, facts: &MerchantFacts, _ontology: &Ontology) -> Vec<Entity> {
    let q = fold(question);
    let mut scores: HashMap<usize, (f32, String)> = HashMap::new();
    let mut exact: HashMap<usize, (f32, String)> = HashMap::new();

    // 1. Exact aliases: SKU, full name, whitespace-separated name parts (≥ 2 chars).
    let mut patterns = Vec::new();
    let mut owners = Vec::new();
    for (i, p) in facts.products.iter().enumerate() {
        let mut aliases = vec![fold(&p.name)];
        if let Some(sku) = &p.sku {
            aliases.push(fold(sku));
        }
        for part in p.name.split_whitespace() {
            aliases.push(fold(part));
        }
        for a in aliases {
            if a.chars().count() >= 2 {
                patterns.push(a);
                owners.push(i);
            }
        }
    }
    // Words of a name (jieba) that no other product's name has: "普洱" in
    // "冰岛古树普洱生茶 357g饼". A distinctive word links its product with WORD_SCORE, less
    // than a full name or SKU, so it never outranks a product the question names fully.
    let mut word_owners: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in facts.products.iter().enumerate() {
        for w in words(&p.name) {
            if w.chars().any(is_cjk) {
                let owners = word_owners.entry(w).or_default();
                if !owners.contains(&i) {
                    owners.push(i);
                }
            }
        }
    }
    let q_words = words(question);
    for (w, owners) in &word_owners {
        if let [only] = owners.as_slice()
            && q_words.contains(w)
        {
            let e = exact.entry(*only).or_insert((0.0, String::new()));
            if e.0 < WORD_SCORE {
                e.0 = e.0.max(WORD_SCORE);
                e.1.push_str(w);
            }
        }
    }
    if let Ok(ac) = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
    {
        // Each distinct alias found adds 1/(number of products sharing it) to its products:
        // a series name shared by several products is weaker than a unique model name.
        let mut seen: Vec<usize> = Vec::new();
        for m in ac.find_iter(&q) {
            let pat = &patterns[m.pattern().as_usize()];
            let owners_of: Vec<usize> = patterns
                .iter()
                .zip(&owners)
                .filter(|(p, _)| *p == pat)
                .map(|(_, o)| *o)
                .collect();
            let mut distinct = owners_of.clone();
            distinct.sort();
            distinct.dedup();
            let s = 1.0 / distinct.len().max(1) as f32;
            for j in distinct {
                if seen.contains(&(j * 1_000_000 + m.pattern().as_usize())) {
                    continue;
                }
                seen.push(j * 1_000_000 + m.pattern().as_usize());
                let e = exact.entry(j).or_insert((0.0, String::new()));
                e.0 += s;
                e.1.push_str(pat);
            }
        }
    }

    // 2. Term overlap with names, weighted by how rare a term is among the merchant's names.
    let name_terms: Vec<Vec<String>> = facts.products.iter().map(|p| terms(&p.name)).collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for ts in &name_terms {
        for t in ts {
            *df.entry(t.as_str()).or_default() += 1;
        }
    }
    let n = facts.products.len().max(1) as f32;
    let idf = |t: &str| {
        ((n + IDF_PRIOR_NAMES) / (*df.get(t).unwrap_or(&0) as f32 + 0.5))
            .ln()
            .max(0.05)
    };
    let qt = terms(question);
    for (i, ts) in name_terms.iter().enumerate() {
        let total: f32 = ts.iter().map(|t| idf(t)).sum();
        if total <= 0.0 {
            continue;
        }
        let hits: Vec<&String> = ts.iter().filter(|t| qt.contains(t)).collect();
        if hits.is_empty() {
            continue;
        }
        let matched: f32 = hits.iter().map(|t| idf(t)).sum();
        // Absolute specificity of what matched, tempered by how much of the name it covers
        // (shoppers name products by a fragment: "213口红", "烟酰胺精华").
        let s = (matched / (matched + 2.0)) * (0.5 + 0.5 * (matched / total).sqrt());
        let e = scores.entry(i).or_insert((0.0, String::new()));
        if s > e.0 {
            *e = (s, hits.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(""));
        }
    }

    for (i, (s, m)) in exact {
        let e = scores.entry(i).or_insert((0.0, String::new()));
        if s > e.0 {
            *e = (s, m);
        }
    }
    let best = scores.values().map(|v| v.0).fold(0.0f32, f32::max);
    let mut out: Vec<Entity> = scores
        .into_iter()
        .filter(|(_, (s, _))| *s >= MIN_SCORE && *s >= best * KEEP_RATIO)
        .map(|(i, (s, m))| Entity {
            iri: facts.products[i].iri.clone(),
            name: facts.products[i].name.clone(),
            matched: m,
            score: s.min(1.0),
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.iri.cmp(&b.iri)));
    out.truncate(4);
    out
}
