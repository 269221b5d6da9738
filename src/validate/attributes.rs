//! Product attribute claims: spec values, measures, percentages, ports and attribute
//! durations (warranty, shelf life, battery), colours and materials, checked against the
//! subject product's own facts. The colour and material vocabulary is here.

use super::candidate::{Candidate, ClauseScan, What};
use super::context::{Ctx, Outcome, contradicted, keys_compatible, quoted, supported, unverifiable};
use super::facts::{FactSentence, Scope};
use super::mentions::{Mention, Val, is_attr_dur_key, same_type, same_value};
use super::products::ProductIndex;
use super::text::{Stance, next_char};
use crate::pipeline::ClaimKind;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::ops::Range;
use std::sync::LazyLock;

/// Whether a value describes a product (a measure, spec, percentage, port count, or an
/// attribute duration such as warranty or shelf life).
pub(super) fn is_attr_val(m: &Mention) -> bool {
    match &m.val {
        Val::Measure { .. } | Val::Spec { .. } | Val::Pct { .. } | Val::Ports { .. } => true,
        Val::Dur { .. } => m.key.as_deref().is_some_and(is_attr_dur_key),
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
    match expected {
        Some((e, iri)) if all_contra && !c.in_question => contradicted(e, Some(iri)),
        _ => unverifiable(),
    }
}

/// Basic colour characters: a colour word (…色) must hold one.
const BASIC_COLOURS: &str = "红橙黄绿青蓝紫黑白灰粉棕褐金银米杏驼咖卡其藏";

/// Characters that end a colour word going backwards from 色 ("选雾粉色" → 雾粉).
const COLOUR_STOPS: &[char] = &[
    '是', '的', '有', '和', '、', '为', '选', '或', '及', '与', '拍', '款', '个', '种', '两', '三', '四',
];

/// Characters right before 色 that make it no colour (肤色, 显色, 出色, 气色…).
const NOT_COLOUR_BEFORE: &str = "肤显出气颜本特角脸景音成发染变褪掉串色提";

/// Characters right after 色 that make it no colour (色号, 色差, 色温, 色系…).
const NOT_COLOUR_AFTER: &str = "号差温系调值卡";

/// Property names that hold a product's colours (besides the ontology's 颜色 concept).
const COLOUR_PROPERTY_WORDS: &[&str] = &["颜色", "色号"];

/// Colour words of a folded text (range, the word before 色).
fn colour_tokens(s: &str) -> Vec<(Range<usize>, String)> {
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
        if !core.chars().any(|c| BASIC_COLOURS.contains(c)) {
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
    for (r, core) in colour_tokens(scan.clause) {
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
            .filter(|(n, _)| fb.lex.concept_of(n) == "颜色" || COLOUR_PROPERTY_WORDS.iter().any(|w| n.contains(w)))
            .map(|(_, v)| v)
            .collect();
        let mut text = crate::text::fold(&prod.name);
        for (_, v) in &prod.properties {
            text.push_str(&crate::text::fold(v));
        }
        text.push_str(&crate::text::fold(prod.description.as_deref().unwrap_or("")));
        let basics: Vec<char> = core.chars().filter(|ch| BASIC_COLOURS.contains(*ch)).collect();
        let colour_text: String = colour_props.iter().map(|v| crate::text::fold(v)).collect();
        if text.contains(core) || (!basics.is_empty() && basics.iter().all(|b| colour_text.contains(*b))) {
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

/// Clause words saying what a product is made of.
const MATERIAL_CUES: &[&str] = &["材质", "面料", "成分", "材料", "用料", "纯", "填充"];

/// Generic material vocabulary: written form → canonical material.
const MATERIALS: &[(&str, &str)] = &[
    ("纯棉", "棉"),
    ("全棉", "棉"),
    ("棉麻", "棉麻"),
    ("长绒棉", "棉"),
    ("棉", "棉"),
    ("亚麻", "麻"),
    ("苎麻", "麻"),
    ("真丝", "蚕丝"),
    ("桑蚕丝", "蚕丝"),
    ("蚕丝", "蚕丝"),
    ("冰丝", "冰丝"),
    ("山羊绒", "羊绒"),
    ("羊绒", "羊绒"),
    ("绵羊毛", "羊毛"),
    ("羊毛", "羊毛"),
    ("马海毛", "马海毛"),
    ("羊驼毛", "羊驼毛"),
    ("白鸭绒", "鸭绒"),
    ("鸭绒", "鸭绒"),
    ("白鹅绒", "鹅绒"),
    ("鹅绒", "鹅绒"),
    ("涤纶", "涤纶"),
    ("聚酯纤维", "涤纶"),
    ("锦纶", "锦纶"),
    ("尼龙", "锦纶"),
    ("氨纶", "氨纶"),
    ("腈纶", "腈纶"),
    ("粘纤", "粘纤"),
    ("粘胶", "粘纤"),
    ("人造棉", "粘纤"),
    ("莫代尔", "莫代尔"),
    ("天丝", "天丝"),
    ("莱赛尔", "天丝"),
    ("三醋酸", "醋酸"),
    ("醋酸", "醋酸"),
    ("雪纺", "雪纺"),
    ("真皮", "真皮"),
    ("牛皮", "真皮"),
    ("羊皮", "真皮"),
    ("pu皮", "pu"),
    ("硅胶", "硅胶"),
    ("tpu", "tpu"),
    ("铝合金", "铝合金"),
    ("不锈钢", "不锈钢"),
    ("陶瓷", "陶瓷"),
    ("玻璃", "玻璃"),
    ("实木", "实木"),
    ("竹", "竹"),
];

/// Leftmost-longest matcher over [`MATERIALS`].
static MATERIAL_AC: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(MATERIALS.iter().map(|(w, _)| *w))
        .expect("static automaton")
});

/// Material names in a folded text (range, canonical name); "棉麻" also counts as 棉 and 麻.
pub(super) fn materials_in(s: &str) -> Vec<(Range<usize>, &'static str)> {
    MATERIAL_AC
        .find_iter(s)
        .map(|m| (m.start()..m.end(), MATERIALS[m.pattern().as_usize()].1))
        .collect()
}

/// Prefixes that make a material the only one (纯棉, 全棉).
const PURE_PREFIXES: &[&str] = &["纯", "全"];

/// Materials, where the clause is about what the product is made of (and the word is not
/// part of the product's own name).
pub(super) fn material_candidates(scan: &mut ClauseScan, products: &ProductIndex) {
    if scan.stance == Stance::Negate || !MATERIAL_CUES.iter().any(|w| scan.clause.contains(w)) {
        return;
    }
    let (s, cl_start) = (scan.s, scan.cl.start);
    for (r, canon) in materials_in(scan.clause) {
        let nr = cl_start + r.start..cl_start + r.end;
        let subj = scan.subject_at(nr.start);
        // A material word inside the product's own name is part of naming it.
        let in_name = !subj.is_empty() && subj.iter().all(|&p| products.name_contains(p, &s[nr.clone()]));
        if !subj.is_empty() && !in_name {
            let pure = PURE_PREFIXES.iter().any(|w| s[nr.clone()].starts_with(w)) || s[..nr.start].ends_with("100%");
            scan.push(
                ClaimKind::Attribute,
                nr,
                What::Material { name: canon, pure },
                subj,
                false,
            );
        }
    }
}

/// Whether a material is among the canonical materials of a text.
fn material_listed(material: &str, text: &str) -> bool {
    materials_in(text)
        .iter()
        .any(|(_, c)| *c == material || (*c == "棉麻" && (material == "棉" || material == "麻")))
        || (material == "棉麻" && {
            let ms = materials_in(text);
            ms.iter().any(|(_, c)| *c == "棉") && ms.iter().any(|(_, c)| *c == "麻")
        })
}

/// Property names that list a product's materials (besides the ontology's 材质 concept).
const MATERIAL_PROPERTY_WORDS: &[&str] = &["材质", "面料", "成分", "填充"];

/// A material named for a product must be one its facts list (where they list any).
pub(super) fn check_material(cx: &Ctx, c: &Candidate, material: &str, pure: bool) -> Outcome {
    let fb = cx.fb;
    let mut contra = 0;
    let mut expected = None;
    for &p in &c.subjects {
        let Some(prod) = fb.facts.products.get(p) else { continue };
        let mut text = crate::text::fold(&prod.name);
        for (_, v) in &prod.properties {
            text.push_str(&crate::text::fold(v));
        }
        text.push_str(&crate::text::fold(prod.description.as_deref().unwrap_or("")));
        let listed: Vec<&String> = prod
            .properties
            .iter()
            .filter(|(n, v)| {
                let concept = fb.lex.concept_of(n);
                (concept == "材质" || MATERIAL_PROPERTY_WORDS.iter().any(|w| n.contains(w)))
                    && !materials_in(&crate::text::fold(v)).is_empty()
            })
            .map(|(_, v)| v)
            .collect();
        // 纯棉 / 100%棉: the listed materials must be that one alone.
        let pure_ok = !pure
            || listed.iter().all(|v| {
                let f = crate::text::fold(v);
                let ms = materials_in(&f);
                ms.iter().all(|(_, m)| *m == material)
                    || ms
                        .iter()
                        .any(|(r, m)| *m == material && f[..r.start].trim_end().ends_with("100%"))
            });
        if material_listed(material, &text) && pure_ok {
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
