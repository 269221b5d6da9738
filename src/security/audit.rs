//! The audit trail: one JSON line per operation in `{data_dir}/audit/audit.jsonl`, each
//! carrying SM3(previous hash ‖ record), so that an edited, inserted or deleted record
//! breaks the chain ([`AuditLog::verify`]). Appends are fsynced before the caller goes on
//! (an acknowledged record survives a crash); a torn last line, never acknowledged, is cut
//! at open. Pruning past the retention keeps the chain verifiable by writing a checkpoint
//! (the last pruned record's sequence number and hash) as the new first line.
//!
//! The chain alone cannot show its newest records cut off the end, or the whole file rewritten
//! with every hash recomputed. So each append also writes the signed head, `head.json`: the
//! newest record's sequence number and hash under HMAC-SM3 with the audit key
//! ([`super::audit_key`]), which is not in the trail. `verify` checks the file's end against it;
//! an append that finds the head disagreeing with the file records that first
//! (`audit.head_mismatch`), so the evidence stays in the chain.

use super::{SecurityError, lock_file, sm3_hex, write_atomic};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The action of the record an append writes when the signed head disagrees with the file.
pub const HEAD_MISMATCH: &str = "audit.head_mismatch";

/// The newest record's sequence number and hash, signed: `{dir}/head.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SignedHead {
    seq: u64,
    hash: String,
    /// HMAC-SM3(audit key, "zhiku-audit-head\n{seq}\n{hash}"), lowercase hex.
    mac: String,
}

fn head_mac(key: &[u8], seq: u64, hash: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = match hmac::Hmac::<sm3::Sm3>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(format!("zhiku-audit-head\n{seq}\n{hash}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// What the caller records; the log adds the time, sequence number and hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRecord {
    /// Key id (`k_…`), `cli` for the local operator, `anonymous` without a valid key.
    pub actor: String,
    /// The actor's role, when known.
    pub role: Option<String>,
    /// What was done (the access table's action names, `key.create`, …).
    pub action: String,
    /// What it was done to: a merchant id, a key id, a path.
    pub target: String,
    /// `ok`, `denied` or `error`.
    pub outcome: String,
    /// HTTP status, for API calls.
    pub status: Option<u16>,
    /// The request id (`x-request-id`).
    pub request_id: Option<String>,
    /// More about the call (a SPARQL query, a file name), masked.
    pub detail: Option<String>,
}

/// One record as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Sequence number, from 1, without gaps.
    pub seq: u64,
    /// RFC 3339 UTC time with milliseconds.
    pub time: String,
    /// The record's fields.
    #[serde(flatten)]
    pub fields: NewRecord,
    /// The previous record's hash (64 zeros for the first).
    pub prev: String,
    /// SM3(prev ‖ "\n" ‖ this record without `hash`), lowercase hex.
    pub hash: String,
}

#[derive(Serialize)]
struct Unhashed<'a> {
    seq: u64,
    time: &'a str,
    #[serde(flatten)]
    fields: &'a NewRecord,
    prev: &'a str,
}

impl AuditRecord {
    fn compute_hash(&self) -> String {
        let body = serde_json::to_string(&Unhashed {
            seq: self.seq,
            time: &self.time,
            fields: &self.fields,
            prev: &self.prev,
        })
        .unwrap_or_default();
        sm3_hex(format!("{}\n{body}", self.prev).as_bytes())
    }
}

/// The first line after a prune: where the kept chain starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Sequence number of the last pruned record.
    pub seq: u64,
    /// Its hash: the first kept record's `prev`.
    pub hash: String,
    /// Records older than this were pruned.
    pub pruned_before: String,
    /// When the prune ran.
    pub time: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum Line {
    Checkpoint { checkpoint: Checkpoint },
    Record(AuditRecord),
}

/// A query of the trail (`GET /v1/audit`): every filter is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this actor (key id).
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// From this RFC 3339 time on.
    pub from: Option<String>,
    /// Before this RFC 3339 time.
    pub to: Option<String>,
    /// Only records after this sequence number (paging).
    pub after: Option<u64>,
    /// At most this many records (default 100, at most 1000).
    pub limit: Option<usize>,
}

