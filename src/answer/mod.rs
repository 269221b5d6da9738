//! 答案生成: the [`Generator`](crate::pipeline::Generator) trait's default implementation
//! fills the intent-specific minijinja templates of `prompts/answer/` from the evidence
//! ([`templates`]). An OpenAI-compatible LLM generator implements the same trait.

pub mod templates;

pub use templates::{AnswerSettings, TemplateGenerator};
