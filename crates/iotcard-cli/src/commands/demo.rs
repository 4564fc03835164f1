//! `demo`: starts the simulator in-process and runs a short tour of both
//! platforms through the very code paths of the other commands, printing
//! each command line, its output and its exit status.

use std::io::Write;

use clap::Parser;
use iotcard_sim::{IotbosCall, Outcome, SimCard, Simulator};

use super::sim::{environment, CaFile};
use crate::cli::{Cli, GlobalArgs, OutputFormat};
use crate::config::Env;
use crate::error::CliError;
use crate::exit::Exit;

/// Cards in the demo's fleet: enough to page, few enough to read.
const FLEET: u64 = 30;
/// A fixed seed, so the tour shows the same cards every time.
const SEED: u64 = 7;
/// A number no fleet holds.
const UNKNOWN: &str = "10640000000000";

/// One stop of the tour.
struct Step {
    say: &'static str,
    args: Vec<String>,
    expect: Exit,
    /// The format this step shows best in, unless `--output` was given.
    format: OutputFormat,
}

fn step(say: &'static str, args: &[&str], expect: Exit) -> Step {
    Step {
        say,
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        expect,
        format: OutputFormat::Table,
    }
}

impl Step {
    fn shown_as(mut self, format: OutputFormat) -> Self {
        self.format = format;
        self
    }
}

fn meaning(exit: Exit) -> &'static str {
    match exit {
        Exit::Success => "every card answered",
        Exit::Incomplete => "output complete, some cards not found or without data",
        Exit::Usage => "refused before anything was sent",
        Exit::Failed => "the platform or the network failed",
        Exit::Interrupted => "interrupted",
    }
}

/// A card every IoTBOS call answers in full, so the tour's first steps
/// show values rather than gaps.
fn fully_known(card: &SimCard) -> bool {
    IotbosCall::ALL
        .iter()
        .all(|call| card.outcome(*call) == Outcome::Found)
}

fn io_error(to: &str) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |source| CliError::WriteOutput {
        to: to.to_owned(),
        source,
    }
}

