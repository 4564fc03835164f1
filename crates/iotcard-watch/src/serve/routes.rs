//! What each path answers, as a pure function of the request's method,
//! path and `Accept` header and the board's figures.

use bytes::Bytes;
use http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Method, Response, StatusCode};
use http_body_util::Full;
use iotcard_observe::{health, render_metrics, render_status_page, Format};

use super::board::StatusBoard;

/// The paths served.
const PATHS: [&str; 3] = ["/", "/metrics", "/healthz"];

/// The answer to `method path` with `accept`.
pub(crate) fn answer(
    board: &StatusBoard,
    method: &Method,
    path: &str,
    accept: Option<&str>,
) -> Response<Full<Bytes>> {
    if !PATHS.contains(&path) {
        return plain(StatusCode::NOT_FOUND, format!("no such page: {path}\n"));
    }
    if method != Method::GET && method != Method::HEAD {
        let mut response = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{path} answers GET and HEAD only, not {method}\n"),
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let figures = board.figures();
    let rendered = match path {
        "/metrics" => {
            let format = Format::from_accept(accept);
            render_metrics(&figures, format).map(|body| (body, format.content_type()))
        }
        "/healthz" => {
            return match board.now() {
                Ok(now) => {
                    let verdict = health(&figures, now);
                    let status =
                        StatusCode::from_u16(verdict.status_code()).unwrap_or(StatusCode::OK);
                    plain(status, verdict.body())
                }
                Err(e) => plain(StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")),
            };
        }
        _ => match board.now() {
            Ok(now) => {
                render_status_page(&figures, now).map(|body| (body, "text/html; charset=utf-8"))
            }
            Err(e) => return plain(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
        },
    };
    match rendered {
        Ok((body, content_type)) => respond(StatusCode::OK, content_type, body),
        Err(e) => {
            tracing::error!(error = %crate::error::chain(&e), path, "rendering failed");
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("{path} could not be rendered: {e}\n"),
            )
        }
    }
}

fn plain(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    respond(status, "text/plain; charset=utf-8", body)
}

fn respond(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Every answer is of the latest pass: a cache in between would serve
    // an older one.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
