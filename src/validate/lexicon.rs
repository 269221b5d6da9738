//! The merchant's and the ontology's vocabulary for checking: attribute labels (keys for
//! measures, the words that end a product's name) and courier labels.

use super::text::{ascii_boundary_after, ascii_boundary_before};
use crate::store::{MerchantFacts, Ontology};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::ops::Range;

/// Courier names used only when the ontology holds no courier concepts.
const FALLBACK_COURIERS: &[&[&str]] = &[
    &["顺丰", "顺丰速运", "顺丰快递"],
    &["中通", "中通快递"],
    &["圆通", "圆通速递", "圆通快递"],
    &["申通", "申通快递"],
    &["韵达", "韵达快递"],
    &["京东物流", "京东快递"],
    &["邮政", "中国邮政", "邮政快递", "ems"],
    &["极兔", "极兔速递"],
    &["德邦", "德邦快递"],
];

/// Attribute labels (ontology concepts and the merchant's property names) for keying measures.
#[derive(Debug, Clone, Default)]
pub(super) struct Lexicon {
    /// (folded label, concept key), longest labels first.
    attr_labels: Vec<(String, String)>,
    /// Courier labels (folded) → courier concept index.
    courier_labels: Vec<(String, usize)>,
    /// Matcher over `courier_labels`.
    courier_ac: Option<AhoCorasick>,
    /// Attribute labels that occur in no product name: text after one describes the
    /// product, it does not name another one ("材质<另一商品名里的词>").
    cutters: Vec<String>,
}

impl Lexicon {
    /// Attribute labels from the ontology's concepts and the merchant's property names, courier
    /// labels from the ontology (or [`FALLBACK_COURIERS`]).
    pub(super) fn new(facts: &MerchantFacts, ontology: &Ontology) -> Self {
        let mut attr: Vec<(String, String)> = Vec::new();
        for c in &ontology.attributes {
            let key = crate::text::fold(&c.label);
            for l in &c.labels {
                let f = crate::text::fold(l);
                // Only label words, not whole questions or bare units.
                if f.chars().count() >= 2 && f.chars().any(crate::text::is_cjk) && !f.contains('吗') {
                    attr.push((f, key.clone()));
                }
            }
        }
        for p in &facts.products {
            for (n, _) in &p.properties {
                let f = crate::text::fold(n);
                if f.chars().count() >= 2 && !attr.iter().any(|(l, _)| *l == f) {
                    attr.push((f.clone(), f));
                }
            }
        }
        attr.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        attr.dedup_by(|a, b| a.0 == b.0);
        let mut courier_labels = Vec::new();
        for (i, c) in ontology.couriers.iter().enumerate() {
            for l in &c.labels {
                let f = crate::text::fold(l);
                if !f.is_empty() {
                    courier_labels.push((f, i));
                }
            }
        }
        if courier_labels.is_empty() {
            // Without the ontology: the common courier companies by their usual names.
            for (i, names) in FALLBACK_COURIERS.iter().enumerate() {
                for n in *names {
                    courier_labels.push((crate::text::fold(n), i));
                }
            }
        }
        let courier_ac = if courier_labels.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(courier_labels.iter().map(|(l, _)| l.as_str()))
                .ok()
        };
        let names: Vec<String> = facts.products.iter().map(|p| crate::text::fold(&p.name)).collect();
        let cutters = attr
            .iter()
            .map(|(l, _)| l.clone())
            .filter(|l| !names.iter().any(|n| n.contains(l.as_str())))
            .collect();
        Lexicon {
            attr_labels: attr,
            courier_labels,
            courier_ac,
            cutters,
        }
    }

    /// The attribute concept key of the label nearest before `pos` in `clause`.
    pub(super) fn attr_key_before(&self, clause: &str, pos: usize) -> Option<String> {
        let hay = &clause[..pos];
        let mut best: Option<(usize, &str)> = None;
        for (l, k) in &self.attr_labels {
            if let Some(i) = hay.rfind(l.as_str()) {
                let end = i + l.len();
                if best.is_none_or(|(be, _)| end > be) {
                    best = Some((end, k));
                }
            }
        }
        // The label must be right before the value ("净含量50g", "衣长约70cm"), not a word
        // somewhere earlier (a label inside a product name).
        best.filter(|(end, _)| hay[*end..].chars().count() <= 4)
            .map(|(_, k)| k.to_string())
    }

    /// The part of a text before its first attribute label (the part that may name a product).
    pub(super) fn naming_part<'t>(&self, text: &'t str) -> &'t str {
        let cut = self
            .cutters
            .iter()
            .filter_map(|l| text.find(l.as_str()))
            .min()
            .unwrap_or(text.len());
        &text[..cut]
    }

    /// The attribute concept key a property name belongs to.
    pub(super) fn concept_of(&self, name: &str) -> String {
        let f = crate::text::fold(name);
        self.attr_labels
            .iter()
            .find(|(l, _)| *l == f)
            .map(|(_, k)| k.clone())
            .unwrap_or(f)
    }

    /// Courier mentions (folded-text range, concept index) in a folded text.
    pub(super) fn couriers_in(&self, s: &str) -> Vec<(Range<usize>, usize)> {
        let Some(ac) = &self.courier_ac else { return Vec::new() };
        let mut out = Vec::new();
        for m in ac.find_iter(s) {
            let (label, idx) = &self.courier_labels[m.pattern().as_usize()];
            if label.chars().all(|c| c.is_ascii_alphanumeric())
                && !(ascii_boundary_before(s, m.start()) && ascii_boundary_after(s, m.end()))
            {
                continue;
            }
            out.push((m.start()..m.end(), *idx));
        }
        out
    }
}
