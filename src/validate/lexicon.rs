//! The merchant's and the ontology's vocabulary for checking: attribute labels (keys for
//! measures, the words that end a product's name), courier labels, and the `zk:Vocabulary`
//! word lists of the published schema ([`Words`]: stock phrases, promotion states, payers,
//! materials, regions, service topics…). No word list lives in code.

use super::text::{ascii_boundary_after, ascii_boundary_before, drop_negated, strip_exceptions, term_set};
use crate::store::ontology::Vocabulary;
use crate::store::{MerchantFacts, Ontology};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// One vocabulary scheme as a matcher: its folded written forms, each with its concept's
/// notation; where forms overlap the longest wins.
#[derive(Debug, Clone, Default)]
pub(super) struct Words {
    /// (folded form, notation).
    forms: Vec<(String, String)>,
    /// Matcher over `forms`.
    ac: Option<AhoCorasick>,
    /// Notation → itself and every broader notation (transitively).
    closure: HashMap<String, Vec<String>>,
    /// Notation → preferred form (folded).
    pref: HashMap<String, String>,
}

impl Words {
    /// The scheme `scheme` of the vocabulary (empty when the schema has none).
    pub(super) fn new(v: &Vocabulary, scheme: &str) -> Self {
        let mut forms: Vec<(String, String)> = Vec::new();
        let mut pref = HashMap::new();
        for t in v.terms(scheme) {
            for (i, l) in t.labels.iter().enumerate() {
                let f = crate::text::fold(l);
                if f.is_empty() {
                    continue;
                }
                if i == 0 {
                    pref.insert(t.notation.clone(), f.clone());
                }
                forms.push((f, t.notation.clone()));
            }
        }
        forms.sort();
        forms.dedup_by(|a, b| a.0 == b.0);
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(forms.iter().map(|(f, _)| f.as_str()))
            .ok()
            .filter(|_| !forms.is_empty());
        let broader: HashMap<&str, &[String]> = v
            .terms(scheme)
            .iter()
            .map(|t| (t.notation.as_str(), t.broader.as_slice()))
            .collect();
        let closure = broader
            .keys()
            .map(|n| {
                let mut all = vec![n.to_string()];
                let mut i = 0;
                while i < all.len() {
                    for b in broader.get(all[i].as_str()).copied().unwrap_or_default() {
                        if !all.contains(b) {
                            all.push(b.clone());
                        }
                    }
                    i += 1;
                }
                (n.to_string(), all)
            })
            .collect();
        Words {
            forms,
            ac,
            closure,
            pref,
        }
    }

    /// The forms found in a folded text, leftmost-longest and not overlapping: (range, notation).
    pub(super) fn find<'a>(&'a self, s: &str) -> Vec<(Range<usize>, &'a str)> {
        let Some(ac) = &self.ac else { return Vec::new() };
        ac.find_iter(s)
            .filter(|m| {
                let f = &self.forms[m.pattern().as_usize()].0;
                // An ASCII form is a whole word ("pu", "tpu"), not part of one.
                !f.chars().all(|c| c.is_ascii_alphanumeric())
                    || ascii_boundary_before(s, m.start()) && ascii_boundary_after(s, m.end())
            })
            .map(|m| (m.start()..m.end(), self.forms[m.pattern().as_usize()].1.as_str()))
            .collect()
    }

    /// Whether a folded text holds a form of the concept `notation`.
    pub(super) fn has(&self, s: &str, notation: &str) -> bool {
        self.find(s).iter().any(|(_, n)| *n == notation)
    }

    /// Whether a folded text holds a form of any concept of the scheme.
    pub(super) fn any(&self, s: &str) -> bool {
        !self.find(s).is_empty()
    }

    /// The concept `notation` and every broader concept.
    pub(super) fn closure<'a>(&'a self, notation: &'a str) -> Vec<&'a str> {
        match self.closure.get(notation) {
            Some(all) => all.iter().map(String::as_str).collect(),
            None => vec![notation],
        }
    }

    /// A folded text with every form replaced by its concept's preferred form.
    pub(super) fn canonical(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        for (r, n) in self.find(s) {
            out.push_str(&s[at..r.start]);
            out.push_str(self.pref.get(n).map_or(&s[r.clone()], String::as_str));
            at = r.end;
        }
        out.push_str(&s[at..]);
        out
    }
}

