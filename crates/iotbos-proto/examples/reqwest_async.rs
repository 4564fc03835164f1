//! IoTBOS with `reqwest` 0.12 (rustls) on tokio: log in (driving a
//! [`Session`]), ask usage and plan for a few cards, print each card's value
//! or its problem.
//!
//! ```text
//! IOTCARD_IOTBOS_ENDPOINT=http://127.0.0.1:25853 IOTCARD_IOTBOS_ACCOUNT=… \
//! IOTCARD_IOTBOS_PASSWORD=… IOTCARD_CARDS=1064804085884,1060000000002 \
//!     cargo run -p iotbos-proto --example iotbos_reqwest_async
//! ```
//!
//! (`iotcard sim` prints the variables for its simulator;
//! `IOTCARD_CA_FILE`, when set, is trusted for an `https` endpoint.) Every
//! status goes to the parser (this never calls `error_for_status`), a
//! transient failure is retried once (waiting what `Retry-After` asked),
//! and no URL is printed but through `redact_uri`: the login URL carries
//! the password, by the platform's design, and reqwest's errors name the URL
//! unless told not to (`without_url`).

use std::fmt;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use iotbos_proto::bytes::Bytes;
use iotbos_proto::http::{Request, Response};
use iotbos_proto::{
    parse_login, redact_text, redact_uri, Api, Batch, BatchPlan, CardNumber, CardProblem,
    Credentials, Endpoint, IotbosError, Lease, Plan, PlanQuery, Query, Refusal, Refusals, Session,
    SessionConfig, Step, Usage, UsageQuery, DEFAULT_BATCH_SIZE,
};

/// The cards asked about when `IOTCARD_CARDS` is not set.
const DEFAULT_CARDS: &str = "1064804085884,1060000000002";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = match std::env::var("IOTCARD_IOTBOS_ENDPOINT") {
        Ok(url) => Endpoint::parse(&url)?,
        Err(_) => Endpoint::default(),
    };
    let credentials = Credentials::new(
        std::env::var("IOTCARD_IOTBOS_ACCOUNT").unwrap_or_default(),
        std::env::var("IOTCARD_IOTBOS_PASSWORD").unwrap_or_default(),
    )?;
    let cards: Vec<CardNumber> = std::env::var("IOTCARD_CARDS")
        .unwrap_or_else(|_| DEFAULT_CARDS.to_owned())
        .split(',')
        .map(|n| n.trim().parse())
        .collect::<Result<_, _>>()?;

    let mut client = Client {
        api: Api::new(endpoint, credentials),
        // Every status must reach the parser: a 4xx may carry IoTBOS's
        // refusal envelope, and a 429 or 503 its `Retry-After`.
        client: {
            let mut builder = reqwest::Client::builder()
                .use_rustls_tls()
                .timeout(Duration::from_secs(30));
            if let Ok(path) = std::env::var("IOTCARD_CA_FILE") {
                let pem = std::fs::read(&path)?;
                builder = builder.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
            }
            builder.build()?
        },
        session: Session::new(SessionConfig::default()),
    };
    for batch in BatchPlan::new(cards, DEFAULT_BATCH_SIZE).into_batches() {
        let usage = client.ask::<UsageQuery>(&batch).await;
        let plan = client.ask::<PlanQuery>(&batch).await;
        for ((card, usage), plan) in batch.cards().iter().zip(usage).zip(plan) {
            println!("{card} usage: {}", shown(usage, show_usage));
            println!("{card} plan: {}", shown(plan, show_plan));
        }
    }
    Ok(())
}

/// One account's requests, its HTTP client, and its token lifecycle.
struct Client {
    api: Api,
    client: reqwest::Client,
    session: Session<Failure>,
}

/// Why a call has no answer: what the parser said of the answer, or that
/// none came (the client's own error, its URL redacted).
#[derive(Clone, Debug)]
enum Failure {
    Answer(Arc<IotbosError>),
    Send(String),
}

impl Failure {
    fn is_transient(&self) -> bool {
        match self {
            Failure::Answer(e) => e.is_transient(),
            Failure::Send(_) => true,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Failure::Answer(e) => e.retry_after(),
            Failure::Send(_) => None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Answer(e) => e.fmt(f),
            Failure::Send(e) => f.write_str(e),
        }
    }
}

impl From<IotbosError> for Failure {
    fn from(e: IotbosError) -> Self {
        Failure::Answer(Arc::new(e))
    }
}

type CardResult<T> = Result<T, CardProblem<T, Arc<Failure>>>;

