//! `signoff-server`: run the sync server and administer it.
//!
//! ```text
//! signoff-server serve --data DIR [--listen 127.0.0.1:8080] [--config FILE]
//! signoff-server org create --data DIR ID NAME
//! signoff-server person add --data DIR --org ORG ID NAME --role technician [--skill plumbing]...
//! signoff-server person add --data DIR --org ORG ID NAME --role contractor --contractor C-ZJ
//! signoff-server enrol-code --data DIR --org ORG PERSON [--hours 72]
//! signoff-server revoke --data DIR DEVICE
//! signoff-server devices --data DIR --org ORG
//! signoff-server import --data DIR --org ORG reference.json
//! signoff-server export --data DIR --org ORG OUT_DIR
//! signoff-server backup --data DIR OUT_DIR
//! signoff-server restore --data DIR BACKUP_DIR
//! signoff-server migrate --data DIR [--from sqlite://PATH] --to postgres://USER@HOST/DB
//! ```
//!
//! Every command takes `--db URL` (or `SIGNOFF_DB`): `postgres://USER@HOST/DB` for a PostgreSQL
//! database shared by several server processes, `sqlite://PATH` for another SQLite file; without it
//! the embedded `signoff.db` in the data folder. Photos stay in the data folder's `blobs`.

#![allow(clippy::print_stdout)]

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use signoff_server::admin;
use signoff_server::blobs::BlobFiles;
use signoff_server::config::Config;
use signoff_server::ops;
use signoff_server::serve::{Db, WithStore, redact, serve_store, with_store};
use signoff_server::store::postgres::PgStore;
use signoff_server::store::{Role, Store};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(name = "signoff-server", version, about = "Signoff sync server (报修 work orders, photos, sign-offs)")]
struct Cli {
    /// Database: postgres://USER@HOST/DB or sqlite://PATH (default: signoff.db in the data folder).
    #[arg(long, global = true, env = "SIGNOFF_DB")]
    db: Option<String>,
    /// Photo storage: s3://BUCKET[/PREFIX] (endpoint and keys from AWS_ENDPOINT, AWS_REGION,
    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ALLOW_HTTP); default: blobs/ in the data folder.
    #[arg(long, global = true, env = "SIGNOFF_BLOBS")]
    blobs: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server (SQLite file and blob folder under --data; migrations applied at start).
    Serve {
        #[arg(long, env = "SIGNOFF_DATA")]
        data: PathBuf,
        /// Address to listen on (port 0: a free port, printed at start).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// TOML configuration (limits, TLS, number prefix).
        #[arg(long, env = "SIGNOFF_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// People who may enrol devices.
    Person {
        #[command(subcommand)]
        command: PersonCommand,
    },
    /// Issue a one-time enrolment code for a person's device.
    EnrolCode {
        #[arg(long, env = "SIGNOFF_DATA")]
        data: PathBuf,
        #[arg(long)]
        org: String,
        /// Person id.
        person: String,
        /// Hours until the code expires.
        #[arg(long, default_value_t = 72)]
        hours: u32,
    },
    /// Revoke a device: its token stops working at once.
    Revoke {
        #[arg(long, env = "SIGNOFF_DATA")]
        data: PathBuf,
        device: String,
    },
    /// List an organisation's devices.
    Devices {
        #[arg(long, env = "SIGNOFF_DATA")]
        data: PathBuf,
        #[arg(long)]
        org: String,
    },
    /// Import reference data (projects, buildings, units with handover dates, categories, settings).
    Import {
        #[arg(long, env = "SIGNOFF_DATA")]
        data: PathBuf,
        #[arg(long)]
        org: String,
        file: PathBuf,
    },
    /// Back up the SQLite database and the photos into a new folder, while the server runs (a
    /// consistent snapshot, verified). For PostgreSQL see docs/deployment.md (pg_dump).
    Backup {
        #[arg(long, env = "SIGNOFF_DATA")]
        data: PathBuf,
        out: PathBuf,
    },
    /// Restore a backup into a data folder that has no database yet (verified first).
    Restore {
        #[arg(long, env = "SIGNOFF_DATA")]
        data: PathBuf,
        backup: PathBuf,
    },
    /// Copy a SQLite server database into an empty PostgreSQL database, then verify every document's
    /// heads and every photo's hash. Stop the server first, or writes made meanwhile stay behind.
    Migrate {
        #[arg(long, env = "SIGNOFF_DATA")]
        data: PathBuf,
        /// The SQLite database (default: signoff.db in the data folder).
        #[arg(long)]
        from: Option<String>,
        /// The PostgreSQL database.
        #[arg(long)]
        to: String,
    },
    /// Load every order of an organisation whole and list those whose stored copy is damaged (by
    /// number); exits 1 when any is. A damaged copy is rebuilt from the next device that sends its
    /// whole copy (devices holding the order offer it when they receive the damaged one).
    Check {
        #[arg(long, env = "SIGNOFF_DATA")]
        data: PathBuf,
        #[arg(long)]
        org: String,
    },
    /// Start a new restore epoch (run it after restoring a PostgreSQL backup; `restore` does it for
    /// SQLite): devices that synced after the backup offer everything again at their next sync.
    NewEpoch {
        #[arg(long, env = "SIGNOFF_DATA")]
        data: PathBuf,
    },
    /// Export an organisation's reference data and orders.
    Export {
        #[arg(long, env = "SIGNOFF_DATA")]
        data: PathBuf,
        #[arg(long)]
        org: String,
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum OrgCommand {
    /// Create an organisation.
    Create {
        #[arg(long, env = "SIGNOFF_DATA")]
        data: PathBuf,
        id: String,
        name: String,
    },
}

#[derive(Subcommand, Debug)]
enum PersonCommand {
    /// Add or update a person.
    Add {
        #[arg(long, env = "SIGNOFF_DATA")]
        data: PathBuf,
        #[arg(long)]
        org: String,
        id: String,
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long = "skill")]
        skills: Vec<String>,
        /// The contractor company (an id of the reference data's contractors) a crew member works for;
        /// required with `--role contractor`.
        #[arg(long)]
        contractor: Option<String>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "role must be technician, dispatcher, supervisor, admin or contractor".into())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::main]
