//! The page's charts, drawn by plotters into SVG strings, each with a
//! `<title>` and a `<desc>` (its text alternative) for screen readers
//! and for when the SVG is not shown. The figures drawn are the report's
//! own strings, parsed only to place the marks; the tables beside each
//! chart print them.

use plotters::prelude::*;

use crate::error::{ReportError, Result};
use crate::report::Report;

/// Every chart's drawing size; the stylesheet scales it to the page.
const SIZE: (u32, u32) = (720, 360);
/// How many bars a bar chart shows before it sums the rest as `other`.
const MAX_BARS: usize = 12;

/// One drawn chart.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct Chart {
    /// The `id` of its `<figure>`.
    pub id: &'static str,
    /// Its title, as printed in the caption and in the SVG's `<title>`.
    pub title: String,
    /// Its text alternative.
    pub description: String,
    /// The SVG element.
    pub svg: String,
}

fn number(text: &str) -> f64 {
    // A figure from the report's own decimal strings: it always parses.
    text.parse().unwrap_or(0.0)
}

fn failed(id: &'static str) -> impl Fn(DrawingAreaErrorKind<std::io::Error>) -> ReportError {
    move |e| ReportError::Chart(id, Box::new(std::io::Error::other(e.to_string())))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Gives the SVG its role, title and description, and lets the stylesheet
/// size it (the `viewBox` keeps the proportions).
fn label(id: &'static str, title: String, description: String, svg: String) -> Chart {
    let open = svg.find('>').map_or(0, |i| i + 1);
    let head = svg[..open].replacen(
        "<svg ",
        &format!(r#"<svg role="img" aria-labelledby="{id}-title {id}-desc" "#),
        1,
    );
    let svg = format!(
        r#"{head}<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>{}"#,
        escape(&title),
        escape(&description),
        &svg[open..]
    );
    Chart {
        id,
        title,
        description,
        svg,
    }
}

/// A horizontal bar chart of `bars` (name, value), greatest first.
fn bar_chart(
    id: &'static str,
    title: String,
    x_label: &str,
    mut bars: Vec<(String, f64)>,
) -> Result<Chart> {
    if bars.len() > MAX_BARS {
        let rest: f64 = bars.drain(MAX_BARS - 1..).map(|(_, v)| v).sum();
        bars.push(("other".into(), rest));
    }
    let description = if bars.is_empty() {
        "No cards.".to_string()
    } else {
        let items: Vec<String> = bars.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        format!("Bar chart, {} bars. {}.", bars.len(), items.join("; "))
    };
    let mut svg = String::new();
    {
        let err = failed(id);
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let max = bars.iter().map(|(_, v)| *v).fold(1.0, f64::max);
        let n = bars.len().max(1);
        let names: Vec<String> = bars.iter().map(|(n, _)| n.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(230)
            .build_cartesian_2d(0.0..max * 1.08, (0..n).into_segmented())
            .map_err(&err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(x_label)
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(&err)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(i)),
                        (*v, SegmentValue::Exact(i + 1)),
                    ],
                    RGBColor(0x2f, 0x6f, 0xb5).filled(),
                );
                bar.set_margin(4, 4, 0, 0);
                bar
            }))
            .map_err(&err)?;
        root.present().map_err(&err)?;
    }
    Ok(label(id, title, description, svg))
}

/// Cards by account, operator and status.
pub(crate) fn fleet(report: &Report) -> Result<Chart> {
    let mut bars: Vec<(String, f64)> = report
        .fleet
        .groups
        .iter()
        .map(|g| {
            (
                format!("{} · {} · {}", g.account, g.operator, g.status),
                g.cards as f64,
            )
        })
        .collect();
    bars.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    bar_chart(
        "chart-fleet",
        "Cards by account, operator and status".into(),
        "cards",
        bars,
    )
}

/// The units data is reported in, with the figure of each in a day.
const UNITS: [(&str, &str); 2] = [("MB", "mb"), ("provider unit", "provider_unit")];

fn unit_value<'a>(day: &'a crate::report::Day, key: &str) -> &'a str {
    if key == "mb" {
        &day.data_used_mb
    } else {
        &day.data_used_provider_unit
    }
}

