//! The engine owns the stores, the indexes, the model and the pipeline, and keeps the
//! derived indexes in step with the graph (seed loading, re-indexing, imports in
//! [`imports`]).

mod bulk;
pub use bulk::SpoolFile;
mod imports;
mod ontology;
pub mod workers;

pub use ontology::{DraftReport, MerchantCheck, PublishReport, SchemaRef, Versions};

use crate::Error;
use crate::answer::{AnswerSettings, TemplateGenerator};
use crate::config::Config;
use crate::import::{CsvMapping, JobStore};
use crate::index::text::TextSettings;
use crate::index::vector::VectorSettings;
use crate::index::{EdgeVectorIndex, Embedder, TextIndex, VectorIndex, VectorPoint};
use crate::merchant_id::MerchantId;
use crate::pipeline::{Clock, Pipeline, Question, Response, Retrieved};
use crate::retrieve::Retriever;
use crate::retrieve::fusion::FusionSettings;
use crate::security::Security;
use crate::shacl::Shapes;
use crate::store::graph::{DRAFT_GRAPH, general_graph, schema_graph};
use crate::store::merchant::general_rules;
use crate::store::passages::{GENERAL_SCOPE, Passage, verbalise, verbalise_general};
use crate::store::sparql::{OutputFormats, QueryLimits, QueryOutput};
use crate::store::{GraphStore, Knowledge, MerchantFacts, Ontology, StoreError};
use crate::understand::intent::IntentSettings;
use crate::understand::{IntentClassifier, Understander};
use crate::validate::{Validation, Validator};
use oxigraph::model::NamedNode;
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

/// What follows from one published schema version: the ontology, its graph and shapes, and
/// the pipeline built on them. Publishing builds a new one and swaps it in.
pub struct SchemaState {
    /// The schema version.
    pub version: u32,
    /// Intents, synonyms, couriers.
    pub ontology: Arc<Ontology>,
    /// The schema graph (class hierarchy for SHACL `sh:class`/`sh:targetClass`).
    pub graph: Arc<oxigraph::model::Graph>,
    /// Its SHACL shapes, run on every import.
    pub shapes: Arc<Shapes>,
    /// The five stages.
    pub pipeline: Arc<Pipeline>,
    validator: Arc<Validator>,
}

