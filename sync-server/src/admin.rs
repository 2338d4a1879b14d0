//! Administration, run from the command line against the data folder (the server may be running:
//! SQLite in WAL mode lets both work): organisations, people, enrolment codes, revocation, reference
//! data import and export.

use crate::auth::{hash_secret, new_code};
use crate::merge;
use crate::store::{Enrolment, PersonRecord, Role, Store, StoreError};
use signoff_core::model::ReferenceImport;
use std::path::Path;

/// An administration step that cannot be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Input is not valid.
    #[error("{0}")]
    Invalid(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AdminError + '_ {
    move |source| AdminError::Io { path: path.to_owned(), source }
}

/// Add or update a person; the organisation must exist.
pub async fn add_person<S: Store>(
    store: &S,
    org: &str,
    id: &str,
    name: &str,
    role: Role,
    skills: Vec<String>,
    contractor: Option<String>,
) -> Result<(), AdminError> {
    if id.trim().is_empty() {
        return Err(AdminError::Invalid("a person needs an id".into()));
    }
    let contractor = contractor.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    match (role, &contractor) {
        (Role::Contractor, None) => {
            return Err(AdminError::Invalid(
                "a contractor crew member works for a contractor company: give --contractor ID".into(),
            ));
        }
        (Role::Contractor, Some(_)) => {}
        (_, Some(_)) => {
            return Err(AdminError::Invalid("--contractor is only for people with the role contractor".into()));
        }
        (_, None) => {}
    }
    store
        .put_person(PersonRecord { org: org.into(), id: id.into(), name: name.into(), role, skills, contractor })
        .await?;
    Ok(())
}

/// Issue a one-time enrolment code for a person, valid for `hours`. Returns the code (shown once).
pub async fn issue_code<S: Store>(
    store: &S,
    org: &str,
    person: &str,
    hours: u32,
    now_ms: i64,
) -> Result<String, AdminError> {
    if store.person(org, person).await?.is_none() {
        return Err(AdminError::Invalid(format!("no person {person} in organisation {org}: add them first")));
    }
    let code = new_code();
    store
        .add_enrolment(Enrolment {
            code_hash: hash_secret(&code),
            org: org.into(),
            person: person.into(),
            expires_ms: now_ms + i64::from(hours) * 3_600_000,
        })
        .await?;
    Ok(code)
}

/// Replace an organisation's reference data from a JSON file (the device's import format).
pub async fn import_reference<S: Store>(store: &S, org: &str, path: &Path) -> Result<usize, AdminError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let import: ReferenceImport = serde_json::from_str(&text)
        .map_err(|e| AdminError::Invalid(format!("{}: not reference data: {e}", path.display())))?;
    if !store.orgs().await?.iter().any(|(id, _)| id == org) {
        return Err(AdminError::Invalid(format!("no organisation {org}")));
    }
    let count = import.projects.len()
        + import.buildings.len()
        + import.units.len()
        + import.people.len()
        + import.contractors.len()
        + import.categories.len();
    let json = serde_json::to_string(&ReferenceImport { devices: vec![], ..import })
        .map_err(|e| AdminError::Invalid(e.to_string()))?;
    store.set_reference(org, &json).await?;
    Ok(count)
}

/// Every order of `org` whose stored copy does not load whole: `(id, number, reason)`.
pub async fn check<S: Store>(store: &S, org: &str) -> Result<Vec<(String, String, String)>, AdminError> {
    let mut out = Vec::new();
    for id in store.document_ids(org).await? {
        let Some(stored) = store.document(&id).await? else { continue };
        let loaded = merge::load_stored(&stored).and_then(|d| signoff_core::doc::read(&d).map_err(|e| e.to_string()));
        if let Err(reason) = loaded {
            out.push((id.clone(), stored.meta.official.clone().unwrap_or_else(|| id.clone()), reason));
        }
    }
    Ok(out)
}

/// Export an organisation: `reference.json`, each order's saved document, and `orders.jsonl`
/// (one work order as JSON per line, the model as the device reads it).
pub async fn export<S: Store>(store: &S, org: &str, out: &Path) -> Result<usize, AdminError> {
    let docs = out.join("orders");
    std::fs::create_dir_all(&docs).map_err(io(&docs))?;
    let reference = store.reference(org).await?.unwrap_or_else(|| "{}".into());
    let path = out.join("reference.json");
    std::fs::write(&path, reference).map_err(io(&path))?;
    let mut lines = String::new();
    let ids = store.document_ids(org).await?;
    for id in &ids {
        let Some(stored) = store.document(id).await? else { continue };
        let mut doc = merge::load_stored(&stored).map_err(|e| AdminError::Invalid(format!("order {id}: {e}")))?;
        let order = signoff_core::doc::read(&doc).map_err(|e| AdminError::Invalid(format!("order {id}: {e}")))?;
        let path = docs.join(format!("{id}.automerge"));
        std::fs::write(&path, doc.save()).map_err(io(&path))?;
        lines.push_str(&serde_json::to_string(&order).map_err(|e| AdminError::Invalid(e.to_string()))?);
        lines.push('\n');
    }
    let path = out.join("orders.jsonl");
    std::fs::write(&path, lines).map_err(io(&path))?;
    Ok(ids.len())
}
