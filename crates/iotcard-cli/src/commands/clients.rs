//! The facade client of the chosen platform, built from the settings and
//! the tuning flags, and the one place a command learns which platform it
//! has: everything past [`Client::run`] is generic over
//! [`CardPlatform`].

use std::future::Future;

use iotcard_facade::{CardPlatform, IotbosClient, TencentClient, Tuning};

use crate::cli::GlobalArgs;
use crate::config::{Platform, Settings};
use crate::error::CliError;
use crate::input::CardId;
use crate::provider::Provider;

/// The client of one platform.
#[derive(Debug, Clone)]
pub enum Client {
    /// IoTBOS.
    Iotbos(IotbosClient),
    /// Tencent IoT card.
    Tencent(TencentClient),
}

/// Ceilings on one client's requests, beside the flags'.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Budget {
    /// Requests per second.
    pub per_second: Option<f64>,
    /// Requests per minute.
    pub per_minute: Option<u32>,
}

/// A job that runs on whichever platform the settings chose.
pub trait PlatformJob {
    /// What the job gives back.
    type Output;

    /// Runs on `platform`.
    fn run<P>(self, platform: &P) -> impl Future<Output = Self::Output>
    where
        P: CardPlatform,
        P::Card: CardId;
}

impl Client {
    /// Builds the client for `settings`, tuned by `--batch-size`,
    /// `--concurrency`, `--rate` and `--timeout`. Nothing is sent yet.
    pub fn build(settings: &Settings, global: &GlobalArgs) -> Result<Self, CliError> {
        Self::build_with(settings, global, Budget::default())
    }

    /// [`build`](Self::build) under a request budget of its own (the
    /// watcher's per account): `budget.per_second` over `--rate`.
    pub fn build_with(
        settings: &Settings,
        global: &GlobalArgs,
        budget: Budget,
    ) -> Result<Self, CliError> {
        let tuning = tuning(settings, global)?
            .rate_limit(budget.per_second.or(global.rate))
            .rate_limit_per_minute(budget.per_minute);
        let provider = settings.provider();
        let built = match &settings.platform {
            Platform::Iotbos(s) => {
                let mut b = IotbosClient::builder()
                    .endpoint(s.endpoint.clone())
                    .account(s.account.clone())
                    .password(s.password.clone());
                if let Some(n) = global.batch_size {
                    b = b.batch_size(n.get());
                }
                b.tuning(tuning).build().map(Client::Iotbos)
            }
            Platform::Tencent(s) => {
                if global.batch_size.is_some() {
                    tracing::info!("--batch-size is for IoTBOS; Tencent asks one card per call");
                }
                TencentClient::builder()
                    .endpoint(s.endpoint.clone())
                    .sdkappid(s.sdkappid.clone())
                    .appkey(s.appkey.clone())
                    .tuning(tuning)
                    .build()
                    .map(Client::Tencent)
            }
        };
        built.map_err(|source| CliError::ClientSetup { provider, source })
    }

    /// Runs `job` on this client's platform.
    pub async fn run<J: PlatformJob>(&self, job: J) -> J::Output {
        match self {
            Client::Iotbos(c) => job.run(c).await,
            Client::Tencent(c) => job.run(c).await,
        }
    }

    /// The platform this client talks to.
    pub fn provider(&self) -> Provider {
        match self {
            Client::Iotbos(_) => Provider::Iotbos,
            Client::Tencent(_) => Provider::Tencent,
        }
    }

    /// Cards per IoTBOS request; 1 for Tencent, which asks one card per
    /// call.
    pub fn batch_size(&self) -> usize {
        match self {
            Client::Iotbos(c) => c.batch_size().get(),
            Client::Tencent(_) => 1,
        }
    }
}

/// The settings both platforms share, from the flags and the CA file.
fn tuning(settings: &Settings, global: &GlobalArgs) -> Result<Tuning, CliError> {
    let mut tuning = Tuning::default().rate_limit(global.rate);
    if let Some(n) = global.concurrency {
        tuning = tuning.concurrency(n.get());
    }
    if let Some(t) = global.timeout {
        tuning = tuning.timeout(t);
    }
    if let Some(path) = &settings.ca_file {
        let pem = std::fs::read(path).map_err(|e| CliError::InvalidSetting {
            setting: "CA file",
            shown: path.display().to_string(),
            origin: "IOTCARD_CA_FILE or `ca_file`".into(),
            reason: format!("cannot be read: {e}"),
        })?;
        tuning = tuning.extra_ca_pem(pem);
    }
    Ok(tuning)
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

    struct Name;

    impl PlatformJob for Name {
        type Output = &'static str;

        async fn run<P>(self, platform: &P) -> &'static str
        where
            P: CardPlatform,
            P::Card: CardId,
        {
            platform.capabilities().provider.as_str()
        }
    }

    #[tokio::test]
    async fn builds_both_clients_without_sending_and_runs_jobs_on_each() {
        let c = Client::build(&iotbos("http://127.0.0.1:1"), &GlobalArgs::default()).unwrap();
        assert_eq!(c.provider(), Provider::Iotbos);
        assert_eq!(c.run(Name).await, "iotbos");
        assert_eq!(c.batch_size(), iotcard_facade::DEFAULT_BATCH_SIZE.get());
        let t = Settings {
            platform: Platform::Tencent(TencentSettings {
                endpoint: "https://127.0.0.1:1".into(),
                sdkappid: "1400009099".into(),
                appkey: Secret::new("k"),
            }),
            ca_file: None,
        };
        let c = Client::build(&t, &GlobalArgs::default()).unwrap();
        assert_eq!((c.provider(), c.batch_size()), (Provider::Tencent, 1));
        assert_eq!(c.run(Name).await, "tencent");
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
