//! `cargo xtask bench`: the end-to-end figures of issue 6.
//!
//! The simulator runs in its own process with added latency L; the
//! facade (`iotcard-bench facade`) and a hand-written reqwest +
//! `serde_json::Value` client (`iotcard-bench baseline`) poll the same N
//! cards with the same batch size B and concurrency C, one after the
//! other. Then (not with `--quick`) `iotcard export` runs over 100,000
//! and 1,000,000 cards under `iotcard-bench peak-rss`.

pub mod json;
mod sim;

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub use json::Object;
pub use sim::{write_numbers, Faults, Scratch, SimProcess, SimSpec};

use crate::run::{self, Failure};

/// The figures' targets (issue 6).
const MIN_BOUND_RATIO: f64 = 0.9;
const MAX_CPU_US_PER_CARD: f64 = 2.0;
const MAX_CPU_VS_BASELINE: f64 = 0.5;
const MAX_EXPORT_RSS_MIB: f64 = 64.0;
const MAX_EXPORT_RSS_GROWTH: f64 = 1.2;
/// `--quick` fails only under this share of the bound.
const QUICK_MIN_BOUND_RATIO: f64 = 0.5;

/// What `cargo xtask bench` was asked for.
#[derive(Clone, Debug)]
pub struct Options {
    pub quick: bool,
    pub cards: u64,
    pub batch: u64,
    pub concurrency: u64,
    pub latency_ms: u64,
    pub export_cards: u64,
    pub export_latency_ms: u64,
    /// Polls per client, interleaved (facade, baseline, facade, …); the
    /// table gives each figure's median.
    pub runs: u64,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Self, Failure> {
        let quick = args.iter().any(|a| a == "--quick");
        let mut options = Options {
            quick,
            cards: if quick { 20_000 } else { 200_000 },
            batch: 100,
            concurrency: 16,
            latency_ms: 20,
            export_cards: 1_000_000,
            export_latency_ms: 0,
            runs: if quick { 1 } else { 3 },
        };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            let slot = match flag.as_str() {
                "--quick" => continue,
                "--cards" => &mut options.cards,
                "--batch" => &mut options.batch,
                "--concurrency" => &mut options.concurrency,
                "--latency-ms" => &mut options.latency_ms,
                "--export-cards" => &mut options.export_cards,
                "--export-latency-ms" => &mut options.export_latency_ms,
                "--runs" => &mut options.runs,
                other => return Err(Failure::new(format!("bench: unknown argument `{other}`"))),
            };
            *slot = whole_number(flag, rest.next())?;
        }
        if options.batch == 0 || options.concurrency == 0 || options.cards == 0 || options.runs == 0
        {
            return Err(Failure::new(
                "bench: --cards, --batch, --concurrency and --runs must be at least 1",
            ));
        }
        if options.latency_ms == 0 {
            return Err(Failure::new(
                "bench: --latency-ms must be at least 1 (the bound C × B / L needs it)",
            ));
        }
        if options.export_cards < 10 {
            return Err(Failure::new("bench: --export-cards must be at least 10"));
        }
        Ok(options)
    }
}

/// The value after `flag`, as a whole number.
pub fn whole_number(flag: &str, value: Option<&String>) -> Result<u64, Failure> {
    let value = value.ok_or_else(|| Failure::new(format!("{flag} needs a value")))?;
    value
        .replace('_', "")
        .parse()
        .map_err(|e| Failure::new(format!("{flag} {value:?} is not a whole number: {e}")))
}

/// The release binaries the runs use.
#[derive(Debug)]
pub struct Binaries {
    pub iotcard: PathBuf,
    pub bench: PathBuf,
}

