//! The storage conformance suite on the embedded SQLite backend (a real file in a temp dir).
#![allow(clippy::unwrap_used)]

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = signoff_server::store::sqlite::SqliteStore::open(&dir.path().join("server.db")).unwrap();
    signoff_server::store::conformance::run(store).await;
}

#[tokio::test]
async fn reopening_keeps_everything_and_a_newer_schema_is_refused() {
    use signoff_server::store::Store;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    {
        let store = signoff_server::store::sqlite::SqliteStore::open(&path).unwrap();
        store.create_org("acme", "翠湖物业", 1).await.unwrap();
    }
    let store = signoff_server::store::sqlite::SqliteStore::open(&path).unwrap();
    assert_eq!(store.orgs().await.unwrap(), [("acme".to_string(), "翠湖物业".to_string())]);
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = signoff_server::store::sqlite::SqliteStore::open(&path).unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
}

/// The server's database schema is a stored format: any change must come with a new numbered
/// migration (and this snapshot updated with it).
#[test]
fn schema_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    drop(signoff_server::store::sqlite::SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, signoff_server::store::sqlite::SCHEMA);
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .unwrap();
    let rows: Vec<String> = stmt
        .query_map([], |r| {
            Ok(format!("{} {}\n{}\n", r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    insta::assert_snapshot!("server_schema", format!("user_version {version}\n\n{}", rows.join("\n")));
}
