//! A TCP proxy on loopback that injects network faults between devices and the server: connections
//! cut at a random byte in either direction, and delays. It counts the bytes that pass each way.

use rand::Rng;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What to break.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Probability that a connection is cut somewhere.
    pub cut: f64,
    /// A cut happens within this many bytes.
    pub cut_within: u64,
    /// Up to this many milliseconds of delay before a connection is forwarded.
    pub max_delay_ms: u64,
}

#[derive(Debug, Default)]
pub struct Stats {
    /// Bytes from devices to the server (what devices sent).
    pub up: AtomicU64,
    /// Bytes from the server to devices.
    pub down: AtomicU64,
    pub connections: AtomicU64,
    pub cuts: AtomicU64,
}

pub struct Proxy {
    pub url: String,
    pub stats: Arc<Stats>,
    faults: Arc<Mutex<Faults>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Forward to `upstream` (an `http://host:port` URL).
    pub fn start(upstream: &str) -> Proxy {
        let target: SocketAddr = upstream.trim_start_matches("http://").parse().unwrap();
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let stats = Arc::new(Stats::default());
        let faults = Arc::new(Mutex::new(Faults::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, f, st) = (stats.clone(), faults.clone(), stop.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).unwrap();
                while !st.load(Ordering::Relaxed) {
                    let Ok(Ok((client, _))) =
                        tokio::time::timeout(std::time::Duration::from_millis(200), listener.accept()).await
                    else {
                        continue;
                    };
                    let faults = *f.lock().unwrap();
                    tokio::spawn(handle(client, target, faults, s.clone()));
                }
            });
        });
        Proxy { url: format!("http://{addr}"), stats, faults, stop }
    }

    pub fn set(&self, faults: Faults) {
        *self.faults.lock().unwrap() = faults;
    }

    pub fn up(&self) -> u64 {
        self.stats.up.load(Ordering::Relaxed)
    }

    pub fn down(&self) -> u64 {
        self.stats.down.load(Ordering::Relaxed)
    }

    pub fn cuts(&self) -> u64 {
        self.stats.cuts.load(Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

async fn handle(client: TcpStream, target: SocketAddr, faults: Faults, stats: Arc<Stats>) {
    stats.connections.fetch_add(1, Ordering::Relaxed);
    let (cut_up, cut_down, delay) = {
        let mut rng = rand::rng();
        let cut = rng.random_bool(faults.cut.clamp(0.0, 1.0));
        let at = if faults.cut_within > 0 { rng.random_range(0..faults.cut_within) } else { 0 };
        let up = rng.random_bool(0.5);
        let delay = if faults.max_delay_ms > 0 { rng.random_range(0..faults.max_delay_ms) } else { 0 };
        (cut.then_some(at).filter(|_| up), cut.then_some(at).filter(|_| !up), delay)
    };
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let Ok(server) = TcpStream::connect(target).await else { return };
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let mut up = tokio::spawn(pump(cr, sw, cut_up, stats.clone(), true));
    let mut down = tokio::spawn(pump(sr, cw, cut_down, stats, false));
    // A cut in either direction takes the whole connection down; a normal close lets the other side finish.
    tokio::select! {
        r = &mut up => {
            if r.unwrap_or(true) { down.abort(); } else { let _ = down.await; }
        }
        r = &mut down => {
            if r.unwrap_or(true) { up.abort(); } else { let _ = up.await; }
        }
    }
}

/// Copy until EOF or the cut; returns true if the connection was cut.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    cut: Option<u64>,
    stats: Arc<Stats>,
    up: bool,
) -> bool {
    let mut buf = vec![0u8; 16 << 10];
    let mut passed = 0u64;
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = to.shutdown().await;
                return false;
            }
            Ok(n) => n,
        };
        let counter = if up { &stats.up } else { &stats.down };
        counter.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(limit) = cut
            && passed + n as u64 > limit
        {
            let keep = (limit - passed) as usize;
            let _ = to.write_all(&buf[..keep]).await;
            stats.cuts.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        passed += n as u64;
        if to.write_all(&buf[..n]).await.is_err() {
            return true;
        }
    }
}
