//! Merchant imports, subject deletion and export: parse → plan → SHACL → one graph
//! transaction → re-index only the passages whose text changed.
//!
//! Crash safety: nothing is written before validation passes; the graph change is one
//! oxigraph transaction; the re-index marker is written before it and removed after the
//! indexes are in step, so an interrupted import either never happened (no commit) or has
//! its passages re-derived at the next start. A job is acknowledged only after both.

use super::{Engine, REINDEX_MARKER, merchant_lexicon};
use crate::Error;
use crate::import::jobs::{JobError, ShapeReport};
use crate::import::merge::{self, Change, Mode};
use crate::import::{self, Format, Job, JobStatus, Upload};
use crate::merchant_id::MerchantId;
use crate::store::graph::merchant_graph;
use crate::store::passages::{Passage, verbalise};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// Changed passages embedded and indexed per step of an import's re-index.
const SYNC_CHUNK: usize = 1_024;

/// Milliseconds since `t`, for job timings.
pub(super) fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

impl Engine {
    /// Imports one upload into `merchant_id`'s graph (creating the merchant when new).
    ///
    /// Returns the succeeded job. A syntax or table error gives [`Error::Import`]; SHACL
    /// violations give [`Error::Rejected`] with the report; in both cases nothing changes.
    pub fn import(&self, merchant_id: &MerchantId, upload: Upload<'_>, mode: Mode) -> Result<Job, Error> {
        self.import_with_progress(merchant_id, upload, mode, &|_| {})
    }

    /// [`Engine::import`], calling `progress` with the triples parsed so far (every
    /// [`import::PROGRESS_EVERY`] and at the end).
    #[tracing::instrument(skip_all, fields(merchant = %merchant_id, format = upload.format.name(), ?mode))]
    pub fn import_with_progress(
        &self,
        merchant_id: &MerchantId,
        upload: Upload<'_>,
        mode: Mode,
        progress: &dyn Fn(usize),
    ) -> Result<Job, Error> {
        let (_w, t0, mut job) = self.begin_import(merchant_id, mode, upload.format, upload.name, false)?;
        let current = self
            .knowledge
            .graph()
            .graph_copy(self.knowledge.graph().live_graph(merchant_id)?.as_ref())?;
        let s = Instant::now();
        let parsed = import::parse(
            upload,
            merchant_id,
            merchant_graph(merchant_id).as_ref(),
            &self.csv_mapping,
            &current,
            &(&self.config.limits).into(),
            progress,
        );
        job.timings.parse_ms = ms(s);
        let triples = match parsed {
            Ok(t) => t,
            Err(e) => return Err(self.fail_job(&mut job, t0, e.into())),
        };
        job.counts.triples_parsed = triples.len();
        let change = merge::plan(&current, triples, mode);
        let s = Instant::now();
        let schema = self.schema();
        let report = crate::shacl::validate(&schema.shapes, &change.after, Some(&schema.graph));
        job.timings.validate_ms = ms(s);
        let report = ShapeReport::from(&report);
        let rejected = report.violations > 0;
        job.validation = Some(report);
        if rejected {
            job.status = JobStatus::Rejected;
            job.timings.total_ms = ms(t0);
            self.save_job(&job)?;
            return Err(Error::Rejected(Box::new(job)));
        }
        self.commit(merchant_id, &mut job, change, t0)?;
        Ok(job)
    }