async fn main() -> Result<()> {
    // Plain text without colour codes unless stderr is a terminal; `SIGNOFF_LOG_FORMAT=json` for one JSON
    // object per line (log shippers).
    // Automerge logs its own internals as errors (a change waiting for its dependencies is routine in a
    // push); the server says what matters itself.
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("SIGNOFF_LOG").unwrap_or_else(|_| "info,automerge=off".into());
    let fmt = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("SIGNOFF_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        fmt.json().init();
    } else {
        fmt.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init();
    }
    // Panics inside Automerge on crafted input are contained per request; log them as one line each
    // rather than a backtrace per hostile request.
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        // One short line: Automerge's panic messages can carry kilobytes of its internals.
        let what: String = what.lines().next().unwrap_or_default().chars().take(160).collect();
        let order = signoff_server::merge::current_order();
        tracing::error!(%at, %what, order = %order, "panic contained");
    }));
    let cli = Cli::parse();
    let db = Db::parse(cli.db.as_deref())?;
    let data = cli.command.data().to_owned();
    let sqlite_file = |db: &Db| match db {
        Db::Embedded => Ok(data.join("signoff.db")),
        Db::Sqlite(path) => Ok(path.clone()),
        Db::Postgres(_) => Err(anyhow::anyhow!(
            "backup and restore here are for SQLite; back up PostgreSQL with pg_dump (docs/deployment.md)"
        )),
    };
    match cli.command {
        Command::Backup { out, .. } => {
            let r = ops::backup_sqlite(&sqlite_file(&db)?, &data.join("blobs"), &out)?;
            println!(
                "backup in {}: {} orders, {} photo files ({} bytes), verified",
                out.display(),
                r.documents,
                r.blobs,
                r.blob_bytes
            );
            Ok(())
        }
        Command::Restore { backup, .. } => {
            let file = sqlite_file(&db)?;
            if file != data.join("signoff.db") {
                bail!("restore puts the backup in the data folder; drop --db");
            }
            let r = ops::restore_sqlite(&backup, &data)?;
            println!("restored into {}: {} orders, {} photo files, verified", data.display(), r.documents, r.blobs);
            Ok(())
        }
        Command::Migrate { from, to, .. } => {
            let source = sqlite_file(&Db::parse(from.as_deref())?)?;
            let Db::Postgres(url) = Db::parse(Some(&to))? else { bail!("--to must be a postgres:// URL") };
            let target = PgStore::connect(&url).await.with_context(|| format!("connect to {}", redact(&url)))?;
            let r = ops::migrate_sqlite_to_postgres(&source, &target, &data.join("blobs")).await?;
            println!(
                "migrated {} to {}: {} orders with matching heads, {} photo files with matching hashes",
                source.display(),
                redact(&url),
                r.documents,
                r.blobs
            );
            Ok(())
        }
        command => with_store(&data, &db, cli.blobs.as_deref(), Job(command)).await?,
    }
}

