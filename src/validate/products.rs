//! [`ProductIndex`]: which of the merchant's products a piece of text names, by weighted
//! overlap with product-name terms, model tokens and SKUs.

use super::mentions::{Mention, Val};
use crate::store::MerchantFacts;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Term index over the merchant's product names and SKUs.
#[derive(Debug, Clone, Default)]
pub(super) struct ProductIndex {
    /// Per product: name terms.
    names: Vec<Vec<String>>,
    /// Per product: folded name.
    folded: Vec<String>,
    /// Term weight (rarer is heavier).
    weight: HashMap<String, f64>,
    /// Term → number of products whose name has it.
    df: HashMap<String, usize>,
    /// Per product: total weight of its name terms.
    total: Vec<f64>,
    /// Name term → products whose name has it (so a text is scored against the products it
    /// shares a term with, not against the whole catalogue).
    postings: HashMap<String, Vec<usize>>,
    /// Folded SKUs (four characters or more) and their products.
    sku_finder: Option<(aho_corasick::AhoCorasick, Vec<usize>)>,
}

re!(RE_PCT_NUM, r"\d+(?:\.\d+)?%");

/// A product match this good names the product on its own.
pub(super) const STRONG_MATCH: f64 = 0.45;

re!(RE_NUM_UNIT_WORD, r"^(\d+)[a-z]+$");

/// The matching terms of a product name: percentages left out, the number of a
/// number-unit word (`5000mah` → `5000`) added.
/// Terms of a text plus its variant tokens: a number or a short Latin code with the character
/// after it ("3段", "1.8米", "m码"), which tell the variants of one product line apart.
fn terms_with_variants(text: &str) -> Vec<String> {
    let mut t = crate::text::terms(text);
    let folded = crate::text::fold(text);
    for c in RE_VARIANT.captures_iter(&folded) {
        let token = format!("{}{}", &c[1], &c[2]);
        if !t.contains(&token) {
            t.push(token);
        }
    }
    // A variant numbered in words is the same variant ("一段" is "1段").
    for c in RE_VARIANT_CN.captures_iter(&folded) {
        if let Some(n) = super::text::parse_num(&c[1]) {
            let token = format!("{}{}", n, &c[2]);
            if !t.contains(&token) {
                t.push(token);
            }
        }
    }
    t
}

re!(RE_VARIANT_CN, r"([一二两三四五六七八九十])(段|号|代|层|档|阶)");

re!(RE_VARIANT, r"(?:^|[^0-9a-z.])([0-9]+(?:\.[0-9]+)?|[a-z]{1,3})(\p{Han})");

fn name_terms(name: &str) -> Vec<String> {
    let masked = RE_PCT_NUM.replace_all(name, " ");
    let mut t = terms_with_variants(&masked);
    let extra: Vec<String> = t
        .iter()
        .filter_map(|w| {
            RE_NUM_UNIT_WORD
                .captures(w)
                .and_then(|c| c.get(1))
                .map(|m| m.as_str().to_string())
        })
        .filter(|d| d.len() >= 3)
        .collect();
    for e in extra {
        if !t.contains(&e) {
            t.push(e);
        }
    }
    t
}

