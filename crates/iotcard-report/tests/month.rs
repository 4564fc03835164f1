//! A simulated November: the simulator's fleet synced three times a day
//! (IoTBOS inventory and Tencent listing) into a SQLite store with the
//! sync's and the simulator's clocks moved together, across the October →
//! November rollover; one card joins the inventory on the 5th, one leaves
//! it on the 12th (and goes silent), and cards cross their quota. The
//! report's JSON figures are checked against the simulator's own truth,
//! and the page (whose every figure must equal the JSON's) in headless
//! Chromium at 390 px and 1280 px.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, TimeZone};
use iotcard_facade::{CardNumber, FixedClock, IotbosClient, TencentClient};
use iotcard_model::{china_standard_time, Decimal, Instant};
use iotcard_report::{Period, Report};
use iotcard_sim::{IotbosCall, Outcome, RunningSimulator, SimCard, Simulator};
use iotcard_store::{AccountSpec, ReportScope, Store};
use iotcard_sync::{sync_account, SyncOptions};
use serde_json::Value;

fn cst(y: i32, m: u32, d: u32, h: u32) -> Instant {
    china_standard_time()
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .unwrap()
}

/// The sync times: the evening before the month, then 02:00, 10:00 and
/// 18:00 of every day of November.
fn schedule() -> Vec<Instant> {
    let mut at = vec![cst(2026, 10, 31, 20)];
    for day in 1..=30 {
        for hour in [2, 10, 18] {
            at.push(cst(2026, 11, day, hour));
        }
    }
    at
}

/// One card's counters as the platform answered them at each sync.
#[derive(Default)]
struct Series {
    points: Vec<(Instant, Decimal, i64)>,
}

/// What the store's daily rows must make of a series: usage in November
/// (a drop, or for IoTBOS a new month, restarts the counter), and the last
/// November day with data use.
struct Truth {
    data: Decimal,
    sms: i64,
    last_used: Option<chrono::NaiveDate>,
    daily: BTreeMap<chrono::NaiveDate, Decimal>,
}

fn truth(series: &Series, iotbos: bool, period: &Period) -> Truth {
    let mut t = Truth {
        data: Decimal::ZERO,
        sms: 0,
        last_used: None,
        daily: BTreeMap::new(),
    };
    let month = |at: &Instant| at.with_timezone(&china_standard_time()).month();
    for pair in series.points.windows(2) {
        let ((before, used0, sms0), (at, used1, sms1)) = (&pair[0], &pair[1]);
        if *at < period.since || *at >= period.until {
            continue;
        }
        let restart = iotbos && month(before) != month(at);
        let data = if restart || used1 < used0 {
            *used1
        } else {
            used1 - used0
        };
        let sms = if restart || sms1 < sms0 {
            *sms1
        } else {
            sms1 - sms0
        };
        let day = at.with_timezone(&china_standard_time()).date_naive();
        t.data += data;
        t.sms += sms;
        *t.daily.entry(day).or_default() += data;
        if data > Decimal::ZERO {
            t.last_used = Some(day);
        }
    }
    t
}

fn amount(d: &iotcard_model::DataAmount) -> Decimal {
    d.amount
}

async fn simulator() -> RunningSimulator {
    Simulator::builder()
        .seed(7)
        .cards(40)
        .token_ttl(Duration::from_secs(400 * 86_400))
        .freeze_clock(Some(schedule()[0]))
        .start()
        .await
        .unwrap()
}

fn to_system(at: Instant) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + Duration::from_secs(at.timestamp() as u64)
}

