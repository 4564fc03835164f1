//! The write path's decisions, shared by both backends: which snapshot,
//! state and daily rows a batch produces. The backends load what this
//! needs, call it, and write what it returns in one transaction.

use std::collections::HashMap;

use crate::daily::{contribution, day_of, DailyRow, Point};
use crate::error::StoreError;
use crate::run::Batch;
use crate::state::{self, shape, Figures, State};

/// One observation, ready to store.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub key: String,
    pub at: i64,
    pub state: State,
    pub digest: i64,
    pub figures: Figures,
}

impl Prepared {
    pub(crate) fn point(&self) -> Point {
        point(self.at, &self.figures, self.state.shape)
    }
}

/// The daily-usage view of a stored snapshot.
pub(crate) fn point(at: i64, figures: &Figures, shape_bits: i64) -> Point {
    Point {
        at,
        data: figures
            .data_used
            .map(|d| (d, shape_bits & shape::USED_IN_PROVIDER_UNIT != 0)),
        sms: figures.sms_used,
    }
}

/// A batch ready for a backend: its observations split, sorted by card and
/// time, a repeated (card, time) dropped, and the run's counters.
#[derive(Debug)]
pub(crate) struct PreparedBatch {
    pub items: Vec<Prepared>,
    /// Observations dropped as repeats within the batch.
    pub repeated: u64,
    pub asked: i64,
    pub answered: i64,
    pub not_found: i64,
    pub failed: i64,
    pub errors: Vec<String>,
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Prepares a batch (on the caller's thread: no copy of the batch crosses
/// to the database's).
pub(crate) fn prepare_batch(batch: &Batch) -> Result<PreparedBatch, StoreError> {
    let (items, repeated) = prepare(batch)?;
    Ok(PreparedBatch {
        items,
        repeated,
        asked: count(batch.asked),
        answered: count(batch.snapshots.len() as u64),
        not_found: count(batch.not_found),
        failed: count(batch.failed),
        errors: batch.errors.clone(),
    })
}

/// A batch's observations sorted by card and time, a repeated (card, time)
/// dropped; returns them with the number dropped.
fn prepare(batch: &Batch) -> Result<(Vec<Prepared>, u64), StoreError> {
    let mut prepared = Vec::with_capacity(batch.snapshots.len());
    for observation in &batch.snapshots {
        let key = &observation.snapshot.card;
        if key.is_empty() {
            return Err(StoreError::Invalid(
                "a snapshot without a card key (CardSnapshot::card is empty)".into(),
            ));
        }
        let (state, figures) = state::split(&observation.snapshot)?;
        prepared.push(Prepared {
            key: key.clone(),
            at: observation.taken_at.timestamp(),
            digest: state.digest(),
            state,
            figures,
        });
    }
    prepared.sort_by(|a, b| (&a.key, a.at).cmp(&(&b.key, b.at)));
    let before = prepared.len();
    prepared.dedup_by(|later, earlier| later.key == earlier.key && later.at == earlier.at);
    let dropped = (before - prepared.len()) as u64;
    Ok((prepared, dropped))
}

/// A card as the write path reads it.
#[derive(Clone, Debug)]
pub(crate) struct CardRow {
    pub id: i64,
    pub state_hash: Option<i64>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
}

/// What to set on a card after the batch (its texts borrowed from the
/// batch: a plan copies no string).
#[derive(Clone, Copy, Debug)]
pub(crate) struct CardUpdate<'a> {
    pub id: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    pub state_hash: i64,
    /// The latest snapshot's figures and state, kept on the card itself:
    /// the watcher reads every card's latest each pass, and finding it in
    /// `snapshots` and `card_state` was three index searches per card.
    pub figures: &'a Figures,
    pub state: &'a State,
    pub iccid: Option<&'a str>,
    pub msisdn: Option<&'a str>,
    pub operator: Option<&'a str>,
}

impl CardUpdate<'_> {
    /// Which of the card's identifiers its latest state reports (bit 1
    /// ICCID, 2 MSISDN, 4 operator): the card keeps each one the last
    /// snapshot that had it reported, so the latest state's own are the
    /// card's where the bit is set, and none where it is not.
    pub(crate) fn latest_ids(&self) -> i64 {
        let s = self.state;
        i64::from(s.iccid.is_some())
            | i64::from(s.msisdn.is_some()) << 1
            | i64::from(s.operator.is_some()) << 2
    }
}