impl ProductIndex {
    /// Indexes the merchant's product names (terms weighted by rarity) and SKUs.
    pub(super) fn new(facts: &MerchantFacts) -> Self {
        let names: Vec<Vec<String>> = facts.products.iter().map(|p| name_terms(&p.name)).collect();
        let mut df: HashMap<String, usize> = HashMap::new();
        for n in &names {
            for t in n {
                *df.entry(t.clone()).or_default() += 1;
            }
        }
        let n = names.len().max(1) as f64;
        let weight: HashMap<String, f64> = df
            .iter()
            .map(|(t, d)| (t.clone(), ((n + 1.0) / *d as f64).ln() + 0.05))
            .collect();
        let total = names
            .iter()
            .map(|ts| ts.iter().map(|t| weight.get(t).copied().unwrap_or(0.0)).sum())
            .collect();
        let (sku_patterns, sku_owners): (Vec<String>, Vec<usize>) = facts
            .products
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.sku
                    .as_deref()
                    .map(crate::text::fold)
                    .filter(|s| s.len() >= 4)
                    .map(|s| (s, i))
            })
            .unzip();
        let sku_finder = aho_corasick::AhoCorasick::new(&sku_patterns)
            .ok()
            .filter(|_| !sku_patterns.is_empty())
            .map(|ac| (ac, sku_owners));
        let mut postings: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, ts) in names.iter().enumerate() {
            for t in ts {
                let list = postings.entry(t.clone()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        let folded = facts.products.iter().map(|p| crate::text::fold(&p.name)).collect();
        ProductIndex {
            names,
            folded,
            weight,
            df,
            total,
            postings,
            sku_finder,
        }
    }

    /// Per-product match scores of a folded text: (weighted coverage of the name's terms,
    /// adjusted for ASCII model tokens; whether a term unique to that product matched;
    /// whether all of the product's ASCII model tokens matched).
    ///
    /// Only products that share a name term with the text or whose SKU it contains are
    /// scored (in product order); every other product would score at most 0.
    fn scores(&self, text: &str) -> Vec<(usize, (f64, bool, bool))> {
        let terms: HashSet<String> = terms_with_variants(text).into_iter().collect();
        let compact = crate::text::fold(text);
        let mut sku_hits: Vec<usize> = self
            .sku_finder
            .iter()
            .flat_map(|(ac, owners)| {
                ac.find_overlapping_iter(&compact)
                    .map(|m| owners[m.pattern().as_usize()])
            })
            .collect();
        sku_hits.sort_unstable();
        let mut candidates: Vec<usize> = terms
            .iter()
            .filter_map(|t| self.postings.get(t))
            .flatten()
            .copied()
            .chain(sku_hits.iter().copied())
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        // Model tokens: ASCII words with a letter (x200, max, 30w); bare numbers are not.
        let is_ascii = |t: &String| {
            t.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') && t.chars().any(|c| c.is_ascii_alphabetic())
        };
        // ASCII tokens of the text that name some product (model words).
        let text_models: Vec<&String> = terms
            .iter()
            .filter(|t| is_ascii(t) && self.df.contains_key(*t))
            .collect();
        candidates
            .into_iter()
            .map(|i| (i, &self.names[i]))
            .map(|(i, ts)| {
                if sku_hits.binary_search(&i).is_ok() {
                    return (i, (1.5, true, true));
                }
                let mut got = 0.0;
                let mut unique = false;
                for t in ts {
                    if terms.contains(t) {
                        got += self.weight.get(t).copied().unwrap_or(0.0);
                        if self.df.get(t).copied().unwrap_or(0) == 1 && t.chars().count() >= 2 {
                            unique = true;
                        }
                    }
                }
                let total = self.total[i];
                let mut score = if total > 0.0 { got / total } else { 0.0 };
                let models: Vec<&String> = ts.iter().filter(|t| is_ascii(t)).collect();
                let mut all_models = false;
                if !models.is_empty() {
                    let hit = models.iter().filter(|t| terms.contains(**t)).count();
                    if hit > 0 {
                        score += 0.3 * hit as f64 / models.len() as f64;
                        all_models = hit == models.len();
                    }
                }
                let foreign = text_models.iter().filter(|t| !ts.contains(**t)).count().min(2);
                score -= 0.2 * foreign as f64;
                (i, (score, unique, all_models))
            })
            .collect()
    }

    /// The product (or group of equally matching products) a short text names, if any.
    pub(super) fn identify(&self, text: &str) -> Vec<usize> {
        self.identify_scored(text).0
    }

    /// As [`Self::identify`], with the match score.
    pub(super) fn identify_scored(&self, text: &str) -> (Vec<usize>, f64) {
        let scores = self.scores(text);
        let best = scores.iter().map(|(_, (s, _, _))| *s).fold(0.0, f64::max);
        if best <= 0.0 {
            return (Vec::new(), 0.0);
        }
        let group: Vec<&(usize, (f64, bool, bool))> =
            scores.iter().filter(|(_, (s, _, _))| *s >= best - 0.02).collect();
        let strong = group.iter().any(|(_, (_, u, a))| *u || *a);
        let group: Vec<usize> = group.iter().map(|(i, _)| *i).collect();
        // A product line named without its variant (a colour or size) matches several products equally.
        let line = group.len() >= 2 && best >= 0.3;
        if best >= STRONG_MATCH || (best >= 0.25 && strong) || line {
            (group, best)
        } else {
            (Vec::new(), 0.0)
        }
    }

    /// Whether product `p`'s name contains a folded word.
    pub(super) fn name_contains(&self, p: usize, word: &str) -> bool {
        self.folded.get(p).is_some_and(|n| n.contains(word))
    }

    /// Whether a value as written ("5000mAh", a variant "1.6米") is a term of some product
    /// name.
    pub(super) fn is_name_term(&self, raw: &str) -> bool {
        let compact: String = crate::text::fold(raw);
        let variant = compact.chars().last().is_some_and(crate::text::is_cjk);
        (variant || compact.chars().any(|c| c.is_ascii_alphabetic())) && self.df.contains_key(&compact)
    }

    /// Whether value mention `mi` of a clause is part of a product's name ("某品牌5000mAh
    /// 充电宝"), not a claim about it.
    pub(super) fn names_value(&self, s: &str, cl: &Range<usize>, ments: &[&Mention], mi: usize) -> bool {
        let m = ments[mi];
        if !matches!(m.val, Val::Measure { .. }) {
            return false;
        }
        let compact: String = m.raw.chars().filter(|c| !c.is_whitespace()).collect();
        if !self.df.contains_key(&compact) {
            return false;
        }
        let from = if mi == 0 { cl.start } else { ments[mi - 1].range.end };
        let to = ments.get(mi + 1).map_or(cl.end, |n| n.range.start);
        let window = &s[from.min(m.range.start)..to.max(m.range.end)];
        self.identify(window).iter().any(|&p| self.names[p].contains(&compact))
    }

    /// Whether a text matches a term unique to one of the products.
    pub(super) fn has_unique(&self, text: &str, g: &[usize]) -> bool {
        let scores = self.scores(text);
        g.iter()
            .any(|&i| scores.iter().any(|(j, (_, unique, _))| *j == i && *unique))
    }

    /// How many products a text mentions at least loosely.
    pub(super) fn mentioned(&self, text: &str) -> usize {
        self.scores(text)
            .iter()
            .filter(|(_, (s, u, a))| *s >= 0.3 || (*s >= 0.2 && (*u || *a)))
            .count()
    }

    /// Products a fact sentence names (stricter: near-complete names).
    pub(super) fn tags(&self, text: &str) -> Vec<usize> {
        self.scores(text)
            .iter()
            .filter(|(_, (s, u, a))| *s >= 0.6 || (*s >= 0.4 && (*u || *a)))
            .map(|(i, _)| *i)
            .collect()
    }
}
