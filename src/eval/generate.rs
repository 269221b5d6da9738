//! Fresh validation cases from any merchant's facts (`zhiku gen-cases`).
//!
//! True facts are mutated into wrong claims (prices, stock, counts, region fees and days, the
//! free-shipping threshold, return windows, non-returnable products, promotions at a chosen
//! time, attributes borrowed from another product) and stated in several phrasings, short
//! yes/no answers included; true answers carry harmless numbers (quantities, order numbers,
//! correct totals). The phrasings are data (`eval/gen_templates.toml`); the code only picks
//! facts and values. Cases are labelled by construction, so they measure the validator on text
//! nobody tuned it on.

use crate::Error;
use crate::store::MerchantFacts;
use crate::store::merchant::{Availability, Product, PromotionStatus};
use chrono::{DateTime, Duration, FixedOffset};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The templates of one family.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Family {
    /// Question templates.
    pub questions: Vec<String>,
    /// Answers stating the facts.
    #[serde(default, rename = "true")]
    pub truthful: Vec<String>,
    /// Answers stating a wrong value or the wrong side of the question.
    #[serde(default, rename = "false")]
    pub wrong: Vec<String>,
}

/// Every family's templates, by family name.
pub type Templates = BTreeMap<String, Family>;

/// One wrong claim of a generated case.
#[derive(Debug, Clone, Serialize)]
pub struct GenError {
    /// Claim kind (README vocabulary).
    pub kind: &'static str,
    /// The wrong value as stated.
    pub wrong: String,
    /// The right value (`无` when the fact does not exist).
    pub right: String,
    /// IRI of the fact.
    pub subject: String,
}

/// One generated case, in the format of `validation_*.jsonl`.
#[derive(Debug, Clone, Serialize)]
pub struct GenCase {
    /// `gen-{merchant}-{family}-{n}`.
    pub id: String,
    /// Merchant.
    pub merchant_id: String,
    /// Question.
    pub question: String,
    /// Answer to check.
    pub answer: String,
    /// pass | fail.
    pub expected: &'static str,
    /// The wrong claims (fail cases).
    pub errors: Vec<GenError>,
    /// Time of the question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
}

/// Reads the templates file.
pub fn load_templates(path: &std::path::Path) -> Result<Templates, Error> {
    let s = std::fs::read_to_string(path).map_err(|source| Error::Io {
        context: format!("read {}", path.display()),
        source,
    })?;
    use figment::providers::{Format, Toml};
    figment::Figment::from(Toml::string(&s))
        .extract()
        .map_err(|e| Error::invalid(&path.display().to_string(), e.to_string()))
}

/// The values one case is written from.
struct Fill {
    vars: minijinja::Value,
    error: Option<GenError>,
    now: Option<DateTime<FixedOffset>>,
}

/// Writes cases for every family from `facts`; `at` is the time of cases that do not pick
/// their own.
pub fn generate(facts: &MerchantFacts, templates: &Templates, at: DateTime<FixedOffset>) -> Vec<GenCase> {
    let mut out = Vec::new();
    let mut w = Writer {
        facts,
        templates,
        at,
        out: &mut out,
        counter: BTreeMap::new(),
    };
    for (i, p) in facts.products.iter().enumerate() {
        w.product(i, p);
    }
    w.shipping();
    w.returns();
    w.promotions();
    out
}

struct Writer<'a> {
    facts: &'a MerchantFacts,
    templates: &'a Templates,
    at: DateTime<FixedOffset>,
    out: &'a mut Vec<GenCase>,
    counter: BTreeMap<String, usize>,
}

/// A wrong amount near a right one: never equal, never a round-trip of it.
fn wrong_amount(v: f64, salt: usize) -> f64 {
    let step = [0.8, 1.25, 0.5, 1.1][salt % 4];
    let w = (v * step).round();
    if (w - v).abs() < 1.0 { v + 10.0 } else { w }
}

fn wrong_count(n: i64, salt: usize) -> i64 {
    [n + 7, (n / 2).max(1) + 1, n + 20][salt % 3].max(1) + if n == 1 { 2 } else { 0 }
}

