//! The seed flow as five stages: 意图识别 → 知识检索 → 答案生成 → 商家知识校验 → 响应返回.
//!
//! Each stage is a trait with the embedded implementation as the default; the stages meet
//! only through the state types below (Question → Understood → Retrieved → Drafted →
//! Validated → Response).

use crate::Error;
use crate::merchant_id::MerchantId;
use crate::security::mask::mask;
use crate::store::Layer;
use crate::store::merchant::MerchantFacts;
use crate::store::passages::PassageKind;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

/// The time a question is asked at. Stages never read the wall clock.
pub type Clock = DateTime<FixedOffset>;

/// A shopper's question, validated at the edge.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    /// Merchant whose knowledge answers it.
    pub merchant_id: MerchantId,
    /// The question text (trimmed, non-empty, within the configured length).
    pub text: String,
    /// Conversation id, if any.
    pub session_id: Option<String>,
}

impl Question {
    /// Validates the text: non-empty of at most `max_chars` characters once trimmed.
    pub fn new(
        merchant_id: MerchantId,
        text: &str,
        session_id: Option<String>,
        max_chars: usize,
    ) -> Result<Self, Error> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::invalid("question", "must not be empty"));
        }
        let n = text.chars().count();
        if n > max_chars {
            return Err(Error::invalid(
                "question",
                format!("is {n} characters; the limit is {max_chars}"),
            ));
        }
        Ok(Question {
            merchant_id,
            text: text.to_string(),
            session_id,
        })
    }
}

/// The predicted intent.
#[derive(Debug, Clone, Serialize)]
pub struct IntentPrediction {
    /// Intent id (`skos:notation`).
    pub id: String,
    /// Classifier score of the winner.
    pub score: f32,
    /// The runner-up intent and its score.
    pub runner_up: Option<(String, f32)>,
}

/// A product (or other subject) linked from the question.
#[derive(Debug, Clone, Serialize)]
pub struct Entity {
    /// Subject IRI.
    pub iri: String,
    /// Its name.
    pub name: String,
    /// The text that matched.
    pub matched: String,
    /// Link score in [0, 1].
    pub score: f32,
}

/// Output of 意图识别.
#[derive(Debug, Clone)]
pub struct Understood {
    /// The question.
    pub question: Question,
    /// The merchant's facts as of this request.
    pub facts: Arc<MerchantFacts>,
    /// Intent.
    pub intent: IntentPrediction,
    /// Linked entities, best first.
    pub entities: Vec<Entity>,
    /// The question is about one specific order, parcel or refund (it carries an order or
    /// tracking number).
    pub order_specific: bool,
}

/// One piece of evidence with provenance.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// Evidence id cited by answers (`E1`, `E2`, …).
    pub id: String,
    /// Passage id in the indexes.
    pub passage_id: String,
    /// Provenance: the merchant whose graph it came from, or `_general`.
    pub merchant_id: String,
    /// Knowledge layer.
    pub layer: Layer,
    /// Subject IRI.
    pub subject: String,
    /// What the subject is.
    pub kind: PassageKind,
    /// Title.
    pub title: String,
    /// Passage text (or verbalised graph facts).
    pub text: String,
    /// Fused score.
    pub score: f32,
    /// Which retrievers found it (`bm25`, `vector`, `graph`).
    pub sources: Vec<String>,
}

/// Output of 知识检索.
#[derive(Debug, Clone)]
pub struct Retrieved {
    /// What was understood.
    pub understood: Understood,
    /// Fused evidence, best first.
    pub evidence: Vec<Evidence>,
}

/// Output of 答案生成.
#[derive(Debug, Clone)]
pub struct Drafted {
    /// What was retrieved.
    pub retrieved: Retrieved,
    /// The draft answer.
    pub answer: String,
    /// Evidence ids the answer rests on.
    pub citations: Vec<String>,
    /// Hand the conversation to a human (转人工).
    pub handoff: bool,
    /// Why, when handing off.
    pub handoff_reason: Option<String>,
}

/// What a claim is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    /// A product price (or an amount computed from prices).
    Price,
    /// A day / hour count (shipping, refund, return window…).
    Days,
    /// A fee or threshold (运费, 差价, 满X元包邮…).
    Fee,
    /// Stock state or inventory count.
    Stock,
    /// A policy statement (supports / does not support, who pays return shipping).
    Policy,
    /// A product attribute (spec value, size, material, colour, warranty…).
    Attribute,
    /// A promotion (满减 amount, discount, validity, participation).
    Promotion,
    /// A courier company.
    Courier,
    /// Service hours or cut-off times.
    Hours,
}

