//! Which values are sensitive, and their sealed form at rest. A literal is sensitive when
//! its predicate is listed in `security.sensitive_predicates`, or a detector of
//! [`super::mask`] finds a mobile, ID-card or bank-card number or a house number in it. A
//! sealed literal is `"sm4gcm:v1:{key}:{hex}"^^zk:Sealed`; the ciphertext holds the whole
//! original literal (value, datatype or language), so opening gives it back exactly.

use super::SecurityError;
use super::mask::mask;
use super::sm4::Keyring;
use oxigraph::model::{Literal, NamedNode, NamedNodeRef, Term, TermRef};
use std::collections::HashSet;
use std::str::FromStr;

/// Datatype of sealed literals.
pub const SEALED: &str = "https://zhiku.dev/ns#Sealed";

/// The sealing policy of one service: the keyring and the sensitive predicates.
#[derive(Debug)]
pub struct Protector {
    ring: Keyring,
    predicates: HashSet<String>,
}

impl Protector {
    /// A protector sealing with `ring`; `predicates` are full IRIs.
    pub fn new(ring: Keyring, predicates: &[String]) -> Self {
        Protector {
            ring,
            predicates: predicates.iter().cloned().collect(),
        }
    }

    /// The keyring.
    pub fn keyring(&self) -> &Keyring {
        &self.ring
    }

    /// Whether `object` under `predicate` is sensitive.
    pub fn is_sensitive(&self, predicate: NamedNodeRef<'_>, object: TermRef<'_>) -> bool {
        let TermRef::Literal(l) = object else { return false };
        if l.datatype().as_str() == SEALED {
            return false;
        }
        self.predicates.contains(predicate.as_str()) || matches!(mask(l.value()), std::borrow::Cow::Owned(_))
    }

    /// The object as stored: sealed when sensitive, else unchanged.
    pub fn seal(&self, predicate: NamedNodeRef<'_>, object: Term) -> Result<Term, SecurityError> {
        if !self.is_sensitive(predicate, object.as_ref()) {
            return Ok(object);
        }
        let Term::Literal(l) = &object else { return Ok(object) };
        let sealed = self.ring.seal(&l.to_string())?;
        Ok(Literal::new_typed_literal(sealed, NamedNode::new_unchecked(SEALED)).into())
    }

    /// Whether a stored term is sealed.
    pub fn is_sealed(term: TermRef<'_>) -> bool {
        matches!(term, TermRef::Literal(l) if l.datatype().as_str() == SEALED)
    }

    /// The original term of a stored one (unchanged when not sealed).
    pub fn open(&self, term: Term) -> Result<Term, SecurityError> {
        let Term::Literal(l) = &term else { return Ok(term) };
        if l.datatype().as_str() != SEALED {
            return Ok(term);
        }
        let plain = self.ring.open(l.value())?;
        Literal::from_str(&plain)
            .map(Term::from)
            .map_err(|e| SecurityError::Corrupt(format!("sealed literal does not hold a literal: {e}")))
    }

    /// What may be shown of a stored term outside the graph (answers, passages, SPARQL
    /// results): opened, and its value masked.
    pub fn shown(&self, term: Term) -> Result<Term, SecurityError> {
        let sealed = Self::is_sealed(term.as_ref());
        let term = self.open(term)?;
        let Term::Literal(l) = &term else { return Ok(term) };
        let masked = mask(l.value());
        if !sealed && matches!(masked, std::borrow::Cow::Borrowed(_)) {
            return Ok(term);
        }
        let value = if matches!(masked, std::borrow::Cow::Borrowed(_)) {
            // a listed predicate whose value no detector recognises: keep its ends only
            redact(l.value())
        } else {
            masked.into_owned()
        };
        Ok(match l.language() {
            Some(lang) => Literal::new_language_tagged_literal_unchecked(value, lang).into(),
            None => Literal::new_typed_literal(value, l.datatype().into_owned()).into(),
        })
    }

    /// Re-seals a stored term under the active key; `None` when it needs nothing.
    pub fn reseal(&self, term: TermRef<'_>) -> Result<Option<Term>, SecurityError> {
        let TermRef::Literal(l) = term else { return Ok(None) };
        if l.datatype().as_str() != SEALED {
            return Ok(None);
        }
        Ok(self
            .ring
            .reseal(l.value())?
            .map(|s| Literal::new_typed_literal(s, NamedNode::new_unchecked(SEALED)).into()))
    }
}

/// Keeps the first and last two characters of a value and stars the rest.
fn redact(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    if n <= 4 {
        return "*".repeat(n);
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < 2 || i >= n - 2 { *c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn protector() -> Protector {
        let keys = BTreeMap::from([("k1".to_string(), "0123456789abcdeffedcba9876543210".to_string())]);
        Protector::new(
            Keyring::new(&keys, "k1").unwrap(),
            &["https://schema.org/taxID".to_string()],
        )
    }

    #[test]
    fn seals_detected_and_listed_values_and_opens_them_exactly() {
        let p = protector();
        let name = NamedNode::new_unchecked("https://schema.org/name");
        let tel = NamedNode::new_unchecked("https://schema.org/telephone");
        let tax = NamedNode::new_unchecked("https://schema.org/taxID");
        let plain: Term = Literal::new_simple_literal("钛合金保温杯").into();
        assert_eq!(p.seal(name.as_ref(), plain.clone()).unwrap(), plain);
        let service_line: Term = Literal::new_simple_literal("400-860-5288").into();
        assert_eq!(p.seal(tel.as_ref(), service_line.clone()).unwrap(), service_line);
        let mobile: Term = Literal::new_language_tagged_literal_unchecked("手机 13812345678", "zh").into();
        let sealed = p.seal(tel.as_ref(), mobile.clone()).unwrap();
        assert!(Protector::is_sealed(sealed.as_ref()));
        assert!(!sealed.to_string().contains("13812345678"));
        assert_eq!(p.open(sealed.clone()).unwrap(), mobile);
        assert_eq!(
            p.shown(sealed).unwrap(),
            Term::from(Literal::new_language_tagged_literal_unchecked("手机 138****5678", "zh"))
        );
        let id: Term = Literal::new_simple_literal("91330100MA2XXXXX1Q").into();
        let sealed = p.seal(tax.as_ref(), id.clone()).unwrap();
        assert_eq!(p.open(sealed.clone()).unwrap(), id);
        assert_eq!(
            p.shown(sealed).unwrap(),
            Term::from(Literal::new_simple_literal("91**************1Q"))
        );
    }
}
