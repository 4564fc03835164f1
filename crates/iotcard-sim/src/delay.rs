//! Added latency that lasts what it says.
//!
//! tokio's timer counts in whole-millisecond ticks and rounds a deadline up
//! to the next tick, and the worker then parks in `epoll_wait`, which rounds
//! up to a millisecond again: a 20 ms latency took 21–22.5 ms. A benchmark
//! that divides by L would then blame the client for the simulator's slack.
//! So delays run on one thread of their own that sleeps on a condition
//! variable (a futex with a nanosecond timeout): it wakes within tens of
//! microseconds of each deadline and costs one wake-up per request.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use tokio::sync::oneshot;

use crate::clock::monotonic_now;

/// Wakes each waiter at its deadline. The thread starts on first use (a
/// simulator without latency never starts it) and ends when this is dropped.
#[derive(Debug, Default)]
pub(crate) struct PreciseDelays {
    thread: OnceLock<Option<Arc<State>>>,
}

#[derive(Debug, Default)]
struct State {
    queue: Mutex<Queue>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct Queue {
    /// Earliest deadline first; the sequence number keeps the heap's order
    /// total without comparing senders.
    waiting: BinaryHeap<Reverse<(Instant, u64)>>,
    senders: std::collections::HashMap<u64, oneshot::Sender<()>>,
    next: u64,
    closed: bool,
}

impl PreciseDelays {
    /// Waits until `deadline` (at once if it has passed).
    pub(crate) async fn sleep_until(&self, deadline: tokio::time::Instant) {
        let deadline = deadline.into_std();
        if deadline <= monotonic_now() {
            return;
        }
        let Some(state) = self.state() else {
            // No thread could be started: tokio's coarser timer still waits
            // at least as long as asked.
            tokio::time::sleep_until(deadline.into()).await;
            return;
        };
        let (tx, rx) = oneshot::channel();
        {
            let mut queue = lock(&state.queue);
            let id = queue.next;
            queue.next += 1;
            let earliest = queue
                .waiting
                .peek()
                .is_none_or(|Reverse((d, _))| deadline < *d);
            queue.waiting.push(Reverse((deadline, id)));
            queue.senders.insert(id, tx);
            if earliest {
                state.changed.notify_one();
            }
        }
        // An error means the simulator is shutting down: stop waiting.
        let _ = rx.await;
    }

    fn state(&self) -> Option<&Arc<State>> {
        self.thread
            .get_or_init(|| {
                let state = Arc::new(State::default());
                let worker = Arc::clone(&state);
                std::thread::Builder::new()
                    .name("iotcard-sim-delays".into())
                    .spawn(move || run(&worker))
                    .map_err(|e| {
                        tracing::warn!(
                            "cannot start the delay thread ({e}); latency will be coarser"
                        )
                    })
                    .ok()
                    .map(|_| state)
            })
            .as_ref()
    }
}

impl Drop for PreciseDelays {
    fn drop(&mut self) {
        if let Some(Some(state)) = self.thread.get() {
            lock(&state.queue).closed = true;
            state.changed.notify_one();
        }
    }
}

fn lock(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    // Every change under the lock is a whole push or pop, so a poisoned
    // lock still holds a consistent queue.
    queue.lock().unwrap_or_else(|p| p.into_inner())
}

fn run(state: &State) {
    let mut queue = lock(&state.queue);
    loop {
        if queue.closed {
            return;
        }
        let now = monotonic_now();
        match queue.waiting.peek().copied() {
            Some(Reverse((deadline, id))) if deadline <= now => {
                queue.waiting.pop();
                if let Some(tx) = queue.senders.remove(&id) {
                    // The request may have gone (its connection closed).
                    let _ = tx.send(());
                }
            }
            Some(Reverse((deadline, _))) => {
                queue = state
                    .changed
                    .wait_timeout(queue, deadline - now)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            None => {
                queue = state.changed.wait(queue).unwrap_or_else(|p| p.into_inner());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn never_wakes_early() {
        // How close to the deadline it wakes is a benchmark's business (the
        // latency floor of `cargo xtask bench`); here: never before it.
        let delays = PreciseDelays::default();
        for ms in [1u64, 3, 2] {
            let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
            delays.sleep_until(deadline).await;
            assert!(tokio::time::Instant::now() >= deadline, "woke early");
        }
    }

    #[tokio::test]
    async fn waiters_wake_in_deadline_order_whatever_the_order_asked() {
        let delays = Arc::new(PreciseDelays::default());
        let start = tokio::time::Instant::now();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (i, ms) in [9u64, 3, 6].into_iter().enumerate() {
            let (delays, order) = (Arc::clone(&delays), Arc::clone(&order));
            tasks.push(tokio::spawn(async move {
                delays.sleep_until(start + Duration::from_millis(ms)).await;
                order.lock().unwrap().push(i);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![1, 2, 0]);
    }

    #[tokio::test]
    async fn a_passed_deadline_returns_at_once_and_drop_ends_the_thread() {
        let delays = PreciseDelays::default();
        delays.sleep_until(tokio::time::Instant::now()).await;
        assert!(delays.thread.get().is_none(), "no thread for no wait");
        delays
            .sleep_until(tokio::time::Instant::now() + Duration::from_millis(1))
            .await;
        assert!(delays.thread.get().is_some());
        drop(delays);
    }
}
