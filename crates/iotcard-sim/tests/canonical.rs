//! The canonical answers do not change: a fixed script's answers (status,
//! `Content-Type`, body) equal the ones recorded in `tests/golden/`, byte
//! for byte, and so does the digest of every card through every call.
//!
//! The golden files were written by the simulator as it was before any
//! dialect existed. Set `IOTCARD_SIM_BLESS=1` to write them again (only
//! when a change of the canonical answers is meant).

mod common;

use std::path::PathBuf;

use common::transcript;

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

fn check(name: &str, actual: &str) {
    let path = golden(name);
    if std::env::var_os("IOTCARD_SIM_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        assert_eq!(a, e, "line {} of {name} differs", i + 1);
    }
    assert_eq!(actual.lines().count(), expected.lines().count(), "{name}");
}

#[tokio::test]
async fn canonical_answers_are_unchanged() {
    let sim = transcript::builder().start().await.unwrap();
    let mut text = transcript::short(&sim).await.join("\n");
    text.push('\n');
    check("canonical-short.txt", &text);
    let digest = transcript::long_digest(&sim).await;
    check("canonical-long.sha256", &format!("{digest}\n"));
    sim.shutdown().await;
}
