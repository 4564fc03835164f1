//! `/metrics`: parsed by Python's `prometheus_client` (both formats),
//! named by Prometheus' rules, escaped, and capped with a million cards.

#[path = "support/synthetic.rs"]
mod synthetic;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use iotcard_observe::{render_metrics, Format, BYTES_PER_MB};

/// The agreed metric families (notes: the metric set), as exposed.
const AGREED: &[&str] = &[
    "iotcard_build_info",
    "iotcard_account_info",
    "iotcard_cards",
    "iotcard_cards_expiring",
    "iotcard_data_used_bytes",
    "iotcard_data_left_bytes",
    "iotcard_sms_used",
    "iotcard_alerts_firing",
    "iotcard_sync_last_success_timestamp_seconds",
    "iotcard_sync_duration_seconds",
    "iotcard_sync_cards",
    "iotcard_requests_total",
    "iotcard_retries_total",
    "iotcard_notifications_total",
    "iotcard_outbox_pending",
    "iotcard_aggregates_timestamp_seconds",
    "iotcard_card_data_used_bytes",
    "iotcard_card_data_left_bytes",
    "iotcard_card_series_dropped_total",
];

/// Runs `script` with the exposition on stdin; `None` (after saying why)
/// when python3 or its `prometheus_client` is missing (CI installs both).
fn python(script: &str, input: &str) -> Option<String> {
    let probe = Command::new("python3")
        .args(["-c", "import prometheus_client"])
        .output();
    match probe {
        Ok(out) if out.status.success() => {}
        _ => {
            eprintln!("skipped: python3 with prometheus_client is not installed (pip install prometheus-client)");
            return None;
        }
    }
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the parser refused the exposition: {}\n{input}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// Prints `name type` per family and `sample labels-json value` per sample.
const DUMP: &str = r#"
import sys, json
from prometheus_client.parser import text_string_to_metric_families as prom
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
parse = om if sys.argv[-1] == "om" else prom
for family in parse(sys.stdin.read()):
    print("F", family.name, family.type)
    for s in family.samples:
        print("S", s.name, json.dumps(s.labels, sort_keys=True, ensure_ascii=False), repr(float(s.value)))
"#;

struct Parsed {
    families: BTreeMap<String, String>,
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
}

fn parse(body: &str, format: Format) -> Option<Parsed> {
    let arg = if format == Format::OpenMetrics {
        "om"
    } else {
        "prom"
    };
    // `python3 -c` has no script arguments to speak of: the format goes in the text.
    let script = DUMP.replace("sys.argv[-1]", &format!("{arg:?}"));
    let out = python(&script, body)?;
    let mut families = BTreeMap::new();
    let mut samples = Vec::new();
    for line in out.lines() {
        let (kind, rest) = line.split_once(' ').unwrap();
        match kind {
            "F" => {
                let (name, ty) = rest.split_once(' ').unwrap();
                families.insert(name.to_owned(), ty.to_owned());
            }
            _ => {
                let (name, rest) = rest.split_once(' ').unwrap();
                let (labels, value) = rest.rsplit_once(' ').unwrap();
                samples.push((
                    name.to_owned(),
                    serde_json_labels(labels),
                    value.parse().unwrap(),
                ));
            }
        }
    }
    Some(Parsed { families, samples })
}

/// The parser's labels (a flat JSON object of strings), without a JSON crate.
fn serde_json_labels(json: &str) -> BTreeMap<String, String> {
    // The dump writes json.dumps(..., ensure_ascii=False); decode its few escapes.
    let mut labels = BTreeMap::new();
    let inner = json.trim().trim_start_matches('{').trim_end_matches('}');
    let mut chars = inner.chars().peekable();
    let read_string = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| -> Option<String> {
        while chars.peek().is_some_and(|c| *c != '"') {
            chars.next();
        }
        chars.next()?;
        let mut s = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(s),
                '\\' => match chars.next()? {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    other => s.push(other),
                },
                c => s.push(c),
            }
        }
        None
    };
    while let Some(key) = read_string(&mut chars) {
        let value = read_string(&mut chars).unwrap();
        labels.insert(key, value);
    }
    labels
}

