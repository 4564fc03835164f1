//! The command line: every flag, command and help text (clap derive).

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::history_args::{
    FleetArgs, HistoryArgs, InventoryCommand, StoreCommand, SyncArgs, UsageReportArgs,
};
use crate::provider::Provider;
use crate::quantities::parse_duration;
#[cfg(feature = "simulator")]
use crate::quantities::parse_share_f64;
use crate::watch_args::{AlertsArgs, LogFormat, NotifyCommand, RulesCommand, WatchArgs};

const EXAMPLES: &str = "\
Examples:
  iotcard demo                                  # tour both platforms on the built-in simulator
  export IOTCARD_IOTBOS_ACCOUNT=me IOTCARD_IOTBOS_PASSWORD=…
  iotcard usage 1064804085884 1064804085885     # SMS and data used this month
  iotcard --provider tencent card 898602B7091701054333
  cut -d, -f1 numbers.csv | iotcard remaining - --output csv
  iotcard export --from numbers.txt --out fleet.jsonl
  iotcard --profile shop2 --provider tencent cards --operator unicom

Configuration comes from the environment (IOTCARD_PROVIDER, IOTCARD_IOTBOS_ENDPOINT, \
IOTCARD_IOTBOS_ACCOUNT, IOTCARD_IOTBOS_PASSWORD, IOTCARD_TENCENT_ENDPOINT, \
IOTCARD_TENCENT_SDKAPPID, IOTCARD_TENCENT_APPKEY, IOTCARD_CA_FILE), which wins over the \
config file (--config FILE, else IOTCARD_CONFIG, else $XDG_CONFIG_HOME/iotcard/config.toml). \
Passwords and appkeys are never accepted as flags.

Exit status: 0 every card answered; 3 output complete but some cards not found or without \
data; 2 bad usage or configuration (nothing was sent); 4 the platform or the network failed.";

const NUMBERS: &str = "\
Card numbers: IoTBOS takes its card numbers (the MSISDN, e.g. 1064804085884, or an \
all-digit ICCID). Tencent looks cards up by ICCID only (e.g. 898602B7091701054333); \
`iotcard --provider tencent cards` lists them. Give `-` to read numbers from standard \
input, one per line or comma-separated.";

/// `iotcard`: query and export the IoT SIM cards of an IoTBOS or Tencent IoT card account.
#[derive(Debug, Parser)]
#[command(
    name = "iotcard",
    version,
    about = "Query and export IoT SIM cards (物联网卡) on IoTBOS and Tencent IoT card",
    after_help = EXAMPLES,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options every command accepts, before or after its name.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before or after any command.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Card platform to use (needed only when both are configured)
    #[arg(long, global = true, value_enum, value_name = "PROVIDER")]
    pub provider: Option<Provider>,

    /// Named profile from the config file ([profiles.NAME.iotbos], [profiles.NAME.tencent]);
    /// `sync` and the history commands take it more than once
    #[arg(long, global = true, value_name = "NAME", action = ArgAction::Append)]
    pub profile: Vec<String>,

    /// Fleet history store: sqlite://PATH or postgres://USER@HOST/DB (default: $IOTCARD_STORE,
    /// else `store` in the config file, else $XDG_DATA_HOME/iotcard/history.sqlite3)
    #[arg(long, global = true, value_name = "URL")]
    pub store: Option<String>,

    /// Config file (default: $IOTCARD_CONFIG, else $XDG_CONFIG_HOME/iotcard/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Output format [default: table on a terminal, jsonl otherwise]
    #[arg(long, short = 'o', global = true, value_enum, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,

    /// Card numbers per IoTBOS request
    #[arg(long, global = true, value_name = "N")]
    pub batch_size: Option<NonZeroUsize>,

    /// Requests in flight at once
    #[arg(long, global = true, value_name = "N")]
    pub concurrency: Option<NonZeroUsize>,

    /// Ceiling on requests per second (e.g. 20, 0.5)
    #[arg(long, global = true, value_name = "REQ_PER_S", value_parser = parse_rate)]
    pub rate: Option<f64>,

    /// Per-request timeout: seconds, or with a unit (500ms, 30s, 2m)
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// More log lines on stderr: -v info, -vv debug, -vvv trace (RUST_LOG too)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// How log lines are written on stderr
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "FORMAT",
        default_value = "text"
    )]
    pub log_format: LogFormat,
}

