//! `zhiku eval`: runs QA, intent and validation sets (formats in `../shared/eval/README.md`)
//! against the engine and scores them exactly as the README says.
//!
//! Every set is split into two fixed halves by a hash of the case id (the text, for intent
//! lines): the half rules are tuned on and the half that is only measured ([`Half`]).
//! [`generate`] writes fresh validation cases from any merchant's facts.

pub mod generate;

use crate::Error;
use crate::engine::Engine;
use crate::pipeline::{Clock, Question};
use crate::text::fold;
use crate::validate::Verdict;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Which half of a set to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Half {
    /// Every case.
    All,
    /// The half that rules and words may be tuned on.
    Tune,
    /// The half that is only measured.
    Measure,
}

impl Half {
    /// Whether the case with this id belongs to this half: the parity of the first byte of the
    /// SM3 hash of the id, so the split is fixed, independent of line order, and about even.
    pub fn holds(self, id: &str) -> bool {
        use sm3::Digest;
        let tune = sm3::Sm3::digest(id.as_bytes())[0] % 2 == 0;
        match self {
            Half::All => true,
            Half::Tune => tune,
            Half::Measure => !tune,
        }
    }
}

/// A `must_contain` element: a string, or a list of alternatives.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Term {
    /// Must appear.
    One(String),
    /// One of these must appear.
    Any(Vec<String>),
}

/// One QA case.
#[derive(Debug, Clone, Deserialize)]
pub struct QaCase {
    /// Case id.
    pub id: String,
    /// Merchant.
    pub merchant_id: crate::MerchantId,
    /// Question.
    pub question: String,
    /// Terms that must appear.
    #[serde(default)]
    pub must_contain: Vec<Term>,
    /// Terms that must not appear.
    #[serde(default)]
    pub must_not_contain: Vec<String>,
    /// Expected handoff flag.
    #[serde(default)]
    pub handoff: bool,
    /// Time of the question.
    #[serde(default)]
    pub now: Option<String>,
}

/// One validation case.
#[derive(Debug, Clone, Deserialize)]
pub struct ValidationCase {
    /// Case id.
    pub id: String,
    /// Merchant.
    pub merchant_id: crate::MerchantId,
    /// Question context.
    #[serde(default)]
    pub question: String,
    /// Answer to check.
    pub answer: String,
    /// pass | fail.
    pub expected: String,
    /// Time of the question.
    #[serde(default)]
    pub now: Option<String>,
}

/// QA results.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QaReport {
    /// Cases run.
    pub cases: usize,
    /// Cases passed.
    pub passed: usize,
    /// Failed case ids with the reason.
    pub failures: Vec<(String, String)>,
}

/// Intent results.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IntentReport {
    /// Cases run.
    pub cases: usize,
    /// Exact-match accuracy.
    pub accuracy: f64,
    /// (text, expected, predicted) of the misses.
    pub misses: Vec<(String, String, String)>,
}

/// Validation results.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ValidationReport {
    /// Cases run.
    pub cases: usize,
    /// Flagged fail cases / fail cases.
    pub recall: f64,
    /// Flagged pass cases / pass cases.
    pub false_alarm_rate: f64,
    /// Misclassified ids with the expected label.
    pub misses: Vec<(String, String)>,
}

fn read_lines(path: &Path) -> Result<Vec<(usize, String)>, Error> {
    let s = std::fs::read_to_string(path).map_err(|source| Error::Io {
        context: format!("read {}", path.display()),
        source,
    })?;
    Ok(s.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.to_string()))
        .filter(|(_, l)| !l.trim().is_empty())
        .collect())
}

fn parse_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, Error> {
    read_lines(path)?
        .into_iter()
        .map(|(n, l)| {
            serde_json::from_str(&l).map_err(|e| Error::invalid(&format!("{}:{n}", path.display()), e.to_string()))
        })
        .collect()
}

fn case_clock(now: Option<&str>, default: Clock) -> Result<Clock, Error> {
    match now {
        Some(s) => chrono::DateTime::parse_from_rfc3339(s).map_err(|e| Error::invalid("now", e.to_string())),
        None => Ok(default),
    }
}

/// Whether an answer satisfies a case's terms (NFKC, lower-case, no whitespace, substring).
pub fn qa_terms_ok(answer: &str, must: &[Term], must_not: &[String]) -> Result<(), String> {
    let a = fold(answer);
    for t in must {
        let ok = match t {
            Term::One(s) => a.contains(&fold(s)),
            Term::Any(v) => v.iter().any(|s| a.contains(&fold(s))),
        };
        if !ok {
            return Err(format!("missing {t:?}"));
        }
    }
    for s in must_not {
        if a.contains(&fold(s)) {
            return Err(format!("contains forbidden {s:?}"));
        }
    }
    Ok(())
}

/// Runs a QA file.
pub fn run_qa(engine: &Engine, path: &Path, default_now: Clock, half: Half) -> Result<QaReport, Error> {
    let mut cases: Vec<QaCase> = parse_jsonl(path)?;
    cases.retain(|c| half.holds(&c.id));
    let mut r = QaReport {
        cases: cases.len(),
        ..Default::default()
    };
    let max = engine.config().limits.max_question_chars;
    for c in cases {
        let at = case_clock(c.now.as_deref(), default_now)?;
        let resp = engine.answer(Question::new(c.merchant_id.clone(), &c.question, None, max)?, at)?;
        let mut verdict = qa_terms_ok(&resp.answer, &c.must_contain, &c.must_not_contain);
        if verdict.is_ok() && resp.handoff != c.handoff {
            verdict = Err(format!("handoff {} (expected {})", resp.handoff, c.handoff));
        }
        match verdict {
            Ok(()) => r.passed += 1,
            Err(why) => r.failures.push((
                c.id,
                format!(
                    "{why}; intent {} entities {:?}; answer: {}",
                    resp.intent,
                    resp.entities.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
                    resp.answer
                ),
            )),
        }
    }
    Ok(r)
}