/// A page of matching records, oldest first; `next_after` continues it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditPage {
    /// The records.
    pub records: Vec<AuditRecord>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<u64>,
}

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Records checked.
    pub records: u64,
    /// The checkpoint the chain starts from, after a prune.
    pub checkpoint: Option<Checkpoint>,
    /// The last record's sequence number and hash.
    pub head: Option<(u64, String)>,
    /// The first break: line number (1-based) and what is wrong. `None`: the chain holds.
    pub broken: Option<(usize, String)>,
}

struct Head {
    seq: u64,
    hash: String,
    len: u64,
    /// Whether the signed head was checked against this state of the file.
    checked: bool,
}

/// The audit trail of one data dir.
pub struct AuditLog {
    dir: PathBuf,
    path: PathBuf,
    key: Vec<u8>,
    head: Mutex<Head>,
}

fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn parse_time(field: &str, s: &str) -> Result<DateTime<Utc>, SecurityError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| SecurityError::invalid(field, format!("{s:?} is not an RFC 3339 time: {e}")))
}

/// The last complete line of the file and the file's length, cutting a torn tail: bytes
/// after the last newline, and a last line that does not parse (neither was acknowledged).
fn repair_tail(path: &Path) -> Result<(Option<Line>, u64), SecurityError> {
    let mut f = match std::fs::OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((None, 0)),
        Err(e) => return Err(SecurityError::io(format!("open {}", path.display()))(e)),
    };
    let io = |what: &str| SecurityError::io(format!("{what} {}", path.display()));
    let mut len = f.metadata().map_err(io("stat"))?.len();
    let mut window = 64 * 1024u64;
    let mut tail = Vec::new();
    loop {
        let start = len.saturating_sub(window);
        f.seek(SeekFrom::Start(start)).map_err(io("seek"))?;
        tail.clear();
        (&mut f).take(len - start).read_to_end(&mut tail).map_err(io("read"))?;
        let complete = tail.iter().rposition(|&b| b == b'\n').map(|i| i + 1);
        let line_start = complete.map(|c| tail[..c - 1].iter().rposition(|&b| b == b'\n').map(|i| i + 1));
        let (complete, line_start) = match (complete, line_start) {
            (Some(c), Some(Some(l))) => (c, l),
            (Some(c), Some(None)) if start == 0 => (c, 0),
            (None, _) if start == 0 => (0, 0),
            // the last line may begin before the window
            _ => {
                window *= 4;
                continue;
            }
        };
        let cut_to = start + complete as u64;
        if cut_to < len {
            tracing::warn!(path = %path.display(), bytes = len - cut_to, "audit: cut a torn last line");
            f.set_len(cut_to).map_err(io("truncate"))?;
            f.sync_all().map_err(io("sync"))?;
            len = cut_to;
        }
        if complete == 0 {
            return Ok((None, 0));
        }
        match serde_json::from_slice::<Line>(&tail[line_start..complete - 1]) {
            Ok(line) => return Ok((Some(line), len)),
            Err(_) => {
                tracing::warn!(path = %path.display(), "audit: cut an unreadable last line");
                len = start + line_start as u64;
                f.set_len(len).map_err(io("truncate"))?;
                f.sync_all().map_err(io("sync"))?;
            }
        }
    }
}

fn head_of(line: Option<Line>, len: u64) -> Head {
    match line {
        Some(Line::Record(r)) => Head {
            seq: r.seq,
            hash: r.hash,
            len,
            checked: false,
        },
        Some(Line::Checkpoint { checkpoint }) => Head {
            seq: checkpoint.seq,
            hash: checkpoint.hash,
            len,
            checked: false,
        },
        None => Head {
            seq: 0,
            hash: GENESIS.to_string(),
            len,
            checked: false,
        },
    }
}

/// A record of the local operator (the `zhiku` command, or the log itself) doing `action`.
fn operator_record(action: &str, target: &str, outcome: &str, detail: Option<String>) -> NewRecord {
    let operator = super::Principal::operator();
    NewRecord {
        actor: operator.key_id,
        role: Some(operator.role.name().to_string()),
        action: action.to_string(),
        target: target.to_string(),
        outcome: outcome.to_string(),
        detail,
        ..NewRecord::default()
    }
}