/// How records are written.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for reading
    Table,
    /// One JSON array
    Json,
    /// One JSON object per line
    Jsonl,
    /// Comma-separated values with a header; nested fields as parent_child
    Csv,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// SMS and data used this period
    #[command(
        long_about = "SMS and data used this period.\n\n\
            IoTBOS: text messages and data used this month (data in the platform's own unit).\n\
            Tencent: data used this period, in MB; Tencent reports no SMS figures.",
        after_help = NUMBERS
    )]
    Usage(CardArgs),

    /// SMS and data left this period
    #[command(
        long_about = "SMS and data left this period (negative when overrun).\n\n\
            IoTBOS: text messages and data left this month.\n\
            Tencent: data left this period (total minus used, in MB); no SMS figures.",
        after_help = NUMBERS
    )]
    Remaining(CardArgs),

    /// Status and expiry date
    #[command(
        long_about = "Status and expiry date.\n\n\
            IoTBOS: the card's status and service expiry date (given only for active cards).\n\
            Tencent: the card's status and its plan's expiry.",
        after_help = NUMBERS
    )]
    Expiry(CardArgs),

    /// Current status (and network status on Tencent)
    #[command(
        long_about = "Current status.\n\n\
            IoTBOS: active, disabled, testing, silent, or the platform's own word.\n\
            Tencent: inactive, active or suspended, and whether the data network is on.",
        after_help = NUMBERS
    )]
    Status(CardArgs),

    /// Tariff: name, fee, included amounts, overage prices
    #[command(
        long_about = "The card's tariff.\n\n\
            IoTBOS: plan name, monthly fee, included SMS and data, SMS and data overage prices.\n\
            Tencent: only the product id, the pool id and the data total of the period; its API \
            has no plan name, fee, SMS allowance or overage prices, so those stay empty.",
        after_help = NUMBERS
    )]
    Plan(CardArgs),

    /// Everything about each card in one record
    #[command(
        long_about = "Everything about each card in one record.\n\n\
            IoTBOS: usage, remaining, expiry, status and plan merged per card (five calls).\n\
            Tencent: getcardinfo: ICCID, MSISDN, operator, kind, status, network, data used \
            and total this period, product, pool and expiry.",
        after_help = NUMBERS
    )]
    Card(CardArgs),

    /// Every card of the account, paged (Tencent only)
    #[command(
        long_about = "Every card of the account, 20 per request, in the platform's order.\n\n\
            Tencent only: the IoTBOS API has no call that lists cards.",
        after_help = "Examples:\n  iotcard --provider tencent cards\n  \
            iotcard --provider tencent cards --operator telecom --output csv > telecom.csv"
    )]
    Cards(CardsArgs),

    /// Account name and card counts per operator (Tencent only)
    #[command(
        long_about = "The account's name, description and card count per operator \
        (getappinfo).\n\nTencent only: the IoTBOS API has no account call."
    )]
    Account,

    /// A full record for every card, streamed, with progress
    #[command(
        long_about = "A full record (as `card` gives) for every card, streamed with bounded \
            memory.\n\n\
            IoTBOS: every number in --from FILE (one per line or comma-separated; `-` for \
            standard input).\n\
            Tencent: every card of the account (--from is not needed; with --from, the ICCIDs \
            in FILE).\n\n\
            A progress bar with rate and ETA shows on stderr when it is a terminal. Ctrl-C stops \
            the export: every record written so far is complete, and it says how far it got.",
        after_help = "Examples:\n  iotcard export --from numbers.txt --out fleet.jsonl\n  \
            iotcard --provider tencent export --output csv --out fleet.csv\n  \
            iotcard export --from - --batch-size 100 --concurrency 16 --rate 50 < numbers.txt"
    )]
    Export(ExportArgs),

    /// Run the built-in simulator of both platforms until Ctrl-C
    #[cfg(feature = "simulator")]
    #[command(
        long_about = "Run the built-in simulator of both platforms until Ctrl-C.\n\n\
            When ready it prints one JSON line on stdout whose keys are the IOTCARD_* \
            environment variables that point every other command at it.",
        after_help = "Examples:\n  iotcard sim --cards 1000 > sim.json &\n  \
            eval \"$(jq -r 'to_entries[] | \"export \\(.key)=\\(.value)\"' sim.json)\"\n  \
            iotcard sim --list-numbers | head -3 | iotcard usage -\n  \
            iotcard sim --latency-ms 20 --fail-5xx 10% --fail-429 2% --token-ttl 5"
    )]
    Sim(SimArgs),

    /// Start the simulator in-process and tour both platforms
    #[cfg(feature = "simulator")]
    Demo,

    /// Snapshot every card of the configured accounts into the history store
    #[command(
        long_about = "Snapshot every card of one or more accounts into the fleet history store.\n\n\
            Tencent: every card of the account, listed with its details.\n\
            IoTBOS: every card of the profile's inventory (`iotcard inventory add`), since its \
            API cannot list cards.\n\n\
            Answers are committed in batches as they come; Ctrl-C (or SIGTERM, or even kill -9) \
            keeps every committed batch and the run is recorded as interrupted. A progress bar \
            shows on a terminal; one summary line per account ends the run on stderr. Exit \
            status as the per-card commands.",
        after_help = "Examples:\n  iotcard sync                          # the default profile\n  \
            iotcard sync --profile shop1 --profile shop2\n  \
            iotcard sync --all-profiles --store postgres://iotcard@db/iotcard"
    )]
    Sync(SyncArgs),

    /// The cards `sync` asks IoTBOS about (IoTBOS cannot list its cards)
    #[command(
        subcommand,
        after_help = "Examples:\n  iotcard inventory add numbers.txt\n  \
            iotcard sim --list-numbers | iotcard inventory add --profile shop1 -\n  \
            iotcard inventory list"
    )]
    Inventory(InventoryCommand),

    /// The latest state of every card in the history store, filtered
    #[command(after_help = "Examples:\n  iotcard fleet --expiring-within 30d\n  \
        iotcard fleet --used-above 80% --operator mobile --output csv\n  \
        iotcard fleet --silent-for 7d --profile shop2")]
    Fleet(FleetArgs),

    /// One card over time: its snapshots, or its daily usage
    #[command(
        after_help = "Examples:\n  iotcard history 1064804085884 --since 2026-11-01\n  \
        iotcard history 898602B7091701054333 --daily"
    )]
    History(HistoryArgs),

    /// Data and SMS used in a month, with fees and overage costs where the platform gives prices
    #[command(
        long_about = "Data and SMS used in a month (China Standard Time days), per card, account, \
            operator or plan, from the history store.\n\n\
            Costs: the plan's monthly fee plus SMS and data beyond the plan's allowance at its \
            overage prices, exact to the last digit, where the platform gives prices (IoTBOS; \
            Tencent has none). The plan is the one in force at the card's latest snapshot.",
        after_help = "Examples:\n  iotcard usage-report --month 2026-11\n  \
            iotcard usage-report --month 2026-11 --by account --output csv"
    )]
    UsageReport(UsageReportArgs),

    /// A fleet report for a month: one self-contained HTML page with charts, or md/json/csv
    #[command(
        long_about = "A fleet report from the history store alone (no platform request): cards by \
            account, operator and status, added and gone; data and SMS used, per account and per \
            day, and the distribution of per-card use; the top cards by data, cards near or over \
            their allowance, silent and expiring cards; sync health; and the cost at the plans' \
            prices where the platform gives them (IoTBOS), exact to the cent.\n\n\
            HTML is one file: inline CSS and SVG charts, no script, no network fetch; it prints \
            on A4 and reads on a phone. Every figure in it equals the same figure in \
            `--format json`. The period is a calendar month in China Standard Time (the \
            default: the current one) or --since/--until.",
        after_help = "Examples:\n  iotcard report --month 2026-11 --out report.html\n  \
            iotcard report --month 2026-11 --format json\n  \
            iotcard report --since 2026-11-01T00:00:00+08:00 --until 2026-11-16T00:00:00+08:00 \
            --profile shop2 --format md"
    )]
    Report(ReportArgs),

    /// The history store itself: info, prune, migrate
    #[command(subcommand)]
    Store(StoreCommand),

    /// Sync every account on its schedule, evaluate the rules, deliver notifications
    #[command(
        long_about = "Sync every watched account on its schedule (`interval` under [watch], or a \
            profile's `watch_interval`, jittered), evaluate the [[rules]] after each pass, and \
            deliver what is due to the [notifiers.*] through the store's outbox.\n\n\
            SIGTERM or Ctrl-C finish the batch in flight and stop (the run is recorded as \
            interrupted); SIGHUP reloads the config file (a bad one is refused, logged, and the \
            running configuration kept). Several watchers may share a PostgreSQL store: each \
            account is synced by one at a time, under a lease (`lease_ttl`).",
        after_help = "Examples:\n  iotcard watch                       # every profile that configures a platform\n  \
            iotcard watch --once --profile acme  # one pass, for cron\n  \
            iotcard watch -v --log-format json"
    )]
    Watch(WatchArgs),

    /// Alert rules: check them, or replay them over the stored history
    #[command(
        subcommand,
        after_help = "Examples:\n  iotcard rules check\n  iotcard rules replay --since 30d --profile acme"
    )]
    Rules(RulesCommand),

    /// The alerts in the store: pending and firing
    #[command(after_help = "Examples:\n  iotcard alerts\n  iotcard alerts --firing --output csv")]
    Alerts(AlertsArgs),

    /// Notifiers: send a sample through one
    #[command(subcommand, after_help = "Example:\n  iotcard notify test ops")]
    Notify(NotifyCommand),

    /// Print shell completions
    #[command(
        after_help = "Example:\n  iotcard completions bash > ~/.local/share/bash-completion/completions/iotcard"
    )]
    Completions {
        /// The shell to write completions for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Card numbers for the per-card commands.
#[derive(Debug, Clone, Args)]
pub struct CardArgs {
    /// Card numbers, or `-` to read them from standard input
    #[arg(required = true, value_name = "NUM")]
    pub numbers: Vec<String>,
}

/// Options of `cards`.
#[derive(Debug, Clone, Args)]
pub struct CardsArgs {
    /// Only this operator's cards
    #[arg(long, value_enum, value_name = "OPERATOR")]
    pub operator: Option<OperatorArg>,
}

/// An operator as typed on the command line.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum OperatorArg {
    /// China Mobile (移动)
    Mobile,
    /// China Telecom (电信)
    Telecom,
    /// China Unicom (联通)
    Unicom,
}

