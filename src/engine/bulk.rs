//! Imports from files, and streamed imports of large RDF files in bounded memory.
//!
//! A streamed import never holds the upload or the merchant graph in memory:
//! 1. the file is parsed as a stream and bulk-loaded into a new graph generation, which no
//!    reader sees (see [`crate::store::generations`]);
//! 2. in merge mode, the live graph's triples whose (subject, predicate) the upload does not
//!    state are bulk-loaded beside them (with the blank nodes still referenced);
//! 3. SHACL validates the new generation in the store, a chunk of subjects at a time;
//! 4. one small transaction moves the merchant's pointer to it; the old generation is then
//!    dropped in chunks, and the passages are brought in step as for any import.
//!
//! A syntax error, a violation or a crash before step 4 leaves the live graph untouched
//! (the partial generation is dropped at once, or at the next start).

use super::imports::ms;
use super::{Engine, REINDEX_MARKER};
use crate::Error;
use crate::import::jobs::ShapeReport;
use crate::import::merge::Mode;
use crate::import::{self, Format, ImportError, Job, JobStatus, PROGRESS_EVERY, Upload};
use crate::merchant_id::MerchantId;
use crate::shacl::{DataGraph, Graph, Shapes};
use crate::store::StoreError;
use crate::store::generations::{BulkError, StoredGraph};
use crate::store::graph::merchant_graph;
use oxigraph::model::{BlankNode, NamedNodeRef, NamedOrBlankNode, Quad, Triple};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

/// Subjects validated per SHACL chunk of a streamed import.
const SHACL_CHUNK: usize = 2_000;

fn io(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { context, source }
}

/// A file under the data dir's `spool/` holding one upload while it is imported; removed
/// when dropped (and at the next start, after a crash).
#[derive(Debug)]
pub struct SpoolFile {
    path: std::path::PathBuf,
}

impl SpoolFile {
    /// Where the upload goes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The spool folder of a data dir, emptied at start.
pub(super) fn reset_spool(data_dir: &Path) -> Result<(), Error> {
    let dir = data_dir.join("spool");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io(format!("clear {}", dir.display())))?;
    }
    std::fs::create_dir_all(&dir).map_err(io(format!("create {}", dir.display())))
}

impl Engine {
    /// A new, empty spool file for an upload.
    pub fn spool_file(&self) -> Result<SpoolFile, Error> {
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f");
        let path = self
            .config
            .data_dir
            .join("spool")
            .join(format!("{stamp}-{}-{n}.upload", std::process::id()));
        std::fs::File::create(&path).map_err(io(format!("create {}", path.display())))?;
        Ok(SpoolFile { path })
    }

    /// The largest upload accepted in `format`: streamed formats may be up to
    /// `limits.max_stream_import_bytes`, the others up to `limits.max_import_bytes`.
    pub fn upload_limit(&self, format: Format) -> (u64, &'static str) {
        let l = &self.config.limits;
        if is_streamable(format) {
            (l.max_stream_import_bytes, "limits.max_stream_import_bytes")
        } else {
            (l.max_import_bytes as u64, "limits.max_import_bytes")
        }
    }

    /// Imports the file at `path` (named `name` in messages and the job). N-Triples, N-Quads
    /// and Turtle files larger than `limits.stream_import_above_bytes` are streamed into a
    /// new graph generation in bounded memory; other uploads go through
    /// [`Engine::import_with_progress`].
    pub fn import_file(
        &self,
        merchant_id: &MerchantId,
        path: &Path,
        name: &str,
        format: Format,
        mode: Mode,
        progress: &dyn Fn(usize),
    ) -> Result<Job, Error> {
        let size = std::fs::metadata(path)
            .map_err(io(format!("read {}", path.display())))?
            .len();
        let (limit, setting) = self.upload_limit(format);
        if size > limit {
            return Err(ImportError::TooLarge {
                name: name.to_string(),
                limit,
                setting,
            }
            .into());
        }
        if is_streamable(format) && size > self.config.limits.stream_import_above_bytes {
            return self.import_streamed(merchant_id, path, name, format, mode, progress);
        }
        let data = std::fs::read(path).map_err(io(format!("read {}", path.display())))?;
        self.import_with_progress(
            merchant_id,
            Upload {
                name,
                format,
                data: &data,
            },
            mode,
            progress,
        )
    }