impl Writer<'_> {
    /// Renders one case of `family`, truthful or wrong, with template index `k`.
    fn case(&mut self, family: &str, truthful: bool, k: usize, fill: Fill) {
        let Some(t) = self.templates.get(family) else { return };
        let answers = if truthful { &t.truthful } else { &t.wrong };
        if t.questions.is_empty() || answers.is_empty() {
            return;
        }
        let env = minijinja::Environment::new();
        let render = |tpl: &str| env.render_str(tpl, &fill.vars).unwrap_or_default();
        let question = render(&t.questions[k % t.questions.len()]);
        let answer = render(&answers[k % answers.len()]);
        if question.trim().is_empty() || answer.trim().is_empty() {
            return;
        }
        let n = self.counter.entry(family.to_string()).or_default();
        *n += 1;
        self.out.push(GenCase {
            id: format!("gen-{}-{family}-{:03}", self.facts.merchant_id, n),
            merchant_id: self.facts.merchant_id.clone(),
            question,
            answer,
            expected: if truthful { "pass" } else { "fail" },
            errors: if truthful {
                Vec::new()
            } else {
                fill.error.into_iter().collect()
            },
            now: fill.now.map(|t| t.to_rfc3339()),
        });
    }

    /// A truthful and a wrong case of `family` from the same facts.
    fn pair(
        &mut self,
        family: &str,
        k: usize,
        vars: minijinja::Value,
        error: GenError,
        now: Option<DateTime<FixedOffset>>,
    ) {
        let truthful = Fill {
            vars: vars.clone(),
            error: None,
            now,
        };
        self.case(family, true, k, truthful);
        let wrong = Fill {
            vars,
            error: Some(error),
            now,
        };
        self.case(family, false, k, wrong);
    }

    fn product(&mut self, i: usize, p: &Product) {
        let Some(o) = &p.offer else { return };
        let sku = p.sku.clone().unwrap_or_else(|| p.name.clone());
        let name = p.name.as_str();
        if let Some(price) = o.price {
            let wrong = wrong_amount(price, i);
            let vars = minijinja::context! { name, sku, price => money(price), wrong => money(wrong) };
            let err = error("price", money(wrong), money(price), &o.iri);
            self.pair("price", i, vars, err, None);
            self.harmless(i, p, price);
        }
        let family = match o.availability {
            Availability::InStock => "stock_in",
            Availability::OutOfStock => "stock_out",
            _ => "",
        };
        if !family.is_empty() {
            let right = if family == "stock_in" { "有货" } else { "缺货" };
            let vars = minijinja::context! { name, sku };
            self.pair(
                family,
                i,
                vars,
                error("stock", String::new(), right.into(), &o.iri),
                None,
            );
        }
        if let Some(n) = o.inventory.filter(|n| *n > 0) {
            let unit = o.inventory_unit.clone().unwrap_or_else(|| "件".into());
            let wrong = wrong_count(n, i);
            let vars = minijinja::context! { name, n, unit, wrong };
            let err = error("stock", wrong.to_string(), n.to_string(), &o.iri);
            self.pair("inventory", i, vars, err, None);
        }
        self.invented(i, p);
    }

    /// An attribute of another product stated for this one, where its facts say nothing of it.
    fn invented(&mut self, i: usize, p: &Product) {
        let own: String = std::iter::once(p.name.as_str())
            .chain(p.description.as_deref())
            .chain(p.properties.iter().flat_map(|(n, v)| [n.as_str(), v.as_str()]))
            .collect();
        let borrowed = self
            .facts
            .products
            .iter()
            .cycle()
            .skip(i + 1)
            .take(self.facts.products.len())
            .flat_map(|q| q.properties.iter())
            .find(|(n, v)| !own.contains(n.as_str()) && !own.contains(v.as_str()) && v.chars().count() <= 12);
        if let Some((attr, value)) = borrowed {
            let vars = minijinja::context! { name => p.name.as_str(), attr, value };
            let fill = Fill {
                vars,
                error: Some(error("attribute", value.clone(), "无".into(), &p.iri)),
                now: None,
            };
            self.case("invented", false, i, fill);
        }
    }

    /// A correct total of `k` items with an order number (pass), and a wrong total (fail).
    fn harmless(&mut self, i: usize, p: &Product, price: f64) {
        let k = 2 + (i % 3) as u32;
        let total = price * f64::from(k);
        let wrong = total + price;
        let order = format!("20261123{:06}", 104729 * (i + 1) % 1_000_000);
        let vars = minijinja::context! {
            name => p.name.as_str(), price => money(price), k, total => money(total),
            wrong => money(wrong), order
        };
        let err = error(
            "price",
            money(wrong),
            money(total),
            p.offer.as_ref().map_or(&p.iri, |o| &o.iri),
        );
        self.pair("harmless", i, vars, err, None);
    }

    fn shipping(&mut self) {
        for (i, sh) in self.facts.shipping.iter().enumerate() {
            let Some(region) = sh.regions.first().map(String::as_str) else {
                continue;
            };
            if let Some(rate) = sh.rate.filter(|r| *r > 0.0) {
                let wrong = wrong_amount(rate, i);
                let vars = minijinja::context! { region, rate => money(rate), wrong => money(wrong) };
                let err = error("fee", money(wrong), money(rate), &sh.iri);
                self.pair("region_fee", i, vars, err, None);
            }
            if let Some((a, b)) = sh.transit_days {
                let days = if a == b { a.to_string() } else { format!("{a}-{b}") };
                let wrong = if b + 3 > 9 {
                    format!("{}", (a - 1).max(1))
                } else {
                    format!("{}-{}", b + 2, b + 4)
                };
                let vars = minijinja::context! { region, days, wrong };
                self.pair(
                    "region_days",
                    i,
                    vars,
                    error("days", String::new(), String::new(), &sh.iri),
                    None,
                );
            }
            if let Some(t) = sh.free_threshold {
                let wrong = wrong_amount(t, i + 1);
                let vars = minijinja::context! { threshold => money(t), wrong => money(wrong) };
                let err = error("fee", money(wrong), money(t), &sh.iri);
                self.pair("free_threshold", i, vars, err, None);
            }
        }
    }

    fn returns(&mut self) {
        for (i, pol) in self.facts.policies.iter().enumerate() {
            let users: Vec<&Product> = self
                .facts
                .products
                .iter()
                .filter(|p| p.offer.as_ref().and_then(|o| o.return_policy.as_deref()) == Some(pol.iri.as_str()))
                .collect();
            let Some(first) = users.first() else { continue };
            let name = first.name.as_str();
            if pol.category.as_deref() == Some("MerchantReturnNotPermitted") {
                let vars = minijinja::context! { name };
                self.pair(
                    "no_return",
                    i,
                    vars,
                    error("policy", String::new(), "不支持退货".into(), &pol.iri),
                    None,
                );
            } else if let Some(days) = pol.days {
                let wrong = if days >= 15 { 7 } else { days + 8 };
                let vars = minijinja::context! { name, days, wrong };
                let err = error("days", wrong.to_string(), days.to_string(), &pol.iri);
                self.pair("return_days", i, vars, err, None);
            }
        }
    }

    /// Each promotion asked about at a time inside, after and before its validity.
    fn promotions(&mut self) {
        for (i, pr) in self.facts.promotions.iter().enumerate() {
            let promo = pr.name.as_str();
            let mut times = vec![self.at];
            times.extend(pr.valid_from.map(|t| t + Duration::hours(30)));
            times.extend(pr.valid_through.map(|t| t + Duration::days(12)));
            times.extend(pr.valid_from.map(|t| t - Duration::days(3)));
            let mut seen = Vec::new();
            for (j, at) in times.into_iter().enumerate() {
                let status = pr.status(at);
                if seen.contains(&status) {
                    continue;
                }
                seen.push(status);
                let family = match status {
                    PromotionStatus::Active => "promo_running",
                    PromotionStatus::Ended => "promo_over",
                    PromotionStatus::Upcoming => "promo_upcoming",
                };
                let vars = minijinja::context! { promo };
                let err = error("promotion", String::new(), format!("{status:?}"), &pr.iri);
                self.pair(family, i + j, vars, err, Some(at));
            }
        }
    }
}

fn error(kind: &'static str, wrong: String, right: String, subject: &str) -> GenError {
    GenError {
        kind,
        wrong,
        right,
        subject: subject.to_string(),
    }
}

fn money(v: f64) -> String {
    crate::prompts::money(v)
}
