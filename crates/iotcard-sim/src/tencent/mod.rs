//! The Tencent IoT card platform: `POST /v1/iotcard/{getappinfo,
//! getcardlist,getcardinfo}?sdkappid=…&random=…` with a signed JSON body,
//! strictly.
//!
//! Every refusal is `{"code":<non-zero>,"message":…}`. The platform does
//! not document its codes; the simulator's are in [`codes`]. Refusals of a
//! request that reached a command are HTTP 200, as the platform's envelope
//! implies; an unknown path is HTTP 404 and a method other than POST HTTP
//! 405 (with `Allow: POST`), each with the same envelope.

mod render;
mod request;

use std::borrow::Cow;

use http::{Method, StatusCode};
use iotcard_model::Operator;

use crate::clock::{system_unix_seconds, Period};
use crate::dialect::{answer_salt, Dialect};
use crate::reply::Reply;
use crate::shared::Shared;
use crate::stats::{Call, Refusal};
use request::Fields;

/// The simulator's Tencent refusal codes (the platform documents none).
pub mod codes {
    /// `sig` does not match `sha256(appkey=…&sdkappid=…&time=…)`.
    pub const SIG_MISMATCH: u32 = 1001;
    /// `sig` missing, not a string, or not 64 lower-case hex digits.
    pub const SIG_MISSING: u32 = 1002;
    /// `time` missing, not a JSON string, or not Unix seconds in digits.
    pub const TIME_INVALID: u32 = 1003;
    /// `time` more than 300 s away from the server's clock.
    pub const TIME_WINDOW: u32 = 1004;
    /// The body is not a JSON object, or is larger than 64 KiB.
    pub const BODY: u32 = 1005;
    /// A command field (`teleoperator`, `limit`, `offset`, `iccid`) is
    /// missing or has the wrong JSON type.
    pub const FIELD: u32 = 1006;
    /// `sdkappid` missing from the query, or not this account's.
    pub const SDKAPPID: u32 = 1007;
    /// `random` missing, not a positive integer, or written with a leading zero.
    pub const RANDOM: u32 = 1008;
    /// `limit` outside 1..=20.
    pub const LIMIT: u32 = 1009;
    /// `teleoperator` outside 0..=3.
    pub const TELEOPERATOR: u32 = 1010;
    /// `offset` below 0.
    pub const OFFSET: u32 = 1011;
    /// `getcardinfo` for an ICCID the account does not have.
    pub const ICCID_UNKNOWN: u32 = 1012;
    /// No such command or path (HTTP 404).
    pub const UNKNOWN_PATH: u32 = 1404;
    /// A method other than POST (HTTP 405).
    pub const WRONG_METHOD: u32 = 1405;
}

/// How far `time` may be from the server's clock.
const TIME_WINDOW_SECONDS: i64 = 300;
/// The largest body read.
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// A Tencent command.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Command {
    AppInfo,
    CardList,
    CardInfo,
}

impl Command {
    /// The command at `path` (version `v1` only, exact).
    pub(crate) fn of(path: &str) -> Option<Self> {
        match path.strip_prefix("/v1/iotcard/")? {
            "getappinfo" => Some(Command::AppInfo),
            "getcardlist" => Some(Command::CardList),
            "getcardinfo" => Some(Command::CardInfo),
            _ => None,
        }
    }

    pub(crate) fn counter(command: Option<Self>) -> Call {
        match command {
            None => Call::Unroutable,
            Some(Command::AppInfo) => Call::TencentAppInfo,
            Some(Command::CardList) => Call::TencentCardList,
            Some(Command::CardInfo) => Call::TencentCardInfo,
        }
    }
}

struct Refused {
    reason: Refusal,
    code: u32,
    message: Cow<'static, str>,
}

fn refused(reason: Refusal, code: u32, message: impl Into<Cow<'static, str>>) -> Refused {
    Refused {
        reason,
        code,
        message: message.into(),
    }
}

fn reply_refused(shared: &Shared, r: Refused, status: StatusCode, d: Dialect) -> Reply {
    shared.stats.refusal(r.reason);
    Reply {
        status,
        body: render::refusal(r.code, &r.message, d),
        allow: (status == StatusCode::METHOD_NOT_ALLOWED).then_some("POST"),
    }
}