impl From<OperatorArg> for iotcard_model::Operator {
    fn from(op: OperatorArg) -> Self {
        match op {
            OperatorArg::Mobile => iotcard_model::Operator::ChinaMobile,
            OperatorArg::Telecom => iotcard_model::Operator::ChinaTelecom,
            OperatorArg::Unicom => iotcard_model::Operator::ChinaUnicom,
        }
    }
}

/// Options of `export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// File of card numbers, one per line or comma-separated (`-` for standard input)
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Write records to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Options of `sim`.
#[cfg(feature = "simulator")]
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Cards in the simulated fleet
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub cards: u64,
    /// Latency added to every answer, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Lifetime of an IoTBOS token, in seconds
    #[arg(long, value_name = "SECS")]
    pub token_ttl: Option<u64>,
    /// Share of answers that are HTTP 5xx (0.1 or 10%)
    #[arg(long = "fail-5xx", value_name = "RATE", value_parser = parse_share_f64, default_value = "0")]
    pub fail_5xx: f64,
    /// Share of answers that are HTTP 429 with Retry-After
    #[arg(long = "fail-429", value_name = "RATE", value_parser = parse_share_f64, default_value = "0")]
    pub fail_429: f64,
    /// Share of connections reset before answering
    #[arg(long, value_name = "RATE", value_parser = parse_share_f64, default_value = "0")]
    pub fail_reset: f64,
    /// Share of answers whose body is cut short
    #[arg(long, value_name = "RATE", value_parser = parse_share_f64, default_value = "0")]
    pub fail_truncate: f64,
    /// Share of answers that are not valid JSON
    #[arg(long, value_name = "RATE", value_parser = parse_share_f64, default_value = "0")]
    pub fail_malformed: f64,
    /// Seed for the fleet and the faults (same seed, same fleet)
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Port of the IoTBOS side (plain HTTP); 0 picks a free one
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub iotbos_port: u16,
    /// Port of the Tencent side (HTTPS); 0 picks a free one
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub tencent_port: u16,
    /// Print the fleet's IoTBOS card numbers, one per line, and exit
    #[arg(long)]
    pub list_numbers: bool,
    /// Also serve a DingTalk-shaped robot that checks each message's signature and prints
    /// it on stderr (its URL and signing secret are in the JSON line)
    #[arg(long)]
    pub robot: bool,
    /// Stop the fleet clock at this RFC 3339 instant (2026-11-01T00:00:00+08:00):
    /// usage no longer grows, so two runs answer alike
    #[arg(long, value_name = "INSTANT", value_parser = parse_instant)]
    pub freeze_clock: Option<iotcard_model::Instant>,
    /// Answer in real-world variants the documents do not show, by name, comma-separated:
    /// numbers-as-strings, camel-case-keys, bom, dashed-dates, text-html, gbk,
    /// lettered-iccids, repeated-entries, batch-limit=K, short-pages=K, expiry-zero; or all.
    /// The cards' values stay the same in every dialect
    #[arg(long, value_name = "NAMES", value_parser = parse_dialect)]
    pub dialect: Option<iotcard_sim::Dialect>,
}