fn value(parsed: &Parsed, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let want: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    parsed
        .samples
        .iter()
        .find(|(n, l, _)| n == name && *l == want)
        .map(|s| s.2)
}

#[test]
fn the_prometheus_text_parses_and_holds_the_figures() {
    let figures = Arc::new(synthetic::small());
    let body = render_metrics(&figures, Format::Prometheus).unwrap();
    assert!(
        !body.contains("# EOF"),
        "OpenMetrics' end marker in the text format"
    );
    let Some(parsed) = parse(&body, Format::Prometheus) else {
        return;
    };
    let card = |status: &str, operator: &str, account: &str, provider: &str| {
        value(
            &parsed,
            "iotcard_cards",
            &[
                ("account", account),
                ("provider", provider),
                ("operator", operator),
                ("status", status),
            ],
        )
    };
    assert_eq!(
        card("active", "china_mobile", "default", "iotbos"),
        Some(2.0)
    );
    assert_eq!(card("suspended", "unknown", "default", "iotbos"), Some(1.0));
    assert_eq!(
        card("unknown", "china_unicom", "shop2", "tencent"),
        Some(1.0)
    );
    let shop2 = [("account", "shop2")];
    assert_eq!(
        value(&parsed, "iotcard_data_used_bytes", &shop2),
        Some(14.97 * BYTES_PER_MB)
    );
    assert_eq!(
        value(
            &parsed,
            "iotcard_data_used_provider_units",
            &[("account", "default")]
        ),
        Some(68.5)
    );
    assert_eq!(
        value(
            &parsed,
            "iotcard_alerts_firing",
            &[("rule", "quota"), ("severity", "warning")]
        ),
        Some(2.0)
    );
    assert_eq!(
        value(
            &parsed,
            "iotcard_alerts_firing",
            &[("rule", "sync"), ("severity", "critical")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &parsed,
            "iotcard_sync_cards",
            &[("account", "default"), ("outcome", "not_found")]
        ),
        Some(7.0)
    );
    assert_eq!(
        value(
            &parsed,
            "iotcard_sync_duration_seconds",
            &[("account", "default")]
        ),
        Some(42.0)
    );
    assert_eq!(
        value(
            &parsed,
            "iotcard_sync_last_success_timestamp_seconds",
            &[("account", "default")]
        ),
        Some(synthetic::t("2026-11-30T08:50:42+08:00").timestamp() as f64)
    );
    assert_eq!(
        value(
            &parsed,
            "iotcard_requests_total",
            &[("account", "default"), ("call", "card_info")]
        ),
        Some(1200.0)
    );
    assert_eq!(
        value(&parsed, "iotcard_build_info", &[("version", "0.1.0")]),
        Some(1.0)
    );
    assert_eq!(
        value(
            &parsed,
            "iotcard_account_info",
            &[
                ("account", "shop2"),
                ("provider", "tencent"),
                ("endpoint", "tencent.example.com")
            ]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &parsed,
            "iotcard_card_data_left_provider_units",
            &[("account", "default"), ("card", "1064800000002")]
        ),
        Some(-8.0)
    );
    assert_eq!(value(&parsed, "iotcard_outbox_pending", &[]), Some(2.0));
    // Every family's HELP says the figures are cached, per Prometheus' guidance.
    for line in body.lines().filter(|l| l.starts_with("# HELP ")) {
        assert!(
            line.contains("after each pass") && line.contains("not on scrape"),
            "{line}"
        );
    }
}

#[test]
fn openmetrics_parses_when_asked_for() {
    let figures = Arc::new(synthetic::small());
    let format = Format::from_accept(Some(
        "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
    ));
    assert_eq!(format, Format::OpenMetrics);
    let body = render_metrics(&figures, format).unwrap();
    assert!(body.ends_with("# EOF\n"));
    let Some(parsed) = parse(&body, Format::OpenMetrics) else {
        return;
    };
    assert_eq!(
        parsed.families.get("iotcard_build").map(String::as_str),
        Some("info")
    );
    assert_eq!(
        parsed.families.get("iotcard_requests").map(String::as_str),
        Some("counter")
    );
    assert_eq!(
        value(
            &parsed,
            "iotcard_requests_total",
            &[("account", "default"), ("call", "card_info")]
        ),
        Some(1200.0)
    );
    assert_eq!(
        value(
            &parsed,
            "iotcard_notifications_total",
            &[("notifier", "ops"), ("outcome", "retried")]
        ),
        Some(1.0)
    );
}

#[test]
fn the_accept_header_picks_the_format() {
    assert_eq!(Format::from_accept(None), Format::Prometheus);
    assert_eq!(Format::from_accept(Some("*/*")), Format::Prometheus);
    assert_eq!(
        Format::from_accept(Some("text/plain;version=0.0.4")),
        Format::Prometheus
    );
    assert_eq!(
        Format::from_accept(Some("application/openmetrics-text;q=0, text/plain")),
        Format::Prometheus
    );
    assert_eq!(
        Format::from_accept(Some(
            "text/plain;q=0.5, Application/OpenMetrics-Text; version=1.0.0"
        )),
        Format::OpenMetrics
    );
    assert!(Format::Prometheus
        .content_type()
        .starts_with("text/plain; version=0.0.4"));
    assert!(Format::OpenMetrics
        .content_type()
        .starts_with("application/openmetrics-text"));
}

/// Family names and types from the `# TYPE` lines of the text format.
fn families(body: &str) -> BTreeMap<String, String> {
    body.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| {
            let (name, ty) = l.split_once(' ').unwrap();
            (name.to_owned(), ty.to_owned())
        })
        .collect()
}

