//! Intent classification: nearest neighbours over the ontology's labelled examples
//! (`skos:example`), embedded with the same model as queries, plus a small bonus for the
//! intent's cue phrases (`zk:cue`). Settings: `indexes/intent.toml`.

use crate::Error;
use crate::index::Embedder;
use crate::pipeline::IntentPrediction;
use crate::store::Ontology;
use crate::text::fold;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

/// Classifier settings.
#[derive(Debug, Clone, Deserialize)]
pub struct IntentSettings {
    /// Neighbours per intent averaged into its score.
    pub k: usize,
    /// Added to an intent's score per matching cue phrase (at most `max_cues`).
    pub cue_bonus: f32,
    /// Cap on cue matches counted.
    pub max_cues: usize,
}

impl Default for IntentSettings {
    fn default() -> Self {
        IntentSettings {
            k: 3,
            cue_bonus: 0.02,
            max_cues: 2,
        }
    }
}

struct Labelled {
    intent: usize,
    vector: Vec<f32>,
}

/// Nearest-neighbour intent classifier.
pub struct IntentClassifier {
    embedder: Arc<Embedder>,
    intents: Vec<(String, Vec<String>)>,
    examples: Vec<Labelled>,
    settings: IntentSettings,
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl IntentClassifier {
    /// Embeds every example of the ontology's intents (cached in `cache_file`).
    pub fn new(
        ontology: &Ontology,
        embedder: Arc<Embedder>,
        settings: IntentSettings,
        cache_file: &Path,
    ) -> Result<Self, Error> {
        let mut texts = Vec::new();
        let mut owners = Vec::new();
        let mut intents = Vec::new();
        for (i, intent) in ontology.intents.iter().enumerate() {
            intents.push((intent.id.clone(), intent.cues.iter().map(|c| fold(c)).collect()));
            // The label itself is an example too.
            for t in std::iter::once(&intent.label).chain(intent.examples.iter()) {
                texts.push(t.clone());
                owners.push(i);
            }
        }
        if intents.is_empty() {
            return Err(Error::Config("the ontology defines no intents (zk:Intent)".into()));
        }
        let vectors = embedder.embed_queries_cached(&texts, cache_file)?;
        let examples = owners
            .into_iter()
            .zip(vectors)
            .map(|(intent, vector)| Labelled { intent, vector })
            .collect();
        Ok(IntentClassifier {
            embedder,
            intents,
            examples,
            settings,
        })
    }

    /// Scores every intent for `text`, best first.
    pub fn scores(&self, text: &str) -> Result<Vec<(String, f32)>, Error> {
        let q = self.embedder.embed_query(text)?;
        let mut per: Vec<Vec<f32>> = vec![Vec::new(); self.intents.len()];
        for e in &self.examples {
            per[e.intent].push(dot(&q, &e.vector));
        }
        let folded = fold(text);
        let mut out: Vec<(String, f32)> = per
            .into_iter()
            .enumerate()
            .map(|(i, mut sims)| {
                sims.sort_by(|a, b| b.total_cmp(a));
                let k = self.settings.k.min(sims.len()).max(1);
                let knn = sims.iter().take(k).sum::<f32>() / k as f32;
                let cues = self.intents[i]
                    .1
                    .iter()
                    .filter(|c| !c.is_empty() && folded.contains(c.as_str()))
                    .count();
                let bonus = self.settings.cue_bonus * cues.min(self.settings.max_cues) as f32;
                (self.intents[i].0.clone(), knn + bonus)
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(out)
    }

    /// The best intent with its runner-up.
    pub fn classify(&self, text: &str) -> Result<IntentPrediction, Error> {
        let scores = self.scores(text)?;
        let mut it = scores.into_iter();
        let (id, score) = it.next().ok_or_else(|| Error::Config("no intents".into()))?;
        Ok(IntentPrediction {
            id,
            score,
            runner_up: it.next(),
        })
    }
}
