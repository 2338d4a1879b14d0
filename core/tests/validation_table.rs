//! The validation table is documented in `docs/validation.md`: the file holds exactly what
//! `validate::table_markdown` prints (regenerate with `SIGNOFF_WRITE_DOCS=1 cargo test -p signoff-core
//! --test validation_table`), so the documentation never drifts from the rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

const HEADER: &str = "# The validation table\n\n\
Every text and number a person or a device can enter, checked by the device store, the CLI, the app and \
the server alike (`core::validate`). Generated from the code by `cargo test -p signoff-core --test \
validation_table`; do not edit by hand.\n\n";

#[test]
fn the_documented_table_is_the_table_the_code_checks() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/validation.md");
    let want = format!("{HEADER}{}", signoff_core::validate::table_markdown());
    if std::env::var_os("SIGNOFF_WRITE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(have, want, "docs/validation.md is out of date: regenerate it with SIGNOFF_WRITE_DOCS=1");
}
