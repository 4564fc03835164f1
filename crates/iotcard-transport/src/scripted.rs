//! A fake [`Transport`] for unit tests of code built on a transport.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use bytes::Bytes;
use iotcard_model::SecretNames;

use crate::{Response, Transport, TransportError};

type Responder = dyn Fn(&http::Request<Bytes>) -> Result<Response, TransportError> + Send + Sync;

/// Answers from a queue of scripted outcomes, then (if given) from a closure, and records
/// every request it was sent.
///
/// Queued outcomes are used first, in order; when the queue is empty the closure answers;
/// with neither, the answer is a [`TransportError::InvalidRequest`] saying the script ran
/// out, so a test that sends more than it scripted fails loudly instead of hanging.
///
/// ```
/// use iotcard_transport::{Response, ScriptedTransport, Transport};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let fake = ScriptedTransport::new();
/// fake.push_response(Response::new(http::StatusCode::OK, "first"));
/// let request = http::Request::get("http://localhost/a").body(bytes::Bytes::new()).unwrap();
/// let answer = fake.send(request).await.unwrap();
/// assert_eq!(answer.body, "first");
/// assert_eq!(fake.requests()[0].uri().path(), "/a");
/// // The script has run out: the next request fails, it does not hang.
/// let request = http::Request::get("http://localhost/b").body(bytes::Bytes::new()).unwrap();
/// assert!(fake.send(request).await.is_err());
/// # });
/// ```
///
/// `Debug` shows only counts: recorded requests may carry credentials.
#[derive(Default)]
pub struct ScriptedTransport {
    queue: Mutex<VecDeque<Result<Response, TransportError>>>,
    responder: Option<Box<Responder>>,
    recorded: Mutex<Vec<http::Request<Bytes>>>,
}

impl ScriptedTransport {
    /// An empty script: push outcomes with [`push`](Self::push).
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers every request (after any queued outcomes) with `respond(&request)`.
    pub fn from_fn(
        respond: impl Fn(&http::Request<Bytes>) -> Result<Response, TransportError>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        Self {
            responder: Some(Box::new(respond)),
            ..Self::default()
        }
    }

    /// Queues one outcome.
    pub fn push(&self, outcome: Result<Response, TransportError>) -> &Self {
        lock(&self.queue).push_back(outcome);
        self
    }

    /// Queues one successful answer.
    pub fn push_response(&self, response: Response) -> &Self {
        self.push(Ok(response))
    }

    /// Queues one failure.
    pub fn push_error(&self, error: TransportError) -> &Self {
        self.push(Err(error))
    }

    /// Copies of every request sent so far, in order.
    pub fn requests(&self) -> Vec<http::Request<Bytes>> {
        lock(&self.recorded).clone()
    }

    /// How many requests were sent so far.
    pub fn request_count(&self) -> usize {
        lock(&self.recorded).len()
    }

    /// How many queued outcomes are still unused.
    pub fn remaining(&self) -> usize {
        lock(&self.queue).len()
    }
}

// A panic in a test closure poisons the lock; the data itself is still consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait]
impl Transport for ScriptedTransport {
    async fn send(&self, request: http::Request<Bytes>) -> Result<Response, TransportError> {
        let queued = lock(&self.queue).pop_front();
        let outcome = match (queued, &self.responder) {
            (Some(outcome), _) => outcome,
            (None, Some(respond)) => respond(&request),
            (None, None) => Err(TransportError::invalid_request(
                request.uri(),
                "ScriptedTransport has no scripted answer left",
                &SecretNames::GENERIC,
            )),
        };
        lock(&self.recorded).push(request);
        outcome
    }
}

impl fmt::Debug for ScriptedTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptedTransport")
            .field("queued", &self.remaining())
            .field("has_responder", &self.responder.is_some())
            .field("recorded", &self.request_count())
            .finish()
    }
}
