//! Run jobs with bounded concurrency and hand their results out in input
//! order, without one slow job holding the others up: the one ordered
//! window every ordered path of both clients goes through.
//!
//! `StreamExt::buffered(n)` counts a finished job that waits for an earlier
//! one as running, so a job stuck behind a one-second `Retry-After` stops
//! new jobs from starting once `n` are queued behind it. Widening `n` is no
//! cure: every job it admits starts its requests, and the retries of failed
//! ones then queue behind hundreds of first attempts while holding retry
//! budget, which a soak with a quarter of requests failing emptied. Here at
//! most `running` jobs run. Finished jobs waiting for an earlier one count
//! against `running` too while the head is young, so in the ordinary case
//! memory stays that of `running` jobs; once the head has waited longer
//! than `patience` (a retry's backoff, a `Retry-After`), up to `window`
//! jobs may be held, and the rest of the input keeps moving meanwhile.
//!
//! The input is a stream, read only when a job may start: a file of
//! numbers or a paged listing is pulled no faster than answers leave.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures::future;
use futures::stream::{self, FuturesUnordered, Stream, StreamExt};
use tokio::time::Instant;

/// How many jobs [`ordered`] runs and holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Jobs running at once.
    pub running: usize,
    /// Jobs held, running or finished, once the head has waited `patience`.
    pub window: usize,
    /// How long the head may wait before the window opens past `running`.
    pub patience: Duration,
}

/// Runs `job` on each item of `input` (read lazily) within `limits`,
/// yielding results in input order.
pub(crate) fn ordered<S, F, Fut>(
    input: S,
    limits: Limits,
    job: F,
) -> impl Stream<Item = Fut::Output>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    let running = limits.running.max(1);
    let state = State {
        input: Box::pin(input),
        input_done: false,
        job,
        running_max: running,
        window: limits.window.max(running),
        patience: limits.patience,
        head_since: Instant::now(),
        active: FuturesUnordered::new(),
        finished: BTreeMap::new(),
        next_in: 0,
        next_out: 0,
    };
    stream::unfold(state, |mut s| async move {
        loop {
            if let Some(result) = s.finished.remove(&s.next_out) {
                s.next_out += 1;
                s.head_since = Instant::now();
                return Some((result, s));
            }
            if s.input_done && s.active.is_empty() {
                return None;
            }
            let hold = s.hold();
            let may_start = !s.input_done
                && s.active.len() < s.running_max
                && s.active.len() + s.finished.len() < hold;
            let patience_ends = s.head_since + s.patience;
            let may_widen = hold < s.window && !s.input_done && !s.active.is_empty();
            tokio::select! {
                biased;
                item = s.input.next(), if may_start => match item {
                    Some(item) => s.start(item),
                    None => s.input_done = true,
                },
                done = s.active.next(), if !s.active.is_empty() => {
                    if let Some((index, result)) = done {
                        s.finished.insert(index, result);
                    }
                }
                // The head has waited long enough: loop to start more with
                // the window open.
                () = tokio::time::sleep_until(patience_ends), if may_widen => {}
            }
        }
    })
}

struct State<S: Stream, F, Fut: Future> {
    input: Pin<Box<S>>,
    input_done: bool,
    job: F,
    running_max: usize,
    window: usize,
    patience: Duration,
    /// When the job now at the head of the output became the head.
    head_since: Instant,
    active: FuturesUnordered<Indexed<Fut>>,
    finished: BTreeMap<usize, Fut::Output>,
    next_in: usize,
    next_out: usize,
}

/// A job with its input position: resolves to `(position, result)`.
type Indexed<Fut> = future::Join<future::Ready<usize>, Fut>;

