//! Product attribute claims: spec values, measures, percentages, ports and attribute
//! durations (warranty, shelf life, battery), colours and materials, checked against the
//! subject product's own facts. The colour and material vocabulary is here.

use super::candidate::{Candidate, ClauseScan, What};
use super::context::{Ctx, Outcome, contradicted, keys_compatible, quoted, supported, unsupported, unverifiable};
use super::facts::{FactSentence, Scope, product_text};
use super::lexicon::Vocab;
use super::mentions::{Mention, Val, same_type, same_value};
use super::products::ProductIndex;
use super::text::{Stance, next_char};
use crate::pipeline::ClaimKind;
use std::ops::Range;

/// Whether a value describes a product (a measure, spec, percentage, port count, or an
/// attribute duration such as warranty or shelf life).
pub(super) fn is_attr_val(m: &Mention) -> bool {
    match &m.val {
        Val::Measure { .. } | Val::Spec { .. } | Val::Pct { .. } | Val::Ports { .. } => true,
        Val::Dur { .. } => m.attr_dur,
        _ => false,
    }
}

/// Product attributes: compared with the subject product's own facts, and with shop-wide
/// sentences only where they align closely with the claim's clause.
pub(super) fn check_attribute(cx: &Ctx, c: &Candidate, m: &Mention) -> Outcome {
    let fb = cx.fb;
    let equal = |fm: &Mention| same_type(&m.val, &fm.val) && same_value(&m.val, &fm.val);
    if c.subjects.is_empty() {
        let any = fb
            .sentences
            .iter()
            .any(|f| f.scope != Scope::General && f.mentions.iter().any(equal));
        return if any { supported(None) } else { unverifiable() };
    }
    if let Some(iri) = quoted(cx, c, m) {
        return supported(Some(iri));
    }
    // Shop-wide statements about the same thing (an FAQ on shelf life, shrinkage…).
    let aligned_shop: Vec<(&FactSentence, f64)> = fb
        .sentences
        .iter()
        .filter(|f| f.scope == Scope::Shop && f.mentioned <= 1)
        .map(|f| (f, cx.align(c, f)))
        .filter(|(_, a)| *a >= 2.0)
        .collect();
    if let Some((f, _)) = aligned_shop.iter().find(|(f, _)| f.mentions.iter().any(equal)) {
        return supported(Some(f.iri.clone()));
    }
    let key_ok = |fm: &Mention| match (&m.val, &fm.val) {
        (Val::Measure { .. }, _) | (Val::Dur { .. }, _) => keys_compatible(&m.key, &fm.key),
        _ => true,
    };
    let mut all_contra = true;
    let mut expected: Option<(String, String)> = None;
    for &p in &c.subjects {
        let own: Vec<&FactSentence> = fb.sentences.iter().filter(|f| f.single_product() == Some(p)).collect();
        if let Some(f) = own.iter().find(|f| f.mentions.iter().any(equal)) {
            return supported(Some(f.iri.clone()));
        }
        let mut found = None;
        for f in &own {
            for fm in &f.mentions {
                if same_type(&m.val, &fm.val) && !fm.body && key_ok(fm) && found.is_none() {
                    found = Some((f.raw(fm), f.iri.clone()));
                }
            }
        }
        if found.is_none() {
            for (f, a) in &aligned_shop {
                for fm in &f.mentions {
                    if *a >= 3.0 && same_type(&m.val, &fm.val) && !fm.body && key_ok(fm) && found.is_none() {
                        found = Some((f.raw(fm), f.iri.clone()));
                    }
                }
            }
        }
        match found {
            Some(e) => {
                expected.get_or_insert(e);
            }
            None => all_contra = false,
        }
    }
    let written_anywhere = written_for_kin(cx, c, &equal);
    match expected {
        Some((e, iri)) if all_contra && !c.in_question => contradicted(e, Some(iri)),
        // A keyed value (容量, 功率, 保质期) of a product none of whose facts has one, written
        // nowhere in the merchant's knowledge that could speak of it: invented.
        None if m.key.is_some() && !c.in_question && !written_anywhere => unsupported(),
        _ => unverifiable(),
    }
}

