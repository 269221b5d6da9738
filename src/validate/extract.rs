//! Answer parsing: every checkable statement in an answer text (template or LLM output),
//! typed and located, with the product(s) it is about.
//!
//! Nothing here knows a merchant by name: products are recognised by term overlap with the
//! merchant's own product names and SKUs, attribute keys come from the ontology's attribute
//! concepts and the merchant's property names, couriers from the ontology's courier concepts.

use super::attributes::{MATERIAL_CUES, colour_tokens, materials_in};
use super::candidate::{Candidate, Parsed, PromoClaim, What};
use super::lexicon::Lexicon;
use super::mentions::{Mention, RE_DUR, Val, dur_hours, is_attr_dur_key, mentions};
use super::policy::payer_in;
use super::products::{ProductIndex, STRONG_MATCH};
use super::promotions::{ENDED, PARTICIPATE, RUNNING, UPCOMING};
use super::stock::{STOCK_AC, STOCK_PHRASES};
use super::text::{Normed, RE_PHONE, Stance, approx, dates, masks, overlaps, parse_num, segment, stance};
use crate::pipeline::ClaimKind;
use crate::store::{MerchantFacts, Ontology};
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// Words that make a clause a shop-wide statement.
const UNIVERSAL: &[&str] = &[
    "所有商品",
    "全部商品",
    "全店",
    "全场",
    "本店所有",
    "店内所有",
    "每笔订单",
];

/// Whether a product match may become the subject, given the current subject.
fn accepts(current: &(Vec<usize>, f64), g: &[usize], score: f64, leading_unique: bool) -> bool {
    current.0.is_empty()
        || score >= STRONG_MATCH
        || score >= current.1
        || leading_unique
        || g.iter().all(|p| current.0.contains(p))
}

