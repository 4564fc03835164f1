//! Transports whose every answer, and how long it takes, the test chooses:
//! for checks that need exact time (paused tokio time moves only by the
//! waits asked for) and so cannot talk to the simulator over sockets.

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::StatusCode;
use iotcard_facade::{Response, Transport, TransportError};
use tokio::time::Instant;

/// One request a [`Paced`] transport was sent.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The request.
    pub request: http::Request<Bytes>,
    /// When it was sent, on tokio's clock.
    pub sent_at: Instant,
    /// When its answer was handed back, on tokio's clock.
    pub answered_at: Instant,
}

type Responder =
    dyn Fn(&http::Request<Bytes>) -> (Duration, Result<Response, TransportError>) + Send + Sync;

/// Answers each request with what a closure says, after the delay it says
/// (a `tokio::time::sleep`, so paused time makes it exact), and records
/// every request with when it was sent and answered.
pub struct Paced {
    respond: Box<Responder>,
    sent: Mutex<Vec<Sent>>,
}

impl Paced {
    /// A transport answering with `respond(&request)`: the delay, then the
    /// outcome.
    pub fn new(
        respond: impl Fn(&http::Request<Bytes>) -> (Duration, Result<Response, TransportError>)
            + Send
            + Sync
            + 'static,
    ) -> Self {
        Self {
            respond: Box::new(respond),
            sent: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Sent>> {
        self.sent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every request answered so far, in the order they were answered.
    pub fn sent(&self) -> Vec<Sent> {
        self.lock().clone()
    }
}

impl fmt::Debug for Paced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Recorded requests may carry credentials: counts only.
        f.debug_struct("Paced")
            .field("sent", &self.lock().len())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Transport for Paced {
    async fn send(&self, request: http::Request<Bytes>) -> Result<Response, TransportError> {
        let sent_at = Instant::now();
        let (delay, outcome) = (self.respond)(&request);
        tokio::time::sleep(delay).await;
        self.lock().push(Sent {
            request,
            sent_at,
            answered_at: Instant::now(),
        });
        outcome
    }
}

/// Sends through another transport (a real [`HttpTransport`](iotcard_facade::HttpTransport)
/// to the simulator, say) and keeps a copy of every request, so a test can
/// read what went on the wire.
pub struct Recorder<T> {
    inner: T,
    sent: Mutex<Vec<http::Request<Bytes>>>,
}

impl<T> Recorder<T> {
    /// Records what goes through `inner`.
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            sent: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<http::Request<Bytes>>> {
        self.sent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Copies of every request sent so far, in order.
    pub fn requests(&self) -> Vec<http::Request<Bytes>> {
        self.lock().clone()
    }
}

impl<T> fmt::Debug for Recorder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Recorded requests carry credentials: counts only.
        f.debug_struct("Recorder")
            .field("sent", &self.lock().len())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl<T: Transport> Transport for Recorder<T> {
    async fn send(&self, request: http::Request<Bytes>) -> Result<Response, TransportError> {
        self.lock().push(request.clone());
        self.inner.send(request).await
    }
}

/// The value of query parameter `key` of `request`, decoded.
pub fn query(request: &http::Request<Bytes>, key: &str) -> Option<String> {
    form_urlencoded::parse(request.uri().query()?.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Field `key` of `request`'s JSON body, when it is a string.
pub fn body_string(request: &http::Request<Bytes>, key: &str) -> Option<String> {
    let body: serde_json::Value = serde_json::from_slice(request.body()).ok()?;
    body.get(key)?.as_str().map(str::to_owned)
}

/// An HTTP 200 answer with `body`.
pub fn ok(body: impl Into<Bytes>) -> Result<Response, TransportError> {
    Ok(Response::new(StatusCode::OK, body))
}

/// An HTTP 503 answer, as a load balancer writes it.
pub fn unavailable() -> Result<Response, TransportError> {
    Ok(Response::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "<html><body>503 Service Unavailable</body></html>",
    ))
}

/// Whether `request` is IoTBOS's login.
pub fn is_iotbos_login(request: &http::Request<Bytes>) -> bool {
    request.uri().path().eq_ignore_ascii_case("/Api/token")
}

/// IoTBOS's answer to a login: token `token`, two hours.
pub fn iotbos_login(token: &str) -> String {
    format!(
        r#"{{"status":1,"info":null,"data":{{"accessToken":"{token}","expiresTime":"2018/01/16 16:02:08"}},"createtime":"2018/01/16 14:02:08"}}"#
    )
}

/// IoTBOS's usage answer for the comma-separated `cards`, each found with
/// the same figures.
pub fn iotbos_usage(cards: &str) -> String {
    let entries: Vec<String> = cards
        .split(',')
        .map(|c| {
            format!(
                r#"{{"num":"{c}","State":1,"Exceed":{{"ReceivesSmsNum":6,"UseFlow":8359.50}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"status":1,"info":null,"data":{{"date":[{}]}},"createtime":"2018/01/16 14:02:08"}}"#,
        entries.join(",")
    )
}

/// Tencent's `getappinfo` answer: six cards.
pub const TENCENT_APP_INFO: &str = r#"{"code":0,"message":"OK","data":{"name":"售货机","description":"d","yd_card_cnt":1,"dx_card_cnt":2,"lt_card_cnt":3}}"#;

/// Tencent's `getcardinfo` answer for `iccid`.
pub fn tencent_card_info(iccid: &str) -> String {
    format!(
        r#"{{"code":0,"message":"OK","data":{{"iccid":"{iccid}","msisdn":"1064878384333","teleoperator":1,"type":1,"card_status":2,"network_status":2,"data_used_in_period":14.970,"data_total_in_period":30.000,"product_id":"p1","pool_id":"","product_expired_time":1506494258}}}}"#
    )
}
