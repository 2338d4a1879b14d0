//! Operating the server: health, metrics, the OpenAPI description, TLS, graceful shutdown, and the
//! device CLI's `enroll`, `sync` and `status` against it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use std::process::Command;

#[test]
fn health_metrics_and_openapi_describe_every_route() {
    let server = Server::start();
    let mut wang = Device::enrolled(&server, "wang");
    wang.sync();
    assert!(healthy(&server.url));
    let api: serde_json::Value = client().get(format!("{}/openapi.json", server.url)).send().unwrap().json().unwrap();
    let paths = api["paths"].as_object().unwrap();
    for p in ["/v1/enrol", "/v1/sync", "/v1/blobs/{sha256}", "/healthz", "/metrics", "/openapi.json"] {
        assert!(paths.contains_key(p), "{p} missing from the OpenAPI description");
    }
    assert!(paths["/v1/blobs/{sha256}"].as_object().unwrap().contains_key("put"));
    let metrics = client().get(format!("{}/metrics", server.url)).send().unwrap().text().unwrap();
    assert!(metrics.contains("signoff_http_requests_total{route=\"/v1/sync\",status=\"200\"}"), "{metrics}");
    assert!(metrics.contains("signoff_sync_duration_seconds_count"));
    // No personal data in labels: no person ids, no phone numbers.
    assert!(!metrics.contains("wang") && !metrics.contains("138"));
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut server = Server::start();
    assert!(healthy(&server.url));
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    use std::io::{Read, Write};
    let mut server = Server::start();
    let wang = Device::enrolled(&server, "wang");
    let body = signoff_core::wire::encode(&sync_request(0)).unwrap();
    let addr = server.url.trim_start_matches("http://").to_owned();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    let head = format!(
        "POST /v1/sync HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        token(&wang),
        body.len()
    );
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(&body[..1]).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    // The request is half sent when the server is asked to stop.
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    std::thread::sleep(std::time::Duration::from_millis(200));
    conn.write_all(&body[1..]).unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(server.child.wait().unwrap().success());
}

#[test]
fn the_server_speaks_tls_when_given_a_certificate() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (crt, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&crt, cert.cert.pem()).unwrap();
    std::fs::write(&key, cert.signing_key.serialize_pem()).unwrap();
    let data = dir.path().join("data");
    let mut cmd = Command::new(server_bin());
    cmd.args(["serve", "--data", data.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .env("SIGNOFF_TLS_CERT", &crt)
        .env("SIGNOFF_TLS_KEY", &key)
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().replace("127.0.0.1", "localhost");
    assert!(url.starts_with("https://"), "{line}");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = reqwest::blocking::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let r = tls.get(format!("{url}/healthz")).send().unwrap();
    assert_eq!(r.status(), 200);
    // Plain HTTP to the TLS port gets no answer.
    assert!(client().get(format!("{}/healthz", url.replace("https", "http"))).send().is_err());
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn the_cli_enrolls_syncs_and_shows_sync_state() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("phone.db");
    let run = |args: &[&str]| {
        let out = Command::new(signoff_bin())
            .args(["--store", store.to_str().unwrap(), "--lang", "en"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(run(&["init", "--person", "wang"]).0, Some(0));
    let (code, _, err) = run(&["sync"]);
    assert_eq!(code, Some(1), "not enrolled yet: {err}");
    assert!(err.contains("not enrolled"), "{err}");
    let (code, out, err) = run(&["enroll", &server.url, &server.code("wang")]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Enrolled"), "{out}");
    // The same code cannot be used twice.
    let mut other = Device::new("wang");
    let used = signoff_device::sync::enroll(&mut other.store, &server.url, "AAAA-BBBB", "x").unwrap_err();
    assert!(matches!(used, signoff_device::Error::Server { status: 401, .. }), "{used}");

    let (code, out, err) = run(&[
        "--as",
        "wang",
        "new",
        "--unit",
        "CH-1-201",
        "--reporter",
        "王女士",
        "--phone",
        "13812345678",
        "--category",
        "leak",
        "卫生间漏水",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let (_, status, _) = run(&["status"]);
    assert!(status.contains("local only 1"), "{status}");
    let (code, out, err) = run(&["sync"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("sent 1"), "{out}");
    let (_, json, _) = run(&["--json", "status"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["orders"][0]["sync"]["state"], "synced");
    assert!(v["orders"][0]["number"].as_str().unwrap().starts_with("BX-"), "{json}");
    assert!(!json.contains("13812345678"));
}