/// The running service's state.
pub struct Engine {
    config: Config,
    knowledge: Knowledge,
    text: Arc<TextIndex>,
    vectors: Arc<dyn VectorIndex>,
    embedder: Arc<Embedder>,
    prompts: minijinja::Environment<'static>,
    /// Everything that follows from the published schema version; swapped on publish.
    schema: std::sync::RwLock<Arc<SchemaState>>,
    /// Import job records.
    jobs: JobStore,
    /// CSV/TSV column mapping (`ingest/csv_mapping.toml`).
    csv_mapping: CsvMapping,
    /// Serialises writers (graph + index updates).
    write_lock: std::sync::Mutex<()>,
    /// API keys, the audit trail, per-key limits.
    security: Arc<Security>,
    /// Threads with deep stacks for SPARQL queries and imports.
    workers: workers::Workers,
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

/// A scoped-view error as the API reports it: an unknown or malformed merchant id is 404.
fn scoped_error(e: StoreError) -> Error {
    match e {
        StoreError::UnknownMerchant(m) => Error::UnknownMerchant(m),
        e => Error::Store(e),
    }
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
        let security = Arc::new(Security::open(&data, &config)?);
        let protector = Arc::new(crate::security::protector(&config.security, &data)?);
        let graph = GraphStore::open(&data.join("graph"))?.with_protector(protector);
        bulk::reset_spool(&data)?;
        let stale = graph.drop_stale_generations()?;
        if !stale.is_empty() {
            tracing::warn!(
                ?stale,
                "dropped merchant graph generations left by an interrupted import"
            );
        }
        let empty = graph.graph_len(schema_graph(graph.published_version()).as_ref())? == 0;
        let seeding = seed == Seed::Always || (seed == Seed::IfEmpty && empty);
        if seeding {
            std::fs::write(data.join(REINDEX_MARKER), b"seed").map_err(|source| Error::Io {
                context: "write reindex marker".into(),
                source,
            })?;
            load_seed_graphs(&graph, &config)?;
        }
        let draft = NamedNode::new_unchecked(DRAFT_GRAPH);
        if graph.graph_len(draft.as_ref())? == 0 {
            // A store from before drafts existed: the draft starts as the published version.
            let published = graph.graph_copy(schema_graph(graph.published_version()).as_ref())?;
            graph.replace_graph(draft.as_ref(), &published)?;
        }
        let jobs = JobStore::open(&data).map_err(|source| Error::Io {
            context: format!("open {}", data.join("imports").display()),
            source,
        })?;
        let csv_mapping = CsvMapping::load(&config.ingest_dir.join("csv_mapping.toml")).map_err(Error::Config)?;
        let embedder = Arc::new(Embedder::load(&config.model_dir, config.ort_library().as_deref())?);
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
        let parts = Parts {
            config: &config,
            knowledge: &knowledge,
            text: &text,
            vectors: &vectors,
            embedder: &embedder,
            prompts: &prompts,
        };
        let schema = std::sync::RwLock::new(Arc::new(parts.schema_state(graph.published_version())?));
        let config_workers = (config.limits.heavy_workers, config.limits.worker_stack_bytes);
        let engine = Engine {
            config,
            knowledge,
            text,
            vectors,
            embedder,
            prompts,
            schema,
            jobs,
            csv_mapping,
            write_lock: std::sync::Mutex::new(()),
            security,
            workers: workers::Workers::new(config_workers.0, config_workers.1),
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

    /// The threads that run SPARQL queries and imports (deep stacks).
    pub fn workers(&self) -> &workers::Workers {
        &self.workers
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Re-seals every sensitive value of every merchant graph under the active SM4 key (and
    /// seals those stored in the clear); returns how many changed.
    pub fn reseal(&self) -> Result<usize, Error> {
        let _w = self.writer()?;
        Ok(self.knowledge.graph().reseal_merchant_graphs()?)
    }

    /// Keys, audit trail and per-key limits of this data dir.
    pub fn security(&self) -> &Arc<Security> {
        &self.security
    }

    /// A read-only SPARQL query over `merchant_id`'s scoped view (general + schema + its
    /// graph), or over the shared layers only when no merchant is named. The caller has
    /// checked that its key may see `merchant_id`.
    pub fn sparql(
        &self,
        merchant_id: Option<&MerchantId>,
        query: &str,
        formats: OutputFormats,
        limits: &QueryLimits,
    ) -> Result<QueryOutput, Error> {
        let graph = self.knowledge.graph();
        let out = match merchant_id {
            Some(m) => graph.scoped(m).map_err(scoped_error)?.query(query, formats, limits)?,
            None => graph.query_shared(query, formats, limits)?,
        };
        Ok(out)
    }

    /// Takes the writers' lock (graph and index updates are serialised).
    fn writer(&self) -> Result<std::sync::MutexGuard<'_, ()>, Error> {
        self.write_lock
            .lock()
            .map_err(|_| Error::Config("write lock poisoned".into()))
    }

    /// The state of the published schema version in use.
    pub fn schema(&self) -> Arc<SchemaState> {
        match self.schema.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The ontology in use.
    pub fn ontology(&self) -> Arc<Ontology> {
        self.schema().ontology.clone()
    }

    /// Builds the pipeline and shapes of schema `version` (its graph must be stored).
    fn build_schema(&self, version: u32) -> Result<SchemaState, Error> {
        Parts {
            config: &self.config,
            knowledge: &self.knowledge,
            text: &self.text,
            vectors: &self.vectors,
            embedder: &self.embedder,
            prompts: &self.prompts,
        }
        .schema_state(version)
    }
}

/// The parts of an engine a schema state is built from.
struct Parts<'a> {
    config: &'a Config,
    knowledge: &'a Knowledge,
    text: &'a Arc<TextIndex>,
    vectors: &'a Arc<dyn VectorIndex>,
    embedder: &'a Arc<Embedder>,
    prompts: &'a minijinja::Environment<'static>,
}

impl Parts<'_> {
    fn schema_state(&self, version: u32) -> Result<SchemaState, Error> {
        let g = self.knowledge.graph();
        let ontology = Arc::new(Ontology::load_from(g, schema_graph(version))?);
        let graph = Arc::new(g.graph_copy(schema_graph(version).as_ref())?);
        let shapes = Arc::new(Shapes::from_graph(&graph).map_err(|e| Error::Config(format!("ontology shapes: {e}")))?);
        let config = &self.config;
        let classifier = Arc::new(IntentClassifier::new(
            &ontology,
            self.embedder.clone(),
            read_toml::<IntentSettings>(&config.indexes_dir.join("intent.toml"))?,
            &embedding_cache_dir().join("intent-examples.json"),
        )?);
        let validator = Arc::new(Validator::new(ontology.clone(), config.validation.unsupported));
        let answer_settings: AnswerSettings = read_toml(&config.prompts_dir.join("answer").join("intents.toml"))?;
        let pipeline = Arc::new(Pipeline {
            understand: Arc::new(Understander::new(self.knowledge.clone(), classifier, ontology.clone())),
            retrieve: Arc::new(Retriever::new(
                self.text.clone(),
                self.vectors.clone(),
                self.embedder.clone(),
                read_toml::<FusionSettings>(&config.indexes_dir.join("fusion.toml"))?,
            )),
            generate: Arc::new(TemplateGenerator::new(
                self.prompts.clone(),
                ontology.clone(),
                answer_settings,
            )),
            validate: validator.clone(),
        });
        Ok(SchemaState {
            version,
            ontology,
            graph,
            shapes,
            pipeline,
            validator,
        })
    }
}

impl Engine {
    /// Merchant ids with a graph.
    pub fn merchants(&self) -> Result<Vec<MerchantId>, Error> {
        Ok(self.knowledge.graph().merchant_ids()?)
    }

    /// The merchant's facts through its scoped view (404-mapped when unknown).
    pub fn facts(&self, merchant_id: &MerchantId) -> Result<Arc<MerchantFacts>, Error> {
        self.knowledge.facts(merchant_id).map_err(scoped_error)
    }

    /// Answers a question as of `at`.
    pub fn answer(&self, q: Question, at: Clock) -> Result<Response, Error> {
        // The question as typed goes to the debug log; the log writer masks it.
        tracing::debug!(merchant = %q.merchant_id, question = %q.text, "question");
        let r = self.schema().pipeline.answer(q, at)?;
        tracing::debug!(intent = %r.intent, verdict = ?r.verdict.verdict, handoff = r.handoff, answer = %r.answer, "answered");
        Ok(r)
    }

    /// Retrieves evidence only.
    pub fn search(&self, q: Question, at: Clock) -> Result<Retrieved, Error> {
        self.schema().pipeline.search(q, at)
    }

    /// Validates an answer written elsewhere against the merchant's facts.
    pub fn validate(
        &self,
        merchant_id: &MerchantId,
        answer: &str,
        question: &str,
        at: Clock,
    ) -> Result<Validation, Error> {
        let facts = self.facts(merchant_id)?;
        Ok(self.schema().validator.check(&facts, answer, question, at))
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
    pub fn reindex_merchant(&self, merchant_id: &MerchantId) -> Result<usize, Error> {
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
        self.vectors.delete_merchant(scope)?;
        self.vectors.upsert(vector_points(scope, passages, vectors))?;
        self.text.replace_merchant(scope, passages)?;
        Ok(passages.len())
    }

    /// Counts for `/healthz`: merchants, passages, vectors.
    pub fn stats(&self) -> Result<serde_json::Value, Error> {
        Ok(serde_json::json!({
            // a count, never the ids: `/healthz` is public, and which merchants exist does not leak
            "merchants": self.merchants()?.len(),
            "passages": self.text.count(),
            "vectors": self.vectors.count()?,
            "intents": self.ontology().intents.len(),
            "schema_version": self.schema().version,
        }))
    }
}

/// The vector-index points of `passages` (in `scope`) with their embeddings.
fn vector_points(scope: &str, passages: &[Passage], vectors: Vec<Vec<f32>>) -> Vec<VectorPoint> {
    passages
        .iter()
        .zip(vectors)
        .map(|(p, v)| VectorPoint {
            id: p.numeric_id(),
            merchant_id: scope.to_string(),
            passage_id: p.id.clone(),
            vector: v,
        })
        .collect()
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
        schema_triples: load_seed_schema(graph, config)?,
        general_triples: graph.replace_graph_files(
            general_graph().as_ref(),
            &ttl_files(&config.ingest_dir.join("general"))?,
        )?,
        ..Default::default()
    };
    for f in ttl_files(&config.ingest_dir.join("merchants"))? {
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let id = MerchantId::parse(stem).map_err(|e| Error::Config(format!("{}: {e}", f.display())))?;
        let data = std::fs::read(&f).map_err(|source| Error::Io {
            context: format!("read {}", f.display()),
            source,
        })?;
        let n = graph.replace_graph_turtle(graph.live_graph(&id)?.as_ref(), &f.display().to_string(), &data)?;
        report.merchants.push((id.to_string(), n));
    }
    Ok(report)
}

/// Loads `ontology/*.ttl` as the draft and publishes it: as the first version on a new
/// store, as a new version when it differs from the published one, not at all when equal.
fn load_seed_schema(graph: &GraphStore, config: &Config) -> Result<usize, Error> {
    let draft = NamedNode::new_unchecked(DRAFT_GRAPH);
    let n = graph.replace_graph_files(draft.as_ref(), &ttl_files(&config.ontology_dir)?)?;
    let current = graph.published_version();
    let published = graph.graph_copy(schema_graph(current).as_ref())?;
    let version = if published.is_empty() {
        current
    } else if same_schema(&graph.graph_copy(draft.as_ref())?, &published) {
        return Ok(n);
    } else {
        current + 1
    };
    let triples = graph.stage_draft(version)?;
    graph.record_published(version, &chrono::Utc::now().to_rfc3339(), triples)?;
    Ok(n)
}

/// Whether two schema graphs hold the same triples (blank nodes compared by count only).
fn same_schema(a: &oxigraph::model::Graph, b: &oxigraph::model::Graph) -> bool {
    let ground = |t: &oxigraph::model::TripleRef<'_>| !t.subject.is_blank_node() && !t.object.is_blank_node();
    a.len() == b.len() && a.iter().filter(ground).all(|t| b.contains(t))
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
    pub fn pipeline(&self) -> Arc<Pipeline> {
        self.schema().pipeline.clone()
    }

    /// The intent id predicted for a text (used by `zhiku eval`).
    pub fn classify(&self, text: &str) -> Result<String, Error> {
        self.schema().pipeline.classify(text)
    }
}