    /// Removes a subject's facts (and references to it, and blank nodes only it used) from
    /// the merchant's graph, and its passages from the indexes.
    #[tracing::instrument(skip_all, fields(merchant = %merchant_id))]
    pub fn delete_subject(&self, merchant_id: &MerchantId, iri: &str) -> Result<Job, Error> {
        let subject = oxigraph::model::NamedNode::new(iri)
            .map_err(|e| Error::invalid("iri", format!("not an absolute IRI: {e}")))?;
        let subject = import::normalise_iri(subject);
        self.facts(merchant_id)?;
        let _w = self.writer()?;
        let t0 = Instant::now();
        let current = self
            .knowledge
            .graph()
            .graph_copy(self.knowledge.graph().live_graph(merchant_id)?.as_ref())?;
        // Only a subject of the merchant's own graph, never a schema term it merely uses
        // (deleting `schema:Product` would strip the type from every product).
        let schema = self.schema();
        let own_subject = current.triples_for_subject(subject.as_ref()).next().is_some();
        let schema_term = subject.as_str().starts_with(import::SCHEMA)
            || schema.graph.triples_for_subject(subject.as_ref()).next().is_some();
        if !own_subject || schema_term {
            return Err(Error::NotFound(format!(
                "subject <{}> in merchant {merchant_id} (only subjects of the merchant's own graph can be deleted, never schema terms)",
                subject.as_str()
            )));
        }
        let change = merge::delete_subject(&current, subject.as_ref());
        let mut job = self.jobs.start(merchant_id, "delete", Mode::Merge, None, iri);
        self.save_job(&job)?;
        let s = Instant::now();
        let report = crate::shacl::validate(&schema.shapes, &change.after, Some(&schema.graph));
        job.timings.validate_ms = ms(s);
        job.validation = Some(ShapeReport::from(&report));
        self.commit(merchant_id, &mut job, change, t0)?;
        Ok(job)
    }

    /// A merchant's import job.
    pub fn job(&self, merchant_id: &MerchantId, job_id: &str) -> Result<Job, Error> {
        self.facts(merchant_id)?;
        self.jobs
            .get(merchant_id, job_id)
            .ok_or_else(|| Error::NotFound(format!("import job {job_id} of merchant {merchant_id}")))
    }

    /// The merchant's graph serialised in `format` (any RDF format; not CSV).
    pub fn export(&self, merchant_id: &MerchantId, format: Format) -> Result<Vec<u8>, Error> {
        self.facts(merchant_id)?;
        let rdf = format.export_format().ok_or_else(|| {
            Error::invalid(
                "format",
                format!(
                    "{} is import-only; export as turtle, ntriples, nquads, jsonld or rdfxml",
                    format.name()
                ),
            )
        })?;
        let graph = self.knowledge.graph();
        Ok(graph.export(
            graph.live_graph(merchant_id)?.as_ref(),
            merchant_graph(merchant_id).as_ref(),
            rdf,
        )?)
    }

    /// Records `e` on the job as its failure and saves it; returns `e` (or the error of
    /// saving the job, if that fails too).
    /// The opening of both import paths: the merchant id checked, the writer lock held,
    /// the job started and saved (`streamed` set for the streamed path).
    pub(super) fn begin_import(
        &self,
        merchant_id: &MerchantId,
        mode: Mode,
        format: Format,
        name: &str,
        streamed: bool,
    ) -> Result<(std::sync::MutexGuard<'_, ()>, Instant, Job), Error> {
        let w = self.writer()?;
        let t0 = Instant::now();
        let mut job = self.jobs.start(merchant_id, "import", mode, Some(format), name);
        job.streamed = streamed;
        self.save_job(&job)?;
        Ok((w, t0, job))
    }

    pub(super) fn fail_job(&self, job: &mut Job, t0: Instant, e: Error) -> Error {
        job.status = JobStatus::Failed;
        job.error = Some(JobError {
            code: e.code().into(),
            message: e.to_string(),
            details: match &e {
                Error::Import(i) => i.details(),
                _ => serde_json::Value::Null,
            },
        });
        job.timings.total_ms = ms(t0);
        match self.save_job(job) {
            Ok(()) => e,
            Err(saving) => saving,
        }
    }

    pub(super) fn save_job(&self, job: &Job) -> Result<(), Error> {
        self.jobs.save(job).map_err(|source| Error::Io {
            context: format!("save import job {}", job.id),
            source,
        })
    }

