//! `/metrics`: the figures in the Prometheus text format or OpenMetrics,
//! written by `prometheus-client` (names, types, units, label escaping)
//! from a collector over the figures: nothing is counted at scrape time.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, MetricEncoder};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use crate::error::{ObserveError, Result};
use crate::figures::{Figures, PerCardSeries};

/// Bytes in one MB as the platforms bill it (1 GB plans hold 1024 MB).
pub const BYTES_PER_MB: f64 = 1_048_576.0;

/// Which exposition format a scraper gets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    /// The Prometheus text format, version 0.0.4 (the default).
    Prometheus,
    /// OpenMetrics 1.0 text.
    OpenMetrics,
}

impl Format {
    /// The format an `Accept` header asks for: OpenMetrics when it names
    /// `application/openmetrics-text` (with a non-zero quality), else the
    /// Prometheus text format.
    pub fn from_accept(accept: Option<&str>) -> Self {
        let asks = accept.is_some_and(|header| {
            header.split(',').any(|range| {
                let mut parts = range.split(';').map(str::trim);
                let media = parts.next().unwrap_or_default();
                let refused = parts.any(|p| {
                    p.strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                media.eq_ignore_ascii_case("application/openmetrics-text") && !refused
            })
        });
        if asks {
            Self::OpenMetrics
        } else {
            Self::Prometheus
        }
    }

    /// The `Content-Type` of a body in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Prometheus => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            Self::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// The figures as a `/metrics` body in `format`. They come in an `Arc`,
/// as the watcher shares them: the registry's collector holds another
/// handle for the one render, no copy.
pub fn render_metrics(figures: &Arc<Figures>, format: Format) -> Result<String> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(FiguresCollector(Arc::clone(figures))));
    let mut body = String::with_capacity(64 * 1024);
    match format {
        Format::Prometheus => {
            prometheus_client::encoding::prometheus_text::encode(&mut body, &registry)
        }
        Format::OpenMetrics => prometheus_client::encoding::text::encode(&mut body, &registry),
    }
    .map_err(ObserveError::Encode)?;
    Ok(body)
}

/// What every HELP text says, as Prometheus asks of an exporter that caches.
const CACHED: &str = "Computed by the watcher after each pass from its store, not on scrape.";

/// The figures as a collector (which must be `'static`).
#[derive(Debug)]
struct FiguresCollector(Arc<Figures>);

impl Collector for FiguresCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), fmt::Error> {
        families(&self.0, &mut encoder)
    }
}

/// One family: its descriptor, then each series.
fn family<'a, L: EncodeLabelSet + 'a>(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    kind: MetricType,
    series: impl IntoIterator<Item = (L, Value)>,
) -> Result<(), fmt::Error> {
    let help = format!("{help} {CACHED}");
    let mut metric = encoder.encode_descriptor(name, &help, unit, kind)?;
    for (labels, value) in series {
        let mut one = metric.encode_family(&labels)?;
        value.encode(&mut one, kind)?;
    }
    Ok(())
}

/// A series' value.
#[derive(Clone, Copy)]
enum Value {
    Count(u64),
    Signed(i64),
    Real(f64),
}

impl Value {
    fn encode(self, metric: &mut MetricEncoder<'_>, kind: MetricType) -> Result<(), fmt::Error> {
        let none =
            None::<&prometheus_client::metrics::exemplar::Exemplar<Vec<(String, String)>, f64>>;
        match (kind, self) {
            (MetricType::Counter, Value::Count(n)) => metric.encode_counter(&n, none),
            (MetricType::Counter, Value::Real(n)) => metric.encode_counter(&n, none),
            (MetricType::Counter, Value::Signed(n)) => {
                metric.encode_counter(&u64::try_from(n).unwrap_or(0), none)
            }
            (_, Value::Count(n)) => metric.encode_gauge(&n),
            (_, Value::Signed(n)) => metric.encode_gauge(&n),
            (_, Value::Real(n)) => metric.encode_gauge(&n),
        }
    }
}

type Labels<'a, const N: usize> = [(&'static str, &'a str); N];

fn seconds(at: iotcard_model::Instant) -> f64 {
    at.timestamp() as f64
}