impl<S, F, Fut> State<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    /// How many jobs may be held now: `running` while the head is young,
    /// the whole window once it has waited `patience`.
    fn hold(&self) -> usize {
        if self.head_since.elapsed() >= self.patience {
            self.window
        } else {
            self.running_max
        }
    }

    fn start(&mut self, item: S::Item) {
        if self.next_in == 0 {
            // The head's patience runs from when it starts, not from when
            // the stream was made (which may be long before it is polled).
            self.head_since = Instant::now();
        }
        let index = self.next_in;
        self.next_in += 1;
        let job = (self.job)(item);
        self.active.push(future::join(future::ready(index), job));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn results_leave_in_input_order_and_a_slow_job_does_not_stop_the_rest() {
        // Job 0 takes 10 s, the others 10 ms: with 2 running and room for
        // 50 held, the other 49 all finish while job 0 waits.
        let started = Arc::new(AtomicUsize::new(0));
        let running_now = Arc::new(AtomicUsize::new(0));
        let most_running = Arc::new(AtomicUsize::new(0));
        let (s, r, m) = (started.clone(), running_now.clone(), most_running.clone());
        let limits = Limits {
            running: 2,
            window: 50,
            patience: Duration::from_millis(100),
        };
        let out = ordered(stream::iter(0..50usize), limits, move |i| {
            let (s, r, m) = (s.clone(), r.clone(), m.clone());
            async move {
                s.fetch_add(1, Ordering::SeqCst);
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                let ms = if i == 0 { 10_000 } else { 10 };
                tokio::time::sleep(Duration::from_millis(ms)).await;
                r.fetch_sub(1, Ordering::SeqCst);
                i
            }
        });
        let begun = tokio::time::Instant::now();
        let results: Vec<usize> = out.collect().await;
        assert_eq!(results, (0..50).collect::<Vec<_>>());
        assert_eq!(most_running.load(Ordering::SeqCst), 2);
        // 49 short jobs on the second slot (~490 ms) overlap the 10 s one.
        assert!(
            begun.elapsed() < Duration::from_millis(10_100),
            "{:?}",
            begun.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_the_window_is_held_while_the_head_waits() {
        let started = Arc::new(AtomicUsize::new(0));
        let s = started.clone();
        let limits = Limits {
            running: 4,
            window: 10,
            patience: Duration::from_millis(100),
        };
        let mut out = Box::pin(ordered(stream::iter(0..100usize), limits, move |i| {
            s.fetch_add(1, Ordering::SeqCst);
            async move {
                let ms = if i == 0 { 1_000 } else { 1 };
                tokio::time::sleep(Duration::from_millis(ms)).await;
                i
            }
        }));
        // Before the head finishes, only the window's 10 jobs have begun.
        let first = tokio::time::timeout(Duration::from_millis(500), out.next()).await;
        assert!(first.is_err(), "the head is still waiting");
        assert_eq!(started.load(Ordering::SeqCst), 10);
        assert_eq!(out.next().await, Some(0));
        let rest: Vec<usize> = out.collect().await;
        assert_eq!(rest, (1..100).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn empty_input_ends_at_once() {
        let limits = Limits {
            running: 3,
            window: 9,
            patience: Duration::from_millis(1),
        };
        let out: Vec<u8> = ordered(
            stream::iter(std::iter::empty::<u8>()),
            limits,
            |x| async move { x },
        )
        .collect()
        .await;
        assert!(out.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_input_is_read_only_as_jobs_may_start() {
        // Items arrive every 10 ms (a paged listing); with 2 running, no
        // more than 2 are taken ahead of the output, and order is kept.
        let taken = Arc::new(AtomicUsize::new(0));
        let t = taken.clone();
        let input = stream::iter(0..20usize).then(move |i| {
            let t = t.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(10)).await;
                t.fetch_add(1, Ordering::SeqCst);
                i
            }
        });
        let limits = Limits {
            running: 2,
            window: 8,
            patience: Duration::from_secs(10),
        };
        let mut out = Box::pin(ordered(input, limits, |i| async move {
            tokio::time::sleep(Duration::from_millis(if i % 3 == 0 { 25 } else { 5 })).await;
            i
        }));
        let mut seen = Vec::new();
        while let Some(i) = out.next().await {
            assert!(
                taken.load(Ordering::SeqCst) <= i + 3,
                "read ahead of the window"
            );
            seen.push(i);
        }
        assert_eq!(seen, (0..20).collect::<Vec<_>>());
    }

    #[tokio::test(start_paused = true)]
    async fn a_young_head_keeps_the_hold_to_the_running_jobs() {
        // The head takes 50 ms, under the 100 ms patience: while it runs,
        // no more than `running` jobs are started or held.
        let started = Arc::new(AtomicUsize::new(0));
        let s = started.clone();
        let limits = Limits {
            running: 4,
            window: 40,
            patience: Duration::from_millis(100),
        };
        let mut out = Box::pin(ordered(stream::iter(0..100usize), limits, move |i| {
            s.fetch_add(1, Ordering::SeqCst);
            async move {
                let ms = if i == 0 { 50 } else { 1 };
                tokio::time::sleep(Duration::from_millis(ms)).await;
                i
            }
        }));
        assert_eq!(out.next().await, Some(0));
        assert_eq!(started.load(Ordering::SeqCst), 4, "held within running");
        let rest: Vec<usize> = out.collect().await;
        assert_eq!(rest, (1..100).collect::<Vec<_>>());
    }
}
