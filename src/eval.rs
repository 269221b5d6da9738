//! `zhiku eval`: runs QA, intent and validation sets (formats in `../shared/eval/README.md`)
//! against the engine and scores them exactly as the README says.

use crate::Error;
use crate::engine::Engine;
use crate::pipeline::{Clock, Question};
use crate::text::fold;
use crate::validate::Verdict;
use serde::{Deserialize, Serialize};
use std::path::Path;

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
pub fn run_qa(engine: &Engine, path: &Path, default_now: Clock) -> Result<QaReport, Error> {
    let cases: Vec<QaCase> = parse_jsonl(path)?;
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
pub fn run_intents(engine: &Engine, path: &Path) -> Result<IntentReport, Error> {
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
pub fn run_validation(engine: &Engine, path: &Path, default_now: Clock) -> Result<ValidationReport, Error> {
    let cases: Vec<ValidationCase> = parse_jsonl(path)?;
    let (mut fails, mut flagged_fails, mut passes, mut flagged_passes) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for c in &cases {
        let at = case_clock(c.now.as_deref(), default_now)?;
        let v = engine.validate(&c.merchant_id, &c.answer, &c.question, at)?;
        let flagged = v.verdict != Verdict::Pass;
        if c.expected == "fail" {
            fails += 1;
            if flagged {
                flagged_fails += 1
            } else {
                misses.push((c.id.clone(), "fail".into()))
            }
        } else {
            passes += 1;
            if flagged {
                flagged_passes += 1;
                misses.push((c.id.clone(), "pass".into()))
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
