//! The question's proposition and the closed world.
//!
//! Real answers are short and take their proposition from the question: "可以" to "刻字的礼盒
//! 可以退吗" asserts that engraved gift boxes can be returned; "台湾可以寄。" asserts shipping to
//! Taiwan. A [`Prop`] is such an assertion: its content (words, service topics, regions and
//! conditions, all read with the schema's vocabulary), its polarity, and the products it is
//! about. It is checked against the merchant's fact clauses on the same content ([`PropFacts`]):
//! a clause of the same polarity supports it, one of the other polarity contradicts it (the
//! conditions of a refusal must be the proposition's own), a promotion is judged by its status
//! at the question's time. A claim about the merchant that no fact supports is `unsupported`
//! (closed world): an invented scent, codec or service.

use super::asked::{self, Judged};
use super::context::Ctx;
use super::facts::{FactBase, Scope, product_text};
use super::lexicon::Vocab;
use super::promotions::{PromoInfo, named_promos, product_excluded};
use super::text::{ANY_PRODUCT, Stance, exceptions, neg_marker, stance, strip_exceptions};
use crate::pipeline::{Claim, ClaimKind, ClaimStatus};
use crate::store::merchant::{Availability, PromotionStatus};
use chrono::Datelike;
use std::collections::HashSet;
use std::ops::Range;

/// Words that carry no content of a claim: modal and polarity words, pronouns, particles,
/// question words (language machinery; the domain's words are in the schema).
const FUNCTION_WORDS: &[&str] = &[
    "可以",
    "能够",
    "能",
    "可",
    "会",
    "是",
    "是的",
    "有",
    "有的",
    "没有",
    "没",
    "不",
    "不能",
    "不可以",
    "不会",
    "无法",
    "支持",
    "不支持",
    "暂不支持",
    "暂不",
    "目前",
    "现在",
    "已经",
    "还",
    "还是",
    "也",
    "都",
    "就",
    "的",
    "了",
    "吗",
    "呢",
    "呀",
    "啊",
    "哦",
    "哈",
    "吧",
    "嘛",
    "么",
    "我们",
    "你们",
    "您",
    "你",
    "我",
    "这",
    "那",
    "这个",
    "那个",
    "这款",
    "那款",
    "本店",
    "店铺",
    "我家",
    "你家",
    "一下",
    "请问",
    "亲",
    "如果",
    "的话",
    "可能",
    "应该",
    "需要",
    "一般",
    "大概",
    "约",
    "左右",
    "哪些",
    "什么",
    "怎么",
    "多少",
    "几",
    "哪",
    "啥",
    "吧",
    "呐",
    "哈哈",
    "好的",
    "对",
    "嗯",
    "行",
    "当然",
    "没问题",
    "而且",
    "并且",
    "和",
    "及",
    "与",
    "或",
    "或者",
    "为",
    "在",
    "给",
    "要",
    "想",
    "让",
    "把",
    "被",
    "对于",
    "关于",
    "根据",
    "资料",
    "所以",
    "因此",
    "但是",
    "不过",
    "还有",
    "仍然",
    "里面",
    "包括",
    "包含",
    "含有",
    "其中",
    "以及",
    "之后",
    "以后",
    "之前",
    "以前",
    "时候",
    "情况",
    "比较",
    "合适",
    "适合",
    "推荐",
    "建议",
    "选择",
    "可选",
    "今天",
    "明天",
    "当天",
    "今日",
    "次日",
    "下午",
    "上午",
    "晚上",
    "早上",
    "中午",
    // Any promotion: "活动已经结束了" speaks of the promotion asked about (any product:
    // `ANY_PRODUCT`).
    "活动",
];

/// Characters that never join a run of single characters into a word (function characters
/// jieba leaves alone: 再按每…).
const FUNCTION_CHARS: &str = "再按每就也都还又才把被给让在从对向的了着过得地很更最太就会能可要是有没不无非请您你我他她它们这那其之以及和与或个些";

/// Question words: a clause holding one asks, it does not assert.
const WH_WORDS: &[&str] = &[
    "几",
    "多少",
    "什么",
    "哪",
    "怎么",
    "怎样",
    "啥",
    "多久",
    "多大",
    "多长",
    "为什么",
    "如何",
];

/// Words that make a clause a condition, not an assertion.
const CONDITIONALS: &[&str] = &["的话", "如果", "若是", "只要", "假如"];

/// A-not-A question forms and their positive form.
const A_NOT_A: &[(&str, &str)] = &[
    ("能不能", "能"),
    ("可不可以", "可以"),
    ("是不是", ""),
    ("有没有", "有"),
    ("会不会", "会"),
    ("支不支持", "支持"),
    ("行不行", "行"),
    ("要不要", "要"),
    ("包不包", "包"),
    ("退不退", "退"),
];

/// Yes/no polarity of an assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Polarity {
    /// Asserts the proposition.
    Affirm,
    /// Denies it.
    Deny,
}

/// The content of a text: its words and concept keys.
#[derive(Debug, Clone, Default)]
pub(super) struct Content {
    /// Content words (folded, no function or service-talk words) and concept keys
    /// (`t:return`, `r:taiwan`…).
    keys: HashSet<String>,
    /// Region notations named (the most specific ones, without their broader groups).
    regions: Vec<String>,
    /// Every region notation with its broader groups.
    region_closure: HashSet<String>,
    /// Promotion states written (`running`, `started`, `ended`, `upcoming`).
    promo_states: Vec<String>,
    /// Words another claim family reads are written (an amount's role, a stock state…): the
    /// clause's claim is that family's, its other words are conditions.
    machinery: bool,
}

impl Content {
    /// This content in the question's context: a reply that names no region speaks of the
    /// regions the question names ("推车也能寄" to "推车能寄香港吗").
    fn in_context(mut self, q: &Content) -> Self {
        if self.regions.is_empty() && !q.regions.is_empty() {
            self.regions = q.regions.clone();
            self.region_closure = q.region_closure.clone();
            self.keys.extend(q.keys.iter().filter(|k| k.starts_with("r:")).cloned());
        }
        self
    }

    /// Whether one of these regions is a region of this content or a group holding one.
    fn region_fits(&self, regions: &[String]) -> bool {
        regions.iter().any(|r| self.region_closure.contains(r))
    }
}

