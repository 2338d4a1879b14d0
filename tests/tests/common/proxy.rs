//! A TCP proxy on loopback that injects network faults between devices and the server: connections
//! cut at a random byte in either direction, delays, and a slow link (bytes per second, each way). It
//! counts the bytes that pass each way.

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
    /// A slow link: at most this many bytes per second in each direction of each connection (0: no
    /// limit).
    pub bytes_per_sec: u64,
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
    target: Arc<Mutex<SocketAddr>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Forward to `upstream` (an `http://host:port` URL).
    pub fn start(upstream: &str) -> Proxy {
        let target = Arc::new(Mutex::new(upstream.trim_start_matches("http://").parse::<SocketAddr>().unwrap()));
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let stats = Arc::new(Stats::default());
        let faults = Arc::new(Mutex::new(Faults::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, f, st, tg) = (stats.clone(), faults.clone(), stop.clone(), target.clone());
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
                    let target = *tg.lock().unwrap();
                    tokio::spawn(handle(client, target, f.clone(), s.clone()));
                }
            });
        });
        Proxy { url: format!("http://{addr}"), stats, faults, target, stop }
    }

    /// Forward new connections to another server (after a restart on a new port).
    pub fn retarget(&self, upstream: &str) {
        *self.target.lock().unwrap() = upstream.trim_start_matches("http://").parse().unwrap();
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

async fn handle(client: TcpStream, target: SocketAddr, faults: Arc<Mutex<Faults>>, stats: Arc<Stats>) {
    stats.connections.fetch_add(1, Ordering::Relaxed);
    let delay = {
        let max = faults.lock().unwrap().max_delay_ms;
        if max > 0 { rand::rng().random_range(0..max) } else { 0 }
    };
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let Ok(server) = TcpStream::connect(target).await else { return };
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let mut up = tokio::spawn(pump(cr, sw, faults.clone(), stats.clone(), true));
    let mut down = tokio::spawn(pump(sr, cw, faults, stats, false));
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

/// Copy until EOF or a cut; returns true if the connection was cut. Faults are read as bytes pass
/// (connections are kept alive across requests): every `cut_within` bytes the dice decide whether the
/// next stretch is cut, and where.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    faults: Arc<Mutex<Faults>>,
    stats: Arc<Stats>,
    up: bool,
) -> bool {
    let mut buf = vec![0u8; 16 << 10];
    let mut passed = 0u64;
    let mut next_roll = 0u64;
    let mut cut: Option<u64> = None;
    loop {
        let rate = faults.lock().unwrap().bytes_per_sec;
        // On a slow link, pass small pieces at the link's pace (about ten a second).
        let piece = if rate > 0 { (rate as usize / 10).clamp(1, buf.len()) } else { buf.len() };
        let n = match from.read(&mut buf[..piece]).await {
            Ok(0) | Err(_) => {
                let _ = to.shutdown().await;
                return false;
            }
            Ok(n) => n,
        };
        let counter = if up { &stats.up } else { &stats.down };
        counter.fetch_add(n as u64, Ordering::Relaxed);
        if cut.is_none() && passed >= next_roll {
            let f = *faults.lock().unwrap();
            if f.cut > 0.0 && f.cut_within > 0 {
                let mut rng = rand::rng();
                if rng.random_bool(f.cut.clamp(0.0, 1.0)) {
                    cut = Some(passed + rng.random_range(0..f.cut_within));
                }
                next_roll = passed + f.cut_within;
            }
        }
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
        if rate > 0 {
            tokio::time::sleep(std::time::Duration::from_secs_f64(n as f64 / rate as f64)).await;
        }
    }
}

/// Enrol directly, then sync through `proxy` from now on.
pub fn through(proxy: &Proxy, server: &super::Server, person: &str) -> super::Device {
    let mut d = super::Device::new(person);
    signoff_device::sync::enroll(&mut d.store, &proxy.url, &server.code(person), "phone").unwrap();
    d
}
