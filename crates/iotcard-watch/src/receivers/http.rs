//! HTTP receivers shaped like the chat robots and an Alertmanager webhook.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use iotcard_facade::Clock;
use iotcard_model::Secret;
use iotcard_notify::{dingtalk, feishu, webhook::Payload};
use serde_json::{json, Value};
use tokio::net::TcpListener;

use super::{lock, Down, Switch, Task};

/// Which service a [`Robot`] is shaped like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RobotKind {
    /// `POST /robot/send?access_token=T[&timestamp=…&sign=…]`.
    DingTalk,
    /// `POST /cgi-bin/webhook/send?key=K`.
    WeCom,
    /// `POST /open-apis/bot/v2/hook/T`, signed in the body.
    Feishu,
    /// `POST /hook`, Alertmanager's payload version "4".
    Webhook,
}

/// A message a [`Robot`] accepted.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Received {
    /// When (the receiver's clock).
    pub at: SystemTime,
    /// The path and query, as sent.
    pub path_and_query: String,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Received {
    /// The `Idempotency-Key` header, if any.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.headers
            .get(iotcard_notify::IDEMPOTENCY_KEY)?
            .to_str()
            .ok()
    }

    /// The body as a webhook payload (for a webhook receiver).
    pub fn payload(&self) -> Option<Payload> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[derive(Debug)]
struct Shared {
    kind: RobotKind,
    token: String,
    secret: Option<Secret>,
    switch: Switch,
    received: Mutex<Vec<Received>>,
    requests: Mutex<usize>,
    refused: Mutex<Vec<String>>,
}

/// A local robot or webhook receiver on 127.0.0.1. It checks the token or
/// key, the signature and its age (one hour, as DingTalk and Feishu allow)
/// against its clock, the message's shape, and the robots' 20 messages a
/// minute (DingTalk and WeCom); it answers as the service does.
#[derive(Debug)]
pub struct Robot {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _task: Task,
}

impl Robot {
    /// A DingTalk-shaped robot with access token `token`, checking
    /// signatures with `secret` when given.
    pub async fn dingtalk(
        token: &str,
        secret: Option<&str>,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Self> {
        Self::start(RobotKind::DingTalk, token, secret, clock).await
    }

    /// A WeCom-shaped robot with key `key`.
    pub async fn wecom(key: &str, clock: Arc<dyn Clock>) -> std::io::Result<Self> {
        Self::start(RobotKind::WeCom, key, None, clock).await
    }

    /// A Feishu-shaped bot with hook token `token`, checking signatures
    /// with `secret` when given.
    pub async fn feishu(
        token: &str,
        secret: Option<&str>,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Self> {
        Self::start(RobotKind::Feishu, token, secret, clock).await
    }

    /// An Alertmanager-style webhook receiver at `/hook`.
    pub async fn webhook(clock: Arc<dyn Clock>) -> std::io::Result<Self> {
        Self::start(RobotKind::Webhook, "", None, clock).await
    }

    async fn start(
        kind: RobotKind,
        token: &str,
        secret: Option<&str>,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            kind,
            token: token.to_owned(),
            secret: secret.map(Secret::new),
            switch: Switch::new(clock),
            received: Mutex::new(Vec::new()),
            requests: Mutex::new(0),
            refused: Mutex::new(Vec::new()),
        });
        let serving = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = Arc::clone(&serving);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let shared = Arc::clone(&shared);
                        async move {
                            match shared.handle(request).await {
                                Some(response) => Ok(response),
                                None => Err(Refused),
                            }
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            shared,
            _task: Task(task),
        })
    }

    /// The URL to configure: `http://127.0.0.1:PORT/…` with the token.
    pub fn url(&self) -> String {
        let base = format!("http://{}", self.addr);
        let token = &self.shared.token;
        match self.shared.kind {
            RobotKind::DingTalk => format!("{base}/robot/send?access_token={token}"),
            RobotKind::WeCom => format!("{base}/cgi-bin/webhook/send?key={token}"),
            RobotKind::Feishu => format!("{base}/open-apis/bot/v2/hook/{token}"),
            RobotKind::Webhook => format!("{base}/hook"),
        }
    }

    /// Down, as `how`, until [`up`](Self::up).
    pub fn down(&self, how: Down) {
        self.shared.switch.set(Some((how, None)));
    }

    /// Down, as `how`, for the next `requests` requests (or connections,
    /// for [`Down::Refuse`]).
    pub fn down_for(&self, requests: usize, how: Down) {
        self.shared.switch.set(Some((how, Some(requests))));
    }

    /// Up again.
    pub fn up(&self) {
        self.shared.switch.set(None);
    }

    /// The messages it accepted.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.received).clone()
    }

    /// How many requests came, accepted or not (connections refused while
    /// down are not requests).
    pub fn requests(&self) -> usize {
        *lock(&self.shared.requests)
    }

    /// Why each refused request was refused (the answer's message).
    pub fn refusals(&self) -> Vec<String> {
        lock(&self.shared.refused).clone()
    }
}

/// Why a connection was closed without an answer.
#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refused {}

/// The largest age of a signature the robots take.
const MAX_SKEW: Duration = Duration::from_secs(3600);

impl Shared {
    /// The answer; `None` closes the connection without one.
    async fn handle(&self, request: Request<Incoming>) -> Option<Response<Full<Bytes>>> {
        if self.switch.take_refuse() {
            *lock(&self.requests) += 1;
            return None;
        }
        Some(self.answer(request).await)
    }

