//! deploy/: the Grafana dashboard and the Prometheus files query only what
//! the watcher exports, and are well formed.
//!
//! The exported names are those agreed in `deploy/metrics.txt` (name, type,
//! labels), which the exporter's own tests can assert against too. Every
//! PromQL expression is parsed with a real PromQL parser, and each metric,
//! label matcher, `by (…)`/`on (…)` label, legend `{{label}}` and alert
//! annotation `$labels.x` is checked against the labels that metric has.
//! `promtool` checks the rule and config files too where it is installed.
//! (The systemd unit is checked by the CLI's tests, beside the binary whose
//! flags it names.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use promql_parser::label::Matchers;
use promql_parser::parser::{self, Expr, LabelModifier, VectorSelector};
use serde::Deserialize;
use serde_json::Value;

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn read(relative: &str) -> String {
    let path = deploy().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Labels Prometheus adds to every scraped series.
const TARGET_LABELS: &[&str] = &["job", "instance"];

/// One exported metric: its type and labels.
#[derive(Debug)]
struct Metric {
    kind: String,
    labels: BTreeSet<String>,
}

/// `deploy/metrics.txt`, plus Prometheus' own `up`.
#[derive(Debug)]
struct Catalog(BTreeMap<String, Metric>);

impl Catalog {
    fn parse(text: &str) -> Result<Self, String> {
        let mut metrics = BTreeMap::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = || format!("metrics.txt line {}", number + 1);
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [name, kind, labels] = fields[..] else {
                return Err(format!("{}: want NAME TYPE LABELS, got {line:?}", at()));
            };
            naming_rules(name, kind).map_err(|why| format!("{}: {name}: {why}", at()))?;
            let labels = if labels == "-" {
                BTreeSet::new()
            } else {
                labels.split(',').map(str::to_owned).collect()
            };
            let metric = Metric {
                kind: kind.to_owned(),
                labels,
            };
            if metrics.insert(name.to_owned(), metric).is_some() {
                return Err(format!("{}: {name} listed twice", at()));
            }
        }
        metrics.insert(
            "up".to_owned(),
            Metric {
                kind: "gauge".to_owned(),
                labels: BTreeSet::new(),
            },
        );
        Ok(Self(metrics))
    }
}

/// Prometheus' naming rules as the exporter follows them.
fn naming_rules(name: &str, kind: &str) -> Result<(), &'static str> {
    if !name.starts_with("iotcard_") {
        return Err("no iotcard_ prefix");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err("not snake_case");
    }
    match kind {
        "counter" if !name.ends_with("_total") => Err("a counter's name ends in _total"),
        "gauge" if name.ends_with("_total") => Err("only counters end in _total"),
        "counter" | "gauge" => Ok(()),
        _ => Err("the type is counter or gauge"),
    }
}

/// What one expression uses, and what is wrong with it.
#[derive(Debug, Default)]
struct Findings {
    metrics: BTreeSet<String>,
    problems: Vec<String>,
}

/// Grafana's interval variables as PromQL durations; `$account` stays, as
/// it only appears inside a regex matcher's string.
fn from_grafana(expr: &str) -> String {
    expr.replace("$__rate_interval", "5m")
        .replace("$__interval", "1m")
        .replace("$__range", "1h")
}

impl Catalog {
    /// Parses `expr` and checks every name in it; returns the labels of its
    /// result (None if it does not parse).
    fn check(&self, expr: &str, findings: &mut Findings) -> Option<BTreeSet<String>> {
        match parser::parse(expr) {
            Ok(ast) => Some(self.walk(&ast, findings)),
            Err(e) => {
                findings.problems.push(format!("does not parse: {e}"));
                None
            }
        }
    }

