//! A strict simulator of the IoTBOS and Tencent IoT card platforms, with
//! faults, TLS and fleets of millions of cards.
//!
//! Everything after the protocol crates is tested against it: it answers
//! exactly as the platforms' APIs read (see `iotbos-proto`'s and
//! `tencent-proto`'s `API.md`: the `date` key, UTC+8
//! `YYYY/MM/DD HH:MM:SS` strings, `1.00` and `14.970` with their digits,
//! undocumented enum values on some cards), refuses what a real server
//! refuses, and can misbehave on purpose. Its answers are rendered by its
//! own code, never through the protocol crates.
//!
//! ```
//! use std::time::Duration;
//! use iotcard_sim::{IotbosCall, Outcome, Simulator};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! /// A bare HTTP/1.1 GET, to show any client works.
//! async fn get(addr: std::net::SocketAddr, target: &str) -> std::io::Result<serde_json::Value> {
//!     let mut stream = tokio::net::TcpStream::connect(addr).await?;
//!     let request = format!("GET {target} HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n");
//!     stream.write_all(request.as_bytes()).await?;
//!     let mut answer = String::new();
//!     stream.read_to_string(&mut answer).await?;
//!     let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
//!     Ok(serde_json::from_str(body)?)
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = Simulator::builder()
//!     .seed(42)
//!     .cards(10_000_000)
//!     .token_ttl(Duration::from_secs(60))
//!     .start()
//!     .await?;
//! let creds = sim.credentials();
//! let login = get(
//!     sim.iotbos_addr(),
//!     &format!("/Api/token?account={}&password={}", creds.iotbos_account, creds.iotbos_password.expose()),
//! )
//! .await?;
//! let token = login["data"]["accessToken"].as_str().expect("a token");
//!
//! // The last card of ten million, found in O(1).
//! let card = sim.fleet().card(9_999_999).expect("in the fleet");
//! let usage = get(
//!     sim.iotbos_addr(),
//!     &format!("/Api/TerminalInfo/Exceed?cardIdNums={}&accessToken={token}", card.number()),
//! )
//! .await?;
//! let entry = &usage["data"]["date"][0];
//! assert_eq!(entry["num"], card.number().as_str());
//! if card.outcome(IotbosCall::Usage) == Outcome::Found {
//!     let truth = card.usage(&sim.now());
//!     assert_eq!(entry["Exceed"]["ReceivesSmsNum"], truth.sms_used.unwrap().0);
//! }
//! assert_eq!(sim.stats().logins, 1);
//! assert_eq!(sim.stats().requests.iotbos_usage, 1);
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # What it serves
//!
//! * **IoTBOS** (plain HTTP by default): `GET /Api/token?account&password`
//!   and the five `GET /Api/TerminalInfo/*` calls with `cardIdNums` and
//!   `accessToken`, at paths matched ignoring ASCII case as ASP.NET routes
//!   (`/api/terminalinfo/surplus` is served). Tokens live for
//!   [`SimulatorBuilder::token_ttl`] on the real monotonic clock. Refusals
//!   are `{"status":0,"info":…}`: HTTP 200 for a refused login or data call
//!   (texts in [`iotbos_info`]: wrong credentials, missing, unknown,
//!   expired or revoked token, missing `cardIdNums`, more numbers than
//!   [`SimulatorBuilder::iotbos_max_batch`]), HTTP 405 with `Allow: GET`
//!   for another method, HTTP 404 for an unknown path. Per-card entries come
//!   in the order asked; a number not in the fleet is `State: 0` with a
//!   `null` payload; a number asked twice is answered twice; `cardIdNums`
//!   may hold MSISDNs or ICCIDs.
//! * **Tencent** (HTTPS by default, ALPN `h2` and `http/1.1`):
//!   `POST /v1/iotcard/{getappinfo,getcardlist,getcardinfo}?sdkappid&random`
//!   with a JSON body signed as the spec says. Every refusal is
//!   `{"code":N,"message":…}` with the codes of [`tencent_codes`]; HTTP 200,
//!   except 404 for an unknown path and 405 (`Allow: POST`) for another
//!   method. The `time` window (±300 s) uses the real clock.
//! * `GET /__sim/stats` on both listeners: the [`StatsSnapshot`] as JSON.
//!
//! # Fleets and time
//!
//! A [`Fleet`] is a seed and a size; each [`SimCard`] is computed from its
//! index on demand, so ten million cards cost nothing up front, and
//! numbers and ICCIDs decode to their index in O(1). Usage grows through
//! each calendar month (UTC+8) on the fleet clock; freeze the clock
//! ([`SimulatorBuilder::freeze_clock`]) for byte-identical answers.
//!
//! # Faults
//!
//! [`Faults`] and [`Latency`], drawn from a seeded RNG: 5xx, 429 with
//! `Retry-After`, TCP resets, truncated bodies, malformed JSON, trickled
//! bodies and token revocation. They change what is sent, never the truth.
#![deny(missing_docs)]

mod builder;
mod clock;
mod credentials;
mod delay;
mod error;
mod faults;
mod fleet;
mod iotbos;
mod json;
mod query;
mod reply;
mod running;
mod server;
mod shared;
mod stats;
mod tencent;
mod tokens;

pub use builder::{Simulator, SimulatorBuilder};
pub use credentials::SimCredentials;
pub use error::SimError;
pub use faults::{Faults, Latency};
pub use fleet::{Fleet, IotbosCall, SimCard, TencentCodes};
pub use iotbos::info as iotbos_info;
pub use iotcard_model::Outcome;
pub use running::RunningSimulator;
pub use stats::{FaultCounts, RefusalCounts, RequestCounts, StatsSnapshot};
pub use tencent::codes as tencent_codes;

/// The path of the counters on both listeners.
pub const STATS_PATH: &str = server::STATS_PATH;