impl AuditLog {
    /// Opens (or creates) the trail in `dir`, cutting a torn last line; `key` signs its head.
    pub fn open(dir: &Path, key: Vec<u8>) -> Result<Self, SecurityError> {
        std::fs::create_dir_all(dir).map_err(SecurityError::io(format!("create {}", dir.display())))?;
        let path = dir.join("audit.jsonl");
        let _lock = lock_file(dir, "audit")?;
        let (last, len) = repair_tail(&path)?;
        Ok(AuditLog {
            dir: dir.to_path_buf(),
            key,
            head: Mutex::new(head_of(last, len)),
            path,
        })
    }

    fn head_path(&self) -> PathBuf {
        self.dir.join("head.json")
    }

    /// The signed head as stored: `Ok(None)` when there is none, `Err` with what is wrong when
    /// it cannot be read.
    fn signed_head(&self) -> Result<Option<SignedHead>, String> {
        let path = self.head_path();
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice::<SignedHead>(&b)
                .map(Some)
                .map_err(|e| format!("the signed head {} is unreadable: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("the signed head {} cannot be read: {e}", path.display())),
        }
    }

    /// What is wrong between the signed head `stored` ([`Self::signed_head`]) and the file,
    /// whose last record (or checkpoint) is `last`; `at_head` is the hash of the record the
    /// signed head names, when the caller walked past it. `None`: they agree, or the head lags
    /// behind the file (a crash between an append and its head).
    fn head_problem(
        &self,
        stored: Result<Option<SignedHead>, String>,
        last: (u64, &str),
        at_head: Option<&str>,
    ) -> Option<String> {
        let name = self.head_path().display().to_string();
        let head = match stored {
            Ok(Some(h)) => h,
            Ok(None) => return (last.0 > 0).then(|| format!("the signed head {name} is missing")),
            Err(problem) => return Some(problem),
        };
        let mac = head_mac(&self.key, head.seq, &head.hash);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(mac.as_bytes(), head.mac.as_bytes())) {
            return Some(format!(
                "the signed head {name} was altered, or signed with another audit key"
            ));
        }
        if head.seq > last.0 {
            return Some(format!(
                "records {}..={} were cut from the end (the signed head is record {})",
                last.0 + 1,
                head.seq,
                head.seq
            ));
        }
        let hash = if head.seq == last.0 { Some(last.1) } else { at_head };
        match hash {
            Some(h) if h != head.hash => Some(format!(
                "record {} is not the one the signed head names: the trail was rewritten",
                head.seq
            )),
            _ => None,
        }
    }

    /// Writes the signed head for `(seq, hash)`: a temp file renamed over the old one. Not
    /// fsynced: after a power loss it may lag behind the file, which verify accepts.
    fn write_head(&self, seq: u64, hash: &str) -> Result<(), SecurityError> {
        let head = SignedHead {
            seq,
            hash: hash.to_string(),
            mac: head_mac(&self.key, seq, hash),
        };
        let path = self.head_path();
        let tmp = path.with_extension("tmp");
        let bytes = serde_json::to_vec(&head).map_err(|e| SecurityError::Corrupt(e.to_string()))?;
        std::fs::write(&tmp, bytes)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(SecurityError::io(format!("write {}", path.display())))
    }

    /// The trail's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record and fsyncs it before returning: once this returns, the record
    /// survives a crash. Another process's appends (the `zhiku` command beside a running
    /// server) are seen through the file lock and chained onto.
    pub fn append(&self, fields: NewRecord) -> Result<AuditRecord, SecurityError> {
        let mut head = self.head.lock().unwrap_or_else(|p| p.into_inner());
        let _lock = lock_file(&self.dir, "audit")?;
        let len = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        if len != head.len {
            let (last, len) = repair_tail(&self.path)?;
            *head = head_of(last, len);
        }
        if !head.checked {
            if let Some(problem) = self.head_problem(self.signed_head(), (head.seq, &head.hash), None) {
                tracing::error!(%problem, "audit: the trail disagrees with its signed head");
                let noted = operator_record(HEAD_MISMATCH, &self.path.display().to_string(), "error", Some(problem));
                self.write_record(&mut head, noted)?;
            }
            head.checked = true;
        }
        self.write_record(&mut head, fields)
    }

