//! Per-card commands, `cards` and `account`: values equal the simulator's
//! ground truth, in every output format.

use iotcard_sim::{IotbosCall, Outcome};
use serde_json::{json, Value};

use crate::support::{frozen, json, json_lines, text, Sim};

fn numbers(cards: &[iotcard_sim::SimCard]) -> Vec<String> {
    cards.iter().map(|c| c.number().to_string()).collect()
}

fn run_jsonl(cmd: &mut assert_cmd::Command) -> Vec<Value> {
    let out = cmd.arg("--output").arg("jsonl").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    json_lines(&out.stdout)
}

#[test]
fn iotbos_values_equal_the_fleet() {
    let sim = Sim::start(500);
    let cards = sim.fully_known(4);
    let nums = numbers(&cards);
    let args = |cmd: &'static str| {
        let mut a = vec![cmd];
        a.extend(nums.iter().map(String::as_str));
        a
    };
    let now = frozen();

    let usage = run_jsonl(&mut sim.iotbos(&args("usage")));
    let remaining = run_jsonl(&mut sim.iotbos(&args("remaining")));
    let expiry = run_jsonl(&mut sim.iotbos(&args("expiry")));
    let status = run_jsonl(&mut sim.iotbos(&args("status")));
    let plan = run_jsonl(&mut sim.iotbos(&args("plan")));
    for (i, card) in cards.iter().enumerate() {
        let number = card.number().as_str();
        let truth = json(&card.usage(&now));
        assert_eq!(usage[i]["card"], number);
        assert_eq!(usage[i]["sms_used"], truth["sms_used"]);
        assert_eq!(usage[i]["data_used"], truth["data_used"]);
        let truth = json(&card.remaining(&now));
        assert_eq!(
            remaining[i]["data_left"], truth["data_left"],
            "exact, sign kept"
        );
        let truth = json(&card.expiry());
        assert_eq!(
            (&expiry[i]["status"], &expiry[i]["expires_at"]),
            (&truth["status"], &truth["expires_at"])
        );
        assert_eq!(status[i]["status"], card.iotbos_status().as_str());
        assert_eq!(
            status[i]["network"],
            Value::Null,
            "IoTBOS has no network status"
        );
        let truth = json(&card.plan());
        for key in [
            "name",
            "monthly_fee",
            "included_sms",
            "sms_overage_price",
            "included_data",
            "data_overage_price",
        ] {
            assert_eq!(plan[i][key], truth[key], "{key}");
        }
    }
}