/// The outcome of checking one claim against the merchant's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// The merchant's facts hold the same value.
    Supported,
    /// The merchant's facts hold a different value for the same thing.
    Contradicted,
    /// Nothing in the facts decides it, and it is no claim about the merchant (or it denies
    /// something).
    Unverifiable,
    /// A claim about the merchant's products, policies, promotions or service that no fact
    /// supports (an invented scent, codec, service): closed world.
    Unsupported,
}

/// One checked claim.
#[derive(Debug, Clone, Serialize)]
pub struct Claim {
    /// What the claim is about.
    pub kind: ClaimKind,
    /// The claim as written in the answer.
    pub text: String,
    /// Outcome of the check.
    pub status: ClaimStatus,
    /// The merchant's value when contradicted.
    pub expected: Option<String>,
    /// IRI of the fact used to decide.
    pub subject: Option<String>,
}

/// The verdict of 商家知识校验.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No claim is contradicted.
    Pass,
    /// Every contradicted claim was corrected in `corrected_answer`.
    Corrected,
    /// A contradicted claim cannot be corrected safely; hand over to a human.
    Handoff,
}

/// One substitution made in the corrected answer.
#[derive(Debug, Clone, Serialize)]
pub struct Correction {
    /// Kind of the corrected claim.
    pub kind: ClaimKind,
    /// The wrong text as written in the answer.
    pub wrong: String,
    /// The merchant's value put in its place.
    pub right: String,
}

/// The result of validating one answer.
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    /// Pass, corrected or handoff.
    pub verdict: Verdict,
    /// Every checkable claim found, with its status.
    pub claims: Vec<Claim>,
    /// Substitutions made (when the verdict is `corrected`).
    pub corrections: Vec<Correction>,
    /// The answer with the corrections applied (when the verdict is `corrected`).
    pub corrected_answer: Option<String>,
    /// The contradicted claims, each with the fact it was checked against.
    pub contradicted: Vec<Finding>,
    /// The unsupported claims (no fact holds them).
    pub unsupported: Vec<Finding>,
}

/// A claim the verdict acted on, with the fact it was checked against.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// What the claim is about.
    pub kind: ClaimKind,
    /// The claim as written in the answer.
    pub text: String,
    /// The merchant's value or statement, when there is one.
    pub expected: Option<String>,
    /// IRI of the fact checked against, or `no fact`.
    pub fact: String,
}

impl Finding {
    /// The finding of a claim.
    pub fn of(c: &Claim) -> Self {
        Finding {
            kind: c.kind,
            text: c.text.clone(),
            expected: c.expected.clone(),
            fact: c.subject.clone().unwrap_or_else(|| "no fact".to_string()),
        }
    }
}

/// Output of 商家知识校验.
#[derive(Debug, Clone)]
pub struct Validated {
    /// The draft.
    pub drafted: Drafted,
    /// The verdict and claims.
    pub validation: Validation,
}

/// Per-stage wall time in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    /// 意图识别.
    pub understand_ms: f64,
    /// 知识检索.
    pub retrieve_ms: f64,
    /// 答案生成.
    pub answer_ms: f64,
    /// 商家知识校验.
    pub validate_ms: f64,
    /// Total.
    pub total_ms: f64,
}

/// A cited evidence item in the response.
#[derive(Debug, Clone, Serialize)]
pub struct Citation {
    /// Evidence id.
    pub id: String,
    /// Layer.
    pub layer: Layer,
    /// Subject IRI.
    pub subject: String,
    /// Title.
    pub title: String,
    /// Text.
    pub text: String,
}

/// The verdict block of a response.
#[derive(Debug, Clone, Serialize)]
pub struct VerdictReport {
    /// pass | corrected | handoff.
    pub verdict: Verdict,
    /// Every checkable claim found in the answer.
    pub claims: Vec<Claim>,
    /// Wrong → right, when corrected.
    pub corrections: Vec<Correction>,
    /// The contradicted claims, each with the fact it was checked against.
    pub contradicted: Vec<Finding>,
    /// The unsupported claims (no fact holds them).
    pub unsupported: Vec<Finding>,
}

/// Output of 响应返回: what `/v1/answer` returns.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// Merchant.
    pub merchant_id: String,
    /// The question.
    pub question: String,
    /// The answer after validation (corrected where needed).
    pub answer: String,
    /// Intent id.
    pub intent: String,
    /// Intent score.
    pub intent_score: f32,
    /// Linked entities.
    pub entities: Vec<Entity>,
    /// Evidence the answer cites.
    pub citations: Vec<Citation>,
    /// Validation verdict and claims.
    pub verdict: VerdictReport,
    /// Hand over to a human.
    pub handoff: bool,
    /// Why.
    pub handoff_reason: Option<String>,
    /// Per-stage timings.
    pub timings: Timings,
}