/// Reads the content of a folded text; `names` are product-name words (they name a product,
/// they claim nothing about it) and are blanked wherever they are written.
pub(super) fn content(s: &str, v: &Vocab, names: &[String]) -> Content {
    let mut canon = v.canon(&strip_exceptions(s));
    for n in names {
        if canon.contains(n.as_str()) {
            canon = canon.replace(n.as_str(), &" ".repeat(n.len()));
        }
    }
    let mut c = Content::default();
    let mut blanked = canon.clone();
    for (r, n) in v.topic.find(&canon) {
        c.keys.insert(format!("t:{n}"));
        blanked.replace_range(r.clone(), &" ".repeat(r.len()));
    }
    // Conditions: "没拆封" is the condition's absence, not the condition.
    for (r, n) in v.canonical.find(&blanked) {
        let negated = blanked[..r.start].ends_with(['没', '未', '不', '非']);
        c.keys
            .insert(if negated { format!("not:{n}") } else { format!("c:{n}") });
        blanked.replace_range(r.clone(), &" ".repeat(r.len()));
    }
    // A fault the shop answers for (破洞, 断了) makes a return a quality return.
    for (r, n) in v.shop_fault.find(&blanked) {
        c.keys.insert(format!("f:{n}"));
        blanked.replace_range(r.clone(), &" ".repeat(r.len()));
    }
    for (r, n) in v.region.find(&canon) {
        c.regions.push(n.to_string());
        for b in v.region.closure(n) {
            c.region_closure.insert(b.to_string());
            c.keys.insert(format!("r:{b}"));
        }
        blanked.replace_range(r.clone(), &" ".repeat(r.len()));
    }
    // Service talk, and the words other checks read claims with (roles of amounts and
    // durations, stock and promotion states, payers, shop-wide words…), are no content here.
    let machinery = [
        &v.discourse,
        &v.amount,
        &v.duration,
        &v.stock,
        &v.promotion,
        &v.payer,
        &v.shop_wide,
        &v.courier_default,
        &v.authority,
        &v.body,
    ];
    for (i, words) in machinery.into_iter().enumerate() {
        for (r, _) in words.find(&blanked) {
            c.machinery |= i > 0;
            blanked.replace_range(r.clone(), &" ".repeat(r.len()));
        }
    }
    c.promo_states = v
        .promotion
        .find(&canon)
        .into_iter()
        .filter(|(_, n)| *n != "takes_part")
        .map(|(_, n)| n.to_string())
        .collect();
    for w in words(&blanked) {
        if !FUNCTION_WORDS.contains(&w.as_str()) && !ANY_PRODUCT.contains(&w.as_str()) {
            c.keys.insert(w);
        }
    }
    c
}

/// Content words of a text: jieba words of two characters or more, runs of single CJK
/// characters joined (an unknown word jieba splits), ASCII words; no digits-only words.
fn words(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut Vec<String>| {
        if run.chars().count() >= 2 {
            out.push(std::mem::take(run));
        }
        run.clear();
    };
    for w in crate::text::cut(s) {
        let n = w.chars().count();
        let cjk = w.chars().all(crate::text::is_cjk);
        if n == 1 && cjk && !w.chars().all(|c| FUNCTION_CHARS.contains(c)) {
            run.push_str(&w);
            continue;
        }
        flush(&mut run, &mut out);
        let ascii_word = w.chars().all(|c| c.is_ascii_alphanumeric()) && w.chars().any(|c| c.is_ascii_alphabetic());
        if (cjk || ascii_word) && n >= 2 {
            out.push(w);
        }
    }
    flush(&mut run, &mut out);
    // A numeral with its classifier (一包, 两件) counts things; it claims nothing.
    out.retain(|w| !RE_COUNT.is_match(w));
    out
}

re!(
    RE_COUNT,
    r"^[0-9一二两三四五六七八九十几每半]+[个件包盒片瓶支张罐袋套条双台只份箱把次]$"
);

/// One clause of the merchant's knowledge, read for propositions.
#[derive(Debug, Clone)]
struct FactClause {
    /// As written.
    text: String,
    /// Content.
    content: Content,
    /// Polarity (a negation marker denies).
    polarity: Polarity,
    /// Condition keys of a refusal (what comes before the negation: 刻字后不支持…), as
    /// alternatives ("推车和安全座椅不寄…" refuses either); empty: unconditional.
    conditions: Vec<HashSet<String>>,
    /// What a refusal refuses (what comes after the negation: …不支持退换货).
    refused: HashSet<String>,
    /// The regions a refusal refuses (named before or after its negation: "新疆、西藏不支持
    /// 改顺丰" refuses 改顺丰 there only).
    refused_regions: Vec<String>,
    /// Where it applies.
    scope: Scope,
    /// Fact IRI.
    iri: String,
    /// The promotion it belongs to.
    promo: Option<usize>,
    /// Materials it names: it speaks only of products made of one of them ("羊毛、羊绒面料建议
    /// 干洗" says nothing of a cotton shirt).
    materials: Vec<String>,
}

/// The merchant's clauses read for propositions, and the words of its product names (which
/// name a product; they claim nothing about it).
pub(super) struct PropFacts {
    clauses: Vec<FactClause>,
    /// Product names, SKUs and their words (folded), longest first.
    name_words: Vec<String>,
    /// Folded text of every sentence, by scope, for the closed-world check.
    support: Vec<(Scope, String)>,
    /// Each product's materials (notations, with the materials a blend is made of).
    product_materials: Vec<Vec<String>>,
    /// Each product's folded name and category path (the classes a refusal names: 智能手表).
    names: Vec<String>,
}

impl FactClause {
    /// Whether a refusal's conditions hold for a proposition with these keys: one of its
    /// alternatives is all there. `Some(n)`: met with `n` condition keys.
    fn conditions_met(&self, has: impl Fn(&str) -> bool) -> Option<usize> {
        if self.conditions.is_empty() {
            return Some(0);
        }
        self.conditions
            .iter()
            .filter(|alt| alt.iter().all(|k| has(k)))
            .map(HashSet::len)
            .max()
    }
}

