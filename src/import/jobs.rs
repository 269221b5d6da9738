//! Import jobs: one JSON record per job under `{data_dir}/imports/`, written atomically
//! (temporary file, then rename) at every status change, so `GET …/imports/{job}` answers
//! after a restart too.

use crate::shacl::{Severity, ValidationReport};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Format, Mode};

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Parsing, validating or writing.
    Running,
    /// Stored and indexed.
    Succeeded,
    /// Refused by validation (SHACL violations); nothing was written.
    Rejected,
    /// Failed (syntax error, storage error, interrupted); nothing was written.
    Failed,
}

/// Triple and passage counts of a job.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct JobCounts {
    /// Triples in the upload.
    pub triples_parsed: usize,
    /// Triples added to the merchant graph.
    pub triples_added: usize,
    /// Triples removed from it.
    pub triples_removed: usize,
    /// Triples in the merchant graph afterwards.
    pub triples_after: usize,
    /// Subjects whose facts changed.
    pub subjects_touched: usize,
    /// Passages embedded and (re-)indexed.
    pub passages_reindexed: usize,
    /// Passages removed from the indexes.
    pub passages_removed: usize,
}

/// Milliseconds per phase of a job.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct JobTimings {
    /// Parsing the upload.
    pub parse_ms: f64,
    /// SHACL validation of the resulting graph.
    pub validate_ms: f64,
    /// The graph transaction.
    pub write_ms: f64,
    /// Passage derivation and indexing.
    pub index_ms: f64,
    /// Everything.
    pub total_ms: f64,
}

/// Most results a job record keeps (the counts stay exact).
pub const MAX_REPORTED_RESULTS: usize = 500;

/// The SHACL validation report of a job.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ShapeReport {
    /// `sh:conforms`: no result of any severity.
    pub conforms: bool,
    /// Results of severity `sh:Violation` (these reject an import).
    pub violations: usize,
    /// Results of severity `sh:Warning` or `sh:Info` (reported, accepted).
    pub warnings: usize,
    /// The results, violations first, at most [`MAX_REPORTED_RESULTS`].
    pub results: Vec<ShapeResult>,
}

/// One SHACL result: focus node, path, value, severity, shape, component and message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShapeResult {
    /// `violation`, `warning` or `info`.
    pub severity: String,
    /// The node that failed (N-Triples form).
    pub focus_node: String,
    /// The property path, for property shapes.
    pub path: Option<String>,
    /// The offending value.
    pub value: Option<String>,
    /// The shape.
    pub source_shape: String,
    /// The SHACL constraint component.
    pub component: String,
    /// What is wrong.
    pub message: String,
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Violation => "violation",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

impl ShapeReport {
    /// A report with no results (conforming), to [`ShapeReport::absorb`] chunks into.
    pub fn empty() -> Self {
        ShapeReport {
            conforms: true,
            violations: 0,
            warnings: 0,
            results: Vec::new(),
        }
    }

    /// Adds the results of one more chunk: counts add up, the listed results stay capped
    /// at [`MAX_REPORTED_RESULTS`], violations first.
    pub fn absorb(&mut self, r: &ValidationReport) {
        let other = ShapeReport::from(r);
        self.conforms &= other.conforms;
        self.violations += other.violations;
        self.warnings += other.warnings;
        self.results.extend(other.results);
        self.results.sort_by_key(|x| x.severity != "violation");
        self.results.truncate(MAX_REPORTED_RESULTS);
    }
}

impl From<&ValidationReport> for ShapeReport {
    fn from(r: &ValidationReport) -> Self {
        let violations = r.violations();
        let mut results: Vec<ShapeResult> = r
            .results
            .iter()
            .map(|x| ShapeResult {
                severity: severity_name(x.severity).to_string(),
                focus_node: x.focus_node.clone(),
                path: x.path.clone(),
                value: x.value.clone(),
                source_shape: x.source_shape.clone(),
                component: x.component.clone(),
                message: x.messages.join("; "),
            })
            .collect();
        results.sort_by_key(|x| x.severity != "violation");
        results.truncate(MAX_REPORTED_RESULTS);
        ShapeReport {
            conforms: r.conforms,
            violations,
            warnings: r.results.len() - violations,
            results,
        }
    }
}

/// An error recorded on a failed job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobError {
    /// Machine-readable code.
    pub code: String,
    /// Human message (names the line or field).
    pub message: String,
    /// Structured details (line, column…).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub details: serde_json::Value,
}

