//! Configuration: defaults, then `zhiku.toml` (if present), then `ZHIKU_*` environment
//! variables, then command-line flags (applied by `main`).

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Service configuration. Every path is relative to the working directory unless absolute.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Runtime data: oxigraph store, tantivy index, vector segments (`ZHIKU_DATA_DIR`).
    pub data_dir: PathBuf,
    /// The industry schema Turtle files (`ontology/`).
    pub ontology_dir: PathBuf,
    /// Demo data: `general/*.ttl` and `merchants/*.ttl` (`ingest/`).
    pub ingest_dir: PathBuf,
    /// minijinja templates (`prompts/`).
    pub prompts_dir: PathBuf,
    /// Index definitions (`indexes/`).
    pub indexes_dir: PathBuf,
    /// The embedding model folder (model_int8.onnx + tokenizer files), built by `make setup`.
    pub model_dir: PathBuf,
    /// The ONNX Runtime shared library (`ORT_DYLIB_PATH` is honoured when this is unset).
    pub ort_dylib: Option<PathBuf>,
    /// HTTP listen address.
    pub listen: String,
    /// Request limits.
    pub limits: Limits,
    /// Keys, audit and encryption settings.
    pub security: SecuritySettings,
    /// 商家知识校验 settings.
    #[serde(default)]
    pub validation: ValidationSettings,
}

/// What an unsupported claim does to the verdict (`validation.unsupported`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnsupportedPolicy {
    /// Drop the sentence holding it when the rest of the answer stands, else hand off.
    #[default]
    Drop,
    /// Hand off.
    Handoff,
    /// Report it; the verdict ignores it.
    Warn,
}

/// 商家知识校验 settings (`[validation]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ValidationSettings {
    /// What an unsupported claim does: `drop` its sentence when the rest stands (else hand
    /// off; the default), `handoff`, or `warn` (reported only).
    #[serde(default)]
    pub unsupported: UnsupportedPolicy,
}

/// Security settings (README "Security").
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecuritySettings {
    /// Audit records older than this many days are pruned (behind a checkpoint).
    pub audit_retention_days: u32,
    /// On `zhiku serve` with no usable key, create an admin key and write it to
    /// `{data_dir}/security/bootstrap-admin.key` (mode 0600).
    pub bootstrap_admin_key: bool,
    /// The key that signs the audit trail's head, 64 hex digits (`ZHIKU_SECURITY__AUDIT_KEY`).
    /// Without one, a key is generated into `{data_dir}/security/audit-key` (mode 0600).
    pub audit_key: Option<String>,
    /// SM4 keys by id, 32 hex digits each (`ZHIKU_SECURITY__SM4_KEYS__K1=…`). Without any, a
    /// key is generated into `{data_dir}/security/sm4-keys.json` (mode 0600) with a warning.
    pub sm4_keys: std::collections::BTreeMap<String, String>,
    /// The key id that seals new values (the only key, when one is configured).
    pub sm4_active: Option<String>,
    /// Predicates whose literal values are always sealed at rest; values the detectors
    /// recognise (mobile, ID-card, bank-card numbers, house numbers) are sealed under any
    /// predicate.
    pub sensitive_predicates: Vec<String>,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            audit_retention_days: 180,
            bootstrap_admin_key: true,
            audit_key: None,
            sm4_keys: Default::default(),
            sm4_active: None,
            sensitive_predicates: [
                "https://schema.org/streetAddress",
                "https://schema.org/taxID",
                "https://schema.org/vatID",
                "https://schema.org/email",
                "https://zhiku.dev/ns#idCardNumber",
                "https://zhiku.dev/ns#bankAccountNumber",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
        }
    }
}