impl Binaries {
    /// Builds (or finds up to date) `iotcard` and `iotcard-bench` in release.
    pub fn build() -> Result<Self, Failure> {
        let mut command = run::cargo();
        command.args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "iotcard-cli",
            "-p",
            "iotcard-bench",
        ]);
        run::status(command)?;
        let dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|d| {
                if d.is_relative() {
                    run::root().join(d)
                } else {
                    d
                }
            })
            .unwrap_or_else(|| run::root().join("target"))
            .join("release");
        Ok(Self {
            iotcard: dir.join("iotcard"),
            bench: dir.join("iotcard-bench"),
        })
    }

    /// `iotcard-bench <args>` pointed at `sim`, its JSON line read.
    pub fn bench_line(&self, sim: &SimProcess, args: &[&str]) -> Result<Object, Failure> {
        let mut command = Command::new(&self.bench);
        command.args(args);
        sim.point(&mut command);
        let what = format!(
            "iotcard-bench {}",
            args.first().copied().unwrap_or_default()
        );
        Object::last_line(&output(command)?, &what)
    }

    /// `iotcard --provider iotbos export --from numbers --out out` under
    /// `iotcard-bench peak-rss`, its standard error kept in `stderr`.
    pub fn measured_export(
        &self,
        sim: &SimProcess,
        shape: (u64, u64),
        numbers: &Path,
        out: &Path,
        stderr: &Path,
    ) -> Result<Object, Failure> {
        let (batch, concurrency) = shape;
        let mut command = Command::new(&self.bench);
        command
            .args(["peak-rss", "--"])
            .arg(&self.iotcard)
            .args(["--provider", "iotbos"])
            .args(["--batch-size", &batch.to_string()])
            .args(["--concurrency", &concurrency.to_string()])
            .arg("export")
            .arg("--from")
            .arg(numbers)
            .arg("--out")
            .arg(out);
        sim.point(&mut command);
        let errors = File::create(stderr)
            .map_err(|e| Failure::new(format!("cannot create {}: {e}", stderr.display())))?;
        command.stderr(errors).stdin(Stdio::null());
        Object::last_line(&output(command)?, "iotcard-bench peak-rss")
    }
}

/// Runs `command` (echoed without its environment, which holds the
/// simulator's credentials) and returns its standard output; its standard
/// error goes where the command says (inherited by default). A non-zero
/// exit is a failure.
pub fn output(mut command: Command) -> Result<String, Failure> {
    let program = Path::new(command.get_program());
    let shown = std::iter::once(program.file_name().unwrap_or(program.as_os_str()))
        .chain(command.get_args())
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    println!("$ {shown}");
    let child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::new(format!("could not start `{shown}`: {e}")))?;
    let done = child
        .wait_with_output()
        .map_err(|e| Failure::new(format!("`{shown}`: {e}")))?;
    let stdout = String::from_utf8_lossy(&done.stdout).into_owned();
    if done.status.success() {
        Ok(stdout)
    } else {
        Err(Failure::new(format!(
            "`{shown}` exited with {}:\n{}",
            done.status,
            stdout.trim_end()
        )))
    }
}

/// Lines in `path`.
pub fn count_lines(path: &Path) -> Result<u64, Failure> {
    let file = File::open(path)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))?;
    let mut lines = 0;
    for line in BufReader::new(file).split(b'\n') {
        line.map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))?;
        lines += 1;
    }
    Ok(lines)
}

/// The first `count` lines of `from`, written to `to`.
fn head(from: &Path, count: u64, to: &Path) -> Result<(), Failure> {
    let read = |e: std::io::Error| Failure::new(format!("cannot read {}: {e}", from.display()));
    let write = |e: std::io::Error| Failure::new(format!("cannot write {}: {e}", to.display()));
    let input = BufReader::new(File::open(from).map_err(read)?);
    let mut output = BufWriter::new(File::create(to).map_err(write)?);
    for line in input
        .lines()
        .take(usize::try_from(count).unwrap_or(usize::MAX))
    {
        writeln!(output, "{}", line.map_err(read)?).map_err(write)?;
    }
    output.flush().map_err(write)
}

/// The machine's load averages, as `/proc/loadavg` gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// One poll's figures, from its JSON line.
#[derive(Debug)]
struct Poll {
    answered: f64,
    wall_s: f64,
    cards_per_s: f64,
    user_s: f64,
    sys_s: f64,
    cpu_us_per_card: f64,
    peak_rss_mib: f64,
}

impl Poll {
    /// Each figure's median over `polls` (not one poll's figures).
    fn median(polls: &[Poll]) -> Poll {
        let of = |f: fn(&Poll) -> f64| median(polls.iter().map(f).collect());
        Poll {
            answered: polls
                .iter()
                .map(|p| p.answered)
                .fold(f64::INFINITY, f64::min),
            wall_s: of(|p| p.wall_s),
            cards_per_s: of(|p| p.cards_per_s),
            user_s: of(|p| p.user_s),
            sys_s: of(|p| p.sys_s),
            cpu_us_per_card: of(|p| p.cpu_us_per_card),
            peak_rss_mib: of(|p| p.peak_rss_mib),
        }
    }

    /// User plus system CPU of the poll, seconds.
    fn cpu_s(&self) -> f64 {
        self.user_s + self.sys_s
    }