impl Command {
    /// The data folder every command names.
    fn data(&self) -> &Path {
        match self {
            Command::Serve { data, .. }
            | Command::Org { command: OrgCommand::Create { data, .. } }
            | Command::Person { command: PersonCommand::Add { data, .. } }
            | Command::EnrolCode { data, .. }
            | Command::Revoke { data, .. }
            | Command::Devices { data, .. }
            | Command::Import { data, .. }
            | Command::Backup { data, .. }
            | Command::Restore { data, .. }
            | Command::Migrate { data, .. }
            | Command::Export { data, .. }
            | Command::Check { data, .. }
            | Command::NewEpoch { data } => data,
        }
    }
}

/// A command, run against whichever store `--db` chose.
struct Job(Command);

impl WithStore for Job {
    type Output = Result<()>;

    async fn run<S: Store>(self, store: S, blobs: BlobFiles) -> Result<()> {
        match self.0 {
            Command::Serve { data: _, listen, config } => {
                let mut cfg = Config::load(config.as_deref(), |k| std::env::var(k).ok())?;
                if let Some(l) = listen {
                    cfg.listen = l;
                }
                serve_store(store, blobs, cfg, |addr, tls| {
                    let scheme = if tls { "https" } else { "http" };
                    println!("signoff-server listening on {scheme}://{addr}");
                    let _ = std::io::stdout().flush();
                })
                .await?;
            }
            Command::Org { command: OrgCommand::Create { id, name, .. } } => {
                store.create_org(&id, &name, now_ms()).await?;
                println!("organisation {id} created");
            }
            Command::Person { command: PersonCommand::Add { org, id, name, role, skills, contractor, .. } } => {
                admin::add_person(&store, &org, &id, &name, role, skills, contractor.clone()).await?;
                match contractor {
                    Some(c) => println!("{id} ({name}) is a {} of {org}, working for {c}", role.code()),
                    None => println!("{id} ({name}) is a {} of {org}", role.code()),
                }
            }
            Command::EnrolCode { org, person, hours, .. } => {
                let code = admin::issue_code(&store, &org, &person, hours, now_ms()).await?;
                println!("{code}");
            }
            Command::Revoke { device, .. } => {
                if !store.revoke_device(&device, now_ms()).await? {
                    bail!("no device {device}");
                }
                println!("device {device} revoked");
            }
            Command::Devices { org, .. } => {
                for d in store.devices(&org).await? {
                    let state = if d.revoked_ms.is_some() { "revoked" } else { "active" };
                    println!("{}\t{}\t{}\t{}\t{state}", d.id, d.person, d.role.code(), d.name);
                }
            }
            Command::Import { org, file, .. } => {
                let n = admin::import_reference(&store, &org, &file).await.context("import")?;
                println!("{n} reference records imported for {org}");
            }
            Command::NewEpoch { .. } => {
                let epoch = store.new_epoch().await?;
                println!("restore epoch {epoch}: devices offer everything again at their next sync");
            }
            Command::Check { org, .. } => {
                let damaged = admin::check(&store, &org).await?;
                for (id, number, reason) in &damaged {
                    println!("damaged\t{number}\t{id}\t{reason}");
                }
                if !damaged.is_empty() {
                    bail!("{} orders of {org} do not load whole (bytes kept; see above)", damaged.len());
                }
                println!("every order of {org} loads whole");
            }
            Command::Export { org, out, .. } => {
                let n = admin::export(&store, &org, &out).await.context("export")?;
                println!("{n} orders exported to {}", out.display());
            }
            Command::Backup { .. } | Command::Restore { .. } | Command::Migrate { .. } => {
                bail!("not a store command")
            }
        }
        Ok(())
    }
}
