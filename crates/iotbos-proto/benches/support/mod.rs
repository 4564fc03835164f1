//! Bench inputs and the baseline they are measured against.

pub mod baseline;
pub mod wire;
