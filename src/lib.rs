//! 知库 (zhiku): a knowledge-graph and RAG retrieval service for Chinese e-commerce
//! customer service.
//!
//! The flow of one question is 意图识别 → 知识检索 → 答案生成 → 商家知识校验 → 响应返回,
//! see [`pipeline`]. Knowledge lives in three oxigraph layers ([`store`]); passages derived
//! from it are indexed in tantivy and the embedded Qdrant engine ([`index`]).

pub mod answer;
pub mod api;
pub mod config;
pub mod engine;
pub mod error;
pub mod eval;
pub mod import;
pub mod index;
pub mod merchant_id;
pub mod nesting;
pub mod pipeline;
pub mod prompts;
pub mod retrieve;
pub mod security;
pub mod shacl;
pub mod store;
pub mod text;
pub mod understand;
pub mod validate;

pub use config::Config;
pub use engine::Engine;
pub use error::Error;
pub use merchant_id::MerchantId;
pub use pipeline::{Clock, Pipeline, Question, Response};
