//! SM4-GCM (GB/T 32907 block cipher in Galois/Counter Mode) for sensitive values at rest:
//! RustCrypto's `sm4` block cipher inside the `aes-gcm` crate's generic GCM. Each value gets
//! a fresh random 96-bit nonce; the sealed form names its key id, so keys can rotate and
//! old values stay readable while any key that sealed them is configured.

use super::{SecurityError, random_bytes};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use std::collections::BTreeMap;

type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;

/// Prefix of a sealed value: `sm4gcm:v1:{key id}:{hex(nonce ‖ ciphertext ‖ tag)}`.
pub const SEALED_PREFIX: &str = "sm4gcm:v1:";

/// Named SM4 keys and the one that seals new values.
pub struct Keyring {
    keys: BTreeMap<String, Sm4Gcm>,
    active: String,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .field("active", &self.active)
            .finish()
    }
}

fn parse_key(id: &str, hex_key: &str) -> Result<[u8; 16], SecurityError> {
    let bytes = hex::decode(hex_key.trim())
        .map_err(|e| SecurityError::invalid(&format!("security.sm4_keys.{id}"), format!("not hex: {e}")))?;
    bytes.try_into().map_err(|_| {
        SecurityError::invalid(
            &format!("security.sm4_keys.{id}"),
            "an SM4 key is 16 bytes (32 hex digits)",
        )
    })
}

impl Keyring {
    /// A keyring from `id → 32 hex digits`; `active` seals new values.
    pub fn new(keys: &BTreeMap<String, String>, active: &str) -> Result<Self, SecurityError> {
        let mut ring = BTreeMap::new();
        for (id, k) in keys {
            if id.is_empty() || id.contains(':') {
                return Err(SecurityError::invalid(
                    "security.sm4_keys",
                    format!("key id {id:?}: no ':' and not empty"),
                ));
            }
            let key = parse_key(id, k)?;
            ring.insert(id.clone(), Sm4Gcm::new(&key.into()));
        }
        if !ring.contains_key(active) {
            return Err(SecurityError::invalid(
                "security.sm4_active",
                format!("{active:?} is not one of the configured keys"),
            ));
        }
        Ok(Keyring {
            keys: ring,
            active: active.to_string(),
        })
    }

    /// The key id that seals new values.
    pub fn active(&self) -> &str {
        &self.active
    }

    /// Seals `plain` with the active key and a fresh random nonce. The key id is bound in as
    /// associated data.
    pub fn seal(&self, plain: &str) -> Result<String, SecurityError> {
        let cipher = &self.keys[&self.active];
        let nonce = random_bytes::<12>()?;
        let ct = cipher
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: plain.as_bytes(),
                    aad: self.active.as_bytes(),
                },
            )
            .map_err(|_| SecurityError::Corrupt("SM4-GCM encryption failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(format!("{SEALED_PREFIX}{}:{}", self.active, hex::encode(out)))
    }

    /// The key id a sealed value names, or `None` when `s` is not sealed.
    pub fn key_id_of(s: &str) -> Option<&str> {
        s.strip_prefix(SEALED_PREFIX)?.split_once(':').map(|(id, _)| id)
    }

    /// Opens a sealed value; fails when its key is not configured or it was altered.
    pub fn open(&self, sealed: &str) -> Result<String, SecurityError> {
        let bad = |why: &str| SecurityError::Corrupt(format!("sealed value: {why}"));
        let rest = sealed.strip_prefix(SEALED_PREFIX).ok_or_else(|| bad("not sealed"))?;
        let (id, data) = rest.split_once(':').ok_or_else(|| bad("no key id"))?;
        let cipher = self
            .keys
            .get(id)
            .ok_or_else(|| bad(&format!("key {id:?} is not configured")))?;
        let data = hex::decode(data).map_err(|_| bad("not hex"))?;
        if data.len() < 12 + 16 {
            return Err(bad("too short"));
        }
        let (nonce, ct) = data.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| bad("nonce"))?;
        let plain = cipher
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: ct,
                    aad: id.as_bytes(),
                },
            )
            .map_err(|_| bad("authentication failed (wrong key or altered)"))?;
        String::from_utf8(plain).map_err(|_| bad("not UTF-8"))
    }

    /// Re-seals `sealed` with the active key when another key sealed it; `None` when it is
    /// already under the active key.
    pub fn reseal(&self, sealed: &str) -> Result<Option<String>, SecurityError> {
        if Self::key_id_of(sealed) == Some(self.active.as_str()) {
            return Ok(None);
        }
        Ok(Some(self.seal(&self.open(sealed)?)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sm4::cipher::{BlockCipherEncrypt, KeyInit};

    fn block_hex(key: &str, iterations: usize) -> String {
        let key: [u8; 16] = hex::decode(key).unwrap().try_into().unwrap();
        let cipher = sm4::Sm4::new(&key.into());
        let mut block: sm4::cipher::Block<sm4::Sm4> = key.into();
        for _ in 0..iterations {
            cipher.encrypt_block(&mut block);
        }
        hex::encode(block)
    }

    /// GB/T 32907-2016 Appendix A: example 1 (one encryption) and example 2 (1,000,000
    /// encryptions), key = plaintext = 0123456789abcdeffedcba9876543210.
    #[test]
    fn gbt_32907_vectors() {
        let k = "0123456789abcdeffedcba9876543210";
        assert_eq!(block_hex(k, 1), "681edf34d206965e86b3e94f536e4246");
        assert_eq!(block_hex(k, 1_000_000), "595298c7c6fd271f0402f804c33d3f66");
    }

    fn ring(active: &str) -> Keyring {
        let keys = BTreeMap::from([
            ("k1".to_string(), "0123456789abcdeffedcba9876543210".to_string()),
            ("k2".to_string(), "00112233445566778899aabbccddeeff".to_string()),
        ]);
        Keyring::new(&keys, active).unwrap()
    }

    #[test]
    fn seal_open_rotate_and_tamper() {
        let r1 = ring("k1");
        let a = r1.seal("13812345678").unwrap();
        let b = r1.seal("13812345678").unwrap();
        assert_ne!(a, b, "a fresh nonce per value");
        assert!(!a.contains("13812345678"));
        assert_eq!(Keyring::key_id_of(&a), Some("k1"));
        assert_eq!(r1.open(&a).unwrap(), "13812345678");
        // rotation: k2 seals, k1 values still open and reseal under k2
        let r2 = ring("k2");
        let c = r2.reseal(&a).unwrap().unwrap();
        assert_eq!(Keyring::key_id_of(&c), Some("k2"));
        assert_eq!(r2.open(&c).unwrap(), "13812345678");
        assert!(r2.reseal(&c).unwrap().is_none());
        // a flipped byte, or a relabelled key id, fails authentication
        let mut t = a.clone().into_bytes();
        let last = t.len() - 1;
        t[last] = if t[last] == b'0' { b'1' } else { b'0' };
        assert!(r1.open(std::str::from_utf8(&t).unwrap()).is_err());
        assert!(r2.open(&a.replacen(":k1:", ":k2:", 1)).is_err());
        // bad configuration is refused
        assert!(Keyring::new(&BTreeMap::from([("k".into(), "00".into())]), "k").is_err());
        assert!(Keyring::new(&BTreeMap::new(), "k").is_err());
    }
}
