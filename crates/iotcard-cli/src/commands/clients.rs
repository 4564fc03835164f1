//! The facade client of the chosen platform, built from the settings and
//! the tuning flags.

use iotcard_facade::{IotbosClient, TencentClient};

use crate::cli::GlobalArgs;
use crate::config::{Platform, Settings};
use crate::error::CliError;
use crate::provider::Provider;

/// The client of one platform.
#[derive(Debug, Clone)]
pub enum Client {
    /// IoTBOS.
    Iotbos(IotbosClient),
    /// Tencent IoT card.
    Tencent(TencentClient),
}

impl Client {
    /// Builds the client for `settings`, tuned by `--batch-size`,
    /// `--concurrency`, `--rate` and `--timeout`. Nothing is sent yet.
    pub fn build(settings: &Settings, tuning: &GlobalArgs) -> Result<Self, CliError> {
        let ca_pem = match &settings.ca_file {
            Some(path) => Some(std::fs::read(path).map_err(|e| CliError::InvalidSetting {
                setting: "CA file",
                shown: path.display().to_string(),
                origin: "IOTCARD_CA_FILE or `ca_file`".into(),
                reason: format!("cannot be read: {e}"),
            })?),
            None => None,
        };
        let provider = settings.provider();
        let built = match &settings.platform {
            Platform::Iotbos(s) => {
                let mut b = IotbosClient::builder()
                    .endpoint(s.endpoint.clone())
                    .account(s.account.clone())
                    .password(s.password.clone())
                    .rate_limit(tuning.rate);
                if let Some(n) = tuning.batch_size {
                    b = b.batch_size(n.get());
                }
                if let Some(n) = tuning.concurrency {
                    b = b.concurrency(n.get());
                }
                if let Some(t) = tuning.timeout {
                    b = b.timeout(t);
                }
                if let Some(pem) = ca_pem {
                    b = b.extra_ca_pem(pem);
                }
                b.build().map(Client::Iotbos)
            }
            Platform::Tencent(s) => {
                if tuning.batch_size.is_some() {
                    tracing::info!("--batch-size is for IoTBOS; Tencent asks one card per call");
                }
                let mut b = TencentClient::builder()
                    .endpoint(s.endpoint.clone())
                    .sdkappid(s.sdkappid.clone())
                    .appkey(s.appkey.clone())
                    .rate_limit(tuning.rate);
                if let Some(n) = tuning.concurrency {
                    b = b.concurrency(n.get());
                }
                if let Some(t) = tuning.timeout {
                    b = b.timeout(t);
                }
                if let Some(pem) = ca_pem {
                    b = b.extra_ca_pem(pem);
                }
                b.build().map(Client::Tencent)
            }
        };
        built.map_err(|source| CliError::ClientSetup { provider, source })
    }

    /// The platform this client talks to.
    pub fn provider(&self) -> Provider {
        match self {
            Client::Iotbos(_) => Provider::Iotbos,
            Client::Tencent(_) => Provider::Tencent,
        }
    }

    /// Cards per IoTBOS request as configured, or the facade's default; 1
    /// for Tencent, which asks one card per call.
    pub fn batch_size(&self, tuning: &GlobalArgs) -> usize {
        match self {
            Client::Iotbos(_) => tuning
                .batch_size
                .unwrap_or(iotbos_proto::DEFAULT_BATCH_SIZE)
                .get(),
            Client::Tencent(_) => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{IotbosSettings, TencentSettings};
    use iotcard_model::Secret;

    fn iotbos(endpoint: &str) -> Settings {
        Settings {
            platform: Platform::Iotbos(IotbosSettings {
                endpoint: endpoint.into(),
                account: "a".into(),
                password: Secret::new("SENTINEL-pw"),
            }),
            ca_file: None,
        }
    }

    #[test]
    fn builds_both_clients_without_sending() {
        let c = Client::build(&iotbos("http://127.0.0.1:1"), &GlobalArgs::default()).unwrap();
        assert_eq!(c.provider(), Provider::Iotbos);
        let t = Settings {
            platform: Platform::Tencent(TencentSettings {
                endpoint: "https://127.0.0.1:1".into(),
                sdkappid: "1400009099".into(),
                appkey: Secret::new("k"),
            }),
            ca_file: None,
        };
        let c = Client::build(&t, &GlobalArgs::default()).unwrap();
        assert_eq!(
            (c.provider(), c.batch_size(&GlobalArgs::default())),
            (Provider::Tencent, 1)
        );
    }

    #[test]
    fn unreadable_ca_file_is_a_configuration_error() {
        let mut s = iotbos("http://127.0.0.1:1");
        s.ca_file = Some("/nonexistent/ca.pem".into());
        let e = Client::build(&s, &GlobalArgs::default()).unwrap_err();
        assert_eq!(e.exit(), crate::exit::Exit::Usage);
        assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
    }

    #[test]
    fn a_ca_file_that_is_not_pem_is_refused_before_sending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        let mut s = iotbos("http://127.0.0.1:1");
        s.ca_file = Some(path);
        match Client::build(&s, &GlobalArgs::default()) {
            Err(e) => assert_eq!(e.exit(), crate::exit::Exit::Usage, "{e}"),
            // A transport that skips non-PEM text finds no certificate to
            // add; either way nothing was sent and nothing panicked.
            Ok(c) => assert_eq!(c.provider(), Provider::Iotbos),
        }
    }
}
