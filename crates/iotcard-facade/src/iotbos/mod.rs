//! The IoTBOS client.

mod assembled;
mod builder;
mod client;
mod snapshot;
mod tokens;

pub use builder::IotbosClientBuilder;
pub use client::{IotbosClient, IotbosReports};
