//! The engine owns the stores, the indexes, the model and the pipeline, and keeps the
//! derived indexes in step with the graph (seed loading, re-indexing, imports in
//! [`imports`]).

mod imports;

use crate::Error;
use crate::answer::{AnswerSettings, TemplateGenerator};
use crate::config::Config;
use crate::import::{CsvMapping, JobStore};
use crate::index::text::TextSettings;
use crate::index::vector::VectorSettings;
use crate::index::{EdgeVectorIndex, Embedder, TextIndex, VectorIndex, VectorPoint};
use crate::pipeline::{Clock, Pipeline, Question, Response, Retrieved};
use crate::retrieve::Retriever;
use crate::retrieve::fusion::FusionSettings;
use crate::shacl::Shapes;
use crate::store::graph::{SEED_SCHEMA_VERSION, general_graph, merchant_graph, schema_graph};
use crate::store::merchant::general_rules;
use crate::store::passages::{GENERAL_SCOPE, Passage, verbalise, verbalise_general};
use crate::store::{GraphStore, Knowledge, MerchantFacts, Ontology, StoreError};
use crate::understand::intent::IntentSettings;
use crate::understand::{IntentClassifier, Understander};
use crate::validate::{Validation, Validator};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// When to load the seed data (ontology, general layer, demo merchants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// Only when the store has no schema (first start).
    IfEmpty,
    /// Reload everything from `ontology/` and `ingest/`.
    Always,
    /// Never.
    Never,
}

/// What a seed load or import wrote.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LoadReport {
    /// Triples in the schema graph.
    pub schema_triples: usize,
    /// Triples in the general graph.
    pub general_triples: usize,
    /// Triples per merchant.
    pub merchants: Vec<(String, usize)>,
    /// Passages indexed.
    pub passages: usize,
}

/// The running service's state.
pub struct Engine {
    config: Config,
    knowledge: Knowledge,
    ontology: Arc<Ontology>,
    text: Arc<TextIndex>,
    vectors: Arc<dyn VectorIndex>,
    embedder: Arc<Embedder>,
    prompts: minijinja::Environment<'static>,
    validator: Arc<Validator>,
    pipeline: Pipeline,
    /// The published schema graph (class hierarchy for SHACL `sh:class`/`sh:targetClass`).
    schema: Arc<oxigraph::model::Graph>,
    /// The SHACL shapes of the published schema, run on every import.
    shapes: Arc<Shapes>,
    /// Import job records.
    jobs: JobStore,
    /// CSV/TSV column mapping (`ingest/csv_mapping.toml`).
    csv_mapping: CsvMapping,
    /// Serialises writers (graph + index updates).
    write_lock: std::sync::Mutex<()>,
}

