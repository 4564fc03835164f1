use crate::clock::FleetClock;
use crate::delay::PreciseDelays;
use crate::faults::FaultInjector;
use crate::stats::Stats;
use crate::tokens::Tokens;
use crate::{Fleet, SimCredentials};

/// What every connection of a running simulator reads.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) fleet: Fleet,
    pub(crate) clock: FleetClock,
    pub(crate) stats: Stats,
    pub(crate) faults: FaultInjector,
    pub(crate) tokens: Tokens,
    pub(crate) credentials: SimCredentials,
    /// Most numbers one IoTBOS call may carry.
    pub(crate) iotbos_max_batch: usize,
    /// Where added latency is waited out.
    pub(crate) delays: PreciseDelays,
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::Duration;

    use http::{Method, StatusCode};
    use proptest::prelude::*;

    use super::*;
    use crate::faults::{Faults, Latency};
    use crate::fleet::IotbosCall;
    use crate::{iotbos, tencent};

    pub(crate) fn shared(cards: u64) -> Shared {
        Shared {
            fleet: Fleet::new(1, cards).unwrap(),
            clock: FleetClock::new(None),
            stats: Stats::default(),
            faults: FaultInjector::new(1, Faults::default(), Latency::default()),
            tokens: Tokens::new(1, Duration::from_secs(60)),
            credentials: SimCredentials::from_seed(1),
            iotbos_max_batch: 1000,
            delays: PreciseDelays::default(),
        }
    }

    proptest! {
        /// Whatever the query, IoTBOS answers with its envelope, never a panic.
        #[test]
        fn iotbos_never_panics(query in ".{0,200}", with_token in any::<bool>(), call in 0usize..5) {
            let s = shared(100);
            let token = s.tokens.issue();
            let query = if with_token { format!("accessToken={token}&{query}") } else { query };
            let route = Some(iotbos::Route::Data(IotbosCall::ALL[call]));
            let reply = iotbos::handle(&s, route, &Method::GET, Some(&query), false);
            prop_assert_eq!(reply.status, StatusCode::OK);
            let json: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
            prop_assert!(json["status"] == 0 || json["status"] == 1);
        }

        /// Whatever the query and body, Tencent answers with its envelope.
        #[test]
        fn tencent_never_panics(query in ".{0,80}", body in proptest::collection::vec(any::<u8>(), 0..300), command in 0usize..3) {
            let s = shared(100);
            let command = [tencent::Command::AppInfo, tencent::Command::CardList, tencent::Command::CardInfo][command];
            let reply = tencent::handle(&s, command, Some(&query), Some(&body));
            let json: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
            prop_assert!(json["code"].as_u64().is_some_and(|c| c > 0));
        }

        /// A well-formed request with arbitrary command fields never panics.
        #[test]
        fn tencent_fields_never_panic(fields in r#"("[a-z_]{1,12}":(-?[0-9]{1,22}|"[^"\\]{0,24}"|null|true|\[\]|\{\}|-?[0-9]\.[0-9]),){0,4}"#) {
            let s = shared(100);
            let creds = &s.credentials;
            let time = crate::clock::system_unix_seconds().to_string();
            let sig = tencent::request_sig_for_tests(creds.tencent_appkey.expose(), &creds.tencent_sdkappid, &time);
            let body = format!("{{{fields}\"sig\":\"{sig}\",\"time\":\"{time}\"}}");
            let query = format!("sdkappid={}&random=1", creds.tencent_sdkappid);
            for command in [tencent::Command::AppInfo, tencent::Command::CardList, tencent::Command::CardInfo] {
                let reply = tencent::handle(&s, command, Some(&query), Some(body.as_bytes()));
                let json: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
                prop_assert!(json["code"].as_u64().is_some());
            }
        }
    }
}
