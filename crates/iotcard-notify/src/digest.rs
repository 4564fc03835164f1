//! Digests: the alerts of one rule in one window, grouped into one message,
//! and how a message is cut to fit a channel's size limit.

mod builder;
mod omitted;
mod part;

pub use builder::{DigestBuilder, MAX_DIGEST_ALERTS};
pub use part::DigestPart;

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use iotcard_model::Instant;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::{Alert, AlertState, ChannelKind, NotifyError, Severity};

/// The alerts of one rule in one window: what one message says.
///
/// Every message built from it names the rule, the account(s) and the cards
/// (the first few and a count), with the figures that made the rule fire;
/// each channel cuts the card list ("and N more") to stay within its size
/// limit. The alerts are kept in a canonical order (firing first, then by
/// account and fingerprint), so the same alerts always give the same
/// message and the same [`key`](Self::key).
///
/// A digest carries at most [`MAX_DIGEST_ALERTS`] alerts whole, the first
/// in that order (see [`DigestBuilder`]); the others are counted, so every
/// message still gives the exact number of cards ("and N more"), accounts
/// and the highest severity, and the key still tells apart digests that
/// differ only in what was left out. Its size is bounded however many
/// alerts fire at once.
///
/// ```
/// use iotcard_notify::{Alert, Digest};
/// let at: iotcard_model::Instant = "2026-12-01T09:00:00+08:00".parse()?;
/// let digests = Digest::group(
///     vec![
///         Alert::firing("quota", "acme", at).with_card("8986001", "91% of 1 GiB"),
///         Alert::firing("quota", "acme", at).with_card("8986002", "95% of 1 GiB"),
///         Alert::firing("expiring", "acme", at).with_card("8986003", "expires 2026-12-20"),
///     ],
///     at,
/// );
/// assert_eq!(digests.len(), 2); // one message per rule
/// assert_eq!(digests[1].rule(), "quota");
/// assert_eq!(digests[1].card_count(), 2);
/// assert_ne!(digests[0].idempotency_key("ops"), digests[0].idempotency_key("mail"));
/// # Ok::<(), chrono::ParseError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    rule: String,
    window_start: Instant,
    alerts: Vec<Alert>,
    /// Not written when nothing was left out, so such a digest's JSON is
    /// what it was before digests were bounded.
    #[serde(default, skip_serializing_if = "omitted::Omitted::is_empty")]
    omitted: omitted::Omitted,
}

impl Digest {
    /// The digest of `alerts`, all of rule `rule`, for the window starting
    /// at `window_start` (see [`window_start`]), keeping at most
    /// [`MAX_DIGEST_ALERTS`] of them whole. Refused when `alerts` is empty
    /// or holds another rule's alert.
    pub fn new(
        rule: impl Into<String>,
        window_start: Instant,
        alerts: Vec<Alert>,
    ) -> Result<Self, NotifyError> {
        let mut builder = DigestBuilder::new(rule, window_start);
        for alert in alerts {
            builder.push(alert)?;
        }
        let rule = builder.rule().to_owned();
        builder.finish().ok_or_else(|| NotifyError::Digest {
            reason: format!("no alert for rule {rule:?}"),
        })
    }

    /// One digest per rule among `alerts`, sorted by rule name, each
    /// keeping at most [`MAX_DIGEST_ALERTS`] alerts whole: memory grows with
    /// the number of rules, not of alerts.
    pub fn group(alerts: impl IntoIterator<Item = Alert>, window_start: Instant) -> Vec<Self> {
        let mut by_rule: std::collections::BTreeMap<String, DigestBuilder> = Default::default();
        for alert in alerts {
            by_rule
                .entry(alert.rule.clone())
                .or_insert_with(|| DigestBuilder::new(alert.rule.clone(), window_start))
                .keep(alert);
        }
        // Every builder got its first alert when it was made.
        by_rule
            .into_values()
            .filter_map(DigestBuilder::finish)
            .collect()
    }

