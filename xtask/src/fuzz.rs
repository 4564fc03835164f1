//! `cargo xtask fuzz --seconds N [TARGET...]`: builds the cargo-fuzz targets
//! listed in `fuzz/Cargo.toml`, seeds each corpus with the protocol crates'
//! test vectors, runs each target for N seconds and reports what it did.
//!
//! cargo-fuzz passes nightly-only flags to rustc; `RUSTC_BOOTSTRAP=1` lets
//! the stable toolchain accept them (AddressSanitizer included), so no
//! second toolchain is needed.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::run::{self, Failure};

pub const INSTALL_HINT: &str = "install it with `cargo install cargo-fuzz --locked`";

/// Longest a single input may take before libFuzzer calls it a hang (a
/// parser taking seconds on one body is a bug worth a failure).
const UNIT_TIMEOUT_SECONDS: u64 = 10;

const SANITIZERS: &[&str] = &["address", "none"];

#[derive(Debug)]
pub struct Options {
    seconds: u64,
    targets: Vec<String>,
    sanitizer: String,
}

impl Options {
    /// The CI smoke run: every target, `seconds` each, default sanitizer.
    pub fn smoke(seconds: u64) -> Self {
        Self {
            seconds,
            targets: Vec::new(),
            sanitizer: SANITIZERS[0].to_owned(),
        }
    }

    pub fn parse(args: &[String]) -> Result<Self, Failure> {
        let mut seconds = None;
        let mut sanitizer = SANITIZERS[0].to_owned();
        let mut targets = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--seconds" => {
                    let value = args
                        .next()
                        .ok_or_else(|| Failure::new("--seconds needs a value"))?;
                    let parsed = value.parse::<u64>().ok().filter(|seconds| *seconds > 0);
                    seconds = Some(parsed.ok_or_else(|| {
                        Failure::new(format!(
                            "--seconds {value:?}: expected a whole number of seconds above 0"
                        ))
                    })?);
                }
                "--sanitizer" => {
                    let value = args
                        .next()
                        .ok_or_else(|| Failure::new("--sanitizer needs a value"))?;
                    if !SANITIZERS.contains(&value.as_str()) {
                        return Err(Failure::new(format!(
                            "--sanitizer {value:?}: expected one of {}",
                            SANITIZERS.join(", ")
                        )));
                    }
                    value.clone_into(&mut sanitizer);
                }
                flag if flag.starts_with('-') => {
                    return Err(Failure::new(format!(
                        "unknown fuzz option `{flag}`; usage: cargo xtask fuzz --seconds N [--sanitizer address|none] [TARGET...]"
                    )));
                }
                target => targets.push(target.to_owned()),
            }
        }
        let seconds = seconds.ok_or_else(|| {
            Failure::new("missing --seconds N; usage: cargo xtask fuzz --seconds N [--sanitizer address|none] [TARGET...]")
        })?;
        Ok(Self {
            seconds,
            targets,
            sanitizer,
        })
    }
}

/// What one target's run did.
#[derive(Debug)]
struct Report {
    target: String,
    runs: Option<u64>,
    runs_per_second: Option<u64>,
    took: Duration,
    corpus: usize,
    crash: Option<String>,
}

pub fn run(options: &Options) -> Result<(), Failure> {
    if !run::has_cargo_plugin("fuzz") {
        return Err(Failure::new(format!(
            "cargo-fuzz is not installed; {INSTALL_HINT}"
        )));
    }
    let fuzz_dir = run::root().join("fuzz");
    let declared = declared_targets(&fuzz_dir.join("Cargo.toml"))?;
    let targets = if options.targets.is_empty() {
        declared
    } else {
        for target in &options.targets {
            if !declared.contains(target) {
                return Err(Failure::new(format!(
                    "no fuzz target `{target}` in fuzz/Cargo.toml; targets: {}",
                    declared.join(", ")
                )));
            }
        }
        options.targets.clone()
    };
    println!(
        "fuzz: {} target(s), {} s each, sanitizer {}",
        targets.len(),
        options.seconds,
        options.sanitizer
    );

    // One build of every target up front, so compile errors show in full and
    // the per-target runs below start at once.
    let mut build = fuzz_command();
    build.arg("build");
    build.args(["--fuzz-dir", "fuzz", "--sanitizer", &options.sanitizer]);
    if let [only] = targets.as_slice() {
        build.arg(only);
    }
    run::status(build)?;

    let logs = run::root().join("target").join("xtask").join("fuzz");
    fs::create_dir_all(&logs)
        .map_err(|error| Failure::new(format!("cannot create {}: {error}", logs.display())))?;
    let mut reports = Vec::new();
    for target in &targets {
        let corpus = fuzz_dir.join("corpus").join(target);
        let seeds = seed_corpus(target, &corpus)?;
        println!(
            "\n{target}: {seeds} seed file(s) from test vectors, running {} s",
            options.seconds
        );
        reports.push(run_target(
            options,
            target,
            &corpus,
            &logs.join(format!("{target}.log")),
        )?);
    }

    println!(
        "\n{:<20} {:>12} {:>10} {:>8} {:>8}  result",
        "target", "runs", "runs/s", "corpus", "wall"
    );
    for report in &reports {
        let runs = report
            .runs
            .map_or_else(|| "?".to_owned(), |runs| runs.to_string());
        let rate = report
            .runs_per_second
            .map_or_else(|| "?".to_owned(), |rate| rate.to_string());
        let result = match &report.crash {
            None => "no crash".to_owned(),
            Some(artifact) => format!("CRASH: {artifact}"),
        };
        println!(
            "{:<20} {runs:>12} {rate:>10} {:>8} {:>8}  {result}",
            report.target,
            report.corpus,
            run::seconds(report.took)
        );
    }
    let crashed: Vec<&str> = reports
        .iter()
        .filter(|report| report.crash.is_some())
        .map(|report| report.target.as_str())
        .collect();
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "fuzzing found crashes in: {} (reproduce with `RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz <target> <artifact>`)",
            crashed.join(", ")
        )))
    }
}

