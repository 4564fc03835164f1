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
//! # Dialects
//!
//! The documents are short and old; the servers behind them were written by
//! other people. A [`Dialect`] ([`SimulatorBuilder::dialect`],
//! [`RunningSimulator::set_dialect`], `iotcard sim --dialect
//! <name>[,<name>…]` or `--dialect all`) serves the real-world variants the
//! spec README (`shared/specs/README.md`, "What real servers may do that the
//! documents do not show") decides on, each [`Variant`] switchable on its
//! own. Canonical (no variant) is the default, and its answers are byte for
//! byte those of the simulator before dialects existed (`tests/golden/`).
//!
//! A dialect changes how answers are written, never what they say: the
//! fleet ([`Fleet`], [`SimCard`]) is the truth in every dialect, so an
//! end-to-end test compares what a client read with `sim.fleet()` whatever
//! the dialect. The simulator stays as strict about requests (signatures,
//! tokens, methods, fields) as ever. Every choice below is a pure function
//! of the card (its serial) or of the answer (its inputs and the fleet
//! clock): a frozen clock gives byte-identical answers in every dialect.
//! Faults apply after the dialect (a truncated GBK body is half the GBK
//! bytes). `GET /__sim/stats` is never dialected.
//!
//! | variant (flag value) | what is sent | spec decision it exercises |
//! |---|---|---|
//! | `numbers-as-strings` | the envelope's `status`/`code` as a string (`"status":"1"`, `"code":"0"`); every other integer (`State`, SMS counts, Tencent enums and counts, `product_expired_time`) as a numeric string (`"State":"1"`) or an integral float (`"ReceivesSmsNum":6.0`), by card; every decimal (`UseFlow`, `Cost`, `DefaultFlow`, `data_used_in_period`…) as a string with its digits (`"UseFlow":"8359.50"`) | **Numbers** |
//! | `camel-case-keys` | keys in other letter case, the letters unchanged: the envelope in Pascal or upper case, by answer (`Status`, `Data`, `Date`, `CREATETIME`, `Code`, `Card_Brief_Infos`); each card's keys camel, lower or upper (IoTBOS `state`/`useFlow`/`NUM`) or upper, Pascal or camel (Tencent `CARD_STATUS`/`Card_Status`/`card_Status`), by card | **Field names** |
//! | `bom` | `EF BB BF` before every UTF-8 body | **Bodies** (a BOM may lead) |
//! | `dashed-dates` | IoTBOS dates (`createtime`, `expiresTime`, `ExpireDate`) as `2018-1-6 6:02:08`, `2018-01-16 16:02:08`, `2018/01/16T16:02:08`, `2018-01-16 16:02:08.123`, `2018-01-16T16:02:08.0000000`, `\/Date(1516089728000)\/`, `/Date(1516089728000)/` or `2018-01-16` (a date alone only where it is exact: at midnight, so never for an `ExpireDate`, which is 23:59:59); a card's dates by card, with a zero fraction (`.000`); the envelope's by answer, with milliseconds (the server's clock; the same fraction on `createtime` and `expiresTime`, so the lifetime stays exact); an `ExpireDate` that is none as `""`, `0001-01-01 00:00:00` or `0001-01-01T00:00:00`, by card | **Dates** |
//! | `text-html` | JSON labelled `text/html; charset=utf-8`, `text/plain; charset=utf-8` or `text/html` (no charset), by answer | **Bodies** (the content type may say `text/html` or `text/plain`) |
//! | `gbk` | a body with Chinese text (`info`, `message`, `TerminalState`, plan names, which are all Chinese: `移动 10 条`, `联通 2G`…, the account's name) encoded in GBK labelled `charset=GBK`, one answer in four in GB18030 labelled `charset=GB18030`; ASCII bodies are the same in every charset and stay labelled UTF-8; never a lossy body (what GBK cannot hold stays UTF-8) | **Bodies** (a `charset` of GBK or GB18030) |
//! | `lettered-iccids` | IoTBOS knows the cards whose ICCID has letters (about 4 in 10, like the spec's `898602B7091701054333`) by that ICCID: 20 characters, or for one in four 19 (without its 11th character); [`Fleet::iotbos_numbers`] and `iotcard sim --list-numbers --dialect lettered-iccids` list them, and `cardIdNums` takes them in any letter case ([`Fleet::index_of_iotbos_number`]); every found entry echoes `num` as asked, in the other letter case, with a blank on each side, or in the other case with a trailing blank, by card | **Card numbers** |
//! | `repeated-entries` | IoTBOS: after the asked entries, the first asked card found and about one in eight of the others again (the same entry), and for one answer in two a card of the fleet that was not asked; Tencent `getcardlist`: the last card of every run of [`REPEAT_RUN`] (13) listed twice in a row, so that a page lists it twice or a page ends and the next starts with it; `offset` counts entries, repeats included ([`Dialect::tencent_entry_of`]), and the account's counts stay the fleet's | **Repeated or unasked entries** |
//! | `batch-limit=K` | a data call with more than K numbers (or [`SimulatorBuilder::iotbos_max_batch`], whichever is lower) refused with `status: 0` and `info` `号码数量超过上限K (at most K numbers per call, got M)`; `batch-limit` alone is K = [`Dialect::DEFAULT_BATCH_LIMIT`] | **Batch size** |
//! | `short-pages=K` | a Tencent `getcardlist` page holds at most K (1 to 19) cards even when `limit` is 20; the next offset goes on, so a listing that pages until an empty page lists every card once; alone K = [`Dialect::DEFAULT_SHORT_PAGES`] | **Tencent listing** |
//! | `expiry-zero` | Tencent `product_expired_time` of `0`, `null` or `""` (by card) for the cards without a service expiry (the ones not activated, whose IoTBOS `ExpireDate` is none), milliseconds (> 10^11) for one activated card in three; `data_total_in_period: null` for every pooled card | **Tencent expiry** |
//!
//! `expiry-zero` is the one variant that withholds values: a correct reader
//! reads no expiry, or an unknown total, where [`Dialect::hides_product_expiry`]
//! and [`Dialect::hides_data_total`] say so, and the fleet's values
//! everywhere else.
//!
//! ```
//! use iotcard_sim::{Dialect, Simulator, Variant};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = Simulator::builder()
//!     .cards(100)
//!     .dialect("bom,batch-limit=5".parse()?)
//!     .start()
//!     .await?;
//! assert_eq!(sim.dialect().batch_limit(), Some(5));
//! sim.set_dialect(Dialect::all())?; // from the next request on
//! let card = sim.fleet().card(3).unwrap(); // the truth, in every dialect
//! let number = sim.dialect().iotbos_number(&card); // how to ask IoTBOS for it now
//! assert_eq!(sim.fleet().index_of_iotbos_number(&number, sim.dialect()), Some(3));
//! sim.set_dialect(Dialect::canonical())?;
//! assert!(!sim.dialect().has(Variant::Bom));
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
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
mod dialect;
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
pub use dialect::{Dialect, Variant, REPEAT_RUN};
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