    fn write_record(&self, head: &mut Head, fields: NewRecord) -> Result<AuditRecord, SecurityError> {
        let mut record = AuditRecord {
            seq: head.seq + 1,
            time: now_rfc3339(),
            fields,
            prev: head.hash.clone(),
            hash: String::new(),
        };
        record.hash = record.compute_hash();
        let mut line = serde_json::to_vec(&record).map_err(|e| SecurityError::Corrupt(e.to_string()))?;
        line.push(b'\n');
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(SecurityError::io(format!("open {}", self.path.display())))?;
        f.write_all(&line)
            .and_then(|_| f.sync_data())
            .map_err(SecurityError::io(format!("append to {}", self.path.display())))?;
        *head = Head {
            seq: record.seq,
            hash: record.hash.clone(),
            len: head.len + line.len() as u64,
            checked: true,
        };
        self.write_head(record.seq, &record.hash)?;
        Ok(record)
    }

    /// Appends a record of the local operator (the `zhiku` command) doing `action`.
    pub fn append_operator(
        &self,
        action: &str,
        target: &str,
        outcome: &str,
        detail: Option<String>,
    ) -> Result<AuditRecord, SecurityError> {
        self.append(operator_record(action, target, outcome, detail))
    }

    fn lines(&self) -> Result<impl Iterator<Item = std::io::Result<String>>, SecurityError> {
        let f = match std::fs::File::open(&self.path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(SecurityError::io(format!("open {}", self.path.display()))(e)),
        };
        Ok(f.into_iter().flat_map(|f| std::io::BufReader::new(f).lines()))
    }

    /// Records matching `q`, oldest first, one page at a time.
    pub fn query(&self, q: &AuditQuery) -> Result<AuditPage, SecurityError> {
        let from = q.from.as_deref().map(|s| parse_time("from", s)).transpose()?;
        let to = q.to.as_deref().map(|s| parse_time("to", s)).transpose()?;
        let limit = q.limit.unwrap_or(100);
        if limit == 0 || limit > 1000 {
            return Err(SecurityError::invalid("limit", "use 1 to 1000"));
        }
        let mut records = Vec::new();
        let mut more = false;
        for line in self.lines()? {
            let line = line.map_err(SecurityError::io(format!("read {}", self.path.display())))?;
            let Ok(Line::Record(r)) = serde_json::from_str::<Line>(&line) else {
                continue;
            };
            if q.after.is_some_and(|a| r.seq <= a)
                || q.actor.as_ref().is_some_and(|a| *a != r.fields.actor)
                || q.action.as_ref().is_some_and(|a| *a != r.fields.action)
            {
                continue;
            }
            if from.is_some() || to.is_some() {
                let t = parse_time("time", &r.time)?;
                if from.is_some_and(|f| t < f) || to.is_some_and(|e| t >= e) {
                    continue;
                }
            }
            if records.len() == limit {
                more = true;
                break;
            }
            records.push(r);
        }
        let next_after = if more { records.last().map(|r| r.seq) } else { None };
        Ok(AuditPage { records, next_after })
    }

