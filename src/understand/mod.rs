//! 意图识别: intent classification ([`intent`]) and entity linking ([`entities`]).

pub mod entities;
pub mod intent;

use crate::Error;
use crate::pipeline::{Question, Understand, Understood};
use crate::store::{Knowledge, Ontology};
use crate::text::has_long_number;
use std::sync::Arc;

pub use entities::link_products;
pub use intent::IntentClassifier;

/// Digits in a row that make a number an order, parcel or refund number.
const ORDER_NUMBER_DIGITS: usize = 8;

/// The embedded understand stage.
pub struct Understander {
    knowledge: Knowledge,
    classifier: Arc<IntentClassifier>,
    ontology: Arc<Ontology>,
}

impl Understander {
    /// Builds the stage.
    pub fn new(knowledge: Knowledge, classifier: Arc<IntentClassifier>, ontology: Arc<Ontology>) -> Self {
        Understander {
            knowledge,
            classifier,
            ontology,
        }
    }
}

impl Understand for Understander {
    #[tracing::instrument(name = "understand", skip_all)]
    fn run(&self, q: Question) -> Result<Understood, Error> {
        let facts = self.knowledge.facts(&q.merchant_id).map_err(|e| match e {
            crate::store::StoreError::UnknownMerchant(m) => Error::UnknownMerchant(m),
            e => Error::Store(e),
        })?;
        let intent = self.classifier.classify(&q.text)?;
        let entities = link_products(&q.text, &facts, &self.ontology);
        let order_specific = has_long_number(&q.text, ORDER_NUMBER_DIGITS);
        Ok(Understood {
            question: q,
            facts,
            intent,
            entities,
            order_specific,
        })
    }

    fn classify(&self, text: &str) -> Result<String, Error> {
        Ok(self.classifier.classify(text)?.id)
    }
}