    /// A digest to send with `iotcard notify test NAME`: a firing `quota`
    /// alert on three sample cards of account `sample`, at `now`.
    pub fn sample(now: Instant) -> Self {
        let alert = Alert::firing("iotcard-test", "sample", now)
            .with_severity(Severity::Info)
            .with_card("89860000000000000001", "81% of 1 GiB used")
            .with_card("89860000000000000002", "93% of 1 GiB used")
            .with_card("89860000000000000003", "100% of 1 GiB used")
            .with_summary("A test notification from iotcard: this channel works.")
            .with_description("Sent by `iotcard notify test`; no rule fired.");
        Self {
            rule: alert.rule.clone(),
            window_start: now,
            alerts: vec![alert],
            omitted: omitted::Omitted::default(),
        }
    }

    /// The rule's name.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// Where the digest's window starts.
    pub fn window_start(&self) -> Instant {
        self.window_start
    }

    /// The alerts kept whole (at most [`MAX_DIGEST_ALERTS`]), in canonical
    /// order (firing first); [`omitted_alerts`](Self::omitted_alerts) more
    /// are only counted.
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// How many alerts the digest is of, kept whole or not.
    pub fn alert_count(&self) -> usize {
        self.alerts.len().saturating_add(self.omitted.alerts)
    }

    /// How many alerts were left out past [`MAX_DIGEST_ALERTS`] (counted in
    /// every figure, not listed).
    pub fn omitted_alerts(&self) -> usize {
        self.omitted.alerts
    }

    /// Firing when any alert fires, resolved when all have resolved
    /// (Alertmanager's group status), the omitted alerts included.
    pub fn status(&self) -> AlertState {
        if self.omitted.firing_lines > 0
            || self.alerts.iter().any(|a| a.state == AlertState::Firing)
        {
            AlertState::Firing
        } else {
            AlertState::Resolved
        }
    }

    /// The highest severity among the alerts, the omitted ones included.
    pub fn severity(&self) -> Severity {
        self.alerts
            .iter()
            .map(|a| a.severity)
            .chain(self.omitted.severity)
            .max()
            .unwrap_or(Severity::Warning)
    }

    /// The accounts the alerts are on (the omitted ones included), sorted,
    /// each once.
    pub fn accounts(&self) -> Vec<&str> {
        let set: BTreeSet<&str> = self
            .alerts
            .iter()
            .map(|a| a.account.as_str())
            .chain(self.omitted.accounts.iter().map(String::as_str))
            .collect();
        set.into_iter().collect()
    }

    /// How many cards the alerts are about, the omitted ones included (a
    /// card in two alerts counts twice: the alerts are about different
    /// accounts or states).
    pub fn card_count(&self) -> usize {
        self.alerts
            .iter()
            .map(|a| a.cards.len())
            .sum::<usize>()
            .saturating_add(self.omitted.cards())
    }

    /// The digest's identity: the rule, the window and each alert's
    /// fingerprint, state and start, hashed (SHA-256, 32 hex digits). Figures
    /// and texts do not count, so building the digest again after a restart
    /// gives the same key. When alerts were left out, their counts and the
    /// order-free sum of their identities are hashed too.
    pub fn key(&self) -> DigestKey {
        let mut hasher = Sha256::new();
        hasher.update(b"iotcard-notify digest v1\n");
        hasher.update(self.rule.as_bytes());
        hasher.update(b"\n");
        hasher.update(unix_nanos(&self.window_start).to_string().as_bytes());
        hasher.update(b"\n");
        for alert in &self.alerts {
            hash_identity(&mut hasher, alert, &alert.fingerprint());
        }
        // Only when something was left out: the keys of the digests that
        // have always been whole do not change.
        let omitted = &self.omitted;
        if !omitted.is_empty() {
            hasher.update(
                format!(
                    "omitted\t{}\t{}\t{}\t{:032x}\n",
                    omitted.alerts,
                    omitted.firing_lines,
                    omitted.resolved_lines,
                    omitted.identity_sum
                )
                .as_bytes(),
            );
        }
        DigestKey(hex::encode(&hasher.finalize()[..16]))
    }

