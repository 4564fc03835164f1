//! Running a call's pipeline on the runtime's worker threads, beside the
//! connection tasks that carry its requests.
//!
//! hyper runs each connection as a task of its own on the runtime. A
//! pipeline polled where the caller awaits it — on the thread that called
//! `Runtime::block_on`, which is no worker — hands every request to a worker
//! and gets every answer back from one: two wake-ups across threads per
//! request, each a futex call and a context switch. Spawned as a task, the
//! pipeline runs on the workers themselves, where an answer's connection
//! task wakes it on the same thread. Measured (`cargo xtask bench`,
//! 200,000 cards in 2,000 requests): context switches per poll went from
//! about 8,700 to 3,200, and the facade's CPU per card down by a fifth
//! (BENCHMARKS.md).
//!
//! Outside a tokio runtime (where no request could be sent anyway) the
//! work runs where it is awaited, as before. Dropping what these return
//! stops the work; a panic in it resumes in the caller.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinHandle};
use tracing::Instrument;

/// Awaits `work` as a task of the current runtime (the caller's span goes
/// with it), or in place outside one.
pub(crate) async fn on_workers<F>(work: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let Ok(runtime) = Handle::try_current() else {
        return work.await;
    };
    let mut task = Task(runtime.spawn(work.in_current_span()));
    match (&mut task.0).await {
        Ok(output) => output,
        Err(error) => resume(error),
    }
}

/// A spawned task, aborted when dropped: the caller that stops waiting for
/// a call stops the call.
struct Task<T>(JoinHandle<T>);

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A spawned task ended without its output: its panic resumes here. It
/// cannot have been aborted (only dropping its [`Task`] does that, and then
/// nobody awaits it), so the other case is a runtime shutting down under a
/// caller it still runs.
fn resume(error: JoinError) -> ! {
    match error.try_into_panic() {
        Ok(panic) => std::panic::resume_unwind(panic),
        Err(error) => panic!("a facade task ended early: {error}"),
    }
}

/// The items of a stream of chunks, in order, the chunks made by a task of
/// the runtime (started on the first poll) and handed over through a
/// channel of `capacity` chunks: the work runs ahead of the reader by that
/// much at most, and a reader that keeps up is woken once per chunk.
pub(crate) struct Driven<T> {
    state: State<T>,
    chunk: std::vec::IntoIter<T>,
}

enum State<T> {
    /// Not polled yet.
    Idle {
        chunks: BoxStream<'static, Vec<T>>,
        capacity: usize,
    },
    /// Outside a runtime: the chunks are made where they are read.
    InPlace(BoxStream<'static, Vec<T>>),
    /// The task makes the chunks.
    Spawned {
        chunks: mpsc::Receiver<Vec<T>>,
        task: Task<()>,
    },
    /// The channel closed: whether the task ended well or panicked.
    Ending(Task<()>),
    Done,
}

impl<T: Send + 'static> Driven<T> {
    pub(crate) fn new(
        chunks: impl Stream<Item = Vec<T>> + Send + 'static,
        capacity: usize,
    ) -> Self {
        Self {
            state: State::Idle {
                chunks: chunks.boxed(),
                capacity: capacity.max(1),
            },
            chunk: Vec::new().into_iter(),
        }
    }

    /// The next chunk, `None` at the end.
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Vec<T>>> {
        loop {
            match &mut self.state {
                State::Idle { .. } => {
                    let State::Idle { chunks, capacity } =
                        std::mem::replace(&mut self.state, State::Done)
                    else {
                        unreachable!("matched just above")
                    };
                    self.state = match Handle::try_current() {
                        Ok(runtime) => {
                            let (sender, receiver) = mpsc::channel(capacity);
                            let work = forward(chunks, sender).in_current_span();
                            State::Spawned {
                                chunks: receiver,
                                task: Task(runtime.spawn(work)),
                            }
                        }
                        Err(_) => State::InPlace(chunks),
                    };
                }
                State::InPlace(chunks) => {
                    let next = ready!(chunks.poll_next_unpin(cx));
                    if next.is_none() {
                        self.state = State::Done;
                    }
                    return Poll::Ready(next);
                }
                State::Spawned { chunks, .. } => {
                    if let Some(chunk) = ready!(chunks.poll_recv(cx)) {
                        return Poll::Ready(Some(chunk));
                    }
                    let State::Spawned { task, .. } =
                        std::mem::replace(&mut self.state, State::Done)
                    else {
                        unreachable!("matched just above")
                    };
                    self.state = State::Ending(task);
                }
                State::Ending(task) => {
                    let ended = ready!(Pin::new(&mut task.0).poll(cx));
                    self.state = State::Done;
                    if let Err(error) = ended {
                        resume(error);
                    }
                    return Poll::Ready(None);
                }
                State::Done => return Poll::Ready(None),
            }
        }
    }
}

