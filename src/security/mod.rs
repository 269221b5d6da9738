//! Security: API keys and roles ([`keys`]), the route access table ([`rbac`]), the
//! hash-chained audit trail ([`audit`]) and per-key concurrency limits ([`Limiter`]).
//! DESIGN.md §6; the README documents keys, roles, the matrix and the audit.

pub mod audit;
pub mod keys;
pub mod mask;
pub mod protect;
pub mod rbac;
pub mod sm4;

pub use audit::{AuditLog, AuditQuery, AuditRecord, NewRecord};
pub use keys::{KeyRecord, KeyStore};

use crate::merchant_id::MerchantId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A key's role. Each route names the roles it admits ([`rbac::ROUTES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A chatbot backend: asks, searches, validates and queries for its merchants.
    Chatbot,
    /// A merchant: imports, exports and deletes its own knowledge; asks as its chatbot.
    Merchant,
    /// A knowledge editor: curates the ontology; no merchant data.
    Editor,
    /// An operator: every route, every merchant.
    Admin,
}

impl Role {
    /// Every role, in the matrix's order.
    pub const ALL: [Role; 4] = [Role::Chatbot, Role::Merchant, Role::Editor, Role::Admin];

    /// The role's name (`chatbot`, `merchant`, `editor`, `admin`).
    pub fn name(self) -> &'static str {
        match self {
            Role::Chatbot => "chatbot",
            Role::Merchant => "merchant",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// Parses a role name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }

    /// Whether keys of this role are bound to merchants.
    pub fn has_merchants(self) -> bool {
        matches!(self, Role::Chatbot | Role::Merchant)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Who is calling: a key's id (never the key), its role and its merchants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// The key id (`k_…`), or `cli` for the local operator.
    pub key_id: String,
    /// The key's role.
    pub role: Role,
    /// The merchants a chatbot or merchant key may touch.
    pub merchants: Vec<MerchantId>,
}

impl Principal {
    /// The local operator running the `zhiku` command on the data dir.
    pub fn operator() -> Self {
        Principal {
            key_id: "cli".to_string(),
            role: Role::Admin,
            merchants: Vec::new(),
        }
    }

    /// Whether this principal may read or write `merchant_id`'s knowledge. Admins may touch
    /// every merchant, editors none, chatbot and merchant keys their own.
    pub fn may_access(&self, merchant_id: &MerchantId) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Editor => false,
            Role::Chatbot | Role::Merchant => self.merchants.iter().any(|m| m == merchant_id),
        }
    }
}

/// Errors of the security layer.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    /// A key file or audit file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A stored file is not what it should be.
    #[error("{0}")]
    Corrupt(String),
    /// A request to the key store or audit log is malformed.
    #[error("{field}: {message}")]
    Invalid {
        /// The offending field.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl SecurityError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> SecurityError {
        let context = context.into();
        move |source| SecurityError::Io { context, source }
    }

    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        SecurityError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Per-key limit on requests in flight (`limits.max_concurrent_per_key`): one semaphore per
/// key id. A request over the limit is refused (429) rather than queued.
pub struct Limiter {
    max: usize,
    per_key: Mutex<HashMap<String, Arc<tokio::sync::Semaphore>>>,
}

impl Limiter {
    /// A limiter admitting `max` concurrent requests per key.
    pub fn new(max: usize) -> Self {
        Limiter {
            max: max.max(1),
            per_key: Mutex::new(HashMap::new()),
        }
    }

    /// A permit for one request of `key_id`, or `None` when the key has `max` in flight.
    pub fn try_acquire(&self, key_id: &str) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let sem = {
            let mut map = self.per_key.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key_id.to_string())
                .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(self.max)))
                .clone()
        };
        sem.try_acquire_owned().ok()
    }
}

/// The security state of one data dir: keys, audit trail, limiter.
pub struct Security {
    /// API keys (hashed).
    pub keys: KeyStore,
    /// The audit trail.
    pub audit: AuditLog,
    /// Per-key concurrency limits.
    pub limiter: Limiter,
}

impl Security {
    /// Opens `{data_dir}/security/keys.json` and `{data_dir}/audit/`, the audit head signed
    /// with [`audit_key`].
    pub fn open(data_dir: &Path, config: &crate::Config) -> Result<Self, SecurityError> {
        Ok(Security {
            keys: KeyStore::open(&data_dir.join("security"))?,
            audit: AuditLog::open(&data_dir.join("audit"), audit_key(&config.security, data_dir)?)?,
            limiter: Limiter::new(config.limits.max_concurrent_per_key),
        })
    }
}

impl Security {
    /// When no usable key exists, creates an admin key and writes it to
    /// `{dir}/bootstrap-admin.key` (mode 0600); returns that file. The key itself is never
    /// logged.
    pub fn bootstrap_admin(&self, dir: &Path) -> Result<Option<std::path::PathBuf>, SecurityError> {
        if self.keys.any_active()? {
            return Ok(None);
        }
        let (record, token) = self.keys.create(Role::Admin, &[], Some("bootstrap".to_string()))?;
        let path = dir.join("security").join("bootstrap-admin.key");
        write_private(&path, format!("{token}\n").as_bytes())?;
        self.audit
            .append_operator("key.create", &record.id, "ok", Some("bootstrap admin key".to_string()))?;
        Ok(Some(path))
    }

