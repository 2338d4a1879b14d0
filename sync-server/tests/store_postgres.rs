//! The storage conformance suite on the PostgreSQL backend, against a throwaway cluster.
#![allow(clippy::unwrap_used)]

#[path = "support/pg.rs"]
mod pg;

use signoff_server::store::Store;
use signoff_server::store::postgres::PgStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_passes_the_conformance_suite_and_migrates_once() {
    let cluster = pg::TempPg::start();
    let url = cluster.database("conformance");
    // Several processes starting at once: one migrates, the others wait and find it done.
    let starts: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn({
                let url = url.clone();
                async move { PgStore::connect(&url).await }
            })
        })
        .collect();
    let mut stores = Vec::new();
    for s in starts {
        stores.push(s.await.unwrap().unwrap());
    }
    signoff_server::store::conformance::run(stores.pop().unwrap()).await;
    // What one process wrote, another reads.
    assert_eq!(stores[0].orgs().await.unwrap().len(), 1);

    let newer = cluster.database("newer");
    drop(PgStore::connect(&newer).await.unwrap());
    let (client, conn) = tokio_postgres::connect(&newer, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.execute("INSERT INTO signoff_schema(version) VALUES (99)", &[]).await.unwrap();
    let err = PgStore::connect(&newer).await.unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
}
