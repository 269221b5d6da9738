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
    pub(super) norm: Normed,
    pub(super) sents: Vec<Sent>,
    /// (sentence, clause) → stance.
    pub(super) stances: Vec<Vec<Stance>>,
    pub(super) mentions: Vec<Mention>,
    pub(super) candidates: Vec<Candidate>,
    /// Products identified anywhere in the answer (in order, deduplicated).
    pub(super) answer_products: Vec<usize>,
    pub(super) question: Normed,
    pub(super) question_products: Vec<usize>,
}

/// A product group named in a clause: where the naming piece ends (folded offset), the
/// products, and the match score.
pub(super) type Piece = (usize, Vec<usize>, f64);

/// The subject carried from clause to clause: products and match score.
pub(super) type Subject = (Vec<usize>, f64);

/// One clause of an answer being parsed: where it is, its stance, the products it names,
/// and the candidates found so far (each claim family adds its own).
pub(super) struct ClauseScan<'a> {
    /// The folded answer.
    pub(super) s: &'a str,
    /// The clause's sentence.
    pub(super) sent: &'a Sent,
    /// Sentence index.
    pub(super) si: usize,
    /// Clause index within the sentence.
    pub(super) ci: usize,
    /// The clause (folded byte range).
    pub(super) cl: Range<usize>,
    /// The clause text.
    pub(super) clause: &'a str,
    /// The clause's stance.
    pub(super) stance: Stance,
    /// Product pieces of the clause, in order.
    pub(super) pieces: &'a [Piece],
    /// The clause lists several products.
    pub(super) is_list: bool,
    /// A shop-wide statement ("所有商品…", "全店…"), about no one product.
    pub(super) universal: bool,
    /// The subject carried over from earlier clauses.
    pub(super) current: &'a Subject,
    /// The folded answer with its map back to `answer`.
    pub(super) norm: &'a Normed,
    /// The answer as written.
    pub(super) answer: &'a str,
    /// Candidates of the whole answer so far.
    pub(super) out: &'a mut Vec<Candidate>,
}

impl ClauseScan<'_> {
    /// The products a claim at folded offset `pos` is about: the last product named before
    /// it in the clause, else the clause's only product group, else the carried subject.
    pub(super) fn subject_at(&self, pos: usize) -> Vec<usize> {
        if self.universal {
            return Vec::new();
        }
        if let Some((_, g, _)) = self.pieces.iter().rev().find(|(end, _, _)| *end <= pos) {
            return g.clone();
        }
        if !self.is_list
            && let Some((_, g, _)) = self.pieces.first()
        {
            return g.clone();
        }
        self.current.0.clone()
    }

    /// Adds a candidate written at folded range `nr`.
    pub(super) fn push(&mut self, kind: ClaimKind, nr: Range<usize>, what: What, subjects: Vec<usize>, in_q: bool) {
        let r = self.norm.orig(&nr);
        self.out.push(Candidate {
            kind,
            text: self.answer[r.clone()].to_string(),
            range: r,
            sentence: self.si,
            clause: self.ci,
            what,
            subjects,
            in_question: in_q,
        });
    }
}
