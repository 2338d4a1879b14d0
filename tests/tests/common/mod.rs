//! The real `signoff-server` binary on port 0 with its data in a temp dir, and device stores in
//! temp dirs enrolled with it through the real HTTP API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, dead_code)]

pub mod proxy;
pub mod scenarios;

use chrono::{DateTime, Duration, Utc};
use signoff_core::ids::{OrderId, PersonId, UnitId};
use signoff_core::model::{Channel, NewOrder, OrderKind, Reporter, UnitRef, Urgency};
use signoff_device::store::reference::read_json;
use signoff_device::{Ctx, InitOptions, Source, Store};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The server binary cargo built for this workspace (tests run from target/<profile>/deps).
pub fn server_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bin = dir.join(format!("signoff-server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p signoff-server` (cargo test --workspace does)",
        bin.display()
    );
    bin
}

/// The device CLI beside the server binary.
pub fn signoff_bin() -> PathBuf {
    server_bin().with_file_name(format!("signoff{}", std::env::consts::EXE_SUFFIX))
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn photos_dir() -> PathBuf {
    repo().join("../shared/testdata/photos")
}

/// A running server.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub data: PathBuf,
    /// `--db` (None: the embedded SQLite file).
    pub db: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// A new server with the test organisation: technicians wang and li, dispatcher chen, supervisor zhou.
    pub fn start() -> Server {
        Server::start_with_env(&[])
    }

    pub fn start_with_env(env: &[(&str, &str)]) -> Server {
        Server::start_on(None, env)
    }

    /// Like [`Server::start_with_env`], on the database `db` (`--db`).
    pub fn start_on(db: Option<&str>, env: &[(&str, &str)]) -> Server {
        Server::start_wrapped(db, env, &[])
    }

    /// Like [`Server::start_on`], the binary run through the command `wrap` (e.g. `prlimit …`).
    pub fn start_wrapped(db: Option<&str>, env: &[(&str, &str)], wrap: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let admin = |args: &[&str]| admin_db(&data, db, args);
        admin(&["org", "create", "acme", "翠湖物业"]);
        for (id, name, role) in [
            ("wang", "王建国", "technician"),
            ("li", "李明", "technician"),
            ("chen", "陈静", "dispatcher"),
            ("zhou", "周强", "supervisor"),
        ] {
            admin(&["person", "add", "--org", "acme", id, name, "--role", role]);
        }
        admin(&["import", "--org", "acme", repo().join("demo/reference.json").to_str().unwrap()]);
        let mut s = Server::spawn_wrapped(&data, db, env, wrap);
        s._dir = Some(dir);
        s
    }

    /// Start the binary on `data` (port 0) and wait for its address.
    pub fn spawn(data: &Path, env: &[(&str, &str)]) -> Server {
        Server::spawn_on(data, None, env)
    }

    /// Start the binary on `data` and the database `db` (port 0) and wait for its address.
    pub fn spawn_on(data: &Path, db: Option<&str>, env: &[(&str, &str)]) -> Server {
        Server::spawn_wrapped(data, db, env, &[])
    }

    fn spawn_wrapped(data: &Path, db: Option<&str>, env: &[(&str, &str)], wrap: &[&str]) -> Server {
        let mut cmd = match wrap.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(server_bin());
                c
            }
            None => Command::new(server_bin()),
        };
        cmd.args(["serve", "--data", data.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
        if let Some(db) = db {
            cmd.args(["--db", db]);
        }
        cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).env("SIGNOFF_LOG", "warn");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(url.starts_with("http://"), "unexpected first line: {line:?}");
        Server { child, url, data: data.to_owned(), db: db.map(str::to_owned), _dir: None }
    }

    pub fn admin(&self, args: &[&str]) -> String {
        admin_db(&self.data, self.db.as_deref(), args)
    }

    /// Adds 浙建三公司's (C-ZJ) crew member zj1 (浙建张工): a server person with the role contractor,
    /// and a person of the organisation's reference data bound to the company.
    pub fn add_crew(&self, dir: &Path) {
        self.admin(&[
            "person",
            "add",
            "--org",
            "acme",
            "zj1",
            "浙建张工",
            "--role",
            "contractor",
            "--contractor",
            "C-ZJ",
        ]);
        let demo = std::fs::read_to_string(repo().join("demo/reference.json")).unwrap();
        let mut reference: serde_json::Value = serde_json::from_str(&demo).unwrap();
        reference["people"].as_array_mut().unwrap().push(serde_json::json!({
            "id": "zj1", "name": "浙建张工", "roles": ["technician"], "contractor": "C-ZJ"
        }));
        let path = dir.join("reference.json");
        std::fs::write(&path, reference.to_string()).unwrap();
        self.admin(&["import", "--org", "acme", path.to_str().unwrap()]);
    }

    /// A one-time enrolment code for `person`.
    pub fn code(&self, person: &str) -> String {
        self.admin(&["enrol-code", "--org", "acme", person]).trim().to_owned()
    }

    /// SIGKILL, then start again on the same data (new port).
    pub fn kill_and_restart(&mut self) {
        self.restart_with(&[], |_| {});
    }

    /// SIGKILL, run `between` on the data folder, start again (new port) with `env`.
    pub fn restart_with(&mut self, env: &[(&str, &str)], between: impl FnOnce(&Path)) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        between(&self.data);
        let dir = self._dir.take();
        let mut s = Server::spawn_on(&self.data, self.db.as_deref(), env);
        s._dir = dir;
        // The killed child is reaped; dropping the old value kills nothing alive.
        std::mem::swap(self, &mut s);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn admin_in(data: &Path, args: &[&str]) -> String {
    admin_db(data, None, args)
}