/// Words that open a clause going on from the one before ("也不发…", "还不支持…").
const CONTINUING: [char; 6] = ['也', '还', '且', '并', '亦', '均'];

/// Words that join alternatives in a list ("推车和安全座椅").
const LIST_JOINS: &[&str] = &["、", "和", "及", "与", "或", "或者", "以及", "/"];

/// The condition alternatives written before a refusal's negation, and the regions named
/// there (regions are what is refused, not conditions).
fn refusal_conditions(pre: &str, v: &Vocab) -> (Vec<HashSet<String>>, Vec<String>) {
    let mut items = vec![String::new()];
    for w in crate::text::cut(pre) {
        if LIST_JOINS.contains(&w.as_str()) {
            items.push(String::new());
        } else if let Some(last) = items.last_mut() {
            last.push_str(&w);
        }
    }
    let mut regions = Vec::new();
    let mut alts: Vec<HashSet<String>> = Vec::new();
    // Conditions (激活, 拆封) hold for every alternative of the list they follow.
    let mut shared = HashSet::new();
    for item in items {
        let c = content(&item, v, &[]);
        regions.extend(c.regions);
        let (cond, words): (HashSet<String>, HashSet<String>) = c
            .keys
            .into_iter()
            .filter(|k| !k.starts_with("r:"))
            .partition(|k| k.starts_with("c:") || k.starts_with("not:"));
        shared.extend(cond);
        if !words.is_empty() {
            alts.push(words);
        }
    }
    if alts.is_empty() && !shared.is_empty() {
        alts.push(HashSet::new());
    }
    for alt in &mut alts {
        alt.extend(shared.iter().cloned());
    }
    (alts, regions)
}

impl PropFacts {
    /// Whether a fact clause can speak of these products: it names no material, or one of a
    /// product's materials (no products: any clause).
    fn material_fits(&self, f: &FactClause, subjects: &[usize]) -> bool {
        f.materials.is_empty()
            || subjects.is_empty()
            || subjects.iter().any(|&p| {
                self.product_materials
                    .get(p)
                    .is_some_and(|ms| ms.is_empty() || f.materials.iter().any(|m| ms.contains(m)))
            })
    }

    /// Whether one of these words names a class of exactly the given products: it is in one
    /// of their names and in no other product's name ("定制的沙发" for a policy on the
    /// custom-made products).
    fn names_only(&self, words: &HashSet<String>, products: &[usize]) -> bool {
        words
            .iter()
            .filter(|w| !w.contains(':') && w.chars().count() >= 2)
            .any(|w| {
                let named: Vec<usize> = (0..self.names.len())
                    .filter(|&i| self.names[i].contains(w.as_str()))
                    .collect();
                !named.is_empty() && named.iter().all(|i| products.contains(i))
            })
    }

    /// Whether a folded clause is written in one of the merchant's own sentences (the answer
    /// quotes the merchant: true as quoted).
    fn quotes(&self, clause: &str) -> bool {
        let c = clause.trim_matches(|ch: char| !ch.is_alphanumeric());
        c.chars().count() >= 6 && self.support.iter().any(|(s, t)| *s != Scope::General && t.contains(c))
    }
}

/// Reads one folded fact clause (`shown` as written) for propositions; its scope, IRI and
/// promotion are the caller's.
fn read_clause(text: &str, shown: &str, v: &Vocab, name_words: &[String]) -> FactClause {
    // A parenthesised exception restricts a clause without denying it.
    let plain = strip_exceptions(text);
    let (polarity, (conditions, mut refused_regions), refused) = match neg_marker(&plain) {
        // (Product-class words are conditions here: 刻字, 定制.)
        Some((pos, m)) => (
            Polarity::Deny,
            refusal_conditions(&plain[..pos], v),
            content(&plain[pos + m.len()..], v, name_words),
        ),
        None => (Polarity::Affirm, Default::default(), Content::default()),
    };
    refused_regions.extend(refused.regions.iter().cloned());
    FactClause {
        text: shown.to_string(),
        content: content(text, v, name_words),
        polarity,
        conditions,
        refused_regions,
        refused: refused.keys,
        scope: Scope::Shop,
        iri: String::new(),
        promo: None,
        materials: v.material.find(text).into_iter().map(|(_, n)| n.to_string()).collect(),
    }
}

impl PropFacts {
    /// Reads every merchant sentence (and the general layer, for support only) into clauses.
    pub(super) fn new(fb: &FactBase) -> Self {
        let v = &fb.lex.vocab;
        let mut name_words: Vec<String> = fb
            .facts
            .products
            .iter()
            .flat_map(|p| {
                let name = crate::text::fold_keep_spaces(&p.name);
                let mut ws = words(&name);
                ws.push(crate::text::fold(&p.name));
                ws.extend(name.split_whitespace().map(str::to_string));
                ws.extend(p.sku.as_deref().map(crate::text::fold));
                ws
            })
            .filter(|w| w.chars().count() >= 2)
            .collect();
        name_words.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        name_words.dedup();
        let promo_of = |iri: &str| fb.facts.promotions.iter().position(|p| p.iri == iri);
        let mut clauses = Vec::new();
        let mut support = Vec::new();
        for f in &fb.sentences {
            support.push((f.scope.clone(), f.norm.s.clone()));
            if f.scope == Scope::General {
                continue;
            }
            let mut refused_before: Vec<HashSet<String>> = Vec::new();
            for cl in &f.clauses {
                let text = &f.norm.s[cl.clone()];
                let shown = f.orig.get(f.norm.orig(cl)).unwrap_or(text);
                let mut clause = read_clause(text, shown, v, &name_words);
                clause.promo = promo_of(&f.iri);
                // "…，也不发港澳台": a refusal that goes on from the one before keeps its
                // conditions (生鲜水果).
                if clause.polarity == Polarity::Deny {
                    if clause.conditions.is_empty() && text.trim_start().starts_with(CONTINUING) {
                        clause.conditions = refused_before.clone();
                    }
                    refused_before = clause.conditions.clone();
                }
                // A parenthesised refusal is a clause of its own ("（新疆、西藏不支持改顺丰）").
                let mut own = vec![clause];
                own.extend(exceptions(text).into_iter().map(|x| read_clause(x, x, v, &name_words)));
                for mut c in own {
                    c.scope = f.scope.clone();
                    c.iri = f.iri.clone();
                    clauses.push(c);
                }
            }
        }
        let product_materials = fb
            .facts
            .products
            .iter()
            .map(|p| {
                v.material
                    .find(&product_text(p))
                    .into_iter()
                    .flat_map(|(_, n)| v.material.closure(n))
                    .map(str::to_string)
                    .collect()
            })
            .collect();
        // A product's category path holds what it is (数码/耳机/真无线耳机).
        for (i, p) in fb.facts.products.iter().enumerate() {
            if let Some(c) = &p.category {
                support.push((Scope::Own(i), crate::text::fold(c)));
            }
        }
        PropFacts {
            clauses,
            names: fb
                .facts
                .products
                .iter()
                .map(|p| crate::text::fold(&format!("{} {}", p.name, p.category.as_deref().unwrap_or(""))))
                .collect(),
            product_materials,
            name_words,
            support,
        }
    }
}