    /// The labels of `expr`'s result, noting its metrics and problems.
    fn walk(&self, expr: &Expr, found: &mut Findings) -> BTreeSet<String> {
        match expr {
            Expr::VectorSelector(vs) => self.selector(vs, found),
            Expr::MatrixSelector(ms) => self.selector(&ms.vs, found),
            Expr::Paren(p) => self.walk(&p.expr, found),
            Expr::Subquery(s) => self.walk(&s.expr, found),
            Expr::Unary(u) => self.walk(&u.expr, found),
            Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => BTreeSet::new(),
            Expr::Aggregate(agg) => {
                let input = self.walk(&agg.expr, found);
                if let Some(param) = &agg.param {
                    self.walk(param, found);
                }
                let op = agg.op.to_string();
                match &agg.modifier {
                    Some(LabelModifier::Include(by)) => {
                        for label in &by.labels {
                            if !input.contains(label) {
                                found.problems.push(format!(
                                    "{op} by ({label}): the input has no label {label} ({})",
                                    list(&input)
                                ));
                            }
                        }
                        by.labels.iter().cloned().collect()
                    }
                    Some(LabelModifier::Exclude(without)) => input
                        .into_iter()
                        .filter(|l| !without.labels.contains(l))
                        .collect(),
                    // topk/bottomk keep their series' labels.
                    None if matches!(op.as_str(), "topk" | "bottomk") => input,
                    None => BTreeSet::new(),
                }
            }
            Expr::Call(call) => {
                let args: Vec<BTreeSet<String>> =
                    call.args.args.iter().map(|a| self.walk(a, found)).collect();
                match call.func.name {
                    // A vector's labels go through these unchanged.
                    "rate" | "irate" | "increase" | "delta" | "deriv" | "abs" | "ceil"
                    | "floor" | "round" | "clamp_min" | "clamp_max" | "max_over_time"
                    | "min_over_time" | "avg_over_time" | "last_over_time" => {
                        args.into_iter().next().unwrap_or_default()
                    }
                    _ => BTreeSet::new(),
                }
            }
            Expr::Binary(bin) => {
                let lhs = self.walk(&bin.lhs, found);
                let rhs = self.walk(&bin.rhs, found);
                let matching = bin.modifier.as_ref().and_then(|m| m.matching.as_ref());
                if let Some(LabelModifier::Include(on)) = matching {
                    for label in &on.labels {
                        for (side, labels) in [("left", &lhs), ("right", &rhs)] {
                            if !labels.contains(label) {
                                found.problems.push(format!(
                                    "on ({label}): the {side} side has no label {label} ({})",
                                    list(labels)
                                ));
                            }
                        }
                    }
                }
                let op = bin.op.to_string();
                let set_or_comparison = matches!(
                    op.as_str(),
                    "and" | "or" | "unless" | "==" | "!=" | ">" | "<" | ">=" | "<="
                );
                match matching {
                    // Arithmetic matched on labels keeps only those.
                    Some(LabelModifier::Include(on)) if !set_or_comparison => {
                        on.labels.iter().cloned().collect()
                    }
                    _ if lhs.is_empty() => rhs,
                    _ => lhs,
                }
            }
        }
    }

    fn selector(&self, vs: &VectorSelector, found: &mut Findings) -> BTreeSet<String> {
        let Some(name) = &vs.name else {
            found
                .problems
                .push(format!("a selector without a metric name: {vs}"));
            return BTreeSet::new();
        };
        found.metrics.insert(name.clone());
        let Some(metric) = self.0.get(name) else {
            found.problems.push(format!(
                "{name} is not exported (deploy/metrics.txt lists what is)"
            ));
            return BTreeSet::new();
        };
        let mut labels = metric.labels.clone();
        labels.extend(TARGET_LABELS.iter().map(|l| (*l).to_owned()));
        for label in matcher_labels(&vs.matchers) {
            if !labels.contains(&label) {
                found.problems.push(format!(
                    "{name}{{{label}…}}: {name} has no label {label} ({})",
                    list(&labels)
                ));
            }
        }
        labels
    }
}

fn matcher_labels(matchers: &Matchers) -> Vec<String> {
    matchers
        .matchers
        .iter()
        .chain(matchers.or_matchers.iter().flatten())
        .map(|m| m.name.clone())
        .filter(|name| name != "__name__")
        .collect()
}