/// The `zk:Vocabulary` schemes the validator reads, by scheme.
#[derive(Debug, Clone, Default)]
pub(super) struct Vocab {
    /// Stock states (`in_stock`, `spot`, `out_of_stock`, `mention`).
    pub(super) stock: Words,
    /// Promotion states (`running`, `started`, `ended`, `upcoming`, `takes_part`).
    pub(super) promotion: Words,
    /// Kinds of promotion named without naming one (`deduction`: 满减).
    pub(super) promotion_kind: Words,
    /// Who pays (`buyer`, `shop`, `insurance`, `pays`, `buyer_pays`).
    pub(super) payer: Words,
    /// What a duration is the length of (`ship`, `refund`…; broader `attribute`).
    pub(super) duration: Words,
    /// What an amount of money is (`price`, `total`, `shipping_fee`…).
    pub(super) amount: Words,
    /// Law and general practice.
    pub(super) authority: Words,
    /// Condition and topic forms folded to one spelling.
    pub(super) canonical: Words,
    /// The shopper's body measures.
    pub(super) body: Words,
    /// Shop-wide statements.
    pub(super) shop_wide: Words,
    /// Default-courier words.
    pub(super) courier_default: Words,
    /// Materials (broader: the materials a blend is made of).
    pub(super) material: Words,
    /// Basic colours.
    pub(super) colour: Words,
    /// Regions (broader: the groups merchants write).
    pub(super) region: Words,
    /// Service topics of yes/no claims.
    pub(super) topic: Words,
    /// Service talk that claims nothing.
    pub(super) discourse: Words,
    /// Faults the shop answers for in any case.
    pub(super) shop_fault: Words,
}

impl Vocab {
    /// Condition and topic forms folded to one spelling (the `canonical` vocabulary).
    pub(super) fn canon(&self, s: &str) -> String {
        self.canonical.canonical(s)
    }

    /// Condition terms of a text for policy matching: canonical forms, negated spans and
    /// bare numbers left out.
    pub(super) fn cond_terms(&self, s: &str) -> HashSet<String> {
        term_set(&drop_negated(&self.canon(&strip_exceptions(s))))
            .into_iter()
            .filter(|t| !t.chars().all(|c| c.is_ascii_digit()))
            .collect()
    }

    /// Every scheme the validator reads.
    pub(super) fn new(v: &Vocabulary) -> Self {
        Vocab {
            stock: Words::new(v, "stock"),
            promotion: Words::new(v, "promotion_state"),
            promotion_kind: Words::new(v, "promotion_kind"),
            payer: Words::new(v, "payer"),
            duration: Words::new(v, "duration_role"),
            amount: Words::new(v, "amount_role"),
            authority: Words::new(v, "authority"),
            canonical: Words::new(v, "canonical"),
            body: Words::new(v, "body_measure"),
            shop_wide: Words::new(v, "shop_wide"),
            courier_default: Words::new(v, "courier_default"),
            material: Words::new(v, "material"),
            colour: Words::new(v, "colour"),
            region: Words::new(v, "region"),
            topic: Words::new(v, "topic"),
            discourse: Words::new(v, "discourse"),
            shop_fault: Words::new(v, "shop_fault"),
        }
    }
}

/// Attribute labels (ontology concepts and the merchant's property names) for keying measures.
#[derive(Debug, Clone, Default)]
pub(super) struct Lexicon {
    /// (folded label, concept key), longest labels first.
    attr_labels: Vec<(String, String)>,
    /// Courier labels (folded) → courier concept index.
    courier_labels: Vec<(String, usize)>,
    /// Matcher over `courier_labels`.
    courier_ac: Option<AhoCorasick>,
    /// Attribute labels that occur in no product name: text after one describes the
    /// product, it does not name another one ("材质<另一商品名里的词>").
    cutters: Vec<String>,
    /// The schema's word lists.
    pub(super) vocab: Vocab,
}

