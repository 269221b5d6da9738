//! Sentence embeddings with multilingual-e5-small (384 dimensions) through fastembed and
//! ONNX Runtime, loaded from local files only.
//!
//! e5 expects a prefix on every input: questions are embedded as `"query: …"` and knowledge
//! passages as `"passage: …"`. [`Embedder`] adds the prefixes itself, so callers pass the
//! bare text. Outputs are L2-normalised, so the dot product of two vectors is their cosine
//! similarity. Scores of e5 sit high (about 0.8–0.95 for related sentences): rank by score
//! and use relative margins rather than absolute thresholds.
//!
//! The int8 model quantises activations dynamically over the whole batch, so a vector computed
//! inside a batch can differ very slightly (about 0.01 in cosine) from the same text embedded
//! alone. Rankings are not affected in practice.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use fastembed::{InitOptionsUserDefined, Pooling, TextEmbedding, TokenizerFiles, UserDefinedEmbeddingModel};
use serde::{Deserialize, Serialize};

use super::IndexError;

/// Dimension of the vectors produced by [`Embedder`] (multilingual-e5-small).
pub const DIM: usize = 384;

/// Passages are embedded in batches of this many texts.
const PASSAGE_BATCH: usize = 32;

/// Capacity (entries) of the in-memory query-vector cache.
const QUERY_CACHE_CAPACITY: u64 = 10_000;

/// Longest input, in tokens; longer inputs are truncated by the tokenizer.
const MAX_TOKENS: usize = 512;

/// Model files tried in order inside the model directory.
const MODEL_FILES: [&str; 2] = ["model_int8.onnx", "model.onnx"];

/// Tokenizer files that must sit beside the model.
const TOKENIZER_FILE: &str = "tokenizer.json";
const CONFIG_FILE: &str = "config.json";
const SPECIAL_TOKENS_FILE: &str = "special_tokens_map.json";
const TOKENIZER_CONFIG_FILE: &str = "tokenizer_config.json";

/// Version of the on-disk vector cache format written by [`Embedder::embed_queries_cached`].
const DISK_CACHE_VERSION: u32 = 1;

/// Above this many entries an on-disk cache is cut down to the texts of the current call.
const MAX_DISK_CACHE_ENTRIES: usize = 100_000;

/// The one ONNX Runtime environment of this process.
///
/// ONNX Runtime allows a single environment per process, and `ort` refuses to build a second
/// one even after the first is dropped. Keeping it here lets any number of [`Embedder`]s be
/// loaded (tests load several). A `Mutex<Option<…>>` rather than a bare `OnceLock` so that a
/// failed first attempt (wrong library path) can be retried with a correct one.
static ORT_ENVIRONMENT: Mutex<Option<ort::environment::Environment>> = Mutex::new(None);

/// Turns a text into the e5 query input.
fn query_input(text: &str) -> String {
    format!("query: {text}")
}

/// Turns a text into the e5 passage input.
fn passage_input(text: &str) -> String {
    format!("passage: {text}")
}

/// Loads ONNX Runtime once per process and returns the shared environment.
///
/// The library is `ort_library` when given, otherwise `$ORT_DYLIB_PATH`, otherwise
/// `libonnxruntime.so` from the loader's search path. Loading goes through `ort::init_from`,
/// which reports a missing or incompatible library as an error instead of panicking.
///
/// Returns `None` when an environment was already created elsewhere in the process (for
/// example by fastembed's own default); fastembed then reuses that one.
fn ort_environment(ort_library: Option<&Path>) -> Result<Option<ort::environment::Environment>, IndexError> {
    let mut guard = ORT_ENVIRONMENT
        .lock()
        .map_err(|_| IndexError::Embed("ONNX Runtime environment lock poisoned".into()))?;
    if let Some(env) = guard.as_ref() {
        return Ok(Some(env.clone()));
    }
    let library: PathBuf = match ort_library {
        Some(path) => path.to_path_buf(),
        None => match std::env::var_os("ORT_DYLIB_PATH") {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => PathBuf::from(format!(
                "{}onnxruntime{}",
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_SUFFIX
            )),
        },
    };
    if library.is_absolute() && !library.is_file() {
        return Err(IndexError::Embed(format!(
            "ONNX Runtime library {} not found; run `make setup`",
            library.display()
        )));
    }
    let builder = ort::init_from(&library).map_err(|e| {
        IndexError::Embed(format!(
            "cannot load ONNX Runtime from {}: {e}; run `make setup`",
            library.display()
        ))
    })?;
    match builder.with_name("zhiku").with_telemetry(false).build() {
        Ok(env) => {
            *guard = Some(env.clone());
            Ok(Some(env))
        }
        Err(e) if e.message().contains("only one environment") => Ok(None),
        Err(e) => Err(IndexError::Embed(format!(
            "cannot create the ONNX Runtime environment: {e}"
        ))),
    }
}

