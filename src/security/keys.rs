//! API keys. A key is `zk_{id}_{secret}`; only the id and SM3 of the secret are stored, in
//! `{data_dir}/security/keys.json`. Keys are created and revoked by `zhiku keys`; the server
//! picks up changes to the file without a restart.

use super::{Principal, Role, SecurityError, lock_file, random_bytes, sm3_hex, write_atomic};
use crate::merchant_id::MerchantId;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;

/// One stored key: never the secret, only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// Public key id (`k_` + 12 hex digits); audit records name it.
    pub id: String,
    /// Lowercase hex SM3 of the secret part.
    pub hash: String,
    /// The key's role.
    pub role: Role,
    /// Merchants a chatbot or merchant key may touch (empty for editor and admin keys).
    #[serde(default)]
    pub merchants: Vec<String>,
    /// Free-text note (who it is for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// RFC 3339 creation time.
    pub created: String,
    /// RFC 3339 revocation time; a revoked key authenticates nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct KeyFile {
    keys: Vec<KeyRecord>,
}

/// Why a presented key was not accepted (all map to 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyRejection {
    /// No `Authorization: Bearer` or `X-Api-Key` header.
    #[error("no API key: send `Authorization: Bearer <key>` or `X-Api-Key: <key>`")]
    Missing,
    /// Not a key this service issued.
    #[error("invalid API key")]
    Invalid,
    /// The key was revoked.
    #[error("API key revoked")]
    Revoked,
}

impl KeyRejection {
    /// Machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            KeyRejection::Missing => "missing_key",
            KeyRejection::Invalid => "invalid_key",
            KeyRejection::Revoked => "key_revoked",
        }
    }
}

struct Loaded {
    stamp: Option<(SystemTime, u64)>,
    keys: Vec<KeyRecord>,
}

