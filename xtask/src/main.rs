//! `cargo xtask`: the workspace's own tooling, run through the alias in
//! `.cargo/config.toml`. Standard library only, so it builds in seconds on a
//! fresh clone before anything else.

mod bench;
mod ci;
mod fuzz;
mod layering;
mod postgres;
mod run;
mod soak;
mod tally;

use std::process::ExitCode;

use run::Failure;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci                            everything .ci/run checks, in order, failing fast:
                                fmt, deps, clippy, test, doc, fuzz smoke, bench --quick
  test                          the test suite: cargo nextest run --workspace,
                                then cargo test --workspace --doc (nextest skips doctests),
                                with a throwaway PostgreSQL cluster for the store's suite
                                (initdb + pg_ctl on a free loopback port, removed after)
  with-postgres COMMAND...      run COMMAND with IOTCARD_TEST_POSTGRES set to a throwaway
                                cluster (as `test` starts it), e.g. with-postgres cargo test
                                -p iotcard-store
  deps                          layering check: the sans-IO crates pull no I/O crate,
                                no getrandom and no chrono clock/now feature; lower
                                layers never depend on higher ones; the transport knows
                                no platform crate; no publishable crate depends on a
                                `publish = false` one
  fuzz --seconds N [TARGET...]  run each cargo-fuzz target (all by default) for N seconds
       [--sanitizer address|none]  (default address; none runs faster)
  bench [--quick] [--cards N] [--batch B] [--concurrency C] [--latency-ms L]
        [--export-cards M] [--export-latency-ms L2] [--runs R]
                                end to end against `iotcard sim` in its own process
                                (defaults N=200000, B=100, C=16, L=20; --quick: N=20000,
                                no export runs): the facade, a reqwest + serde_json::Value
                                baseline and the CLI (`iotcard usage -`, its output checked
                                card by card) poll the same cards in turn; cards/s against
                                the bound C x B / L, client CPU per card, peak RSS; then peak
                                RSS of `iotcard export` of M/10 and M cards (M=1000000, L2=0).
                                Medians of R interleaved polls per client (3; --quick 1); the
                                facade's CPU / baseline must hold in every round. Fails on a
                                missed target; --quick only under 0.5 of the bound (facade, CLI)
        [--history-cards H] [--watch-cards W] [--idle-seconds S] [--only watch]
                                then `iotcard sync` rows over H cards (1000000; --quick 20000)
                                and `iotcard watch --once` over W/10 and W cards (1000000;
                                --quick 20000): wall, peak RSS and its ratio, the rules'
                                evaluation; the daemon idle for S s (20; --quick 10): CPU
                                share of a core, SIGTERM to exit. --only watch: those alone
  soak [--cards N] [--batch B] [--concurrency C] [--latency-ms L]
                                export N cards (100000) against a simulator with faults
                                (5xx, resets, truncation, malformed, 429, 5 s tokens) and
                                against a clean one: every card once with the clean value,
                                no panic, attempts per call bounded, wall within 3x clean

environment:
  IOTCARD_TEST_POSTGRES         a PostgreSQL URL for the store's tests (xtask test starts a
                                throwaway cluster and sets it when unset; tests create their
                                own databases in it); with CI set, the tests fail without it
  IOTCARD_PG_BIN                where initdb and pg_ctl are (default: newest
                                /usr/lib/postgresql/*/bin, else `pg_config --bindir`)
  IOTCARD_CI_FUZZ_SECONDS       seconds per fuzz target in `ci` (default 10, 0 skips the fuzz smoke)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("ci") => no_more_args(&args[1..]).and_then(|()| ci::ci()),
        Some("test") => no_more_args(&args[1..]).and_then(|()| ci::test()),
        Some("with-postgres") => postgres::with(&args[1..]),
        Some("deps") => no_more_args(&args[1..]).and_then(|()| layering::check()),
        Some("fuzz") => fuzz::Options::parse(&args[1..]).and_then(|options| fuzz::run(&options)),
        Some("bench") => bench::Options::parse(&args[1..]).and_then(|options| bench::run(&options)),
        Some("soak") => soak::Options::parse(&args[1..]).and_then(|options| soak::run(&options)),
        Some("help" | "-h" | "--help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(Failure::new(format!(
            "unknown command `{other}`\n\n{USAGE}"
        ))),
        None => Err(Failure::new(format!("no command given\n\n{USAGE}"))),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("\nxtask: FAILED: {failure}");
            ExitCode::FAILURE
        }
    }
}

fn no_more_args(rest: &[String]) -> Result<(), Failure> {
    match rest.first() {
        None => Ok(()),
        Some(extra) => Err(Failure::new(format!(
            "unexpected argument `{extra}`\n\n{USAGE}"
        ))),
    }
}
