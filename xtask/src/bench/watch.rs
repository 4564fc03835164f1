//! The watcher rows of `cargo xtask bench` (issue 15): the release
//! `iotcard watch --once` under `iotcard-bench peak-rss` over N / 10 and N
//! IoTBOS cards (L = 0) against one simulator with its DingTalk-shaped
//! robot, four rules (quota, expiry, status, silent) notifying it: wall
//! time, peak RSS, the N / (N / 10) RSS ratio, and the evaluation part of
//! the pass from the watcher's own log. Then `iotcard watch` as a daemon
//! over the N / 10 store, an hour between passes: once its first pass has
//! been evaluated, its CPU time over a window of idle seconds, and how
//! long SIGTERM takes to stop it.

use std::fs::File;
use std::io::{BufRead, BufReader, LineWriter, Write};
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::history::{inventory_add, tail};
use super::{head, write_numbers, Binaries, Object, Options, Row, Scratch, SimProcess, SimSpec};
use super::{json, Trio};
use crate::run::{self, Failure};

const MAX_WATCH_RSS_MIB: f64 = 128.0;
const MAX_WATCH_RSS_GROWTH: f64 = 1.2;
const MAX_EVALUATION_S: f64 = 2.0;
/// Idle CPU, percent of one core.
const MAX_IDLE_CPU_PERCENT: f64 = 1.0;
/// SIGTERM to exit.
const MAX_STOP_S: f64 = 10.0;
/// How long the daemon's first pass (sync and evaluation of N / 10 cards)
/// may take before the bench gives up on it.
const FIRST_PASS_TIMEOUT: Duration = Duration::from_secs(600);
/// After the first evaluation, before the idle window opens: the delivery
/// round that follows it and the store's housekeeping are not idling.
const SETTLE: Duration = Duration::from_secs(3);

/// The log messages (at `-v`, `--log-format json`) the rows are read from.
const PASS_ENDED: &str = "pass ended";
const RULES_EVALUATED: &str = "rules evaluated";

/// The config every watcher of the bench reads: an hour between passes
/// (the daemon's second pass never comes within the idle window), the
/// simulator's robot as the one notifier, and a rule of each card-level
/// kind the issue's targets name.
fn config_text(robot_url: &str, robot_secret: &str) -> String {
    let quoted = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    format!(
        "[watch]\n\
         interval = \"1h\"\n\
         \n\
         [notifiers.robot]\n\
         kind = \"dingtalk\"\n\
         url = {}\n\
         secret = {}\n\
         \n\
         [[rules]]\n\
         name = \"quota\"\n\
         kind = \"quota\"\n\
         thresholds = [80, 90, 100]\n\
         notify = [\"robot\"]\n\
         \n\
         [[rules]]\n\
         name = \"expiring\"\n\
         kind = \"expiry\"\n\
         within = \"30d\"\n\
         notify = [\"robot\"]\n\
         \n\
         [[rules]]\n\
         name = \"disabled\"\n\
         kind = \"status\"\n\
         status = \"disabled\"\n\
         notify = [\"robot\"]\n\
         \n\
         [[rules]]\n\
         name = \"silent\"\n\
         kind = \"silent\"\n\
         days = 7\n\
         notify = [\"robot\"]\n",
        quoted(robot_url),
        quoted(robot_secret)
    )
}

/// Writes the config to `path`, readable by its owner only (the watcher
/// warns about a config others can read).
fn write_config(path: &Path, sim: &SimProcess) -> Result<(), Failure> {
    let var = |key: &str| {
        sim.var(key).ok_or_else(|| {
            Failure::new(format!(
                "the simulator's line has no {key} (was it started with --robot?)"
            ))
        })
    };
    let text = config_text(
        var("IOTCARD_SIM_ROBOT_URL")?,
        var("IOTCARD_SIM_ROBOT_SECRET")?,
    );
    let write = |e: std::io::Error| Failure::new(format!("cannot write {}: {e}", path.display()));
    std::fs::write(path, text).map_err(write)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(write)?;
    }
    Ok(())
}