/// Reads one required file of the model directory.
fn read_model_file(dir: &Path, name: &str) -> Result<Vec<u8>, IndexError> {
    let path = dir.join(name);
    fs::read(&path).map_err(|e| {
        IndexError::Embed(format!(
            "cannot read {}: {e}; run `make setup` to install the embedding model",
            path.display()
        ))
    })
}

/// L2-normalises `v` in place (fastembed already does; this guards the invariant).
fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 && (norm - 1.0).abs() > 1e-6 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// FNV-1a, 64 bits: a hash that stays the same across Rust versions and platforms.
fn fnv1a64(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // Separator so that ("ab", "c") and ("a", "bc") differ.
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Contents of the on-disk query-vector cache.
#[derive(Debug, Default, Serialize, Deserialize)]
struct DiskCache {
    /// Format version; other versions are ignored.
    version: u32,
    /// Identifies the model the vectors came from (file name and size).
    model: String,
    /// Vector dimension.
    dim: usize,
    /// Vectors keyed by the hex hash of (model size, text).
    entries: HashMap<String, Vec<f32>>,
}

/// The sentence-embedding model (multilingual-e5-small), shareable across threads.
///
/// Inference runs one call at a time behind a mutex (the ONNX session needs exclusive access);
/// query vectors are cached in memory.
pub struct Embedder {
    /// The model; `TextEmbedding::embed` needs `&mut self`.
    model: Mutex<TextEmbedding>,
    /// Query text (without prefix) → vector.
    query_cache: moka::sync::Cache<String, Arc<Vec<f32>>>,
    /// The ONNX file that was loaded.
    model_file: PathBuf,
    /// Size in bytes of that file; part of the on-disk cache key.
    model_size: u64,
}

impl fmt::Debug for Embedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Embedder")
            .field("model_file", &self.model_file)
            .field("model_size", &self.model_size)
            .field("cached_queries", &self.query_cache.entry_count())
            .finish_non_exhaustive()
    }
}

impl Embedder {
    /// Dimension of the produced vectors (same as the module constant [`DIM`]).
    pub const DIM: usize = DIM;