    fn read(line: &Object) -> Result<Self, Failure> {
        Ok(Self {
            answered: line.num("answered")?,
            wall_s: line.num("wall_s")?,
            cards_per_s: line.num("cards_per_s")?,
            user_s: line.num("user_s")?,
            sys_s: line.num("sys_s")?,
            cpu_us_per_card: line.num("cpu_us_per_card")?,
            peak_rss_mib: line.num("peak_rss_kib")? / 1024.0,
        })
    }
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// One measured export.
#[derive(Debug)]
struct Export {
    cards: u64,
    wall_s: f64,
    cpu_s: f64,
    peak_rss_mib: f64,
}

/// A row of the table: figure, ours, baseline, target, verdict.
struct Row(String, String, String, String, Verdict);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Info,
    Met,
    Missed,
}

impl Verdict {
    fn of(met: bool) -> Self {
        if met {
            Verdict::Met
        } else {
            Verdict::Missed
        }
    }
    fn text(self) -> &'static str {
        match self {
            Verdict::Info => "",
            Verdict::Met => "met",
            Verdict::Missed => "MISSED",
        }
    }
}

pub fn run(options: &Options) -> Result<(), Failure> {
    let load_before = load_average();
    let bins = Binaries::build()?;
    let scratch = Scratch::new("bench")?;
    let numbers = scratch.file("numbers.txt");
    write_numbers(&bins.iotcard, options.cards, &numbers)?;

    let requests = options.cards.div_ceil(options.batch);
    let floor_numbers = scratch.file("numbers-floor.txt");
    let (ours, baseline, floor) = {
        let sim = SimProcess::start(
            &bins.iotcard,
            &SimSpec::clean(options.cards, options.latency_ms),
        )?;
        let (ours, baseline) = polls(&bins, &sim, &numbers, options.batch, options)?;
        // The same number of requests with one card each: what a request
        // costs whatever it carries (runtime, HTTP, kernel), and what the
        // latency allows when answers take no time to read.
        let floor = if options.quick {
            None
        } else {
            head(&numbers, requests, &floor_numbers)?;
            Some(polls(&bins, &sim, &floor_numbers, 1, options)?)
        };
        sim.stop();
        (ours, baseline, floor)
    };
    for (who, poll) in [("facade", &ours), ("baseline", &baseline)] {
        if poll.answered < options.cards as f64 {
            return Err(Failure::new(format!(
                "{who}: {} of {} cards answered; the figures would not be comparable",
                poll.answered, options.cards
            )));
        }
    }

    let exports = if options.quick {
        None
    } else {
        Some(exports(options, &bins, &scratch)?)
    };
    let load_after = load_average();

    let bound = (options.concurrency * options.batch) as f64 * 1000.0 / options.latency_ms as f64;
    let ratio = ours.cards_per_s / bound;
    let mut rows = table(options, bound, &ours, &baseline, exports.as_ref());
    if let Some(floor) = &floor {
        let at = rows
            .iter()
            .position(|r| r.0.starts_with("CPU per card, ours"))
            .map_or(rows.len(), |i| i + 1);
        let split = floor_rows(options, requests, (&ours, &baseline), floor);
        rows.splice(at..at, split);
    }
    println!(
        "\nend to end: N = {} cards, B = {}, C = {}, L = {} ms; bound C × B / L = {:.0} cards/s; \
         medians of {} interleaved polls per client",
        options.cards, options.batch, options.concurrency, options.latency_ms, bound, options.runs
    );
    println!(
        "machine: {}; load average before {load_before}, after {load_after}",
        machine()
    );
    print_table(&rows);

    if options.quick {
        return if ratio < QUICK_MIN_BOUND_RATIO {
            Err(Failure::new(format!(
                "throughput is {ratio:.2} of the bound, under the smoke floor {QUICK_MIN_BOUND_RATIO}"
            )))
        } else {
            println!("\nbench --quick: throughput {ratio:.2} of the bound (smoke floor {QUICK_MIN_BOUND_RATIO})");
            Ok(())
        };
    }
    let missed: Vec<&str> = rows
        .iter()
        .filter(|r| r.4 == Verdict::Missed)
        .map(|r| r.0.as_str())
        .collect();
    if missed.is_empty() {
        println!("\nbench: every target met");
        Ok(())
    } else {
        Err(Failure::new(format!(
            "targets missed: {}",
            missed.join("; ")
        )))
    }
}