impl From<Validated> for Response {
    fn from(v: Validated) -> Self {
        let d = v.drafted;
        let r = d.retrieved;
        let u = r.understood;
        let citations = r
            .evidence
            .iter()
            .filter(|e| d.citations.contains(&e.id))
            .map(|e| Citation {
                id: e.id.clone(),
                layer: e.layer,
                subject: e.subject.clone(),
                title: e.title.clone(),
                text: mask(&e.text).into_owned(),
            })
            .collect();
        let (answer, handoff, reason) = match v.validation.verdict {
            Verdict::Pass => (d.answer, d.handoff, d.handoff_reason),
            Verdict::Corrected => (
                v.validation.corrected_answer.clone().unwrap_or(d.answer),
                d.handoff,
                d.handoff_reason,
            ),
            Verdict::Handoff => (
                d.answer,
                true,
                Some("answer failed merchant-knowledge validation".to_string()),
            ),
        };
        // What leaves the service shows sensitive values masked (138****5678).
        Response {
            merchant_id: u.question.merchant_id.to_string(),
            question: mask(&u.question.text).into_owned(),
            answer: mask(&answer).into_owned(),
            intent: u.intent.id,
            intent_score: u.intent.score,
            entities: u.entities,
            citations,
            verdict: VerdictReport {
                verdict: v.validation.verdict,
                claims: v.validation.claims,
                corrections: v.validation.corrections,
                contradicted: v.validation.contradicted,
                unsupported: v.validation.unsupported,
            },
            handoff,
            handoff_reason: reason,
            timings: Timings::default(),
        }
    }
}

/// 意图识别: intent and entities.
pub trait Understand: Send + Sync {
    /// Understands a question.
    fn run(&self, q: Question) -> Result<Understood, Error>;
    /// The intent id of a text, without a merchant.
    fn classify(&self, text: &str) -> Result<String, Error>;
}

/// 知识检索: BM25 ∥ vector ∥ graph, fused.
pub trait Retrieve: Send + Sync {
    /// Retrieves evidence as of `at`.
    fn run(&self, u: Understood, at: Clock) -> Result<Retrieved, Error>;
}

/// 答案生成: templates by default, an LLM later.
pub trait Generator: Send + Sync {
    /// Drafts an answer from the evidence.
    fn run(&self, r: Retrieved, at: Clock) -> Result<Drafted, Error>;
}

/// 商家知识校验: claims checked against the merchant's facts.
pub trait Validate: Send + Sync {
    /// Validates a draft as of `at`.
    fn run(&self, d: Drafted, at: Clock) -> Result<Validated, Error>;
}

/// The five stages wired together.
pub struct Pipeline {
    /// 意图识别.
    pub understand: Arc<dyn Understand>,
    /// 知识检索.
    pub retrieve: Arc<dyn Retrieve>,
    /// 答案生成.
    pub generate: Arc<dyn Generator>,
    /// 商家知识校验.
    pub validate: Arc<dyn Validate>,
}

/// Milliseconds since `t`.
fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

impl Pipeline {
    /// Answers a question as of `at`.
    #[tracing::instrument(skip_all, fields(merchant = %q.merchant_id))]
    pub fn answer(&self, q: Question, at: Clock) -> Result<Response, Error> {
        let (t0, mut t) = (Instant::now(), Timings::default());
        let s = Instant::now();
        let understood = self.understand.run(q)?; // 意图识别
        t.understand_ms = ms(s);
        let s = Instant::now();
        let retrieved = self.retrieve.run(understood, at)?; // 知识检索
        t.retrieve_ms = ms(s);
        let s = Instant::now();
        let drafted = self.generate.run(retrieved, at)?; // 答案生成
        t.answer_ms = ms(s);
        let s = Instant::now();
        let validated = self.validate.run(drafted, at)?; // 商家知识校验
        t.validate_ms = ms(s);
        t.total_ms = ms(t0);
        Ok(Response {
            timings: t,
            ..Response::from(validated)
        }) // 响应返回
    }

    /// The intent of a text alone (evaluation of the classifier).
    pub fn classify(&self, text: &str) -> Result<String, Error> {
        self.understand.classify(text)
    }

    /// Retrieval only (`/v1/search`).
    pub fn search(&self, q: Question, at: Clock) -> Result<Retrieved, Error> {
        let understood = self.understand.run(q)?;
        self.retrieve.run(understood, at)
    }
}
