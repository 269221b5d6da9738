//! 商家知识校验: every checkable claim in an answer (price, days, fee, stock, policy,
//! attribute, promotion, courier, hours) is extracted ([`claims`]) and compared with the
//! merchant's own facts as of the question time ([`check`]).

pub mod check;
pub mod claims;

pub use check::{Correction, Validation, Verdict, validate_text};
pub use claims::{Claim, ClaimKind, ClaimStatus};

use crate::Error;
use crate::pipeline::{Clock, Drafted, Validate, Validated};
use crate::store::Ontology;
use std::sync::Arc;

/// The embedded validate stage.
pub struct Validator {
    ontology: Arc<Ontology>,
}

impl Validator {
    /// Builds the stage.
    pub fn new(ontology: Arc<Ontology>) -> Self {
        Validator { ontology }
    }
}

impl Validate for Validator {
    #[tracing::instrument(name = "validate", skip_all)]
    fn run(&self, d: Drafted, at: Clock) -> Result<Validated, Error> {
        let u = &d.retrieved.understood;
        let validation = validate_text(&d.answer, &u.question.text, &u.facts, &self.ontology, at);
        Ok(Validated { drafted: d, validation })
    }
}