/// An assertion of the answer, with the products it is about.
#[derive(Debug, Clone)]
struct Prop {
    content: Content,
    polarity: Polarity,
    subjects: Vec<usize>,
    /// Where the claim is written in the answer (original bytes).
    range: Range<usize>,
    /// A bare yes or no to a stock question: whether it says the products can be bought now.
    in_stock: Option<bool>,
    /// A bare reply: the proposition is the question's.
    bare: bool,
    /// A bare yes or no opening a reply that says more.
    opener: bool,
    /// Keys of the text with product-name words kept (a refusal's conditions are often
    /// product-class words: 刻字, 定制).
    named_keys: HashSet<String>,
}

/// Yes and no as replies, without particles.
const REPLIES: &[&str] = &[
    "可以",
    "能",
    "是",
    "是的",
    "有",
    "有的",
    "行",
    "对",
    "支持",
    "会",
    "当然",
    "当然可以",
    "没问题",
    "不可以",
    "不能",
    "不行",
    "没有",
    "不支持",
    "不会",
    "不是",
    "不可",
];

/// Whether a clause is a bare yes or no ("可以的亲", "不行哦").
fn bare_reply(clause: &str, v: &Vocab) -> bool {
    let mut t = clause.to_string();
    for (r, _) in v.discourse.find(clause).into_iter().rev() {
        t.replace_range(r, "");
    }
    let t = t.trim_matches(|c: char| !c.is_alphanumeric() || "的哦呀啊呢哈啦吧嘛".contains(c));
    REPLIES.contains(&t)
}

/// Whether a clause asks (a question mark, a yes/no form, a question word).
fn asks(clause: &str) -> bool {
    clause.contains('?') || yes_no(clause).is_some() || WH_WORDS.iter().any(|w| clause.contains(w))
}

/// Whether a folded question asks yes or no, and the polarity of what it asks ("是不是不包邮"
/// asks whether it is *not* free).
fn yes_no(q: &str) -> Option<(String, Polarity)> {
    let parts: Vec<&str> = q
        .split(|c: char| c.is_whitespace() || ",.?!~，。？！；;".contains(c))
        .filter(|part| !part.is_empty())
        .collect();
    parts.iter().enumerate().find_map(|(i, part)| {
        let (t, pol) = yes_no_clause(part)?;
        // A tag question ("…专用发票 行吗") asks about the part before it.
        if i > 0 && FUNCTION_WORDS.contains(&t.as_str()) {
            return yes_no_clause(&format!("{}{part}", parts[i - 1]));
        }
        Some((t, pol))
    })
}

/// [`yes_no`] for one clause of a question.
fn yes_no_clause(q: &str) -> Option<(String, Polarity)> {
    let mut t = q.trim_end_matches(|c: char| !c.is_alphanumeric()).to_string();
    let mut asked = false;
    for (a, b) in A_NOT_A {
        if t.contains(a) {
            t = t.replace(a, b);
            asked = true;
        }
    }
    for p in ["吗", "么", "嘛", "麽", "没", "不"] {
        if let Some(x) = t.strip_suffix(p) {
            t = x.to_string();
            asked = true;
            break;
        }
    }
    if !asked || WH_WORDS.iter().any(|w| t.contains(w)) {
        return None;
    }
    Some((t.clone(), asked_polarity(&t)))
}

/// Modal words: a negation before one is a condition ("不想要了能退吗"), not what is asked.
const MODALS: &[&str] = &["能", "可以", "可", "会", "支持", "行"];

/// The polarity a yes/no question asks: it asks a denial when its last negation governs the
/// predicate ("是不是不包邮", "不能退吗"), not when a modal follows it ("没拆封能退吗").
fn asked_polarity(t: &str) -> Polarity {
    let last = ["不", "无法"]
        .iter()
        .filter_map(|c| t.rfind(*c).map(|i| (i, c.len())))
        .max_by_key(|(i, _)| *i);
    let Some((at, len)) = last else { return Polarity::Affirm };
    let after = &t[at + len..];
    let modal_later = MODALS
        .iter()
        .any(|m| after.find(m).is_some_and(|i| i > 0 && !after[..i].ends_with('不')));
    if modal_later { Polarity::Affirm } else { Polarity::Deny }
}

/// The polarity an answer text gives: a negation denies, anything else affirms (service
/// talk such as 不好意思 is no negation).
fn reply_polarity(s: &str, v: &Vocab) -> Polarity {
    let mut t = s.to_string();
    for (r, _) in v.discourse.find(s).into_iter().rev() {
        t.replace_range(r, "");
    }
    let t = t.trim_start_matches(|c: char| !c.is_alphanumeric());
    if stance(t) == Stance::Negate || t.starts_with(['不', '没', '否']) || t.contains("没有") || t.contains("不含")
    {
        Polarity::Deny
    } else {
        Polarity::Affirm
    }
}

fn combine(a: Polarity, b: Polarity) -> Polarity {
    if a == b { Polarity::Affirm } else { Polarity::Deny }
}

/// The question's context for the answer's propositions.
struct Asked<'a> {
    /// The question's content (product names blanked).
    content: &'a Content,
    /// The yes/no clause of the question and the polarity it asks, if it asks one.
    yes_no: Option<(String, Polarity)>,
    /// The question's keys with product names kept: its conditions and product classes
    /// (刻字, 定制, 已拆封) hold for a reply to it.
    named: HashSet<String>,
}

