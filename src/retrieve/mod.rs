//! 知识检索: BM25 (tantivy + jieba) ∥ vector (embedded Qdrant) ∥ graph facts around the
//! linked entities, fused by weighted reciprocal-rank fusion ([`fusion`]).

pub mod fusion;

use crate::Error;
use crate::index::{Embedder, TextIndex, VectorIndex};
use crate::pipeline::{Clock, Evidence, Retrieve, Retrieved, Understood};
use crate::store::passages::{GENERAL_SCOPE, Passage, PassageKind, passage_id};
use fusion::{FusionSettings, rrf};
use std::collections::HashMap;
use std::sync::Arc;

/// The embedded retriever.
pub struct Retriever {
    text: Arc<TextIndex>,
    vectors: Arc<dyn VectorIndex>,
    embedder: Arc<Embedder>,
    settings: FusionSettings,
}

impl Retriever {
    /// Builds the stage.
    pub fn new(
        text: Arc<TextIndex>,
        vectors: Arc<dyn VectorIndex>,
        embedder: Arc<Embedder>,
        settings: FusionSettings,
    ) -> Self {
        Retriever {
            text,
            vectors,
            embedder,
            settings,
        }
    }

    /// Graph facts around the linked entities: the products' own passages, their return
    /// policies and the promotions that name them; active promotions for promotion questions;
    /// and, for an intent that prefers the merchant's policies or shipping terms
    /// (`indexes/fusion.toml`), all of them, so the merchant's own rule answers before the
    /// general layer's even when no product is named.
    fn graph_ids(&self, u: &Understood, at: Clock) -> Vec<String> {
        let m = u.question.merchant_id.as_str();
        let f = &u.facts;
        let mut ids = Vec::new();
        for e in &u.entities {
            ids.push(passage_id(m, &e.iri, PassageKind::Product));
            if let Some(rp) = f
                .product(&e.iri)
                .and_then(|p| p.offer.as_ref())
                .and_then(|o| o.return_policy.as_deref())
            {
                ids.push(passage_id(m, rp, PassageKind::Policy));
            }
            for p in f.promotions.iter().filter(|p| p.items.contains(&e.iri)) {
                ids.push(passage_id(m, &p.iri, PassageKind::Promotion));
            }
        }
        let prefer = &self.settings.weights(&u.intent.id).prefer;
        if prefer.iter().any(|k| k == PassageKind::Policy.as_str()) {
            ids.extend(f.policies.iter().map(|p| passage_id(m, &p.iri, PassageKind::Policy)));
        }
        if prefer.iter().any(|k| k == PassageKind::Shipping.as_str()) {
            ids.extend(f.shipping.iter().map(|s| passage_id(m, &s.iri, PassageKind::Shipping)));
        }
        if u.intent.id == "promotion" {
            for p in &f.promotions {
                if p.status(at) == crate::store::merchant::PromotionStatus::Active {
                    ids.push(passage_id(m, &p.iri, PassageKind::Promotion));
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        ids.retain(|i| seen.insert(i.clone()));
        ids
    }
}

impl Retrieve for Retriever {
    #[tracing::instrument(name = "retrieve", skip_all)]
    fn run(&self, u: Understood, at: Clock) -> Result<Retrieved, Error> {
        let m = u.question.merchant_id.as_str();
        let scope = [m, GENERAL_SCOPE];
        let n = self.settings.per_source;
        let bm25 = self.text.search(&scope, &u.question.text, n)?;
        let qv = self.embedder.embed_query(&u.question.text)?;
        let vhits = self.vectors.search(&scope, &qv, n)?;
        let graph = self.graph_ids(&u, at);

        let mut passages: HashMap<String, Passage> = HashMap::new();
        let bm25_ids: Vec<String> = bm25
            .into_iter()
            .map(|(p, _)| {
                let id = p.id.clone();
                passages.insert(id.clone(), p);
                id
            })
            .collect();
        let vector_ids: Vec<String> = vhits.into_iter().map(|h| h.passage_id).collect();
        let missing: Vec<String> = vector_ids
            .iter()
            .chain(graph.iter())
            .filter(|i| !passages.contains_key(*i))
            .cloned()
            .collect();
        for p in self.text.get(&missing)? {
            passages.insert(p.id.clone(), p);
        }
        // Scope check: nothing outside this merchant and the general layer can pass.
        passages.retain(|_, p| p.merchant_id == m || p.merchant_id == GENERAL_SCOPE);

        let w = self.settings.weights(&u.intent.id);
        let fused = rrf(
            &[
                (w.bm25, bm25_ids.clone()),
                (w.vector, vector_ids.clone()),
                (w.graph, graph.clone()),
            ],
            self.settings.rrf_k,
        );
        let mut scored: Vec<(String, f32)> = fused
            .into_iter()
            .filter_map(|(id, s)| {
                let p = passages.get(&id)?;
                let boost = if w.prefer.iter().any(|k| k == p.kind.as_str()) {
                    self.settings.prefer_boost
                } else {
                    1.0
                };
                Some((id, s * boost))
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut evidence = Vec::new();
        let mut subjects = std::collections::HashSet::new();
        for (id, score) in scored {
            let Some(p) = passages.get(&id) else { continue };
            if !subjects.insert(p.subject.clone()) {
                continue;
            }
            let mut sources = Vec::new();
            for (name, list) in [("bm25", &bm25_ids), ("vector", &vector_ids), ("graph", &graph)] {
                if list.contains(&id) {
                    sources.push(name.to_string());
                }
            }
            evidence.push(Evidence {
                id: format!("E{}", evidence.len() + 1),
                passage_id: id.clone(),
                merchant_id: p.merchant_id.clone(),
                layer: p.layer,
                subject: p.subject.clone(),
                kind: p.kind,
                title: p.title.clone(),
                text: p.text.clone(),
                score,
                sources,
            });
            if evidence.len() >= self.settings.top_n {
                break;
            }
        }
        Ok(Retrieved {
            understood: u,
            evidence,
        })
    }
}
