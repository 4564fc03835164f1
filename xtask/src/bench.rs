//! `cargo xtask bench`: the end-to-end figures of issues 6 and 11.
//!
//! The simulator runs in its own process with added latency L; the
//! facade (`iotcard-bench facade`), a hand-written reqwest +
//! `serde_json::Value` client (`iotcard-bench baseline`) and the command
//! itself (`iotcard usage -` under `iotcard-bench peak-rss`, the numbers on
//! its standard input, its JSON lines to a file that is checked card by card)
//! poll the same N cards with the same batch size B and concurrency C, in
//! turn, against that one simulator. Then (not with `--quick`)
//! `iotcard export` runs over 100,000 and 1,000,000 cards under
//! `iotcard-bench peak-rss`.

mod history;
pub mod json;
mod sim;
mod watch;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub use json::Object;
pub use sim::{write_numbers, Faults, Scratch, SimProcess, SimSpec};

use crate::run::{self, Failure};

/// The figures' targets (issue 6; issue 11 holds the CLI to the first two
/// and the facade's CPU ratio to every run, not the median).
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
    /// IoTBOS cards the fleet history rows sync (issue 14); a tenth of
    /// them for the RSS ratio and the file size.
    pub history_cards: u64,
    /// IoTBOS cards the watcher rows watch (issue 15); a tenth of them for
    /// the RSS ratio and the idle daemon.
    pub watch_cards: u64,
    /// How long the idle daemon's CPU is sampled, seconds.
    pub idle_seconds: u64,
    /// `--only watch`: the watcher rows alone (no polls, exports or
    /// history rows).
    pub only_watch: bool,
    /// Polls per client, interleaved (facade, baseline, CLI, facade, …);
    /// the table gives each figure's median, and the facade's CPU ratio to
    /// the baseline must hold in every round.
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
            history_cards: if quick { 20_000 } else { 1_000_000 },
            watch_cards: if quick { 20_000 } else { 1_000_000 },
            idle_seconds: if quick { 10 } else { 20 },
            only_watch: false,
            runs: if quick { 1 } else { 3 },
        };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            let slot = match flag.as_str() {
                "--quick" => continue,
                "--only" => match rest.next().map(String::as_str) {
                    Some("watch") => {
                        options.only_watch = true;
                        continue;
                    }
                    other => {
                        return Err(Failure::new(format!(
                            "bench: --only takes `watch`, not {other:?}"
                        )))
                    }
                },
                "--watch-cards" => &mut options.watch_cards,
                "--idle-seconds" => &mut options.idle_seconds,
                "--cards" => &mut options.cards,
                "--batch" => &mut options.batch,
                "--concurrency" => &mut options.concurrency,
                "--latency-ms" => &mut options.latency_ms,
                "--export-cards" => &mut options.export_cards,
                "--export-latency-ms" => &mut options.export_latency_ms,
                "--history-cards" => &mut options.history_cards,
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
        if options.watch_cards < 10 || options.idle_seconds == 0 {
            return Err(Failure::new(
                "bench: --watch-cards must be at least 10 and --idle-seconds at least 1",
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

    /// `iotcard --provider iotbos --batch-size B --concurrency C --output
    /// jsonl usage -` under `iotcard-bench peak-rss`, reading `numbers` on
    /// its standard input and writing its records to `out`, its standard
    /// error kept in `stderr`.
    pub fn measured_cli(
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
            .arg("peak-rss")
            .arg("--stdin")
            .arg(numbers)
            .arg("--stdout")
            .arg(out)
            .arg("--")
            .arg(&self.iotcard)
            .args(["--provider", "iotbos"])
            .args(["--batch-size", &batch.to_string()])
            .args(["--concurrency", &concurrency.to_string()])
            .args(["--output", "jsonl", "usage", "-"]);
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

/// The three clients, in the order each round polls them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Client {
    /// `iotcard-bench facade`: one `IotbosClient::usage` call.
    Facade,
    /// `iotcard-bench baseline`: reqwest + `serde_json::Value`.
    Baseline,
    /// `iotcard usage -`: the command, numbers on its standard input, JSON
    /// lines to a file.
    Cli,
}

impl Client {
    const ALL: [Client; 3] = [Client::Facade, Client::Baseline, Client::Cli];

    fn name(self) -> &'static str {
        match self {
            Client::Facade => "facade",
            Client::Baseline => "baseline",
            Client::Cli => "CLI",
        }
    }
}

/// One value per client.
#[derive(Clone, Debug, Default, PartialEq)]
struct Trio<T> {
    facade: T,
    cli: T,
    baseline: T,
}

impl<T> Trio<T> {
    fn map<U>(&self, f: impl Fn(&T) -> U) -> Trio<U> {
        Trio {
            facade: f(&self.facade),
            cli: f(&self.cli),
            baseline: f(&self.baseline),
        }
    }

    fn get(&self, client: Client) -> &T {
        match client {
            Client::Facade => &self.facade,
            Client::Baseline => &self.baseline,
            Client::Cli => &self.cli,
        }
    }

    fn get_mut(&mut self, client: Client) -> &mut T {
        match client {
            Client::Facade => &mut self.facade,
            Client::Baseline => &mut self.baseline,
            Client::Cli => &mut self.cli,
        }
    }
}

/// One poll's figures.
#[derive(Clone, Debug, Default, PartialEq)]
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

    /// From the line `iotcard-bench facade|baseline` prints.
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

    /// From the line `iotcard-bench peak-rss` printed for a command that
    /// answered `cards` cards: its whole run (start-up, reading the numbers,
    /// writing the records) and its whole CPU.
    fn of_command(line: &Object, cards: u64) -> Result<Self, Failure> {
        let cards = cards as f64;
        let wall_s = line.num("wall_s")?;
        let (user_s, sys_s) = (line.num("user_s")?, line.num("sys_s")?);
        Ok(Self {
            answered: cards,
            wall_s,
            cards_per_s: cards / wall_s,
            user_s,
            sys_s,
            cpu_us_per_card: (user_s + sys_s) * 1e6 / cards,
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

/// The facade's CPU per card over the baseline's, for each round (the
/// facade and the baseline polled one after the other).
fn cpu_ratios(polls: &Trio<Vec<Poll>>) -> Vec<f64> {
    polls
        .facade
        .iter()
        .zip(&polls.baseline)
        .map(|(f, b)| f.cpu_us_per_card / b.cpu_us_per_card)
        .collect()
}

/// The non-blank lines of a numbers file, which must all differ (the CLI
/// writes one record per distinct card, so the check needs distinct cards).
fn read_numbers(path: &Path) -> Result<Vec<String>, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))?;
    let numbers: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let mut seen = HashSet::with_capacity(numbers.len());
    if let Some(repeat) = numbers.iter().find(|n| !seen.insert(n.as_str())) {
        return Err(Failure::new(format!(
            "{} lists {repeat} twice: the CLI's output could not be checked card by card",
            path.display()
        )));
    }
    Ok(numbers)
}

/// What the CLI's JSON lines held.
#[derive(Debug, PartialEq)]
struct Records {
    records: u64,
    /// Records with an `error` instead of a value (the simulator's fleet has
    /// cards without data and in undocumented states: `no_data`, `unknown`).
    errors: u64,
}

/// The `kind` of a record's `error` object (`not_found`, `failed`, …).
fn error_kind(error: &json::Value) -> Option<String> {
    let json::Value::Raw(text) = error else {
        return None;
    };
    match Object::parse(text, "an error").ok()?.get("kind") {
        Some(json::Value::Str(kind)) => Some(kind.clone()),
        _ => None,
    }
}

/// Checks the JSON lines of `iotcard usage` against the distinct cards
/// asked: exactly one record per card, each a JSON object whose `card` is
/// one asked, in the order asked (the README's contract), and none `failed`
/// (a card not answered). Says what is wrong, with the first example of each
/// fault.
fn check_records(reader: impl BufRead, expected: &[String]) -> Result<Records, String> {
    let index: HashMap<&str, usize> = expected
        .iter()
        .enumerate()
        .map(|(i, card)| (card.as_str(), i))
        .collect();
    let mut seen = vec![false; expected.len()];
    let (mut records, mut errors, mut failed) = (0u64, 0u64, 0u64);
    let (mut repeated, mut unexpected) = (0u64, 0u64);
    let (mut first_repeat, mut first_unexpected, mut first_misplaced) = (None, None, None);
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| format!("cannot read the output: {e}"))?;
        let object = Object::parse(&line, &format!("output line {}", i + 1))
            .map_err(|failure| failure.to_string())?;
        let Some(json::Value::Str(card)) = object.get("card") else {
            return Err(format!("output line {} has no `card`: {line}", i + 1));
        };
        records += 1;
        if let Some(error) = object.get("error") {
            errors += 1;
            failed += u64::from(error_kind(error).as_deref() == Some("failed"));
        }
        match index.get(card.as_str()) {
            Some(&at) if seen[at] => {
                repeated += 1;
                first_repeat.get_or_insert_with(|| card.clone());
            }
            Some(&at) => {
                seen[at] = true;
                if at != i {
                    first_misplaced.get_or_insert((i, card.clone()));
                }
            }
            None => {
                unexpected += 1;
                first_unexpected.get_or_insert_with(|| card.clone());
            }
        }
    }
    let missing = seen.iter().filter(|s| !**s).count();
    if missing > 0 || repeated > 0 || unexpected > 0 {
        let first_missing = seen.iter().position(|s| !*s).map(|i| expected[i].as_str());
        let example = |what: Option<&str>| what.map(|c| format!(", first {c}")).unwrap_or_default();
        return Err(format!(
            "{records} records for {} cards: {missing} missing{}, {repeated} repeated{}, \
             {unexpected} not asked for{}",
            expected.len(),
            example(first_missing),
            example(first_repeat.as_deref()),
            example(first_unexpected.as_deref()),
        ));
    }
    if let Some((line, card)) = first_misplaced {
        return Err(format!(
            "every card once, but not in the order asked: line {} is {card}, where {} was \
             asked",
            line + 1,
            expected[line]
        ));
    }
    if failed > 0 {
        return Err(format!(
            "{failed} of {records} records are `failed` (not answered)"
        ));
    }
    Ok(Records { records, errors })
}

/// One measured export.
#[derive(Debug)]
struct Export {
    cards: u64,
    wall_s: f64,
    cpu_s: f64,
    peak_rss_mib: f64,
}

/// A row of the table.
#[derive(Debug)]
struct Row {
    name: String,
    values: Trio<String>,
    target: String,
    verdict: Verdict,
    /// For a missed target: which figures missed it, with their values.
    missed: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Info,
    Met,
    Missed,
}

impl Row {
    fn info(name: &str, values: Trio<String>) -> Self {
        Row {
            name: name.into(),
            values,
            target: String::new(),
            verdict: Verdict::Info,
            missed: Vec::new(),
        }
    }

    /// A row with a target: `checks` are each judged figure's label (client
    /// and value) and whether it met the target.
    fn judged(
        name: &str,
        values: Trio<String>,
        target: String,
        checks: Vec<(String, bool)>,
    ) -> Self {
        let missed: Vec<String> = checks
            .into_iter()
            .filter(|(_, met)| !met)
            .map(|(label, _)| label)
            .collect();
        Row {
            name: name.into(),
            values,
            target,
            verdict: if missed.is_empty() {
                Verdict::Met
            } else {
                Verdict::Missed
            },
            missed,
        }
    }

    fn verdict_text(&self) -> String {
        match self.verdict {
            Verdict::Info => String::new(),
            Verdict::Met => "met".into(),
            Verdict::Missed => format!("MISSED: {}", self.missed.join(", ")),
        }
    }
}

/// Every poll of one set, per client, in the order run; each set runs
/// against one simulator.
type Polls = Trio<Vec<Poll>>;

pub fn run(options: &Options) -> Result<(), Failure> {
    if options.only_watch {
        return run_watch(options);
    }
    let load_before = load_average();
    let bins = Binaries::build()?;
    let scratch = Scratch::new("bench")?;
    let numbers = scratch.file("numbers.txt");
    write_numbers(&bins.iotcard, options.cards, &numbers)?;
    let cards = read_numbers(&numbers)?;
    if cards.len() as u64 != options.cards {
        return Err(Failure::new(format!(
            "`iotcard sim --list-numbers` wrote {} numbers, not {}",
            cards.len(),
            options.cards
        )));
    }

    let requests = options.cards.div_ceil(options.batch);
    let floor_numbers = scratch.file("numbers-floor.txt");
    let (at_b, floor) = {
        let sim = SimProcess::start(
            &bins.iotcard,
            &SimSpec::clean(options.cards, options.latency_ms),
        )?;
        let set = PollSet {
            bins: &bins,
            sim: &sim,
            scratch: &scratch,
            options,
        };
        let at_b = set.polls(&numbers, &cards, options.batch)?;
        // The same number of requests with one card each: what a request
        // costs whatever it carries (runtime, HTTP, kernel), and what the
        // latency allows when answers take no time to read.
        let floor = if options.quick {
            None
        } else {
            head(&numbers, requests, &floor_numbers)?;
            let floor_cards = read_numbers(&floor_numbers)?;
            Some(set.polls(&floor_numbers, &floor_cards, 1)?)
        };
        sim.stop();
        (at_b, floor)
    };
    let medians = at_b.map(|polls| Poll::median(polls));
    for client in [Client::Facade, Client::Baseline] {
        let answered = medians.get(client).answered;
        if answered < options.cards as f64 {
            return Err(Failure::new(format!(
                "{}: {answered} of {} cards answered; the figures would not be comparable",
                client.name(),
                options.cards
            )));
        }
    }

    let exports = if options.quick {
        None
    } else {
        Some(exports(options, &bins, &scratch)?)
    };
    let history_rows = history::rows(options, &bins, &scratch)?;
    let watch_rows = watch::rows(options, &bins, &scratch)?;
    let load_after = load_average();

    let bound = (options.concurrency * options.batch) as f64 * 1000.0 / options.latency_ms as f64;
    let mut rows = table(options, bound, &at_b, exports.as_ref());
    rows.extend(history_rows);
    rows.extend(watch_rows);
    if let Some(floor) = &floor {
        let at = rows
            .iter()
            .position(|r| r.name.starts_with("CPU per card, CLI / facade"))
            .map_or(rows.len(), |i| i + 1);
        let split = floor_rows(options, requests, &medians, &floor.map(|p| Poll::median(p)));
        rows.splice(at..at, split);
    }
    println!(
        "\nend to end: N = {} cards, B = {}, C = {}, L = {} ms; bound C × B / L = {:.0} cards/s; \
         medians of {} interleaved polls per client (facade, baseline, CLI in turn, one simulator)",
        options.cards, options.batch, options.concurrency, options.latency_ms, bound, options.runs
    );
    println!(
        "machine: {}; load average before {load_before}, after {load_after}",
        machine()
    );
    println!(
        "CLI: `iotcard --provider iotbos --batch-size {} --concurrency {} --output jsonl usage -`, \
         the numbers on its standard input, its records to a file; its whole process timed \
         (start-up, reading, JSON lines)",
        options.batch, options.concurrency
    );
    print_table(&rows);
    print_runs(&at_b, bound);
    fail_on_missed(&rows)?;
    if options.quick {
        println!(
            "\nbench --quick: throughput {:.2} (facade) and {:.2} (CLI) of the bound (smoke floor \
             {QUICK_MIN_BOUND_RATIO}); the other targets are judged without --quick",
            medians.facade.cards_per_s / bound,
            medians.cli.cards_per_s / bound
        );
    } else {
        println!("\nbench: every target met");
    }
    Ok(())
}

/// `bench --only watch`: the watcher rows alone.
fn run_watch(options: &Options) -> Result<(), Failure> {
    let load_before = load_average();
    let bins = Binaries::build()?;
    let scratch = Scratch::new("bench-watch")?;
    let rows = watch::rows(options, &bins, &scratch)?;
    println!(
        "\nwatcher: `iotcard watch --once` over {} and {} IoTBOS cards (L = 0, B = {}, C = {}), \
         4 rules, the simulator's robot; then the daemon over {} cards, idle {} s",
        options.watch_cards / 10,
        options.watch_cards,
        options.batch,
        options.concurrency,
        options.watch_cards / 10,
        options.idle_seconds
    );
    println!(
        "machine: {}; load average before {load_before}, after {}",
        machine(),
        load_average()
    );
    print_table(&rows);
    fail_on_missed(&rows)?;
    println!(
        "\nbench --only watch: {}",
        if options.quick {
            "the idle targets met; the size targets are judged without --quick"
        } else {
            "every target met"
        }
    );
    Ok(())
}

/// A failure listing every missed target, if any was.
fn fail_on_missed(rows: &[Row]) -> Result<(), Failure> {
    let missed: Vec<String> = rows
        .iter()
        .filter(|r| r.verdict == Verdict::Missed)
        .map(|r| format!("{} (target {}): {}", r.name, r.target, r.missed.join(", ")))
        .collect();
    if missed.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "targets missed:\n  {}",
            missed.join("\n  ")
        )))
    }
}

