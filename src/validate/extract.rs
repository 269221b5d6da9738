//! Answer parsing: every checkable statement in an answer text (template or LLM output),
//! typed and located, with the product(s) it is about. Subjects are tracked here (product
//! pieces per clause, carried across clauses); each claim family finds its own candidates
//! in a clause ([`clause_candidates`]).
//!
//! Nothing here knows a merchant by name: products are recognised by term overlap with the
//! merchant's own product names and SKUs, attribute keys come from the ontology's attribute
//! concepts and the merchant's property names, couriers from the ontology's courier concepts.

use super::attributes::{colour_candidates, material_candidates};
use super::candidate::{Candidate, ClauseScan, Parsed, Piece, Subject, What};
use super::lexicon::Lexicon;
use super::mentions::{Mention, RE_DUR, Val, dur_hours, mentions};
use super::policy::{courier_candidates, payer_candidates};
use super::products::{ProductIndex, STRONG_MATCH};
use super::promotions::{date_candidates, participation_candidates, status_candidates};
use super::stock::stock_candidates;
use super::text::{DateMention, Normed, Sent, Stance, approx, dates, masks, overlaps, parse_num, segment, stance};
use super::values::phone_candidates;
use crate::pipeline::ClaimKind;
use crate::store::{MerchantFacts, Ontology};
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// Whether a product match may become the subject, given the current subject.
fn accepts(current: &Subject, g: &[usize], score: f64, leading_unique: bool) -> bool {
    current.0.is_empty()
        || score >= STRONG_MATCH
        || score >= current.1
        || leading_unique
        || g.iter().all(|p| current.0.contains(p))
}

/// Characters that separate the items of a list ("A、B和C").
const LIST_SEPARATORS: &str = "、和与及+=/()（）";

/// Numbers the shopper wrote: amounts and counts, and durations in their own unit.
struct QuestionValues {
    /// Numbers (amounts, counts, duration counts).
    numbers: Vec<f64>,
    /// Durations (签收3天了), in hours.
    durs: Vec<f64>,
}

impl QuestionValues {
    /// The values of a folded question.
    fn new(q: &str) -> Self {
        QuestionValues {
            numbers: question_numbers(q),
            durs: question_durs(q),
        }
    }

    /// Whether a value also appears in the question (the shopper's own number).
    fn has(&self, val: &Val) -> bool {
        let numbers = &self.numbers;
        match val {
            Val::Money(v) | Val::Discount(v) => numbers.iter().any(|q| approx(*q, *v)),
            Val::Dur { lo, hi, .. } => self.durs.iter().any(|q| approx(*q, *lo) || approx(*q, *hi)),
            Val::Measure { lo, hi, .. } => numbers.iter().any(|q| approx(*q, *lo) || approx(*q, *hi)),
            Val::Pair { x, y } => numbers.iter().any(|q| approx(*q, *x)) && numbers.iter().any(|q| approx(*q, *y)),
            Val::Inventory(n) => numbers.iter().any(|q| approx(*q, *n as f64)),
            _ => false,
        }
    }
}

/// The numbers of a folded question, masked spans and model numbers (X200, 手机 15) left out,
/// plus the counts of its durations.
fn question_numbers(q: &str) -> Vec<f64> {
    let qmasks = masks(q);
    static RE_ANYNUM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+(?:\.\d+)?").expect("static regex"));
    let mut v: Vec<f64> = RE_ANYNUM
        .find_iter(q)
        .filter(|m| !overlaps(&qmasks, &m.range()))
        // Model numbers (X200, 手机 15) are not the shopper's quantities.
        .filter(|m| {
            let before = q[..m.start()].trim_end_matches(' ');
            !before.ends_with(|c: char| c.is_ascii_alphabetic())
                && !q[m.end()..].starts_with(|c: char| c.is_ascii_alphabetic())
        })
        .filter_map(|m| m.as_str().parse().ok())
        .collect();
    for c in RE_DUR.captures_iter(q) {
        if let Some(x) = c.get(1).and_then(|m| parse_num(m.as_str())) {
            v.push(x);
        }
    }
    v
}

/// Durations the shopper wrote (签收3天了), in hours.
fn question_durs(q: &str) -> Vec<f64> {
    let qmasks = masks(q);
    let mut v = Vec::new();
    for c in RE_DUR.captures_iter(q) {
        if c.get(0).is_some_and(|m| overlaps(&qmasks, &m.range())) {
            continue;
        }
        let h = dur_hours(c.get(3).map_or("", |m| m.as_str()));
        for g in [1, 2] {
            if let Some(x) = c.get(g).and_then(|m| parse_num(m.as_str())) {
                v.push(x * h);
            }
        }
    }
    v
}