/// Whether a value is written in the merchant's knowledge where it could speak of the
/// claim's products: shop-wide, or for a product of the same category or one the answer or
/// question names. Written only for a product of another category (the hair dryer's 1600W
/// for a foundation), it is not.
fn written_for_kin(cx: &Ctx, c: &Candidate, equal: &impl Fn(&Mention) -> bool) -> bool {
    let fb = cx.fb;
    let category = |p: usize| fb.facts.products.get(p).and_then(|x| x.category.as_deref());
    let named = |p: usize| cx.p.answer_products.contains(&p) || cx.p.question_products.contains(&p);
    let kin = |p: usize| {
        named(p)
            || c.subjects
                .iter()
                .any(|&s| category(s).is_none() || category(s) == category(p))
    };
    fb.sentences
        .iter()
        .any(|f| f.scope != Scope::General && f.mentions.iter().any(equal) && f.single_product().is_none_or(&kin))
}

/// Characters that end a colour word going backwards from 色 ("选雾粉色" → 雾粉).
const COLOUR_STOPS: &[char] = &[
    '是', '的', '有', '和', '、', '为', '选', '或', '及', '与', '拍', '款', '个', '种', '两', '三', '四',
];

/// Characters right before 色 that make it no colour (肤色, 显色, 出色, 气色…).
const NOT_COLOUR_BEFORE: &str = "肤显出气颜本特角脸景音成发染变褪掉串色提";

/// Characters right after 色 that make it no colour (色号, 色差, 色温, 色系…).
const NOT_COLOUR_AFTER: &str = "号差温系调值卡";

/// Colour words of a folded text (range, the word before 色).
fn colour_tokens(s: &str, vocab: &Vocab) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    for (i, _) in s.match_indices('色') {
        let after = next_char(s, i + '色'.len_utf8());
        if after.is_some_and(|c| NOT_COLOUR_AFTER.contains(c)) {
            continue;
        }
        let before: Vec<(usize, char)> = s[..i]
            .char_indices()
            .rev()
            .take_while(|(_, c)| crate::text::is_cjk(*c))
            .take(4)
            .collect();
        let mut start = i;
        for (b, c) in &before {
            if COLOUR_STOPS.contains(c) {
                break;
            }
            start = *b;
        }
        let core = &s[start..i];
        if core.is_empty() || core.chars().last().is_some_and(|c| NOT_COLOUR_BEFORE.contains(c)) {
            continue;
        }
        if !vocab.colour.any(core) {
            continue;
        }
        out.push((start..i + '色'.len_utf8(), core.to_string()));
    }
    out
}

/// Colours named for the clause's product ("雾粉色"), unless the clause negates.
pub(super) fn colour_candidates(scan: &mut ClauseScan) {
    if scan.stance == Stance::Negate {
        return;
    }
    let cl_start = scan.cl.start;
    for (r, core) in colour_tokens(scan.clause, &scan.lex.vocab) {
        let nr = cl_start + r.start..cl_start + r.end;
        let subj = scan.subject_at(nr.start);
        if !subj.is_empty() {
            scan.push(ClaimKind::Attribute, nr, What::Colour(core), subj, false);
        }
    }
}

/// A colour named for a product must be in its name, properties or description, or be made
/// of basic colours its colour properties list.
pub(super) fn check_colour(cx: &Ctx, c: &Candidate, core: &str) -> Outcome {
    let fb = cx.fb;
    let mut contra = 0;
    let mut expected = None;
    for &p in &c.subjects {
        let Some(prod) = fb.facts.products.get(p) else { continue };
        let colour_props: Vec<&String> = prod
            .properties
            .iter()
            .filter(|(n, _)| COLOUR_CONCEPTS.contains(&fb.lex.concept_of(n).as_str()))
            .map(|(_, v)| v)
            .collect();
        let text = product_text(prod);
        let basics: Vec<&str> = fb.lex.vocab.colour.find(core).into_iter().map(|(_, n)| n).collect();
        let colour_text: String = colour_props.iter().map(|v| crate::text::fold(v)).collect();
        let listed = |n: &str| fb.lex.vocab.colour.has(&colour_text, n);
        if text.contains(core) || (!basics.is_empty() && basics.iter().all(|b| listed(b))) {
            return supported(Some(prod.iri.clone()));
        }
        if !colour_props.is_empty() {
            contra += 1;
            expected.get_or_insert((colour_props[0].clone(), prod.iri.clone()));
        }
    }
    match expected {
        Some((e, iri)) if contra == c.subjects.len() => contradicted(e, Some(iri)),
        _ => unverifiable(),
    }
}

