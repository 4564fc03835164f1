//! Exports that cross token expiries and a server's batch limit: every card
//! once, exit 0, logins and refusals bounded (issue 13's token scenario).

use std::time::{Duration, Instant};

use iotcard_sim::Dialect;

use crate::support::{builder, json_lines, text, Sim};

/// The fleet's numbers in a file, one per line.
fn number_file(sim: &Sim) -> (Vec<String>, String) {
    let numbers: Vec<String> = sim.sim().fleet().numbers().map(|n| n.to_string()).collect();
    let list = sim.home.path().join("numbers.txt");
    std::fs::write(&list, numbers.join("\n")).unwrap();
    (numbers, list.to_str().unwrap().to_owned())
}

#[test]
fn an_export_across_one_second_tokens_loses_no_card() {
    let sim = Sim::with(
        builder(200)
            .token_ttl(Duration::from_secs(1))
            .latency(Duration::from_millis(100), Duration::ZERO),
    );
    let (numbers, list) = number_file(&sim);
    // The test measures the wall time a bound is stated in.
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    let out = sim
        .iotbos(&[
            "--batch-size",
            "10",
            "--concurrency",
            "2",
            "export",
            "--from",
            &list,
        ])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let records = json_lines(&out.stdout);
    let cards: Vec<&str> = records
        .iter()
        .map(|r| r["card"].as_str().unwrap())
        .collect();
    assert_eq!(cards, numbers);
    assert!(records.iter().all(|r| r["error"]["kind"] != "failed"));
    let stats = sim.sim().stats();
    assert_eq!(
        stats.cards_answered,
        5 * 200,
        "every card answered once per call"
    );
    // A token is usable for half its second; one login to start and one of
    // slack, the process's own start-up included in the elapsed time.
    let bound = 2 + (elapsed.as_secs_f64() / 0.5) as u64;
    assert!(
        stats.logins <= bound,
        "{} logins in {elapsed:?}, bound {bound}",
        stats.logins
    );
    let refused = stats.refusals.token_expired + stats.refusals.token_unknown;
    assert!(refused <= 2 * stats.logins, "{refused} token refusals");
    eprintln!(
        "{elapsed:?}: {} logins, {refused} token refusals, {} requests",
        stats.logins,
        stats.requests.total()
    );
}

#[test]
fn an_export_against_a_batch_limit_finds_it_once() {
    for k in [7u32, 1] {
        let sim = Sim::with(builder(300).dialect(Dialect::canonical().with_batch_limit(k)));
        let (numbers, list) = number_file(&sim);
        let out = sim
            .iotbos(&["-v", "--batch-size", "100", "export", "--from", &list])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "k {k}: {}", text(&out.stderr));
        let records = json_lines(&out.stdout);
        let cards: Vec<&str> = records
            .iter()
            .map(|r| r["card"].as_str().unwrap())
            .collect();
        assert_eq!(cards, numbers, "k {k}");
        assert!(
            records.iter().all(|r| r["error"]["kind"] != "failed"),
            "k {k}: a card failed"
        );
        let stats = sim.sim().stats();
        assert_eq!(
            stats.cards_answered,
            5 * 300,
            "k {k}: every card once per call"
        );
        assert!(stats.refusals.too_many_numbers > 0, "k {k}");
        let said = text(&out.stderr)
            .matches(&format!("sending at most {k} cards per call"))
            .count();
        assert_eq!(said, 1, "k {k}: {}", text(&out.stderr));
    }
}