/// The answer's assertions: the question's proposition for a reply that adds nothing to a
/// yes/no question ("能退", "还有", "台湾可以寄"), else each clause with content of its own
/// and no typed claim in it (the families check those).
fn props(cx: &Ctx, pf: &PropFacts, q_content: &Content) -> Vec<Prop> {
    let p = cx.p;
    let v = &cx.fb.lex.vocab;
    let asked = Asked {
        content: q_content,
        yes_no: yes_no(&p.question.s),
        named: content(&p.question.s, v, &[]).keys,
    };
    let mut out = Vec::new();
    let mut any_content = false;
    let mut owns = clause_contents(cx, pf).into_iter();
    let (asking, says_more) = shape(cx, owns.as_slice(), q_content);
    for (si, st) in p.sents.iter().enumerate() {
        for (ci, cl) in st.clauses.iter().enumerate() {
            let clause = &p.norm.s[cl.clone()];
            let valued = valued(cx, cl);
            let typed = valued || p.candidates.iter().any(|c| c.sentence == si && c.clause == ci);
            let Some(own) = owns.next() else { break };
            let own_words = own.keys.iter().any(|k| !k.starts_with("r:"));
            let c = own.in_context(q_content);
            // A condition or an instruction to the shopper asserts nothing ("买3个的话直接拍").
            let hypothetical = CONDITIONALS.iter().any(|w| clause.contains(w));
            let adds = !c.keys.is_subset(&q_content.keys);
            if valued || adds || (typed && asked.yes_no.is_none()) {
                any_content = true;
            }
            if asks(clause) || hypothetical || pf.quotes(clause) {
                continue;
            }
            // A reply that only restates a yes/no question answers it ("能退", "还有"); a bare
            // yes or no, a state or a modal takes the question's words.
            if let Some((text, q_pol)) = &asked.yes_no
                && !valued
                && !adds
                && !asking
                && (own_words || !c.promo_states.is_empty() || bare_reply(clause, v))
                && v.stock.find(clause).is_empty()
            {
                let polarity = combine(reply_polarity(clause, v), *q_pol);
                let said = if own_words { clause } else { text.as_str() };
                let mut prop = question_prop(cx, pf, &asked, said, polarity, p.norm.orig(cl));
                // An opener ("可以的亲，…") whose reply goes on: what follows carries the claim, and
                // the opener answers only to a refusal or the question's numbers.
                prop.opener = !own_words && c.promo_states.is_empty() && says_more;
                if !(prop.opener && quoting(cx, pf)) {
                    out.push(with_reply_state(prop, &c, clause, v));
                }
                continue;
            }
            // Restating a shopper's statement claims nothing ("订单…钱还没到").
            let restated = (asked.yes_no.is_none() || asking) && !adds;
            if typed || restated || !own_words {
                continue;
            }
            out.push(Prop {
                content: c,
                polarity: reply_polarity(clause, v),
                subjects: subjects_of(cx, si, cl),
                range: p.norm.orig(cl),
                in_stock: None,
                bare: false,
                opener: false,
                named_keys: content(clause, v, &[]).keys,
            });
        }
    }
    if !any_content
        && !asking
        && out.is_empty()
        && let Some((text, q_pol)) = &asked.yes_no
    {
        let polarity = combine(reply_polarity(p.norm.s.trim(), v), *q_pol);
        out.push(question_prop(cx, pf, &asked, text, polarity, 0..cx.answer.len()));
    }
    out
}

/// Whether a clause of the answer holds a value mention.
fn valued(cx: &Ctx, cl: &Range<usize>) -> bool {
    cx.p.mentions
        .iter()
        .any(|m| m.range.start >= cl.start && m.range.end <= cl.end)
}

/// The answer's shape: whether it asks (or echoes the question: then it is no bare reply),
/// and whether it says more than a bare yes or no (then what follows is the claim).
/// Each clause's content, read once, in answer order.
fn clause_contents(cx: &Ctx, pf: &PropFacts) -> Vec<Content> {
    let p = cx.p;
    p.sents
        .iter()
        .flat_map(|st| &st.clauses)
        .map(|cl| content(&p.norm.s[cl.clone()], &cx.fb.lex.vocab, &pf.name_words))
        .collect()
}

/// A reply's proposition with the promotion state the reply writes: that state is its claim
/// ("已经结束了" to "还能用吗"), in the reply's own polarity.
fn with_reply_state(mut prop: Prop, c: &Content, clause: &str, v: &Vocab) -> Prop {
    if !c.promo_states.is_empty() {
        prop.polarity = reply_polarity(clause, v);
        prop.content.promo_states = c.promo_states.clone();
    }
    prop
}

/// `owns`: each clause's content, in answer order.
fn shape(cx: &Ctx, owns: &[Content], q_content: &Content) -> (bool, bool) {
    let p = cx.p;
    let v = &cx.fb.lex.vocab;
    let clauses = || {
        p.sents
            .iter()
            .flat_map(|st| &st.clauses)
            .map(|cl| (cl, &p.norm.s[cl.clone()]))
            .zip(owns)
    };
    let asking = clauses().any(|((_, clause), _)| asks(clause));
    let says_more = clauses()
        .filter(|((_, clause), _)| !bare_reply(clause, v))
        .any(|((cl, _), own)| valued(cx, cl) || !own.keys.is_subset(&q_content.keys));
    (asking, says_more)
}

/// Whether the answer quotes one of the merchant's texts (an FAQ answer "可以。本店提供…"
/// opens with its own yes).
fn quoting(cx: &Ctx, pf: &PropFacts) -> bool {
    let p = cx.p;
    p.sents
        .iter()
        .flat_map(|st| &st.clauses)
        .any(|cl| pf.quotes(&p.norm.s[cl.clone()]))
}

