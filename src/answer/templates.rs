//! The template generator: one answer mode per intent (`prompts/answer/intents.toml`).

use crate::Error;
use crate::pipeline::{Clock, Drafted, Evidence, Generator, Retrieved};
use crate::prompts::money;
use crate::store::Layer;
use crate::store::merchant::{Availability, Product, PromotionStatus};
use crate::store::ontology::HandoffRule;
use crate::store::passages::PassageKind;
use crate::store::{MerchantFacts, Ontology};
use crate::text::{clauses, fold, terms};
use minijinja::{Environment, context};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// How an intent is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Canned reply.
    Smalltalk,
    /// Facts of the linked products.
    Product,
    /// Promotions as of the question time.
    Promotion,
    /// Best FAQ / policy evidence.
    #[default]
    Faq,
}

/// Per-intent answer settings.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct IntentAnswer {
    /// Mode.
    #[serde(default)]
    pub mode: Mode,
    /// Hand off when no product of the shop is named.
    #[serde(default)]
    pub needs_product: bool,
    /// The question asks for an attribute: answer with matching attributes or hand off.
    #[serde(default)]
    pub attribute: bool,
    /// Without a named product, recommend products matching the need.
    #[serde(default)]
    pub recommend: bool,
}

/// `prompts/answer/intents.toml`.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct AnswerSettings {
    /// Mode of intents not listed.
    #[serde(default)]
    pub default_mode: Mode,
    /// Topic-free question words.
    #[serde(default)]
    pub question_stopwords: Vec<String>,
    /// Per-intent settings.
    #[serde(default)]
    pub intents: HashMap<String, IntentAnswer>,
}

/// The default generator.
pub struct TemplateGenerator {
    env: Environment<'static>,
    ontology: Arc<Ontology>,
    settings: AnswerSettings,
    stop_terms: Vec<String>,
}

#[derive(Serialize)]
struct ProductView {
    name: String,
    price: Option<f64>,
    availability: Availability,
    inventory: Option<i64>,
    unit: String,
    starts: Option<String>,
    snippets: Vec<String>,
}

#[derive(Serialize)]
struct PromotionView {
    name: String,
    status: PromotionStatus,
    description: String,
    window: String,
    start: String,
}

struct Draft {
    answer: String,
    citations: Vec<String>,
    handoff: Option<String>,
}

impl TemplateGenerator {
    /// Builds the generator from loaded templates and settings.
    pub fn new(env: Environment<'static>, ontology: Arc<Ontology>, settings: AnswerSettings) -> Self {
        let mut stop_terms: Vec<String> = settings.question_stopwords.iter().flat_map(|w| terms(w)).collect();
        stop_terms.sort();
        stop_terms.dedup();
        TemplateGenerator {
            env,
            ontology,
            settings,
            stop_terms,
        }
    }

    fn topic_terms(&self, text: &str, exclude: &[String]) -> Vec<String> {
        terms(text)
            .into_iter()
            .filter(|t| !self.stop_terms.contains(t) && !exclude.contains(t))
            .collect()
    }

    fn handoff(&self, reason: &str, product: &str) -> Result<Draft, Error> {
        let answer = self
            .env
            .get_template("answer/handoff.j2")?
            .render(context! { reason, product })?;
        Ok(Draft {
            answer: answer.trim().to_string(),
            citations: Vec::new(),
            handoff: Some(reason.to_string()),
        })
    }