    #[tracing::instrument(skip_all, fields(merchant = %merchant_id, format = format.name(), ?mode))]
    fn import_streamed(
        &self,
        merchant_id: &MerchantId,
        path: &Path,
        name: &str,
        format: Format,
        mode: Mode,
        progress: &dyn Fn(usize),
    ) -> Result<Job, Error> {
        let (_w, t0, mut job) = self.begin_import(merchant_id, mode, format, name, true)?;
        let graph = self.knowledge.graph();
        let live = graph.live_graph(merchant_id)?;
        let next = graph.next_generation(merchant_id)?;
        let built = self.build_generation(merchant_id, path, name, format, mode, &live, &next, &mut job, progress);
        let rejected = built.is_ok() && job.validation.as_ref().is_some_and(|v| v.violations > 0);
        if rejected || built.is_err() {
            graph.drop_graph_chunked(next.as_ref())?;
        }
        if let Err(e) = built {
            return Err(self.fail_job(&mut job, t0, e));
        }
        if rejected {
            job.status = JobStatus::Rejected;
            job.timings.total_ms = ms(t0);
            self.save_job(&job)?;
            return Err(Error::Rejected(Box::new(job)));
        }
        let marker = self.config.data_dir.join(REINDEX_MARKER);
        std::fs::write(&marker, merchant_id.as_bytes()).map_err(io("write reindex marker".into()))?;
        let s = Instant::now();
        graph.set_live_graph(merchant_id, next.as_ref())?;
        self.knowledge.invalidate(merchant_id);
        if live != next {
            graph.drop_graph_chunked(live.as_ref())?;
        }
        job.timings.write_ms += ms(s);
        self.reindex_after_write(merchant_id, &mut job, &marker, t0)?;
        Ok(job)
    }

    /// Steps 1–3: the new generation `next`, complete and validated (`job.validation` says
    /// whether it has violations), or why it could not be built.
    #[allow(clippy::too_many_arguments)]
    fn build_generation(
        &self,
        merchant_id: &MerchantId,
        path: &Path,
        name: &str,
        format: Format,
        mode: Mode,
        live: &oxigraph::model::NamedNode,
        next: &oxigraph::model::NamedNode,
        job: &mut Job,
        progress: &dyn Fn(usize),
    ) -> Result<(), Error> {
        let graph = self.knowledge.graph();
        let rdf = format
            .rdf()
            .ok_or_else(|| ImportError::UnsupportedFormat(format.name().to_string()))?;
        let open = || std::fs::File::open(path).map_err(io(format!("read {}", path.display())));
        let depth = self.config.limits.max_import_depth;
        import::structure::check_stream(name, format, std::io::BufReader::new(open()?), depth)?;
        let file = open()?;
        let canonical = merchant_graph(merchant_id);
        let base = import::merchant_base(merchant_id);
        let s = Instant::now();
        let mut n = 0usize;
        let triples = import::read_rdf(
            name,
            rdf,
            std::io::BufReader::with_capacity(1 << 20, file),
            &base,
            Some(canonical.as_ref()),
            self.config.limits.max_stream_import_triples,
        )?
        .inspect(|t| {
            if t.is_ok() {
                n += 1;
                if n.is_multiple_of(PROGRESS_EVERY) {
                    progress(n);
                }
            }
        });
        let parsed = graph.bulk_load(next.as_ref(), triples).map_err(bulk_error)?;
        progress(parsed);
        job.timings.parse_ms = ms(s);
        if parsed == 0 {
            return Err(ImportError::Empty(name.to_string()).into());
        }
        job.counts.triples_parsed = parsed;
        let upload = graph.data_graph(next.as_ref());
        job.counts.subjects_touched = upload.distinct_subjects().filter(|s| s.is_named_node()).count();
        let s = Instant::now();
        if mode == Mode::Merge && live != next {
            let old = graph.data_graph(live.as_ref());
            let carry = Carry::new(&old, &upload);
            let kept = graph.graph_quads(live.as_ref()).filter_map(|q| match q {
                Err(e) => Some(Err(e)),
                Ok(q) => carry.keeps(&q).then(|| Ok(Triple::from(q))),
            });
            graph.bulk_load(next.as_ref(), kept).map_err(bulk_error)?;
            if let Some(e) = old.take_error().or_else(|| upload.take_error()) {
                return Err(e.into());
            }
        }
        job.timings.write_ms = ms(s);
        let s = Instant::now();
        let schema = self.schema();
        let report = self.validate_stored(&schema.shapes, next.as_ref(), Some(&schema.graph))?;
        job.timings.validate_ms = ms(s);
        let rejected = report.violations > 0;
        job.validation = Some(report);
        if rejected {
            return Ok(());
        }
        let (added, removed, after) = diff_counts(graph, live.as_ref(), next.as_ref())?;
        job.counts.triples_added = added;
        job.counts.triples_removed = removed;
        job.counts.triples_after = after;
        tracing::info!(
            parsed,
            after,
            load_ms = job.timings.parse_ms,
            carry_ms = job.timings.write_ms,
            validate_ms = job.timings.validate_ms,
            "generation built and validated"
        );
        Ok(())
    }