fn fuzz_command() -> std::process::Command {
    let mut command = run::cargo();
    command.env("RUSTC_BOOTSTRAP", "1").arg("fuzz");
    command
}

fn run_target(
    options: &Options,
    target: &str,
    corpus: &Path,
    log: &Path,
) -> Result<Report, Failure> {
    let mut command = fuzz_command();
    command.args([
        "run",
        "--fuzz-dir",
        "fuzz",
        "--sanitizer",
        &options.sanitizer,
        target,
    ]);
    command.arg("--");
    command.arg(format!("-max_total_time={}", options.seconds));
    command.arg(format!("-timeout={UNIT_TIMEOUT_SECONDS}"));
    command.arg("-print_final_stats=1");
    let line = run::describe(&command);
    println!("$ {line}  (output in {})", log.display());

    let file = File::create(log)
        .map_err(|error| Failure::new(format!("cannot create {}: {error}", log.display())))?;
    let file_for_stderr = file
        .try_clone()
        .map_err(|error| Failure::new(format!("cannot reuse {}: {error}", log.display())))?;
    let started = run::now();
    let status = command
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(file_for_stderr)
        .status()
        .map_err(|error| Failure::new(format!("could not start `{line}`: {error}")))?;
    let took = started.elapsed();
    let output = fs::read_to_string(log).unwrap_or_default();
    let runs = final_runs(&output);
    let runs_per_second =
        final_stat(&output, "stat::average_exec_per_sec:").filter(|rate| *rate > 0);

    let crash = if status.success() {
        None
    } else {
        let tail: Vec<&str> = output.lines().rev().take(60).collect();
        println!("--- last lines of {} ---", log.display());
        for line in tail.iter().rev() {
            println!("{line}");
        }
        println!("--- end of {} ---", log.display());
        Some(artifact(&output).map_or_else(
            || format!("exit {status}, no artifact written (see {})", log.display()),
            |path| run::root().join(path).display().to_string(),
        ))
    };
    if let Some(artifact) = &crash {
        println!("{target}: CRASH after {}: {artifact}", run::seconds(took));
    } else {
        let runs = runs.map_or_else(|| "?".to_owned(), |runs| runs.to_string());
        println!("{target}: {runs} runs in {}, no crash", run::seconds(took));
    }
    Ok(Report {
        target: target.to_owned(),
        runs,
        runs_per_second,
        took,
        corpus: count_files(corpus),
        crash,
    })
}

/// libFuzzer's closing count: `stat::number_of_executed_units: N`, or `Done N runs`.
fn final_runs(output: &str) -> Option<u64> {
    final_stat(output, "stat::number_of_executed_units:").or_else(|| {
        output.lines().rev().find_map(|line| {
            line.strip_prefix("Done ")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
    })
}

/// One of the `stat::…: N` lines that `-print_final_stats=1` adds at the end.
fn final_stat(output: &str, key: &str) -> Option<u64> {
    output
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix(key)?.trim().parse().ok())
}

/// The input libFuzzer saved for a crash, leak or hang.
fn artifact(output: &str) -> Option<&str> {
    output
        .lines()
        .find_map(|line| Some(line.split_once("Test unit written to ")?.1.trim()))
}

/// The `[[bin]]` names in fuzz/Cargo.toml, in file order.
fn declared_targets(manifest: &Path) -> Result<Vec<String>, Failure> {
    let text = fs::read_to_string(manifest)
        .map_err(|error| Failure::new(format!("cannot read {}: {error}", manifest.display())))?;
    let targets = bin_names(&text);
    if targets.is_empty() {
        return Err(Failure::new(format!(
            "{} declares no [[bin]] fuzz targets",
            manifest.display()
        )));
    }
    Ok(targets)
}

fn bin_names(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin {
            if let Some((key, value)) = line.split_once('=') {
                if key.trim() == "name" {
                    names.push(value.trim().trim_matches('"').to_owned());
                }
            }
        }
    }
    names
}

