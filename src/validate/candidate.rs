//! What an answer claims, before checking: a [`Candidate`] (kind, text, location, subject
//! products) with its typed content ([`What`]), and the parsed answer ([`Parsed`]).

use super::mentions::Mention;
use super::text::{DateMention, Normed, Sent, Stance};
use crate::pipeline::ClaimKind;
use std::ops::Range;

/// Stock state claimed in an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StockClaim {
    /// 有货.
    InStock,
    /// 现货 (ships now: also wrong for a pre-order item).
    Spot,
    /// 缺货.
    OutOfStock,
}

/// Promotion state claimed in an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PromoClaim {
    Running,
    Ended,
    Upcoming,
}

/// Who pays return shipping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Payer {
    Buyer,
    Shop,
    Insurance,
}

/// The typed content of a claim candidate.
#[derive(Debug, Clone)]
pub(super) enum What {
    Value(Mention),
    Stock(StockClaim),
    Courier {
        concept: usize,
        default: bool,
    },
    Colour(String),
    /// A material (canonical name, see [`materials_in`]); `pure` when written 纯X/全X.
    Material {
        name: &'static str,
        pure: bool,
    },
    PromoStatus(PromoClaim),
    PromoDate(DateMention),
    /// A phone number (digits only).
    Phone(String),
    Participation,
    Payer(Payer),
}

/// A claim candidate found in an answer.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Kind of claim.
    pub kind: ClaimKind,
    /// As written in the answer.
    pub text: String,
    /// Byte range in the original answer.
    pub range: Range<usize>,
    pub(super) sentence: usize,
    pub(super) clause: usize,
    pub(super) what: What,
    /// Products the claim is about (indices into `MerchantFacts::products`).
    pub subjects: Vec<usize>,
    /// The value also appears in the question (the shopper's own number).
    pub in_question: bool,
}

/// An answer parsed for checking: folded text, sentences, clause stances, candidates.
#[derive(Debug, Clone)]
pub(super) struct Parsed {
    pub norm: Normed,
    pub sents: Vec<Sent>,
    /// (sentence, clause) → stance.
    pub stances: Vec<Vec<Stance>>,
    pub mentions: Vec<Mention>,
    pub candidates: Vec<Candidate>,
    /// Products identified anywhere in the answer (in order, deduplicated).
    pub answer_products: Vec<usize>,
    pub question: Normed,
    pub question_products: Vec<usize>,
}