    /// Validates a stored graph against `shapes`, a chunk of subjects at a time.
    pub(super) fn validate_stored(
        &self,
        shapes: &Shapes,
        graph: NamedNodeRef<'_>,
        ontology: Option<&Graph>,
    ) -> Result<ShapeReport, Error> {
        let data = self.knowledge.graph().data_graph(graph);
        let mut report = ShapeReport::empty();
        let mut subjects = data.distinct_subjects();
        crate::shacl::validate_subjects(shapes, &data, ontology, &mut subjects, SHACL_CHUNK, &mut |r| {
            report.absorb(&r)
        });
        match data.take_error() {
            Some(e) => Err(e.into()),
            None => Ok(report),
        }
    }
}

/// Formats parsed as a stream (line- or statement-oriented).
fn is_streamable(format: Format) -> bool {
    matches!(format, Format::NTriples | Format::NQuads | Format::Turtle)
}

fn bulk_error(e: BulkError<impl Into<Error>>) -> Error {
    match e {
        BulkError::Input(e) => e.into(),
        BulkError::Store(e) => e.into(),
    }
}

/// Which live triples a merge carries into the new generation: those whose (subject,
/// predicate) the upload does not state, and whose blank subject is still referenced by a
/// carried triple.
struct Carry<'a> {
    old: &'a StoredGraph,
    upload: &'a StoredGraph,
    blanks: RefCell<HashMap<BlankNode, bool>>,
}

impl<'a> Carry<'a> {
    fn new(old: &'a StoredGraph, upload: &'a StoredGraph) -> Self {
        Carry {
            old,
            upload,
            blanks: RefCell::new(HashMap::new()),
        }
    }

    fn restated(&self, s: &NamedOrBlankNode, p: NamedNodeRef<'_>) -> bool {
        !self.upload.objects(s.as_ref(), p).is_empty()
    }

    fn keeps(&self, q: &Quad) -> bool {
        if self.restated(&q.subject, q.predicate.as_ref()) {
            return false;
        }
        match &q.subject {
            NamedOrBlankNode::NamedNode(_) => true,
            NamedOrBlankNode::BlankNode(b) => self.blank_kept(b),
        }
    }

    /// A blank node stays if nothing pointed at it, or some carried triple still does.
    fn blank_kept(&self, b: &BlankNode) -> bool {
        if let Some(k) = self.blanks.borrow().get(b) {
            return *k;
        }
        // Provisionally dropped, so a cycle of blank nodes cannot keep itself.
        self.blanks.borrow_mut().insert(b.clone(), false);
        let incoming = self.old.incoming(b.as_ref().into());
        let kept = incoming.is_empty()
            || incoming.iter().any(|(s, p)| {
                !self.restated(s, p.as_ref())
                    && match s {
                        NamedOrBlankNode::NamedNode(_) => true,
                        NamedOrBlankNode::BlankNode(parent) => self.blank_kept(parent),
                    }
            });
        self.blanks.borrow_mut().insert(b.clone(), kept);
        kept
    }
}

/// (added, removed, after): triples of `next` not in `live`, of `live` not in `next`, and
/// the size of `next`, by streaming both graphs.
fn diff_counts(
    graph: &crate::store::GraphStore,
    live: NamedNodeRef<'_>,
    next: NamedNodeRef<'_>,
) -> Result<(usize, usize, usize), StoreError> {
    let (mut added, mut removed, mut after) = (0, 0, 0);
    if graph.graph_quads(live).next().is_none() {
        // A new merchant: everything is added, and there is nothing to look up.
        let n = graph.graph_len(next)?;
        return Ok((n, 0, n));
    }
    for q in graph.graph_quads(next) {
        let q = q?;
        after += 1;
        if !graph.graph_contains(live, q.subject.as_ref(), q.predicate.as_ref(), q.object.as_ref())? {
            added += 1;
        }
    }
    for q in graph.graph_quads(live) {
        let q = q?;
        if !graph.graph_contains(next, q.subject.as_ref(), q.predicate.as_ref(), q.object.as_ref())? {
            removed += 1;
        }
    }
    Ok((added, removed, after))
}