/// The question's yes/no proposition as a reply of this polarity asserts it, written at
/// `range` of the answer.
fn question_prop(cx: &Ctx, pf: &PropFacts, asked: &Asked, text: &str, polarity: Polarity, range: Range<usize>) -> Prop {
    let v = &cx.fb.lex.vocab;
    let p = cx.p;
    let stock_asked = v.stock.find(text).first().and_then(|(_, n)| match *n {
        "in_stock" | "spot" => Some(polarity == Polarity::Affirm),
        "out_of_stock" => Some(polarity == Polarity::Deny),
        _ => None,
    });
    // "现在能发货吗" about a product that cannot be bought now (pre-order, sold out) asks
    // whether it is in stock.
    let ship_asked = (v.duration.has(text, "ship") || v.topic.has(text, "ship_to"))
        && p.question_products.iter().any(|&i| {
            cx.fb.facts.products[i]
                .offer
                .as_ref()
                .is_some_and(|o| matches!(o.availability, Availability::PreOrder | Availability::OutOfStock))
        });
    Prop {
        content: content(text, v, &pf.name_words).in_context(asked.content),
        polarity,
        subjects: p.question_products.clone(),
        range,
        in_stock: stock_asked.or(ship_asked.then_some(polarity == Polarity::Affirm)),
        bare: true,
        opener: false,
        named_keys: content(text, v, &[]).keys.union(&asked.named).cloned().collect(),
    }
}

/// The answer's products for a clause: those the clause names, else those of the claims of
/// its sentence, else the answer's, else the question's.
fn subjects_of(cx: &Ctx, si: usize, cl: &Range<usize>) -> Vec<usize> {
    let p = cx.p;
    let named = cx.fb.products.identify(&p.norm.s[cl.clone()]);
    if !named.is_empty() {
        return named;
    }
    if let Some(c) = p.candidates.iter().find(|c| c.sentence == si && !c.subjects.is_empty()) {
        return c.subjects.clone();
    }
    if !p.answer_products.is_empty() {
        return p.answer_products.clone();
    }
    p.question_products.clone()
}

/// Whether a fact clause applies to these products (shop-wide clauses apply to all).
fn in_scope(scope: &Scope, subjects: &[usize]) -> bool {
    match scope {
        Scope::Own(x) => subjects.contains(x),
        Scope::Tagged(xs) => subjects.is_empty() || xs.iter().any(|x| subjects.contains(x)),
        Scope::Shop => true,
        Scope::General => false,
    }
}

/// Whether a fact clause speaks of the proposition's regions: one of its regions is a
/// proposition region or a group holding it. A fact about another region says nothing here.
fn regions_fit(prop: &Content, fact: &Content) -> bool {
    prop.regions.is_empty() || fact.regions.is_empty() || prop.region_fits(&fact.regions)
}

/// The fact clauses aligned with a proposition, best first: (share of the proposition's keys
/// the clause holds, clause index).
fn aligned(pf: &PropFacts, prop: &Prop) -> Vec<(f64, usize)> {
    let mut out: Vec<(f64, usize)> = pf
        .clauses
        .iter()
        .enumerate()
        .filter(|(_, f)| in_scope(&f.scope, &prop.subjects) && pf.material_fits(f, &prop.subjects))
        .filter(|(_, f)| regions_fit(&prop.content, &f.content))
        .map(|(i, f)| (share(&prop.content, &f.content), i))
        .filter(|(share, _)| *share >= 0.5)
        .collect();
    out.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    out
}

/// The share of a proposition's content a fact clause holds; the regions it names count as
/// one unit, held when the clause names one of them or a group holding one.
fn share(prop: &Content, fact: &Content) -> f64 {
    let words = prop.keys.iter().filter(|k| !k.starts_with("r:"));
    let (mut units, mut held) = (0usize, 0usize);
    for k in words {
        units += 1;
        held += usize::from(fact.keys.contains(k));
    }
    if !prop.regions.is_empty() {
        units += 1;
        held += usize::from(prop.region_closure.iter().any(|r| fact.regions.contains(r)));
    }
    held as f64 / units.max(1) as f64
}

/// A refusal that decides a proposition: its conditions are the proposition's, and what it
/// refuses is the proposition's topic (a service, a condition, a region, or two words). Such
/// a refusal is the most specific fact ("刻字后不支持退换" over "15天无理由退货"), and a
/// refusal with conditions applies to whatever product the proposition names. A refusal
/// limited to regions speaks only of propositions in one of them.
fn refusal<'a>(pf: &'a PropFacts, prop: &Prop) -> Option<&'a FactClause> {
    let keys = &prop.content.keys;
    pf.clauses
        .iter()
        .filter(|f| f.polarity == Polarity::Deny)
        .filter_map(|f| {
            let met = f.conditions_met(|k| {
                keys.contains(k)
                    || prop.named_keys.contains(k)
                    || (prop.bare && prop.subjects.iter().any(|&p| pf.names[p].contains(k)))
            })?;
            // A refused no-reason return says nothing of a return for the shop's fault.
            let fault = prop.named_keys.iter().any(|k| k.starts_with("f:"));
            if fault && f.refused.contains("c:no_reason") && !keys.contains("c:no_reason") {
                return None;
            }
            let applies = match &f.scope {
                Scope::Own(x) => prop.subjects.contains(x) || met > 0,
                Scope::Tagged(xs) => {
                    xs.iter().any(|x| prop.subjects.contains(x)) || met > 0 || pf.names_only(&prop.named_keys, xs)
                }
                Scope::Shop => true,
                Scope::General => false,
            };
            let region_fit = !f.refused_regions.is_empty() && prop.content.region_fits(&f.refused_regions);
            let regions_ok = if f.refused_regions.is_empty() {
                prop.content.regions.is_empty()
            } else {
                region_fit
            };
            let hit: Vec<&String> = f.refused.iter().filter(|k| keys.contains(*k)).collect();
            let concepts = hit.iter().filter(|k| k.contains(':')).count();
            let decisive = concepts > 0 || hit.len() >= 2 || (region_fit && !hit.is_empty());
            (applies && regions_ok && decisive).then_some((f, concepts * 2 + hit.len() + met))
        })
        .max_by_key(|(_, score)| *score)
        .map(|(f, _)| f)
}

