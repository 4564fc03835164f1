//! Tencent answers, byte for byte: `{"code","message","data"}`, snake_case
//! keys, integer codes, MB amounts with three decimals (`14.970`), Unix
//! seconds for `product_expired_time`.

use crate::clock::Period;
use crate::fleet::CardFacts;
use crate::json::JsonBuf;

/// A refusal: `{"code":<code>,"message":<message>}`.
pub(crate) fn refusal(code: u32, message: &str) -> Vec<u8> {
    let mut b = JsonBuf::with_capacity(48 + message.len());
    b.raw("{\"code\":")
        .uint(u64::from(code))
        .raw(",\"message\":")
        .string(message)
        .raw("}");
    b.into_bytes()
}

const OK_HEAD: &str = "{\"code\":0,\"message\":\"OK\",\"data\":";

/// `getappinfo`: the account's name and card counts per operator.
pub(crate) fn app_info(name: &str, description: &str, counts: [u64; 3]) -> Vec<u8> {
    let mut b = JsonBuf::with_capacity(192);
    b.raw(OK_HEAD)
        .raw("{\"name\":")
        .string(name)
        .raw(",\"description\":")
        .string(description)
        .raw(",\"yd_card_cnt\":")
        .uint(counts[0])
        .raw(",\"dx_card_cnt\":")
        .uint(counts[1])
        .raw(",\"lt_card_cnt\":")
        .uint(counts[2])
        .raw("}}");
    b.into_bytes()
}

/// `getcardlist`: one page of brief card entries.
pub(crate) fn card_list(cards: impl Iterator<Item = CardFacts>, period: Period) -> (Vec<u8>, u64) {
    let mut b = JsonBuf::with_capacity(64 + 20 * 240);
    b.raw(OK_HEAD).raw("{\"card_brief_infos\":[");
    let mut n = 0u64;
    for card in cards {
        if n > 0 {
            b.raw(",");
        }
        brief_fields(&mut b, &card, period);
        b.raw("}");
        n += 1;
    }
    b.raw("]}}");
    (b.into_bytes(), n)
}

/// `getcardinfo`: the brief entry plus product, pool and expiry.
pub(crate) fn card_info(card: &CardFacts, period: Period) -> Vec<u8> {
    let mut b = JsonBuf::with_capacity(400);
    b.raw(OK_HEAD);
    brief_fields(&mut b, card, period);
    b.raw(",\"product_id\":").string(card.plan().product_id);
    b.raw(",\"pool_id\":");
    match card.pool_id() {
        Some(id) => b.ascii_string(&id),
        None => b.raw("\"\""),
    };
    b.raw(",\"product_expired_time\":")
        .int(card.expires_at())
        .raw("}}");
    b.into_bytes()
}

/// `{"iccid":…,"data_total_in_period":…` — the object left open.
fn brief_fields(b: &mut JsonBuf, card: &CardFacts, period: Period) {
    b.raw("{\"iccid\":")
        .ascii_string(&card.iccid())
        .raw(",\"msisdn\":")
        .ascii_string(&card.number())
        .raw(",\"teleoperator\":")
        .uint(u64::from(card.teleoperator()))
        .raw(",\"type\":")
        .uint(u64::from(card.kind_code()))
        .raw(",\"card_status\":")
        .uint(u64::from(card.lifecycle().tencent_status()))
        .raw(",\"network_status\":")
        .uint(u64::from(card.network_code()))
        .raw(",\"data_used_in_period\":")
        .decimal(card.used_kb(&period), 3)
        .raw(",\"data_total_in_period\":")
        .decimal(card.data_total_milli_mb(), 3);
}
