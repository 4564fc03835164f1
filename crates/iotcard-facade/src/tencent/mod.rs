//! The Tencent IoT card client.

mod answer;
mod builder;
mod client;

pub use builder::TencentClientBuilder;
pub use client::TencentClient;
