use std::sync::Arc;

use iotcard_model::Secret;
use tencent_proto::{Api, Credentials, Endpoint, Limit, SdkAppId};

use super::client::{TencentClient, TencentInner};
use crate::sender::Sender;
use crate::settings::{common_builder_methods, CommonSettings};
use crate::Error;

/// Configures a [`TencentClient`].
#[derive(Debug, Default)]
pub struct TencentClientBuilder {
    endpoint: Option<String>,
    sdkappid: Option<String>,
    appkey: Option<Secret>,
    page_size: Option<u64>,
    common: CommonSettings,
}

impl TencentClientBuilder {
    /// The base URL (default `https://yun.tim.qq.com`).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }
    /// The application id the platform assigned.
    pub fn sdkappid(mut self, sdkappid: impl Into<String>) -> Self {
        self.sdkappid = Some(sdkappid.into());
        self
    }
    /// The application key requests are signed with (a `&str`, a `String`
    /// or a [`Secret`]).
    pub fn appkey(mut self, appkey: impl Into<Secret>) -> Self {
        self.appkey = Some(appkey.into());
        self
    }
    /// Cards per `getcardlist` page, 1 to 20 (default 20, the platform's
    /// maximum: fewer pages, fewer round trips).
    pub fn page_size(mut self, cards: u64) -> Self {
        self.page_size = Some(cards);
        self
    }

    common_builder_methods!();

    /// Checks the settings and builds the client. Nothing is sent yet.
    pub fn build(self) -> Result<TencentClient, Error> {
        self.common.validate()?;
        let endpoint = match &self.endpoint {
            Some(url) => Endpoint::parse(url)?,
            None => Endpoint::default(),
        };
        let sdkappid = match self.sdkappid {
            None => return Err(Error::config("sdkappid", "is not set")),
            Some(id) if id.is_empty() => return Err(Error::config("sdkappid", "is empty")),
            Some(id) => id,
        };
        let appkey = match self.appkey {
            None => return Err(Error::config("appkey", "is not set")),
            Some(key) if key.is_empty() => return Err(Error::config("appkey", "is empty")),
            Some(key) => key,
        };
        let credentials = Credentials::new(SdkAppId::parse(&sdkappid)?, appkey)?;
        let page_size = Limit::new(self.page_size.unwrap_or(u64::from(Limit::MAX.get())))?;
        let sender = Sender::new(
            "tencent",
            self.common.transport(tencent_proto::SECRET_NAMES)?,
            self.common.retry.clone(),
            self.common.rate_limiter(),
            self.common.concurrency,
            self.common.entropy.rng_for(0),
        );
        Ok(TencentClient {
            inner: Arc::new(TencentInner {
                api: Api::new(endpoint, credentials),
                page_size,
                concurrency: self.common.concurrency,
                sender,
                clock: self.common.clock.clone(),
                rng: self.common.entropy.rng_for(1),
            }),
        })
    }
}
