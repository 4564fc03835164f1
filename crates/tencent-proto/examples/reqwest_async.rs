//! Tencent IoT card with `reqwest` 0.12 (rustls) on tokio: sign
//! `getappinfo` and one `getcardlist` page (driven by a [`CardListPager`]),
//! print them.
//!
//! ```text
//! IOTCARD_TENCENT_ENDPOINT=https://127.0.0.1:25854 IOTCARD_TENCENT_SDKAPPID=… \
//! IOTCARD_TENCENT_APPKEY=… IOTCARD_CA_FILE=ca.pem \
//!     cargo run -p tencent-proto --example tencent_reqwest_async
//! ```
//!
//! (`iotcard sim` prints the variables for its simulator; `IOTCARD_CA_FILE`
//! is the certificate authority to trust for its HTTPS.) Every status goes
//! to the parser (this never calls `error_for_status`), a transient failure
//! is retried once, signed afresh, after the wait `Retry-After` asked, and
//! no URL or body is printed but redacted (reqwest's errors name the URL
//! unless told not to: `without_url`).

use std::fmt;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use rand::rngs::StdRng;
use rand::SeedableRng;
use tencent_proto::bytes::Bytes;
use tencent_proto::http::{Request, Response};
use tencent_proto::{
    parse_app_info, parse_card_list, redact_text, redact_uri, Api, CardListPager, Credentials,
    Endpoint, Limit, OperatorFilter, Random, TencentError,
};

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
    let endpoint = match std::env::var("IOTCARD_TENCENT_ENDPOINT") {
        Ok(url) => Endpoint::parse(&url)?,
        Err(_) => Endpoint::default(),
    };
    let credentials = Credentials::new(
        std::env::var("IOTCARD_TENCENT_SDKAPPID")
            .unwrap_or_default()
            .parse()?,
        std::env::var("IOTCARD_TENCENT_APPKEY").unwrap_or_default(),
    )?;
    let api = Api::new(endpoint, credentials);

    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(Duration::from_secs(30));
    if let Ok(path) = std::env::var("IOTCARD_CA_FILE") {
        let pem = std::fs::read(&path)?;
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
    }
    let client = builder.build()?;
    let mut rng = entropy();

    // Signed for each attempt: a retry gets a fresh time and random.
    let app = send(
        &client,
        || api.app_info(now(), Random::generate(&mut rng)),
        parse_app_info,
    )
    .await?;
    let counts = app.card_counts;
    println!(
        "app: name={} cards={} (china_mobile={} china_telecom={} china_unicom={})",
        app.name,
        counts.total(),
        counts.china_mobile,
        counts.china_telecom,
        counts.china_unicom
    );

    // One page; `next_request` says `None` once the listing is over.
    let mut pager = CardListPager::new(OperatorFilter::All, Limit::MAX);
    if pager.next_query().is_some() {
        let page = send(
            &client,
            || {
                pager
                    .next_request(&api, now(), Random::generate(&mut rng))
                    .expect("the pager has a page to ask")
            },
            parse_card_list,
        )
        .await?;
        // `accept` drops a card the server listed twice.
        let page = pager.accept(page)?;
        for card in &page.cards {
            println!(
                "{} msisdn={} status={} network={} data_used={} data_total={}",
                card.iccid,
                card.msisdn
                    .as_ref()
                    .map_or("-".to_owned(), |m| m.to_string()),
                shown(&card.status),
                shown(&card.network),
                shown(&card.data_used_in_period),
                shown(&card.data_total_in_period)
            );
        }
        for rejected in &page.rejected {
            println!("record {} unreadable: {}", rejected.index, rejected.error);
        }
        let more = if pager.is_finished() {
            ""
        } else {
            ", more to list"
        };
        println!("listed {} cards{more}", pager.records_received());
    }
    Ok(())
}

/// Why a call has no answer: what the parser said of the answer, or that
/// none came (the client's own error, redacted).
#[derive(Debug)]
enum Failure {
    Answer(TencentError),
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

impl std::error::Error for Failure {}

/// Builds (signs) a request, sends it, and hands the response to `parse`
/// whatever its status; a transient failure is tried once more, signed
/// afresh, after the wait the answer asked for (or a second).
async fn send<T>(
    client: &reqwest::Client,
    mut build: impl FnMut() -> Result<Request<Bytes>, TencentError>,
    parse: impl Fn(&Response<Bytes>) -> Result<T, TencentError>,
) -> Result<T, Failure> {
    let mut attempt = 1;
    loop {
        let request = build().map_err(Failure::Answer)?;
        // The only form of the URL that is ever printed.
        let shown = redact_uri(request.uri());
        let result = match exchange(client, request).await {
            Ok(response) => parse(&response).map_err(Failure::Answer),
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

/// The program's one clock: every request is signed at the time it is
/// built. The protocol crate never reads a clock; it is told the time.
#[allow(clippy::disallowed_methods)]
fn now() -> SystemTime {
    SystemTime::now()
}

/// The program's one source of entropy, for each request's `random`. The
/// protocol crate draws none; it is handed an RNG (`rand_core` 0.6, which
/// `tencent_proto::rand_core` re-exports).
#[allow(clippy::disallowed_methods)]
fn entropy() -> StdRng {
    StdRng::from_entropy()
}

/// A field as printed: its value, or `-` when the answer gave none.
fn shown<T: std::fmt::Display>(value: &Option<T>) -> String {
    value.as_ref().map_or("-".to_owned(), ToString::to_string)
}
