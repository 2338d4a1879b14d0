//! Content-addressed blob files: photos and their derived copies, named by SHA-256.
//!
//! Layout: `<root>/ab/cd/abcdef…` (fan-out by the first two bytes of the hash, so no directory grows
//! past a few hundred entries). A blob is written to `<root>/tmp/`, fsynced, renamed into place and the
//! directory fsynced: a crash leaves either the whole blob or nothing visible (stray temp files are
//! removed at open). A blob already present is not written again. Which blobs are still needed is
//! decided by the store from the documents (`blob_refs`), not here.

use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Errors of the blob store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BlobError {
    /// A file operation failed.
    #[error("blob store {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The name is not a SHA-256.
    #[error("{0:?} is not a SHA-256 in hex")]
    BadName(String),
    /// The bytes do not hash to the name they were given.
    #[error("the bytes hash to {actual}, not {expected}")]
    HashMismatch {
        /// The name given.
        expected: String,
        /// What they hash to.
        actual: String,
    },
}

impl BlobError {
    /// The photo file named (for messages).
    pub fn name(&self) -> String {
        match self {
            BlobError::Io { path, .. } => {
                path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            }
            BlobError::BadName(n) => n.clone(),
            BlobError::HashMismatch { expected, .. } => expected.clone(),
        }
    }
}

type Result<T> = std::result::Result<T, BlobError>;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BlobError + '_ {
    move |source| BlobError::Io { path: path.to_owned(), source }
}

/// Whether `s` is a lowercase hex SHA-256.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The blob files of one store.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// Open (creating) the store at `root` and remove temp files a crash left behind.
    pub fn open(root: impl Into<PathBuf>) -> Result<BlobStore> {
        let root = root.into();
        let tmp = root.join("tmp");
        fs::create_dir_all(&tmp).map_err(io(&tmp))?;
        for entry in fs::read_dir(&tmp).map_err(io(&tmp))?.flatten() {
            let _ = fs::remove_file(entry.path());
        }
        Ok(BlobStore { root })
    }

    /// Where the store lives.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of a blob (whether or not it exists).
    pub fn path(&self, sha: &str) -> Result<PathBuf> {
        if !is_sha256(sha) {
            return Err(BlobError::BadName(sha.chars().take(80).collect()));
        }
        Ok(self.root.join(&sha[0..2]).join(&sha[2..4]).join(sha))
    }

    /// Whether the blob is present.
    pub fn contains(&self, sha: &str) -> bool {
        self.path(sha).is_ok_and(|p| p.is_file())
    }

    /// Store bytes under their hash; returns the hash and whether a new file was written.
    pub fn put(&self, bytes: &[u8]) -> Result<(String, bool)> {
        let sha = data_encoding::HEXLOWER.encode(&Sha256::digest(bytes));
        let written = self.put_named(&sha, bytes)?;
        Ok((sha, written))
    }

    /// Store bytes that must hash to `sha` (as received from elsewhere); returns whether a new file was written.
    pub fn put_verified(&self, sha: &str, bytes: &[u8]) -> Result<bool> {
        let actual = data_encoding::HEXLOWER.encode(&Sha256::digest(bytes));
        if actual != sha {
            return Err(BlobError::HashMismatch { expected: sha.to_owned(), actual });
        }
        self.put_named(sha, bytes)
    }

    fn put_named(&self, sha: &str, bytes: &[u8]) -> Result<bool> {
        let dest = self.path(sha)?;
        if dest.is_file() {
            return Ok(false);
        }
        let dir = dest.parent().map(Path::to_owned).unwrap_or_else(|| self.root.clone());
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let tmp = self.root.join("tmp").join(format!("{sha}.{}", std::process::id()));
        {
            let mut f = File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(bytes).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        fs::rename(&tmp, &dest).map_err(io(&dest))?;
        File::open(&dir).and_then(|d| d.sync_all()).map_err(io(&dir))?;
        Ok(true)
    }

    /// Read a blob.
    pub fn read(&self, sha: &str) -> Result<Vec<u8>> {
        let p = self.path(sha)?;
        fs::read(&p).map_err(io(&p))
    }

    /// Delete a blob (no error if it is already gone).
    pub fn remove(&self, sha: &str) -> Result<()> {
        let p = self.path(sha)?;
        match fs::remove_file(&p) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&p)(e)),
        }
    }

    /// Re-hash a blob: `Ok(true)` when its bytes still match its name, `Ok(false)` when they do not.
    pub fn verify(&self, sha: &str) -> Result<bool> {
        let p = self.path(sha)?;
        let mut f = File::open(&p).map_err(io(&p))?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f.read(&mut buf).map_err(io(&p))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(data_encoding::HEXLOWER.encode(&h.finalize()) == sha)
    }

    /// Every blob file present: `(sha, bytes)`, sorted.
    pub fn list(&self) -> Result<Vec<(String, u64)>> {
        let mut out = Vec::new();
        for a in fs::read_dir(&self.root).map_err(io(&self.root))?.flatten() {
            let name = a.file_name().to_string_lossy().into_owned();
            if name.len() != 2 || !a.path().is_dir() {
                continue;
            }
            for b in fs::read_dir(a.path()).map_err(io(&a.path()))?.flatten() {
                for f in fs::read_dir(b.path()).map_err(io(&b.path()))?.flatten() {
                    let sha = f.file_name().to_string_lossy().into_owned();
                    if is_sha256(&sha) {
                        out.push((sha, f.metadata().map(|m| m.len()).unwrap_or(0)));
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }
}