/// Runs an intent TSV file (`text<TAB>intent_id`, header on line 1).
pub fn run_intents(engine: &Engine, path: &Path, half: Half) -> Result<IntentReport, Error> {
    let lines = read_lines(path)?;
    let mut r = IntentReport::default();
    let mut hits = 0;
    for (n, line) in lines.into_iter().skip(1) {
        let Some((text, expected)) = line.split_once('\t') else {
            return Err(Error::invalid(
                &format!("{}:{n}", path.display()),
                "expected text<TAB>intent_id",
            ));
        };
        if !half.holds(text) {
            continue;
        }
        let predicted = engine.classify(text)?;
        r.cases += 1;
        if predicted == expected.trim() {
            hits += 1;
        } else {
            r.misses
                .push((text.to_string(), expected.trim().to_string(), predicted));
        }
    }
    r.accuracy = if r.cases == 0 {
        0.0
    } else {
        hits as f64 / r.cases as f64
    };
    Ok(r)
}

/// Runs a validation file.
pub fn run_validation(engine: &Engine, path: &Path, default_now: Clock, half: Half) -> Result<ValidationReport, Error> {
    let mut cases: Vec<ValidationCase> = parse_jsonl(path)?;
    cases.retain(|c| half.holds(&c.id));
    let (mut fails, mut flagged_fails, mut passes, mut flagged_passes) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for c in &cases {
        let at = case_clock(c.now.as_deref(), default_now)?;
        let v = engine.validate(&c.merchant_id, &c.answer, &c.question, at)?;
        let flagged = v.verdict != Verdict::Pass;
        let why = || {
            let claims: Vec<String> = v
                .claims
                .iter()
                .map(|c| format!("{:?}/{:?} {:?}→{:?}", c.kind, c.status, c.text, c.expected))
                .collect();
            format!("{} | {} | {}", c.question, c.answer, claims.join("; "))
        };
        if c.expected == "fail" {
            fails += 1;
            if flagged {
                flagged_fails += 1
            } else {
                misses.push((c.id.clone(), format!("fail: {}", why())))
            }
        } else {
            passes += 1;
            if flagged {
                flagged_passes += 1;
                misses.push((c.id.clone(), format!("pass: {}", why())))
            }
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(ValidationReport {
        cases: cases.len(),
        recall: ratio(flagged_fails, fails),
        false_alarm_rate: ratio(flagged_passes, passes),
        misses,
    })
}

/// The files one `zhiku eval` run scores.
#[derive(Debug, Clone, Default)]
pub struct Sets {
    /// QA files.
    pub qa: Vec<std::path::PathBuf>,
    /// Intent TSV files.
    pub intents: Vec<std::path::PathBuf>,
    /// Validation files.
    pub validation: Vec<std::path::PathBuf>,
}

/// The score of one set on one half.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Score {
    /// QA pass rate.
    Qa(QaReport),
    /// Intent accuracy.
    Intent(IntentReport),
    /// Validation recall and false alarms.
    Validation(ValidationReport),
}

/// One line of the `zhiku eval` table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The file's name.
    pub set: String,
    /// The half scored.
    pub half: Half,
    /// The score.
    pub score: Score,
}

impl Row {
    /// The row as a table line: set, half, cases, figures.
    pub fn line(&self) -> String {
        let half = format!("{:?}", self.half).to_lowercase();
        let (cases, figures) = match &self.score {
            Score::Qa(r) => (
                r.cases,
                format!("pass rate {:.3}", r.passed as f64 / r.cases.max(1) as f64),
            ),
            Score::Intent(r) => (r.cases, format!("accuracy {:.3}", r.accuracy)),
            Score::Validation(r) => (
                r.cases,
                format!("recall {:.3}  false-alarm rate {:.3}", r.recall, r.false_alarm_rate),
            ),
        };
        format!("{:<28} {:<8} {:>6}  {figures}", self.set, half, cases)
    }

    /// The row's misses, one line each.
    pub fn misses(&self) -> Vec<String> {
        match &self.score {
            Score::Qa(r) => r.failures.iter().map(|(id, why)| format!("FAIL {id}: {why}")).collect(),
            Score::Intent(r) => r
                .misses
                .iter()
                .map(|(t, e, p)| format!("MISS {t} expected={e} predicted={p}"))
                .collect(),
            Score::Validation(r) => r
                .misses
                .iter()
                .map(|(id, exp)| format!("MISS {id} expected={exp}"))
                .collect(),
        }
    }
}

fn set_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Scores every file of `sets` on each of `halves`.
pub fn run_sets(engine: &Engine, sets: &Sets, halves: &[Half], now: Clock) -> Result<Vec<Row>, Error> {
    let mut rows = Vec::new();
    for &half in halves {
        let row = |p: &std::path::PathBuf, score| Row {
            set: set_name(p),
            half,
            score,
        };
        for p in &sets.qa {
            rows.push(row(p, Score::Qa(run_qa(engine, p, now, half)?)));
        }
        for p in &sets.intents {
            rows.push(row(p, Score::Intent(run_intents(engine, p, half)?)));
        }
        for p in &sets.validation {
            rows.push(row(p, Score::Validation(run_validation(engine, p, now, half)?)));
        }
    }
    rows.sort_by_key(|r| (r.set.clone(), r.half as u8));
    Ok(rows)
}