/// What one set of polls runs against.
struct PollSet<'a> {
    bins: &'a Binaries,
    sim: &'a SimProcess,
    scratch: &'a Scratch,
    options: &'a Options,
}

impl PollSet<'_> {
    /// `options.runs` rounds of polls of `numbers` (the distinct `cards`)
    /// at batch size `batch`, each round polling every client in turn.
    fn polls(&self, numbers: &Path, cards: &[String], batch: u64) -> Result<Polls, Failure> {
        let mut polls = Polls::default();
        for _ in 0..self.options.runs {
            for client in Client::ALL {
                let poll = match client {
                    Client::Facade | Client::Baseline => self.bench_poll(client, numbers, batch)?,
                    Client::Cli => self.cli_poll(numbers, cards, batch)?,
                };
                polls.get_mut(client).push(poll);
            }
        }
        Ok(polls)
    }

    fn bench_poll(&self, client: Client, numbers: &Path, batch: u64) -> Result<Poll, Failure> {
        let args = [
            client.name().to_owned(),
            "--numbers".into(),
            numbers.display().to_string(),
            "--batch".into(),
            batch.to_string(),
            "--concurrency".into(),
            self.options.concurrency.to_string(),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Poll::read(&self.bins.bench_line(self.sim, &args)?)
    }

    /// `iotcard usage -` of `numbers` under `peak-rss`, its output checked
    /// card by card: a poll that loses, repeats or reorders a card, or
    /// exits non-zero, fails the bench.
    fn cli_poll(&self, numbers: &Path, cards: &[String], batch: u64) -> Result<Poll, Failure> {
        let out = self.scratch.file("cli.jsonl");
        let errors = self.scratch.file("cli.err");
        let line = self.bins.measured_cli(
            self.sim,
            (batch, self.options.concurrency),
            numbers,
            &out,
            &errors,
        )?;
        // 0: every card answered; 3: the output is complete, some cards
        // without data or in an undocumented state (the simulator's fleet
        // has such cards). Anything else (2 usage, 4 failed, a signal) is a
        // broken run. No exit code (killed by a signal) reads as -1.
        let exit = line.num("exit_code").unwrap_or(-1.0);
        let exit_ok = exit == 0.0 || exit == 3.0;
        let checked = File::open(&out)
            .map_err(|e| format!("cannot read {}: {e}", out.display()))
            .and_then(|file| check_records(BufReader::new(file), cards));
        let problem = match (&checked, exit_ok) {
            (Ok(_), true) => None,
            (Ok(records), false) => Some(format!(
                "exited {exit} ({} records, {} with an error)",
                records.records, records.errors
            )),
            (Err(why), true) => Some(why.clone()),
            (Err(why), false) => Some(format!("exited {exit}; {why}")),
        };
        if let Some(problem) = problem {
            let stderr = std::fs::read_to_string(&errors).unwrap_or_default();
            let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
            return Err(Failure::new(format!(
                "CLI `iotcard usage -` of {} cards at B = {batch}: {problem}\n{}",
                cards.len(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            )));
        }
        let _ = std::fs::remove_file(&out);
        Poll::of_command(&line, cards.len() as u64)
    }
}

/// CPU split into what every request costs (measured at one card per
/// request) and what each card adds on top, for every client.
fn floor_rows(options: &Options, requests: u64, at_b: &Trio<Poll>, floor: &Trio<Poll>) -> Vec<Row> {
    let per_request = |p: &Poll| p.cpu_s() * 1e6 / requests as f64;
    let per_card = |client: Client| {
        (per_request(at_b.get(client)) - per_request(floor.get(client))) / options.batch as f64
    };
    let per_card = Trio {
        facade: per_card(Client::Facade),
        cli: per_card(Client::Cli),
        baseline: per_card(Client::Baseline),
    };
    let floor_bound = options.concurrency as f64 * 1000.0 / options.latency_ms as f64;
    vec![
        Row::info(
            "  of which per request (CPU µs/request at B = 1)",
            floor.map(|p| format!("{:.0}", per_request(p))),
        ),
        Row::info(
            "  of which per card (µs, above the per-request cost)",
            per_card.map(|c| format!("{c:.2}")),
        ),
        Row::info(
            "  per-card part, facade / baseline",
            Trio {
                facade: format!("{:.2}", per_card.facade / per_card.baseline),
                ..Trio::default()
            },
        ),
        Row::info(
            "throughput / bound at B = 1 (the latency floor)",
            floor.map(|p| format!("{:.3}", p.cards_per_s / floor_bound)),
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

fn table(options: &Options, bound: f64, polls: &Polls, exports: Option<&[Export; 2]>) -> Vec<Row> {
    let m = polls.map(|p| Poll::median(p));
    let quick = options.quick;
    // Without --quick every target is judged; with it, only the smoke floor.
    let judged = |name: &str, values: Trio<String>, target: String, checks| {
        if quick {
            Row::info(name, values)
        } else {
            Row::judged(name, values, target, checks)
        }
    };
    let ratio = m.map(|p| p.cards_per_s / bound);
    let (floor, floor_text) = if quick {
        (
            QUICK_MIN_BOUND_RATIO,
            format!(">= {QUICK_MIN_BOUND_RATIO} (smoke; facade, CLI)"),
        )
    } else {
        (
            MIN_BOUND_RATIO,
            format!(">= {MIN_BOUND_RATIO} (facade, CLI)"),
        )
    };
    let ratios = cpu_ratios(polls);
    let worst = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let over: Vec<(String, bool)> = ratios
        .iter()
        .enumerate()
        .map(|(i, r)| (format!("run {} {r:.2}", i + 1), *r <= MAX_CPU_VS_BASELINE))
        .collect();
    let only = |client: Client, text: String| {
        let mut values = Trio::<String>::default();
        *values.get_mut(client) = text;
        values
    };
    let mut rows = vec![
        Row::info(
            "cards answered (fewest of the runs)",
            m.map(|p| format!("{:.0}", p.answered)),
        ),
        Row::info("wall time (s)", m.map(|p| format!("{:.2}", p.wall_s))),
        Row::info("cards/s", m.map(|p| format!("{:.0}", p.cards_per_s))),
        Row::judged(
            "throughput / bound C×B/L",
            ratio.map(|r| format!("{r:.3}")),
            floor_text,
            vec![
                (format!("facade {:.3}", ratio.facade), ratio.facade >= floor),
                (format!("CLI {:.3}", ratio.cli), ratio.cli >= floor),
            ],
        ),
        Row::info("client user CPU (s)", m.map(|p| format!("{:.3}", p.user_s))),
        Row::info("client sys CPU (s)", m.map(|p| format!("{:.3}", p.sys_s))),
        judged(
            "client CPU per card (µs; CLI: whole process, JSON lines written)",
            m.map(|p| format!("{:.2}", p.cpu_us_per_card)),
            format!("< {MAX_CPU_US_PER_CARD} (facade), <= {MAX_CPU_US_PER_CARD} (CLI)"),
            vec![
                (
                    format!("facade {:.2}", m.facade.cpu_us_per_card),
                    m.facade.cpu_us_per_card < MAX_CPU_US_PER_CARD,
                ),
                (
                    format!("CLI {:.2}", m.cli.cpu_us_per_card),
                    m.cli.cpu_us_per_card <= MAX_CPU_US_PER_CARD,
                ),
            ],
        ),
        Row::info(
            "CPU per card, facade / baseline (median of the runs)",
            only(Client::Facade, format!("{:.2}", median(ratios.clone()))),
        ),
        judged(
            &format!(
                "CPU per card, facade / baseline, worst run (of {})",
                ratios.len()
            ),
            only(Client::Facade, format!("{worst:.2}")),
            format!("<= {MAX_CPU_VS_BASELINE} in every run"),
            over,
        ),
        Row::info(
            "CPU per card, CLI / facade",
            only(
                Client::Cli,
                format!("{:.2}", m.cli.cpu_us_per_card / m.facade.cpu_us_per_card),
            ),
        ),
        Row::info(
            "client peak RSS (MiB)",
            m.map(|p| format!("{:.1}", p.peak_rss_mib)),
        ),
    ];
    if let Some([small, big]) = exports {
        for e in [small, big] {
            rows.push(Row::info(
                &format!(
                    "export {} cards: wall (s) / cards/s / CPU µs per card",
                    e.cards
                ),
                only(
                    Client::Cli,
                    format!(
                        "{:.1} / {:.0} / {:.2}",
                        e.wall_s,
                        e.cards as f64 / e.wall_s,
                        e.cpu_s * 1e6 / e.cards as f64
                    ),
                ),
            ));
        }
        rows.push(Row::info(
            &format!("export {} cards peak RSS (MiB)", small.cards),
            only(Client::Cli, format!("{:.1}", small.peak_rss_mib)),
        ));
        rows.push(Row::judged(
            &format!("export {} cards peak RSS (MiB)", big.cards),
            only(Client::Cli, format!("{:.1}", big.peak_rss_mib)),
            format!("< {MAX_EXPORT_RSS_MIB}"),
            vec![(
                format!("{:.1}", big.peak_rss_mib),
                big.peak_rss_mib < MAX_EXPORT_RSS_MIB,
            )],
        ));
        let growth = big.peak_rss_mib / small.peak_rss_mib;
        rows.push(Row::judged(
            &format!("export peak RSS, {} / {} cards", big.cards, small.cards),
            only(Client::Cli, format!("{growth:.2}")),
            format!("<= {MAX_EXPORT_RSS_GROWTH}"),
            vec![(format!("{growth:.2}"), growth <= MAX_EXPORT_RSS_GROWTH)],
        ));
    }
    rows
}

fn print_table(rows: &[Row]) {
    let header = Row::info(
        "figure",
        Trio {
            facade: "facade".into(),
            cli: "CLI".into(),
            baseline: "baseline".into(),
        },
    );
    let width = |f: &dyn Fn(&Row) -> &str| {
        rows.iter()
            .chain([&header])
            .map(|r| f(r).chars().count())
            .max()
            .unwrap_or(0)
    };
    let w = [
        width(&|r| &r.name),
        width(&|r| &r.values.facade),
        width(&|r| &r.values.cli),
        width(&|r| &r.values.baseline),
        width(&|r| &r.target),
    ];
    println!();
    for row in std::iter::once(&header).chain(rows) {
        let verdict = if std::ptr::eq(row, &header) {
            "verdict".into()
        } else {
            row.verdict_text()
        };
        println!(
            "  {:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}  {:<w4$}  {verdict}",
            row.name,
            row.values.facade,
            row.values.cli,
            row.values.baseline,
            row.target,
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3],
            w4 = w[4],
        );
    }
}

/// Every poll's throughput (share of the bound) and CPU per card, in the
/// order run, and the facade's CPU ratio to the baseline polled right after
/// it (the figure that must hold in every run).
fn print_runs(polls: &Polls, bound: f64) {
    println!("\neach run (throughput / bound, CPU µs per card):");
    let header = [
        "run",
        "facade",
        "µs/card",
        "CLI",
        "µs/card",
        "baseline",
        "µs/card",
        "facade / baseline CPU",
    ];
    let widths: Vec<usize> = header.iter().map(|h| h.chars().count().max(8)).collect();
    let header: Vec<String> = header
        .iter()
        .zip(&widths)
        .map(|(h, width)| format!("{h:>width$}"))
        .collect();
    println!("  {}", header.join("  "));
    for (i, ratio) in cpu_ratios(polls).iter().enumerate() {
        let mut cells = vec![format!("{}", i + 1)];
        for client in [Client::Facade, Client::Cli, Client::Baseline] {
            match polls.get(client).get(i) {
                Some(p) => {
                    cells.push(format!("{:.3}", p.cards_per_s / bound));
                    cells.push(format!("{:.2}", p.cpu_us_per_card));
                }
                None => cells.extend([String::new(), String::new()]),
            }
        }
        cells.push(format!("{ratio:.2}"));
        let line: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:>width$}"))
            .collect();
        println!("  {}", line.join("  "));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cards(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("10648000000{i:02}")).collect()
    }

    fn line(card: &str) -> String {
        format!(
            "{{\"card\":\"{card}\",\"sms_used\":6,\"data_used\":{{\"amount\":\"8359\",\"unit\":\"provider_unit\"}}}}\n"
        )
    }

    fn check(text: &str, expected: &[String]) -> Result<Records, String> {
        check_records(text.as_bytes(), expected)
    }

    #[test]
    fn the_cli_output_has_each_card_once_in_the_order_asked() {
        let asked = cards(3);
        let good: String = asked.iter().map(|c| line(c)).collect();
        assert_eq!(
            check(&good, &asked),
            Ok(Records {
                records: 3,
                errors: 0
            })
        );
        let with_error = format!(
            "{}{}{{\"card\":\"{}\",\"error\":{{\"kind\":\"not_found\",\"message\":\"x\"}}}}\n",
            line(&asked[0]),
            line(&asked[1]),
            asked[2]
        );
        assert_eq!(
            check(&with_error, &asked),
            Ok(Records {
                records: 3,
                errors: 1
            })
        );
        // A card the platform or the network failed was not answered.
        let with_failure = format!(
            "{}{{\"card\":\"{}\",\"error\":{{\"kind\":\"failed\",\"message\":\"timed out\"}}}}\n{}",
            line(&asked[0]),
            asked[1],
            line(&asked[2])
        );
        assert_eq!(
            check(&with_failure, &asked).unwrap_err(),
            "1 of 3 records are `failed` (not answered)"
        );
    }

    #[test]
    fn a_lost_repeated_foreign_or_moved_card_fails_the_check() {
        let asked = cards(3);
        let missing = format!("{}{}", line(&asked[0]), line(&asked[2]));
        assert_eq!(
            check(&missing, &asked).unwrap_err(),
            format!(
                "2 records for 3 cards: 1 missing, first {}, 0 repeated, 0 not asked for",
                asked[1]
            )
        );
        let repeated = format!(
            "{}{}{}{}",
            line(&asked[0]),
            line(&asked[1]),
            line(&asked[1]),
            line(&asked[2])
        );
        assert_eq!(
            check(&repeated, &asked).unwrap_err(),
            format!(
                "4 records for 3 cards: 0 missing, 1 repeated, first {}, 0 not asked for",
                asked[1]
            )
        );
        let foreign = format!(
            "{}{}{}{}",
            line(&asked[0]),
            line(&asked[1]),
            line("1064899999999"),
            line(&asked[2])
        );
        assert_eq!(
            check(&foreign, &asked).unwrap_err(),
            "4 records for 3 cards: 0 missing, 0 repeated, 1 not asked for, first 1064899999999"
        );
        let moved = format!("{}{}{}", line(&asked[0]), line(&asked[2]), line(&asked[1]));
        assert_eq!(
            check(&moved, &asked).unwrap_err(),
            format!(
                "every card once, but not in the order asked: line 2 is {}, where {} was asked",
                asked[2], asked[1]
            )
        );
        assert!(check("", &asked).unwrap_err().contains("3 missing"));
        let no_card = format!("{}{{\"num\":\"{}\"}}\n", line(&asked[0]), asked[1]);
        assert!(check(&no_card, &asked)
            .unwrap_err()
            .starts_with("output line 2 has no `card`"));
        let half = format!("{}{{\"card\":\"{}\",\"sms", line(&asked[0]), asked[1]);
        assert!(check(&half, &asked)
            .unwrap_err()
            .starts_with("output line 2 is not a JSON object"));
    }

    #[test]
    fn a_numbers_file_with_a_repeat_cannot_be_checked() {
        let dir =
            std::env::temp_dir().join(format!("iotcard-xtask-numbers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("numbers.txt");
        std::fs::write(&path, "1064800000001\n\n 1064800000002 \n").unwrap();
        assert_eq!(
            read_numbers(&path).unwrap(),
            ["1064800000001", "1064800000002"]
        );
        std::fs::write(&path, "1064800000001\n1064800000002\n1064800000001\n").unwrap();
        let e = read_numbers(&path).unwrap_err().to_string();
        assert!(e.contains("lists 1064800000001 twice"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn poll(share_of_bound: f64, cpu_us_per_card: f64) -> Poll {
        Poll {
            answered: 200_000.0,
            wall_s: 2.5,
            cards_per_s: share_of_bound * BOUND,
            user_s: 0.3,
            sys_s: 0.1,
            cpu_us_per_card,
            peak_rss_mib: 30.0,
        }
    }

    const BOUND: f64 = 80_000.0;

    /// Five rounds: the facade at 0.93 of the bound and 1.7 µs a card, the
    /// CLI at `cli_share` and 1.9 µs, the baseline at 0.92 and the given
    /// CPU per card, so the facade's ratio is 1.7 / baseline.
    fn rounds(cli_share: f64, baseline_cpu: [f64; 5]) -> Polls {
        Polls {
            facade: (0..5).map(|_| poll(0.93, 1.7)).collect(),
            cli: (0..5).map(|_| poll(cli_share, 1.9)).collect(),
            baseline: baseline_cpu.iter().map(|c| poll(0.92, *c)).collect(),
        }
    }

    fn options(quick: bool) -> Options {
        let args: Vec<String> = if quick {
            vec!["--quick".into()]
        } else {
            vec![]
        };
        Options::parse(&args).unwrap()
    }

    fn missed(rows: &[Row]) -> Vec<(String, Vec<String>)> {
        rows.iter()
            .filter(|r| r.verdict == Verdict::Missed)
            .map(|r| (r.name.clone(), r.missed.clone()))
            .collect()
    }

    #[test]
    fn every_target_met_is_no_failure() {
        let rows = table(&options(false), BOUND, &rounds(0.92, [3.6; 5]), None);
        assert_eq!(missed(&rows), []);
        let judged: Vec<&str> = rows
            .iter()
            .filter(|r| r.verdict == Verdict::Met)
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(
            judged,
            [
                "throughput / bound C×B/L",
                "client CPU per card (µs; CLI: whole process, JSON lines written)",
                "CPU per card, facade / baseline, worst run (of 5)",
            ]
        );
    }

    #[test]
    fn one_run_over_the_cpu_ratio_fails_though_the_median_is_under() {
        // Ratios 0.47, 0.49, 0.57, 0.45, 0.52: median 0.49, two runs over.
        let polls = rounds(
            0.92,
            [1.7 / 0.47, 1.7 / 0.49, 1.7 / 0.57, 1.7 / 0.45, 1.7 / 0.52],
        );
        assert!((median(cpu_ratios(&polls)) - 0.49).abs() < 1e-9);
        let rows = table(&options(false), BOUND, &polls, None);
        assert_eq!(
            missed(&rows),
            [(
                "CPU per card, facade / baseline, worst run (of 5)".to_owned(),
                vec!["run 3 0.57".to_owned(), "run 5 0.52".to_owned()]
            )]
        );
        let worst = rows.iter().find(|r| r.name.contains("worst run")).unwrap();
        assert_eq!(worst.values.facade, "0.57");
        assert_eq!(worst.verdict_text(), "MISSED: run 3 0.57, run 5 0.52");
    }

    #[test]
    fn the_cli_is_held_to_the_bound_and_the_cpu_per_card() {
        let mut polls = rounds(0.85, [3.6; 5]);
        for p in &mut polls.cli {
            p.cpu_us_per_card = 2.4;
        }
        let rows = table(&options(false), BOUND, &polls, None);
        assert_eq!(
            missed(&rows),
            [
                (
                    "throughput / bound C×B/L".to_owned(),
                    vec!["CLI 0.850".to_owned()]
                ),
                (
                    "client CPU per card (µs; CLI: whole process, JSON lines written)".to_owned(),
                    vec!["CLI 2.40".to_owned()]
                ),
            ]
        );
    }

    #[test]
    fn quick_judges_only_the_smoke_floor_for_the_facade_and_the_cli() {
        let mut polls = rounds(0.85, [1.7 / 0.6; 5]);
        for p in &mut polls.cli {
            p.cpu_us_per_card = 2.4;
        }
        // Over the CPU targets and under 0.9, but over the smoke floor.
        let rows = table(&options(true), BOUND, &polls, None);
        assert_eq!(missed(&rows), []);
        let judged: Vec<&str> = rows
            .iter()
            .filter(|r| r.verdict != Verdict::Info)
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(judged, ["throughput / bound C×B/L"]);
        // Under the smoke floor, the CLI alone fails it.
        let rows = table(&options(true), BOUND, &rounds(0.45, [3.6; 5]), None);
        assert_eq!(
            missed(&rows),
            [(
                "throughput / bound C×B/L".to_owned(),
                vec!["CLI 0.450".to_owned()]
            )]
        );
    }

    #[test]
    fn the_cli_poll_is_its_whole_process() {
        let line = Object::parse(
            r#"{"command":"iotcard","exit_code":0,"wall_s":2.5,"user_s":0.3,"sys_s":0.1,"peak_rss_kib":20480}"#,
            "test",
        )
        .unwrap();
        let p = Poll::of_command(&line, 200_000).unwrap();
        assert_eq!(p.cards_per_s, 80_000.0);
        assert!((p.cpu_us_per_card - 2.0).abs() < 1e-9);
        assert_eq!(p.peak_rss_mib, 20.0);
        assert_eq!(p.answered, 200_000.0);
    }
}