/// Material names in a folded text (range, material notation).
pub(super) fn materials_in<'a>(s: &str, v: &'a Vocab) -> Vec<(Range<usize>, &'a str)> {
    v.material.find(s)
}

/// Attribute concepts whose property values list what a product is made of.
const MATERIAL_CONCEPTS: &[&str] = &["material", "filling"];

/// Attribute concepts whose property values list a product's colours.
const COLOUR_CONCEPTS: &[&str] = &["colour", "shade"];

/// Prefixes that make a material the only one (纯棉, 全棉).
const PURE_PREFIXES: &[&str] = &["纯", "全"];

/// Materials, where the clause is about what the product is made of (and the word is not
/// part of the product's own name).
pub(super) fn material_candidates(scan: &mut ClauseScan, products: &ProductIndex) {
    let v = &scan.lex.vocab;
    let cue =
        scan.lex.has_label_of(scan.clause, MATERIAL_CONCEPTS) || PURE_PREFIXES.iter().any(|w| scan.clause.contains(w));
    if scan.stance == Stance::Negate || !cue {
        return;
    }
    let (s, cl_start) = (scan.s, scan.cl.start);
    for (r, material) in materials_in(scan.clause, v) {
        let nr = cl_start + r.start..cl_start + r.end;
        let subj = scan.subject_at(nr.start);
        // A material word inside the product's own name is part of naming it.
        let in_name = !subj.is_empty() && subj.iter().all(|&p| products.name_contains(p, &s[nr.clone()]));
        if !subj.is_empty() && !in_name {
            let pure = PURE_PREFIXES.iter().any(|w| s[nr.clone()].starts_with(w)) || s[..nr.start].ends_with("100%");
            scan.push(
                ClaimKind::Attribute,
                nr,
                What::Material {
                    name: material.to_string(),
                    pure,
                },
                subj,
                false,
            );
        }
    }
}

/// Whether a material is among the materials of a text: named itself, inside a blend named
/// (棉麻 lists 棉), or as a blend whose parts are all named.
fn material_listed(material: &str, text: &str, v: &Vocab) -> bool {
    let named: Vec<&str> = materials_in(text, v)
        .into_iter()
        .flat_map(|(_, m)| v.material.closure(m))
        .collect();
    let parts: Vec<&str> = v.material.closure(material).into_iter().skip(1).collect();
    named.contains(&material) || !parts.is_empty() && parts.iter().all(|p| named.contains(p))
}

/// A material named for a product must be one its facts list (where they list any).
pub(super) fn check_material(cx: &Ctx, c: &Candidate, material: &str, pure: bool) -> Outcome {
    let fb = cx.fb;
    let vocab = &fb.lex.vocab;
    let mut contra = 0;
    let mut expected = None;
    for &p in &c.subjects {
        let Some(prod) = fb.facts.products.get(p) else { continue };
        let text = product_text(prod);
        let listed: Vec<&String> = prod
            .properties
            .iter()
            .filter(|(n, v)| {
                MATERIAL_CONCEPTS.contains(&fb.lex.concept_of(n).as_str())
                    && !materials_in(&crate::text::fold(v), vocab).is_empty()
            })
            .map(|(_, v)| v)
            .collect();
        // 纯棉 / 100%棉: the listed materials must be that one alone.
        let pure_ok = !pure
            || listed.iter().all(|v| {
                let f = crate::text::fold(v);
                let ms = materials_in(&f, vocab);
                ms.iter().all(|(_, m)| *m == material)
                    || ms
                        .iter()
                        .any(|(r, m)| *m == material && f[..r.start].trim_end().ends_with("100%"))
            });
        if material_listed(material, &text, vocab) && pure_ok {
            return supported(Some(prod.iri.clone()));
        }
        if let Some(v) = listed.first() {
            contra += 1;
            expected.get_or_insert(((*v).clone(), prod.iri.clone()));
        }
    }
    match expected {
        Some((e, iri)) if contra == c.subjects.len() => contradicted(e, Some(iri)),
        _ => unverifiable(),
    }
}
