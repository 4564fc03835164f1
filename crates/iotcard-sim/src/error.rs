use std::net::SocketAddr;

use thiserror::Error;

/// Why the simulator could not be set up or started.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SimError {
    /// The fleet asked for is larger than the card numbering allows.
    #[error("a fleet of {requested} cards is more than the simulator can number ({max} at most)")]
    FleetTooLarge {
        /// Cards asked for.
        requested: u64,
        /// The largest fleet.
        max: u64,
    },
    /// A builder or runtime setting is out of its range.
    #[error("invalid simulator setting `{setting}`: {reason}")]
    InvalidSetting {
        /// Which setting.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A listener could not be bound.
    #[error("cannot listen for {platform} on {addr}")]
    Bind {
        /// `IoTBOS` or `Tencent`.
        platform: &'static str,
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The CA or server certificate could not be made.
    #[error("cannot make the simulator's TLS certificates")]
    Certificate(#[source] rcgen::Error),
    /// rustls refused the server configuration.
    #[error("cannot configure the simulator's TLS server")]
    Tls(#[source] rustls::Error),
}