/// Parses `--dialect`: variant names joined by commas, or `all`.
#[cfg(feature = "simulator")]
fn parse_dialect(s: &str) -> Result<iotcard_sim::Dialect, String> {
    s.parse().map_err(|e: iotcard_sim::SimError| e.to_string())
}

/// Parses an RFC 3339 instant, keeping its offset (`sim --freeze-clock`,
/// `report --since/--until`).
fn parse_instant(s: &str) -> Result<iotcard_model::Instant, String> {
    chrono::DateTime::parse_from_rfc3339(s.trim()).map_err(|e| {
        format!("{s:?} is not an RFC 3339 instant such as 2026-11-01T00:00:00+08:00: {e}")
    })
}

/// Parses a requests-per-second ceiling: a positive, finite number.
fn parse_rate(s: &str) -> Result<f64, String> {
    let rate: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of requests per second"))?;
    if rate.is_finite() && rate > 0.0 {
        Ok(rate)
    } else {
        Err(format!(
            "{s:?} must be a positive number of requests per second"
        ))
    }
}

/// How `iotcard report` writes the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML page with charts
    Html,
    /// Markdown tables
    Md,
    /// One JSON object (`period`, `fleet`, `usage`, `attention`, `cost`, `sync`)
    Json,
    /// One figure a row: section, account, figure, value
    Csv,
}