/// Copies the test vectors of the crates the target's name points at
/// (`iotbos_usage` → `crates/iotbos-*/tests/vectors/**`) into its corpus.
/// Every vector of that crate goes in: they are small, and a body meant for
/// another call is still a useful start for mutation.
fn seed_corpus(target: &str, corpus: &Path) -> Result<usize, Failure> {
    fs::create_dir_all(corpus)
        .map_err(|error| Failure::new(format!("cannot create {}: {error}", corpus.display())))?;
    let prefix = format!("{}-", target.split('_').next().unwrap_or(target));
    let crates_dir = run::root().join("crates");
    let mut seeds = 0;
    for entry in read_dir(&crates_dir)? {
        let crate_name = entry
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let vectors = entry.join("tests").join("vectors");
        if !crate_name.starts_with(&prefix) || !vectors.is_dir() {
            continue;
        }
        for file in files_under(&vectors)? {
            let relative = file.strip_prefix(&vectors).unwrap_or(&file);
            let name = format!(
                "seed-{crate_name}-{}",
                relative.to_string_lossy().replace(['/', '\\'], "__")
            );
            fs::copy(&file, corpus.join(&name)).map_err(|error| {
                Failure::new(format!(
                    "cannot copy {} into the corpus: {error}",
                    file.display()
                ))
            })?;
            seeds += 1;
        }
    }
    Ok(seeds)
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let mut paths = Vec::new();
    let entries = fs::read_dir(dir)
        .map_err(|error| Failure::new(format!("cannot list {}: {error}", dir.display())))?;
    for entry in entries {
        paths.push(
            entry
                .map_err(|error| Failure::new(format!("cannot list {}: {error}", dir.display())))?
                .path(),
        );
    }
    paths.sort();
    Ok(paths)
}

fn files_under(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    for path in read_dir(dir)? {
        if path.is_dir() {
            files.extend(files_under(&path)?);
        } else if path.is_file() {
            files.push(path);
        }
    }
    Ok(files)
}

fn count_files(dir: &Path) -> usize {
    fs::read_dir(dir).map_or(0, |entries| entries.filter(|entry| entry.is_ok()).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_names_reads_only_bin_sections() {
        let manifest = r#"
[package]
name = "iotcard-fuzz"

[[bin]]
name = "iotbos_login"
path = "fuzz_targets/iotbos_login.rs"

[dependencies]
name = "not-a-target"

[[bin]]
path = "fuzz_targets/tencent_appinfo.rs"
name  =  "tencent_appinfo"
"#;
        assert_eq!(bin_names(manifest), ["iotbos_login", "tencent_appinfo"]);
    }

    #[test]
    fn final_runs_prefers_the_stats_line_and_falls_back_to_done() {
        let with_stats =
            "#2 INITED\nDone 406219 runs in 11 second(s)\nstat::number_of_executed_units: 406220\n";
        assert_eq!(final_runs(with_stats), Some(406_220));
        assert_eq!(final_runs("Done 17 runs in 1 second(s)\n"), Some(17));
        assert_eq!(final_runs("==1==ERROR: AddressSanitizer\n"), None);
        let stats = "stat::number_of_executed_units: 4183\nstat::average_exec_per_sec:     36929\n";
        assert_eq!(
            final_stat(stats, "stat::average_exec_per_sec:"),
            Some(36_929)
        );
    }

    #[test]
    fn artifact_finds_the_written_test_unit() {
        let output = "thread panicked\nartifact_prefix='fuzz/artifacts/t/'; Test unit written to fuzz/artifacts/t/crash-ab12\nBase64: QQ==\n";
        assert_eq!(artifact(output), Some("fuzz/artifacts/t/crash-ab12"));
        assert_eq!(artifact("Done 3 runs\n"), None);
    }

    #[test]
    fn options_need_positive_seconds_and_known_sanitizer() {
        let parse = |args: &[&str]| {
            Options::parse(&args.iter().map(|arg| (*arg).to_owned()).collect::<Vec<_>>())
        };
        let options = parse(&["--seconds", "60", "iotbos_usage", "--sanitizer", "none"])
            .expect("valid options");
        assert_eq!(
            (
                options.seconds,
                options.targets.as_slice(),
                options.sanitizer.as_str()
            ),
            (60, &["iotbos_usage".to_owned()][..], "none")
        );
        assert!(parse(&[]).is_err());
        assert!(parse(&["--seconds", "0"]).is_err());
        assert!(parse(&["--seconds", "ten"]).is_err());
        assert!(parse(&["--seconds", "5", "--sanitizer", "memory"]).is_err());
        assert!(parse(&["--seconds", "5", "--jobs", "2"]).is_err());
    }
}