#[test]
fn iotbos_card_merges_the_five_calls_into_one_json_array() {
    let sim = Sim::start(300);
    let cards = sim.fully_known(2);
    let nums = numbers(&cards);
    let out = sim
        .iotbos(&["card", &nums[0], &nums[1], "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let records: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(records.len(), 2);
    let now = frozen();
    for (record, card) in records.iter().zip(&cards) {
        assert_eq!(record["card"], card.number().as_str());
        assert_eq!(record["status"], card.iotbos_status().as_str());
        assert_eq!(record["usage"], json(&card.usage(&now)));
        assert_eq!(record["remaining"], json(&card.remaining(&now)));
        assert_eq!(record["plan"], json(&card.plan()));
        assert_eq!(record["expires_at"], json(&card.expiry().expires_at));
    }
}

#[test]
fn iotbos_gaps_are_records_with_a_kind_and_exit_3() {
    let sim = Sim::start(2000);
    let no_data = sim
        .card_where(IotbosCall::Usage, Outcome::NoData)
        .expect("a card without usage data");
    let good = sim.fully_known(1).remove(0);
    let out = sim
        .iotbos(&[
            "usage",
            good.number().as_str(),
            no_data.number().as_str(),
            "10640000000000",
            "--output",
            "jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let records = json_lines(&out.stdout);
    assert_eq!(records.len(), 3);
    assert!(records[0].get("error").is_none());
    assert_eq!(records[1]["error"]["kind"], "no_data");
    assert_eq!(records[2]["card"], "10640000000000");
    assert_eq!(records[2]["error"]["kind"], "not_found");
    assert!(
        text(&out.stderr).contains("2 of 3 cards not answered"),
        "{}",
        text(&out.stderr)
    );

    if let Some(odd) = sim.card_where(IotbosCall::State, Outcome::Unknown(3)) {
        let out = sim
            .iotbos(&["status", odd.number().as_str(), "-o", "jsonl"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(
            json_lines(&out.stdout)[0]["error"]["kind"],
            "unknown_outcome"
        );
    }
}

#[test]
fn tencent_values_equal_the_fleet() {
    let sim = Sim::start(40);
    let cards: Vec<_> = (0..5).map(|i| sim.card(i)).collect();
    let iccids: Vec<String> = cards.iter().map(|c| c.iccid().to_string()).collect();
    let args = |cmd: &'static str| {
        let mut a = vec![cmd];
        a.extend(iccids.iter().map(String::as_str));
        a
    };
    let now = frozen();
    let usage = run_jsonl(&mut sim.tencent(&args("usage")));
    let remaining = run_jsonl(&mut sim.tencent(&args("remaining")));
    let expiry = run_jsonl(&mut sim.tencent(&args("expiry")));
    let status = run_jsonl(&mut sim.tencent(&args("status")));
    let plan = run_jsonl(&mut sim.tencent(&args("plan")));
    let card = run_jsonl(&mut sim.tencent(&args("card")));
    for (i, c) in cards.iter().enumerate() {
        let used = c.data_used_in_period(&now);
        let total = c.data_total_in_period();
        assert_eq!(usage[i]["card"], iccids[i]);
        assert_eq!(usage[i]["data_used"], json(&used));
        assert_eq!(
            usage[i]["sms_used"],
            Value::Null,
            "Tencent has no SMS figures"
        );
        let left = iotcard_model::DataAmount::mb(total.amount - used.amount);
        assert_eq!(remaining[i]["data_left"], json(&left));
        assert_eq!(expiry[i]["expires_at"], json(&c.product_expired_at()));
        assert_eq!(expiry[i]["status"], c.tencent_status().as_str());
        assert_eq!(status[i]["status"], c.tencent_status().as_str());
        assert_eq!(status[i]["network"], c.network().as_str());
        assert_eq!(plan[i]["product_id"], c.product_id());
        let pool = c.pool_id();
        assert_eq!(
            plan[i]["pool_id"],
            if pool.is_empty() {
                Value::Null
            } else {
                json!(pool)
            }
        );
        assert_eq!(plan[i]["included_data"], json(&total));
        for lacking in [
            "name",
            "monthly_fee",
            "included_sms",
            "sms_overage_price",
            "data_overage_price",
        ] {
            assert_eq!(plan[i][lacking], Value::Null, "Tencent has no {lacking}");
        }
        assert_eq!(card[i]["iccid"], c.iccid().as_str());
        assert_eq!(card[i]["msisdn"], c.msisdn().as_str());
        assert_eq!(card[i]["operator"], c.operator().name());
        assert_eq!(card[i]["kind"], c.kind().as_str());
    }
}

#[test]
fn an_iccid_tencent_does_not_hold_is_not_found_beside_answered_cards() {
    let sim = Sim::start(10);
    let known = sim.card(0).iccid().to_string();
    let unknown = "89860000000000000001";
    let out = sim
        .tencent(&["status", &known, unknown, "-o", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let records = json_lines(&out.stdout);
    // The same word as IoTBOS uses for a card it does not hold.
    assert_eq!(records[1]["error"]["kind"], "not_found");
    assert_eq!(
        records[1]["error"]["message"],
        "Tencent IoT card does not know this card on this account"
    );
    let alone = sim.tencent(&["status", unknown]).output().unwrap();
    assert_eq!(
        alone.status.code(),
        Some(3),
        "a card not held is a gap, not a failure: {}",
        text(&alone.stderr)
    );
}

#[test]
fn tencent_cards_pages_through_the_list_and_parses_back_as_csv() {
    let sim = Sim::start(75);
    let out = sim
        .tencent(&["cards", "--operator", "mobile", "--output", "csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "card");
    assert!(headers.iter().any(|h| h == "usage_data_used_amount"));
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let expected = sim
        .sim()
        .fleet()
        .count(Some(iotcard_model::Operator::ChinaMobile));
    assert_eq!(rows.len() as u64, expected);
    let now = frozen();
    for row in &rows {
        assert_eq!(&row[col("operator")], "china_mobile");
        let index = sim.sim().fleet().index_of_iccid(&row[col("card")]).unwrap();
        let truth = sim.card(index).data_used_in_period(&now);
        assert_eq!(
            row[col("usage_data_used_amount")],
            truth.amount.to_string(),
            "exact digits"
        );
        assert_eq!(&row[col("usage_data_used_unit")], "mb");
    }
    let all = sim.tencent(&["cards", "-o", "jsonl"]).output().unwrap();
    assert_eq!(json_lines(&all.stdout).len(), 75);
}

#[test]
fn tencent_account_in_every_format() {
    let sim = Sim::start(33);
    let lines = run_jsonl(&mut sim.tencent(&["account"]));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["cards"]["total"], 33);
    let fleet = sim.sim().fleet();
    assert_eq!(
        lines[0]["cards"]["china_unicom"],
        fleet.count(Some(iotcard_model::Operator::ChinaUnicom))
    );

    let out = sim
        .tencent(&["account", "--output", "json"])
        .output()
        .unwrap();
    let array: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(array, lines);

    let out = sim
        .tencent(&["account", "--output", "csv"])
        .output()
        .unwrap();
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "name",
            "description",
            "cards_china_mobile",
            "cards_china_telecom",
            "cards_china_unicom",
            "cards_total"
        ]
    );
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[5], "33");

    let out = sim
        .tencent(&["account", "--output", "table"])
        .output()
        .unwrap();
    let table = text(&out.stdout);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table.contains("CARDS TOTAL") && table.contains("33"),
        "{table}"
    );
}

#[test]
fn csv_and_table_keep_exact_digits() {
    let sim = Sim::start(300);
    let card = sim.fully_known(1).remove(0);
    let plan = card.plan();
    let fee = plan.monthly_fee.unwrap().to_string();
    let out = sim
        .iotbos(&["plan", card.number().as_str(), "-o", "csv"])
        .output()
        .unwrap();
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[2], fee.as_str(), "monthly_fee as written, e.g. 1.00");
    let out = sim
        .iotbos(&["plan", card.number().as_str(), "-o", "table"])
        .output()
        .unwrap();
    let table = text(&out.stdout);
    assert!(table.contains(&format!(" {fee}")), "{table}");
    assert!(table.contains(plan.name.as_deref().unwrap()), "{table}");
}

#[test]
fn numbers_from_stdin_one_per_line_or_comma_separated_in_order_and_distinct() {
    let sim = Sim::start(300);
    let nums = numbers(&sim.fully_known(4));
    let input = format!(
        "{}\n\n  {} , {}\n{}\n{}\n",
        nums[0], nums[1], nums[2], nums[0], nums[3]
    );
    let out = sim
        .iotbos(&["status", "-", "-o", "jsonl"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let cards: Vec<String> = json_lines(&out.stdout)
        .iter()
        .map(|r| r["card"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        cards, nums,
        "one record per distinct card, in the order asked"
    );

    let empty = sim
        .iotbos(&["status", "-"])
        .write_stdin("\n\n")
        .output()
        .unwrap();
    assert_eq!(empty.status.code(), Some(2));
}

#[test]
fn tencent_iccids_keep_the_spelling_asked() {
    let sim = Sim::start(10);
    let iccid = sim.card(1).iccid().to_string();
    let lower = iccid.to_lowercase();
    let out = sim
        .tencent(&["usage", &lower, &iccid, "-o", "jsonl"])
        .output()
        .unwrap();
    let records = json_lines(&out.stdout);
    assert_eq!(
        records.len(),
        1,
        "the same card in two spellings is one card"
    );
    assert_eq!(records[0]["card"], lower.as_str());
}