    /// Loads the model from `model_dir` (`model_int8.onnx`, or `model.onnx` when there is no
    /// int8 file, plus `tokenizer.json`, `config.json`, `special_tokens_map.json` and
    /// `tokenizer_config.json`).
    ///
    /// `ort_library` is the ONNX Runtime shared library (`libonnxruntime.so.*`). It is loaded
    /// once per process; later calls reuse it and ignore the argument. With `None`,
    /// `$ORT_DYLIB_PATH` or the system's `libonnxruntime.so` is used.
    ///
    /// Takes a few seconds and about 650 MiB of memory; load once and share.
    ///
    /// # Errors
    /// [`IndexError::Embed`] when a file is missing (the message names it and says to run
    /// `make setup`), the runtime cannot be loaded, or the model is invalid.
    pub fn load(model_dir: &Path, ort_library: Option<&Path>) -> Result<Embedder, IndexError> {
        if !model_dir.is_dir() {
            return Err(IndexError::Embed(format!(
                "model directory {} does not exist; run `make setup` to install the embedding model",
                model_dir.display()
            )));
        }
        let model_file = MODEL_FILES
            .iter()
            .map(|name| model_dir.join(name))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                IndexError::Embed(format!(
                    "neither {} nor {} found in {}; run `make setup` to install the embedding model",
                    MODEL_FILES[0],
                    MODEL_FILES[1],
                    model_dir.display()
                ))
            })?;
        let tokenizer_files = TokenizerFiles {
            tokenizer_file: read_model_file(model_dir, TOKENIZER_FILE)?,
            config_file: read_model_file(model_dir, CONFIG_FILE)?,
            special_tokens_map_file: read_model_file(model_dir, SPECIAL_TOKENS_FILE)?,
            tokenizer_config_file: read_model_file(model_dir, TOKENIZER_CONFIG_FILE)?,
        };
        let onnx = fs::read(&model_file)
            .map_err(|e| IndexError::Embed(format!("cannot read {}: {e}; run `make setup`", model_file.display())))?;
        let model_size = onnx.len() as u64;

        let environment = ort_environment(ort_library)?;
        let mut options = InitOptionsUserDefined::new().with_max_length(MAX_TOKENS);
        if let Some(env) = environment {
            options = options.with_environment(env);
        }
        let user_model = UserDefinedEmbeddingModel::new(onnx, tokenizer_files).with_pooling(Pooling::Mean);
        let model = TextEmbedding::try_new_from_user_defined(user_model, options)
            .map_err(|e| IndexError::Embed(format!("cannot load the model {}: {e}", model_file.display())))?;

        let embedder = Embedder {
            model: Mutex::new(model),
            query_cache: moka::sync::Cache::new(QUERY_CACHE_CAPACITY),
            model_file,
            model_size,
        };
        // Check the output dimension once, so a wrong model fails here and not on a request.
        let probe = embedder.run(&[query_input("测试")], None)?;
        match probe.first() {
            Some(v) if v.len() == DIM => Ok(embedder),
            Some(v) => Err(IndexError::Embed(format!(
                "model {} produces {}-dimensional vectors, expected {DIM}",
                embedder.model_file.display(),
                v.len()
            ))),
            None => Err(IndexError::Embed("model returned no vector".into())),
        }
    }

    /// The ONNX model file that was loaded.
    pub fn model_file(&self) -> &Path {
        &self.model_file
    }

    /// Runs the model on already-prefixed inputs; one vector per input, unit length.
    fn run(&self, inputs: &[String], batch: Option<usize>) -> Result<Vec<Vec<f32>>, IndexError> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let mut model = self
            .model
            .lock()
            .map_err(|_| IndexError::Embed("embedding model lock poisoned".into()))?;
        let mut vectors = model
            .embed(inputs, batch)
            .map_err(|e| IndexError::Embed(e.to_string()))?;
        drop(model);
        if vectors.len() != inputs.len() {
            return Err(IndexError::Embed(format!(
                "model returned {} vectors for {} inputs",
                vectors.len(),
                inputs.len()
            )));
        }
        for v in &mut vectors {
            normalise(v);
        }
        Ok(vectors)
    }

    /// Embeds one question (as `"query: {text}"`), caching the result in memory.
    ///
    /// A repeated text returns the same `Arc` without running the model.
    ///
    /// # Errors
    /// [`IndexError::Embed`] when inference fails.
    pub fn embed_query(&self, text: &str) -> Result<Arc<Vec<f32>>, IndexError> {
        if let Some(hit) = self.query_cache.get(text) {
            return Ok(hit);
        }
        let vector = self
            .run(&[query_input(text)], None)?
            .pop()
            .ok_or_else(|| IndexError::Embed("model returned no vector".into()))?;
        let vector = Arc::new(vector);
        self.query_cache.insert(text.to_owned(), Arc::clone(&vector));
        Ok(vector)
    }

    /// Embeds several questions (as `"query: …"`) in batches of 32, for example the labelled
    /// examples of intents. Not cached; see [`Embedder::embed_queries_cached`].
    ///
    /// # Errors
    /// [`IndexError::Embed`] when inference fails.
    pub fn embed_queries(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, IndexError> {
        let inputs: Vec<String> = texts.iter().map(|t| query_input(t)).collect();
        self.run(&inputs, Some(PASSAGE_BATCH))
    }

    /// Embeds knowledge passages (as `"passage: …"`) in batches of 32.
    ///
    /// # Errors
    /// [`IndexError::Embed`] when inference fails.
    pub fn embed_passages(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, IndexError> {
        let inputs: Vec<String> = texts.iter().map(|t| passage_input(t)).collect();
        self.run(&inputs, Some(PASSAGE_BATCH))
    }

    /// Like [`Embedder::embed_queries`], but keeps the vectors in the JSON file `cache_file`, so
    /// that a restart does not embed hundreds of unchanged examples again.
    ///
    /// Entries are keyed by a stable hash of the model file's size, the kind of input (query)
    /// and the text. Only texts missing from the file are embedded; when anything was
    /// embedded, the file is rewritten atomically (temporary file, then rename). Entries of
    /// other texts are kept (so one file can serve several callers) until the file holds more
    /// than 100,000 entries, when it is cut down to the texts of this call. A missing,
    /// unreadable or outdated file is treated as empty.
    ///
    /// # Errors
    /// [`IndexError::Embed`] when inference fails; [`IndexError::Io`] when the file cannot be
    /// written.
    pub fn embed_queries_cached(&self, texts: &[String], cache_file: &Path) -> Result<Vec<Vec<f32>>, IndexError> {
        self.embed_cached(Kind::Query, texts, cache_file)
    }

    /// Like [`Embedder::embed_passages`], but keeps the vectors in the JSON file `cache_file`
    /// (same format and rules as [`Embedder::embed_queries_cached`]; query and passage vectors
    /// of the same text are kept apart), so that re-indexing unchanged passages is cheap.
    ///
    /// # Errors
    /// [`IndexError::Embed`] when inference fails; [`IndexError::Io`] when the file cannot be
    /// written.
    pub fn embed_passages_cached(&self, texts: &[String], cache_file: &Path) -> Result<Vec<Vec<f32>>, IndexError> {
        self.embed_cached(Kind::Passage, texts, cache_file)
    }

    /// Shared body of the two cached variants.
    fn embed_cached(&self, kind: Kind, texts: &[String], cache_file: &Path) -> Result<Vec<Vec<f32>>, IndexError> {
        let model_id = format!(
            "{}:{}",
            self.model_file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            self.model_size
        );
        let mut cache = read_disk_cache(cache_file)
            .filter(|c| c.version == DISK_CACHE_VERSION && c.model == model_id && c.dim == DIM)
            .unwrap_or_default();

        let size_bytes = self.model_size.to_le_bytes();
        let kind_bytes = kind.tag().as_bytes();
        let keys: Vec<String> = texts
            .iter()
            .map(|t| format!("{:016x}", fnv1a64(&[&size_bytes, kind_bytes, t.as_bytes()])))
            .collect();

        // Embed the texts without a usable cached vector (each distinct text once).
        let mut missing: Vec<usize> = Vec::new();
        let mut wanted: HashSet<&str> = HashSet::new();
        for (i, key) in keys.iter().enumerate() {
            let usable = cache.entries.get(key).is_some_and(|v| v.len() == DIM);
            if wanted.insert(key.as_str()) && !usable {
                missing.push(i);
            }
        }
        let missing_texts: Vec<String> = missing.iter().map(|&i| texts[i].clone()).collect();
        let fresh = match kind {
            Kind::Query => self.embed_queries(&missing_texts)?,
            Kind::Passage => self.embed_passages(&missing_texts)?,
        };
        let changed = !fresh.is_empty();
        for (&i, vector) in missing.iter().zip(fresh) {
            cache.entries.insert(keys[i].clone(), vector);
        }

        let mut out = Vec::with_capacity(texts.len());
        for key in &keys {
            let vector = cache
                .entries
                .get(key)
                .ok_or_else(|| IndexError::Embed("vector missing after embedding".into()))?;
            out.push(vector.clone());
        }

        if changed {
            if cache.entries.len() > MAX_DISK_CACHE_ENTRIES {
                cache.entries.retain(|k, _| wanted.contains(k.as_str()));
            }
            cache.version = DISK_CACHE_VERSION;
            cache.model = model_id;
            cache.dim = DIM;
            write_disk_cache(cache_file, &cache)?;
        }
        Ok(out)
    }
}

/// What an input is, which decides its e5 prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A question: `"query: "`.
    Query,
    /// A knowledge passage: `"passage: "`.
    Passage,
}

