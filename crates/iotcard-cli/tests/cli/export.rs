//! `export`: every card once, in order, streamed; nothing sent for a bad
//! list; an interrupted export leaves only complete records.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use iotcard_sim::{IotbosCall, Outcome};
use serde_json::Value;

use crate::support::{builder, frozen, json, json_lines, text, Sim};

#[test]
fn iotbos_export_from_a_file_writes_every_card_in_order() {
    let sim = Sim::start(700);
    let numbers: Vec<String> = sim.sim().fleet().numbers().map(|n| n.to_string()).collect();
    let list = sim.home.path().join("numbers.txt");
    // One per line and comma-separated, with blanks, as operators keep them.
    let body = numbers
        .chunks(3)
        .map(|c| c.join(", "))
        .collect::<Vec<_>>()
        .join("\n\n");
    std::fs::write(&list, body).unwrap();
    let out_file = sim.home.path().join("fleet.jsonl");
    let out = sim
        .iotbos(&[
            "export",
            "--from",
            list.to_str().unwrap(),
            "--out",
            out_file.to_str().unwrap(),
            "--batch-size",
            "40",
            "--concurrency",
            "4",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        out.stderr.is_empty(),
        "no progress bar off a terminal: {}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let records = json_lines(&std::fs::read(&out_file).unwrap());
    let cards: Vec<&str> = records
        .iter()
        .map(|r| r["card"].as_str().unwrap())
        .collect();
    assert_eq!(cards, numbers);
    let now = frozen();
    for (i, record) in records.iter().enumerate().step_by(97) {
        let card = sim.card(i as u64);
        let found = |call| card.outcome(call) == Outcome::Found;
        if found(IotbosCall::Plan) {
            assert_eq!(
                record["plan"]["monthly_fee"],
                json(&card.plan().monthly_fee)
            );
        }
        if found(IotbosCall::State) {
            assert_eq!(record["status"], card.iotbos_status().as_str());
        }
        if found(IotbosCall::Usage) {
            assert_eq!(record["usage"], json(&card.usage(&now)));
        }
    }
}

#[test]
fn tencent_export_lists_every_card_and_details_it() {
    let sim = Sim::start(65);
    let out = sim.tencent(&["export", "-o", "csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    let product = headers.iter().position(|h| h == "plan_product_id").unwrap();
    let expires = headers.iter().position(|h| h == "expires_at").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 65);
    for (i, row) in rows.iter().enumerate() {
        let card = sim.card(i as u64);
        assert_eq!(&row[0], card.iccid().as_str());
        assert_eq!(&row[product], card.product_id());
        assert_eq!(json(&&row[expires]), json(&card.product_expired_at()));
    }
}

#[test]
fn export_reads_standard_input() {
    let sim = Sim::start(50);
    let iccids: Vec<String> = (0..10).map(|i| sim.card(i).iccid().to_string()).collect();
    let out = sim
        .tencent(&["export", "--from", "-"])
        .write_stdin(iccids.join("\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let cards: Vec<String> = json_lines(&out.stdout)
        .iter()
        .map(|r| r["card"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(cards, iccids);
}

#[test]
fn a_bad_number_anywhere_in_the_file_stops_the_export_before_it_starts() {
    let sim = Sim::start(50);
    let mut numbers: Vec<String> = sim.sim().fleet().numbers().map(|n| n.to_string()).collect();
    numbers.insert(40, "1064x".into());
    let list = sim.home.path().join("numbers.txt");
    std::fs::write(&list, numbers.join("\n")).unwrap();
    let out_file = sim.home.path().join("fleet.jsonl");
    let out = sim
        .iotbos(&[
            "export",
            "--from",
            list.to_str().unwrap(),
            "--out",
            out_file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("numbers.txt line 41"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(sim.requests(), 0);
    assert!(
        !out_file.exists(),
        "no output file for an export that never started"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_leaves_complete_records_and_says_how_far_it_got() {
    let sim = Sim::with(builder(5000).latency(Duration::from_millis(40), Duration::ZERO));
    let list = sim.home.path().join("numbers.txt");
    let numbers: Vec<String> = sim.sim().fleet().numbers().map(|n| n.to_string()).collect();
    std::fs::write(&list, numbers.join("\n")).unwrap();
    let out_file = sim.home.path().join("fleet.jsonl");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("iotcard"));
    cmd.env_clear()
        .env("HOME", sim.home.path())
        .envs(sim.env())
        .args([
            "--provider",
            "iotbos",
            "export",
            "--batch-size",
            "5",
            "--concurrency",
            "2",
        ])
        .arg("--from")
        .arg(&list)
        .arg("--out")
        .arg(&out_file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // Polled for at most a minute (3,000 × 20 ms), without reading a clock.
    let mut polls = 0;
    while std::fs::metadata(&out_file).map_or(0, |m| m.len()) < 4096 {
        polls += 1;
        assert!(polls < 3_000, "no records appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let mut stderr = String::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        stderr.push_str(&line.unwrap());
        stderr.push('\n');
    }
    let written = std::fs::read(&out_file).unwrap();
    assert_eq!(written.last(), Some(&b'\n'), "no half line");
    let records: Vec<Value> = json_lines(&written);
    assert!(!records.is_empty() && records.len() < numbers.len());
    for (record, number) in records.iter().zip(&numbers) {
        assert_eq!(record["card"], number.as_str(), "in order, none skipped");
    }
    assert!(
        stderr.contains("interrupted")
            && stderr.contains(&format!("{} complete records", records.len())),
        "{stderr}"
    );
    let last = records.last().unwrap()["card"].as_str().unwrap();
    assert!(stderr.contains(last), "{stderr}");
}