fn list(labels: &BTreeSet<String>) -> String {
    if labels.is_empty() {
        "it has none".to_owned()
    } else {
        format!(
            "it has {}",
            labels.iter().cloned().collect::<Vec<_>>().join(", ")
        )
    }
}

/// `{{label}}` in a legend, `{{ $labels.label }}` in an annotation.
fn template_labels(template: &str, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        let inside = rest[start + 2..start + end].trim();
        for word in inside.split_whitespace() {
            if let Some(label) = word.strip_prefix(prefix) {
                if !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    found.push(label.to_owned());
                }
            }
        }
        rest = &rest[start + end + 2..];
    }
    found
}

fn catalog() -> Catalog {
    Catalog::parse(&read("metrics.txt")).unwrap()
}

// ---- the checker itself: it must find what is wrong ----

#[test]
fn the_checker_finds_unknown_metrics_labels_and_syntax_errors() {
    let catalog = catalog();
    let problems = |expr: &str| {
        let mut found = Findings::default();
        catalog.check(&from_grafana(expr), &mut found);
        found.problems
    };
    assert_eq!(
        problems(r#"sum by (status) (iotcard_cards{account=~"$account"})"#),
        Vec::<String>::new()
    );
    assert_eq!(
        problems("sum(iotcard_card_total)"),
        ["iotcard_card_total is not exported (deploy/metrics.txt lists what is)"]
    );
    assert_eq!(
        problems("sum by (operater) (iotcard_cards)"),
        ["sum by (operater): the input has no label operater \
          (it has account, instance, job, operator, provider, status)"]
    );
    assert_eq!(
        problems(r#"iotcard_retries_total{call="x"}"#),
        [
            "iotcard_retries_total{call…}: iotcard_retries_total has no label call \
          (it has account, instance, job)"
        ]
    );
    // The labels an aggregation leaves are all that is left.
    assert_eq!(
        problems("sum by (operator) (sum by (account) (iotcard_cards))"),
        ["sum by (operator): the input has no label operator (it has account)"]
    );
    assert_eq!(
        problems("iotcard_account_info unless on (rule) iotcard_sync_duration_seconds").len(),
        2
    );
    let syntax = problems("sum(rate(iotcard_requests_total[5m])");
    assert_eq!(syntax.len(), 1, "{syntax:?}");
    assert!(syntax[0].starts_with("does not parse"), "{syntax:?}");
    // Grafana's interval variable becomes a duration.
    assert!(problems("rate(iotcard_retries_total[$__rate_interval])").is_empty());
}

#[test]
fn the_agreed_names_follow_prometheus_naming_rules() {
    let catalog = catalog();
    assert!(catalog.0.len() > 10);
    for (name, metric) in &catalog.0 {
        if name == "up" {
            continue;
        }
        naming_rules(name, &metric.kind).unwrap();
        if name.ends_with("_info") {
            assert_eq!(
                metric.kind, "gauge",
                "{name}: an _info series is a gauge of 1"
            );
        }
        assert!(
            !metric.labels.iter().any(|l| l.starts_with("__")),
            "{name}: reserved label"
        );
    }
    for (name, kind, why) in [
        ("cards", "gauge", "no iotcard_ prefix"),
        (
            "iotcard_requests",
            "counter",
            "a counter's name ends in _total",
        ),
        (
            "iotcard_cards_total",
            "gauge",
            "only counters end in _total",
        ),
        ("iotcard_Cards", "gauge", "not snake_case"),
        ("iotcard_cards", "histogram", "the type is counter or gauge"),
    ] {
        assert_eq!(naming_rules(name, kind), Err(why), "{name}");
    }
    for bad in [
        "iotcard_cards gauge",
        "iotcard_x_total gauge -",
        "a gauge -\na gauge -",
    ] {
        assert!(Catalog::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn templates_name_their_labels() {
    assert_eq!(
        template_labels("{{account}} {{ outcome }}", ""),
        ["account", "outcome"]
    );
    assert_eq!(
        template_labels(
            "{{ $value | humanize }} of {{ $labels.account }}",
            "$labels."
        ),
        ["account"]
    );
    assert!(template_labels("plain", "").is_empty());
}

// ---- the dashboard ----

/// Every panel, rows' nested panels included.
fn panels(dashboard: &Value) -> Vec<&Value> {
    let mut all = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        all.push(panel);
        if let Some(nested) = panel.get("panels").and_then(Value::as_array) {
            all.extend(nested);
        }
    }
    all
}

#[test]
fn the_dashboard_is_importable_with_a_prometheus_datasource_input() {
    let dashboard: Value = serde_json::from_str(&read("grafana/iotcard-dashboard.json")).unwrap();
    let inputs = dashboard["__inputs"].as_array().expect("__inputs");
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0]["name"], "DS_PROMETHEUS");
    assert_eq!(inputs[0]["type"], "datasource");
    assert_eq!(inputs[0]["pluginId"], "prometheus");
    assert!(dashboard["uid"]
        .as_str()
        .is_some_and(|u| !u.is_empty() && u.len() <= 40));
    assert!(dashboard["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(dashboard["schemaVersion"].as_u64().is_some());
    // The JSON is nothing but an export: no instance-specific id.
    assert!(dashboard["id"].is_null(), "an exported dashboard has no id");

    let mut ids = BTreeSet::new();
    for panel in panels(&dashboard) {
        let title = panel["title"].as_str().unwrap_or("");
        assert!(!title.is_empty(), "a panel without a title: {panel}");
        assert!(
            ids.insert(panel["id"].as_u64().expect("panel id")),
            "{title}: id repeated"
        );
        let grid = &panel["gridPos"];
        let (x, w) = (grid["x"].as_u64().unwrap(), grid["w"].as_u64().unwrap());
        assert!(
            x + w <= 24 && w > 0 && grid["h"].as_u64().unwrap() > 0,
            "{title}: {grid}"
        );
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(panel["datasource"]["uid"], "${DS_PROMETHEUS}", "{title}");
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{title}: no query");
        for target in targets {
            assert_eq!(target["datasource"]["uid"], "${DS_PROMETHEUS}", "{title}");
        }
    }
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        assert_eq!(variable["datasource"]["uid"], "${DS_PROMETHEUS}");
    }
}

#[test]
fn every_dashboard_query_names_only_exported_metrics_and_their_labels() {
    let catalog = catalog();
    let dashboard: Value = serde_json::from_str(&read("grafana/iotcard-dashboard.json")).unwrap();
    let mut problems = Vec::new();
    let mut used = BTreeSet::new();
    let mut queries = 0;
    for panel in panels(&dashboard) {
        let title = panel["title"].as_str().unwrap_or("?");
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().expect("a PromQL expr");
            queries += 1;
            let mut found = Findings::default();
            let labels = catalog.check(&from_grafana(expr), &mut found);
            let legend = target["legendFormat"].as_str().unwrap_or("");
            if let Some(labels) = labels {
                for label in template_labels(legend, "") {
                    if !labels.contains(&label) {
                        found.problems.push(format!(
                            "legend {{{{{label}}}}}: the result has no label {label} ({})",
                            list(&labels)
                        ));
                    }
                }
            }
            used.extend(found.metrics);
            problems.extend(
                found
                    .problems
                    .into_iter()
                    .map(|p| format!("panel {title:?}: {expr}: {p}")),
            );
        }
    }
    // The account picker: label_values(METRIC, LABEL).
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        let query = variable["query"]["query"]
            .as_str()
            .expect("a variable query");
        let inner = query
            .strip_prefix("label_values(")
            .and_then(|q| q.strip_suffix(')'))
            .expect("label_values(metric, label)");
        let (selector, label) = inner.rsplit_once(',').expect("a label");
        let mut found = Findings::default();
        let labels = catalog
            .check(selector.trim(), &mut found)
            .unwrap_or_default();
        assert!(labels.contains(label.trim()), "{query}: no label {label}");
        assert_eq!(dashboard["templating"]["list"][0]["name"], "account");
        used.extend(found.metrics);
        problems.extend(found.problems);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(queries > 20, "{queries} queries");
    // Everything the watcher exports is on the dashboard somewhere.
    let exported: BTreeSet<String> = catalog.0.keys().cloned().collect();
    let unused: Vec<&String> = exported.difference(&used).collect();
    assert!(unused.is_empty(), "not on the dashboard: {unused:?}");
}

#[test]
fn the_dashboard_shows_the_fleet_the_sync_health_and_the_alerts() {
    let dashboard: Value = serde_json::from_str(&read("grafana/iotcard-dashboard.json")).unwrap();
    let rows: Vec<&str> = panels(&dashboard)
        .into_iter()
        .filter(|p| p["type"] == "row")
        .filter_map(|p| p["title"].as_str())
        .collect();
    assert_eq!(
        rows,
        [
            "Fleet overview",
            "Sync health per account",
            "Alerts and notifications"
        ]
    );
    let exprs: Vec<String> = panels(&dashboard)
        .into_iter()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
        .filter_map(|t| t["expr"].as_str().map(str::to_owned))
        .collect();
    let has = |needle: &str| exprs.iter().any(|e| e.contains(needle));
    for needle in [
        "sum by (status) (iotcard_cards",
        "sum by (operator) (iotcard_cards",
        r#"within="7d""#,
        r#"within="30d""#,
        "iotcard_data_used_bytes",
        "iotcard_data_left_bytes",
        "time() - iotcard_sync_last_success_timestamp_seconds",
        "iotcard_sync_duration_seconds",
        "sum by (account, outcome) (iotcard_sync_cards",
        "rate(iotcard_requests_total",
        "rate(iotcard_retries_total",
        "sum by (rule, severity) (iotcard_alerts_firing)",
    ] {
        assert!(has(needle), "no panel queries {needle}");
    }
}

// ---- the Prometheus files ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    groups: Vec<RuleGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleGroup {
    name: String,
    interval: Option<String>,
    rules: Vec<AlertRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertRule {
    alert: String,
    expr: String,
    #[serde(rename = "for")]
    pending_for: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

/// A Prometheus duration: `5m`, `1h30m`, `0s`.
fn is_duration(text: &str) -> bool {
    let mut rest = text;
    let mut parts = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let unit = rest[digits..]
            .bytes()
            .take_while(u8::is_ascii_alphabetic)
            .count();
        if digits == 0
            || !matches!(
                &rest[digits..digits + unit],
                "ms" | "s" | "m" | "h" | "d" | "w" | "y"
            )
        {
            return false;
        }
        rest = &rest[digits + unit..];
        parts += 1;
    }
    parts > 0
}

#[test]
fn the_alert_rules_are_valid_and_query_only_exported_metrics() {
    let catalog = catalog();
    let file: RuleFile = serde_norway::from_str(&read("prometheus/iotcard-alerts.yml"))
        .expect("iotcard-alerts.yml is a Prometheus rule file");
    let mut groups = BTreeSet::new();
    let mut alerts = BTreeSet::new();
    let mut problems = Vec::new();
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for group in &file.groups {
        assert!(groups.insert(&group.name), "group {} twice", group.name);
        assert!(group.interval.as_deref().is_none_or(is_duration));
        assert!(!group.rules.is_empty(), "group {} is empty", group.name);
        for rule in &group.rules {
            let name = &rule.alert;
            assert!(alerts.insert(name), "alert {name} twice");
            assert!(
                name.starts_with("Iotcard") && name.bytes().all(|b| b.is_ascii_alphanumeric()),
                "{name}: alert names are CamelCase, Iotcard…"
            );
            if let Some(pending) = &rule.pending_for {
                assert!(is_duration(pending), "{name}: for: {pending}");
            }
            let mut found = Findings::default();
            let Some(mut labels) = catalog.check(&rule.expr, &mut found) else {
                problems.extend(found.problems.into_iter().map(|p| format!("{name}: {p}")));
                continue;
            };
            labels.extend(rule.labels.keys().cloned());
            assert!(
                labels.contains("severity"),
                "{name}: no severity label (from the rule or the series)"
            );
            if let Some(severity) = rule.labels.get("severity") {
                assert!(
                    ["critical", "warning", "info"].contains(&severity.as_str()),
                    "{name}: severity {severity}"
                );
            }
            assert!(
                rule.annotations.contains_key("summary"),
                "{name}: no summary"
            );
            for (key, text) in &rule.annotations {
                for label in template_labels(text, "$labels.") {
                    if !labels.contains(&label) {
                        found.problems.push(format!(
                            "annotation {key} names $labels.{label}, which the alert lacks ({})",
                            list(&labels)
                        ));
                    }
                }
            }
            problems.extend(found.problems.into_iter().map(|p| format!("{name}: {p}")));
            uses.insert(name.clone(), found.metrics);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // What an operator needs to be woken for.
    let alert_using = |metric: &str, needle: &str| {
        file.groups.iter().flat_map(|g| &g.rules).any(|r| {
            uses.get(&r.alert).is_some_and(|m| m.contains(metric)) && r.expr.contains(needle)
        })
    };
    assert!(alert_using("up", "== 0"), "no watcher-down alert");
    assert!(
        alert_using(
            "iotcard_sync_last_success_timestamp_seconds",
            "time() - iotcard_sync_last_success_timestamp_seconds"
        ),
        "no stale-sync alert"
    );
    assert!(
        alert_using("iotcard_sync_cards", r#"outcome="failed""#),
        "no failed-share alert"
    );
    assert!(
        alert_using("iotcard_alerts_firing", "> 0"),
        "no alerts-firing alert"
    );
}

#[test]
fn the_example_config_scrapes_the_watcher_and_loads_the_rules() {
    #[derive(Debug, Deserialize)]
    struct Config {
        global: BTreeMap<String, String>,
        rule_files: Vec<String>,
        scrape_configs: Vec<Scrape>,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Scrape {
        job_name: String,
        metrics_path: String,
        scrape_timeout: String,
        static_configs: Vec<Targets>,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Targets {
        targets: Vec<String>,
    }
    let config: Config = serde_norway::from_str(&read("prometheus/prometheus.yml")).unwrap();
    for value in config.global.values() {
        assert!(is_duration(value), "{value}");
    }
    for file in &config.rule_files {
        assert!(
            deploy().join("prometheus").join(file).is_file(),
            "rule file {file} missing"
        );
    }
    let [job] = &config.scrape_configs[..] else {
        panic!("one scrape job: {:?}", config.scrape_configs)
    };
    assert_eq!(job.metrics_path, "/metrics");
    assert!(is_duration(&job.scrape_timeout));
    assert_eq!(job.static_configs[0].targets, ["127.0.0.1:9464"]);
    // The job the rules and the dashboard ask `up` about.
    let selector = format!(r#"up{{job="{}"}}"#, job.job_name);
    assert!(
        read("prometheus/iotcard-alerts.yml").contains(&selector),
        "{selector}"
    );
    assert!(read("grafana/iotcard-dashboard.json").contains(&selector.replace('"', "\\\"")));
}

#[test]
fn durations_are_read_as_prometheus_reads_them() {
    for ok in ["5m", "1h30m", "0s", "100ms", "2w"] {
        assert!(is_duration(ok), "{ok}");
    }
    for bad in ["", "5", "m", "5 m", "1.5h", "5min"] {
        assert!(!is_duration(bad), "{bad}");
    }
}

#[test]
fn promtool_accepts_the_rules_and_the_config_where_installed() {
    let Ok(version) = Command::new("promtool").arg("--version").output() else {
        eprintln!("skipping: promtool is not installed (Debian's `prometheus` package has it)");
        return;
    };
    assert!(version.status.success());
    for (what, file) in [
        ("rules", "prometheus/iotcard-alerts.yml"),
        ("config", "prometheus/prometheus.yml"),
    ] {
        let out = Command::new("promtool")
            .args(["check", what])
            .arg(deploy().join(file))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool check {what} {file}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
