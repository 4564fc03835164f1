//! `iotcard report` end to end against the simulator: a sync, then the
//! report in each format from the store alone, and its bad usages.

use serde_json::Value;

use crate::support::{text, Sim};

#[test]
fn report_reads_the_store_in_every_format() {
    let sim = Sim::start(60);
    let store = format!("sqlite://{}", sim.home.path().join("h.sqlite3").display());
    let out = sim.tencent(&["--store", &store, "sync"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // The sync stamps its snapshots with this machine's clock: a period
    // around any such time.
    let month = [
        "--store",
        &store,
        "report",
        "--since",
        "2000-01-01T00:00:00+08:00",
        "--until",
        "2100-01-01T00:00:00+08:00",
    ];
    let out = sim
        .cmd()
        .args(month)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["fleet"]["cards"], 60);
    assert_eq!(json["period"]["since"], "2000-01-01T00:00:00+08:00");
    assert_eq!(
        json["cost"]["by_account"][0]["note"],
        "Tencent's platform gives no prices"
    );

    let page = sim.home.path().join("out/report.html");
    std::fs::create_dir_all(page.parent().unwrap()).unwrap();
    let out = sim
        .cmd()
        .args(month)
        .arg("--out")
        .arg(&page)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.starts_with("<!doctype html>") && html.contains("data-figure=\"/fleet/cards\">60<")
    );

    let out = sim
        .cmd()
        .args(month)
        .args(["--format", "md"])
        .output()
        .unwrap();
    assert!(text(&out.stdout).starts_with("# Fleet report 2000-01-01"));
    let out = sim
        .cmd()
        .args(month)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    assert!(
        text(&out.stdout).contains("fleet,,fleet.cards,60\n"),
        "{}",
        text(&out.stdout)
    );

    for bad in [
        &["report", "--month", "2026-13"][..],
        &[
            "report",
            "--since",
            "2026-03-02T00:00:00+08:00",
            "--until",
            "2026-03-01T00:00:00+08:00",
        ],
    ] {
        let out = sim
            .cmd()
            .args(["--store", &store])
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("period is not valid"),
            "{}",
            text(&out.stderr)
        );
    }
}