    async fn answer(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
            return reply(StatusCode::BAD_REQUEST, json!({"error": "broken body"}));
        };
        *lock(&self.requests) += 1;
        match self.switch.take() {
            Some(Down::Unavailable) => {
                return reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    json!({"error": "unavailable"}),
                )
            }
            Some(Down::RateLimited) => return self.rate_limited(),
            _ => {}
        }
        let now = self.switch.now();
        let path_and_query = parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default();
        let query = parts.uri.query().unwrap_or("");
        let param = |name: &str| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.into_owned())
        };
        if parts.method != http::Method::POST {
            return self.refuse(StatusCode::METHOD_NOT_ALLOWED, 405, "POST only");
        }
        let checked: Result<(), (i64, String)> = match self.kind {
            RobotKind::DingTalk => if parts.uri.path() != "/robot/send"
                || param("access_token").as_deref() != Some(&self.token)
            {
                Err((300001, "token is not exist".into()))
            } else if let Some(secret) = &self.secret {
                dingtalk::verify(query, secret, now, MAX_SKEW)
                    .map_err(|e| (310000, format!("sign not match: {e}")))
            } else {
                Ok(())
            }
            .and_then(|()| markdown(&body, &["markdown", "text"])),
            RobotKind::WeCom => {
                if parts.uri.path() != "/cgi-bin/webhook/send"
                    || param("key").as_deref() != Some(&self.token)
                {
                    Err((93000, "invalid webhook url".into()))
                } else {
                    markdown(&body, &["markdown", "content"])
                }
            }
            RobotKind::Feishu => {
                if parts.uri.path() != format!("/open-apis/bot/v2/hook/{}", self.token) {
                    Err((
                        19001,
                        "param invalid: incoming webhook access token invalid".into(),
                    ))
                } else if let Some(secret) = &self.secret {
                    feishu::verify(&body, secret, now, MAX_SKEW)
                        .map_err(|e| (19021, format!("sign match fail or timestamp is not within one hour from current time: {e}")))
                } else {
                    Ok(())
                }
            }
            RobotKind::Webhook => {
                if parts.uri.path() != "/hook" {
                    return self.refuse(StatusCode::NOT_FOUND, 404, "not found");
                }
                match serde_json::from_slice::<Payload>(&body) {
                    Ok(p) if p.version == "4" && !p.alerts.is_empty() => Ok(()),
                    Ok(p) => Err((
                        400,
                        format!("version {:?}, {} alerts", p.version, p.alerts.len()),
                    )),
                    Err(e) => Err((400, format!("not an Alertmanager payload: {e}"))),
                }
            }
        };
        if let Err((code, message)) = checked {
            let status = if self.kind == RobotKind::Webhook {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            return self.refuse(status, code, &message);
        }
        // The robots' own limit: 20 a minute.
        if matches!(self.kind, RobotKind::DingTalk | RobotKind::WeCom) {
            let recent = lock(&self.received)
                .iter()
                .filter(|r| {
                    now.duration_since(r.at)
                        .is_ok_and(|d| d < Duration::from_secs(60))
                })
                .count();
            if recent >= 20 {
                return self.rate_limited();
            }
        }
        lock(&self.received).push(Received {
            at: now,
            path_and_query,
            headers: parts.headers,
            body,
        });
        match self.kind {
            RobotKind::DingTalk | RobotKind::WeCom => {
                reply(StatusCode::OK, json!({"errcode": 0, "errmsg": "ok"}))
            }
            RobotKind::Feishu => reply(
                StatusCode::OK,
                json!({"code": 0, "data": {}, "msg": "success"}),
            ),
            RobotKind::Webhook => reply(StatusCode::OK, json!({})),
        }
    }

    fn refuse(&self, status: StatusCode, code: i64, message: &str) -> Response<Full<Bytes>> {
        lock(&self.refused).push(message.to_owned());
        match self.kind {
            RobotKind::DingTalk | RobotKind::WeCom => {
                reply(status, json!({"errcode": code, "errmsg": message}))
            }
            RobotKind::Feishu => reply(status, json!({"code": code, "data": {}, "msg": message})),
            RobotKind::Webhook => reply(status, json!({"error": message})),
        }
    }

    fn rate_limited(&self) -> Response<Full<Bytes>> {
        match self.kind {
            RobotKind::DingTalk => self.refuse(
                StatusCode::OK,
                130101,
                "send too fast, exceed 20 times per minute",
            ),
            RobotKind::WeCom => self.refuse(StatusCode::OK, 45009, "api freq out of limit"),
            RobotKind::Feishu => self.refuse(StatusCode::OK, 9499, "too many request"),
            RobotKind::Webhook => self.refuse(StatusCode::TOO_MANY_REQUESTS, 429, "slow down"),
        }
    }
}

/// Checks `{"msgtype":"markdown","markdown":{FIELD: non-empty}}`.
fn markdown(body: &[u8], path: &[&str]) -> Result<(), (i64, String)> {
    let value: Value =
        serde_json::from_slice(body).map_err(|_| (40001, "invalid json".to_owned()))?;
    if value.get("msgtype").and_then(Value::as_str) != Some("markdown") {
        return Err((40008, "invalid message type".into()));
    }
    let mut at = &value;
    for key in path {
        at = at.get(key).ok_or((40002, format!("missing {key}")))?;
    }
    match at.as_str() {
        Some(text) if !text.is_empty() => Ok(()),
        _ => Err((40002, "empty content".into())),
    }
}

fn reply(status: StatusCode, body: Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
