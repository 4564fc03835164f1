//! Run jobs with bounded concurrency and hand their results out in input
//! order, without one slow job holding the others up.
//!
//! `StreamExt::buffered(n)` counts a finished job that waits for an earlier
//! one as running, so a job stuck behind a one-second `Retry-After` stops
//! new jobs from starting once `n` are queued behind it. Widening `n` is no
//! cure: every job it admits starts its requests, and the retries of failed
//! ones then queue behind hundreds of first attempts while holding retry
//! budget, which a soak with a quarter of requests failing emptied. Here
//! the two limits are apart: at most `running` jobs run, and at most
//! `window` jobs' results are held (running or finished but waiting).

use std::collections::BTreeMap;
use std::future::Future;

use futures::future;
use futures::stream::{self, FuturesUnordered, Stream, StreamExt};

/// Runs `job` on each item of `input` (read lazily), at most `running` at a
/// time and at most `window` held, yielding results in input order.
pub(super) fn ordered<I, F, Fut, T>(
    input: I,
    running: usize,
    window: usize,
    job: F,
) -> impl Stream<Item = T>
where
    I: Iterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = T>,
{
    let running = running.max(1);
    let state = State {
        input,
        job,
        running_max: running,
        window: window.max(running),
        active: FuturesUnordered::new(),
        finished: BTreeMap::new(),
        next_in: 0,
        next_out: 0,
    };
    stream::unfold(state, |mut s| async move {
        loop {
            if let Some(result) = s.finished.remove(&s.next_out) {
                s.next_out += 1;
                return Some((result, s));
            }
            s.refill();
            let (index, result) = s.active.next().await?;
            s.finished.insert(index, result);
        }
    })
}

struct State<I, F, Fut: Future> {
    input: I,
    job: F,
    running_max: usize,
    window: usize,
    active: FuturesUnordered<Indexed<Fut>>,
    finished: BTreeMap<usize, Fut::Output>,
    next_in: usize,
    next_out: usize,
}

/// A job with its input position: resolves to `(position, result)`.
type Indexed<Fut> = future::Join<future::Ready<usize>, Fut>;

impl<I, F, Fut> State<I, F, Fut>
where
    I: Iterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future,
{
    /// Starts jobs while both limits allow and input remains.
    fn refill(&mut self) {
        while self.active.len() < self.running_max
            && self.active.len() + self.finished.len() < self.window
        {
            let Some(item) = self.input.next() else {
                return;
            };
            let index = self.next_in;
            self.next_in += 1;
            let job = (self.job)(item);
            self.active.push(future::join(future::ready(index), job));
        }
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
        let out = ordered(0..50usize, 2, 50, move |i| {
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
        let mut out = Box::pin(ordered(0..100usize, 4, 10, move |i| {
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
        let out: Vec<u8> = ordered(std::iter::empty::<u8>(), 3, 9, |x| async move { x })
            .collect()
            .await;
        assert!(out.is_empty());
    }
}
