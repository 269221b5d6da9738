//! The merchant id: parsed once at the edge (a path, a body, `?merchant=`, a key's
//! binding, the CLI) and carried through as [`MerchantId`]. A leaf module: it imports
//! nothing of zhiku, so `security`, `store` and `api` can all use it.
//!
//! A merchant id is 1–64 characters of `a-z`, `0-9`, `-` and `_`, starting with a letter or
//! digit. Ids that zhiku uses itself are reserved and never name a merchant: anything
//! starting with `_` (`_general` is the general layer's scope in the indexes) or `-`, and
//! anything containing `:` (`urn:zhiku:…` graph names).

use std::fmt;

/// Longest merchant id, in bytes (all of them ASCII).
pub const MAX_LEN: usize = 64;

/// A well-formed, unreserved merchant id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct MerchantId(String);

/// Why a string is not a merchant id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidMerchantId {
    /// Empty, too long, or a character outside `a-z0-9-_`.
    #[error("invalid merchant id {0:?}: use 1-64 characters a-z, 0-9, '-' or '_', starting with a letter or digit")]
    Malformed(String),
    /// An id zhiku uses itself (`_general`, any `_…`).
    #[error("merchant id {0:?} is reserved: ids starting with '_' name zhiku's own layers")]
    Reserved(String),
}

impl MerchantId {
    /// Parses and checks `s` exactly (no trimming, no case folding).
    pub fn parse(s: &str) -> Result<Self, InvalidMerchantId> {
        let well_formed = !s.is_empty()
            && s.len() <= MAX_LEN
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !well_formed {
            return Err(InvalidMerchantId::Malformed(s.to_string()));
        }
        match s.as_bytes()[0] {
            b'_' => Err(InvalidMerchantId::Reserved(s.to_string())),
            b'-' => Err(InvalidMerchantId::Malformed(s.to_string())),
            _ => Ok(MerchantId(s.to_string())),
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for MerchantId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for MerchantId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MerchantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for MerchantId {
    type Err = InvalidMerchantId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MerchantId::parse(s)
    }
}

impl PartialEq<str> for MerchantId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for MerchantId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl<'de> serde::Deserialize<'de> for MerchantId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = MerchantId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a merchant id (a string)")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<MerchantId, E> {
                MerchantId::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_malformed_ids_are_refused() {
        for ok in ["m-beauty", "m_2", "0shop", "a", &"x".repeat(64)] {
            assert_eq!(MerchantId::parse(ok).map(|m| m.to_string()), Ok(ok.to_string()));
        }
        for reserved in ["_general", "_", "_x"] {
            assert!(
                matches!(MerchantId::parse(reserved), Err(InvalidMerchantId::Reserved(_))),
                "{reserved}"
            );
        }
        for bad in [
            "",
            "-x",
            "M-BEAUTY",
            " m-beauty",
            "m-beauty ",
            "urn:zhiku:graph:general",
            "m/beauty",
            "ｍ-beauty",
            "m\u{0}",
            &"x".repeat(65),
        ] {
            assert!(
                matches!(MerchantId::parse(bad), Err(InvalidMerchantId::Malformed(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn it_deserializes_only_from_a_valid_string() {
        let ok: MerchantId = serde_json::from_str("\"m-beauty\"").expect("valid");
        assert_eq!(ok, "m-beauty");
        for bad in ["\"_general\"", "1", "null", "[\"m-beauty\"]", "{\"id\":\"m-beauty\"}"] {
            assert!(serde_json::from_str::<MerchantId>(bad).is_err(), "{bad}");
        }
    }
}
