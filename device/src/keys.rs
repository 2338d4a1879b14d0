//! The device's Ed25519 signing key, made on first run, behind a [`KeyStore`] so phones can keep it in
//! the Android Keystore or the iOS Keychain (see MOBILE.md: no official plugin yet) while desktop and
//! tests use a file readable only by its owner.

use ed25519_dalek::SigningKey;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Errors of key storage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Reading or writing the key failed.
    #[error("device key {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The stored key is not a key.
    #[error("device key {0} is damaged")]
    Damaged(PathBuf),
    /// The key file can be read by others.
    #[error("device key {0} is readable by other users; run `chmod 600` on it")]
    TooOpen(PathBuf),
}

impl KeyError {
    /// The key file concerned.
    pub fn path(&self) -> &Path {
        match self {
            KeyError::Io { path, .. } => path,
            KeyError::Damaged(p) | KeyError::TooOpen(p) => p,
        }
    }
}

/// Where the device's signing key lives.
pub trait KeyStore: std::fmt::Debug {
    /// The key, made on first use.
    fn load_or_create(&self) -> Result<SigningKey, KeyError>;
}

/// A key file next to the store (`signoff.db` → `signoff.key`), mode 0600, holding the 32-byte seed in hex.
#[derive(Debug, Clone)]
pub struct FileKeyStore {
    path: PathBuf,
}

impl FileKeyStore {
    /// The key file for a store.
    pub fn for_store(store: &Path) -> FileKeyStore {
        FileKeyStore { path: store.with_extension("key") }
    }

    /// A key file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> FileKeyStore {
        FileKeyStore { path: path.into() }
    }
}

impl KeyStore for FileKeyStore {
    fn load_or_create(&self) -> Result<SigningKey, KeyError> {
        let io = |source| KeyError::Io { path: self.path.clone(), source };
        match std::fs::read_to_string(&self.path) {
            Ok(text) => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = std::fs::metadata(&self.path).map_err(io)?.permissions().mode();
                    if mode & 0o077 != 0 {
                        return Err(KeyError::TooOpen(self.path.clone()));
                    }
                }
                let seed = data_encoding::HEXLOWER_PERMISSIVE
                    .decode(text.trim().as_bytes())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| KeyError::Damaged(self.path.clone()))?;
                Ok(SigningKey::from_bytes(&seed))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut seed = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut seed);
                let key = SigningKey::from_bytes(&seed);
                let tmp = self.path.with_extension("key.tmp");
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create(true).truncate(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut f = options.open(&tmp).map_err(io)?;
                f.write_all(data_encoding::HEXLOWER.encode(&seed).as_bytes()).map_err(io)?;
                f.sync_all().map_err(io)?;
                std::fs::rename(&tmp, &self.path).map_err(io)?;
                Ok(key)
            }
            Err(e) => Err(io(e)),
        }
    }
}