#[test]
fn every_family_follows_the_naming_rules() {
    let figures = Arc::new(synthetic::small());
    let prom = families(&render_metrics(&figures, Format::Prometheus).unwrap());
    let om = families(&render_metrics(&figures, Format::OpenMetrics).unwrap());
    let names: BTreeSet<&str> = prom.keys().map(String::as_str).collect();
    for agreed in AGREED {
        assert!(
            names.contains(agreed),
            "{agreed} is not exported: {names:?}"
        );
    }
    for (name, ty) in &prom {
        assert!(name.starts_with("iotcard_"), "{name}: no iotcard_ prefix");
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{name}: not snake case"
        );
        assert_eq!(
            ty == "counter",
            name.ends_with("_total"),
            "{name} ({ty}): _total iff a counter"
        );
        assert!(!name.contains("__") && !name.ends_with('_'), "{name}");
        if name.contains("timestamp") {
            assert!(
                name.ends_with("_timestamp_seconds"),
                "{name}: times end _timestamp_seconds"
            );
        }
        for unit in [
            "_mb",
            "_kb",
            "_gb",
            "_milliseconds",
            "_minutes",
            "_hours",
            "_days",
            "_percent",
        ] {
            assert!(
                !name.contains(&format!("{unit}_")) && !name.ends_with(unit),
                "{name}: not a base unit"
            );
        }
        if name.contains("duration") {
            assert!(name.ends_with("_seconds"), "{name}: durations in seconds");
        }
    }
    // OpenMetrics types the metadata series as info, named `_info`.
    for (name, ty) in &om {
        if ty == "info" {
            assert!(prom.contains_key(&format!("{name}_info")), "{name}");
        }
    }
    assert!(prom
        .keys()
        .filter(|n| n.ends_with("_info"))
        .all(|n| prom[n] == "gauge"));
    assert_eq!(om.get("iotcard_build").map(String::as_str), Some("info"));
    assert_eq!(om.get("iotcard_account").map(String::as_str), Some("info"));
}

