//! What every fuzz target shares: how the input picks HTTP statuses, and
//! the properties every parser error must have, whichever parser and
//! platform. Each target (`fuzz_targets/*.rs`) only names its parser and
//! what it checks of a successful answer.

use std::error::Error;
use std::num::NonZeroUsize;

use iotbos_proto::http::{self, HeaderValue, Response, StatusCode};
use iotbos_proto::{BatchPlan, CardAnswers, IotbosError, Query};
use tencent_proto::TencentError;

/// Runs `check` on the whole input as a 200 answer's body, then, when the
/// input has at least two bytes, on the rest under the status those two
/// bytes pick (100..=999), with a `Retry-After` (seconds, or a date with a
/// `Date` to measure it by) when the status's code is odd: every status
/// reaches the parsers, so every status is fuzzed, with the headers they
/// read.
pub fn for_each_status(data: &[u8], mut check: impl FnMut(&Response<&[u8]>)) {
    check(&Response::new(data));
    if let [hi, lo, body @ ..] = data {
        let code = 100 + u16::from_be_bytes([*hi, *lo]) % 900;
        if let Ok(status) = StatusCode::from_u16(code) {
            let mut response = Response::new(body);
            *response.status_mut() = status;
            if code % 2 == 1 {
                let headers = response.headers_mut();
                if lo % 4 == 1 {
                    headers.insert(http::header::RETRY_AFTER, HeaderValue::from(u16::from(*hi)));
                } else {
                    headers.insert(
                        http::header::RETRY_AFTER,
                        HeaderValue::from_static("Sun, 06 Nov 1994 08:50:37 GMT"),
                    );
                    headers.insert(
                        http::header::DATE,
                        HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
                    );
                }
            }
            check(&response);
        }
    }
}

/// What both platforms' errors tell about themselves.
pub trait Classified: Error + 'static {
    /// `is_transient()`.
    fn transient(&self) -> bool;
    /// `is_refused()`.
    fn refused(&self) -> bool;
    /// `status()`.
    fn http_status(&self) -> Option<StatusCode>;
    /// Whether this is the non-2xx-without-a-refusal error.
    fn is_http_status(&self) -> bool;
    /// `retry_after()`.
    fn wait(&self) -> Option<std::time::Duration>;
    /// The piece of the answer the message quotes, if it quotes one: that
    /// is the server's text, which may hold anything (a fuzzer soon learns
    /// to write a cause's words into it), so it is not held to "one level".
    fn quoted(&self) -> Option<&str>;
}

impl Classified for IotbosError {
    fn transient(&self) -> bool {
        self.is_transient()
    }
    fn refused(&self) -> bool {
        self.is_refused()
    }
    fn http_status(&self) -> Option<StatusCode> {
        self.status()
    }
    fn is_http_status(&self) -> bool {
        matches!(self, IotbosError::HttpStatus { .. })
    }
    fn wait(&self) -> Option<std::time::Duration> {
        self.retry_after()
    }
    fn quoted(&self) -> Option<&str> {
        match self {
            IotbosError::HttpStatus { body_snippet, .. }
            | IotbosError::InvalidJson { body_snippet, .. }
            | IotbosError::UnexpectedShape { body_snippet, .. }
            | IotbosError::UndecodableBody { body_snippet, .. }
            | IotbosError::MissingCardList { body_snippet, .. } => Some(body_snippet),
            _ => None,
        }
    }
}

impl Classified for TencentError {
    fn transient(&self) -> bool {
        self.is_transient()
    }
    fn refused(&self) -> bool {
        self.is_refused()
    }
    fn http_status(&self) -> Option<StatusCode> {
        self.status()
    }
    fn is_http_status(&self) -> bool {
        matches!(self, TencentError::HttpStatus { .. })
    }
    fn wait(&self) -> Option<std::time::Duration> {
        self.retry_after()
    }
    fn quoted(&self) -> Option<&str> {
        match self {
            TencentError::HttpStatus { body, .. }
            | TencentError::NotText { body, .. }
            | TencentError::NotJson { body, .. }
            | TencentError::NotEnvelope { body, .. } => Some(body),
            _ => None,
        }
    }
}

/// The properties of any error a parser of call `name` returns for a body
/// under `status`:
///
/// - its message starts with the call's name and shows one level (no
///   message of its `source()` chain is repeated in it);
/// - it is never both transient and a refusal;
/// - it carries the status it was read under;
/// - under a non-2xx status it is a refusal or the HTTP-status error, whose
///   body is kept only as a short snippet.
pub fn check_error<E: Classified>(name: &str, status: StatusCode, error: &E) {
    let shown = error.to_string();
    assert!(shown.starts_with(name), "{name}: {shown}");
    // The message's own words: what it quotes of the answer taken out
    // (quoted with escapes, or as is).
    let own = match error.quoted() {
        Some(quoted) if shown.contains(&format!("{quoted:?}")) => {
            shown.replacen(&format!("{quoted:?}"), "", 1)
        }
        Some(quoted) => shown.replacen(quoted, "", 1),
        None => shown.clone(),
    };
    let mut source = error.source();
    while let Some(cause) = source {
        let below = cause.to_string();
        assert!(
            !below.is_empty() && !own.contains(&below),
            "{shown} repeats {below}"
        );
        source = cause.source();
    }
    assert!(!(error.transient() && error.refused()), "{shown}");
    // A wait is kept only where it belongs: a refusal, or a 429 or 503.
    if error.wait().is_some() {
        assert!(
            error.refused()
                || (error.is_http_status()
                    && matches!(
                        status,
                        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
                    )),
            "{status}: {shown}"
        );
    }
    if let Some(seen) = error.http_status() {
        assert_eq!(seen, status, "{shown}");
    }
    if !status.is_success() {
        assert!(
            error.refused() || error.is_http_status(),
            "{status}: {shown}"
        );
        assert_eq!(error.http_status(), Some(status), "{shown}");
        assert!(error.refused() || shown.chars().count() < 1024, "{shown}");
    }
}

/// An answer is only ever read from a 2xx status.
pub fn check_result<T, E: Classified>(name: &str, status: StatusCode, result: &Result<T, E>) {
    match result {
        Ok(_) => assert!(status.is_success(), "{name}: an answer under {status}"),
        Err(e) => check_error(name, status, e),
    }
}

/// An IoTBOS data call under every status picked from `data`; a successful
/// answer is matched back to a batch of the cards it names, which must
/// settle exactly those cards and leave the rest missing.
pub fn iotbos_data_call<Q: Query>(data: &[u8]) {
    for_each_status(data, |response| {
        let result = Q::parse(response);
        check_result(Q::CALL.name(), response.status(), &result);
        if let Ok(answers) = result {
            assemble_back(answers);
        }
    });
}

fn assemble_back<T: Clone>(answers: CardAnswers<T>) {
    let named: Vec<_> = answers.cards.iter().map(|(card, _)| card.clone()).collect();
    // Small batches, so that most answers span several and their entries
    // are strays of all but one.
    let size = NonZeroUsize::new(3).expect("3 is not zero");
    for batch in BatchPlan::new(named, size).into_batches() {
        let done = batch.assemble::<T, ()>(Ok(answers.clone()));
        assert_eq!(done.results.len(), batch.len());
        for result in &done.results {
            assert!(
                !matches!(result, Err(iotcard_model::CardProblem::Missing)),
                "a card the answer names is missing"
            );
        }
        let settled = batch.len();
        assert_eq!(
            done.strays.len(),
            answers.cards.len() + answers.unattributed.len() - settled
        );
    }
}