/// `options.runs` polls of `numbers` per client at batch size `batch`,
/// interleaved; each client's medians.
fn polls(
    bins: &Binaries,
    sim: &SimProcess,
    numbers: &Path,
    batch: u64,
    options: &Options,
) -> Result<(Poll, Poll), Failure> {
    let (mut ours, mut baseline) = (Vec::new(), Vec::new());
    for _ in 0..options.runs {
        for (who, into) in [("facade", &mut ours), ("baseline", &mut baseline)] {
            let args = [
                who.to_owned(),
                "--numbers".into(),
                numbers.display().to_string(),
                "--batch".into(),
                batch.to_string(),
                "--concurrency".into(),
                options.concurrency.to_string(),
            ];
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            into.push(Poll::read(&bins.bench_line(sim, &args)?)?);
        }
    }
    Ok((Poll::median(&ours), Poll::median(&baseline)))
}

/// CPU split into what every request costs (measured at one card per
/// request) and what each card adds on top, for both clients.
fn floor_rows(
    options: &Options,
    requests: u64,
    at_b: (&Poll, &Poll),
    floor: &(Poll, Poll),
) -> Vec<Row> {
    let info =
        |name: &str, a: String, b: String| Row(name.into(), a, b, String::new(), Verdict::Info);
    let per_request = |p: &Poll| p.cpu_s() * 1e6 / requests as f64;
    let per_card = |p: &Poll, f: &Poll| (per_request(p) - per_request(f)) / options.batch as f64;
    let (ours, base) = (per_card(at_b.0, &floor.0), per_card(at_b.1, &floor.1));
    let floor_bound = options.concurrency as f64 * 1000.0 / options.latency_ms as f64;
    vec![
        info(
            "  of which per request (CPU µs/request at B = 1)",
            format!("{:.0}", per_request(&floor.0)),
            format!("{:.0}", per_request(&floor.1)),
        ),
        info(
            "  of which per card (µs, above the per-request cost)",
            format!("{ours:.2}"),
            format!("{base:.2}"),
        ),
        info(
            "  per-card part, ours / baseline",
            format!("{:.2}", ours / base),
            String::new(),
        ),
        info(
            "throughput / bound at B = 1 (the latency floor)",
            format!("{:.3}", floor.0.cards_per_s / floor_bound),
            format!("{:.3}", floor.1.cards_per_s / floor_bound),
        ),
    ]
}

/// The two exports (the smaller first) under `peak-rss`.
fn exports(options: &Options, bins: &Binaries, scratch: &Scratch) -> Result<[Export; 2], Failure> {
    let big = options.export_cards;
    let small = big / 10;
    let big_numbers = scratch.file("numbers-big.txt");
    let small_numbers = scratch.file("numbers-small.txt");
    write_numbers(&bins.iotcard, big, &big_numbers)?;
    head(&big_numbers, small, &small_numbers)?;
    let sim = SimProcess::start(
        &bins.iotcard,
        &SimSpec::clean(big, options.export_latency_ms),
    )?;
    let mut measured = Vec::new();
    for (cards, numbers) in [(small, &small_numbers), (big, &big_numbers)] {
        let out = scratch.file("export.jsonl");
        let errors = scratch.file("export.err");
        let line = bins.measured_export(
            &sim,
            (options.batch, options.concurrency),
            numbers,
            &out,
            &errors,
        )?;
        let written = count_lines(&out)?;
        let exit = line.num("exit_code").unwrap_or(-1.0);
        if exit != 0.0 || written != cards {
            let stderr = std::fs::read_to_string(&errors).unwrap_or_default();
            return Err(Failure::new(format!(
                "export of {cards} cards exited {exit} with {written} records:\n{}",
                stderr.lines().rev().take(5).collect::<Vec<_>>().join("\n")
            )));
        }
        measured.push(Export {
            cards,
            wall_s: line.num("wall_s")?,
            cpu_s: line.num("user_s")? + line.num("sys_s")?,
            peak_rss_mib: line.num("peak_rss_kib")? / 1024.0,
        });
        let _ = std::fs::remove_file(&out);
    }
    sim.stop();
    let mut measured = measured.into_iter();
    match (measured.next(), measured.next()) {
        (Some(small), Some(big)) => Ok([small, big]),
        _ => Err(Failure::new("the exports were not both measured")),
    }
}