/// The fleet's data use per day, one chart per unit the fleet reports in.
pub(crate) fn daily(report: &Report) -> Result<Vec<Chart>> {
    let days = &report.usage.daily;
    let mut charts = Vec::new();
    let used = |key: &str| days.iter().any(|d| number(unit_value(d, key)) != 0.0);
    let mut units: Vec<(usize, &(&str, &str))> = UNITS
        .iter()
        .enumerate()
        .filter(|(_, (_, key))| used(key))
        .collect();
    if units.is_empty() {
        // Nothing used at all: the MB chart still shows the flat line.
        units.push((0, &UNITS[0]));
    }
    for (i, (unit, key)) in units {
        let points: Vec<(usize, f64)> = days
            .iter()
            .enumerate()
            .map(|(x, d)| (x, number(unit_value(d, key))))
            .collect();
        let id = if i == 0 {
            "chart-daily-mb"
        } else {
            "chart-daily-provider-unit"
        };
        let title = format!("Daily fleet data use ({unit})");
        let description = match (
            days.first(),
            days.iter()
                .zip(&points)
                .max_by(|a, b| a.1 .1.total_cmp(&b.1 .1)),
        ) {
            (Some(first), Some((peak, _))) => format!(
                "Line chart over {} days from {} to {}; the most on {}: {} {unit}.",
                days.len(),
                first.day,
                days.last().map_or("", |d| d.day.as_str()),
                peak.day,
                unit_value(peak, key)
            ),
            _ => "No daily figures in the period.".to_string(),
        };
        let mut svg = String::new();
        {
            let err = failed(id);
            let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            let max = points.iter().map(|p| p.1).fold(1.0, f64::max);
            let n = days.len().max(2);
            let mut chart = ChartBuilder::on(&root)
                .margin(12)
                .x_label_area_size(36)
                .y_label_area_size(80)
                .build_cartesian_2d(0..n - 1, 0.0..max * 1.08)
                .map_err(&err)?;
            chart
                .configure_mesh()
                .x_labels(6)
                .x_label_formatter(&|x| {
                    days.get(*x)
                        .map(|d| d.day[5..].to_string())
                        .unwrap_or_default()
                })
                .y_desc(*unit)
                .label_style(("sans-serif", 15))
                .axis_desc_style(("sans-serif", 15))
                .draw()
                .map_err(&err)?;
            let color = RGBColor(0x2f, 0x6f, 0xb5);
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(3),
                ))
                .map_err(&err)?;
            chart
                .draw_series(points.iter().map(|p| Circle::new(*p, 3, color.filled())))
                .map_err(&err)?;
            root.present().map_err(&err)?;
        }
        charts.push(label(id, title, description, svg));
    }
    Ok(charts)
}

/// How many cards used how much, in decade buckets.
pub(crate) fn histogram(report: &Report) -> Result<Chart> {
    let buckets = &report.usage.histogram;
    let id = "chart-histogram";
    let title = "Cards by data used in the period (buckets by powers of ten)".to_string();
    let counts: Vec<u64> = buckets
        .iter()
        .map(|b| b.cards_mb + b.cards_provider_unit)
        .collect();
    let items: Vec<String> = buckets
        .iter()
        .zip(&counts)
        .map(|(b, c)| format!("{}: {c}", b.label))
        .collect();
    let description = format!(
        "Histogram, {} buckets. {}.",
        buckets.len(),
        items.join("; ")
    );
    let mut svg = String::new();
    {
        let err = failed(id);
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let max = counts.iter().copied().max().unwrap_or(0).max(1);
        let n = buckets.len().max(1);
        // Counts span orders of magnitude across a fleet: a log axis keeps
        // the small buckets visible (bars start at 1; an empty bucket has none).
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d((0..n).into_segmented(), (1u64..max * 2).log_scale())
            .map_err(&err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => {
                    buckets.get(*i).map(|b| b.label.clone()).unwrap_or_default()
                }
                _ => String::new(),
            })
            .y_labels(5)
            .x_desc("data used (MB or provider unit)")
            .y_desc("cards (log scale)")
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(&err)?;
        chart
            .draw_series(
                counts
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c > 0)
                    .map(|(i, c)| {
                        let mut bar = Rectangle::new(
                            [
                                (SegmentValue::Exact(i), 1),
                                (SegmentValue::Exact(i + 1), *c),
                            ],
                            RGBColor(0x2f, 0x6f, 0xb5).filled(),
                        );
                        bar.set_margin(0, 0, 5, 5);
                        bar
                    }),
            )
            .map_err(&err)?;
        root.present().map_err(&err)?;
    }
    Ok(label(id, title, description, svg))
}