/// Parses an answer: segmentation, stances, value mentions, claim candidates with subjects.
pub(super) fn parse(answer: &str, question: &str, lex: &Lexicon, products: &ProductIndex) -> Parsed {
    let norm = Normed::new(answer);
    let s = norm.s.as_str();
    let sents = segment(s);
    let qn = Normed::new(question);
    let question_products = products.identify(&qn.s);
    let question_numbers: Vec<f64> = {
        let qmasks = masks(&qn.s);
        static RE_ANYNUM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+(?:\.\d+)?").expect("static regex"));
        let mut v: Vec<f64> = RE_ANYNUM
            .find_iter(&qn.s)
            .filter(|m| !overlaps(&qmasks, &m.range()))
            // Model numbers (X200, 手机 15) are not the shopper's quantities.
            .filter(|m| {
                let before = qn.s[..m.start()].trim_end_matches(' ');
                !before.ends_with(|c: char| c.is_ascii_alphabetic())
                    && !qn.s[m.end()..].starts_with(|c: char| c.is_ascii_alphabetic())
            })
            .filter_map(|m| m.as_str().parse().ok())
            .collect();
        for c in RE_DUR.captures_iter(&qn.s) {
            if let Some(x) = c.get(1).and_then(|m| parse_num(m.as_str())) {
                v.push(x);
            }
        }
        v
    };
    // Durations the shopper wrote (签收3天了), in hours.
    let question_durs: Vec<f64> = {
        let qmasks = masks(&qn.s);
        let mut v = Vec::new();
        for c in RE_DUR.captures_iter(&qn.s) {
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
    };
    let ments = mentions(s, lex);
    let stances: Vec<Vec<Stance>> = sents
        .iter()
        .map(|st| st.clauses.iter().map(|c| stance(&s[c.clone()])).collect())
        .collect();

    // Subjects: product pieces per clause, carried forward across clauses and sentences.
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut current: (Vec<usize>, f64) = products.identify_scored(&qn.s);
    let mut answer_products: Vec<usize> = Vec::new();
    let dates_all = dates(s);
    let couriers = lex.couriers_in(s);
    for (si, st) in sents.iter().enumerate() {
        for (ci, cl) in st.clauses.iter().enumerate() {
            let clause = &s[cl.clone()];
            let cl_ments: Vec<&Mention> = ments
                .iter()
                .filter(|m| m.range.start >= cl.start && m.range.end <= cl.end)
                .collect();
            // Pieces: split at value mentions and list separators.
            // Values cut the clause into pieces, except values that belong to a product name
            // ("某品牌5000mAh 20W充电宝"); so do list separators outside values.
            let blocking: Vec<Range<usize>> = cl_ments
                .iter()
                .filter(|m| !products.is_name_term(&m.raw))
                .map(|m| m.range.clone())
                .collect();
            let mut cuts: Vec<usize> = vec![cl.start];
            for r in &blocking {
                cuts.push(r.start);
                cuts.push(r.end);
            }
            for (b, c) in clause.char_indices() {
                let at = cl.start + b;
                if "、和与及+=/()（）".contains(c) && !cl_ments.iter().any(|m| m.range.start <= at && at < m.range.end)
                {
                    cuts.push(at);
                    cuts.push(at + c.len_utf8());
                }
            }
            cuts.push(cl.end);
            cuts.sort_unstable();
            cuts.dedup();
            let mut pieces: Vec<(usize, Vec<usize>, f64)> = Vec::new(); // (end offset, products, score)
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
                if !g.is_empty() && accepts(&current, &g, score, leading && products.has_unique(piece, &g)) {
                    pieces.push((w[1], g, score));
                }
            }
            if pieces.is_empty() {
                let naming = lex.naming_part(clause);
                let (g, score) = products.identify_scored(naming);
                if !g.is_empty() && accepts(&current, &g, score, false) {
                    pieces.push((cl.start, g, score));
                }
            }
            let distinct: Vec<&Vec<usize>> = {
                let mut d: Vec<&Vec<usize>> = Vec::new();
                for (_, g, _) in &pieces {
                    if !d.contains(&g) {
                        d.push(g);
                    }
                }
                d
            };
            for g in &distinct {
                for p in g.iter() {
                    if !answer_products.contains(p) {
                        answer_products.push(*p);
                    }
                }
            }
            let is_list = distinct.len() >= 2;
            // "所有商品…", "全店…": a shop-wide statement, about no one product.
            let universal = UNIVERSAL.iter().any(|w| clause.contains(w)) && pieces.is_empty();
            let subject_at = |pos: usize, current: &(Vec<usize>, f64)| -> Vec<usize> {
                if universal {
                    return Vec::new();
                }
                if let Some((_, g, _)) = pieces.iter().rev().find(|(end, _, _)| *end <= pos) {
                    return g.clone();
                }
                if !is_list && let Some((_, g, _)) = pieces.first() {
                    return g.clone();
                }
                current.0.clone()
            };
            let mut push = |kind: ClaimKind, nr: Range<usize>, what: What, subjects: Vec<usize>, in_q: bool| {
                let r = norm.orig(&nr);
                candidates.push(Candidate {
                    kind,
                    text: answer[r.clone()].to_string(),
                    range: r,
                    sentence: si,
                    clause: ci,
                    what,
                    subjects,
                    in_question: in_q,
                });
            };
            // Values.
            for (mi, m) in cl_ments.iter().enumerate() {
                if m.body || products.names_value(s, cl, &cl_ments, mi) {
                    continue;
                }
                let subj = subject_at(m.range.start, &current);
                let in_q = match &m.val {
                    Val::Money(v) | Val::Discount(v) => question_numbers.iter().any(|q| approx(*q, *v)),
                    Val::Dur { lo, hi, .. } => question_durs.iter().any(|q| approx(*q, *lo) || approx(*q, *hi)),
                    Val::Measure { lo, hi, .. } => question_numbers.iter().any(|q| approx(*q, *lo) || approx(*q, *hi)),
                    Val::Pair { x, y } => {
                        question_numbers.iter().any(|q| approx(*q, *x))
                            && question_numbers.iter().any(|q| approx(*q, *y))
                    }
                    Val::Inventory(n) => question_numbers.iter().any(|q| approx(*q, *n as f64)),
                    _ => false,
                };
                let kind = match &m.val {
                    Val::Money(_) => match m.key.as_deref() {
                        Some("运费" | "差价" | "手续费" | "扣" | "包邮" | "满" | "免息") => ClaimKind::Fee,
                        _ => ClaimKind::Price,
                    },
                    Val::Dur { .. } => match m.key.as_deref() {
                        Some(k) if is_attr_dur_key(k) => ClaimKind::Attribute,
                        _ => ClaimKind::Days,
                    },
                    Val::Measure { .. } | Val::Spec { .. } | Val::Pct { .. } | Val::Ports { .. } => {
                        ClaimKind::Attribute
                    }
                    Val::Discount(_) | Val::Pair { .. } => ClaimKind::Promotion,
                    Val::TimeRange(..) | Val::TimeOfDay { .. } => ClaimKind::Hours,
                    Val::Inventory(_) => ClaimKind::Stock,
                };
                push(kind, m.range.clone(), What::Value((*m).clone()), subj, in_q);
            }
            // Stock state.
            let cst = stances[si][ci];
            for m in STOCK_AC.find_iter(clause) {
                let Some(state) = STOCK_PHRASES[m.pattern().as_usize()].1 else {
                    continue;
                };
                let before: String = clause[..m.start()].chars().rev().take(3).collect();
                if ["如果", "若", "如"]
                    .iter()
                    .any(|w| before.contains(&w.chars().rev().collect::<String>()))
                {
                    continue;
                }
                let nr = cl.start + m.start()..cl.start + m.end();
                let mut subj = subject_at(nr.start, &current);
                if subj.is_empty() {
                    // "有货的亲，<product>…": the product named later in the sentence.
                    for later in st.clauses.iter().skip(ci + 1) {
                        let g = products.identify(&s[later.clone()]);
                        if !g.is_empty() {
                            subj = g;
                            break;
                        }
                    }
                }
                push(ClaimKind::Stock, nr, What::Stock(state), subj, false);
            }
            // Couriers.
            for (r, idx) in couriers.iter().filter(|(r, _)| r.start >= cl.start && r.end <= cl.end) {
                if cst == Stance::Negate {
                    continue;
                }
                let before: String = s[cl.start..r.start]
                    .chars()
                    .rev()
                    .take(6)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let default = ["默认", "只发", "都发", "统一", "一律", "合作"]
                    .iter()
                    .any(|w| before.contains(w));
                // Extend to "X快递"/"X速运" as written.
                let mut end = r.end;
                for suf in ["快递", "速运", "速递"] {
                    if s[end..].starts_with(suf) {
                        end += suf.len();
                        break;
                    }
                }
                push(
                    ClaimKind::Courier,
                    r.start..end,
                    What::Courier { concept: *idx, default },
                    Vec::new(),
                    false,
                );
            }
            // Colours.
            if cst != Stance::Negate {
                for (r, core) in colour_tokens(clause) {
                    let nr = cl.start + r.start..cl.start + r.end;
                    let subj = subject_at(nr.start, &current);
                    if !subj.is_empty() {
                        push(ClaimKind::Attribute, nr, What::Colour(core), subj, false);
                    }
                }
            }
            // Materials, where the clause is about what the product is made of.
            if cst != Stance::Negate && MATERIAL_CUES.iter().any(|w| clause.contains(w)) {
                for (r, canon) in materials_in(clause) {
                    let nr = cl.start + r.start..cl.start + r.end;
                    let subj = subject_at(nr.start, &current);
                    // A material word inside the product's own name is part of naming it.
                    let in_name = !subj.is_empty() && subj.iter().all(|&p| products.name_contains(p, &s[nr.clone()]));
                    if !subj.is_empty() && !in_name {
                        let pure = ["纯", "全"].iter().any(|w| s[nr.clone()].starts_with(w))
                            || s[..nr.start].ends_with("100%");
                        push(
                            ClaimKind::Attribute,
                            nr,
                            What::Material { name: canon, pure },
                            subj,
                            false,
                        );
                    }
                }
            }
            // Promotion state, dates, participation.
            let state = if UPCOMING.iter().any(|w| clause.contains(w)) {
                Some(PromoClaim::Upcoming)
            } else if ENDED.iter().any(|w| clause.contains(w)) {
                Some(PromoClaim::Ended)
            } else if RUNNING.iter().any(|w| clause.contains(w)) && cst != Stance::Negate {
                Some(PromoClaim::Running)
            } else {
                None
            };
            if let Some(state) = state {
                push(
                    ClaimKind::Promotion,
                    cl.clone(),
                    What::PromoStatus(state),
                    Vec::new(),
                    false,
                );
            }
            for d in dates_all
                .iter()
                .filter(|d| d.range.start >= cl.start && d.range.end <= cl.end)
            {
                if d.start || d.end {
                    let subj = subject_at(d.range.start, &current);
                    push(
                        ClaimKind::Promotion,
                        d.range.clone(),
                        What::PromoDate(d.clone()),
                        subj,
                        false,
                    );
                }
            }
            for m in RE_PHONE.find_iter(clause) {
                let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
                if digits.len() >= 10 {
                    let nr = cl.start + m.start()..cl.start + m.end();
                    push(ClaimKind::Hours, nr, What::Phone(digits), Vec::new(), false);
                }
            }
            if cst != Stance::Negate && PARTICIPATE.iter().any(|w| clause.contains(w)) {
                let subj = subject_at(cl.end, &current);
                push(ClaimKind::Promotion, cl.clone(), What::Participation, subj, false);
            }
            // Who pays return shipping.
            if let Some(p) = payer_in(clause, &s[st.range.clone()]) {
                push(ClaimKind::Policy, cl.clone(), What::Payer(p), Vec::new(), false);
            }
            if !is_list && let Some((_, g, score)) = pieces.last() {
                let score = if *g == current.0 { score.max(current.1) } else { *score };
                current = (g.clone(), score);
            }
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