    /// Walks the whole chain: sequence numbers without gaps, each `prev` the previous hash,
    /// each hash recomputed, no recorded head mismatch; then checks the file's end against
    /// the signed head. A break at the line after the last names the end.
    pub fn verify(&self) -> Result<VerifyReport, SecurityError> {
        let _lock = lock_file(&self.dir, "audit")?;
        let mut report = VerifyReport {
            records: 0,
            checkpoint: None,
            head: None,
            broken: None,
        };
        let (mut seq, mut prev) = (0u64, GENESIS.to_string());
        let stored = self.signed_head();
        let signed_seq = stored.as_ref().ok().and_then(|h| h.as_ref()).map(|h| h.seq);
        let mut at_head: Option<String> = None;
        let mut lines = 0;
        for (i, line) in self.lines()?.enumerate() {
            let n = i + 1;
            lines = n;
            let line = line.map_err(SecurityError::io(format!("read {}", self.path.display())))?;
            let parsed = serde_json::from_str::<Line>(&line);
            let problem = match parsed {
                Err(e) => Some(format!("not an audit record: {e}")),
                Ok(Line::Checkpoint { checkpoint }) if n == 1 => {
                    seq = checkpoint.seq;
                    prev = checkpoint.hash.clone();
                    if signed_seq == Some(seq) {
                        at_head = Some(prev.clone());
                    }
                    report.checkpoint = Some(checkpoint);
                    None
                }
                Ok(Line::Checkpoint { .. }) => Some("a checkpoint after the first line".to_string()),
                Ok(Line::Record(r)) => {
                    if r.seq != seq + 1 {
                        Some(format!(
                            "sequence {} follows {seq}: a record is missing or was inserted",
                            r.seq
                        ))
                    } else if r.prev != prev {
                        Some(format!("record {} does not chain to the one before it", r.seq))
                    } else if r.compute_hash() != r.hash {
                        Some(format!("record {} was changed after it was written", r.seq))
                    } else if r.fields.action == HEAD_MISMATCH {
                        Some(format!(
                            "record {}: an append found the trail disagreeing with its signed head: {}",
                            r.seq,
                            r.fields.detail.as_deref().unwrap_or("")
                        ))
                    } else {
                        seq = r.seq;
                        prev = r.hash.clone();
                        if signed_seq == Some(seq) {
                            at_head = Some(prev.clone());
                        }
                        report.records += 1;
                        report.head = Some((r.seq, r.hash));
                        None
                    }
                }
            };
            if let Some(p) = problem {
                report.broken = Some((n, p));
                return Ok(report);
            }
        }
        if let Some(p) = self.head_problem(stored, (seq, &prev), at_head.as_deref()) {
            report.broken = Some((lines + 1, p));
        }
        Ok(report)
    }

    /// Drops the records older than `before`, keeping the chain verifiable: the new first
    /// line is a checkpoint with the last dropped record's sequence number and hash. The
    /// file is replaced atomically. Returns how many records were dropped.
    pub fn prune(&self, before: DateTime<Utc>) -> Result<u64, SecurityError> {
        let mut head = self.head.lock().unwrap_or_else(|p| p.into_inner());
        let _lock = lock_file(&self.dir, "audit")?;
        let mut dropped = 0u64;
        let mut cut: Option<(u64, String)> = None;
        let mut kept: Vec<u8> = Vec::new();
        let mut keeping = false;
        for line in self.lines()? {
            let line = line.map_err(SecurityError::io(format!("read {}", self.path.display())))?;
            if !keeping {
                match serde_json::from_str::<Line>(&line) {
                    Ok(Line::Checkpoint { checkpoint }) => {
                        cut = Some((checkpoint.seq, checkpoint.hash));
                        continue;
                    }
                    Ok(Line::Record(r)) if parse_time("time", &r.time)? < before => {
                        dropped += 1;
                        cut = Some((r.seq, r.hash));
                        continue;
                    }
                    _ => keeping = true,
                }
            }
            kept.extend_from_slice(line.as_bytes());
            kept.push(b'\n');
        }
        if dropped == 0 {
            return Ok(0);
        }
        let Some((seq, hash)) = cut else { return Ok(0) };
        let checkpoint = Line::Checkpoint {
            checkpoint: Checkpoint {
                seq,
                hash,
                pruned_before: before.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                time: now_rfc3339(),
            },
        };
        let mut out = serde_json::to_vec(&checkpoint).map_err(|e| SecurityError::Corrupt(e.to_string()))?;
        out.push(b'\n');
        out.extend_from_slice(&kept);
        write_atomic(&self.path, &out)?;
        let (last, len) = repair_tail(&self.path)?;
        *head = head_of(last, len);
        Ok(dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    fn rec(action: &str) -> NewRecord {
        NewRecord {
            actor: "k_000000000001".into(),
            role: Some("admin".into()),
            action: action.into(),
            target: "m-a".into(),
            outcome: "ok".into(),
            ..NewRecord::default()
        }
    }

    #[test]
    fn chain_verifies_and_query_filters() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path(), KEY.to_vec()).unwrap();
        for a in ["import", "sparql", "import"] {
            log.append(rec(a)).unwrap();
        }
        let v = log.verify().unwrap();
        assert_eq!((v.records, v.broken.clone()), (3, None));
        let page = log
            .query(&AuditQuery {
                action: Some("import".into()),
                limit: Some(1),
                ..AuditQuery::default()
            })
            .unwrap();
        assert_eq!(page.records.len(), 1);
        assert_eq!(page.next_after, Some(1));
        let rest = log
            .query(&AuditQuery {
                action: Some("import".into()),
                after: page.next_after,
                ..AuditQuery::default()
            })
            .unwrap();
        assert_eq!(rest.records.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![3]);
        // a second log on the same file (another process) chains onto the first
        let other = AuditLog::open(dir.path(), KEY.to_vec()).unwrap();
        assert_eq!(other.append(rec("key.create")).unwrap().seq, 4);
        assert_eq!(log.append(rec("export")).unwrap().seq, 5);
        assert_eq!(log.verify().unwrap().broken, None);
    }

