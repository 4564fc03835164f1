//! The IoTBOS client.

mod builder;
mod client;
mod snapshot;

pub use builder::IotbosClientBuilder;
pub use client::{IotbosClient, IotbosReports};