    /// The outbox key of this digest sent to notifier `notifier`: the same
    /// for every try, different for each notifier (32 hex digits). Sent as
    /// the `Idempotency-Key` header and in the e-mail's `Message-ID`.
    pub fn idempotency_key(&self, notifier: &str) -> IdempotencyKey {
        let mut hasher = Sha256::new();
        hasher.update(b"iotcard-notify outbox v1\n");
        hasher.update(self.key().0.as_bytes());
        hasher.update(b"\n");
        hasher.update(notifier.as_bytes());
        IdempotencyKey(hex::encode(&hasher.finalize()[..16]))
    }
}

/// One alert's identity as the key hashes it: fingerprint, state, start
/// and cards, one line.
fn hash_identity(hasher: &mut Sha256, alert: &Alert, fingerprint: &str) {
    hasher.update(fingerprint.as_bytes());
    hasher.update(b"\t");
    hasher.update(alert.state.as_str().as_bytes());
    hasher.update(b"\t");
    hasher.update(unix_nanos(&alert.starts_at).to_string().as_bytes());
    hasher.update(b"\t");
    for card in &alert.cards {
        hasher.update(card.card.as_bytes());
        hasher.update([0xff]);
    }
    hasher.update(b"\n");
}

/// The first 16 bytes of the SHA-256 of an alert's identity, as a number
/// to add up: the sum over a set of alerts does not depend on their order.
fn identity(alert: &Alert, fingerprint: &str) -> u128 {
    let mut hasher = Sha256::new();
    hash_identity(&mut hasher, alert, fingerprint);
    let mut first = [0u8; 16];
    first.copy_from_slice(&hasher.finalize()[..16]);
    u128::from_be_bytes(first)
}

fn unix_nanos(at: &Instant) -> i128 {
    i128::from(at.timestamp()) * 1_000_000_000 + i128::from(at.timestamp_subsec_nanos())
}

/// Where the window of length `window` holding `at` starts: `at` rounded
/// down to a multiple of `window` since the Unix epoch, in `at`'s offset.
/// A zero window is `at` itself.
pub fn window_start(at: Instant, window: Duration) -> Instant {
    let len = i128::try_from(window.as_nanos()).unwrap_or(i128::MAX);
    if len == 0 {
        return at;
    }
    let nanos = unix_nanos(&at);
    let start = nanos - nanos.rem_euclid(len);
    let secs = i64::try_from(start.div_euclid(1_000_000_000)).unwrap_or(at.timestamp());
    let sub = u32::try_from(start.rem_euclid(1_000_000_000)).unwrap_or(0);
    match Utc.timestamp_opt(secs, sub).single() {
        Some(utc) => utc.with_timezone(at.offset()),
        None => at,
    }
}

/// A digest's identity; see [`Digest::key`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DigestKey(String);

impl DigestKey {
    /// The 32 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DigestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The outbox key of one digest for one notifier; see
/// [`Digest::idempotency_key`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The 32 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------
// What a message shows, and cutting it to fit.

/// How much of a digest a message shows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    /// How many card (or account-level) lines to list.
    pub shown: usize,
    /// At most this many characters of any free text (names, figures,
    /// summary, description).
    pub cap: usize,
}

/// A digest as a message shows it, channel-neutral.
#[derive(Debug)]
pub(crate) struct View {
    /// `[FIRING] quota · acme`
    pub title: String,
    pub status: AlertState,
    /// Label and value, shown in this order.
    pub facts: Vec<(&'static str, String)>,
    pub summary: String,
    pub description: String,
    /// The lines listed, firing first, each with its state.
    pub lines: Vec<(AlertState, String)>,
    /// How many lines were left out.
    pub more: usize,
}

/// Cuts `text` to at most `cap` characters, ending in `…` when cut.
pub(crate) fn cut(text: &str, cap: usize) -> String {
    match text.char_indices().nth(cap) {
        None => text.to_owned(),
        Some(_) if cap == 0 => String::new(),
        Some(_) => {
            let keep: String = text.chars().take(cap.saturating_sub(1)).collect();
            format!("{keep}…")
        }
    }
}

/// `1234567` as `1,234,567`.
pub(crate) fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn when(at: &Instant) -> String {
    at.format("%Y-%m-%d %H:%M %:z").to_string()
}

/// How many accounts a message names before "and N more".
const ACCOUNTS_SHOWN: usize = 5;

impl Digest {
    /// The lines a message may list: each card with its figure (prefixed
    /// with the account when the digest spans several), or for an alert
    /// about no card, its account and summary.
    pub(crate) fn line_count(&self) -> usize {
        self.kept_line_count().saturating_add(self.omitted.lines())
    }