/// Where a clause is cut into naming pieces: at value mentions (except values that belong to
/// a product name, "某品牌5000mAh 20W充电宝") and at list separators outside values.
fn piece_cuts(s: &str, cl: &Range<usize>, cl_ments: &[&Mention], blocking: &[Range<usize>]) -> Vec<usize> {
    let clause = &s[cl.clone()];
    let mut cuts: Vec<usize> = vec![cl.start];
    for r in blocking {
        cuts.push(r.start);
        cuts.push(r.end);
    }
    for (b, c) in clause.char_indices() {
        let at = cl.start + b;
        if LIST_SEPARATORS.contains(c) && !cl_ments.iter().any(|m| m.range.start <= at && at < m.range.end) {
            cuts.push(at);
            cuts.push(at + c.len_utf8());
        }
    }
    cuts.push(cl.end);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// The products a clause names, piece by piece (a weak mention does not displace a product
/// the answer named clearly; words after an attribute label name no other product).
fn subject_pieces(
    s: &str,
    cl: &Range<usize>,
    cl_ments: &[&Mention],
    lex: &Lexicon,
    products: &ProductIndex,
    current: &Subject,
) -> Vec<Piece> {
    let clause = &s[cl.clone()];
    // Pieces: split at value mentions and list separators.
    let blocking: Vec<Range<usize>> = cl_ments
        .iter()
        .filter(|m| !products.is_name_term(&m.raw))
        .map(|m| m.range.clone())
        .collect();
    let cuts = piece_cuts(s, cl, cl_ments, &blocking);
    let mut pieces: Vec<Piece> = Vec::new();
    let label_cut = cl.start + lex.naming_part(clause).len();
    for w in cuts.windows(2) {
        let piece = &s[w[0]..w[1]];
        if piece.trim().chars().count() < 2 || blocking.iter().any(|r| r.start <= w[0] && w[1] <= r.end) {
            continue;
        }
        // Words after an attribute label describe the product; they name no other one.
        let leading = w[0] == cl.start;
        if w[0] > label_cut {
            continue;
        }
        let piece = &s[w[0]..w[1].min(label_cut.max(w[0]))];
        let (g, score) = products.identify_scored(piece);
        // A weak mention does not displace a product the answer named clearly.
        if !g.is_empty() && accepts(current, &g, score, leading && products.has_unique(piece, &g)) {
            pieces.push((w[1], g, score));
        }
    }
    if pieces.is_empty() {
        let naming = lex.naming_part(clause);
        let (g, score) = products.identify_scored(naming);
        if !g.is_empty() && accepts(current, &g, score, false) {
            pieces.push((cl.start, g, score));
        }
    }
    pieces
}

/// The distinct product groups of a clause's pieces, in order.
fn distinct_groups(pieces: &[Piece]) -> Vec<&Vec<usize>> {
    let mut d: Vec<&Vec<usize>> = Vec::new();
    for (_, g, _) in pieces {
        if !d.contains(&g) {
            d.push(g);
        }
    }
    d
}

/// The claim kind of a value: by its type, and for money and durations by its key.
fn value_kind(m: &Mention) -> ClaimKind {
    match &m.val {
        Val::Money(_) => match m.key.as_deref() {
            Some(
                "shipping_fee" | "fee_difference" | "handling_fee" | "deduction" | "free_shipping" | "threshold"
                | "interest_free",
            ) => ClaimKind::Fee,
            _ => ClaimKind::Price,
        },
        Val::Dur { .. } if m.attr_dur => ClaimKind::Attribute,
        Val::Dur { .. } => ClaimKind::Days,
        Val::Measure { .. } | Val::Spec { .. } | Val::Pct { .. } | Val::Ports { .. } => ClaimKind::Attribute,
        Val::Discount(_) | Val::Pair { .. } => ClaimKind::Promotion,
        Val::TimeRange(..) | Val::TimeOfDay { .. } => ClaimKind::Hours,
        Val::Inventory(_) => ClaimKind::Stock,
    }
}

/// The clause's values, except shopper body measures and values that are part of a
/// product's name.
fn value_candidates(scan: &mut ClauseScan, cl_ments: &[&Mention], products: &ProductIndex, q: &QuestionValues) {
    for (mi, m) in cl_ments.iter().enumerate() {
        if m.body || products.names_value(scan.s, &scan.cl, cl_ments, mi) {
            continue;
        }
        let subj = scan.subject_at(m.range.start);
        let in_q = q.has(&m.val);
        scan.push(value_kind(m), m.range.clone(), What::Value((*m).clone()), subj, in_q);
    }
}

/// What the whole answer provides to each clause's candidates.
struct AnswerScan<'a> {
    /// The folded answer.
    norm: &'a Normed,
    /// The answer as written.
    answer: &'a str,
    /// The attribute and courier labels.
    lex: &'a Lexicon,
    /// The product index.
    products: &'a ProductIndex,
    /// Value mentions of the answer.
    mentions: &'a [Mention],
    /// (sentence, clause) → stance.
    stances: &'a [Vec<Stance>],
    /// Dates of the answer.
    dates: Vec<DateMention>,
    /// Courier mentions of the answer (range, concept).
    couriers: Vec<(Range<usize>, usize)>,
    /// The shopper's own numbers.
    question: QuestionValues,
}