/// The cards whose every IoTBOS call answers: their truth is simple to state.
fn known(sim: &RunningSimulator) -> Vec<SimCard> {
    sim.fleet()
        .cards()
        .filter(|c| {
            IotbosCall::ALL
                .iter()
                .all(|call| c.outcome(*call) == Outcome::Found)
        })
        .collect()
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("an exact decimal string, not {v}"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_month_reports_the_fleet_truth_and_renders_in_chromium() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}/month.sqlite3", dir.path().display()))
        .await
        .unwrap();
    let creds = sim.credentials().clone();
    let clock = Arc::new(FixedClock::new(to_system(schedule()[0])));
    let iotbos = IotbosClient::builder()
        .endpoint(sim.iotbos_url())
        .account(creds.iotbos_account.clone())
        .password(creds.iotbos_password.clone())
        .build()
        .unwrap();
    let tencent = TencentClient::builder()
        .endpoint(sim.tencent_url())
        .sdkappid(creds.tencent_sdkappid.clone())
        .appkey(creds.tencent_appkey.clone())
        .extra_ca_pem(sim.ca_pem())
        .build()
        .unwrap();
    let bos_spec = AccountSpec::new("default", "iotbos", "127.0.0.1");
    let ten_spec = AccountSpec::new("shop2", "tencent", "127.0.0.1");
    let bos = store.account(&bos_spec).await.unwrap();

    let known = known(&sim);
    assert!(
        known.len() >= 14,
        "enough fully answered cards: {}",
        known.len()
    );
    // The card that leaves is an active one, so it shows as silent.
    let active = known
        .iter()
        .position(|c| c.iotbos_status().as_str() == "active")
        .expect("an active card");
    let mut known = known;
    known.swap(0, active);
    let (joins, leaves) = (known[12].clone(), known[0].clone());
    let inventory: Vec<SimCard> = known[..12].to_vec();
    let numbers = |cards: &[SimCard]| -> Vec<CardNumber> {
        cards.iter().map(|c| c.number().clone()).collect()
    };
    store
        .inventory_add(bos, &numbers(&inventory))
        .await
        .unwrap();

    let period = Period::month("2026-11").unwrap();
    let mut bos_series: BTreeMap<String, Series> = BTreeMap::new();
    let mut ten_series: BTreeMap<String, Series> = BTreeMap::new();
    let mut asked: Vec<SimCard> = inventory.clone();
    for at in schedule() {
        if at == cst(2026, 11, 5, 2) {
            store
                .inventory_add(bos, &numbers(std::slice::from_ref(&joins)))
                .await
                .unwrap();
            asked.push(joins.clone());
        }
        if at == cst(2026, 11, 12, 2) {
            store
                .inventory_remove(bos, &numbers(std::slice::from_ref(&leaves)))
                .await
                .unwrap();
            asked.retain(|c| c.index() != leaves.index());
        }
        sim.set_clock(Some(at));
        clock.set(to_system(at));
        for (client_is_bos, spec) in [(true, &bos_spec), (false, &ten_spec)] {
            let options = SyncOptions::default();
            let summary = if client_is_bos {
                sync_account(
                    &iotbos,
                    &store,
                    spec,
                    &clock,
                    &options,
                    &|_| {},
                    std::future::pending(),
                )
                .await
            } else {
                sync_account(
                    &tencent,
                    &store,
                    spec,
                    &clock,
                    &options,
                    &|_| {},
                    std::future::pending(),
                )
                .await
            }
            .unwrap();
            assert_eq!(summary.failed, 0, "{at}: {summary:?}");
        }
        for card in &asked {
            let u = card.usage(&at);
            bos_series
                .entry(card.number().to_string())
                .or_default()
                .points
                .push((
                    at,
                    amount(u.data_used.as_ref().unwrap()),
                    u.sms_used.unwrap().0,
                ));
        }
        for card in sim.fleet().cards() {
            ten_series
                .entry(card.iccid().to_string())
                .or_default()
                .points
                .push((at, amount(&card.data_used_in_period(&at)), 0));
        }
    }

    let scope = ReportScope {
        since: period.since,
        until: period.until,
        profiles: Vec::new(),
    };
    let figures = store.report(&scope).await.unwrap();
    let report = Report::new(&period, &figures, cst(2026, 12, 1, 9));
    let json: Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    for key in ["period", "fleet", "usage", "attention", "cost", "sync"] {
        assert!(json.get(key).is_some(), "top-level key {key}");
    }

    // Usage against the simulator's counters.
    let bos_truth: BTreeMap<&String, Truth> = bos_series
        .iter()
        .map(|(k, s)| (k, truth(s, true, &period)))
        .collect();
    let ten_truth: BTreeMap<&String, Truth> = ten_series
        .iter()
        .map(|(k, s)| (k, truth(s, false, &period)))
        .collect();
    let bos_data: Decimal = bos_truth.values().map(|t| t.data).sum();
    let bos_sms: i64 = bos_truth.values().map(|t| t.sms).sum();
    let ten_data: Decimal = ten_truth.values().map(|t| t.data).sum();
    let by_account = &json["usage"]["by_account"];
    assert_eq!(by_account[0]["account"], "default");
    assert_eq!(dec(&by_account[0]["data_used_provider_unit"]), bos_data);
    assert_eq!(by_account[0]["sms_used"], bos_sms);
    assert_eq!(dec(&by_account[1]["data_used_mb"]), ten_data);
    assert_eq!(dec(&json["usage"]["data_used_mb"]), ten_data);
    assert!(bos_data > Decimal::ZERO && ten_data > Decimal::ZERO);
    // The rollover: the 1st's use is October's counter restarted, not a drop.
    let first = json["usage"]["daily"][0].clone();
    assert_eq!(first["day"], "2026-11-01");
    let first_truth: Decimal = bos_truth
        .values()
        .filter_map(|t| {
            t.daily
                .get(&chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())
        })
        .sum();
    assert_eq!(dec(&first["data_used_provider_unit"]), first_truth);
    assert_eq!(json["usage"]["daily"].as_array().unwrap().len(), 30);

    // The fleet: 13 IoTBOS cards (one added), one gone; 40 Tencent cards.
    let fleet = &json["fleet"];
    assert_eq!(fleet["by_account"][0]["cards"], 13);
    assert_eq!(fleet["by_account"][0]["added"], 1);
    assert_eq!(fleet["by_account"][0]["gone"], 1);
    assert_eq!(fleet["by_account"][1]["cards"], 40);
    assert_eq!(fleet["cards"], 53);
    // IoTBOS's answers do not name the operator; Tencent's do.
    let mut operators: BTreeMap<String, u64> = BTreeMap::from([("unknown".to_string(), 13)]);
    for card in sim.fleet().cards() {
        *operators
            .entry(card.operator().name().to_string())
            .or_default() += 1;
    }
    let reported: BTreeMap<String, u64> = fleet["by_operator"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["cards"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(reported, operators);

    // The top list: the truth's greatest IoTBOS and Tencent users.
    let top = json["attention"]["top_data"].as_array().unwrap();
    assert_eq!(top.len(), 20);
    let mut all: Vec<Decimal> = bos_truth
        .values()
        .chain(ten_truth.values())
        .map(|t| t.data)
        .collect();
    all.sort_by(|a, b| b.cmp(a));
    let reported: Vec<Decimal> = top.iter().map(|c| dec(&c["data_used"])).collect();
    assert_eq!(reported, all[..20]);

    // Quotas: the platform's counter at the last sync against the plan's
    // allowance; at least one card crossed 100% during the month.
    let last = *schedule().last().unwrap();
    let over = |used: Decimal, included: Decimal, at: Decimal| {
        included > Decimal::ZERO && used / included >= at
    };
    let bos_now: Vec<&SimCard> = known[1..13].iter().collect();
    let bos_over_100 = bos_now
        .iter()
        .filter(|c| {
            let inc = amount(c.plan().included_data.as_ref().unwrap());
            over(
                amount(c.usage(&last).data_used.as_ref().unwrap()),
                inc,
                Decimal::ONE,
            )
        })
        .count() as u64;
    let ten_over_100 = sim
        .fleet()
        .cards()
        .filter(|c| {
            over(
                amount(&c.data_used_in_period(&last)),
                amount(&c.data_total_in_period()),
                Decimal::ONE,
            )
        })
        .count() as u64;
    let crossed = sim.fleet().cards().any(|c| {
        let inc = amount(&c.data_total_in_period());
        !over(
            amount(&c.data_used_in_period(&cst(2026, 11, 1, 2))),
            inc,
            Decimal::ONE,
        ) && over(amount(&c.data_used_in_period(&last)), inc, Decimal::ONE)
    }) || bos_now.iter().any(|c| {
        let inc = amount(c.plan().included_data.as_ref().unwrap());
        !over(
            amount(c.usage(&cst(2026, 11, 1, 2)).data_used.as_ref().unwrap()),
            inc,
            Decimal::ONE,
        ) && over(
            amount(c.usage(&last).data_used.as_ref().unwrap()),
            inc,
            Decimal::ONE,
        )
    });
    assert!(crossed, "some card crosses its quota during the month");
    assert_eq!(json["attention"]["over_100"], bos_over_100 + ten_over_100);

    // Silent: the card that left the inventory stopped using data on the 11th.
    let silent: Vec<&str> = json["attention"]["silent_cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["card"].as_str().unwrap())
        .collect();
    let left = leaves.number().to_string();
    assert!(silent.contains(&left.as_str()), "{left} in {silent:?}");
    let silent_truth = bos_now
        .iter()
        .map(|c| (c.iotbos_status(), &bos_truth[&c.number().to_string()]))
        .chain(std::iter::once((leaves.iotbos_status(), &bos_truth[&left])))
        .chain(
            sim.fleet()
                .cards()
                .map(|c| (c.tencent_status(), &ten_truth[&c.iccid().to_string()])),
        )
        .filter(|(status, t)| {
            status.as_str() == "active"
                && t.last_used.is_none_or(|d| {
                    (chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap() - d).num_days() >= 7
                })
        })
        .count() as u64;
    assert_eq!(json["attention"]["silent"], silent_truth);

    // Cost: IoTBOS plans' fees and overage, to the cent; Tencent unpriced.
    let mut cost = Decimal::ZERO;
    for c in bos_now.iter().copied().chain(std::iter::once(&leaves)) {
        let plan = c.plan();
        let at = if c.index() == leaves.index() {
            cst(2026, 11, 11, 18)
        } else {
            last
        };
        let usage = c.usage(&at);
        cost += plan.monthly_fee.unwrap().yuan();
        let (used, inc) = (
            amount(usage.data_used.as_ref().unwrap()),
            amount(plan.included_data.as_ref().unwrap()),
        );
        if used > inc {
            cost += (used - inc) * plan.data_overage_price.unwrap().yuan();
        }
        let (sms, inc) = (usage.sms_used.unwrap().0, plan.included_sms.unwrap().0);
        if sms > inc {
            cost += Decimal::from(sms - inc) * plan.sms_overage_price.unwrap().yuan();
        }
    }
    let costs = &json["cost"]["by_account"];
    assert_eq!(
        dec(&costs[0]["total"]),
        cost.round_dp_with_strategy(2, rust_decimal_midpoint())
    );
    assert_eq!(costs[1]["priced"], false);
    assert_eq!(costs[1]["note"], "Tencent's platform gives no prices");

    // Sync health: 91 passes each, 8 h the longest gap (18:00 → 02:00),
    // the first one included (20:00 on the 31st → 02:00 on the 1st is 6 h).
    for s in json["sync"].as_array().unwrap() {
        assert_eq!(s["passes"], 90, "{s}");
        assert_eq!(s["failures"], 0);
        assert_eq!(s["longest_gap_seconds"], 8 * 3600);
    }

    page_checks(&report, &json).await;
    sim.shutdown().await;
}

fn rust_decimal_midpoint() -> rust_decimal::RoundingStrategy {
    rust_decimal::RoundingStrategy::MidpointAwayFromZero
}

/// HTML text as the browser reads it (the escapes minijinja writes).
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every `data-figure="POINTER">VALUE<` in the page equals the JSON's.
fn figures_in_page(page: &str, json: &Value) -> usize {
    let mut checked = 0;
    let mut rest = page;
    while let Some(i) = rest.find("data-figure=\"") {
        rest = &rest[i + 13..];
        let end = rest.find('"').unwrap();
        let pointer = unescape(&rest[..end]);
        let open = rest.find('>').unwrap();
        let close = rest[open..].find('<').unwrap() + open;
        let shown = unescape(&rest[open + 1..close]);
        let value = json
            .pointer(&pointer)
            .unwrap_or_else(|| panic!("{pointer} is in the JSON"));
        let expected = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        assert_eq!(shown, expected, "the page's {pointer}");
        checked += 1;
    }
    checked
}

async fn page_checks(report: &Report, json: &Value) {
    let page = report.to_html().unwrap();
    assert!(page.len() < 2 << 20, "{} bytes", page.len());
    assert!(!page.contains("<script"), "no script");
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http"),
        "no network fetch"
    );
    assert_eq!(
        page.matches("<svg role=\"img\"").count(),
        page.matches("<title id=").count()
    );
    let checked = figures_in_page(&page, json);
    assert!(checked > 150, "{checked} figures checked");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, &page).unwrap();
    let Some(browser) = iotcard_headless::Browser::launch_or_skip().await.unwrap() else {
        return;
    };
    let url = format!("file://{}", file.display());
    for (width, height) in [(390, 844), (1280, 900)] {
        let check = browser.check(&url, width, height).await.unwrap();
        assert!(
            check.console_errors.is_empty(),
            "{width}: {:?}",
            check.console_errors
        );
        assert!(
            check.overflowing.is_empty(),
            "{width}: {:?}",
            check.overflowing
        );
        assert_eq!(check.title, "Fleet report 2026-11");
        for title in [
            "Cards by account, operator and status",
            "Daily fleet data use (MB)",
            "Daily fleet data use (provider unit)",
            "Cards by data used in the period (buckets by powers of ten)",
        ] {
            assert!(check.text.contains(title), "{width}: chart {title:?}");
        }
        check
            .save_screenshot(
                Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("report-{width}.png")),
            )
            .unwrap();
    }
    browser.close().await.unwrap();
}
