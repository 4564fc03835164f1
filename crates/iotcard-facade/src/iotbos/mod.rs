//! The IoTBOS client.

mod builder;
mod client;
mod ordered;
mod snapshot;

pub use builder::IotbosClientBuilder;
pub use client::IotbosClient;