/// The task's work: every chunk into the channel, until the end or until
/// the reader is gone.
async fn forward<T>(mut chunks: BoxStream<'static, Vec<T>>, sender: mpsc::Sender<Vec<T>>) {
    while let Some(chunk) = chunks.next().await {
        if sender.send(chunk).await.is_err() {
            return;
        }
    }
}

// Nothing in it is ever pinned: the items sit in a `Vec`, the chunk stream
// is boxed.
impl<T> Unpin for Driven<T> {}

impl<T: Send + 'static> Stream for Driven<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.chunk.next() {
                return Poll::Ready(Some(item));
            }
            match ready!(this.poll_chunk(cx)) {
                Some(chunk) => this.chunk = chunk.into_iter(),
                None => return Poll::Ready(None),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let here = self.chunk.len();
        match self.state {
            State::Done => (here, Some(here)),
            _ => (here, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use futures::stream;

    use super::*;

    fn chunks(n: usize) -> impl Stream<Item = Vec<usize>> + Send + 'static {
        stream::iter((0..n).map(|i| vec![i * 2, i * 2 + 1]))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn items_come_in_order_on_a_runtime() {
        let out: Vec<usize> = Driven::new(chunks(50), 3).collect().await;
        assert_eq!(out, (0..100).collect::<Vec<_>>());
        assert_eq!(on_workers(async { 7 }).await, 7);
    }

    #[test]
    fn outside_a_runtime_the_work_runs_in_place() {
        let out: Vec<usize> = futures::executor::block_on(Driven::new(chunks(4), 1).collect());
        assert_eq!(out, (0..8).collect::<Vec<_>>());
        assert_eq!(futures::executor::block_on(on_workers(async { 7 })), 7);
    }

    #[tokio::test(start_paused = true)]
    async fn the_work_runs_ahead_by_the_capacity_and_stops_when_dropped() {
        let made = Arc::new(AtomicUsize::new(0));
        let m = made.clone();
        let counted = chunks(100).inspect(move |_| {
            m.fetch_add(1, Ordering::SeqCst);
        });
        let mut driven = Driven::new(counted, 4);
        assert_eq!(driven.next().await, Some(0));
        tokio::time::sleep(Duration::from_millis(10)).await;
        // One chunk read, four in the channel, one waiting to be sent.
        assert!(
            made.load(Ordering::SeqCst) <= 6,
            "{}",
            made.load(Ordering::SeqCst)
        );
        drop(driven);
        tokio::time::sleep(Duration::from_millis(10)).await;
        let after = made.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(made.load(Ordering::SeqCst), after, "stopped");
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_the_caller_aborts_the_task() {
        let finished = Arc::new(AtomicUsize::new(0));
        let f = finished.clone();
        let call = on_workers(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            f.fetch_add(1, Ordering::SeqCst);
        });
        let cut = tokio::time::timeout(Duration::from_millis(10), call).await;
        assert!(cut.is_err());
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(finished.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    #[should_panic(expected = "boom")]
    async fn a_panic_in_the_task_resumes_in_the_caller() {
        let _: () = on_workers(async { panic!("boom") }).await;
    }

    #[tokio::test]
    #[should_panic(expected = "chunk boom")]
    async fn a_panic_in_a_driven_stream_resumes_in_the_reader() {
        let failing = chunks(3).map(|c| if c[0] == 2 { panic!("chunk boom") } else { c });
        let _: Vec<usize> = Driven::new(failing, 2).collect().await;
    }
}