/// What one watcher run needs: the binaries, the simulator, the config,
/// the store and the request shape.
struct Setup<'a> {
    bins: &'a Binaries,
    sim: &'a SimProcess,
    config: &'a Path,
    batch: String,
    concurrency: String,
}

impl Setup<'_> {
    /// `iotcard --provider iotbos … -v --log-format json watch [--once]`
    /// on `store`, as arguments (after the program).
    fn watch_args(&self, store: &str, once: bool) -> Vec<String> {
        let mut args: Vec<String> = [
            "--provider",
            "iotbos",
            "--batch-size",
            &self.batch,
            "--concurrency",
            &self.concurrency,
            "-v",
            "--log-format",
            "json",
            "--config",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.push(self.config.display().to_string());
        args.extend(["--store".to_owned(), store.to_owned(), "watch".to_owned()]);
        if once {
            args.push("--once".into());
        }
        args
    }
}

/// One log line of the watcher, with when the bench read it.
#[derive(Clone, Debug)]
struct Logged {
    at: Instant,
    line: String,
}

/// What the reader of a watcher's standard error tells the bench as it
/// happens.
enum Heard {
    /// A `rules evaluated` event (the pass's last step).
    Evaluated,
    /// A line that says the pass or its evaluation went wrong.
    Problem(String),
}

/// Reads `stderr` to its end on a thread: every line written to `keep`
/// (a line at a time, so a failure's tail can be read while the watcher
/// still runs), the lines [`interesting`] kept with the instant each was
/// read, and each evaluation or problem sent on `heard`, when given, as
/// it comes. The watcher
/// writes each log line whole, unbuffered, so the instant a line is read
/// is within scheduling noise of the instant it was logged.
fn read_stderr(
    stderr: ChildStderr,
    keep: &Path,
    heard: Option<mpsc::Sender<Heard>>,
) -> Result<thread::JoinHandle<Vec<Logged>>, Failure> {
    let file = File::create(keep)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", keep.display())))?;
    Ok(thread::spawn(move || {
        let mut out = LineWriter::new(file);
        let mut kept = Vec::new();
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let at = run::now();
            let _ = writeln!(out, "{line}");
            let news = match message(&line).as_deref() {
                Some(RULES_EVALUATED) => Some(Heard::Evaluated),
                Some("pass failed" | "evaluation failed" | "not evaluated") => {
                    Some(Heard::Problem(line.clone()))
                }
                _ => None,
            };
            if let (Some(heard), Some(news)) = (&heard, news) {
                // The bench may have stopped listening (it gave up): fine.
                let _ = heard.send(news);
            }
            if interesting(&line) {
                kept.push(Logged { at, line });
            }
        }
        let _ = out.flush();
        kept
    }))
}

/// The `message` of a JSON log line (`None` for any other line).
fn message(line: &str) -> Option<String> {
    if !line.trim_start().starts_with('{') {
        return None;
    }
    match Object::parse(line, "a log line").ok()?.get("message") {
        Some(json::Value::Str(m)) => Some(m.clone()),
        _ => None,
    }
}

/// The lines the figures come from: the pass's end, the evaluation's end
/// and the command's own summary lines (`iotcard: watch …`).
fn interesting(line: &str) -> bool {
    line.starts_with("iotcard: watch")
        || matches!(message(line).as_deref(), Some(PASS_ENDED | RULES_EVALUATED))
}

/// The pass of one account as its log tells it.
#[derive(Debug, PartialEq)]
struct PassLog {
    /// `pass ended` to `rules evaluated`: reading the store's latest
    /// snapshots and alert state, the rules, and committing the changes
    /// with their outbox entries.
    evaluation_s: f64,
    /// Cards the evaluation read (`cards` of `rules evaluated`).
    cards: f64,
    /// Alert changes and notifications queued.
    transitions: f64,
    queued: f64,
    /// From `iotcard: watch: N notifications delivered`, when printed.
    delivered: Option<f64>,
}

