//! `cargo xtask soak`: a 100,000-card `iotcard export` against a simulator
//! with faults on, checked against the same export from a clean one.
//!
//! `iotcard sim` has no flag to freeze its fleet clock, so the two runs
//! see usage at different instants: `iotcard-bench compare` holds every
//! field that does not move with time to equality, and usage/remaining to
//! "same card later" (used + left unchanged, used not gone back).

use std::path::Path;

use crate::bench::{self, Binaries, Faults, Object, Scratch, SimProcess, SimSpec};
use crate::run::Failure;

/// Attempts per request in all (`RetryConfig::default().max_attempts` in
/// iotcard-facade).
const MAX_ATTEMPTS: f64 = 4.0;
/// A batch call that spends every attempt is asked once more
/// (`RetryConfig::batch_rounds`, 2 by default), and within each round a
/// refused call (perhaps an expired token) logs in again once and runs its
/// attempts once more (`IotbosClient::query_batch`).
const ROUNDS_PER_CALL: f64 = 2.0 * 2.0;
/// The soak's wall time may be at most this many times the clean run's.
const MAX_WALL_RATIO: f64 = 3.0;
/// The five IoTBOS data calls an export makes per batch, as the
/// simulator's counters name them.
const CALLS: [&str; 5] = [
    "iotbos_usage",
    "iotbos_remaining",
    "iotbos_expiry",
    "iotbos_state",
    "iotbos_plan",
];

/// What `cargo xtask soak` was asked for.
#[derive(Clone, Debug)]
pub struct Options {
    pub cards: u64,
    pub batch: u64,
    pub concurrency: u64,
    pub latency_ms: u64,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Self, Failure> {
        let mut options = Options {
            cards: 100_000,
            batch: 100,
            concurrency: 16,
            latency_ms: 20,
        };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            let slot = match flag.as_str() {
                "--cards" => &mut options.cards,
                "--batch" => &mut options.batch,
                "--concurrency" => &mut options.concurrency,
                "--latency-ms" => &mut options.latency_ms,
                other => return Err(Failure::new(format!("soak: unknown argument `{other}`"))),
            };
            *slot = bench::whole_number(flag, rest.next())?;
        }
        if options.batch == 0 || options.concurrency == 0 || options.cards == 0 {
            return Err(Failure::new(
                "soak: --cards, --batch and --concurrency must be at least 1",
            ));
        }
        Ok(options)
    }

    fn faulted(&self) -> SimSpec {
        SimSpec {
            cards: self.cards,
            latency_ms: self.latency_ms,
            token_ttl_s: Some(5),
            faults: Faults {
                server_error: 0.10,
                too_many_requests: 0.02,
                reset: 0.05,
                truncated: 0.05,
                malformed: 0.02,
            },
        }
    }
}

/// One export run and what the simulator counted.
#[derive(Debug)]
struct Run {
    figures: Object,
    stats: Object,
    records: u64,
    stderr: String,
}

fn export(
    bins: &Binaries,
    spec: &SimSpec,
    options: &Options,
    numbers: &Path,
    out: &Path,
    errors: &Path,
) -> Result<Run, Failure> {
    let sim = SimProcess::start(&bins.iotcard, spec)?;
    let figures = bins.measured_export(
        &sim,
        (options.batch, options.concurrency),
        numbers,
        out,
        errors,
    )?;
    let stats = bins.bench_line(&sim, &["sim-stats"])?;
    sim.stop();
    Ok(Run {
        figures,
        stats,
        records: bench::count_lines(out)?,
        stderr: std::fs::read_to_string(errors).unwrap_or_default(),
    })
}

pub fn run(options: &Options) -> Result<(), Failure> {
    let load_before = bench::load_average();
    let bins = Binaries::build()?;
    let scratch = Scratch::new("soak")?;
    let numbers = scratch.file("numbers.txt");
    bench::write_numbers(&bins.iotcard, options.cards, &numbers)?;
    let (clean_out, soak_out) = (scratch.file("clean.jsonl"), scratch.file("soak.jsonl"));

    println!("\n==> clean export");
    let clean = export(
        &bins,
        &SimSpec::clean(options.cards, options.latency_ms),
        options,
        &numbers,
        &clean_out,
        &scratch.file("clean.err"),
    )?;
    println!("\n==> export under faults");
    let soak = export(
        &bins,
        &options.faulted(),
        options,
        &numbers,
        &soak_out,
        &scratch.file("soak.err"),
    )?;
    let load_after = bench::load_average();

    let compared = bench::output({
        let mut command = std::process::Command::new(&bins.bench);
        command
            .arg("compare")
            .arg("--numbers")
            .arg(&numbers)
            .arg("--reference")
            .arg(&clean_out)
            .arg("--candidate")
            .arg(&soak_out);
        command
    })
    .and_then(|out| Object::last_line(&out, "iotcard-bench compare"))?;

    report(
        options,
        &clean,
        &soak,
        &compared,
        (&load_before, &load_after),
    )
}