/// Options of `report`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// The calendar month, China Standard Time (default: the current one)
    #[arg(long, value_name = "YYYY-MM", conflicts_with_all = ["since", "until"])]
    pub month: Option<String>,
    /// The period's start (RFC 3339), with --until
    #[arg(long, value_name = "TIME", requires = "until", value_parser = parse_instant)]
    pub since: Option<iotcard_model::Instant>,
    /// The period's end, excluded (RFC 3339), with --since
    #[arg(long, value_name = "TIME", requires = "since", value_parser = parse_instant)]
    pub until: Option<iotcard_model::Instant>,
    /// The format (default: html when --out ends in .html, else by its
    /// extension, else json)
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// The file to write (default: standard output)
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("iotcard").chain(args.iter().copied()))
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[cfg(feature = "simulator")]
    #[test]
    fn sim_clock_freezes_at_an_rfc3339_instant_and_names_a_bad_one() {
        let cli = parse(&["sim", "--freeze-clock", "2026-11-01T00:00:00+08:00"]).unwrap();
        let Command::Sim(args) = cli.command else {
            panic!("not sim: {:?}", cli.command)
        };
        let at = args.freeze_clock.expect("frozen");
        assert_eq!(at.to_rfc3339(), "2026-11-01T00:00:00+08:00");
        let err = parse(&["sim", "--freeze-clock", "2026/11/01"]).unwrap_err();
        assert!(err.to_string().contains("not an RFC 3339 instant"), "{err}");
    }

    #[test]
    fn global_options_work_before_and_after_the_command() {
        let before = parse(&["--provider", "tencent", "-o", "csv", "-vv", "usage", "1"]).unwrap();
        let after = parse(&[
            "usage",
            "1",
            "--provider",
            "tencent",
            "--output",
            "csv",
            "-vv",
        ])
        .unwrap();
        for cli in [before, after] {
            assert_eq!(cli.global.provider, Some(Provider::Tencent));
            assert_eq!(cli.global.output, Some(OutputFormat::Csv));
            assert_eq!(cli.global.verbose, 2);
            assert!(matches!(cli.command, Command::Usage(ref a) if a.numbers == ["1"]));
        }
        let tuned = parse(&[
            "export",
            "--from",
            "f",
            "--batch-size",
            "100",
            "--concurrency",
            "16",
            "--rate",
            "2.5",
            "--timeout",
            "500ms",
            "--profile",
            "p",
            "--config",
            "c.toml",
        ])
        .unwrap();
        assert_eq!(tuned.global.batch_size.map(NonZeroUsize::get), Some(100));
        assert_eq!(tuned.global.concurrency.map(NonZeroUsize::get), Some(16));
        assert_eq!(tuned.global.rate, Some(2.5));
        assert_eq!(tuned.global.timeout, Some(Duration::from_millis(500)));
        assert_eq!(tuned.global.profile, ["p"]);
        assert_eq!(tuned.global.config, Some(PathBuf::from("c.toml")));
    }

    #[test]
    fn per_card_commands_need_a_number_and_take_dash() {
        for cmd in ["usage", "remaining", "expiry", "status", "plan", "card"] {
            assert!(parse(&[cmd]).is_err(), "{cmd} without numbers");
            let cli = parse(&[cmd, "-"]).unwrap();
            let (Command::Usage(a)
            | Command::Remaining(a)
            | Command::Expiry(a)
            | Command::Status(a)
            | Command::Plan(a)
            | Command::Card(a)) = cli.command
            else {
                panic!("{cmd} parsed as another command");
            };
            assert_eq!(a.numbers, ["-"]);
        }
    }

    #[test]
    fn no_flag_takes_a_secret() {
        let cmd = Cli::command();
        let mut names = Vec::new();
        let mut stack = vec![&cmd];
        while let Some(c) = stack.pop() {
            names.extend(
                c.get_arguments()
                    .filter_map(|a| a.get_long())
                    .map(str::to_owned),
            );
            stack.extend(c.get_subcommands());
        }
        assert!(names.contains(&"provider".to_owned()));
        for name in names {
            for secret in [
                "password",
                "appkey",
                "token",
                "access-token",
                "secret",
                "account",
                "sdkappid",
            ] {
                let takes_secret = name == secret || name.ends_with(&format!("-{secret}"));
                assert!(!takes_secret, "--{name} would put a credential in ps");
            }
        }
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for args in [
            &["--rate", "0", "account"][..],
            &["--rate", "fast", "account"],
            &["--timeout", "0", "account"],
            &["--batch-size", "0", "account"],
            &["--provider", "aliyun", "account"],
            &["--output", "xml", "account"],
            &["cards", "--operator", "vodafone"],
            &["sim", "--fail-5xx", "150%"],
        ] {
            let err = parse(args).unwrap_err();
            assert!(err.use_stderr(), "{args:?} should be an error, not help");
        }
    }

    #[cfg(feature = "simulator")]
    #[test]
    fn sim_flags() {
        let cli = parse(&[
            "sim",
            "--cards",
            "50",
            "--latency-ms",
            "20",
            "--token-ttl",
            "5",
            "--fail-5xx",
            "10%",
            "--fail-429",
            "0.02",
            "--fail-reset",
            "5%",
            "--seed",
            "7",
            "--iotbos-port",
            "8080",
            "--list-numbers",
        ])
        .unwrap();
        let Command::Sim(sim) = cli.command else {
            panic!("not sim")
        };
        assert_eq!(
            (sim.cards, sim.latency_ms, sim.token_ttl),
            (50, 20, Some(5))
        );
        assert!((sim.fail_5xx - 0.1).abs() < 1e-12);
        assert!((sim.fail_429 - 0.02).abs() < 1e-12);
        assert!((sim.fail_reset - 0.05).abs() < 1e-12);
        assert_eq!(sim.fail_truncate, 0.0);
        assert_eq!(
            (sim.seed, sim.iotbos_port, sim.tencent_port),
            (Some(7), 8080, 0)
        );
        assert!(sim.list_numbers);
    }

    #[test]
    fn help_names_identifiers_and_what_tencent_lacks() {
        let mut cmd = Cli::command();
        let plan = cmd
            .find_subcommand_mut("plan")
            .unwrap()
            .render_long_help()
            .to_string();
        let plan = plan.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            plan.contains("no plan name, fee, SMS allowance or overage prices"),
            "{plan}"
        );
        assert!(plan.contains("ICCID only"), "{plan}");
        let top = Cli::command().render_help().to_string();
        assert!(top.contains("Examples:"), "{top}");
    }
}
