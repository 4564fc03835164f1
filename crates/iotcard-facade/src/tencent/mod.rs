//! The Tencent IoT card client.

mod builder;
mod client;

pub use builder::TencentClientBuilder;
pub use client::TencentClient;