/// Everything one batch writes, snapshots newer than their card's latest.
/// States and figures are borrowed from the prepared batch: cloning a
/// state (ten optional strings) for every new card was most of the
/// plan's own time in a first sync.
#[derive(Debug, Default)]
pub(crate) struct Plan<'a> {
    pub snapshots: Vec<(i64, i64, &'a Figures)>,
    pub states: Vec<(i64, i64, &'a State)>,
    pub daily: Vec<DailyRow>,
    pub cards: Vec<CardUpdate<'a>>,
    /// Indexes (into the prepared list) of snapshots not newer than their
    /// card's latest: each goes through [`plan_backfill`].
    pub backfill: Vec<usize>,
}

fn in_order(card: &CardRow, at: i64) -> bool {
    card.last_seen.is_none_or(|last| at > last)
}

/// Plans a batch. `cards` has every key of `prepared`; `latest` the
/// counters of each known card's latest snapshot; `daily` the daily row of
/// the day of each card's latest snapshot, where it exists: a newer
/// snapshot adds to no other existing row.
pub(crate) fn plan<'a>(
    prepared: &'a [Prepared],
    cards: &HashMap<String, CardRow>,
    latest: &HashMap<i64, Point>,
    daily: &HashMap<(i64, i64), DailyRow>,
    monthly_cst: bool,
) -> Result<Plan<'a>, StoreError> {
    let mut out = Plan {
        snapshots: Vec::with_capacity(prepared.len()),
        ..Plan::default()
    };
    let mut days: HashMap<(i64, i64), DailyRow> = HashMap::with_capacity(prepared.len());
    let mut start = 0;
    while start < prepared.len() {
        let key = &prepared[start].key;
        let end = start
            + prepared[start..]
                .iter()
                .take_while(|p| &p.key == key)
                .count();
        let card = cards
            .get(key)
            .ok_or_else(|| StoreError::Corrupt(format!("card {key:?} was not created")))?;
        let mut prev = card.last_seen.and_then(|_| latest.get(&card.id).cloned());
        let mut hash = card.state_hash;
        let mut first_seen = card.first_seen;
        let mut update: Option<CardUpdate<'a>> = None;
        for (index, p) in prepared.iter().enumerate().take(end).skip(start) {
            if !in_order(card, p.at) {
                out.backfill.push(index);
                continue;
            }
            if hash != Some(p.digest) {
                out.states.push((card.id, p.at, &p.state));
                hash = Some(p.digest);
            }
            out.snapshots.push((card.id, p.at, &p.figures));
            let day = day_of(p.at);
            let row = days.entry((card.id, day)).or_insert_with(|| {
                daily
                    .get(&(card.id, day))
                    .cloned()
                    .unwrap_or_else(|| DailyRow::empty(card.id, day))
            });
            row.snapshots += 1;
            let here = p.point();
            if let Some(before) = &prev {
                row.add(&contribution(before, &here, monthly_cst), before.at);
            }
            prev = Some(here);
            let first = *first_seen.get_or_insert(p.at);
            // A field this snapshot lacks keeps the value an earlier one of
            // the batch gave (the SQL keeps the stored one likewise).
            let previous = update.take();
            let or_earlier =
                |new: &'a Option<String>, earlier: fn(&CardUpdate<'a>) -> Option<&'a str>| {
                    new.as_deref()
                        .or_else(|| previous.as_ref().and_then(earlier))
                };
            update = Some(CardUpdate {
                id: card.id,
                first_seen: first,
                last_seen: p.at,
                state_hash: p.digest,
                figures: &p.figures,
                state: &p.state,
                iccid: or_earlier(&p.state.iccid, |u| u.iccid),
                msisdn: or_earlier(&p.state.msisdn, |u| u.msisdn),
                operator: or_earlier(&p.state.operator, |u| u.operator),
            });
        }
        out.cards.extend(update);
        start = end;
    }
    let mut rows: Vec<DailyRow> = days.into_values().collect();
    rows.sort_by_key(|r| (r.card_id, r.day));
    out.daily = rows;
    Ok(out)
}

