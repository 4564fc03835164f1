//! Fixtures for the workspace end-to-end tests in `tests/tests/`: a
//! simulator with a frozen fleet clock, clients pointed at it, what every
//! call must answer according to the fleet's ground truth, a capture of
//! every log line, error chains, jobs generic over the neutral trait, and a
//! transport whose answers and delays the test chooses.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use iotcard_tests::{expect, fixtures};
//! let sim = fixtures::simulator().cards(20).start().await.expect("simulator");
//! let client = fixtures::iotbos(&sim).build().expect("client");
//! let numbers: Vec<_> = sim.fleet().numbers().collect();
//! let answers = client.usage(numbers.clone()).await;
//! for (report, number) in answers.iter().zip(&numbers) {
//!     assert_eq!(&report.card, number);
//!     assert_eq!(
//!         expect::Answer::of(&report.result),
//!         expect::usage(sim.fleet(), number, &fixtures::frozen_at()),
//!     );
//! }
//! # }
//! ```

pub mod capture;
pub mod errors;
pub mod expect;
pub mod fixtures;
pub mod platform;
pub mod scripted;