fn read_toml<T: DeserializeOwned + Default>(path: &Path) -> Result<T, Error> {
    match std::fs::read_to_string(path) {
        Ok(s) => toml_from_str(&s).map_err(|e| Error::Config(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(source) => Err(Error::Io {
            context: format!("read {}", path.display()),
            source,
        }),
    }
}

fn toml_from_str<T: DeserializeOwned>(s: &str) -> Result<T, String> {
    use figment::providers::{Format, Toml};
    figment::Figment::from(Toml::string(s))
        .extract()
        .map_err(|e| e.to_string())
}

fn ttl_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| Error::Io {
            context: format!("read {}", dir.display()),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ttl"))
        .collect();
    files.sort();
    Ok(files)
}

const REINDEX_MARKER: &str = "reindex.pending";

impl Engine {
    /// Opens the data dir, loads the seed data as asked, and brings the indexes in step
    /// with the graph.
    pub fn open(config: Config, seed: Seed) -> Result<Self, Error> {
        let data = config.data_dir.clone();
        std::fs::create_dir_all(&data).map_err(|source| Error::Io {
            context: format!("create {}", data.display()),
            source,
        })?;
        let graph = GraphStore::open(&data.join("graph"))?;
        let empty = graph.graph_len(schema_graph(SEED_SCHEMA_VERSION).as_ref())? == 0;
        let seeding = seed == Seed::Always || (seed == Seed::IfEmpty && empty);
        if seeding {
            std::fs::write(data.join(REINDEX_MARKER), b"seed").map_err(|source| Error::Io {
                context: "write reindex marker".into(),
                source,
            })?;
            load_seed_graphs(&graph, &config)?;
        }
        let ontology = Arc::new(Ontology::load(&graph)?);
        let schema = Arc::new(graph.graph_copy(schema_graph(SEED_SCHEMA_VERSION).as_ref())?);
        let shapes = Arc::new(Shapes::from_graph(&schema).map_err(|e| Error::Config(format!("ontology shapes: {e}")))?);
        let jobs = JobStore::open(&data).map_err(|source| Error::Io {
            context: format!("open {}", data.join("imports").display()),
            source,
        })?;
        let csv_mapping = CsvMapping::load(&config.ingest_dir.join("csv_mapping.toml")).map_err(Error::Config)?;
        let embedder = Arc::new(Embedder::load(&config.model_dir, config.ort_library().as_deref())?);
        let cache = embedding_cache_dir();
        let classifier = Arc::new(IntentClassifier::new(
            &ontology,
            embedder.clone(),
            read_toml::<IntentSettings>(&config.indexes_dir.join("intent.toml"))?,
            &cache.join("intent-examples.json"),
        )?);
        let knowledge = Knowledge::new(graph.clone());
        let lexicon = lexicon(&graph)?;
        let text = Arc::new(TextIndex::open(
            &data.join("text"),
            read_toml::<TextSettings>(&config.indexes_dir.join("text.toml"))?,
            &lexicon,
        )?);
        let vector_settings: VectorSettings = read_toml(&config.indexes_dir.join("vector.toml"))?;
        let vectors: Arc<dyn VectorIndex> = Arc::new(EdgeVectorIndex::open(&data.join("vectors"), &vector_settings)?);
        let prompts = crate::prompts::load(&config.prompts_dir)?;
        let validator = Arc::new(Validator::new(ontology.clone()));
        let answer_settings: AnswerSettings = read_toml(&config.prompts_dir.join("answer").join("intents.toml"))?;
        let pipeline = Pipeline {
            understand: Arc::new(Understander::new(knowledge.clone(), classifier, ontology.clone())),
            retrieve: Arc::new(Retriever::new(
                text.clone(),
                vectors.clone(),
                embedder.clone(),
                read_toml::<FusionSettings>(&config.indexes_dir.join("fusion.toml"))?,
            )),
            generate: Arc::new(TemplateGenerator::new(
                prompts.clone(),
                ontology.clone(),
                answer_settings,
            )),
            validate: validator.clone(),
        };
        let engine = Engine {
            config,
            knowledge,
            ontology,
            text,
            vectors,
            embedder,
            prompts,
            validator,
            pipeline,
            schema,
            shapes,
            jobs,
            csv_mapping,
            write_lock: std::sync::Mutex::new(()),
        };
        let pending = data.join(REINDEX_MARKER).exists();
        let has_merchants = !engine.knowledge.graph().merchant_ids()?.is_empty();
        if pending
            || (has_merchants && engine.text.count() == 0)
            || engine.text.count() as usize != engine.vectors.count()?
        {
            engine.reindex_all()?;
        }
        Ok(engine)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The ontology in use.
    pub fn ontology(&self) -> &Ontology {
        &self.ontology
    }

    /// Merchant ids with a graph.
    pub fn merchants(&self) -> Result<Vec<String>, Error> {
        Ok(self.knowledge.graph().merchant_ids()?)
    }

    /// The merchant's facts through its scoped view (404-mapped when unknown).
    pub fn facts(&self, merchant_id: &str) -> Result<Arc<MerchantFacts>, Error> {
        self.knowledge.facts(merchant_id).map_err(|e| match e {
            StoreError::UnknownMerchant(m) | StoreError::InvalidMerchantId(m) => Error::UnknownMerchant(m),
            e => Error::Store(e),
        })
    }

    /// Answers a question as of `at`.
    pub fn answer(&self, q: Question, at: Clock) -> Result<Response, Error> {
        self.pipeline.answer(q, at)
    }

    /// Retrieves evidence only.
    pub fn search(&self, q: Question, at: Clock) -> Result<Retrieved, Error> {
        self.pipeline.search(q, at)
    }

    /// Validates an answer written elsewhere against the merchant's facts.
    pub fn validate(&self, merchant_id: &str, answer: &str, question: &str, at: Clock) -> Result<Validation, Error> {
        let facts = self.facts(merchant_id)?;
        Ok(self.validator.check(&facts, answer, question, at))
    }

    /// Re-derives and re-indexes every passage (general layer and all merchants).
    pub fn reindex_all(&self) -> Result<usize, Error> {
        let marker = self.config.data_dir.join(REINDEX_MARKER);
        std::fs::write(&marker, b"reindex").map_err(|source| Error::Io {
            context: "write reindex marker".into(),
            source,
        })?;
        self.text.add_lexicon(&lexicon(self.knowledge.graph())?);
        let general = verbalise_general(&general_rules(self.knowledge.graph())?, &self.prompts)?;
        let mut n = self.index_passages(GENERAL_SCOPE, &general)?;
        for m in self.merchants()? {
            n += self.reindex_merchant(&m)?;
        }
        std::fs::remove_file(&marker).map_err(|source| Error::Io {
            context: "remove reindex marker".into(),
            source,
        })?;
        Ok(n)
    }

    /// Re-derives and re-indexes one merchant's passages.
    pub fn reindex_merchant(&self, merchant_id: &str) -> Result<usize, Error> {
        self.knowledge.invalidate(merchant_id);
        let facts = self.facts(merchant_id)?;
        self.text.add_lexicon(&merchant_lexicon(&facts));
        let passages = verbalise(&facts, &self.prompts)?;
        self.index_passages(merchant_id, &passages)
    }

    fn index_passages(&self, scope: &str, passages: &[Passage]) -> Result<usize, Error> {
        let texts: Vec<String> = passages.iter().map(|p| p.text.clone()).collect();
        let vectors = self
            .embedder
            .embed_passages_cached(&texts, &embedding_cache_dir().join("passages.json"))?;
        let points = passages
            .iter()
            .zip(vectors)
            .map(|(p, v)| VectorPoint {
                id: p.numeric_id(),
                merchant_id: scope.to_string(),
                passage_id: p.id.clone(),
                vector: v,
            })
            .collect();
        self.vectors.delete_merchant(scope)?;
        self.vectors.upsert(points)?;
        self.text.replace_merchant(scope, passages)?;
        Ok(passages.len())
    }

    /// Counts for `/healthz`: merchants, passages, vectors.
    pub fn stats(&self) -> Result<serde_json::Value, Error> {
        Ok(serde_json::json!({
            "merchants": self.merchants()?,
            "passages": self.text.count(),
            "vectors": self.vectors.count()?,
            "intents": self.ontology.intents.len(),
        }))
    }
}

/// Where embeddings of intent examples and passages are cached across runs.
pub(crate) fn embedding_cache_dir() -> PathBuf {
    let base = std::env::var_os("ZHIKU_CACHE").map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."))
            .join(".cache")
            .join("zhiku")
    });
    base.join("embeddings")
}

/// Loads `ontology/*.ttl` into the schema graph, `ingest/general/*.ttl` into the general
/// graph and `ingest/merchants/{id}.ttl` into each merchant's graph.
pub fn load_seed_graphs(graph: &GraphStore, config: &Config) -> Result<LoadReport, Error> {
    let mut report = LoadReport {
        schema_triples: graph.replace_graph_files(
            schema_graph(SEED_SCHEMA_VERSION).as_ref(),
            &ttl_files(&config.ontology_dir)?,
        )?,
        general_triples: graph.replace_graph_files(
            general_graph().as_ref(),
            &ttl_files(&config.ingest_dir.join("general"))?,
        )?,
        ..Default::default()
    };
    for f in ttl_files(&config.ingest_dir.join("merchants"))? {
        let id = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let data = std::fs::read(&f).map_err(|source| Error::Io {
            context: format!("read {}", f.display()),
            source,
        })?;
        let n = graph.replace_graph_turtle(merchant_graph(&id)?.as_ref(), &f.display().to_string(), &data)?;
        report.merchants.push((id, n));
    }
    Ok(report)
}

/// Words the tokenizer must keep whole for one merchant: product names and their parts,
/// SKUs and brands.
pub fn merchant_lexicon(facts: &MerchantFacts) -> Vec<String> {
    let mut words = Vec::new();
    for p in &facts.products {
        words.push(p.name.clone());
        words.extend(p.name.split_whitespace().map(str::to_string));
        words.extend(p.sku.clone());
        words.extend(p.brand.clone());
    }
    words.sort();
    words.dedup();
    words
}

fn lexicon(graph: &GraphStore) -> Result<Vec<String>, Error> {
    let mut words = Vec::new();
    for m in graph.merchant_ids()? {
        words.extend(merchant_lexicon(&graph.scoped(&m)?.facts()?));
    }
    Ok(words)
}

impl Engine {
    /// The five-stage pipeline (tests and benches drive stages one by one).
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// The intent id predicted for a text (used by `zhiku eval`).
    pub fn classify(&self, text: &str) -> Result<String, Error> {
        self.pipeline.classify(text)
    }
}