/// What the store holds around a snapshot older than its card's latest.
#[derive(Debug, Default)]
pub(crate) struct Window {
    /// The same card and time is already stored.
    pub exists: bool,
    /// The snapshot just before, with its state's shape.
    pub prev: Option<Point>,
    /// The snapshot just after.
    pub next: Option<Point>,
    /// The state in effect at the new snapshot's time.
    pub state_at: Option<State>,
    /// Whether a state row starts exactly at `next`.
    pub state_at_next: bool,
    /// The daily rows of the new snapshot's day and of `next`'s.
    pub daily_here: Option<DailyRow>,
    pub daily_next: Option<DailyRow>,
    pub first_seen: Option<i64>,
}

/// What one older snapshot writes.
#[derive(Debug)]
pub(crate) struct Backfill {
    pub snapshot: (i64, i64, Figures),
    pub states: Vec<(i64, i64, State)>,
    pub daily: Vec<DailyRow>,
    pub first_seen: i64,
}

/// Plans one snapshot older than its card's latest: its state row (and
/// the old state again from the next snapshot on, so later snapshots keep
/// theirs), and the daily rows of its day and the next snapshot's, with
/// the pair it splits taken back. `None` when it is already stored.
pub(crate) fn plan_backfill(
    card_id: i64,
    p: &Prepared,
    window: &Window,
    monthly_cst: bool,
) -> Option<Backfill> {
    if window.exists {
        return None;
    }
    let mut states = Vec::new();
    if window.state_at.as_ref() != Some(&p.state) {
        states.push((card_id, p.at, p.state.clone()));
        if let (Some(next), Some(old)) = (&window.next, &window.state_at) {
            if !window.state_at_next {
                states.push((card_id, next.at, old.clone()));
            }
        }
    }
    let here = p.point();
    let day = day_of(p.at);
    let mut this_day = window
        .daily_here
        .clone()
        .unwrap_or_else(|| DailyRow::empty(card_id, day));
    this_day.snapshots += 1;
    if let Some(prev) = &window.prev {
        this_day.add(&contribution(prev, &here, monthly_cst), prev.at);
    }
    let mut daily = Vec::new();
    if let Some(next) = &window.next {
        let next_day = day_of(next.at);
        let mut other = (next_day != day).then(|| {
            window
                .daily_next
                .clone()
                .unwrap_or_else(|| DailyRow::empty(card_id, next_day))
        });
        let row = other.as_mut().unwrap_or(&mut this_day);
        let split = match &window.prev {
            Some(prev) => {
                row.subtract(&contribution(prev, next, monthly_cst));
                if next_day != day && row.covers_from == Some(prev.at) {
                    row.covers_from = None;
                }
                true
            }
            // `next` was the card's first snapshot and counted nothing: it
            // now has a predecessor. (Had its predecessor been pruned, its
            // day's figure is kept as it was.)
            None => window.first_seen == Some(next.at),
        };
        if split {
            row.add(&contribution(&here, next, monthly_cst), p.at);
        }
        daily.extend(other);
    }
    daily.push(this_day);
    Some(Backfill {
        snapshot: (card_id, p.at, p.figures.clone()),
        states,
        daily,
        first_seen: window.first_seen.map_or(p.at, |f| f.min(p.at)),
    })
}
