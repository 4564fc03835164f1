//! Tencent answers shaped as the platform writes them: compact JSON, the
//! `{code, message, data}` envelope, snake_case keys, integer codes, MB
//! amounts with three places (`14.970`), unix seconds for
//! `product_expired_time` (the spec's examples, without their comments).

use std::fmt::Write;

/// `(teleoperator, type, card_status, network_status)` in a fixed mix,
/// including the spec's own undocumented `network_status: 0`.
const CODES: [(u8, u8, u8, u8); 5] = [
    (1, 1, 2, 2),
    (1, 1, 1, 1),
    (2, 2, 2, 2),
    (3, 1, 3, 1),
    (1, 1, 1, 0),
];

/// The card record of position `index`, its object left open.
fn brief(body: &mut String, index: u64) {
    let (operator, kind, status, network) = CODES[(index % CODES.len() as u64) as usize];
    // Used and total in thousandths of a MB, as the platform's three places.
    let total = [30_000u64, 100_000, 1_024_000][(index % 3) as usize];
    let used = (index * 7_919_993) % total;
    write!(
        body,
        r#"{{"iccid":"898602B709{:010}","msisdn":"{}","teleoperator":{operator},"type":{kind},"card_status":{status},"network_status":{network},"data_used_in_period":{}.{:03},"data_total_in_period":{}.{:03}"#,
        1_701_054_333 + index * 7_919,
        1_064_878_384_333 + index * 7_919,
        used / 1000,
        used % 1000,
        total / 1000,
        total % 1000,
    )
    .expect("writing to a String");
}

/// A `getcardlist` page of `cards` records.
pub fn card_list(cards: u64) -> Vec<u8> {
    let mut body = String::from(r#"{"code":0,"message":"OK","data":{"card_brief_infos":["#);
    for index in 0..cards {
        if index > 0 {
            body.push(',');
        }
        brief(&mut body, index);
        body.push('}');
    }
    body.push_str("]}}");
    body.into_bytes()
}

/// A `getcardinfo` answer.
pub fn card_info() -> Vec<u8> {
    let mut body = String::from(r#"{"code":0,"message":"OK","data":"#);
    brief(&mut body, 0);
    body.push_str(
        r#","product_id":"yd000000000000030","pool_id":"","product_expired_time":1506494258}}"#,
    );
    body.into_bytes()
}