    #[test]
    fn a_torn_tail_is_cut_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path(), KEY.to_vec()).unwrap();
        log.append(rec("import")).unwrap();
        log.append(rec("import")).unwrap();
        let path = log.path().to_path_buf();
        drop(log);
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"seq":3,"time":"20"#).unwrap();
        drop(f);
        let log = AuditLog::open(dir.path(), KEY.to_vec()).unwrap();
        assert_eq!(log.append(rec("export")).unwrap().seq, 3);
        assert_eq!(log.verify().unwrap().broken, None);
    }

    #[test]
    fn the_signed_head_shows_a_cut_end_a_rewrite_and_a_lost_head() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path(), KEY.to_vec()).unwrap();
        let actions = ["import", "sparql", "import", "export"];
        let records: Vec<AuditRecord> = actions.iter().map(|a| log.append(rec(a)).unwrap()).collect();
        assert_eq!(log.verify().unwrap().broken, None);
        let path = log.path().to_path_buf();
        let head_path = dir.path().join("head.json");
        let original = std::fs::read_to_string(&path).unwrap();
        let head = std::fs::read(&head_path).unwrap();
        let lines: Vec<&str> = original.lines().collect();
        drop(log);

        // the newest two records cut off the end
        std::fs::write(&path, lines[..2].join("\n") + "\n").unwrap();
        let log = AuditLog::open(dir.path(), KEY.to_vec()).unwrap();
        let (line, why) = log.verify().unwrap().broken.expect("a cut end");
        assert_eq!(line, 3);
        assert!(why.contains("records 3..=4 were cut"), "{why}");
        // an append on the cut trail records the mismatch first; verify keeps reporting it
        assert_eq!(log.append(rec("import")).unwrap().seq, 4);
        let (line, why) = log.verify().unwrap().broken.expect("the recorded mismatch");
        assert_eq!(line, 3);
        assert!(why.contains("cut from the end"), "{why}");
        drop(log);

        // the whole file rewritten, every hash recomputed, by someone without the key
        let forger_dir = tempfile::tempdir().unwrap();
        let forger = AuditLog::open(forger_dir.path(), vec![9; 32]).unwrap();
        for a in actions {
            forger.append(rec(a)).unwrap();
        }
        assert_eq!(forger.verify().unwrap().broken, None);
        std::fs::copy(forger.path(), &path).unwrap();
        std::fs::write(&head_path, &head).unwrap();
        let log = AuditLog::open(dir.path(), KEY.to_vec()).unwrap();
        let (line, why) = log.verify().unwrap().broken.expect("a rewrite");
        assert_eq!(line, 5);
        assert!(why.contains("rewritten"), "{why}");
        // ... with the forger's own head beside it
        std::fs::copy(forger_dir.path().join("head.json"), &head_path).unwrap();
        let (_, why) = log.verify().unwrap().broken.expect("a foreign head");
        assert!(why.contains("another audit key"), "{why}");

        // the original trail without its head
        std::fs::write(&path, &original).unwrap();
        std::fs::remove_file(&head_path).unwrap();
        let (_, why) = log.verify().unwrap().broken.expect("a lost head");
        assert!(why.contains("missing"), "{why}");
        // a head that lags (power lost before it reached the disk) is accepted, and still
        // pins the record it names
        log.write_head(2, &records[1].hash).unwrap();
        assert_eq!(log.verify().unwrap().broken, None);
        log.write_head(2, &records[0].hash).unwrap();
        assert!(
            log.verify()
                .unwrap()
                .broken
                .expect("a pinned record")
                .1
                .contains("record 2")
        );
        std::fs::write(&head_path, &head).unwrap();
        assert_eq!(log.verify().unwrap().broken, None);
    }
}