/// An admin command on `data` and the database `db`.
pub fn admin_db(data: &Path, db: Option<&str>, args: &[&str]) -> String {
    let out = admin_run(data, db, args);
    assert!(out.status.success(), "signoff-server {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// An admin command on a running server's data, succeeded or not.
pub fn admin_output(server: &Server, args: &[&str]) -> std::process::Output {
    admin_run(&server.data, server.db.as_deref(), args)
}

fn admin_run(data: &Path, db: Option<&str>, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(server_bin());
    if let Some(db) = db {
        cmd.args(["--db", db]);
    }
    // `--data` goes after the (sub)command words.
    let words = if matches!(args.first(), Some(&"org" | &"person")) { 2 } else { 1 };
    cmd.args(&args[..words]).args(["--data", data.to_str().unwrap()]).args(&args[words..]);
    cmd.output().unwrap()
}

/// A device store in a temp dir.
pub struct Device {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub person: String,
}

impl Device {
    pub fn new(person: &str) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::init(
            dir.path().join("device.db"),
            InitOptions { person: Some(PersonId::new(person)), settings: None },
        )
        .unwrap();
        Device { dir, store, person: person.into() }
    }

    /// A device enrolled with `server` for `person`.
    pub fn enrolled(server: &Server, person: &str) -> Device {
        let mut d = Device::new(person);
        signoff_device::sync::enroll(&mut d.store, &server.url, &server.code(person), &format!("{person}'s phone"))
            .unwrap();
        d
    }

    pub fn sync(&mut self) -> signoff_device::sync::SyncReport {
        signoff_device::sync::sync(&mut self.store, &mut |_| {}).unwrap()
    }

    pub fn ctx(&self, minutes: i64) -> Ctx {
        Ctx { source: Source::Ui, by: PersonId::new(&self.person), now: at(minutes) }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("device.db")
    }
}

pub fn demo_reference() -> signoff_device::store::reference::ReferenceImport {
    read_json(&repo().join("demo/reference.json")).unwrap().0
}

pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-16T09:00:00+08:00").unwrap().with_timezone(&Utc)
}

pub fn at(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}

pub fn new_order(unit: &str, description: &str) -> NewOrder {
    NewOrder {
        kind: OrderKind::Repair,
        unit: UnitRef { unit_id: UnitId::new(unit), ..UnitRef::default() },
        reporter: Reporter { name: "王女士".into(), phone: "13812345678".into() },
        channel: Channel::Hotline,
        category: "leak".into(),
        urgency: Urgency::Normal,
        description: description.into(),
        location: "主卫".into(),
        preferred_time: String::new(),
    }
}

pub fn create(d: &mut Device, unit: &str, description: &str, minutes: i64) -> OrderId {
    let ctx = d.ctx(minutes);
    d.store.create_order(new_order(unit, description), &ctx).unwrap().order.id
}

/// A plausible handwritten signature.
pub fn signature() -> signoff_core::signoff::strokes::Signature {
    use signoff_core::signoff::strokes::{Point, Signature, Stroke};
    let strokes: Vec<Stroke> = (0..4)
        .map(|s| Stroke {
            points: (0..30)
                .map(|i| {
                    let f = f64::from(i);
                    Point {
                        x: 20.0 + f64::from(s) * 60.0 + f * 1.5,
                        y: 70.0 + (f * 0.3 + f64::from(s)).sin() * 20.0,
                        time: f64::from(s) * 800.0 + f * 16.0,
                        pressure: Some(0.5),
                    }
                })
                .collect(),
        })
        .collect();
    Signature::from_strokes(&strokes, Some((360, 160))).unwrap()
}

/// The device's token (tests only: the app never shows it).
pub fn token(d: &Device) -> String {
    d.store.account().unwrap().unwrap().token
}

/// An HTTP client (with the TLS crypto provider the workspace uses installed).
pub fn client() -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::new()
}

/// POST raw bytes to /v1/sync with `token`: (status, body).
pub fn raw_sync(url: &str, token: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let resp = client()
        .post(format!("{url}/v1/sync"))
        .bearer_auth(token)
        .header("content-type", signoff_core::wire::SYNC_MEDIA_TYPE)
        .body(body)
        .send()
        .unwrap();
    (resp.status().as_u16(), resp.bytes().unwrap().to_vec())
}

/// A sync request of this wire version that pushes nothing and reads the feed from `cursor`.
pub fn sync_request(cursor: u64) -> signoff_core::wire::SyncRequest {
    signoff_core::wire::SyncRequest {
        v: signoff_core::wire::WIRE_VERSION,
        cursor,
        push: vec![],
        max_bytes: None,
        reference_seq: None,
        want: vec![],
        epoch: None,
    }
}

/// A sync request pushing `changes` for order `id` with the given heads.
pub fn push_request(
    id: &str,
    base: Vec<automerge::ChangeHash>,
    heads: Vec<automerge::ChangeHash>,
    changes: Vec<u8>,
) -> Vec<u8> {
    use signoff_core::wire::*;
    let push = vec![DocPush { id: WireId::parse(id).unwrap(), base: Heads(base), heads: Heads(heads), changes }];
    encode(&SyncRequest { push, ..sync_request(0) }).unwrap()
}

pub fn http_status(method: reqwest::Method, url: &str, token: &str) -> u16 {
    client().request(method, url).bearer_auth(token).send().unwrap().status().as_u16()
}

pub fn healthy(url: &str) -> bool {
    client().get(format!("{url}/healthz")).send().is_ok_and(|r| r.status().is_success())
}