impl PassLog {
    /// From the lines [`read_stderr`] kept, of a run that watched one
    /// account.
    fn read(lines: &[Logged]) -> Result<Self, Failure> {
        let find = |what: &str| {
            lines
                .iter()
                .find(|l| message(&l.line).as_deref() == Some(what))
                .ok_or_else(|| {
                    Failure::new(format!(
                        "the watcher logged no `{what}` event at -v (--log-format json)"
                    ))
                })
        };
        let ended = find(PASS_ENDED)?;
        let evaluated = find(RULES_EVALUATED)?;
        let fields = Object::parse(&evaluated.line, "the `rules evaluated` line")?;
        let delivered = lines.iter().find_map(|l| {
            l.line
                .strip_prefix("iotcard: watch: ")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        });
        Ok(Self {
            evaluation_s: evaluated
                .at
                .saturating_duration_since(ended.at)
                .as_secs_f64(),
            cards: fields.num("cards")?,
            transitions: fields.num("transitions")?,
            queued: fields.num("queued")?,
            delivered,
        })
    }
}

/// One measured `watch --once`.
#[derive(Debug)]
struct Once {
    cards: u64,
    wall_s: f64,
    cpu_s: f64,
    peak_rss_mib: f64,
    log: PassLog,
}

/// `watch --once` over `cards` cards in `store` under `peak-rss`, its
/// standard error read as it comes (kept in `errors`).
fn measured_once(
    setup: &Setup<'_>,
    store: &str,
    cards: u64,
    errors: &Path,
    discard: &Path,
) -> Result<Once, Failure> {
    let mut command = Command::new(&setup.bins.bench);
    command
        .arg("peak-rss")
        .arg("--stdout")
        .arg(discard)
        .arg("--")
        .arg(&setup.bins.iotcard)
        .args(setup.watch_args(store, true));
    setup.sim.point(&mut command);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    println!("$ {}", shown(&command));
    let mut child = command
        .spawn()
        .map_err(|e| Failure::new(format!("could not start iotcard-bench peak-rss: {e}")))?;
    let reader = match child.stderr.take() {
        Some(stderr) => read_stderr(stderr, errors, None)?,
        None => return Err(Failure::new("the watcher's standard error was not piped")),
    };
    let done = child
        .wait_with_output()
        .map_err(|e| Failure::new(format!("iotcard-bench peak-rss: {e}")))?;
    let lines = reader
        .join()
        .map_err(|_| Failure::new("the reader of the watcher's standard error panicked"))?;
    let stdout = String::from_utf8_lossy(&done.stdout);
    if !done.status.success() {
        return Err(Failure::new(format!(
            "iotcard-bench peak-rss exited with {}:\n{}",
            done.status,
            stdout.trim_end()
        )));
    }
    let line = Object::last_line(&stdout, "iotcard-bench peak-rss")?;
    // 0: every card answered; 3: some without data (the simulator's fleet
    // has such cards). 4 (a notification not delivered, or failures) or a
    // signal is a broken run.
    let exit = line.num("exit_code").unwrap_or(-1.0);
    if exit != 0.0 && exit != 3.0 {
        return Err(Failure::new(format!(
            "watch --once over {cards} cards exited {exit}:\n{}",
            tail(errors)
        )));
    }
    let log = PassLog::read(&lines).map_err(|e| {
        Failure::new(format!(
            "watch --once over {cards} cards: {e}:\n{}",
            tail(errors)
        ))
    })?;
    if log.cards != cards as f64 {
        return Err(Failure::new(format!(
            "watch --once evaluated {} cards of the {cards} synced",
            log.cards
        )));
    }
    Ok(Once {
        cards,
        wall_s: line.num("wall_s")?,
        cpu_s: line.num("user_s")? + line.num("sys_s")?,
        peak_rss_mib: line.num("peak_rss_kib")? / 1024.0,
        log,
    })
}