impl Kind {
    /// Tag mixed into the on-disk cache key.
    fn tag(self) -> &'static str {
        match self {
            Kind::Query => "query",
            Kind::Passage => "passage",
        }
    }
}

/// Reads the on-disk cache; `None` when it is missing or unreadable.
fn read_disk_cache(path: &Path) -> Option<DiskCache> {
    let bytes = fs::read(path).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(cache) => Some(cache),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "ignoring unreadable embedding cache");
            None
        }
    }
}

/// Writes the on-disk cache atomically: a temporary file in the same directory, synced,
/// then renamed over the target.
fn write_disk_cache(path: &Path, cache: &DiskCache) -> Result<(), IndexError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "embeddings.json".into());
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let bytes = serde_json::to_vec(cache)
        .map_err(|e| IndexError::Embed(format!("cannot serialise the embedding cache: {e}")))?;
    let result = (|| -> std::io::Result<()> {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(IndexError::Io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_is_stable_and_separates_parts() {
        assert_eq!(fnv1a64(&[]), 0xcbf2_9ce4_8422_2325);
        assert_ne!(fnv1a64(&[b"ab", b"c"]), fnv1a64(&[b"a", b"bc"]));
        assert_eq!(fnv1a64(&[b"x", "取消".as_bytes()]), fnv1a64(&[b"x", "取消".as_bytes()]));
    }

    #[test]
    fn normalise_makes_unit_length() {
        let mut v = vec![3.0, 4.0];
        normalise(&mut v);
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        let mut zero = vec![0.0, 0.0];
        normalise(&mut zero);
        assert_eq!(zero, vec![0.0, 0.0]);
    }

    #[test]
    fn disk_cache_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("cache.json");
        let mut cache = DiskCache {
            version: DISK_CACHE_VERSION,
            model: "m:1".into(),
            dim: 2,
            entries: HashMap::new(),
        };
        cache.entries.insert("k".into(), vec![0.1, -0.2]);
        write_disk_cache(&path, &cache).expect("write");
        let back = read_disk_cache(&path).expect("read");
        assert_eq!(back.entries.get("k"), Some(&vec![0.1, -0.2]));
        fs::write(&path, b"not json").expect("write garbage");
        assert!(read_disk_cache(&path).is_none());
    }
}