    /// The lines of the alerts kept whole: the most a message can list.
    fn kept_line_count(&self) -> usize {
        self.alerts.iter().map(|a| a.cards.len().max(1)).sum()
    }

    /// How many lines of omitted alerts a webhook payload leaves out.
    pub(crate) fn omitted_lines(&self) -> usize {
        self.omitted.lines()
    }

    /// What the omitted alerts' webhook payload alerts have in common
    /// (`None` when nothing was omitted).
    pub(crate) fn omitted_common(&self) -> Option<&crate::webhook::Common> {
        self.omitted.common.as_ref()
    }

    pub(crate) fn view(&self, layout: Layout) -> View {
        let cap = layout.cap;
        let status = self.status();
        let accounts = self.accounts();
        let several = accounts.len() > 1;
        let mut shown_accounts: Vec<String> = accounts
            .iter()
            .take(ACCOUNTS_SHOWN)
            .map(|a| cut(a, cap))
            .collect();
        if accounts.len() > ACCOUNTS_SHOWN {
            shown_accounts.push(format!(
                "and {} more",
                count(accounts.len() - ACCOUNTS_SHOWN)
            ));
        }
        let firing = self.alerts.iter().filter(|a| a.state == AlertState::Firing);
        let resolved = self
            .alerts
            .iter()
            .filter(|a| a.state == AlertState::Resolved);
        let cards =
            |it: &mut dyn Iterator<Item = &Alert>| -> usize { it.map(|a| a.cards.len()).sum() };
        let firing_cards = cards(&mut firing.clone()).saturating_add(self.omitted.firing_cards);
        let resolved_cards =
            cards(&mut resolved.clone()).saturating_add(self.omitted.resolved_cards);
        let mut card_fact = Vec::new();
        if firing_cards > 0 {
            card_fact.push(format!("{} firing", count(firing_cards)));
        }
        if resolved_cards > 0 {
            card_fact.push(format!("{} resolved", count(resolved_cards)));
        }

        let mut facts = vec![
            ("Rule", cut(&self.rule, cap)),
            ("Severity", self.severity().as_str().to_owned()),
            (
                if several { "Accounts" } else { "Account" },
                shown_accounts.join(", "),
            ),
        ];
        if !card_fact.is_empty() {
            facts.push(("Cards", card_fact.join(", ")));
        }
        match status {
            AlertState::Firing => {
                let since = firing
                    .clone()
                    .map(|a| a.starts_at)
                    .chain(self.omitted.firing_since)
                    .min();
                if let Some(since) = since {
                    facts.push(("Since", when(&since)));
                }
            }
            AlertState::Resolved => {
                let end = self
                    .alerts
                    .iter()
                    .filter_map(|a| a.ends_at)
                    .chain(self.omitted.resolved_at)
                    .max();
                if let Some(end) = end {
                    facts.push(("Resolved at", when(&end)));
                }
            }
        }

        let lead = firing.clone().next().or(self.alerts.first());
        let summary = lead.map(|a| cut(&a.summary, cap)).unwrap_or_default();
        let description = lead.map(|a| cut(&a.description, cap)).unwrap_or_default();

        let mut lines = Vec::with_capacity(layout.shown);
        'alerts: for alert in &self.alerts {
            let prefix = if several {
                format!("{}: ", cut(&alert.account, cap))
            } else {
                String::new()
            };
            if alert.cards.is_empty() {
                if lines.len() == layout.shown {
                    break;
                }
                let text = if alert.summary.is_empty() {
                    alert.account.as_str()
                } else {
                    alert.summary.as_str()
                };
                lines.push((
                    alert.state,
                    format!("{}: {}", cut(&alert.account, cap), cut(text, cap)),
                ));
                continue;
            }
            for card in &alert.cards {
                if lines.len() == layout.shown {
                    break 'alerts;
                }
                let line = if card.figure.is_empty() {
                    format!("{prefix}{}", cut(&card.card, cap))
                } else {
                    format!(
                        "{prefix}{}: {}",
                        cut(&card.card, cap),
                        cut(&card.figure, cap)
                    )
                };
                lines.push((alert.state, line));
            }
        }
        let more = self.line_count() - lines.len();
        let title = format!(
            "[{}] {} · {}",
            status.as_str().to_ascii_uppercase(),
            cut(&self.rule, cap.min(64)),
            if several {
                format!("{} accounts", count(accounts.len()))
            } else {
                cut(accounts.first().copied().unwrap_or(""), cap.min(64))
            }
        );
        View {
            title,
            status,
            facts,
            summary,
            description,
            lines,
            more,
        }
    }