    /// Attribute snippets of a product matching the question: property lines and
    /// description clauses that contain an attribute label the question names (ontology
    /// synonyms) or share at least two topic terms with it.
    fn attribute_snippets(&self, question: &str, p: &Product) -> Vec<String> {
        let q = fold(question);
        let mut targets: Vec<String> = Vec::new();
        for c in &self.ontology.attributes {
            if c.labels.iter().any(|l| {
                let l = fold(l);
                !l.is_empty() && q.contains(&l)
            }) {
                targets.extend(c.labels.iter().map(|l| fold(l)).filter(|l| !l.is_empty()));
            }
        }
        let name_terms = terms(&p.name);
        let qt = self.topic_terms(question, &name_terms);
        let mut candidates: Vec<String> = p.properties.iter().map(|(k, v)| format!("{k}：{v}")).collect();
        for text in p
            .description
            .iter()
            .chain(p.offer.as_ref().and_then(|o| o.description.as_ref()))
        {
            candidates.extend(clauses(text).into_iter().map(str::to_string));
        }
        let mut scored: Vec<(f32, String)> = candidates
            .into_iter()
            .filter_map(|c| {
                let f = fold(&c);
                let label_hit = targets.iter().any(|t| f.contains(t.as_str()));
                let ct = terms(&c);
                let term_hits = qt.iter().filter(|t| ct.contains(t)).count();
                let s = if label_hit { 2.0 } else { 0.0 } + term_hits as f32;
                (label_hit || term_hits >= 1).then_some((s, c))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().take(3).map(|(_, c)| c).collect()
    }

    fn product_view(&self, p: &Product, snippets: Vec<String>) -> ProductView {
        let o = p.offer.as_ref();
        ProductView {
            name: p.name.clone(),
            price: o.and_then(|o| o.price),
            availability: o.map(|o| o.availability).unwrap_or(Availability::Unknown),
            inventory: o.and_then(|o| o.inventory),
            unit: o
                .and_then(|o| o.inventory_unit.clone())
                .unwrap_or_else(|| "件".to_string()),
            starts: o
                .and_then(|o| o.availability_starts)
                .map(|d| d.format("%Y年%-m月%-d日").to_string()),
            snippets,
        }
    }

    fn product_answer(&self, r: &Retrieved, cfg: &IntentAnswer) -> Result<Draft, Error> {
        let u = &r.understood;
        let facts = &u.facts;
        let products: Vec<&Product> = u.entities.iter().filter_map(|e| facts.product(&e.iri)).collect();
        if products.is_empty() {
            if cfg.recommend {
                return self.recommend(r);
            }
            if cfg.needs_product {
                return self.handoff("no_product", "");
            }
            return self.faq_answer(r);
        }
        let intent = u.intent.id.as_str();
        let mode = match intent {
            "price_inquiry" => "price",
            "stock_availability" => "stock",
            "product_comparison" => "comparison",
            "restock_presale" => "restock",
            _ if cfg.attribute => "attribute",
            _ => "stock",
        };
        // Several variants of one series with the same price and stock: answer for the first.
        let shown: Vec<&Product> = if mode == "comparison" {
            products.clone()
        } else {
            products.iter().take(1).copied().collect()
        };
        let mut views = Vec::new();
        let mut any_snippet = false;
        for p in &shown {
            let snippets = if mode == "attribute" || mode == "comparison" {
                self.attribute_snippets(&u.question.text, p)
            } else {
                Vec::new()
            };
            any_snippet |= !snippets.is_empty();
            views.push(self.product_view(p, snippets));
        }
        let mut citations: Vec<String> = r
            .evidence
            .iter()
            .filter(|e| e.kind == PassageKind::Product && shown.iter().any(|p| p.iri == e.subject))
            .map(|e| e.id.clone())
            .collect();
        let mut extra = String::new();
        if mode == "attribute" && !any_snippet {
            // Not published as an attribute: a FAQ entry about this product and this topic may
            // still answer; otherwise the shop has not said, and a human must.
            match self.best_faq_mentioning(r, shown[0]) {
                Some((e, text)) if self.on_topic(&u.question.text, &shown[0].name, &text) => {
                    extra = text;
                    citations.push(e.id.clone());
                }
                _ if cfg.needs_product => return self.handoff("no_attribute", &shown[0].name),
                _ => return self.faq_answer_on(r, false),
            }
        }
        if mode == "restock"
            && views.iter().any(|v| v.availability == Availability::OutOfStock)
            && let Some((e, text)) = self.best_faq_mentioning(r, shown[0])
        {
            extra = text;
            citations.push(e.id.clone());
        }
        if mode == "attribute"
            && any_snippet
            && !cfg.needs_product
            && let Some((e, text)) = self.best_faq_mentioning(r, shown[0])
        {
            extra = text;
            citations.push(e.id.clone());
        }
        let answer = self
            .env
            .get_template("answer/product.j2")?
            .render(context! { products => views, mode, extra })?;
        Ok(Draft {
            answer: tidy(&answer),
            citations,
            handoff: None,
        })
    }

    /// Whether `text` speaks to the question's topic beyond the product's name.
    fn on_topic(&self, question: &str, product_name: &str, text: &str) -> bool {
        let q = fold(question);
        let f = fold(text);
        let label_hit = self.ontology.attributes.iter().any(|c| {
            c.labels.iter().any(|l| {
                let l = fold(l);
                !l.is_empty() && q.contains(&l)
            }) && c.labels.iter().any(|l| {
                let l = fold(l);
                !l.is_empty() && f.contains(&l)
            })
        });
        let tt = terms(text);
        label_hit
            || self
                .topic_terms(question, &terms(product_name))
                .iter()
                .any(|t| tt.contains(t))
    }

    /// The FAQ / policy evidence sentence that best mentions a product, if any.
    fn best_faq_mentioning<'a>(&self, r: &'a Retrieved, p: &Product) -> Option<(&'a Evidence, String)> {
        let name_terms = terms(&p.name);
        let qt = self.topic_terms(&r.understood.question.text, &[]);
        let mut best: Option<(f32, &Evidence, String)> = None;
        for e in r
            .evidence
            .iter()
            .filter(|e| matches!(e.kind, PassageKind::Faq | PassageKind::Policy))
        {
            let body = faq_body(e, &r.understood.facts);
            for s in crate::text::sentences(&body) {
                let st = terms(s);
                let name_hits = name_terms.iter().filter(|t| st.contains(t)).count();
                if name_hits < 2 {
                    continue;
                }
                let score = name_hits as f32 + 0.5 * qt.iter().filter(|t| st.contains(t)).count() as f32;
                if best.as_ref().is_none_or(|b| score > b.0) {
                    best = Some((score, e, format!("{s}。")));
                }
            }
        }
        best.map(|(_, e, s)| (e, s))
    }

    fn faq_answer(&self, r: &Retrieved) -> Result<Draft, Error> {
        self.faq_answer_on(r, true)
    }

    /// The FAQ answer; with `loose`, the closest merchant passage answers even when it shares
    /// no topic term with the question.
    fn faq_answer_on(&self, r: &Retrieved, loose: bool) -> Result<Draft, Error> {
        let facts = &r.understood.facts;
        let qt = self.topic_terms(&r.understood.question.text, &[]);
        let answers = |e: &&Evidence| !matches!(e.kind, PassageKind::Product | PassageKind::Promotion);
        let topical = |e: &&Evidence| {
            let et = terms(&e.text);
            qt.iter().any(|t| et.contains(t))
        };
        // The merchant's own knowledge first; the general layer only when the merchant says
        // nothing on the topic; then the semantically closest merchant passage.
        let merchant: Vec<&Evidence> = r
            .evidence
            .iter()
            .filter(answers)
            .filter(|e| e.layer == Layer::Merchant)
            .filter(topical)
            .collect();
        let usable: Vec<&Evidence> = if !merchant.is_empty() {
            merchant
        } else {
            let general: Vec<&Evidence> = r.evidence.iter().filter(answers).filter(topical).collect();
            if !general.is_empty() || !loose {
                general
            } else {
                r.evidence
                    .iter()
                    .filter(answers)
                    .filter(|e| e.layer == Layer::Merchant && e.sources.iter().any(|s| s == "vector"))
                    .take(1)
                    .collect()
            }
        };
        let Some(first) = usable.first() else {
            return self.handoff("no_answer", "");
        };
        let mut parts = Vec::new();
        let mut citations = Vec::new();
        // A named product that is not simply in stock changes most answers: say so first.
        if let Some(p) = r.understood.entities.first().and_then(|e| facts.product(&e.iri))
            && p.offer
                .as_ref()
                .is_some_and(|o| o.availability != Availability::InStock)
        {
            let view = self.product_view(p, Vec::new());
            parts.push(tidy(
                &self
                    .env
                    .get_template("answer/product.j2")?
                    .render(context! { products => vec![view], mode => "status", extra => "" })?,
            ));
            citations.extend(r.evidence.iter().filter(|e| e.subject == p.iri).map(|e| e.id.clone()));
        }
        parts.push(faq_body(first, facts));
        citations.push(first.id.clone());
        if let Some(second) = usable.get(1)
            && second.score >= first.score * 0.85
            && second.layer == first.layer
            && adds_to(&faq_body(first, facts), &faq_body(second, facts))
        {
            parts.push(faq_body(second, facts));
            citations.push(second.id.clone());
        }
        let parts: Vec<String> = parts
            .into_iter()
            .map(|p| {
                if p.ends_with(['。', '！', '？', '～']) {
                    p
                } else {
                    format!("{p}。")
                }
            })
            .collect();
        let answer = self.env.get_template("answer/faq.j2")?.render(context! { parts })?;
        Ok(Draft {
            answer: tidy(&answer),
            citations,
            handoff: None,
        })
    }

    /// Products matching a need (recommendation without a named product): category,
    /// attributes and description sharing topic terms with the question.
    fn recommend(&self, r: &Retrieved) -> Result<Draft, Error> {
        let u = &r.understood;
        let qt = self.topic_terms(&u.question.text, &[]);
        let mut scored: Vec<(usize, &Product, Vec<String>)> = Vec::new();
        for p in &u.facts.products {
            let mut snippets = Vec::new();
            let mut hits = 0;
            let mut texts: Vec<String> = p.properties.iter().map(|(k, v)| format!("{k}：{v}")).collect();
            texts.extend(p.category.iter().cloned());
            texts.extend(
                p.description
                    .iter()
                    .flat_map(|d| clauses(d).into_iter().map(str::to_string).collect::<Vec<_>>()),
            );
            texts.push(p.name.clone());
            for t in texts {
                let tt = terms(&t);
                let h = qt.iter().filter(|q| tt.contains(q)).count();
                if h > 0 {
                    hits += h;
                    if snippets.len() < 2 && t != p.name && p.category.as_deref() != Some(t.as_str()) {
                        snippets.push(t);
                    }
                }
            }
            if hits >= 2
                && p.offer
                    .as_ref()
                    .is_none_or(|o| o.availability != Availability::OutOfStock)
            {
                scored.push((hits, p, snippets));
            }
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
        let Some(best) = scored.first().map(|s| s.0) else {
            return self.handoff("no_product", "");
        };
        let views: Vec<ProductView> = scored
            .into_iter()
            .filter(|s| s.0 == best)
            .take(3)
            .map(|(_, p, sn)| self.product_view(p, sn))
            .collect();
        let answer = self
            .env
            .get_template("answer/product.j2")?
            .render(context! { products => views, mode => "recommend", extra => "" })?;
        Ok(Draft {
            answer: tidy(&answer),
            citations: Vec::new(),
            handoff: None,
        })
    }

    fn promotion_answer(&self, r: &Retrieved, at: Clock) -> Result<Draft, Error> {
        let facts = &r.understood.facts;
        let q = &r.understood.question.text;
        let qt = self.topic_terms(q, &[]);
        let linked: Vec<&str> = r.understood.entities.iter().map(|e| e.iri.as_str()).collect();
        let offers: Vec<_> = facts.promotions.iter().filter(|p| !p.is_event).collect();
        let pool: Vec<_> = if offers.is_empty() {
            facts.promotions.iter().collect()
        } else {
            offers
        };
        let scored: Vec<(usize, &crate::store::merchant::Promotion)> = pool
            .iter()
            .map(|p| {
                let pt = terms(&format!("{} {}", p.name, p.description.clone().unwrap_or_default()));
                let mut s = qt.iter().filter(|t| pt.contains(t)).count();
                if p.items.iter().any(|i| linked.contains(&i.as_str())) {
                    s += 2;
                }
                (s, *p)
            })
            .collect();
        let best = scored.iter().map(|s| s.0).max().unwrap_or(0);
        let chosen: Vec<_> = if best >= 2 {
            scored
                .iter()
                .filter(|s| s.0 + 1 >= best && s.0 >= 2)
                .map(|s| s.1)
                .collect()
        } else {
            // A general question: what runs now, else what is coming, else what ended last.
            let active: Vec<_> = pool
                .iter()
                .filter(|p| p.status(at) == PromotionStatus::Active)
                .copied()
                .collect();
            if !active.is_empty() {
                active
            } else {
                let upcoming: Vec<_> = pool
                    .iter()
                    .filter(|p| p.status(at) == PromotionStatus::Upcoming)
                    .copied()
                    .collect();
                if !upcoming.is_empty() { upcoming } else { pool.clone() }
            }
        };
        if chosen.is_empty() {
            return self.faq_answer(r);
        }
        let fmt = |d: Option<chrono::DateTime<chrono::FixedOffset>>| {
            d.map(|d| d.format("%-m月%-d日%H:%M").to_string()).unwrap_or_default()
        };
        let views: Vec<PromotionView> = chosen
            .iter()
            .map(|p| PromotionView {
                name: p.name.clone(),
                status: p.status(at),
                description: p.description.clone().unwrap_or_default(),
                window: format!("活动时间{}至{}", fmt(p.valid_from), fmt(p.valid_through)),
                start: fmt(p.valid_from),
            })
            .collect();
        let citations = r
            .evidence
            .iter()
            .filter(|e| chosen.iter().any(|p| p.iri == e.subject))
            .map(|e| e.id.clone())
            .collect();
        let answer = self
            .env
            .get_template("answer/promotion.j2")?
            .render(context! { promotions => views })?;
        Ok(Draft {
            answer: tidy(&answer),
            citations,
            handoff: None,
        })
    }
}

/// The answer text of an evidence item: a FAQ's accepted answer, otherwise the passage.
fn faq_body(e: &Evidence, facts: &MerchantFacts) -> String {
    if e.kind == PassageKind::Faq
        && let Some(f) = facts.faqs.iter().find(|f| f.iri == e.subject)
    {
        return f.answer.clone();
    }
    e.text.clone()
}

/// Whether `next` says something `first` does not: fewer than 60% of its terms repeat.
fn adds_to(first: &str, next: &str) -> bool {
    let (a, b) = (terms(first), terms(next));
    let shared = b.iter().filter(|t| a.contains(t)).count();
    (shared as f32) < 0.6 * b.len().max(1) as f32
}

fn tidy(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("")
        .replace("。。", "。")
        .replace("，。", "。")
}

impl Generator for TemplateGenerator {
    #[tracing::instrument(name = "answer", skip_all)]
    fn run(&self, r: Retrieved, at: Clock) -> Result<Drafted, Error> {
        let u = &r.understood;
        let intent = u.intent.id.as_str();
        let rule = self
            .ontology
            .intent(intent)
            .map(|i| i.handoff)
            .unwrap_or(HandoffRule::Never);
        let cfg = self.settings.intents.get(intent).cloned().unwrap_or(IntentAnswer {
            mode: self.settings.default_mode,
            ..Default::default()
        });
        let draft = if rule == HandoffRule::Always {
            self.handoff(
                if intent == "human_agent" || intent == "complaint" {
                    intent
                } else {
                    "order"
                },
                "",
            )?
        } else if u.order_specific
            && (rule == HandoffRule::WhenOrderSpecific
                || !u.facts.products.is_empty() && u.entities.is_empty() && cfg.mode == Mode::Faq)
        {
            self.handoff("order", "")?
        } else {
            match cfg.mode {
                Mode::Smalltalk => {
                    let shop = u.facts.org.name.clone();
                    let answer = self
                        .env
                        .get_template("answer/smalltalk.j2")?
                        .render(context! { intent, shop })?;
                    Draft {
                        answer: tidy(&answer),
                        citations: Vec::new(),
                        handoff: None,
                    }
                }
                Mode::Product => self.product_answer(&r, &cfg)?,
                Mode::Promotion => self.promotion_answer(&r, at)?,
                Mode::Faq => self.faq_answer(&r)?,
            }
        };
        let _ = money;
        Ok(Drafted {
            answer: draft.answer,
            citations: draft.citations,
            handoff: draft.handoff.is_some(),
            handoff_reason: draft.handoff,
            retrieved: r,
        })
    }
}
