//! The DevTools protocol over one WebSocket: commands matched to their
//! answers by id, events routed to the page session they belong to.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::stream::{SplitSink, StreamExt};
use futures::SinkExt;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::HeadlessError;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;
type Answer = Result<Value, String>;

/// An event the browser sent for a page session.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) method: String,
    pub(crate) params: Value,
}

#[derive(Debug, Default)]
struct Routes {
    waiting: HashMap<u64, oneshot::Sender<Answer>>,
    sessions: HashMap<String, mpsc::UnboundedSender<Event>>,
}

/// One connection to the browser endpoint.
#[derive(Debug)]
pub(crate) struct Connection {
    writer: tokio::sync::Mutex<SplitSink<Socket, Message>>,
    routes: Arc<Mutex<Routes>>,
    next_id: AtomicU64,
    reader: tokio::task::JoinHandle<()>,
    step: Duration,
}

impl Connection {
    /// Connects to `endpoint` (a `ws://127.0.0.1:…` address); every command
    /// then gets `step` to be answered.
    pub(crate) async fn open(endpoint: &str, step: Duration) -> Result<Self, HeadlessError> {
        let connect = tokio_tungstenite::connect_async(endpoint);
        let (socket, _) = tokio::time::timeout(step, connect)
            .await
            .map_err(|_| HeadlessError::Timeout {
                step: format!("connecting to {endpoint}"),
                after: step,
            })?
            .map_err(|source| HeadlessError::WebSocket {
                endpoint: endpoint.to_owned(),
                source: Box::new(source),
            })?;
        let (writer, mut incoming) = socket.split();
        let routes = Arc::new(Mutex::new(Routes::default()));
        let reader = tokio::spawn({
            let routes = Arc::clone(&routes);
            async move {
                while let Some(Ok(message)) = incoming.next().await {
                    if let Message::Text(text) = message {
                        route(&routes, text.as_str());
                    }
                }
                // The browser is gone: every waiting command is answered
                // with a disconnection (its sender dropped), every page
                // session's events end.
                let mut routes = routes.lock().unwrap_or_else(PoisonError::into_inner);
                routes.waiting.clear();
                routes.sessions.clear();
            }
        });
        Ok(Self {
            writer: tokio::sync::Mutex::new(writer),
            routes,
            next_id: AtomicU64::new(1),
            reader,
            step,
        })
    }

    /// How long each command is given.
    pub(crate) fn step(&self) -> Duration {
        self.step
    }

    /// Sends `method` (to the browser, or to a page `session`) and waits for
    /// its answer.
    pub(crate) async fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, HeadlessError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut command = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            command["sessionId"] = Value::from(session);
        }
        let (tx, rx) = oneshot::channel();
        self.lock().waiting.insert(id, tx);
        let disconnected = || HeadlessError::Disconnected {
            method: method.to_owned(),
        };
        let sent = async {
            self.writer
                .lock()
                .await
                .send(Message::text(command.to_string()))
                .await
                .map_err(|_| disconnected())?;
            rx.await.map_err(|_| disconnected())
        };
        let answer = tokio::time::timeout(self.step, sent).await;
        self.lock().waiting.remove(&id);
        match answer {
            Err(_) => Err(HeadlessError::Timeout {
                step: format!("waiting for the answer to {method}"),
                after: self.step,
            }),
            Ok(Err(e)) => Err(e),
            Ok(Ok(Err(message))) => Err(HeadlessError::Command {
                method: method.to_owned(),
                message,
            }),
            Ok(Ok(Ok(result))) => Ok(result),
        }
    }

    /// The events of page `session` from now on.
    pub(crate) fn subscribe(&self, session: &str) -> mpsc::UnboundedReceiver<Event> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().sessions.insert(session.to_owned(), tx);
        rx
    }

    /// Stops routing `session`'s events.
    pub(crate) fn unsubscribe(&self, session: &str) {
        self.lock().sessions.remove(session);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Routes> {
        self.routes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// One message from the browser: an answer (it has an `id`) or an event.
fn route(routes: &Mutex<Routes>, text: &str) {
    let Ok(message) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let mut routes = routes.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(id) = message.get("id").and_then(Value::as_u64) {
        if let Some(tx) = routes.waiting.remove(&id) {
            let answer = match message.get("error") {
                Some(error) => Err(error
                    .get("message")
                    .and_then(Value::as_str)
                    .map_or_else(|| error.to_string(), str::to_owned)),
                None => Ok(message.get("result").cloned().unwrap_or(Value::Null)),
            };
            let _ = tx.send(answer);
        }
        return;
    }
    let (Some(session), Some(method)) = (
        message.get("sessionId").and_then(Value::as_str),
        message.get("method").and_then(Value::as_str),
    ) else {
        return;
    };
    if let Some(tx) = routes.sessions.get(session) {
        let _ = tx.send(Event {
            method: method.to_owned(),
            params: message.get("params").cloned().unwrap_or(Value::Null),
        });
    }
}