    /// Builds a message with as many lines (up to `first_few`) and as much
    /// text as fit in `limit` bytes as `build` measures them (`build`
    /// returns the message and its measured size). Tries every line count
    /// from `first_few` down to none, then ever shorter texts.
    pub(crate) fn fit<T>(
        &self,
        channel: ChannelKind,
        limit: usize,
        first_few: usize,
        mut build: impl FnMut(&View) -> Result<(T, usize), NotifyError>,
    ) -> Result<T, NotifyError> {
        let most = first_few.min(self.kept_line_count());
        let mut smallest = usize::MAX;
        for cap in [2000, 500, 120, 40, 12] {
            // Sizes grow with the lines shown: find the most that fit by
            // halving, then step to it.
            let (mut low, mut high) = (0usize, most);
            let mut best = None;
            while low <= high {
                let shown = low + (high - low) / 2;
                let (message, size) = build(&self.view(Layout { shown, cap }))?;
                smallest = smallest.min(size);
                if size <= limit {
                    best = Some((shown, message));
                    low = shown + 1;
                } else if shown == 0 {
                    break;
                } else {
                    high = shown - 1;
                }
            }
            if let Some((_, message)) = best {
                return Ok(message);
            }
        }
        Err(NotifyError::TooLarge {
            channel,
            size: smallest,
            limit,
        })
    }
}

// ---------------------------------------------------------------------------
// Renderings shared by the channels.

/// Markdown as the robots render it (DingTalk, WeCom, Feishu's `lark_md`):
/// a heading, bold labels, a list. Paragraphs are separated by blank lines,
/// which all three need for a line break.
pub(crate) fn markdown(view: &View) -> String {
    format!("### {}\n\n{}", md(&view.title), markdown_body(view))
}

/// [`markdown`] without the heading (Feishu shows the title in the card's
/// header).
pub(crate) fn markdown_body(view: &View) -> String {
    let mut out = String::new();
    for (label, value) in &view.facts {
        out.push_str(&format!("**{label}:** {}\n\n", md(value)));
    }
    if !view.summary.is_empty() {
        out.push_str(&format!("{}\n\n", md(&view.summary)));
    }
    if !view.description.is_empty() {
        out.push_str(&format!("{}\n\n", md(&view.description)));
    }
    let mut state = None;
    for (line_state, line) in &view.lines {
        if state != Some(*line_state) {
            out.push_str(match line_state {
                AlertState::Firing => "**Firing:**\n\n",
                AlertState::Resolved => "**Resolved:**\n\n",
            });
            state = Some(*line_state);
        }
        out.push_str(&format!("- {}\n", md(line)));
    }
    if view.more > 0 {
        out.push_str(&format!("- and {} more\n", count(view.more)));
    }
    out.trim_end().to_owned()
}