impl Lexicon {
    /// Attribute labels from the ontology's concepts and the merchant's property names, courier
    /// labels and word lists from the ontology.
    pub(super) fn new(facts: &MerchantFacts, ontology: &Ontology) -> Self {
        let mut attr: Vec<(String, String)> = Vec::new();
        for c in &ontology.attributes {
            // Keyed by notation (`material`, `colour`): code compares concepts, never labels.
            let key = if c.notation.is_empty() {
                crate::text::fold(&c.label)
            } else {
                c.notation.clone()
            };
            for l in &c.labels {
                let f = crate::text::fold(l);
                // Only label words, not whole questions or bare units.
                if f.chars().count() >= 2 && f.chars().any(crate::text::is_cjk) && !f.contains('吗') {
                    attr.push((f, key.clone()));
                }
            }
        }
        for p in &facts.products {
            for (n, _) in &p.properties {
                let f = crate::text::fold(n);
                if f.chars().count() >= 2 && !attr.iter().any(|(l, _)| *l == f) {
                    attr.push((f.clone(), f));
                }
            }
        }
        attr.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        attr.dedup_by(|a, b| a.0 == b.0);
        let mut courier_labels = Vec::new();
        for (i, c) in ontology.couriers.iter().enumerate() {
            for l in &c.labels {
                let f = crate::text::fold(l);
                if !f.is_empty() {
                    courier_labels.push((f, i));
                }
            }
        }
        let courier_ac = if courier_labels.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(courier_labels.iter().map(|(l, _)| l.as_str()))
                .ok()
        };
        let names: Vec<String> = facts.products.iter().map(|p| crate::text::fold(&p.name)).collect();
        let cutters = attr
            .iter()
            .map(|(l, _)| l.clone())
            .filter(|l| !names.iter().any(|n| n.contains(l.as_str())))
            .collect();
        Lexicon {
            attr_labels: attr,
            courier_labels,
            courier_ac,
            cutters,
            vocab: Vocab::new(&ontology.vocabulary),
        }
    }

    /// The attribute concept key of the label nearest before `pos` in `clause`.
    pub(super) fn attr_key_before(&self, clause: &str, pos: usize) -> Option<String> {
        let hay = &clause[..pos];
        let mut best: Option<(usize, &str)> = None;
        for (l, k) in &self.attr_labels {
            if let Some(i) = hay.rfind(l.as_str()) {
                let end = i + l.len();
                if best.is_none_or(|(be, _)| end > be) {
                    best = Some((end, k));
                }
            }
        }
        // The label must be right before the value ("净含量50g", "衣长约70cm"), not a word
        // somewhere earlier (a label inside a product name).
        best.filter(|(end, _)| hay[*end..].chars().count() <= 4)
            .map(|(_, k)| k.to_string())
    }

    /// The part of a text before its first attribute label (the part that may name a product).
    pub(super) fn naming_part<'t>(&self, text: &'t str) -> &'t str {
        let cut = self
            .cutters
            .iter()
            .filter_map(|l| text.find(l.as_str()))
            .min()
            .unwrap_or(text.len());
        &text[..cut]
    }

    /// Whether a folded text holds a label of one of these attribute concepts.
    pub(super) fn has_label_of(&self, text: &str, concepts: &[&str]) -> bool {
        self.attr_labels
            .iter()
            .any(|(l, k)| concepts.contains(&k.as_str()) && text.contains(l.as_str()))
    }

    /// The attribute concept key a property name belongs to.
    pub(super) fn concept_of(&self, name: &str) -> String {
        let f = crate::text::fold(name);
        self.attr_labels
            .iter()
            .find(|(l, _)| *l == f)
            .map(|(_, k)| k.clone())
            .unwrap_or(f)
    }

    /// Courier mentions (folded-text range, concept index) in a folded text.
    pub(super) fn couriers_in(&self, s: &str) -> Vec<(Range<usize>, usize)> {
        let Some(ac) = &self.courier_ac else { return Vec::new() };
        let mut out = Vec::new();
        for m in ac.find_iter(s) {
            let (label, idx) = &self.courier_labels[m.pattern().as_usize()];
            if label.chars().all(|c| c.is_ascii_alphanumeric())
                && !(ascii_boundary_before(s, m.start()) && ascii_boundary_after(s, m.end()))
            {
                continue;
            }
            out.push((m.start()..m.end(), *idx));
        }
        out
    }
}