/// A watcher process the bench started: SIGKILLed if dropped still
/// running (the bench failed before its SIGTERM).
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The daemon between passes, and its stop.
#[derive(Debug)]
struct Idle {
    /// Seconds from start to its first `rules evaluated`.
    first_pass_s: f64,
    window_s: f64,
    /// CPU seconds (user + system, every thread) over the window.
    cpu_s: f64,
    rss_mib: f64,
    hwm_mib: f64,
    /// SIGTERM to exit, seconds; `None` when it had not exited after
    /// [`MAX_STOP_S`] (then it was killed).
    stopped_s: Option<f64>,
    exit_code: Option<i32>,
}

impl Idle {
    fn cpu_percent(&self) -> f64 {
        self.cpu_s / self.window_s * 100.0
    }
}

/// `iotcard watch` on `store` (already synced and evaluated once): its
/// first pass awaited, `window` of idling sampled from /proc, then SIGTERM.
fn idle(setup: &Setup<'_>, store: &str, window: Duration, errors: &Path) -> Result<Idle, Failure> {
    let mut command = Command::new(&setup.bins.iotcard);
    command.args(setup.watch_args(store, false));
    setup.sim.point(&mut command);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    println!("$ {} &", shown(&command));
    let started = run::now();
    let mut daemon = Daemon(
        command
            .spawn()
            .map_err(|e| Failure::new(format!("could not start iotcard watch: {e}")))?,
    );
    let pid = daemon.0.id();
    let (heard, hear) = mpsc::channel();
    let reader = match daemon.0.stderr.take() {
        Some(stderr) => read_stderr(stderr, errors, Some(heard))?,
        None => return Err(Failure::new("the watcher's standard error was not piped")),
    };
    let broken = |why: String| Failure::new(format!("iotcard watch: {why}:\n{}", tail(errors)));
    match hear.recv_timeout(FIRST_PASS_TIMEOUT) {
        Ok(Heard::Evaluated) => {}
        Ok(Heard::Problem(line)) => return Err(broken(format!("its first pass: {line}"))),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            return Err(broken(format!(
                "no `{RULES_EVALUATED}` within {}s",
                FIRST_PASS_TIMEOUT.as_secs()
            )))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            return Err(broken("exited before its first pass was evaluated".into()))
        }
    }
    let first_pass_s = started.elapsed().as_secs_f64();
    thread::sleep(SETTLE);
    let ticks_per_s = clock_ticks_per_second();
    let (before, opened) = (cpu_ticks(&proc_file(pid, "stat")?)?, run::now());
    thread::sleep(window);
    let after = cpu_ticks(&proc_file(pid, "stat")?)?;
    let window_s = opened.elapsed().as_secs_f64();
    let status = proc_file(pid, "status")?;
    let (rss_kib, hwm_kib) = (vm_kib(&status, "VmRSS")?, vm_kib(&status, "VmHWM")?);
    if let Ok(Some(exit)) = daemon.0.try_wait() {
        return Err(broken(format!("exited ({exit}) while it should idle")));
    }

    signal_term(pid)?;
    let asked = run::now();
    let limit = Duration::from_secs_f64(MAX_STOP_S);
    let (stopped_s, exit_code) = loop {
        match daemon.0.try_wait() {
            Ok(Some(exit)) => break (Some(asked.elapsed().as_secs_f64()), exit.code()),
            Ok(None) if asked.elapsed() >= limit => break (None, None),
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(Failure::new(format!("waiting for iotcard watch: {e}"))),
        }
    };
    // Killed here if SIGTERM did not stop it, so the reader sees the end.
    drop(daemon);
    let _ = reader.join();
    Ok(Idle {
        first_pass_s,
        window_s,
        cpu_s: after.saturating_sub(before) as f64 / ticks_per_s,
        rss_mib: rss_kib / 1024.0,
        hwm_mib: hwm_kib / 1024.0,
        stopped_s,
        exit_code,
    })
}

