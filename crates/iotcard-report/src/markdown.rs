//! The report as Markdown: the page's tables, for a ticket or an e-mail.

use std::fmt::Write;

use crate::report::Report;

/// A Markdown table cell: pipes escaped, no line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn table(out: &mut String, head: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(
        out,
        "|{}",
        head.iter().map(|_| " --- |").collect::<String>()
    );
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

impl Report {
    /// The report as Markdown tables, section by section.
    pub fn to_markdown(&self) -> String {
        let r = self;
        let mut out = String::new();
        let _ = writeln!(out, "# Fleet report {}\n", cell(&r.period.label));
        let _ = writeln!(
            out,
            "From {} to {} (end excluded); made {}.\n",
            r.period.since, r.period.until, r.period.generated_at
        );
        out.push_str("## Fleet\n\n");
        let _ = writeln!(
            out,
            "{} cards; {} added and {} gone this period.\n",
            r.fleet.cards, r.fleet.added, r.fleet.gone
        );
        table(
            &mut out,
            &["account", "operator", "status", "cards"],
            r.fleet.groups.iter().map(|g| {
                vec![
                    g.account.clone(),
                    g.operator.clone(),
                    g.status.clone(),
                    g.cards.to_string(),
                ]
            }),
        );
        out.push_str("## Usage\n\n");
        table(
            &mut out,
            &["account", "data, MB", "data, provider unit", "SMS"],
            r.usage
                .by_account
                .iter()
                .map(|a| {
                    vec![
                        a.account.clone(),
                        a.data_used_mb.clone(),
                        a.data_used_provider_unit.clone(),
                        a.sms_used.to_string(),
                    ]
                })
                .chain([vec![
                    "fleet".into(),
                    r.usage.data_used_mb.clone(),
                    r.usage.data_used_provider_unit.clone(),
                    r.usage.sms_used.to_string(),
                ]]),
        );
        table(
            &mut out,
            &["day", "data, MB", "data, provider unit", "SMS"],
            r.usage.daily.iter().map(|d| {
                vec![
                    d.day.clone(),
                    d.data_used_mb.clone(),
                    d.data_used_provider_unit.clone(),
                    d.sms_used.to_string(),
                ]
            }),
        );
        table(
            &mut out,
            &["data used", "cards (MB)", "cards (provider unit)"],
            r.usage.histogram.iter().map(|b| {
                vec![
                    b.label.clone(),
                    b.cards_mb.to_string(),
                    b.cards_provider_unit.to_string(),
                ]
            }),
        );
        out.push_str("## Attention\n\n");
        table(
            &mut out,
            &[
                "account",
                "≥ 80%",
                "≥ 100%",
                "silent",
                "expiring ≤ 30 d",
                "≤ 60 d",
                "≤ 90 d",
            ],
            r.attention.by_account.iter().map(|a| {
                vec![
                    a.account.clone(),
                    a.over_80.to_string(),
                    a.over_100.to_string(),
                    a.silent.to_string(),
                    a.expiring_30.to_string(),
                    a.expiring_60.to_string(),
                    a.expiring_90.to_string(),
                ]
            }),
        );
        let _ = writeln!(
            out,
            "### Top {} cards by data used\n",
            r.attention.top_limit
        );
        table(
            &mut out,
            &["account", "card", "data used", "unit"],
            r.attention.top_data.iter().map(|c| {
                vec![
                    c.account.clone(),
                    c.card.clone(),
                    c.data_used.clone(),
                    c.unit.clone(),
                ]
            }),
        );
        out.push_str("### Fullest allowances\n\n");
        table(
            &mut out,
            &["account", "card", "used", "allowance", "%"],
            r.attention.over_allowance.iter().map(|c| {
                vec![
                    c.account.clone(),
                    c.card.clone(),
                    c.used.clone(),
                    c.included.clone(),
                    c.percent.clone(),
                ]
            }),
        );
        let _ = writeln!(
            out,
            "### Silent cards ({}+ days)\n",
            r.attention.silent_days
        );
        table(
            &mut out,
            &["account", "card", "last used data"],
            r.attention
                .silent_cards
                .iter()
                .map(|c| vec![c.account.clone(), c.card.clone(), c.last_used.clone()]),
        );
        out.push_str("### Expiring soonest\n\n");
        table(
            &mut out,
            &["account", "card", "expires (UTC+8)"],
            r.attention
                .expiring_cards
                .iter()
                .map(|c| vec![c.account.clone(), c.card.clone(), c.expires_at.clone()]),
        );
        out.push_str("## Cost (CNY)\n\n");
        table(
            &mut out,
            &[
                "account",
                "fees",
                "data overage",
                "SMS overage",
                "total",
                "note",
            ],
            r.cost
                .by_account
                .iter()
                .map(|a| {
                    if a.priced {
                        vec![
                            a.account.clone(),
                            a.fees.clone(),
                            a.data_overage.clone(),
                            a.sms_overage.clone(),
                            a.total.clone(),
                            a.note.clone(),
                        ]
                    } else {
                        vec![
                            a.account.clone(),
                            "–".into(),
                            "–".into(),
                            "–".into(),
                            "–".into(),
                            a.note.clone(),
                        ]
                    }
                })
                .chain([vec![
                    "fleet".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    r.cost.total.clone(),
                    String::new(),
                ]]),
        );
        out.push_str("## Sync health\n\n");
        table(
            &mut out,
            &[
                "account",
                "passes",
                "failures",
                "cards unanswered",
                "longest gap",
            ],
            r.sync.iter().map(|s| {
                vec![
                    s.account.clone(),
                    s.passes.to_string(),
                    s.failures.to_string(),
                    s.cards_failed.to_string(),
                    s.longest_gap.clone(),
                ]
            }),
        );
        out
    }
}
