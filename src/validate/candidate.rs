//! What an answer claims, before checking: a [`Candidate`] (kind, text, location, subject
//! products) with its typed content ([`What`]), the parsed answer ([`Parsed`]), and the
//! clause being scanned ([`ClauseScan`]), to which each claim family adds its candidates.

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
    /// The promotion is on.
    Running,
    /// The promotion is over.
    Ended,
    /// The promotion has not started.
    Upcoming,
}

/// Who pays return shipping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Payer {
    /// The buyer pays.
    Buyer,
    /// The shop pays.
    Shop,
    /// Return-shipping insurance (运费险) pays.
    Insurance,
}

/// The typed content of a claim candidate.
#[derive(Debug, Clone)]
pub(super) enum What {
    /// A typed value (price, fee, days, attribute value, hours, inventory…).
    Value(Mention),
    /// A stock state.
    Stock(StockClaim),
    /// A courier company (index of its concept), `default` when called the shop's default.
    Courier { concept: usize, default: bool },
    /// A colour word (the characters before 色).
    Colour(String),
    /// A material (canonical name, see [`materials_in`]); `pure` when written 纯X/全X.
    Material { name: String, pure: bool },
    /// A promotion state.
    PromoStatus(PromoClaim),
    /// A start or end date (a promotion's, or a pre-sale ship date).
    PromoDate(DateMention),
    /// A phone number (digits only).
    Phone(String),
    /// The product takes part in a promotion.
    Participation,
    /// Who pays return shipping; `true`: of a return for the shop's fault (质量问题, 破损).
    Payer(Payer, bool),
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
    /// Sentence index.
    pub(super) sentence: usize,
    /// Clause index within the sentence.
    pub(super) clause: usize,
    /// What is claimed.
    pub(super) what: What,
    /// Products the claim is about (indices into `MerchantFacts::products`).
    pub subjects: Vec<usize>,
    /// The value also appears in the question (the shopper's own number).
    pub in_question: bool,
}

/// An answer parsed for checking: folded text, sentences, clause stances, candidates.
#[derive(Debug, Clone)]
pub(super) struct Parsed {
    /// The folded answer.
    pub(super) norm: Normed,
    /// Its sentences and clauses.
    pub(super) sents: Vec<Sent>,
    /// (sentence, clause) → stance.
    pub(super) stances: Vec<Vec<Stance>>,
    /// Its value mentions.
    pub(super) mentions: Vec<Mention>,
    /// Its claim candidates, in answer order.
    pub(super) candidates: Vec<Candidate>,
    /// Products identified anywhere in the answer (in order, deduplicated).
    pub(super) answer_products: Vec<usize>,
    /// The folded question.
    pub(super) question: Normed,
    /// Products the question names.
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
    /// The labels and word lists.
    pub(super) lex: &'a super::lexicon::Lexicon,
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