/// Checks path and method, before any body is read.
pub(crate) fn route(
    shared: &Shared,
    command: Option<Command>,
    method: &Method,
    d: Dialect,
) -> Result<Command, Reply> {
    let Some(command) = command else {
        let r = refused(
            Refusal::UnknownPath,
            codes::UNKNOWN_PATH,
            "不存在该REST API接口 (no such API)",
        );
        return Err(reply_refused(shared, r, StatusCode::NOT_FOUND, d));
    };
    if method != Method::POST {
        let r = refused(
            Refusal::WrongMethod,
            codes::WRONG_METHOD,
            "请求方式错误，仅支持POST (only POST is allowed)",
        );
        return Err(reply_refused(shared, r, StatusCode::METHOD_NOT_ALLOWED, d));
    }
    Ok(command)
}

/// Answers a routed command; `body` is `None` when it was too large or
/// could not be read.
pub(crate) fn handle(
    shared: &Shared,
    command: Command,
    query: Option<&str>,
    body: Option<&[u8]>,
    d: Dialect,
) -> Reply {
    match answer(shared, command, query, body, d) {
        Ok(reply) => reply,
        Err(r) => reply_refused(shared, r, StatusCode::OK, d),
    }
}

fn answer(
    shared: &Shared,
    command: Command,
    query: Option<&str>,
    body: Option<&[u8]>,
    d: Dialect,
) -> Result<Reply, Refused> {
    let creds = &shared.credentials;
    let mut sdkappid = None;
    let mut random = None;
    for (key, value) in crate::query::pairs(query.unwrap_or_default()) {
        match &*key {
            "sdkappid" => sdkappid = sdkappid.or(Some(value)),
            "random" => random = random.or(Some(value)),
            _ => {}
        }
    }
    match sdkappid {
        None => {
            return Err(refused(
                Refusal::SdkAppId,
                codes::SDKAPPID,
                "缺少sdkappid (sdkappid is required)",
            ))
        }
        Some(id) if id != creds.tencent_sdkappid.as_str() => {
            return Err(refused(
                Refusal::SdkAppId,
                codes::SDKAPPID,
                "sdkappid无效 (unknown sdkappid)",
            ))
        }
        Some(_) => {}
    }
    if !random.as_deref().is_some_and(request::valid_random) {
        return Err(refused(
            Refusal::Random,
            codes::RANDOM,
            "random必须为不带零前缀的正整数 (random must be a positive integer without leading zeros)",
        ));
    }

    let Some(body) = body else {
        return Err(refused(
            Refusal::Body,
            codes::BODY,
            "请求包过大 (body larger than 64 KiB)",
        ));
    };
    // Derived deserializers also take a JSON array for a struct; the
    // platform wants an object.
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(refused(
            Refusal::Body,
            codes::BODY,
            "请求包解析失败 (body is not a JSON object)",
        ));
    }
    let fields: Fields<'_> = serde_json::from_slice(body).map_err(|e| {
        refused(
            Refusal::Body,
            codes::BODY,
            format!("请求包解析失败 (body is not a JSON object: {e})"),
        )
    })?;

    let sig = fields
        .sig
        .and_then(request::string)
        .filter(|s| request::well_formed_sig(s))
        .ok_or_else(|| {
            refused(
                Refusal::SigMissing,
                codes::SIG_MISSING,
                "缺少sig或格式错误 (sig must be 64 lower-case hex digits)",
            )
        })?;
    let time_text = fields.time.and_then(request::string).ok_or_else(|| {
        refused(
            Refusal::TimeInvalid,
            codes::TIME_INVALID,
            "缺少time或格式错误 (time must be a string of Unix seconds)",
        )
    })?;
    let time = request::unix_time(&time_text).ok_or_else(|| {
        refused(
            Refusal::TimeInvalid,
            codes::TIME_INVALID,
            "缺少time或格式错误 (time must be a string of Unix seconds)",
        )
    })?;
    // The real clock, not the fleet's: a client signs with its own real time.
    if (time - system_unix_seconds()).abs() > TIME_WINDOW_SECONDS {
        return Err(refused(
            Refusal::TimeWindow,
            codes::TIME_WINDOW,
            "请求发起时间不正常 (time is more than 300 s from the server's clock)",
        ));
    }
    let expected = request::expected_sig(
        creds.tencent_appkey.expose(),
        &creds.tencent_sdkappid,
        &time_text,
    );
    if sig != expected {
        return Err(refused(
            Refusal::SigMismatch,
            codes::SIG_MISMATCH,
            "sig校验失败 (sig does not match)",
        ));
    }

    let period = Period::at(shared.clock.unix_seconds());
    let fleet = &shared.fleet;
    match command {
        Command::AppInfo => {
            let counts = Operator::ALL.map(|op| fleet.count(Some(op)));
            let description = format!(
                "iotcard 模拟器的物联卡 (seed {}, {} cards)",
                fleet.seed(),
                fleet.len()
            );
            Ok(Reply::ok(render::app_info(
                "iotcard 模拟器",
                &description,
                counts,
                d,
            )))
        }
        Command::CardList => {
            let field = |raw: Option<&serde_json::value::RawValue>, name: &'static str| {
                raw.and_then(request::integer).ok_or_else(|| {
                    refused(
                        Refusal::Field,
                        codes::FIELD,
                        format!("缺少{name}或类型错误 ({name} must be an integer)"),
                    )
                })
            };
            let teleoperator = field(fields.teleoperator, "teleoperator")?;
            let limit = field(fields.limit, "limit")?;
            let offset = field(fields.offset, "offset")?;
            let operator = match teleoperator {
                0 => None,
                1 => Some(Operator::ChinaMobile),
                2 => Some(Operator::ChinaTelecom),
                3 => Some(Operator::ChinaUnicom),
                _ => {
                    return Err(refused(
                        Refusal::Teleoperator,
                        codes::TELEOPERATOR,
                        "teleoperator取值错误 (teleoperator must be 0, 1, 2 or 3)",
                    ))
                }
            };
            if !(1..=20).contains(&limit) {
                return Err(refused(
                    Refusal::Limit,
                    codes::LIMIT,
                    "limit取值错误 (limit must be 1 to 20)",
                ));
            }
            let offset = u64::try_from(offset).map_err(|_| {
                refused(
                    Refusal::Offset,
                    codes::OFFSET,
                    "offset取值错误 (offset must be 0 or more)",
                )
            })?;
            // `short-pages=K`: at most K cards, whatever the limit; the
            // next offset goes on from there, so the listing loses nothing.
            let shown = d
                .short_pages()
                .map_or(limit as u64, |k| (limit as u64).min(u64::from(k)));
            // `repeated-entries`: the entries `offset` counts list every
            // 13th card twice; a repeat past the list's end is none.
            let page = (0..shown)
                .map_while(|k| {
                    let position = d.tencent_position_at(offset.checked_add(k)?);
                    fleet.list_indices(operator, position, 1).next()
                })
                .filter_map(|i| fleet.facts(i));
            let salt = answer_salt(offset as i64, &[teleoperator as u8]);
            let (body, n) = render::card_list(page, period, d, salt);
            shared.stats.cards(n);
            Ok(Reply::ok(body))
        }
        Command::CardInfo => {
            let iccid = fields.iccid.and_then(request::string).ok_or_else(|| {
                refused(
                    Refusal::Field,
                    codes::FIELD,
                    "缺少iccid或类型错误 (iccid must be a string)",
                )
            })?;
            let card = fleet.facts_by_iccid(iccid.as_bytes()).ok_or_else(|| {
                refused(
                    Refusal::IccidUnknown,
                    codes::ICCID_UNKNOWN,
                    "卡片不存在 (no card with this iccid)",
                )
            })?;
            shared.stats.cards(1);
            Ok(Reply::ok(render::card_info(&card, period, d)))
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever the query and body, Tencent answers with its envelope.
        #[test]
        fn tencent_never_panics(query in ".{0,80}", body in proptest::collection::vec(any::<u8>(), 0..300), command in 0usize..3) {
            let s = Shared::for_tests(100);
            let command = [Command::AppInfo, Command::CardList, Command::CardInfo][command];
            let reply = handle(&s, command, Some(&query), Some(&body), Dialect::CANONICAL);
            let json: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
            prop_assert!(json["code"].as_u64().is_some_and(|c| c > 0));
        }

        /// A well-formed request with arbitrary command fields never panics.
        #[test]
        fn tencent_fields_never_panic(fields in r#"("[a-z_]{1,12}":(-?[0-9]{1,22}|"[^"\\]{0,24}"|null|true|\[\]|\{\}|-?[0-9]\.[0-9]),){0,4}"#) {
            let s = Shared::for_tests(100);
            let creds = &s.credentials;
            let time = system_unix_seconds().to_string();
            let sig = request::expected_sig(creds.tencent_appkey.expose(), &creds.tencent_sdkappid, &time);
            let body = format!("{{{fields}\"sig\":\"{sig}\",\"time\":\"{time}\"}}");
            let query = format!("sdkappid={}&random=1", creds.tencent_sdkappid);
            for command in [Command::AppInfo, Command::CardList, Command::CardInfo] {
                let reply = handle(&s, command, Some(&query), Some(body.as_bytes()), Dialect::CANONICAL);
                let json: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
                prop_assert!(json["code"].as_u64().is_some());
            }
        }
    }
}
