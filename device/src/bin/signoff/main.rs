//! `signoff`: the headless CLI over the device store, for scripts, demos and tests. It drives the same
//! typed API as the app. Human-readable tables by default, `--json` for scripts; bad input gets a
//! clear message from the catalogue in the chosen language, changes nothing, and exits with a status
//! that says what kind of failure it was (see [`error::Exit`]).

mod args;
mod error;
mod render;
mod run;
mod sync_cmd;
mod time;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SIGNOFF_LOG")
                // Automerge logs its own internals (a damaged chunk it skipped, a salvage merge) as errors;
                // Signoff reports what they mean in the user's words instead.
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,automerge=off")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = args::Cli::parse();
    let lang = cli.lang;
    match run::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let (code, message) = error::message(&e, lang);
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{message}");
            }
            ExitCode::from(code)
        }
    }
}