fn families(f: &Figures, e: &mut DescriptorEncoder<'_>) -> Result<(), fmt::Error> {
    let a = &f.aggregates;
    let gauge = MetricType::Gauge;
    // Info series: the library writes `_info` and the value 1.
    e.encode_descriptor(
        "iotcard_build",
        &format!("The watcher's version. {CACHED}"),
        None,
        MetricType::Info,
    )?
    .encode_info(&[("version", f.version.as_str())])?;
    family(
        e,
        "iotcard_aggregates_timestamp_seconds",
        "When the figures were last computed (Unix time).",
        None,
        gauge,
        [(Labels::<0>::default(), Value::Real(seconds(f.computed_at)))],
    )?;
    {
        let mut info = e.encode_descriptor(
            "iotcard_account",
            &format!("An account in the store: its provider and endpoint host (never a credential). {CACHED}"),
            None,
            MetricType::Info,
        )?;
        for s in &a.syncs {
            info.encode_info(&[
                ("account", s.profile.as_str()),
                ("provider", s.provider.as_str()),
                ("endpoint", s.endpoint_host.as_str()),
            ])?;
        }
    }
    family(
        e,
        "iotcard_cards",
        "Cards by account, provider, operator and status, each card as of its latest snapshot.",
        None,
        gauge,
        a.cards.iter().map(|c| {
            (
                [
                    ("account", c.profile.as_str()),
                    ("provider", c.provider.as_str()),
                    ("operator", c.operator.as_deref().unwrap_or("unknown")),
                    ("status", c.status.as_deref().unwrap_or("unknown")),
                ],
                Value::Count(c.cards),
            )
        }),
    )?;
    family(
        e,
        "iotcard_cards_expiring",
        "Cards whose expiry is within 7 or 30 days (already expired included).",
        None,
        gauge,
        a.expiring.iter().flat_map(|x| {
            [
                (
                    [("account", x.profile.as_str()), ("within", "7d")],
                    Value::Count(x.within_7d),
                ),
                (
                    [("account", x.profile.as_str()), ("within", "30d")],
                    Value::Count(x.within_30d),
                ),
            ]
        }),
    )?;
    let bytes = Unit::Bytes;
    family(
        e,
        "iotcard_data_used",
        "Data used this period by the account's cards reporting MB (1 MB = 1048576 bytes).",
        Some(&bytes),
        gauge,
        a.usage.iter().map(|u| {
            (
                [("account", u.profile.as_str())],
                Value::Real(u.data_used_mb * BYTES_PER_MB),
            )
        }),
    )?;
    family(
        e,
        "iotcard_data_left",
        "Data left this period by the account's cards reporting MB (1 MB = 1048576 bytes; an overrun is negative).",
        Some(&bytes),
        gauge,
        a.usage
            .iter()
            .map(|u| ([("account", u.profile.as_str())], Value::Real(u.data_left_mb * BYTES_PER_MB))),
    )?;
    let provider_units = Unit::Other("provider_units".into());
    family(
        e,
        "iotcard_data_used",
        "Data used this period by the account's cards reporting in the provider's unstated unit (IoTBOS), never converted.",
        Some(&provider_units),
        gauge,
        a.usage.iter().map(|u| {
            ([("account", u.profile.as_str())], Value::Real(u.data_used_provider_unit))
        }),
    )?;
    family(
        e,
        "iotcard_data_left",
        "Data left this period by the account's cards reporting in the provider's unstated unit (IoTBOS), never converted.",
        Some(&provider_units),
        gauge,
        a.usage.iter().map(|u| {
            ([("account", u.profile.as_str())], Value::Real(u.data_left_provider_unit))
        }),
    )?;
    family(
        e,
        "iotcard_sms_used",
        "SMS used this period by the account's cards.",
        None,
        gauge,
        a.usage
            .iter()
            .map(|u| ([("account", u.profile.as_str())], Value::Signed(u.sms_used))),
    )?;
    let mut firing: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for alert in &a.alerts {
        let severity = f
            .severities
            .get(&alert.rule)
            .map_or("unknown", String::as_str);
        *firing.entry((alert.rule.as_str(), severity)).or_default() += alert.alerts;
    }
    family(
        e,
        "iotcard_alerts_firing",
        "Alerts firing, by rule and severity (one per card, or one for an account-level alert).",
        None,
        gauge,
        firing.into_iter().map(|((rule, severity), n)| {
            ([("rule", rule), ("severity", severity)], Value::Count(n))
        }),
    )?;
    let secs = Unit::Seconds;
    family(
        e,
        "iotcard_sync_last_success_timestamp",
        "When the account's latest finished sync ended (Unix time); absent before the first.",
        Some(&secs),
        gauge,
        a.syncs.iter().filter_map(|s| {
            s.last_success
                .map(|at| ([("account", s.profile.as_str())], Value::Real(seconds(at))))
        }),
    )?;
    family(
        e,
        "iotcard_sync_duration",
        "How long the account's latest ended sync took.",
        Some(&secs),
        gauge,
        a.syncs.iter().filter_map(|s| {
            let run = s.last_run.as_ref()?;
            let ended = run.ended_at?;
            let took = (ended - run.started_at).num_milliseconds().max(0) as f64 / 1000.0;
            Some(([("account", s.profile.as_str())], Value::Real(took)))
        }),
    )?;
    family(
        e,
        "iotcard_sync_cards",
        "Cards of the account's latest ended sync, by outcome.",
        None,
        gauge,
        a.syncs.iter().flat_map(|s| {
            let counts = s.last_run.as_ref().map(|r| r.counts);
            let account = s.profile.as_str();
            counts.into_iter().flat_map(move |c| {
                [
                    (
                        [("account", account), ("outcome", "answered")],
                        Value::Count(c.answered),
                    ),
                    (
                        [("account", account), ("outcome", "not_found")],
                        Value::Count(c.not_found),
                    ),
                    (
                        [("account", account), ("outcome", "failed")],
                        Value::Count(c.failed),
                    ),
                ]
            })
        }),
    )?;
    let counter = MetricType::Counter;
    family(
        e,
        "iotcard_requests",
        "Platform requests since the watcher started, by account and call (counted in memory, refreshed after each pass).",
        None,
        counter,
        f.counters.requests.iter().map(|((account, call), n)| {
            ([("account", account.as_str()), ("call", call.as_str())], Value::Count(*n))
        }),
    )?;
    family(
        e,
        "iotcard_retries",
        "Platform requests retried since the watcher started, by account.",
        None,
        counter,
        f.counters
            .retries
            .iter()
            .map(|(account, n)| ([("account", account.as_str())], Value::Count(*n))),
    )?;
    family(
        e,
        "iotcard_notifications",
        "Notifications since the watcher started, by notifier and outcome.",
        None,
        counter,
        f.counters
            .notifications
            .iter()
            .map(|((notifier, outcome), n)| {
                (
                    [("notifier", notifier.as_str()), ("outcome", *outcome)],
                    Value::Count(*n),
                )
            }),
    )?;
    family(
        e,
        "iotcard_outbox_pending",
        "Notifications queued and not delivered yet.",
        None,
        gauge,
        [(Labels::<0>::default(), Value::Count(a.outbox_pending))],
    )?;
    per_card(f, e)
}

