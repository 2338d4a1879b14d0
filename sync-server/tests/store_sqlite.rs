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