/// Explicit request limits (documented in the README).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Limits {
    /// Maximum HTTP request body, in bytes.
    pub max_body_bytes: usize,
    /// Maximum question length, in characters.
    pub max_question_chars: usize,
    /// Maximum answer length for `/v1/validate`, in characters.
    pub max_answer_chars: usize,
    /// Maximum upload parsed in memory (tables, JSON-LD, RDF/XML, smaller RDF files, the
    /// ontology draft), in bytes.
    pub max_import_bytes: usize,
    /// Maximum triples one in-memory import may hold.
    pub max_import_triples: usize,
    /// N-Triples, N-Quads and Turtle uploads larger than this are streamed from disk into
    /// a new graph generation, in bounded memory, instead of parsed in memory.
    pub stream_import_above_bytes: u64,
    /// Maximum streamed upload, in bytes (spooled to the data dir's disk).
    pub max_stream_import_bytes: u64,
    /// Maximum triples one streamed import may hold.
    pub max_stream_import_triples: usize,
    /// Maximum SPARQL query text, in characters.
    pub max_sparql_query_chars: usize,
    /// SPARQL query time; past it the query is cancelled and the client gets 503.
    pub sparql_timeout_ms: u64,
    /// Maximum solutions or triples in one SPARQL result.
    pub max_sparql_rows: usize,
    /// Requests one API key may have in flight; more get 429 with `Retry-After`.
    pub max_concurrent_per_key: usize,
    /// Largest request line plus headers, in bytes; larger gets 431 `headers_too_large`
    /// (up to 2 MiB; hyper cuts off anything larger with a bare 431).
    pub max_header_bytes: usize,
    /// A connection must send its request line and headers within this time; else it is
    /// closed.
    pub header_read_timeout_ms: u64,
    /// Open connections at most; more wait in the listen backlog.
    pub max_connections: usize,
    /// Deepest nesting of a JSON request body (objects and arrays); deeper gets 400
    /// `too_deep`.
    pub max_json_depth: usize,
    /// Deepest nesting of a SPARQL query: brackets, braces, sub-selects, chains of unary
    /// operators, and the depth of its algebra (operator chains, `OPTIONAL`/`UNION` chains,
    /// paths); deeper gets 400 `too_deep`.
    pub max_query_depth: usize,
    /// Most triple patterns in a SPARQL query (a path step counts as one); more gets 400
    /// `query_too_large`.
    pub max_query_patterns: usize,
    /// Deepest nesting of an upload: JSON-LD objects and arrays, RDF/XML elements, Turtle
    /// and TriG blank-node property lists, collections and graphs; deeper gets 400
    /// `too_deep`.
    pub max_import_depth: usize,
    /// RDF/XML internal entities: the longest expansion of one entity, in bytes.
    pub max_xml_entity_bytes: usize,
    /// RDF/XML internal entities: all their references in one upload together may expand
    /// to at most this many bytes.
    pub max_xml_expansion_bytes: usize,
    /// A request body must arrive within this time (JSON and SPARQL bodies: the whole
    /// body; uploads: each next chunk); else 408 `body_timeout`.
    pub body_read_timeout_ms: u64,
    /// Threads that run SPARQL queries and imports (each with [`Limits::worker_stack_bytes`]
    /// of stack); more requests wait for one.
    pub heavy_workers: usize,
    /// Stack of each heavy worker thread, in bytes (reserved, touched only as used).
    pub worker_stack_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 64 * 1024,
            max_question_chars: 500,
            max_answer_chars: 4000,
            max_import_bytes: 256 * 1024 * 1024,
            max_import_triples: 2_000_000,
            stream_import_above_bytes: 16 * 1024 * 1024,
            max_stream_import_bytes: 4 * 1024 * 1024 * 1024,
            max_stream_import_triples: 50_000_000,
            max_sparql_query_chars: 20_000,
            sparql_timeout_ms: 5_000,
            max_sparql_rows: 10_000,
            max_concurrent_per_key: 32,
            max_header_bytes: 64 * 1024,
            header_read_timeout_ms: 10_000,
            max_connections: 4_096,
            max_json_depth: 32,
            max_query_depth: 64,
            max_query_patterns: 128,
            max_import_depth: 64,
            max_xml_entity_bytes: 4 * 1024,
            max_xml_expansion_bytes: 16 * 1024 * 1024,
            body_read_timeout_ms: 30_000,
            heavy_workers: 4,
            worker_stack_bytes: 256 * 1024 * 1024,
        }
    }
}

fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ZHIKU_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache").join("zhiku")
}

impl Default for Config {
    fn default() -> Self {
        let cache = cache_dir();
        Config {
            data_dir: PathBuf::from("data"),
            ontology_dir: PathBuf::from("ontology"),
            ingest_dir: PathBuf::from("ingest"),
            prompts_dir: PathBuf::from("prompts"),
            indexes_dir: PathBuf::from("indexes"),
            model_dir: cache.join("models").join("me5-small"),
            ort_dylib: None,
            listen: "127.0.0.1:8080".to_string(),
            limits: Limits::default(),
            security: SecuritySettings::default(),
            validation: ValidationSettings::default(),
        }
    }
}

impl Config {
    /// Loads defaults ← `zhiku.toml` ← `ZHIKU_*` environment variables.
    pub fn load() -> Result<Self, crate::Error> {
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file("zhiku.toml"))
            .merge(Env::prefixed("ZHIKU_").split("__"))
            .extract()
            .map_err(|e| crate::Error::Config(e.to_string()))
    }

    /// A configuration for a project checkout at `root` with its data under `data_dir`
    /// (used by tests and benches).
    pub fn for_project(root: &std::path::Path, data_dir: PathBuf) -> Self {
        let mut c = Config::load().unwrap_or_default();
        c.data_dir = data_dir;
        c.ontology_dir = root.join("ontology");
        c.ingest_dir = root.join("ingest");
        c.prompts_dir = root.join("prompts");
        c.indexes_dir = root.join("indexes");
        c
    }

    /// The ONNX Runtime library to load: config, then `ORT_DYLIB_PATH`, then the copy that
    /// `make setup` installs from the PyPI `onnxruntime` wheel.
    pub fn ort_library(&self) -> Option<PathBuf> {
        if let Some(p) = &self.ort_dylib {
            return Some(p.clone());
        }
        if let Some(p) = std::env::var_os("ORT_DYLIB_PATH") {
            return Some(PathBuf::from(p));
        }
        let capi = cache_dir().join("py").join("onnxruntime").join("capi");
        let entries = std::fs::read_dir(&capi).ok()?;
        let mut libs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("libonnxruntime.so"))
            })
            .collect();
        libs.sort();
        libs.pop()
    }
}