/// Judges one proposition: supported, contradicted, or (closed world) unsupported.
fn judge(cx: &Ctx, pf: &PropFacts, promos: &[PromoInfo], prop: &Prop, asked: &Content) -> Option<Judged> {
    if let Some(claimed) = prop.in_stock {
        return stock_reply(cx, prop, claimed);
    }
    if prop.bare {
        let affirms = prop.polarity == Polarity::Affirm;
        let judged = (!prop.opener)
            .then(|| promo_reply(cx, promos, prop))
            .flatten()
            .or_else(|| asked::same_day(cx, &prop.subjects, affirms))
            .or_else(|| asked::service_hours(cx, affirms))
            .or_else(|| asked::threshold(cx, &prop.named_keys, affirms))
            .or_else(|| {
                let refused = refusal(pf, prop).is_some();
                asked::past_window(cx, &prop.subjects, &prop.named_keys, affirms, refused)
            });
        if judged.is_some() {
            return judged;
        }
    }
    let hits = aligned(pf, prop);
    let kind = if prop
        .content
        .keys
        .iter()
        .any(|k| k.starts_with("t:") || k.starts_with("r:"))
    {
        ClaimKind::Policy
    } else {
        ClaimKind::Attribute
    };
    let keys = &prop.content.keys;
    if let Some(f) = refusal(pf, prop) {
        let status = if prop.polarity == Polarity::Deny {
            ClaimStatus::Supported
        } else {
            ClaimStatus::Contradicted
        };
        let expected = (status == ClaimStatus::Contradicted).then(|| f.text.clone());
        return Some((status, expected, Some(f.iri.clone()), kind));
    }
    if prop.opener {
        return None;
    }
    if let Some(&(best, _)) = hits.first() {
        let top: Vec<&FactClause> = hits
            .iter()
            .filter(|(s, _)| *s >= best - 1e-9)
            .map(|(_, i)| &pf.clauses[*i])
            .collect();
        if let Some(o) = promotion(cx, prop, &top, asked) {
            return Some(o);
        }
        if let Some(f) = top.iter().find(|f| f.polarity == prop.polarity) {
            return Some((ClaimStatus::Supported, None, Some(f.iri.clone()), kind));
        }
        // A refusal under conditions holds only where the proposition has them; a denial
        // contradicts an offer only where the merchant refuses nothing on the topic.
        let any_refusal = hits.iter().any(|(_, i)| pf.clauses[*i].polarity == Polarity::Deny);
        let refusal = top.iter().find(|f| {
            f.polarity == Polarity::Deny && f.conditions_met(|k| keys.contains(k)).is_some()
                || f.polarity == Polarity::Affirm && best >= 0.99 && !any_refusal
        });
        return refusal.map(|f| {
            (
                ClaimStatus::Contradicted,
                Some(f.text.clone()),
                Some(f.iri.clone()),
                kind,
            )
        });
    }
    closed_world(cx, pf, prop, kind, asked)
}

/// A bare yes or no to a question about a promotion it names ("满200减30开始了吗", "还能参加
/// 吗", "刻字礼盒能算进满300减40里吗"): yes holds while the promotion runs at the question's
/// time and takes in the products asked about.
fn promo_reply(cx: &Ctx, promos: &[PromoInfo], prop: &Prop) -> Option<Judged> {
    let i = match named_promos(cx, promos, &cx.p.question.s).first() {
        Some(&(_, i)) => i,
        None => promo_of_kind(cx, promos, &prop.subjects)?,
    };
    let pr = &cx.fb.facts.promotions[i];
    let status = pr.status(cx.at);
    let left_out = prop.subjects.iter().copied().find(|&p| product_excluded(cx, i, p));
    let applies = status == PromotionStatus::Active && left_out.is_none();
    let iri = Some(pr.iri.clone());
    // "已经结束了" affirms that it does not run.
    let not_running = prop
        .content
        .promo_states
        .iter()
        .any(|s| s == "ended" || s == "upcoming");
    if applies == ((prop.polarity == Polarity::Affirm) != not_running) {
        return Some((ClaimStatus::Supported, None, iri, ClaimKind::Promotion));
    }
    let expected = match (status, left_out) {
        (PromotionStatus::Ended, _) => pr
            .valid_through
            .map(|t| format!("已于{}月{}日结束", t.month(), t.day())),
        (PromotionStatus::Upcoming, _) => pr.valid_from.map(|t| format!("{}月{}日开始", t.month(), t.day())),
        (PromotionStatus::Active, Some(p)) => Some(format!("{}不参与{}", cx.fb.facts.products[p].name, pr.name)),
        (PromotionStatus::Active, None) => Some("正在进行".to_string()),
    };
    Some((ClaimStatus::Contradicted, expected, iri, ClaimKind::Promotion))
}

/// The promotion a question means by its kind alone ("参加满减吗"): a running one of that kind
/// that takes in the products asked about, else a running one, else the first of the kind.
fn promo_of_kind(cx: &Ctx, promos: &[PromoInfo], subjects: &[usize]) -> Option<usize> {
    if !cx.fb.lex.vocab.promotion_kind.has(&cx.p.question.s, "deduction") {
        return None;
    }
    let of_kind: Vec<usize> = promos
        .iter()
        .filter(|p| p.pairs.iter().any(|v| matches!(v, super::mentions::Val::Pair { .. })))
        .map(|p| p.idx)
        .collect();
    let running = |&&i: &&usize| cx.fb.facts.promotions[i].status(cx.at) == PromotionStatus::Active;
    of_kind
        .iter()
        .filter(running)
        .find(|&&i| !subjects.iter().any(|&p| product_excluded(cx, i, p)))
        .or_else(|| of_kind.iter().find(running))
        .or_else(|| of_kind.first())
        .copied()
}

/// A bare yes or no to a stock question, against the offers of the products asked about.
fn stock_reply(cx: &Ctx, prop: &Prop, claimed: bool) -> Option<Judged> {
    let offers: Vec<&crate::store::merchant::OfferFacts> = prop
        .subjects
        .iter()
        .filter_map(|&i| cx.fb.facts.products.get(i)?.offer.as_ref())
        .collect();
    let buyable = |o: &&crate::store::merchant::OfferFacts| match o.availability {
        Availability::InStock => Some(true),
        Availability::OutOfStock | Availability::PreOrder => Some(false),
        Availability::Unknown => None,
    };
    let first = offers.first()?;
    if offers.iter().any(|o| buyable(o) == Some(claimed)) {
        return Some((ClaimStatus::Supported, None, Some(first.iri.clone()), ClaimKind::Stock));
    }
    let actual = offers.iter().find_map(buyable)?;
    let expected = if actual { "有货" } else { "缺货" };
    Some((
        ClaimStatus::Contradicted,
        Some(expected.to_string()),
        Some(first.iri.clone()),
        ClaimKind::Stock,
    ))
}

