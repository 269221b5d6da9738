//! 商家知识校验: every checkable claim in an answer (price, days, fee, stock, policy,
//! attribute, promotion, courier, hours) is extracted ([`extract`]) and compared with the
//! merchant's own facts as of the question time ([`validate_text`], [`Prepared`]). The
//! result types ([`Validation`], [`Claim`]…) live in [`crate::pipeline`].
//!
//! The modules, each importing only from those listed before it:
//! - language: `text` (folding, segmentation, numerals, masks, dates, stance, term sets),
//!   `lexicon` (attribute and courier labels), `mentions` (typed values and their keys),
//!   `products` (which product a text names);
//! - shared state: `candidate` (what an answer claims; the clause being scanned), `facts`
//!   (the merchant's knowledge as sentences), `context` (one answer against the facts;
//!   check outcomes);
//! - one module per claim family, each with its word tables, its clause detector and its
//!   checks: `promotions`, `values`, `stock`, `attributes`, `policy`;
//! - `asked` (replies judged by arithmetic on the question's numbers: a payment time
//!   against the cut-off, days since receipt against the return window) and `proposition`
//!   (the question's proposition and the closed world);
//! - `extract` runs the families' detectors clause by clause; `verdict` runs their checks
//!   and decides pass / corrected / handoff.

/// A lazily compiled static regex: `re!(NAME, pattern)` (optionally with a visibility).
macro_rules! re {
    ($vis:vis $name:ident, $pat:expr) => {
        $vis static $name: std::sync::LazyLock<regex::Regex> =
            std::sync::LazyLock::new(|| regex::Regex::new($pat).expect("static regex"));
    };
}

mod asked;
mod attributes;
mod candidate;
mod context;
mod extract;
mod facts;
mod lexicon;
mod mentions;
mod policy;
mod products;
mod promotions;
mod proposition;
mod stock;
mod text;
mod values;
mod verdict;

pub use crate::pipeline::{Claim, ClaimKind, ClaimStatus, Correction, Finding, Validation, Verdict};
pub use candidate::Candidate;
pub use extract::extract;
pub use verdict::{Prepared, validate_text};

use crate::Error;
use crate::config::UnsupportedPolicy;
use crate::pipeline::{Clock, Drafted, Validate, Validated};
use crate::store::{MerchantFacts, Ontology};
use std::sync::Arc;

/// The embedded validate stage. It keeps each merchant's facts indexed for checking
/// ([`Prepared`]) and re-indexes when the merchant's facts change (a new `Arc`).
///
/// Each cache entry holds the `Arc` of the facts it was prepared from, so that allocation
/// stays alive and its address cannot be reused by newer facts while the entry exists.
pub struct Validator {
    /// Attribute and courier labels.
    ontology: Arc<Ontology>,
    /// Per merchant: the facts prepared and what they were prepared from.
    prepared: moka::sync::Cache<String, (Arc<MerchantFacts>, Arc<Prepared>)>,
    /// What an unsupported claim does to the verdict.
    unsupported: UnsupportedPolicy,
}

impl Validator {
    /// Builds the stage.
    pub fn new(ontology: Arc<Ontology>, unsupported: UnsupportedPolicy) -> Self {
        Validator {
            ontology,
            prepared: moka::sync::Cache::new(1024),
            unsupported,
        }
    }

    /// Checks `answer` against `facts` as of `at`.
    pub fn check(&self, facts: &Arc<MerchantFacts>, answer: &str, question: &str, at: Clock) -> Validation {
        let prepared = match self.prepared.get(&facts.merchant_id) {
            Some((from, p)) if Arc::ptr_eq(&from, facts) => p,
            _ => {
                let p = Arc::new(Prepared::new(facts.as_ref().clone(), &self.ontology));
                self.prepared
                    .insert(facts.merchant_id.clone(), (facts.clone(), p.clone()));
                p
            }
        };
        prepared.validate_with_policy(answer, question, at, self.unsupported)
    }
}

impl Validate for Validator {
    #[tracing::instrument(name = "validate", skip_all)]
    fn run(&self, d: Drafted, at: Clock) -> Result<Validated, Error> {
        let u = &d.retrieved.understood;
        let validation = self.check(&u.facts, &d.answer, &u.question.text, at);
        Ok(Validated { drafted: d, validation })
    }
}