/// Runs the tour; exits 0 when every step ended as the tour expects.
pub async fn run(global: &GlobalArgs) -> Result<Exit, CliError> {
    let sim = Simulator::builder()
        .seed(SEED)
        .cards(FLEET)
        .start()
        .await
        .map_err(CliError::Simulator)?;
    let ca = CaFile::write(sim.ca_pem())?;
    let vars = environment(&sim, ca.path());
    let dir = tempfile::tempdir().map_err(io_error("a temporary directory"))?;
    let numbers_file = dir.path().join("numbers.txt");
    let fleet_file = dir.path().join("fleet.jsonl");
    let all: Vec<String> = sim.fleet().numbers().map(|n| n.to_string()).collect();
    std::fs::write(&numbers_file, all.join("\n") + "\n").map_err(io_error("numbers.txt"))?;

    let known: Vec<String> = sim
        .fleet()
        .cards()
        .filter(fully_known)
        .take(3)
        .map(|c| c.number().to_string())
        .collect();
    let first = known.first().cloned().unwrap_or_else(|| all[0].clone());
    let iccid = sim
        .fleet()
        .card(0)
        .map(|c| c.iccid().to_string())
        .unwrap_or_default();
    let numbers_path = numbers_file.display().to_string();
    let fleet_path = fleet_file.display().to_string();

    println!(
        "Started the built-in simulator: IoTBOS at {} (plain HTTP, as the platform documents) and \
         Tencent at {} (HTTPS, its CA in {}), {FLEET} cards. Every step below is a real `iotcard` \
         command run against it; `iotcard sim` runs the same simulator for you to try them.",
        sim.iotbos_url(),
        sim.tencent_url(),
        ca.path().display()
    );

    let mut usage = vec!["--provider", "iotbos", "usage"];
    usage.extend(known.iter().map(String::as_str));
    let steps = [
        step("IoTBOS: SMS and data used this month", &usage, Exit::Success),
        step(
            "IoTBOS: the tariff, money to the cent as the platform wrote it",
            &["--provider", "iotbos", "plan", &first],
            Exit::Success,
        ),
        step(
            "IoTBOS: all five calls merged into one record, as JSON",
            &["--provider", "iotbos", "card", &first],
            Exit::Success,
        )
        .shown_as(OutputFormat::Json),
        step(
            "A number that is not on the account gets a record that says so, and exit status 3",
            &["--provider", "iotbos", "status", &first, UNKNOWN],
            Exit::Incomplete,
        ),
        step("Tencent: the account", &["--provider", "tencent", "account"], Exit::Success),
        step(
            "Tencent: every China Unicom card, paged 20 at a time",
            &["--provider", "tencent", "cards", "--operator", "unicom"],
            Exit::Success,
        ),
        step(
            "Tencent: the plan as far as Tencent knows it (its API has no fee, SMS or overage prices)",
            &["--provider", "tencent", "plan", &iccid],
            Exit::Success,
        ),
        step(
            "IoTBOS cannot list cards: the command is refused before anything is sent",
            &["--provider", "iotbos", "cards"],
            Exit::Usage,
        ),
        step(
            "Export a full record of every card to a file (with a progress bar on a terminal)",
            &["--provider", "iotbos", "export", "--from", &numbers_path, "--out", &fleet_path],
            Exit::Success,
        )
        .shown_as(OutputFormat::Jsonl),
    ];

    let mut surprises = Vec::new();
    for step in steps {
        let exit = run_step(&step, global, &vars).await?;
        if exit != step.expect {
            surprises.push(format!(
                "`iotcard {}` ended with {}, expected {}",
                step.args.join(" "),
                exit.code(),
                step.expect.code()
            ));
        }
    }
    if let Ok(text) = std::fs::read_to_string(&fleet_file) {
        let first_line = text.lines().next().unwrap_or("");
        println!(
            "{} records in {fleet_path}; the first:\n{first_line}",
            text.lines().count()
        );
    }
    println!(
        "\nThat was the tour. Point iotcard at your own account with IOTCARD_IOTBOS_ACCOUNT and \
         IOTCARD_IOTBOS_PASSWORD, or IOTCARD_TENCENT_SDKAPPID and IOTCARD_TENCENT_APPKEY \
         (see `iotcard --help`)."
    );
    sim.shutdown().await;
    drop(ca);
    if surprises.is_empty() {
        Ok(Exit::Success)
    } else {
        Err(CliError::Demo(surprises.join("; ")))
    }
}

async fn run_step(
    step: &Step,
    global: &GlobalArgs,
    vars: &[(&'static str, String)],
) -> Result<Exit, CliError> {
    let format = global.output.unwrap_or(step.format);
    let format = match format {
        OutputFormat::Table => "table",
        OutputFormat::Json => "json",
        OutputFormat::Jsonl => "jsonl",
        OutputFormat::Csv => "csv",
    };
    let shown = if format == "table" {
        step.args.join(" ")
    } else {
        format!("{} --output {format}", step.args.join(" "))
    };
    println!("\n# {}\n$ iotcard {shown}", step.say);
    let argv = ["iotcard"]
        .into_iter()
        .chain(step.args.iter().map(String::as_str))
        .chain(["--output", format]);
    let cli = Cli::try_parse_from(argv).map_err(|e| CliError::Demo(e.to_string()))?;
    let _ = std::io::stdout().flush();
    let env = Env::from_pairs(vars.iter().map(|(k, v)| (*k, v.clone())));
    let exit = match super::execute(cli.global, cli.command, env).await {
        Ok(exit) => exit,
        Err(e) => {
            println!("iotcard: {e}");
            e.exit()
        }
    };
    println!("→ exit status {} ({})", exit.code(), meaning(exit));
    Ok(exit)
}
