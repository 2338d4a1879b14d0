//! Backup, restore and migration of a server's data.
//!
//! - **Backup** (SQLite): `VACUUM INTO` writes a consistent, compacted copy of the database from one
//!   read transaction while the server keeps running; then the blob files are copied (blobs are
//!   written completely before a row names them and never change, so every blob the copy names is
//!   there). The backup is verified before it is reported done: `integrity_check`, and every blob
//!   the copy names present with the right SHA-256.
//! - **Restore** verifies the backup the same way, then puts it in place; it refuses to overwrite a
//!   data folder that already has a database.
//! - **Migrate** copies every table of a SQLite database, read in one transaction, into an empty
//!   PostgreSQL database in one transaction, keeping feed positions (devices keep their cursors) and
//!   token hashes (devices stay enrolled); then it checks every document's heads by loading it from
//!   PostgreSQL, and every blob's hash.

use crate::store::postgres::PgStore;
use crate::store::{StoreError, sqlite};
use rusqlite::{Connection, OpenFlags};
use sha2::Digest;
use std::path::{Path, PathBuf};

/// A backup, restore or migration that cannot be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpsError {
    /// A file or folder.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The SQLite database.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The request does not make sense (a target that is not empty, …).
    #[error("{0}")]
    Refused(String),
    /// The copy does not match its source.
    #[error("verification failed: {0}")]
    Verify(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OpsError + '_ {
    move |source| OpsError::Io { path: path.to_owned(), source }
}

/// What a backup, restore or migration moved and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Documents checked.
    pub documents: usize,
    /// Blobs checked (hash verified).
    pub blobs: usize,
    /// Bytes of blob files.
    pub blob_bytes: u64,
}

/// Blob files under `root` (the `xx/sha` layout; partial uploads are not part of the data).
fn blob_path(root: &Path, sha: &str) -> PathBuf {
    root.join(sha.get(..2).unwrap_or("00")).join(sha)
}

fn hash_file(path: &Path) -> Result<(String, u64), OpsError> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(io(path))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((data_encoding::HEXLOWER.encode(&h.finalize()), n))
}

/// Check a SQLite database and the blob folder beside it: integrity, and every blob it names
/// present with the right hash.
pub fn verify_sqlite(db: &Path, blobs: &Path) -> Result<Report, OpsError> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(OpsError::Verify(format!("{}: {ok}", db.display())));
    }
    let documents: i64 = conn.query_row("SELECT count(*) FROM documents", [], |r| r.get(0))?;
    let mut report = Report { documents: documents as usize, ..Report::default() };
    let mut stmt = conn.prepare("SELECT sha, size FROM blobs ORDER BY sha")?;
    let rows: Vec<(String, i64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    for (sha, size) in rows {
        let (got, n) = hash_file(&blob_path(blobs, &sha))?;
        if got != sha || n != size as u64 {
            return Err(OpsError::Verify(format!("blob {sha}: the file holds {n} bytes hashing to {got}")));
        }
        report.blobs += 1;
        report.blob_bytes += n;
    }
    Ok(report)
}

fn copy_blobs(from: &Path, to: &Path) -> Result<(), OpsError> {
    let Ok(dirs) = std::fs::read_dir(from) else { return Ok(()) };
    for dir in dirs {
        let dir = dir.map_err(io(from))?;
        let name = dir.file_name();
        if name == "partial" || !dir.path().is_dir() {
            continue;
        }
        let target = to.join(&name);
        std::fs::create_dir_all(&target).map_err(io(&target))?;
        for f in std::fs::read_dir(dir.path()).map_err(io(&dir.path()))? {
            let f = f.map_err(io(&dir.path()))?;
            let dest = target.join(f.file_name());
            if !dest.exists() {
                std::fs::copy(f.path(), &dest).map_err(io(&dest))?;
            }
        }
    }
    Ok(())
}

/// Back up the SQLite database `db` and the blob folder `blobs` into the new folder `out`
/// (`signoff.db` and `blobs/`), while the server may be running.
pub fn backup_sqlite(db: &Path, blobs: &Path, out: &Path) -> Result<Report, OpsError> {
    if out.exists() && std::fs::read_dir(out).map_err(io(out))?.next().is_some() {
        return Err(OpsError::Refused(format!("{} is not empty", out.display())));
    }
    std::fs::create_dir_all(out).map_err(io(out))?;
    let copy = out.join("signoff.db");
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.execute("VACUUM INTO ?1", [copy.to_string_lossy()])?;
    drop(conn);
    copy_blobs(blobs, &out.join("blobs"))?;
    verify_sqlite(&copy, &out.join("blobs"))
}

/// Restore a backup made by [`backup_sqlite`] into the data folder `data` (which must not have a
/// database yet).
pub fn restore_sqlite(backup: &Path, data: &Path) -> Result<Report, OpsError> {
    let target = data.join("signoff.db");
    if target.exists() {
        return Err(OpsError::Refused(format!(
            "{} exists: stop the server and move the old data folder away first",
            target.display()
        )));
    }
    let report = verify_sqlite(&backup.join("signoff.db"), &backup.join("blobs"))?;
    std::fs::create_dir_all(data).map_err(io(data))?;
    copy_blobs(&backup.join("blobs"), &data.join("blobs"))?;
    let part = data.join("signoff.db.restoring");
    std::fs::copy(backup.join("signoff.db"), &part).map_err(io(&part))?;
    std::fs::File::open(&part).and_then(|f| f.sync_all()).map_err(io(&part))?;
    std::fs::rename(&part, &target).map_err(io(&target))?;
    // Opening applies newer migrations if the backup came from an older server.
    drop(sqlite::SqliteStore::open(&target)?);
    // A restored database is a new epoch: devices that synced after the backup offer everything again.
    let conn = Connection::open(&target)?;
    conn.execute("UPDATE server_meta SET value = lower(hex(randomblob(8))) WHERE key = 'epoch'", [])?;
    Ok(report)
}

/// Copy the SQLite database `db` into the empty PostgreSQL database `pg`, then verify every
/// document's heads and every blob's hash (blobs stay in the folder `blobs`).
pub async fn migrate_sqlite_to_postgres(db: &Path, pg: &PgStore, blobs: &Path) -> Result<Report, OpsError> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let ids = pg.copy_from_sqlite(&conn).await?;
    drop(conn);
    let mut report = verify_sqlite(db, blobs)?;
    report.documents = 0;
    for chunk in ids.chunks(500) {
        let docs = crate::store::Store::documents(pg, chunk.iter().map(|(id, _)| id.clone()).collect()).await?;
        for ((id, heads), doc) in chunk.iter().zip(docs) {
            let Some(doc) = doc else { return Err(OpsError::Verify(format!("document {id} is missing"))) };
            let mut loaded = crate::merge::load_stored(&doc)
                .map_err(|e| OpsError::Verify(format!("document {id} does not load: {e}")))?;
            let mut got = loaded.get_heads();
            got.sort();
            let mut stored = crate::merge::unpack_heads(heads);
            stored.sort();
            if got != stored || doc.heads != *heads {
                return Err(OpsError::Verify(format!("document {id}: heads differ after the copy")));
            }
            report.documents += 1;
        }
    }
    Ok(report)
}
