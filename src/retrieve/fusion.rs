//! Reciprocal-rank fusion with weights per source and per intent (`indexes/fusion.toml`).

use serde::Deserialize;
use std::collections::HashMap;

/// Weights of one intent (or the default).
#[derive(Debug, Clone, Deserialize)]
pub struct Weights {
    /// BM25 weight.
    #[serde(default = "one")]
    pub bm25: f32,
    /// Vector weight.
    #[serde(default = "one")]
    pub vector: f32,
    /// Graph-facts weight.
    #[serde(default = "one")]
    pub graph: f32,
    /// Passage kinds this intent prefers (product, policy, shipping, promotion, faq, shop, general).
    #[serde(default)]
    pub prefer: Vec<String>,
}

fn one() -> f32 {
    1.0
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            bm25: 1.0,
            vector: 1.0,
            graph: 1.0,
            prefer: Vec::new(),
        }
    }
}

/// Fusion settings.
#[derive(Debug, Clone, Deserialize)]
pub struct FusionSettings {
    /// RRF constant k.
    pub rrf_k: f32,
    /// Candidates taken from each retriever.
    pub per_source: usize,
    /// Evidence items kept after fusion.
    pub top_n: usize,
    /// Multiplier for preferred kinds.
    pub prefer_boost: f32,
    /// Default weights.
    pub default: Weights,
    /// Per-intent weights.
    #[serde(default)]
    pub intents: HashMap<String, Weights>,
}

impl Default for FusionSettings {
    fn default() -> Self {
        FusionSettings {
            rrf_k: 60.0,
            per_source: 20,
            top_n: 8,
            prefer_boost: 1.5,
            default: Weights::default(),
            intents: HashMap::new(),
        }
    }
}

impl FusionSettings {
    /// Weights for an intent.
    pub fn weights(&self, intent: &str) -> &Weights {
        self.intents.get(intent).unwrap_or(&self.default)
    }
}

/// Fuses ranked lists of keys: `(source weight, ranked keys)`. Returns keys with fused
/// scores, best first. Ties keep first-seen order.
pub fn rrf(lists: &[(f32, Vec<String>)], k: f32) -> Vec<(String, f32)> {
    let mut scores: HashMap<&str, f32> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (w, keys) in lists {
        for (rank, key) in keys.iter().enumerate() {
            let e = scores.entry(key.as_str()).or_insert_with(|| {
                order.push(key.as_str());
                0.0
            });
            *e += w / (k + rank as f32 + 1.0);
        }
    }
    let mut out: Vec<(String, f32)> = order.into_iter().map(|k| (k.to_string(), scores[k])).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrf_rewards_agreement() {
        let a = vec!["x".to_string(), "y".to_string()];
        let b = vec!["y".to_string(), "z".to_string()];
        let fused = rrf(&[(1.0, a), (1.0, b)], 60.0);
        assert_eq!(fused[0].0, "y");
        assert_eq!(fused.len(), 3);
    }

    #[test]
    fn weights_shift_the_order() {
        let a = vec!["x".to_string()];
        let b = vec!["z".to_string()];
        let fused = rrf(&[(1.0, a), (3.0, b)], 60.0);
        assert_eq!(fused[0].0, "z");
    }
}