/// The key store of one data dir.
pub struct KeyStore {
    dir: PathBuf,
    path: PathBuf,
    loaded: RwLock<Loaded>,
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

fn read(path: &Path) -> Result<Vec<KeyRecord>, SecurityError> {
    match std::fs::read(path) {
        Ok(b) => serde_json::from_slice::<KeyFile>(&b)
            .map(|f| f.keys)
            .map_err(|e| SecurityError::Corrupt(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(SecurityError::io(format!("read {}", path.display()))(e)),
    }
}

fn secret_hash(secret: &str) -> String {
    sm3_hex(format!("zhiku-key-v1:{secret}").as_bytes())
}

/// Splits `zk_{id}_{secret}` into the id (`k_…`) and the secret.
fn split_token(token: &str) -> Option<(String, &str)> {
    let rest = token.strip_prefix("zk_")?;
    let (id, secret) = rest.split_once('_')?;
    let ok = id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()) && secret.len() == 64;
    ok.then(|| (format!("k_{id}"), secret))
}

impl KeyStore {
    /// Opens (or creates) the key store in `dir`.
    pub fn open(dir: &Path) -> Result<Self, SecurityError> {
        std::fs::create_dir_all(dir).map_err(SecurityError::io(format!("create {}", dir.display())))?;
        let path = dir.join("keys.json");
        let keys = read(&path)?;
        Ok(KeyStore {
            dir: dir.to_path_buf(),
            loaded: RwLock::new(Loaded {
                stamp: stamp(&path),
                keys,
            }),
            path,
        })
    }

    /// Re-reads the file when another process changed it.
    fn refresh(&self) -> Result<(), SecurityError> {
        let now = stamp(&self.path);
        let stale = self.loaded.read().map(|l| l.stamp != now).unwrap_or(true);
        if stale {
            let keys = read(&self.path)?;
            let mut l = self.loaded.write().unwrap_or_else(|p| p.into_inner());
            *l = Loaded { stamp: now, keys };
        }
        Ok(())
    }

    /// Every key record (hashes only), revoked ones included.
    pub fn list(&self) -> Result<Vec<KeyRecord>, SecurityError> {
        self.refresh()?;
        Ok(self.loaded.read().map(|l| l.keys.clone()).unwrap_or_default())
    }

    /// Whether any key is usable (not revoked).
    pub fn any_active(&self) -> Result<bool, SecurityError> {
        Ok(self.list()?.iter().any(|k| k.revoked.is_none()))
    }

    /// Changes the file under its lock: read fresh, apply `f`, write atomically.
    fn update<T>(&self, f: impl FnOnce(&mut Vec<KeyRecord>) -> Result<T, SecurityError>) -> Result<T, SecurityError> {
        let _lock = lock_file(&self.dir, "keys")?;
        let mut keys = read(&self.path)?;
        let out = f(&mut keys)?;
        let bytes = serde_json::to_vec_pretty(&KeyFile { keys: keys.clone() })
            .map_err(|e| SecurityError::Corrupt(e.to_string()))?;
        write_atomic(&self.path, &bytes)?;
        let mut l = self.loaded.write().unwrap_or_else(|p| p.into_inner());
        *l = Loaded {
            stamp: stamp(&self.path),
            keys,
        };
        Ok(out)
    }

    /// Issues a key; returns its record and the key itself, which is shown only this once.
    /// Chatbot and merchant keys need at least one merchant; editor and admin keys take none.
    pub fn create(
        &self,
        role: Role,
        merchants: &[MerchantId],
        note: Option<String>,
    ) -> Result<(KeyRecord, String), SecurityError> {
        if role.has_merchants() && merchants.is_empty() {
            return Err(SecurityError::invalid(
                "merchant",
                format!("a {role} key needs at least one --merchant"),
            ));
        }
        if !role.has_merchants() && !merchants.is_empty() {
            return Err(SecurityError::invalid(
                "merchant",
                format!("a {role} key is not bound to merchants"),
            ));
        }
        let id = hex::encode(random_bytes::<6>()?);
        let secret = hex::encode(random_bytes::<32>()?);
        let token = format!("zk_{id}_{secret}");
        let mut merchants: Vec<String> = merchants.iter().map(|m| m.to_string()).collect();
        merchants.sort();
        merchants.dedup();
        let record = KeyRecord {
            id: format!("k_{id}"),
            hash: secret_hash(&secret),
            role,
            merchants,
            note,
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            revoked: None,
        };
        let r = record.clone();
        self.update(move |keys| {
            keys.push(r);
            Ok(())
        })?;
        Ok((record, token))
    }

    /// Revokes key `id`; returns its record, or `None` when there is no such key.
    pub fn revoke(&self, id: &str) -> Result<Option<KeyRecord>, SecurityError> {
        self.update(|keys| {
            let Some(k) = keys.iter_mut().find(|k| k.id == id) else {
                return Ok(None);
            };
            if k.revoked.is_none() {
                k.revoked = Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            }
            Ok(Some(k.clone()))
        })
    }

    /// The principal a presented key stands for. The key id picks the record; its secret's
    /// hash must match in constant time.
    pub fn authenticate(&self, token: &str) -> Result<Principal, KeyRejection> {
        use subtle::ConstantTimeEq;
        let (id, secret) = split_token(token.trim()).ok_or(KeyRejection::Invalid)?;
        if let Err(e) = self.refresh() {
            tracing::error!(error = %e, "key store unreadable; refusing keys");
            return Err(KeyRejection::Invalid);
        }
        let loaded = self.loaded.read().map_err(|_| KeyRejection::Invalid)?;
        let record = loaded.keys.iter().find(|k| k.id == id).ok_or(KeyRejection::Invalid)?;
        let matches: bool = secret_hash(secret).as_bytes().ct_eq(record.hash.as_bytes()).into();
        if !matches {
            return Err(KeyRejection::Invalid);
        }
        if record.revoked.is_some() {
            return Err(KeyRejection::Revoked);
        }
        Ok(Principal {
            key_id: record.id.clone(),
            role: record.role,
            // Ids stored before a rule reserved them (`_general`) bind the key to nothing.
            merchants: record
                .merchants
                .iter()
                .filter_map(|id| MerchantId::parse(id).ok())
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: &str) -> MerchantId {
        MerchantId::parse(id).unwrap()
    }

    #[test]
    fn create_authenticate_revoke() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::open(dir.path()).unwrap();
        let (rec, token) = store.create(Role::Merchant, &[m("m-a")], None).unwrap();
        let p = store.authenticate(&token).unwrap();
        assert_eq!((p.key_id.as_str(), p.role), (rec.id.as_str(), Role::Merchant));
        assert!(p.may_access(&m("m-a")) && !p.may_access(&m("m-b")));
        // the file holds the hash, never the key or its secret
        let file = std::fs::read_to_string(dir.path().join("keys.json")).unwrap();
        let secret = token.rsplit('_').next().unwrap();
        assert!(!file.contains(secret) && file.contains(&rec.hash));
        // a wrong secret with the right id, and garbage, are both invalid
        let mut wrong = token.clone();
        wrong.pop();
        wrong.push(if token.ends_with('0') { '1' } else { '0' });
        assert_eq!(store.authenticate(&wrong), Err(KeyRejection::Invalid));
        assert_eq!(store.authenticate("zk_nope"), Err(KeyRejection::Invalid));
        // a second store on the same dir (another process) sees the revocation
        let other = KeyStore::open(dir.path()).unwrap();
        other.revoke(&rec.id).unwrap().unwrap();
        assert_eq!(store.authenticate(&token), Err(KeyRejection::Revoked));
        assert!(other.revoke("k_000000000000").unwrap().is_none());
    }

    #[test]
    fn merchant_binding_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::open(dir.path()).unwrap();
        assert!(store.create(Role::Chatbot, &[], None).is_err());
        assert!(store.create(Role::Editor, &[m("m-a")], None).is_err());
        let (_, admin) = store.create(Role::Admin, &[], Some("ops".into())).unwrap();
        assert!(store.authenticate(&admin).unwrap().may_access(&m("anyone")));
        let (_, editor) = store.create(Role::Editor, &[], None).unwrap();
        assert!(!store.authenticate(&editor).unwrap().may_access(&m("m-a")));
    }
}
