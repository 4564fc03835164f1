//! `cargo xtask ci` (what `.ci/run` runs) and `cargo xtask test` (the test
//! command the README gives).

use std::fs;

use crate::bench;
use crate::fuzz;
use crate::layering;
use crate::postgres::{self, ForTests};
use crate::run::{self, Failure, Steps};
use crate::tally::Tally;

/// Seconds per fuzz target in the CI smoke run unless the environment says otherwise.
const DEFAULT_FUZZ_SECONDS: u64 = 10;

/// Every check, in order, stopping at the first failure.
pub fn ci() -> Result<(), Failure> {
    let mut steps = Steps::default();
    let mut tally = None;
    let outcome = ci_steps(&mut steps, &mut tally);
    steps.print_summary();
    if let Some(tally) = tally {
        println!("tests: {tally}");
    }
    outcome
}

fn ci_steps(steps: &mut Steps, tally: &mut Option<Tally>) -> Result<(), Failure> {
    steps.run("fmt", fmt)?;
    steps.run("deps", layering::check)?;
    steps.run("clippy", clippy)?;
    steps.run("test", || {
        *tally = Some(test_suite()?);
        Ok(())
    })?;
    steps.run("doc", doc)?;
    fuzz_smoke(steps)?;
    // End to end against the simulator in its own process, under a minute:
    // fails only if throughput falls under half of what the latency allows.
    steps.run("bench", || {
        bench::Options::parse(&["--quick".to_owned()]).and_then(|options| bench::run(&options))
    })?;
    Ok(())
}

fn fmt() -> Result<(), Failure> {
    let mut workspace = run::cargo();
    workspace.args(["fmt", "--all", "--check"]);
    run::status(workspace)?;
    // fuzz/ is its own workspace, so `cargo fmt --all` does not reach it;
    // rustfmt on the target files needs no dependency resolution.
    let targets = fuzz_target_files()?;
    if targets.is_empty() {
        return Ok(());
    }
    let mut fuzz_targets = std::process::Command::new("rustfmt");
    fuzz_targets
        .current_dir(run::root())
        .args(["--check", "--edition", "2021"])
        .args(targets);
    run::status(fuzz_targets)
}

fn fuzz_target_files() -> Result<Vec<String>, Failure> {
    let dir = run::root().join("fuzz").join("fuzz_targets");
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => {
            return Err(Failure::new(format!(
                "cannot list {}: {error}",
                dir.display()
            )));
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|error| Failure::new(format!("cannot list {}: {error}", dir.display())))?
            .path();
        if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(format!(
                "fuzz/fuzz_targets/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            ));
        }
    }
    files.sort();
    Ok(files)
}

fn clippy() -> Result<(), Failure> {
    let mut command = run::cargo();
    command.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run::status(command)?;
    // A lean `iotcard` without the built-in simulator must keep building.
    let mut lean = run::cargo();
    lean.args([
        "clippy",
        "-p",
        "iotcard-cli",
        "--no-default-features",
        "--",
        "-D",
        "warnings",
    ]);
    run::status(lean)
}

/// `cargo xtask test`: the suite, closing with the combined count.
pub fn test() -> Result<(), Failure> {
    let tally = test_suite()?;
    println!("\ntests: {tally}");
    Ok(())
}

/// The test suite: nextest for unit and integration tests, then the doctests,
/// which nextest does not run. Returns what the two runners counted.
fn test_suite() -> Result<Tally, Failure> {
    if !run::has_cargo_plugin("nextest") {
        return Err(Failure::new(
            "cargo-nextest is not installed; install it with `cargo install cargo-nextest --locked`",
        ));
    }
    // The store's suite runs against PostgreSQL too: a throwaway cluster
    // for the length of both runners, stopped when `database` drops.
    let database = postgres::for_tests()?;
    let url = match &database {
        ForTests::Started(cluster) => Some(cluster.url().to_owned()),
        ForTests::Given => None,
        ForTests::Skipped(why) => {
            println!("store tests: PostgreSQL SKIPPED ({why})");
            None
        }
    };
    let with_database = |command: &mut std::process::Command| {
        if let Some(url) = &url {
            command.env(postgres::URL_VARIABLE, url);
        }
    };
    let mut nextest = run::cargo();
    nextest.args(["nextest", "run", "--workspace"]);
    with_database(&mut nextest);
    let mut tally = Tally::from_output(&run::echoed(nextest)?);
    let mut doctests = run::cargo();
    doctests.args(["test", "--workspace", "--doc"]);
    with_database(&mut doctests);
    tally += Tally::from_output(&run::echoed(doctests)?);
    drop(database);
    if tally.passed == 0 {
        return Err(Failure::new("the test runners reported no test passing"));
    }
    Ok(tally)
}

fn doc() -> Result<(), Failure> {
    let mut command = run::cargo();
    command
        .env("RUSTDOCFLAGS", "-D warnings")
        .args(["doc", "--workspace", "--no-deps"]);
    run::status(command)
}

fn fuzz_smoke(steps: &mut Steps) -> Result<(), Failure> {
    let seconds = match std::env::var("IOTCARD_CI_FUZZ_SECONDS") {
        Ok(text) => text.trim().parse::<u64>().map_err(|error| {
            Failure::new(format!(
                "IOTCARD_CI_FUZZ_SECONDS={text:?} is not a whole number of seconds: {error}"
            ))
        })?,
        Err(_) => DEFAULT_FUZZ_SECONDS,
    };
    if seconds == 0 {
        steps.skip("fuzz", "IOTCARD_CI_FUZZ_SECONDS=0");
        return Ok(());
    }
    if !run::has_cargo_plugin("fuzz") {
        // .ci/run installs cargo-fuzz, so in CI a missing one is a broken setup.
        if run::is_ci() {
            return Err(Failure::new(format!(
                "cargo-fuzz is not installed (CI=true); {}",
                fuzz::INSTALL_HINT
            )));
        }
        steps.skip(
            "fuzz",
            &format!("cargo-fuzz is not installed; {}", fuzz::INSTALL_HINT),
        );
        return Ok(());
    }
    let options = fuzz::Options::smoke(seconds);
    steps.run("fuzz", || fuzz::run(&options))
}