fn table(
    options: &Options,
    bound: f64,
    ours: &Poll,
    baseline: &Poll,
    exports: Option<&[Export; 2]>,
) -> Vec<Row> {
    let info =
        |name: &str, a: String, b: String| Row(name.into(), a, b, String::new(), Verdict::Info);
    let ratio = ours.cards_per_s / bound;
    let cpu_vs = ours.cpu_us_per_card / baseline.cpu_us_per_card;
    let quick = options.quick;
    let judged = |met: bool| {
        if quick {
            Verdict::Info
        } else {
            Verdict::of(met)
        }
    };
    let mut rows = vec![
        info(
            "cards answered (fewest of the runs)",
            format!("{:.0}", ours.answered),
            format!("{:.0}", baseline.answered),
        ),
        info(
            "wall time (s)",
            format!("{:.2}", ours.wall_s),
            format!("{:.2}", baseline.wall_s),
        ),
        info(
            "cards/s",
            format!("{:.0}", ours.cards_per_s),
            format!("{:.0}", baseline.cards_per_s),
        ),
        Row(
            "throughput / bound C×B/L".into(),
            format!("{ratio:.3}"),
            format!("{:.3}", baseline.cards_per_s / bound),
            if quick {
                format!(">= {QUICK_MIN_BOUND_RATIO} (smoke)")
            } else {
                format!(">= {MIN_BOUND_RATIO}")
            },
            if quick {
                Verdict::of(ratio >= QUICK_MIN_BOUND_RATIO)
            } else {
                Verdict::of(ratio >= MIN_BOUND_RATIO)
            },
        ),
        info(
            "client user CPU (s)",
            format!("{:.3}", ours.user_s),
            format!("{:.3}", baseline.user_s),
        ),
        info(
            "client sys CPU (s)",
            format!("{:.3}", ours.sys_s),
            format!("{:.3}", baseline.sys_s),
        ),
        Row(
            "client CPU per card (µs)".into(),
            format!("{:.2}", ours.cpu_us_per_card),
            format!("{:.2}", baseline.cpu_us_per_card),
            format!("< {MAX_CPU_US_PER_CARD}"),
            judged(ours.cpu_us_per_card < MAX_CPU_US_PER_CARD),
        ),
        Row(
            "CPU per card, ours / baseline".into(),
            format!("{cpu_vs:.2}"),
            String::new(),
            format!("<= {MAX_CPU_VS_BASELINE}"),
            judged(cpu_vs <= MAX_CPU_VS_BASELINE),
        ),
        info(
            "client peak RSS (MiB)",
            format!("{:.1}", ours.peak_rss_mib),
            format!("{:.1}", baseline.peak_rss_mib),
        ),
    ];
    if let Some([small, big]) = exports {
        for e in [small, big] {
            rows.push(info(
                &format!(
                    "export {} cards: wall (s) / cards/s / CPU µs per card",
                    e.cards
                ),
                format!(
                    "{:.1} / {:.0} / {:.2}",
                    e.wall_s,
                    e.cards as f64 / e.wall_s,
                    e.cpu_s * 1e6 / e.cards as f64
                ),
                String::new(),
            ));
        }
        rows.push(info(
            &format!("export {} cards peak RSS (MiB)", small.cards),
            format!("{:.1}", small.peak_rss_mib),
            String::new(),
        ));
        rows.push(Row(
            format!("export {} cards peak RSS (MiB)", big.cards),
            format!("{:.1}", big.peak_rss_mib),
            String::new(),
            format!("< {MAX_EXPORT_RSS_MIB}"),
            Verdict::of(big.peak_rss_mib < MAX_EXPORT_RSS_MIB),
        ));
        let growth = big.peak_rss_mib / small.peak_rss_mib;
        rows.push(Row(
            format!("export peak RSS, {} / {} cards", big.cards, small.cards),
            format!("{growth:.2}"),
            String::new(),
            format!("<= {MAX_EXPORT_RSS_GROWTH}"),
            Verdict::of(growth <= MAX_EXPORT_RSS_GROWTH),
        ));
    }
    rows
}

fn print_table(rows: &[Row]) {
    let header = Row(
        "figure".into(),
        "iotcard".into(),
        "baseline".into(),
        "target".into(),
        Verdict::Info,
    );
    let width = |f: fn(&Row) -> &String| {
        rows.iter()
            .chain([&header])
            .map(|r| f(r).chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2, w3) = (
        width(|r| &r.0),
        width(|r| &r.1),
        width(|r| &r.2),
        width(|r| &r.3),
    );
    println!();
    for row in std::iter::once(&header).chain(rows) {
        let verdict = if std::ptr::eq(row, &header) {
            "verdict"
        } else {
            row.4.text()
        };
        println!(
            "  {:<w0$}  {:>w1$}  {:>w2$}  {:<w3$}  {verdict}",
            row.0, row.1, row.2, row.3
        );
    }
}

/// Cores, CPU model and memory, from /proc.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or_else(
            || "unknown".into(),
            |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0),
        );
    format!("{cores} × {model}, {memory} RAM")
}