    /// Prunes audit records older than `days` (behind a checkpoint); returns how many.
    pub fn prune_audit(&self, days: u32) -> Result<u64, SecurityError> {
        let before = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
        self.audit.prune(before)
    }
}

/// The keyring and sealing policy from the settings: the configured SM4 keys, or else a
/// key generated once into `{data_dir}/security/sm4-keys.json` (mode 0600).
pub fn protector(
    settings: &crate::config::SecuritySettings,
    data_dir: &Path,
) -> Result<protect::Protector, SecurityError> {
    #[derive(Serialize, Deserialize)]
    struct LocalKeys {
        active: String,
        keys: std::collections::BTreeMap<String, String>,
    }
    let (keys, active) = if settings.sm4_keys.is_empty() {
        let dir = data_dir.join("security");
        let path = dir.join("sm4-keys.json");
        let (bytes, created) = local_secret(&dir, "sm4-keys.json", || {
            let local = LocalKeys {
                active: "local-1".to_string(),
                keys: [("local-1".to_string(), hex::encode(random_bytes::<16>()?))].into(),
            };
            serde_json::to_vec_pretty(&local).map_err(|e| SecurityError::Corrupt(e.to_string()))
        })?;
        if created {
            tracing::warn!(file = %path.display(), "no SM4 key configured: generated one beside the data; set security.sm4_keys (ZHIKU_SECURITY__SM4_KEYS__<ID>) in production");
        }
        let local = serde_json::from_slice::<LocalKeys>(&bytes)
            .map_err(|e| SecurityError::Corrupt(format!("{}: {e}", path.display())))?;
        (local.keys, local.active)
    } else {
        let active = match (&settings.sm4_active, settings.sm4_keys.len()) {
            (Some(a), _) => a.clone(),
            (None, 1) => settings.sm4_keys.keys().next().cloned().unwrap_or_default(),
            (None, _) => {
                return Err(SecurityError::invalid(
                    "security.sm4_active",
                    "several SM4 keys are configured: name the one that seals new values",
                ));
            }
        };
        (settings.sm4_keys.clone(), active)
    };
    Ok(protect::Protector::new(
        sm4::Keyring::new(&keys, &active)?,
        &settings.sensitive_predicates,
    ))
}

/// The key that signs the audit trail's head ([`audit`]): `security.audit_key` (64 hex
/// digits), or else a key generated once into `{data_dir}/security/audit-key` (mode 0600).
pub fn audit_key(settings: &crate::config::SecuritySettings, data_dir: &Path) -> Result<Vec<u8>, SecurityError> {
    let text = match &settings.audit_key {
        Some(k) => k.clone(),
        None => {
            let dir = data_dir.join("security");
            let (bytes, created) = local_secret(&dir, "audit-key", || {
                Ok(format!("{}\n", hex::encode(random_bytes::<32>()?)).into_bytes())
            })?;
            if created {
                tracing::warn!(file = %dir.join("audit-key").display(), "no audit key configured: generated one beside the data; set security.audit_key (ZHIKU_SECURITY__AUDIT_KEY) in production");
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    match hex::decode(text.trim()) {
        Ok(k) if k.len() == 32 => Ok(k),
        _ => Err(SecurityError::invalid(
            "security.audit_key",
            "use 64 hex digits (32 bytes)",
        )),
    }
}

/// The bytes of `{dir}/{name}`, which `create` makes once (written with mode 0600) when the
/// file does not exist yet; `true` when it was just created. A lock orders first calls.
fn local_secret(
    dir: &Path,
    name: &str,
    create: impl FnOnce() -> Result<Vec<u8>, SecurityError>,
) -> Result<(Vec<u8>, bool), SecurityError> {
    std::fs::create_dir_all(dir).map_err(SecurityError::io(format!("create {}", dir.display())))?;
    let path = dir.join(name);
    let _lock = lock_file(dir, name)?;
    match std::fs::read(&path) {
        Ok(b) => Ok((b, false)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let bytes = create()?;
            write_private(&path, &bytes)?;
            Ok((bytes, true))
        }
        Err(e) => Err(SecurityError::io(format!("read {}", path.display()))(e)),
    }
}

/// Lowercase hex of SM3(`data`).
pub fn sm3_hex(data: &[u8]) -> String {
    use sm3::Digest;
    hex::encode(sm3::Sm3::digest(data))
}

/// `n` bytes from the operating system's random source.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], SecurityError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| SecurityError::Io {
        context: "random bytes".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(b)
}

/// Writes `bytes` to `path` atomically: a temp file beside it, fsync, rename, fsync of the
/// directory.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SecurityError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).map_err(SecurityError::io(format!("create {}", tmp.display())))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(SecurityError::io(format!("write {}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(SecurityError::io(format!("rename to {}", path.display())))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// [`write_atomic`], then readable by the owner only (mode 0600): for key files.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), SecurityError> {
    write_atomic(path, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(SecurityError::io(format!("chmod {}", path.display())))?;
    }
    Ok(())
}

/// An exclusive lock on `{dir}/{name}.lock` for as long as the returned file lives; it
/// serialises writers across processes (the server and the `zhiku` command).
pub(crate) fn lock_file(dir: &Path, name: &str) -> Result<std::fs::File, SecurityError> {
    let path = dir.join(format!("{name}.lock"));
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(SecurityError::io(format!("open {}", path.display())))?;
    f.lock()
        .map_err(SecurityError::io(format!("lock {}", path.display())))?;
    Ok(f)
}