/// A proposition aligned with a promotion and stating its state (还有, 开始了, 已结束, 还没
/// 开始; a bare reply takes the state the question asks about) is judged by the promotion's
/// status at the question's time.
fn promotion(cx: &Ctx, prop: &Prop, top: &[&FactClause], asked: &Content) -> Option<Judged> {
    let states = if prop.content.promo_states.is_empty() {
        &asked.promo_states
    } else {
        &prop.content.promo_states
    };
    let has = |n: &str| states.iter().any(|s| s == n);
    let claimed = if has("upcoming") {
        PromotionStatus::Upcoming
    } else if has("ended") {
        PromotionStatus::Ended
    } else if has("running") || has("started") {
        PromotionStatus::Active
    } else {
        return None;
    };
    let i = top.iter().find_map(|f| f.promo)?;
    let pr = &cx.fb.facts.promotions[i];
    let actual = pr.status(cx.at);
    let holds = (actual == claimed) == (prop.polarity == Polarity::Affirm);
    let iri = Some(pr.iri.clone());
    if holds {
        return Some((ClaimStatus::Supported, None, iri, ClaimKind::Promotion));
    }
    let expected = match actual {
        PromotionStatus::Ended => pr
            .valid_through
            .map(|t| format!("已于{}月{}日结束", t.month(), t.day())),
        PromotionStatus::Upcoming => pr.valid_from.map(|t| format!("{}月{}日开始", t.month(), t.day())),
        PromotionStatus::Active => Some("正在进行".to_string()),
    };
    Some((ClaimStatus::Contradicted, expected, iri, ClaimKind::Promotion))
}

/// An assertion about the merchant's products or service whose content words no fact in its
/// scope holds is unsupported.
fn closed_world(cx: &Ctx, pf: &PropFacts, prop: &Prop, kind: ClaimKind, asked: &Content) -> Option<Judged> {
    let about_merchant = !prop.subjects.is_empty()
        || prop.content.keys.iter().any(|k| k.starts_with("t:"))
        || pf
            .name_words
            .iter()
            .any(|w| w.chars().count() >= 2 && w.chars().all(crate::text::is_cjk) && cx.p.norm.s.contains(w.as_str()));
    if prop.polarity != Polarity::Affirm || !about_merchant || prop.content.machinery {
        return None;
    }
    let topics_held: HashSet<&String> = pf
        .clauses
        .iter()
        .filter(|f| in_scope(&f.scope, &prop.subjects) && pf.material_fits(f, &prop.subjects))
        .flat_map(|f| f.content.keys.iter())
        .collect();
    // Without a product named, any of the merchant's sentences may hold it.
    let texts: Vec<&str> = pf
        .support
        .iter()
        .filter(|(s, _)| *s == Scope::General || prop.subjects.is_empty() || in_scope(s, &prop.subjects))
        .map(|(_, t)| t.as_str())
        .collect();
    let held = |k: &String| {
        if k.starts_with("t:") || k.starts_with("r:") {
            topics_held.contains(k)
        } else {
            texts.iter().any(|t| t.contains(k.as_str()))
        }
    };
    // What the answer adds to the question is its claim (香味 asked, 淡香 answered); an
    // answer that only restates a yes/no question claims all of it (支持LDAC). Most of the
    // claim must be unknown: one unknown word among known ones is wording.
    let all: Vec<&String> = prop.content.keys.iter().filter(|k| !k.starts_with("r:")).collect();
    let added: Vec<&String> = all.iter().copied().filter(|k| !asked.keys.contains(*k)).collect();
    let keys = if added.is_empty() { all } else { added };
    let missing = keys.iter().filter(|k| !held(k)).count();
    (missing * 2 > keys.len()).then_some((ClaimStatus::Unsupported, None, None, kind))
}

/// The answer's propositions checked against the facts: (claim, where it is written).
pub(super) fn proposition_claims(cx: &Ctx, pf: &PropFacts, promos: &[PromoInfo]) -> Vec<(Claim, Range<usize>)> {
    // The question is read once: for restatements, promotion states and the closed world.
    let asked = content(&cx.p.question.s, &cx.fb.lex.vocab, &pf.name_words);
    let mut out = Vec::new();
    // A time the answer gives for the service desk ("晚上10点下班"), in any clause.
    let clauses =
        cx.p.sents
            .iter()
            .flat_map(|st| st.clauses.iter())
            .map(|cl| cx.p.norm.orig(cl));
    for range in clauses {
        let Some(text) = cx.answer.get(range.clone()) else {
            continue;
        };
        if let Some((status, expected, subject, kind)) = asked::service_time(cx, text) {
            let text = text.to_string();
            out.push((
                Claim {
                    kind,
                    text,
                    status,
                    expected,
                    subject,
                },
                range,
            ));
        }
    }
    let timed: Vec<Range<usize>> = out.iter().map(|(_, r)| r.clone()).collect();
    for prop in props(cx, pf, &asked) {
        if timed
            .iter()
            .any(|r| r.start < prop.range.end && prop.range.start < r.end)
        {
            continue;
        }
        let judged = judge(cx, pf, promos, &prop, &asked);
        tracing::debug!(keys = ?prop.content.keys, regions = ?prop.content.regions, polarity = ?prop.polarity, subjects = ?prop.subjects.iter().map(|&i| cx.fb.facts.products[i].name.as_str()).collect::<Vec<_>>(), bare = prop.bare, ?judged, "proposition");
        let Some((status, expected, subject, kind)) = judged else {
            continue;
        };
        out.push((
            Claim {
                kind,
                text: cx.answer.get(prop.range.clone()).unwrap_or_default().to_string(),
                status,
                expected,
                subject,
            },
            prop.range,
        ));
    }
    out
}
