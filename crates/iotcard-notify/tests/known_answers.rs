//! The signers against known answers computed outside Rust (Python's
//! hmac/hashlib/base64/urllib; see each vector file's `comment`), and the
//! receivers' `verify` against the signers.

use std::time::{Duration, SystemTime};

use iotcard_model::Secret;
use iotcard_notify::{dingtalk, feishu, NotifyError};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors<T> {
    comment: String,
    cases: Vec<T>,
}

#[derive(Deserialize)]
struct DingTalkCase {
    secret: String,
    timestamp_ms: u64,
    sign_base64: String,
    sign_urlencoded: String,
}

#[derive(Deserialize)]
struct FeishuCase {
    secret: String,
    timestamp_s: u64,
    sign_base64: String,
}

fn dingtalk_cases() -> Vec<DingTalkCase> {
    let v: Vectors<DingTalkCase> =
        serde_json::from_str(include_str!("vectors/dingtalk_sign.json")).unwrap();
    assert!(v.comment.contains("HMAC-SHA256"));
    assert!(v.cases.len() >= 3);
    v.cases
}

fn feishu_cases() -> Vec<FeishuCase> {
    let v: Vectors<FeishuCase> =
        serde_json::from_str(include_str!("vectors/feishu_sign.json")).unwrap();
    assert!(v.comment.contains("HMAC-SHA256"));
    assert!(v.cases.len() >= 3);
    v.cases
}

fn at_ms(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
}

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn dingtalk_signs_as_the_vectors_say() {
    for case in dingtalk_cases() {
        let secret = Secret::new(case.secret.as_str());
        assert_eq!(dingtalk::sign(&secret, case.timestamp_ms), case.sign_base64);
        assert_eq!(
            dingtalk::signed_query(&secret, case.timestamp_ms),
            format!(
                "timestamp={}&sign={}",
                case.timestamp_ms, case.sign_urlencoded
            )
        );
    }
}

#[test]
fn dingtalk_verify_accepts_the_vectors_and_rejects_the_rest() {
    for case in dingtalk_cases() {
        let secret = Secret::new(case.secret.as_str());
        let query = format!(
            "access_token=x&timestamp={}&sign={}",
            case.timestamp_ms, case.sign_urlencoded
        );
        let now = at_ms(case.timestamp_ms + 5_000);
        dingtalk::verify(&query, &secret, now, HOUR).unwrap();
        // Another secret, a changed timestamp, a stale one, none at all.
        let wrong = Secret::new(format!("{}x", case.secret));
        let e = dingtalk::verify(&query, &wrong, now, HOUR).unwrap_err();
        assert!(matches!(e, NotifyError::Signature { .. }), "{e}");
        assert!(!e.to_string().contains(&case.secret));
        let moved = query.replace(
            &case.timestamp_ms.to_string(),
            &(case.timestamp_ms + 1).to_string(),
        );
        assert!(dingtalk::verify(&moved, &secret, now, HOUR).is_err());
        let late = at_ms(case.timestamp_ms + 3_600_001);
        let e = dingtalk::verify(&query, &secret, late, HOUR).unwrap_err();
        assert!(e.to_string().contains("away from now"), "{e}");
        assert!(dingtalk::verify("access_token=x", &secret, now, HOUR).is_err());
        assert!(dingtalk::verify(
            &format!("timestamp={}", case.timestamp_ms),
            &secret,
            now,
            HOUR
        )
        .is_err());
    }
}

#[test]
fn feishu_signs_as_the_vectors_say() {
    for case in feishu_cases() {
        let secret = Secret::new(case.secret.as_str());
        assert_eq!(feishu::sign(&secret, case.timestamp_s), case.sign_base64);
    }
}

#[test]
fn feishu_verify_accepts_the_vectors_and_rejects_the_rest() {
    for case in feishu_cases() {
        let secret = Secret::new(case.secret.as_str());
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(case.timestamp_s + 10);
        let body = format!(
            r#"{{"timestamp":"{}","sign":"{}","msg_type":"text","content":{{"text":"hi"}}}}"#,
            case.timestamp_s, case.sign_base64
        );
        feishu::verify(body.as_bytes(), &secret, now, HOUR).unwrap();
        // A number is as good as a string.
        let numeric = body.replace(
            &format!("\"{}\"", case.timestamp_s),
            &case.timestamp_s.to_string(),
        );
        feishu::verify(numeric.as_bytes(), &secret, now, HOUR).unwrap();
        let wrong = Secret::new("nope");
        assert!(feishu::verify(body.as_bytes(), &wrong, now, HOUR).is_err());
        let late = now + HOUR;
        assert!(feishu::verify(body.as_bytes(), &secret, late, HOUR).is_err());
        for broken in [
            "not json",
            r#"{"sign":"x"}"#,
            r#"{"timestamp":"x","sign":"y"}"#,
            r#"{"timestamp":"1"}"#,
        ] {
            let e = feishu::verify(broken.as_bytes(), &secret, now, HOUR).unwrap_err();
            assert!(matches!(e, NotifyError::Signature { .. }), "{broken}: {e}");
        }
    }
}
