use bytes::Bytes;
use http::{header, Method, Request};
use iotcard_model::Iccid;
use serde::Serialize;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{Call, CardListQuery, Credentials, Endpoint, Random, TencentError};

/// Builds signed requests for one account on one endpoint.
///
/// Sans-IO: every builder takes the unix time and the `random` as arguments
/// and returns an [`http::Request`] for any HTTP client to send. Each request
/// is `POST {endpoint}/v1/iotcard/{command}?sdkappid=…&random=…` with a JSON
/// body holding the command's fields, then `sig` and `time` (a string).
///
/// `Debug` never shows the appkey.
#[derive(Clone, Debug)]
pub struct Api {
    endpoint: Endpoint,
    credentials: Credentials,
}

#[derive(Serialize)]
struct AppInfoBody<'a> {
    sig: &'a str,
    time: &'a str,
}

#[derive(Serialize)]
struct CardListBody<'a> {
    teleoperator: u8,
    limit: u8,
    offset: u32,
    sig: &'a str,
    time: &'a str,
}

#[derive(Serialize)]
struct CardInfoBody<'a> {
    iccid: &'a str,
    sig: &'a str,
    time: &'a str,
}

impl Api {
    /// Requests for `credentials`' account, sent to `endpoint`.
    pub fn new(endpoint: Endpoint, credentials: Credentials) -> Self {
        Self {
            endpoint,
            credentials,
        }
    }

    /// Where requests go.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Whose requests these are.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// `getappinfo`: the account's name, description and card counts.
    pub fn app_info(&self, at: SystemTime, random: Random) -> Result<Request<Bytes>, TencentError> {
        let (sig, time) = self.stamp(at)?;
        let body = AppInfoBody {
            sig: sig.as_str(),
            time: &time,
        };
        self.post(Call::GetAppInfo, random, &body)
    }

    /// `getcardlist`: one page of cards.
    pub fn card_list(
        &self,
        query: &CardListQuery,
        at: SystemTime,
        random: Random,
    ) -> Result<Request<Bytes>, TencentError> {
        let (sig, time) = self.stamp(at)?;
        let body = CardListBody {
            teleoperator: query.filter.code(),
            limit: query.limit.get(),
            offset: query.offset,
            sig: sig.as_str(),
            time: &time,
        };
        self.post(Call::GetCardList, random, &body)
    }

    /// `getcardinfo`: one card.
    pub fn card_info(
        &self,
        iccid: &Iccid,
        at: SystemTime,
        random: Random,
    ) -> Result<Request<Bytes>, TencentError> {
        let (sig, time) = self.stamp(at)?;
        let body = CardInfoBody {
            iccid: iccid.as_str(),
            sig: sig.as_str(),
            time: &time,
        };
        self.post(Call::GetCardInfo, random, &body)
    }

    /// The signature and the `time` field for a request signed at `at`
    /// (whole Unix seconds, as the platform checks them).
    fn stamp(&self, at: SystemTime) -> Result<(crate::Signature, String), TencentError> {
        let time = unix_seconds(at)?;
        Ok((self.credentials.sign(time), time.to_string()))
    }

    fn post<B: Serialize>(
        &self,
        call: Call,
        random: Random,
        body: &B,
    ) -> Result<Request<Bytes>, TencentError> {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("sdkappid", self.credentials.sdkappid().as_str())
            .append_pair("random", &random.to_string())
            .finish();
        let uri = format!("{}{}?{}", self.endpoint, call.path(), query);
        let json =
            serde_json::to_vec(body).map_err(|source| TencentError::EncodeBody { call, source })?;
        Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Bytes::from(json))
            .map_err(|source| TencentError::BuildRequest { call, source })
    }
}

/// `at` in whole seconds since the Unix epoch; a time before it cannot be
/// signed.
pub(crate) fn unix_seconds(at: SystemTime) -> Result<u64, TencentError> {
    at.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| TencentError::TimeBeforeEpoch)
}
