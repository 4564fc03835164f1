//! What the watcher serves over HTTP (`iotcard watch --listen`):
//!
//! * `/metrics`: the fleet's figures in the Prometheus text format, or
//!   OpenMetrics when the `Accept` header asks for
//!   `application/openmetrics-text`;
//! * `/healthz`: `200 ok` while every watched account's last successful
//!   sync is within two intervals plus five minutes, else `503` naming
//!   the accounts and why;
//! * `/`: the status page (accounts, firing alerts, the fleet by status).
//!
//! The figures are a [`StatusBoard`] the watcher refreshes from the store
//! after each pass ([`WatcherBuilder::status_board`](crate::WatcherBuilder::status_board)):
//! a request only renders them (`iotcard-observe`), so a scrape costs no
//! store query and no platform call. Other paths answer 404, other methods
//! 405.

mod board;
mod routes;
mod server;

pub use board::StatusBoard;
pub use server::Server;