#[test]
fn label_values_are_escaped() {
    let mut figures = synthetic::small();
    let nasty = "a\"b\\c\nd 引号";
    figures.aggregates.cards[0].profile = nasty.into();
    figures
        .severities
        .insert("quota".into(), "war\"ning".into());
    let figures = Arc::new(figures);
    let body = render_metrics(&figures, Format::Prometheus).unwrap();
    assert!(body.contains(r#"account="a\"b\\c\nd 引号""#), "{body}");
    let Some(parsed) = parse(&body, Format::Prometheus) else {
        return;
    };
    assert_eq!(
        value(
            &parsed,
            "iotcard_cards",
            &[
                ("account", nasty),
                ("provider", "iotbos"),
                ("operator", "china_mobile"),
                ("status", "active")
            ]
        ),
        Some(2.0)
    );
    assert_eq!(
        value(
            &parsed,
            "iotcard_alerts_firing",
            &[("rule", "quota"), ("severity", "war\"ning")]
        ),
        Some(2.0)
    );
}

fn series(body: &str, prefix: &str) -> usize {
    body.lines()
        .filter(|l| !l.starts_with('#') && l.starts_with(prefix))
        .count()
}

#[test]
fn a_million_cards_stay_under_the_cap() {
    let limit = 10_000;
    let figures = Arc::new(synthetic::million(limit as usize, limit));
    let body = render_metrics(&figures, Format::Prometheus).unwrap();
    let per_card = series(&body, "iotcard_card_data_");
    assert_eq!(
        per_card, limit as usize,
        "per-card series fill the cap exactly"
    );
    let all = body.lines().filter(|l| !l.starts_with('#')).count();
    // 20 accounts × 4 operators × 8 statuses of cards, a few per account, the cap.
    assert!(all < limit as usize + 1_000, "{all} series");
    // Every card reports used and left: 2,000,000 figures, 10,000 served.
    assert_eq!(figures.counters.card_series_dropped, 2_000_000 - 10_000);
    assert!(body.contains("iotcard_card_series_dropped_total 1990000\n"));
    // The card counts sum to the fleet.
    let cards: f64 = body
        .lines()
        .filter(|l| l.starts_with("iotcard_cards{"))
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<f64>().unwrap())
        .sum();
    assert_eq!(cards, 1_000_000.0);
    if let Some(parsed) = parse(&body, Format::Prometheus) {
        assert_eq!(parsed.samples.len(), all);
    }
}

#[test]
fn per_card_series_are_off_unless_asked_for() {
    let mut figures = synthetic::million(100, 10_000);
    figures.per_card.enabled = false;
    figures.counters.card_series_dropped = figures.per_card.dropped(&figures.aggregates);
    assert_eq!(figures.counters.card_series_dropped, 0);
    assert_eq!(figures.per_card.rows_to_read(), 0);
    let body = render_metrics(&Arc::new(figures), Format::Prometheus).unwrap();
    assert_eq!(series(&body, "iotcard_card_data_"), 0);
    assert!(body.contains("iotcard_card_series_dropped_total 0\n"));
}

#[test]
fn a_tight_cap_takes_figures_in_card_order() {
    let mut figures = synthetic::small();
    figures.per_card.limit = 3;
    let figures = Arc::new(figures);
    let body = render_metrics(&figures, Format::Prometheus).unwrap();
    let per_card: Vec<&str> = body
        .lines()
        .filter(|l| l.starts_with("iotcard_card_data_"))
        .collect();
    // Card 1: used; card 2: used and left; card 3 has none; card 4 is past the cap.
    assert_eq!(per_card.len(), 3, "{per_card:?}");
    assert!(per_card.iter().all(|l| !l.contains("898602b7091701054333")));
    assert_eq!(figures.per_card.served(&figures.aggregates), 3);
    assert_eq!(figures.per_card.dropped(&figures.aggregates), 6 - 3);
}