    /// Writes a validated change and brings the indexes in step; the job succeeds.
    fn commit(&self, merchant_id: &MerchantId, job: &mut Job, change: Change, t0: Instant) -> Result<(), Error> {
        let marker = self.config.data_dir.join(REINDEX_MARKER);
        std::fs::write(&marker, merchant_id.as_bytes()).map_err(|source| Error::Io {
            context: "write reindex marker".into(),
            source,
        })?;
        job.counts.triples_added = change.added.len();
        job.counts.triples_removed = change.removed.len();
        job.counts.triples_after = change.after.len();
        job.counts.subjects_touched = change.touched_subjects().len();
        let s = Instant::now();
        let graph = self.knowledge.graph().live_graph(merchant_id)?;
        let written = self
            .knowledge
            .graph()
            .apply_diff(graph.as_ref(), &change.removed, &change.added, true);
        self.knowledge.invalidate(merchant_id);
        job.timings.write_ms = ms(s);
        if let Err(e) = written {
            return Err(self.fail_job(job, t0, e.into()));
        }
        self.reindex_after_write(merchant_id, job, &marker, t0)
    }

    /// After a committed graph change: re-derives the merchant's passages, re-indexes the
    /// changed ones, removes the re-index marker and marks the job succeeded.
    pub(super) fn reindex_after_write(
        &self,
        merchant_id: &MerchantId,
        job: &mut Job,
        marker: &std::path::Path,
        t0: Instant,
    ) -> Result<(), Error> {
        let s = Instant::now();
        let facts = self.facts(merchant_id)?;
        self.text.add_lexicon(&merchant_lexicon(&facts));
        let passages = verbalise(&facts, &self.prompts)?;
        let (reindexed, removed) = self.sync_passages(merchant_id, &passages)?;
        job.counts.passages_reindexed = reindexed;
        job.counts.passages_removed = removed;
        job.timings.index_ms = ms(s);
        std::fs::remove_file(marker).map_err(|source| Error::Io {
            context: "remove reindex marker".into(),
            source,
        })?;
        job.status = JobStatus::Succeeded;
        job.timings.total_ms = ms(t0);
        self.save_job(job)?;
        tracing::info!(job = %job.id, added = job.counts.triples_added, removed = job.counts.triples_removed,
            reindexed, "import committed");
        Ok(())
    }

    /// Brings the indexed passages of `scope` to `passages`: embeds and indexes only the new
    /// or changed ones and deletes the ones that are gone. Returns (re-indexed, removed).
    fn sync_passages(&self, scope: &str, passages: &[Passage]) -> Result<(usize, usize), Error> {
        let old: HashMap<String, Passage> = self
            .text
            .passages_of(scope)?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        let keep: HashSet<&str> = passages.iter().map(|p| p.id.as_str()).collect();
        let changed: Vec<Passage> = passages
            .iter()
            .filter(|p| {
                old.get(&p.id).is_none_or(|o| {
                    o.text != p.text || o.title != p.title || o.subject != p.subject || o.kind != p.kind
                })
            })
            .cloned()
            .collect();
        let gone: Vec<&Passage> = old.values().filter(|p| !keep.contains(p.id.as_str())).collect();
        if !gone.is_empty() {
            self.vectors
                .delete_points(&gone.iter().map(|p| p.numeric_id()).collect::<Vec<_>>())?;
            let gone_ids: Vec<String> = gone.iter().map(|p| p.id.clone()).collect();
            self.text.update(&gone_ids, &[])?;
        }
        // Changed passages are new texts: embed them directly (the on-disk cache serves full
        // re-indexes), a chunk at a time so that memory does not grow with the catalogue.
        for chunk in changed.chunks(SYNC_CHUNK) {
            let texts: Vec<String> = chunk.iter().map(|p| p.text.clone()).collect();
            let vectors = self.embedder.embed_passages(&texts)?;
            self.vectors.upsert(super::vector_points(scope, chunk, vectors))?;
            let ids: Vec<String> = chunk.iter().map(|p| p.id.clone()).collect();
            self.text.update(&ids, chunk)?;
        }
        Ok((changed.len(), gone.len()))
    }
}