impl Client {
    /// One call for one batch, matched back to its cards.
    async fn ask<Q: Query>(&mut self, batch: &Batch) -> Vec<CardResult<Q::Payload>> {
        let answer = self.ask_once::<Q>(batch).await.map_err(Arc::new);
        batch.assemble(answer).results
    }

    /// One call for one batch with the session's token: a refusal goes to
    /// the session, which says whether a fresh token may help.
    async fn ask_once<Q: Query>(
        &mut self,
        batch: &Batch,
    ) -> Result<iotbos_proto::CardAnswers<Q::Payload>, Failure> {
        let mut refusals = Refusals::default();
        loop {
            let lease = self.lease().await?;
            let api = &self.api;
            let answer = send(
                &self.client,
                || batch.request(Q::CALL, api, lease.token()),
                Q::parse,
            )
            .await;
            match answer {
                Err(Failure::Answer(e)) if e.is_refused() => {
                    match self.session.on_refused(now(), &lease, &mut refusals) {
                        Refusal::Retry => continue,
                        Refusal::NotAboutToken => return Err(Failure::Answer(e)),
                    }
                }
                other => return other,
            }
        }
    }

    /// A token to use now, logging in when the session says so.
    async fn lease(&mut self) -> Result<Lease, Failure> {
        let mut ticket = None;
        loop {
            match self.session.poll(now(), ticket.take()) {
                Step::Use(lease) => return Ok(lease),
                Step::Fail(failure) => return Err(failure),
                // One thread, so nobody else is logging in: ask again.
                Step::Wait(t) => ticket = Some(t),
                Step::Login(t) => {
                    ticket = Some(t);
                    match send(&self.client, || self.api.login(), parse_login).await {
                        Ok(login) => {
                            self.session.on_login(now(), login);
                        }
                        Err(failure) => {
                            let answer = match &failure {
                                Failure::Answer(e) => Some(e.clone()),
                                Failure::Send(_) => None,
                            };
                            self.session
                                .on_login_failed(now(), failure, answer.as_deref());
                        }
                    }
                }
            }
        }
    }
}

/// Builds a request, sends it, and hands the response to `parse` whatever
/// its status; a transient failure is tried once more, after the wait the
/// answer asked for (or a second).
async fn send<T>(
    client: &reqwest::Client,
    build: impl Fn() -> Result<Request<Bytes>, IotbosError>,
    parse: impl Fn(&Response<Bytes>) -> Result<T, IotbosError>,
) -> Result<T, Failure> {
    let mut attempt = 1;
    loop {
        let request = build()?;
        // The only form of the URL that is ever printed.
        let shown = redact_uri(request.uri());
        let result = match exchange(client, request).await {
            Ok(response) => parse(&response).map_err(Failure::from),
            // reqwest's message names the URL: drop it, and redact the rest.
            Err(e) => Err(Failure::Send(format!(
                "{shown}: {}",
                redact_text(&e.without_url().to_string())
            ))),
        };
        match result {
            Err(failure) if failure.is_transient() && attempt == 1 => {
                let wait = failure.retry_after().unwrap_or(Duration::from_secs(1));
                eprintln!("retrying {shown} in {wait:?}: {failure}");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The HTTP exchange itself: the only part that knows reqwest.
async fn exchange(
    client: &reqwest::Client,
    request: Request<Bytes>,
) -> Result<Response<Bytes>, reqwest::Error> {
    let mut response = client.execute(request.try_into()?).await?;
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let mut answer = Response::new(response.bytes().await?);
    *answer.status_mut() = status;
    *answer.headers_mut() = headers;
    Ok(answer)
}

fn shown<T>(result: CardResult<T>, show: fn(&T) -> String) -> String {
    match result {
        Ok(value) => show(&value),
        Err(problem) => format!("no value ({problem})"),
    }
}

fn show_usage(u: &Usage) -> String {
    format!(
        "sms_used={} data_used={}",
        opt(&u.sms_used),
        opt(&u.data_used)
    )
}

fn show_plan(p: &Plan) -> String {
    format!(
        "name={} monthly_fee={} included_sms={} included_data={}",
        opt(&p.name),
        opt(&p.monthly_fee),
        opt(&p.included_sms),
        opt(&p.included_data)
    )
}

fn opt<T: fmt::Display>(value: &Option<T>) -> String {
    value.as_ref().map_or_else(|| "-".to_owned(), T::to_string)
}

/// The program's one clock. The protocol crate never reads one; the
/// session is told the time by whoever drives it, and this is that driver.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}