fn report(
    options: &Options,
    clean: &Run,
    soak: &Run,
    compared: &Object,
    load: (&str, &str),
) -> Result<(), Failure> {
    let batches = options.cards.div_ceil(options.batch) as f64;
    let bound = batches * MAX_ATTEMPTS * ROUNDS_PER_CALL;
    let clean_wall = clean.figures.num("wall_s")?;
    let soak_wall = soak.figures.num("wall_s")?;
    let wall_ratio = soak_wall / clean_wall;
    let panics = [clean, soak]
        .iter()
        .map(|r| r.stderr.matches("panicked").count())
        .sum::<usize>();
    let stat = |run: &Run, key: &str| run.stats.num(key).unwrap_or(f64::NAN);

    println!(
        "\nsoak: {} cards, B = {}, C = {}, L = {} ms; faults 10% 5xx, 5% reset, 5% truncated, \
         2% malformed, 2% 429 (Retry-After 1 s), token lifetime 5 s",
        options.cards, options.batch, options.concurrency, options.latency_ms
    );
    println!(
        "machine: {}; load average before {}, after {}",
        bench::machine(),
        load.0,
        load.1
    );
    println!("\n  {:<40} {:>12} {:>12}", "figure", "clean", "faulted");
    let row = |name: &str, a: String, b: String| println!("  {name:<40} {a:>12} {b:>12}");
    row(
        "wall time (s)",
        format!("{clean_wall:.2}"),
        format!("{soak_wall:.2}"),
    );
    row(
        "exit code",
        format!("{}", clean.figures.num("exit_code").unwrap_or(-1.0)),
        format!("{}", soak.figures.num("exit_code").unwrap_or(-1.0)),
    );
    row(
        "records written",
        clean.records.to_string(),
        soak.records.to_string(),
    );
    row(
        "export peak RSS (MiB)",
        format!("{:.1}", clean.figures.num("peak_rss_kib")? / 1024.0),
        format!("{:.1}", soak.figures.num("peak_rss_kib")? / 1024.0),
    );
    row(
        "logins",
        format!("{}", stat(clean, "requests.iotbos_login")),
        format!("{}", stat(soak, "requests.iotbos_login")),
    );
    let mut worst_attempts: f64 = 0.0;
    for call in CALLS {
        let key = format!("requests.{call}");
        let (a, b) = (stat(clean, &key), stat(soak, &key));
        worst_attempts = worst_attempts.max(b / batches);
        row(
            &format!("{call} requests (per batch)"),
            format!("{a} ({:.2})", a / batches),
            format!("{b} ({:.2})", b / batches),
        );
    }
    for fault in [
        "server_error",
        "too_many_requests",
        "reset",
        "truncated",
        "malformed",
    ] {
        row(
            &format!("faults: {fault}"),
            format!("{}", stat(clean, &format!("faults.{fault}"))),
            format!("{}", stat(soak, &format!("faults.{fault}"))),
        );
    }
    row(
        "refusals: token expired",
        format!("{}", stat(clean, "refusals.token_expired")),
        format!("{}", stat(soak, "refusals.token_expired")),
    );
    let field = |key: &str| match compared.get(key) {
        Some(bench::json::Value::Num(n)) => format!("{n}"),
        Some(bench::json::Value::Bool(b)) => format!("{b}"),
        Some(bench::json::Value::Raw(r)) => r.clone(),
        Some(other) => format!("{other:?}"),
        None => "?".into(),
    };
    println!("\n  faulted export against the clean one (iotcard-bench compare):");
    for key in [
        "expected",
        "records",
        "distinct",
        "duplicates",
        "missing",
        "extra",
        "failed",
        "error_kinds",
        "differing",
        "usage_moved",
        "in_order",
        "reference_failed",
    ] {
        println!("    {key:<18} {}", field(key));
    }
    if compared.num("differing").unwrap_or(1.0) > 0.0 {
        println!("    examples           {}", field("examples"));
    }

    let checks = [
        (
            "every card exactly once with the clean run's value",
            // Both simulators freeze their fleet clock at one instant, so
            // not even usage may move: the faulted export is the clean one.
            compared.bool("ok").unwrap_or(false)
                && compared.num("usage_moved").is_ok_and(|n| n == 0.0),
            format!(
                "{} records, {} missing, {} repeated, {} failed, {} differing, {} moved",
                field("records"),
                field("missing"),
                field("duplicates"),
                field("failed"),
                field("differing"),
                field("usage_moved")
            ),
        ),
        (
            "zero panics",
            panics == 0,
            format!("{panics} `panicked` in standard error"),
        ),
        (
            "attempts per call bounded",
            CALLS
                .iter()
                .all(|c| stat(soak, &format!("requests.{c}")) <= bound),
            format!(
                "at most {worst_attempts:.2} requests per batch per call; bound {}",
                MAX_ATTEMPTS * ROUNDS_PER_CALL
            ),
        ),
        (
            "wall time within 3x the clean run's",
            wall_ratio <= MAX_WALL_RATIO,
            format!("{wall_ratio:.2}x"),
        ),
    ];
    println!();
    for (name, ok, detail) in &checks {
        println!("  [{}] {name}: {detail}", if *ok { "ok" } else { "FAILED" });
    }
    if !soak.stderr.is_empty() {
        let lines = soak.stderr.lines().count();
        let last = soak.stderr.lines().last().unwrap_or_default();
        println!("\n  faulted export's standard error: {lines} lines; last: {last}");
    }
    let failed: Vec<&str> = checks
        .iter()
        .filter(|(_, ok, _)| !ok)
        .map(|(name, _, _)| *name)
        .collect();
    if failed.is_empty() {
        println!("\nsoak: every check passed");
        Ok(())
    } else {
        Err(Failure::new(format!(
            "soak checks failed: {}",
            failed.join("; ")
        )))
    }
}