/// Plain text (e-mail, Feishu `text` and `post`).
pub(crate) fn plain(view: &View) -> String {
    plain_lines(view).join("\n")
}

pub(crate) fn plain_lines(view: &View) -> Vec<String> {
    let mut out = Vec::new();
    for (label, value) in &view.facts {
        out.push(format!("{label}: {value}"));
    }
    if !view.summary.is_empty() {
        out.push(String::new());
        out.push(view.summary.clone());
    }
    if !view.description.is_empty() {
        out.push(String::new());
        out.push(view.description.clone());
    }
    let mut state = None;
    for (line_state, line) in &view.lines {
        if state != Some(*line_state) {
            out.push(String::new());
            out.push(
                match line_state {
                    AlertState::Firing => "Firing:",
                    AlertState::Resolved => "Resolved:",
                }
                .to_owned(),
            );
            state = Some(*line_state);
        }
        out.push(format!("- {line}"));
    }
    if view.more > 0 {
        out.push(format!("- and {} more", count(view.more)));
    }
    out
}

/// HTML for the e-mail's alternative part, every text escaped.
pub(crate) fn html(view: &View) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html><body>\n");
    out.push_str(&format!("<h3>{}</h3>\n<table>\n", esc(&view.title)));
    for (label, value) in &view.facts {
        out.push_str(&format!(
            "<tr><th align=\"left\">{label}</th><td>{}</td></tr>\n",
            esc(value)
        ));
    }
    out.push_str("</table>\n");
    if !view.summary.is_empty() {
        out.push_str(&format!("<p>{}</p>\n", esc(&view.summary)));
    }
    if !view.description.is_empty() {
        out.push_str(&format!("<p>{}</p>\n", esc(&view.description)));
    }
    let mut state = None;
    for (line_state, line) in &view.lines {
        if state != Some(*line_state) {
            if state.is_some() {
                out.push_str("</ul>\n");
            }
            out.push_str(match line_state {
                AlertState::Firing => "<p><b>Firing:</b></p>\n<ul>\n",
                AlertState::Resolved => "<p><b>Resolved:</b></p>\n<ul>\n",
            });
            state = Some(*line_state);
        }
        out.push_str(&format!("<li>{}</li>\n", esc(line)));
    }
    if view.more > 0 {
        if state.is_none() {
            out.push_str("<ul>\n");
        }
        out.push_str(&format!("<li>and {} more</li>\n", count(view.more)));
        state = Some(AlertState::Firing);
    }
    if state.is_some() {
        out.push_str("</ul>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// Text for the robots' markdown: on one line (a newline would end the
/// list item or the fact), and not starting like a heading or a quote. The
/// robots' markdown subsets differ and none documents backslash escapes,
/// so nothing else is touched.
fn md(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    if flat.starts_with(['#', '>']) {
        format!(" {flat}")
    } else {
        flat
    }
}

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Instant {
        s.parse().unwrap()
    }

    #[test]
    fn counts_and_cuts() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(cut("abcdef", 10), "abcdef");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("卡片号码", 3), "卡片…");
        assert_eq!(cut("abc", 0), "");
    }

    #[test]
    fn windows_round_down_in_the_instants_offset() {
        let t = at("2026-12-01T09:17:42+08:00");
        assert_eq!(
            window_start(t, Duration::from_secs(300)),
            at("2026-12-01T09:15:00+08:00")
        );
        assert_eq!(
            window_start(t, Duration::from_secs(3600)).offset(),
            t.offset()
        );
        assert_eq!(window_start(t, Duration::ZERO), t);
    }

    #[test]
    fn digests_refuse_empty_and_mixed() {
        let t = at("2026-12-01T09:00:00+08:00");
        assert!(Digest::new("quota", t, vec![]).is_err());
        let e = Digest::new("quota", t, vec![Alert::firing("other", "acme", t)]).unwrap_err();
        assert!(e.to_string().contains("\"other\""), "{e}");
    }

    #[test]
    fn key_ignores_order_and_words_but_not_identity() {
        let t = at("2026-12-01T09:00:00+08:00");
        let a = Alert::firing("quota", "acme", t).with_card("1", "90%");
        let b = Alert::firing("quota", "acme", t).with_card("2", "95%");
        let d1 = Digest::new("quota", t, vec![a.clone(), b.clone()]).unwrap();
        let d2 = Digest::new(
            "quota",
            t,
            vec![b.clone().with_summary("reworded"), a.clone()],
        )
        .unwrap();
        assert_eq!(d1.key(), d2.key());
        assert_eq!(d1.idempotency_key("ops"), d2.idempotency_key("ops"));
        assert_ne!(d1.idempotency_key("ops"), d1.idempotency_key("am"));
        let resolved = Digest::new("quota", t, vec![a.clone().resolved(t), b]).unwrap();
        assert_ne!(d1.key(), resolved.key());
        let later = Digest::new("quota", at("2026-12-01T10:00:00+08:00"), vec![a]).unwrap();
        assert_ne!(d1.key(), later.key());
        assert_eq!(d1.key().as_str().len(), 32);
    }

    #[test]
    fn the_view_names_rule_account_cards_and_figures() {
        let t = at("2026-12-01T09:00:00+08:00");
        let alerts: Vec<Alert> = (0..25)
            .map(|i| {
                Alert::firing("quota", "acme", t)
                    .with_card(format!("89860{i:03}"), format!("{}% used", 80 + i))
                    .with_summary("data used ≥ 80%")
            })
            .collect();
        let d = Digest::new("quota", t, alerts).unwrap();
        let text = markdown(&d.view(Layout {
            shown: 10,
            cap: 500,
        }));
        assert!(text.contains("**Rule:** quota"), "{text}");
        assert!(text.contains("**Account:** acme"), "{text}");
        assert!(text.contains("**Cards:** 25 firing"), "{text}");
        assert!(text.contains("- 89860000: 80% used"), "{text}");
        assert!(text.contains("- and 15 more"), "{text}");
        assert!(text.contains("2026-12-01 09:00 +08:00"), "{text}");
    }

    #[test]
    fn fit_shows_the_most_lines_that_fit() {
        let t = at("2026-12-01T09:00:00+08:00");
        let alerts: Vec<Alert> = (0..1000)
            .map(|i| Alert::firing("quota", "acme", t).with_card(format!("{i:020}"), "90%"))
            .collect();
        let d = Digest::new("quota", t, alerts).unwrap();
        let text = d
            .fit(ChannelKind::WeCom, 1500, 1000, |v| {
                let m = markdown(v);
                let n = m.len();
                Ok((m, n))
            })
            .unwrap();
        assert!(text.len() <= 1500);
        // One more line would not have fit.
        let lines = text.lines().filter(|l| l.starts_with("- 0")).count();
        let more = markdown(&d.view(Layout {
            shown: lines + 1,
            cap: 2000,
        }));
        assert!(more.len() > 1500, "{lines} lines");
        assert!(text.contains(&format!("and {} more", count(1000 - lines))));
        let e = d
            .fit(ChannelKind::WeCom, 10, 10, |v| {
                let m = markdown(v);
                let n = m.len();
                Ok((m, n))
            })
            .unwrap_err();
        assert!(matches!(e, NotifyError::TooLarge { limit: 10, .. }));
    }

    #[test]
    fn html_escapes_everything() {
        let t = at("2026-12-01T09:00:00+08:00");
        let d = Digest::new(
            "quota",
            t,
            vec![Alert::firing("quota", "<b>acme</b>", t).with_card("1", "a & b")],
        )
        .unwrap();
        let h = html(&d.view(Layout { shown: 5, cap: 500 }));
        assert!(h.contains("&lt;b&gt;acme&lt;/b&gt;"), "{h}");
        assert!(h.contains("a &amp; b"), "{h}");
        assert!(!h.contains("<b>acme"));
    }
}
