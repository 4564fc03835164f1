//! One request: stats, faults, then the platform's answer.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{HeaderValue, ALLOW, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

use super::body::SimBody;
use super::io::ConnControl;
use super::platform::Platform;
use crate::dialect::{self, Dialect};
use crate::faults::{Decision, Fault};
use crate::reply::Reply;
use crate::shared::Shared;
use crate::stats::FaultKind;
use crate::{iotbos, tencent};

/// The counters' path, on both listeners; never faulted, never counted.
pub(crate) const STATS_PATH: &str = "/__sim/stats";

const JSON: &str = dialect::encode::JSON_UTF8;

/// The request was answered by resetting its connection (the reset fault).
#[derive(Debug)]
pub(crate) struct ConnectionReset;

impl std::fmt::Display for ConnectionReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset on purpose (reset fault)")
    }
}

impl std::error::Error for ConnectionReset {}

pub(crate) async fn respond(
    shared: Arc<Shared>,
    platform: Platform,
    control: Arc<ConnControl>,
    req: Request<Incoming>,
) -> Result<Response<SimBody>, ConnectionReset> {
    let arrival = tokio::time::Instant::now();
    let path = req.uri().path();
    if path == STATS_PATH {
        return Ok(stats(&shared, req.method()));
    }
    let iotbos_route = iotbos::Route::of(path);
    let tencent_command = tencent::Command::of(path);
    shared.stats.request(match platform {
        Platform::Iotbos => iotbos::Route::counter(iotbos_route),
        Platform::Tencent => tencent::Command::counter(tencent_command),
    });

    let decision = shared.faults.decide();
    let answer = answer(
        &shared,
        platform,
        req,
        iotbos_route,
        tencent_command,
        decision,
    )
    .await;
    if !decision.delay.is_zero() {
        shared.stats.fault(FaultKind::Delayed);
        // Counted from arrival, so the work of answering hides inside the
        // latency, as on a real server whose response time is the latency,
        // and waited out precisely (see `delay`): the bench's bound
        // C × B / L then holds the simulator to its word.
        shared.delays.sleep_until(arrival + decision.delay).await;
    }
    match answer {
        Some(response) => Ok(response),
        None => {
            shared.stats.fault(FaultKind::Reset);
            control.reset();
            Err(ConnectionReset)
        }
    }
}

/// The answer the decided faults let out, or `None` for a reset.
async fn answer(
    shared: &Shared,
    platform: Platform,
    req: Request<Incoming>,
    iotbos_route: Option<iotbos::Route>,
    tencent_command: Option<tencent::Command>,
    decision: Decision,
) -> Option<Response<SimBody>> {
    match decision.fault {
        Some(Fault::Reset) => return None,
        Some(Fault::ServerError(status)) => {
            shared.stats.fault(FaultKind::ServerError);
            return Some(gateway_page(status, None));
        }
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            shared.stats.fault(FaultKind::TooManyRequests);
            return Some(gateway_page(
                StatusCode::TOO_MANY_REQUESTS,
                Some(retry_after_secs),
            ));
        }
        _ => {}
    }

    let (parts, body) = req.into_parts();
    let dialect = shared.dialect.get();
    let reply = match platform {
        Platform::Iotbos => iotbos::handle(
            shared,
            iotbos_route,
            &parts.method,
            parts.uri.query(),
            decision.revoke_token,
            dialect,
        ),
        Platform::Tencent => {
            match tencent::route(shared, tencent_command, &parts.method, dialect) {
                Err(refusal) => refusal,
                Ok(command) => {
                    let bytes = Limited::new(body, tencent::MAX_BODY)
                        .collect()
                        .await
                        .ok()
                        .map(|collected| collected.to_bytes());
                    tencent::handle(
                        shared,
                        command,
                        parts.uri.query(),
                        bytes.as_deref(),
                        dialect,
                    )
                }
            }
        }
    };
    Some(send(shared, reply, decision.fault, dialect))
}

/// The reply as the decided fault lets it out.
fn send(shared: &Shared, reply: Reply, fault: Option<Fault>, d: Dialect) -> Response<SimBody> {
    // The dialect's bytes and label first: faults damage what is sent.
    let (body, content_type) = dialect::encode::encode(reply.body, d);
    let full = Bytes::from(body);
    let body = match fault {
        Some(Fault::Truncated) => {
            shared.stats.fault(FaultKind::Truncated);
            SimBody::truncated(full)
        }
        Some(Fault::Malformed) => {
            shared.stats.fault(FaultKind::Malformed);
            // A strict prefix of a JSON object never parses.
            SimBody::whole(full.slice(..full.len() / 2))
        }
        Some(Fault::Trickle(total)) => {
            shared.stats.fault(FaultKind::Trickled);
            SimBody::trickle(full, total)
        }
        _ => SimBody::whole(full),
    };
    let declared = match &body {
        SimBody::Truncated { declared, .. } | SimBody::Trickle { declared, .. } => Some(*declared),
        SimBody::Whole(_) => None,
    };
    let mut response = Response::new(body);
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, content_type);
    if let Some(n) = declared {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(n));
    }
    if let Some(allow) = reply.allow {
        headers.insert(ALLOW, HeaderValue::from_static(allow));
    }
    response
}

/// A gateway's HTML error page (what sits in front of real platforms).
fn gateway_page(status: StatusCode, retry_after_secs: Option<u64>) -> Response<SimBody> {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let page = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n\
         <hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut response = Response::new(SimBody::whole(page));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    if let Some(secs) = retry_after_secs {
        headers.insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

fn stats(shared: &Shared, method: &Method) -> Response<SimBody> {
    let (status, body) = if method == Method::GET {
        let json = serde_json::to_vec(&shared.stats.snapshot())
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}").into_bytes());
        (StatusCode::OK, json)
    } else {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            b"{\"error\":\"only GET\"}".to_vec(),
        )
    };
    let mut response = Response::new(SimBody::whole(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET"));
    }
    response
}