/// `command` as echoed: its program's file name and its arguments, never
/// its environment (which holds the simulator's credentials).
fn shown(command: &Command) -> String {
    let program = Path::new(command.get_program());
    std::iter::once(program.file_name().unwrap_or(program.as_os_str()))
        .chain(command.get_args())
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

fn proc_file(pid: u32, name: &str) -> Result<String, Failure> {
    let path = format!("/proc/{pid}/{name}");
    std::fs::read_to_string(&path).map_err(|e| Failure::new(format!("cannot read {path}: {e}")))
}

/// utime + stime of a `/proc/PID/stat` line, in clock ticks (fields 14
/// and 15; counted after the `(comm)`, which may hold spaces and
/// parentheses).
fn cpu_ticks(stat: &str) -> Result<u64, Failure> {
    let unreadable = || Failure::new(format!("unreadable /proc/PID/stat line: {stat:?}"));
    let after_comm = stat.rsplit_once(')').ok_or_else(unreadable)?.1;
    // Field 3 (state) is the first after the comm: utime is field 14.
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    let field = |n: usize| -> Result<u64, Failure> {
        fields
            .get(n - 3)
            .and_then(|f| f.parse().ok())
            .ok_or_else(unreadable)
    };
    Ok(field(14)? + field(15)?)
}

/// A `kB` line of `/proc/PID/status` (`VmRSS`, `VmHWM`), in KiB.
fn vm_kib(status: &str, key: &str) -> Result<f64, Failure> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| Failure::new(format!("no {key} in /proc/PID/status")))
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`; 100, Linux's
/// value on every common architecture, if getconf cannot say).
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .stderr(Stdio::null())
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .filter(|t: &f64| *t > 0.0)
        .unwrap_or(100.0)
}

/// SIGTERM to `pid` (std can only send SIGKILL).
fn signal_term(pid: u32) -> Result<(), Failure> {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| Failure::new(format!("could not run kill: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::new(format!("kill -TERM {pid} failed ({status})")))
    }
}

fn only(text: String) -> Trio<String> {
    Trio {
        cli: text,
        ..Trio::default()
    }
}

pub fn rows(options: &Options, bins: &Binaries, scratch: &Scratch) -> Result<Vec<Row>, Failure> {
    let big = options.watch_cards;
    let small = (big / 10).max(1);
    let big_numbers = scratch.file("watch-big.txt");
    let small_numbers = scratch.file("watch-small.txt");
    write_numbers(&bins.iotcard, big, &big_numbers)?;
    head(&big_numbers, small, &small_numbers)?;
    // The robot prints each digest it accepts: kept out of the table.
    let sim = SimProcess::start_with(
        &bins.iotcard,
        &SimSpec::clean(big, 0),
        &["--robot"],
        Some(&scratch.file("watch-sim.err")),
    )?;
    let config = scratch.file("watch.toml");
    write_config(&config, &sim)?;
    let setup = Setup {
        bins,
        sim: &sim,
        config: &config,
        batch: options.batch.to_string(),
        concurrency: options.concurrency.to_string(),
    };
    let errors = scratch.file("watch.err");
    let discard = scratch.file("watch.out");

    let mut runs = Vec::new();
    let mut stores = Vec::new();
    for (cards, numbers) in [(small, &small_numbers), (big, &big_numbers)] {
        let path = scratch.file(&format!("watch-{cards}.sqlite3"));
        let store = format!("sqlite://{}", path.display());
        inventory_add(bins, &sim, &store, numbers)?;
        runs.push(measured_once(&setup, &store, cards, &errors, &discard)?);
        stores.push((path, store));
    }
    // Again over the big store: the pass an operator's watcher makes every
    // interval, where few alerts change (the first fired a third of them).
    let again = match stores.get(1) {
        Some((_, store)) => measured_once(&setup, store, big, &errors, &discard)?,
        None => return Err(Failure::new("no big watcher store was made")),
    };
    // The daemon idles over the smaller store (its first pass syncs and
    // evaluates it again); the big one is not needed any more.
    if let Some((path, _)) = stores.get(1) {
        let _ = std::fs::remove_file(path);
    }
    let idle = match stores.first() {
        Some((_, store)) => idle(
            &setup,
            store,
            Duration::from_secs(options.idle_seconds),
            &errors,
        )?,
        None => return Err(Failure::new("no watcher store was made")),
    };
    sim.stop();
    for (path, _) in &stores {
        let _ = std::fs::remove_file(path);
    }
    let [small_run, big_run] = <[Once; 2]>::try_from(runs)
        .map_err(|_| Failure::new("the two watch --once runs were not both measured"))?;
    Ok(table(options.quick, &small_run, &big_run, &again, &idle))
}

fn table(quick: bool, small: &Once, big: &Once, again: &Once, idle: &Idle) -> Vec<Row> {
    // Without --quick every target is judged; with it, only the idle
    // figures, which do not depend on the fleet's size.
    let judged = |name: String, value: String, target: String, met: bool| {
        if quick {
            Row::info(&name, only(value))
        } else {
            Row::judged(&name, only(value.clone()), target, vec![(value, met)])
        }
    };
    // The big store's peak over both of its runs.
    let big_peak = big.peak_rss_mib.max(again.peak_rss_mib);
    let growth = big_peak / small.peak_rss_mib;
    let mut rows = Vec::new();
    for run in [small, big] {
        rows.push(Row::info(
            &format!(
                "watch --once {} cards (sync + 4 rules + robot): wall (s) / CPU (s)",
                run.cards
            ),
            only(format!("{:.2} / {:.2}", run.wall_s, run.cpu_s)),
        ));
        rows.push(Row::info(
            &format!(
                "watch --once {} cards: alert changes / queued / delivered",
                run.cards
            ),
            only(format!(
                "{:.0} / {:.0} / {}",
                run.log.transitions,
                run.log.queued,
                run.log
                    .delivered
                    .map_or_else(|| "?".to_owned(), |d| format!("{d:.0}"))
            )),
        ));
    }
    rows.push(Row::info(
        &format!(
            "rules evaluated over {} cards (s; log `{PASS_ENDED}` to `{RULES_EVALUATED}`)",
            small.cards
        ),
        only(format!("{:.2}", small.log.evaluation_s)),
    ));
    rows.push(judged(
        format!(
            "rules evaluated over {} cards (s; log `{PASS_ENDED}` to `{RULES_EVALUATED}`)",
            big.cards
        ),
        format!("{:.2}", big.log.evaluation_s),
        format!("<= {MAX_EVALUATION_S}"),
        big.log.evaluation_s <= MAX_EVALUATION_S,
    ));
    rows.push(Row::info(
        &format!(
            "watch --once {} cards again: wall (s) / alert changes / queued",
            again.cards
        ),
        only(format!(
            "{:.2} / {:.0} / {:.0}",
            again.wall_s, again.log.transitions, again.log.queued
        )),
    ));
    rows.push(judged(
        format!(
            "rules evaluated over {} cards, the pass after (s)",
            again.cards
        ),
        format!("{:.2}", again.log.evaluation_s),
        format!("<= {MAX_EVALUATION_S}"),
        again.log.evaluation_s <= MAX_EVALUATION_S,
    ));
    rows.push(Row::info(
        &format!("watch --once {} cards peak RSS (MiB)", small.cards),
        only(format!("{:.1}", small.peak_rss_mib)),
    ));
    rows.push(judged(
        format!("watch --once {} cards peak RSS (MiB)", big.cards),
        format!("{big_peak:.1}"),
        format!("<= {MAX_WATCH_RSS_MIB}"),
        big_peak <= MAX_WATCH_RSS_MIB,
    ));
    rows.push(judged(
        format!("watch peak RSS, {} / {} cards", big.cards, small.cards),
        format!("{growth:.2}"),
        format!("<= {MAX_WATCH_RSS_GROWTH}"),
        growth <= MAX_WATCH_RSS_GROWTH,
    ));
    rows.push(Row::info(
        &format!("watch daemon over {} cards: first pass (s)", small.cards),
        only(format!("{:.2}", idle.first_pass_s)),
    ));
    let percent = idle.cpu_percent();
    rows.push(Row::judged(
        &format!(
            "idle between passes: CPU over {:.0} s (% of one core)",
            idle.window_s
        ),
        only(format!("{percent:.2}")),
        format!("< {MAX_IDLE_CPU_PERCENT}"),
        vec![(format!("{percent:.2}"), percent < MAX_IDLE_CPU_PERCENT)],
    ));
    rows.push(Row::info(
        "idle: RSS / high-water mark (MiB)",
        only(format!("{:.1} / {:.1}", idle.rss_mib, idle.hwm_mib)),
    ));
    let (stop_text, stopped) = match (idle.stopped_s, idle.exit_code) {
        (Some(s), Some(code)) => (format!("{s:.2} (exit {code})"), s <= MAX_STOP_S),
        (Some(s), None) => (format!("{s:.2} (killed by a signal)"), false),
        (None, _) => (format!("not stopped after {MAX_STOP_S} s"), false),
    };
    rows.push(Row::judged(
        "SIGTERM to exit (s)",
        only(stop_text.clone()),
        format!("<= {MAX_STOP_S}, exit 130"),
        vec![(stop_text, stopped && idle.exit_code == Some(130))],
    ));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::Verdict;

    #[test]
    fn cpu_ticks_are_utime_and_stime_whatever_the_command_name() {
        let stat = "4242 (iotcard (x) y) S 1 4242 4242 0 -1 4194560 2875 0 0 0 \
                    731 112 0 0 20 0 9 0 123456 30000000 4000 18446744073709551615";
        assert_eq!(cpu_ticks(stat).unwrap(), 843);
        assert!(cpu_ticks("4242 (iotcard) S 1 2").is_err());
        assert!(cpu_ticks("no comm here").is_err());
    }

    #[test]
    fn cpu_ticks_grow_while_a_process_computes() {
        let ticks = || cpu_ticks(&std::fs::read_to_string("/proc/self/stat").unwrap()).unwrap();
        let (before, started) = (ticks(), run::now());
        // Busy until a tick is charged (or 20 s of wall on a crowded host).
        let mut spun = 0u64;
        while ticks() == before && started.elapsed() < Duration::from_secs(20) {
            spun = spun.wrapping_add(std::hint::black_box(spun) | 1);
        }
        assert!(ticks() > before, "no CPU tick charged after {spun} spins");
    }

    #[test]
    fn vm_lines_are_read_in_kib() {
        let status = "Name:\tiotcard\nVmHWM:\t   93120 kB\nVmRSS:\t   40960 kB\n";
        assert_eq!(vm_kib(status, "VmRSS").unwrap(), 40960.0);
        assert_eq!(vm_kib(status, "VmHWM").unwrap(), 93120.0);
        assert!(vm_kib(status, "VmSwap").is_err());
    }

    fn logged(at: Instant, line: &str) -> Logged {
        Logged {
            at,
            line: line.to_owned(),
        }
    }

    #[test]
    fn the_evaluation_is_read_from_the_pass_end_to_the_rules_evaluated() {
        let t0 = run::now();
        let ended = r#"{"timestamp":"x","level":"INFO","message":"pass ended","asked":100,"span":{"profile":"default/iotbos","name":"pass"}}"#;
        let evaluated = r#"{"timestamp":"x","level":"INFO","message":"rules evaluated","cards":100,"transitions":7,"notifying":7,"queued":2,"spans":[{"name":"pass"}]}"#;
        let lines = [
            logged(t0, ended),
            logged(t0 + Duration::from_millis(1500), evaluated),
            logged(
                t0 + Duration::from_millis(1600),
                "iotcard: watch: 2 notifications delivered",
            ),
        ];
        assert!(lines.iter().all(|l| interesting(&l.line)));
        assert!(!interesting(r#"{"message":"watching","accounts":1}"#));
        assert_eq!(
            PassLog::read(&lines).unwrap(),
            PassLog {
                evaluation_s: 1.5,
                cards: 100.0,
                transitions: 7.0,
                queued: 2.0,
                delivered: Some(2.0),
            }
        );
        let e = PassLog::read(&lines[..1]).unwrap_err().to_string();
        assert!(e.contains("no `rules evaluated`"), "{e}");
    }

    #[test]
    fn the_config_quotes_what_it_is_given() {
        let text = config_text("http://127.0.0.1:1/robot/send?access_token=a\"b", "SEC\\x");
        assert!(text.contains(r#"url = "http://127.0.0.1:1/robot/send?access_token=a\"b""#));
        assert!(text.contains(r#"secret = "SEC\\x""#));
        for kind in ["quota", "expiry", "status", "silent"] {
            assert!(text.contains(&format!("kind = \"{kind}\"")), "{kind}");
        }
    }

    fn once(cards: u64, peak_rss_mib: f64, evaluation_s: f64) -> Once {
        Once {
            cards,
            wall_s: 10.0,
            cpu_s: 8.0,
            peak_rss_mib,
            log: PassLog {
                evaluation_s,
                cards: cards as f64,
                transitions: 10.0,
                queued: 4.0,
                delivered: Some(4.0),
            },
        }
    }

    fn idling(cpu_s: f64, stopped_s: Option<f64>, exit_code: Option<i32>) -> Idle {
        Idle {
            first_pass_s: 5.0,
            window_s: 20.0,
            cpu_s,
            rss_mib: 40.0,
            hwm_mib: 90.0,
            stopped_s,
            exit_code,
        }
    }

    fn missed(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .filter(|r| r.verdict == Verdict::Missed)
            .map(|r| r.name.clone())
            .collect()
    }

    #[test]
    fn the_targets_are_judged_against_their_limits() {
        let good = table(
            false,
            &once(100_000, 80.0, 0.2),
            &once(1_000_000, 90.0, 1.9),
            &once(1_000_000, 91.0, 1.2),
            &idling(0.1, Some(0.4), Some(130)),
        );
        assert_eq!(missed(&good), Vec::<String>::new());
        assert_eq!(good.iter().filter(|r| r.verdict == Verdict::Met).count(), 6);
        let bad = table(
            false,
            &once(100_000, 80.0, 0.2),
            &once(1_000_000, 130.0, 2.1),
            &once(1_000_000, 100.0, 2.5),
            &idling(0.2, None, None),
        );
        assert_eq!(
            missed(&bad),
            [
                "rules evaluated over 1000000 cards (s; log `pass ended` to `rules evaluated`)",
                "rules evaluated over 1000000 cards, the pass after (s)",
                "watch --once 1000000 cards peak RSS (MiB)",
                "watch peak RSS, 1000000 / 100000 cards",
                "idle between passes: CPU over 20 s (% of one core)",
                "SIGTERM to exit (s)",
            ]
        );
        // An exit other than 130 (the interrupted pass) misses too.
        let wrong_exit = table(
            false,
            &once(100_000, 80.0, 0.2),
            &once(1_000_000, 90.0, 1.0),
            &once(1_000_000, 90.0, 1.0),
            &idling(0.1, Some(0.4), Some(0)),
        );
        assert_eq!(missed(&wrong_exit), ["SIGTERM to exit (s)"]);
    }

    #[test]
    fn quick_judges_only_the_idle_figures() {
        let rows = table(
            true,
            &once(2_000, 30.0, 0.01),
            &once(20_000, 60.0, 5.0),
            &once(20_000, 60.0, 5.0),
            &idling(0.1, Some(0.4), Some(130)),
        );
        assert_eq!(missed(&rows), Vec::<String>::new());
        let judged: Vec<&str> = rows
            .iter()
            .filter(|r| r.verdict != Verdict::Info)
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(
            judged,
            [
                "idle between passes: CPU over 20 s (% of one core)",
                "SIGTERM to exit (s)"
            ]
        );
    }
}