/// The per-card families, when asked for: the first `limit` figures in
/// card order, then a counter of what the cap left out.
fn per_card(f: &Figures, e: &mut DescriptorEncoder<'_>) -> Result<(), fmt::Error> {
    let PerCardSeries { enabled, limit } = f.per_card;
    family(
        e,
        "iotcard_card_series_dropped",
        "Per-card series left out by per_card_limit, summed over every computation since the watcher started.",
        None,
        MetricType::Counter,
        [(Labels::<0>::default(), Value::Count(f.counters.card_series_dropped))],
    )?;
    if !enabled {
        return Ok(());
    }
    // Which figures fit under the cap, in card order (used before left).
    let mut budget = u64::from(limit);
    let mut take = |present: bool| {
        let fits = present && budget > 0;
        budget -= u64::from(fits);
        fits
    };
    let chosen: Vec<(bool, bool)> = f
        .aggregates
        .per_card
        .iter()
        .map(|c| (take(c.data_used.is_some()), take(c.data_left.is_some())))
        .collect();
    let cards = || f.aggregates.per_card.iter().zip(chosen.iter().copied());
    let bytes = Unit::Bytes;
    let provider_units = Unit::Other("provider_units".into());
    for (provider_unit, unit) in [(false, &bytes), (true, &provider_units)] {
        let scale = if provider_unit { 1.0 } else { BYTES_PER_MB };
        family(
            e,
            "iotcard_card_data_used",
            if provider_unit {
                "Data used this period by one card, in the provider's unit (per_card_metrics)."
            } else {
                "Data used this period by one card (per_card_metrics; 1 MB = 1048576 bytes)."
            },
            Some(unit),
            MetricType::Gauge,
            cards().filter_map(|(c, (used, _))| {
                let value = c
                    .data_used
                    .filter(|_| used && c.used_in_provider_unit == provider_unit)?;
                Some((
                    [("account", c.profile.as_str()), ("card", c.card.as_str())],
                    Value::Real(value * scale),
                ))
            }),
        )?;
        family(
            e,
            "iotcard_card_data_left",
            if provider_unit {
                "Data left this period on one card, in the provider's unit (per_card_metrics)."
            } else {
                "Data left this period on one card (per_card_metrics; 1 MB = 1048576 bytes)."
            },
            Some(unit),
            MetricType::Gauge,
            cards().filter_map(|(c, (_, left))| {
                let value = c
                    .data_left
                    .filter(|_| left && c.left_in_provider_unit == provider_unit)?;
                Some((
                    [("account", c.profile.as_str()), ("card", c.card.as_str())],
                    Value::Real(value * scale),
                ))
            }),
        )?;
    }
    Ok(())
}