/// One import (or subject deletion) job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// Job id.
    pub id: String,
    /// Merchant.
    pub merchant_id: String,
    /// Status.
    pub status: JobStatus,
    /// `import` or `delete`.
    pub kind: String,
    /// Merge or replace.
    pub mode: Mode,
    /// Upload format (absent for deletions).
    pub format: Option<Format>,
    /// Upload name.
    pub source: String,
    /// When the job started (RFC 3339).
    pub started_at: String,
    /// Counts.
    pub counts: JobCounts,
    /// Timings.
    pub timings: JobTimings,
    /// Whether the upload was streamed into a new graph generation (large files) rather
    /// than parsed in memory and applied as one transaction.
    #[serde(default)]
    pub streamed: bool,
    /// The SHACL report of the resulting graph (violations and warnings).
    pub validation: Option<ShapeReport>,
    /// Why it failed.
    pub error: Option<JobError>,
}

/// The job records of a data dir.
#[derive(Debug)]
pub struct JobStore {
    dir: PathBuf,
    seq: AtomicU64,
}

impl JobStore {
    /// Opens `{data_dir}/imports`, marking jobs left `running` by a crash as `failed`
    /// (their graph transaction never committed, or their re-index resumes at start-up).
    pub fn open(data_dir: &Path) -> std::io::Result<JobStore> {
        let dir = data_dir.join("imports");
        std::fs::create_dir_all(&dir)?;
        let store = JobStore {
            dir,
            seq: AtomicU64::new(0),
        };
        for entry in std::fs::read_dir(&store.dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json")
                && let Some(mut job) = read_job(&path)
                && job.status == JobStatus::Running
            {
                job.status = JobStatus::Failed;
                job.error = Some(JobError {
                    code: "interrupted".into(),
                    message: "the service stopped during this job; nothing of it was acknowledged".into(),
                    details: serde_json::Value::Null,
                });
                store.save(&job)?;
            }
        }
        Ok(store)
    }

    /// A new job record (not yet saved).
    pub fn start(&self, merchant_id: &str, kind: &str, mode: Mode, format: Option<Format>, source: &str) -> Job {
        let now = chrono::Utc::now();
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        Job {
            id: format!("job-{}-{n}", now.format("%Y%m%dT%H%M%S%.6fZ")),
            merchant_id: merchant_id.to_string(),
            status: JobStatus::Running,
            kind: kind.to_string(),
            mode,
            format,
            source: source.to_string(),
            started_at: now.to_rfc3339(),
            counts: JobCounts::default(),
            timings: JobTimings::default(),
            streamed: false,
            validation: None,
            error: None,
        }
    }

    /// Writes a job record atomically, sensitive values masked.
    pub fn save(&self, job: &Job) -> std::io::Result<()> {
        let path = self.dir.join(format!("{}.json", job.id));
        let tmp = path.with_extension("json.tmp");
        // A report may quote an uploaded value: sensitive ones are masked on disk.
        let mut json = serde_json::to_value(job).map_err(std::io::Error::other)?;
        crate::security::mask::mask_json(&mut json);
        let bytes = serde_json::to_vec_pretty(&json).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)
    }

    /// A merchant's job by id; `None` when it does not exist or belongs to someone else.
    pub fn get(&self, merchant_id: &str, id: &str) -> Option<Job> {
        let ok = id.len() <= 80 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !ok || id.contains("..") {
            return None;
        }
        read_job(&self.dir.join(format!("{id}.json"))).filter(|j| j.merchant_id == merchant_id)
    }
}

fn read_job(path: &Path) -> Option<Job> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_and_interrupted_ones_fail_on_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let store = JobStore::open(dir.path()).unwrap();
        let mut job = store.start("m1", "import", Mode::Merge, Some(Format::Turtle), "a.ttl");
        store.save(&job).unwrap();
        assert_eq!(store.get("m1", &job.id).unwrap().status, JobStatus::Running);
        assert!(
            store.get("m2", &job.id).is_none(),
            "another merchant's job is not found"
        );
        assert!(store.get("m1", "../../etc/passwd").is_none());
        let reopened = JobStore::open(dir.path()).unwrap();
        assert_eq!(reopened.get("m1", &job.id).unwrap().status, JobStatus::Failed);
        job.status = JobStatus::Succeeded;
        reopened.save(&job).unwrap();
        assert_eq!(reopened.get("m1", &job.id).unwrap().status, JobStatus::Succeeded);
    }
}