/// The candidates of one clause, family by family (the order is the order of the claims).
fn clause_candidates(scan: &mut ClauseScan, cl_ments: &[&Mention], a: &AnswerScan) {
    let products = a.products;
    value_candidates(scan, cl_ments, products, &a.question);
    stock_candidates(scan, products);
    courier_candidates(scan, &a.couriers);
    colour_candidates(scan);
    material_candidates(scan, products);
    status_candidates(scan);
    date_candidates(scan, &a.dates);
    phone_candidates(scan);
    participation_candidates(scan);
    payer_candidates(scan);
}

/// Scans one clause: its product pieces (answer products recorded), its candidates, and
/// the subject it carries to the next clause.
fn scan_clause(
    a: &AnswerScan,
    (st, si, ci): (&Sent, usize, usize),
    current: &mut Subject,
    answer_products: &mut Vec<usize>,
    candidates: &mut Vec<Candidate>,
) {
    let s = a.norm.s.as_str();
    let cl = st.clauses[ci].clone();
    let clause = &s[cl.clone()];
    let cl_ments: Vec<&Mention> = a
        .mentions
        .iter()
        .filter(|m| m.range.start >= cl.start && m.range.end <= cl.end)
        .collect();
    let pieces = subject_pieces(s, &cl, &cl_ments, a.lex, a.products, current);
    let distinct = distinct_groups(&pieces);
    for g in &distinct {
        for p in g.iter() {
            if !answer_products.contains(p) {
                answer_products.push(*p);
            }
        }
    }
    let is_list = distinct.len() >= 2;
    let mut scan = ClauseScan {
        s,
        sent: st,
        si,
        ci,
        cl: cl.clone(),
        clause,
        stance: a.stances[si][ci],
        pieces: &pieces,
        is_list,
        // "所有商品…", "全店…": a shop-wide statement, about no one product.
        universal: a.lex.vocab.shop_wide.any(clause) && pieces.is_empty(),
        current,
        norm: a.norm,
        answer: a.answer,
        out: candidates,
        lex: a.lex,
    };
    clause_candidates(&mut scan, &cl_ments, a);
    if !is_list && let Some((_, g, score)) = pieces.last() {
        let score = if *g == current.0 { score.max(current.1) } else { *score };
        *current = (g.clone(), score);
    }
}

/// Parses an answer: segmentation, stances, value mentions, claim candidates with subjects.
pub(super) fn parse(answer: &str, question: &str, lex: &Lexicon, products: &ProductIndex) -> Parsed {
    let norm = Normed::new(answer);
    let s = norm.s.as_str();
    let sents = segment(s);
    let qn = Normed::new(question);
    let question_products = products.identify(&qn.s);
    let ments = mentions(s, lex);
    let stances: Vec<Vec<Stance>> = sents
        .iter()
        .map(|st| st.clauses.iter().map(|c| stance(&s[c.clone()])).collect())
        .collect();
    let a = AnswerScan {
        norm: &norm,
        answer,
        lex,
        products,
        mentions: &ments,
        stances: &stances,
        dates: dates(s),
        couriers: lex.couriers_in(s),
        question: QuestionValues::new(&qn.s),
    };
    // Subjects: product pieces per clause, carried forward across clauses and sentences.
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut current: Subject = products.identify_scored(&qn.s);
    let mut answer_products: Vec<usize> = Vec::new();
    for (si, st) in sents.iter().enumerate() {
        for ci in 0..st.clauses.len() {
            scan_clause(&a, (st, si, ci), &mut current, &mut answer_products, &mut candidates);
        }
    }
    Parsed {
        norm,
        sents,
        stances,
        mentions: ments,
        candidates,
        answer_products,
        question: qn,
        question_products,
    }
}

/// Extracts the claim candidates of an answer (values with their keys and subjects, stock
/// states, couriers, colours, promotion states and dates, participation, return-shipping
/// payer). Policy polarity is decided against the facts when the answer is checked ([`crate::validate::validate_text`]).
pub fn extract(answer: &str, question: &str, facts: &MerchantFacts, ontology: &Ontology) -> Vec<Candidate> {
    let lex = Lexicon::new(facts, ontology);
    let products = ProductIndex::new(facts);
    parse(answer, question, &lex, &products).candidates
}
