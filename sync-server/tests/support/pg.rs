//! A throwaway PostgreSQL cluster for tests: `initdb` and `pg_ctl` from Debian's `postgresql`
//! package (installed by `scripts/setup-debian`) in a temp dir, listening on a free loopback port,
//! run as the `postgres` user when the tests run as root, stopped when dropped.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct TempPg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
    pub port: u16,
}

fn pg_bin() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(Result::ok).map(|e| e.path().join("bin")).filter(|b| b.join("initdb").exists()).collect())
        .unwrap_or_default();
    found.sort();
    found.pop().expect("PostgreSQL is not installed: run scripts/setup-debian (it installs Debian's postgresql)")
}

impl TempPg {
    pub fn start() -> TempPg {
        let bin = pg_bin();
        let dir = tempfile::tempdir().unwrap();
        let uid = Command::new("id").arg("-u").output().unwrap();
        let as_postgres = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        if as_postgres {
            let ok = Command::new("chown").args(["postgres:", dir.path().to_str().unwrap()]).status().unwrap();
            assert!(ok.success(), "chown the cluster's folder to postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let pg = TempPg { dir, bin, as_postgres, port };
        let data = pg.data();
        pg.run("initdb", &["-D", &data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"]);
        // SIGNOFF_TEST_PG_OPTS adds server options, e.g. for the sync benchmark's statement report:
        // "-c shared_preload_libraries=pg_stat_statements".
        let extra = std::env::var("SIGNOFF_TEST_PG_OPTS").unwrap_or_default();
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c max_connections=300 -c shared_buffers=128MB {extra}",
            pg.dir.path().display()
        );
        let log = pg.dir.path().join("log").display().to_string();
        pg.run("pg_ctl", &["-D", &data, "-l", &log, "-o", &opts, "-w", "start"]);
        pg
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let out = if self.as_postgres {
            Command::new("runuser").args(["-u", "postgres", "--"]).arg(&exe).args(args).output()
        } else {
            Command::new(&exe).args(args).output()
        }
        .unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A new, empty database; its URL.
    pub fn database(&self, name: &str) -> String {
        let psql = if self.bin.join("psql").exists() { self.bin.join("psql") } else { Path::new("psql").to_owned() };
        let out = Command::new(psql)
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", "-d", "postgres", "-v"])
            .arg("ON_ERROR_STOP=1")
            .args(["-c", &format!("CREATE DATABASE {name}")])
            .output()
            .unwrap();
        assert!(out.status.success(), "create database {name}: {}", String::from_utf8_lossy(&out.stderr));
        self.url(name)
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for TempPg {
    fn drop(&mut self) {
        let data = self.data();
        let exe = self.bin.join("pg_ctl");
        let args = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
        let _ = if self.as_postgres {
            Command::new("runuser").args(["-u", "postgres", "--"]).arg(&exe).args(args).output()
        } else {
            Command::new(&exe).args(args).output()
        };
    }
}
