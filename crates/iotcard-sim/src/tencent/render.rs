//! Tencent answers, byte for byte: `{"code","message","data"}`, snake_case
//! keys, integer codes, MB amounts with three decimals (`14.970`), Unix
//! seconds for `product_expired_time`.
//!
//! In a dialect the same answers are written in its looks (see
//! `crate::dialect`): the envelope in the answer's look, each card's fields
//! in its card's look.

use crate::clock::Period;
use crate::dialect::look::{Look, Side};
use crate::dialect::{answer_salt, Dialect, Variant};
use crate::fleet::{CardFacts, Lifecycle};
use crate::json::JsonBuf;

/// A refusal: `{"code":<code>,"message":<message>}`.
pub(crate) fn refusal(code: u32, message: &str, d: Dialect) -> Vec<u8> {
    let mut b = JsonBuf::with_capacity(48 + message.len());
    b.set_look(Look::envelope(
        d,
        answer_salt(i64::from(code), message.as_bytes()),
    ));
    b.raw("{")
        .key("code")
        .count(i64::from(code))
        .raw(",")
        .key("message")
        .string(message)
        .raw("}");
    b.into_bytes()
}

/// `{"code":0,"message":"OK","data":`, in the envelope's look.
fn ok_head(b: &mut JsonBuf) {
    b.raw("{")
        .key("code")
        .count(0)
        .raw(",")
        .key("message")
        .raw("\"OK\",")
        .key("data");
}

/// `getappinfo`: the account's name and card counts per operator.
pub(crate) fn app_info(name: &str, description: &str, counts: [u64; 3], d: Dialect) -> Vec<u8> {
    let mut b = JsonBuf::with_capacity(192);
    let salt = answer_salt(counts[0] as i64, description.as_bytes());
    b.set_look(Look::envelope(d, salt));
    ok_head(&mut b);
    // The data's counts in a look of their own (strings or floats).
    b.set_look(Look::card(d, salt, Side::Tencent));
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    b.raw("{")
        .key("name")
        .string(name)
        .raw(",")
        .key("description")
        .string(description)
        .raw(",")
        .key("yd_card_cnt")
        .count(count(counts[0]))
        .raw(",")
        .key("dx_card_cnt")
        .count(count(counts[1]))
        .raw(",")
        .key("lt_card_cnt")
        .count(count(counts[2]))
        .raw("}}");
    b.into_bytes()
}

/// `getcardlist`: one page of brief card entries; `salt` picks the
/// envelope's look.
pub(crate) fn card_list(
    cards: impl Iterator<Item = CardFacts>,
    period: Period,
    d: Dialect,
    salt: u64,
) -> (Vec<u8>, u64) {
    let mut b = JsonBuf::with_capacity(64 + 20 * 240);
    let envelope = Look::envelope(d, salt);
    b.set_look(envelope);
    ok_head(&mut b);
    b.raw("{").key("card_brief_infos").raw("[");
    let mut n = 0u64;
    for card in cards {
        if n > 0 {
            b.raw(",");
        }
        brief_fields(&mut b, &card, period, d);
        b.raw("}");
        b.set_look(envelope);
        n += 1;
    }
    b.raw("]}}");
    (b.into_bytes(), n)
}

/// `getcardinfo`: the brief entry plus product, pool and expiry.
pub(crate) fn card_info(card: &CardFacts, period: Period, d: Dialect) -> Vec<u8> {
    let mut b = JsonBuf::with_capacity(400);
    b.set_look(Look::envelope(d, card.dialect_bits().rotate_left(7)));
    ok_head(&mut b);
    brief_fields(&mut b, card, period, d);
    b.raw(",").key("product_id").string(card.plan().product_id);
    b.raw(",").key("pool_id");
    match card.pool_id() {
        Some(id) => b.ascii_string(&id),
        None => b.raw("\"\""),
    };
    b.raw(",").key("product_expired_time");
    expiry(&mut b, card, d);
    b.raw("}}");
    b.into_bytes()
}

/// `product_expired_time`: Unix seconds; under `expiry-zero`, `0`, `null`
/// or `""` for a card without a service expiry (not activated: the cards
/// whose IoTBOS `ExpireDate` is none) and milliseconds for one activated
/// card in three.
fn expiry(b: &mut JsonBuf, card: &CardFacts, d: Dialect) {
    let at = card.expires_at();
    if !d.has(Variant::ExpiryZero) {
        b.count(at);
        return;
    }
    let bits = card.dialect_bits();
    if card.lifecycle() != Lifecycle::Active {
        match (bits >> 48) % 3 {
            0 => b.count(0),
            1 => b.raw("null"),
            _ => b.raw("\"\""),
        };
    } else if (bits >> 52) % 3 == 0 {
        b.count(at.saturating_mul(1000));
    } else {
        b.count(at);
    }
}

/// `{"iccid":…,"data_total_in_period":…` — the object left open, in the
/// card's look.
fn brief_fields(b: &mut JsonBuf, card: &CardFacts, period: Period, d: Dialect) {
    b.set_look(Look::card(d, card.dialect_bits(), Side::Tencent));
    b.raw("{")
        .key("iccid")
        .ascii_string(&card.iccid())
        .raw(",")
        .key("msisdn")
        .ascii_string(&card.number())
        .raw(",")
        .key("teleoperator")
        .count(i64::from(card.teleoperator()))
        .raw(",")
        .key("type")
        .count(i64::from(card.kind_code()))
        .raw(",")
        .key("card_status")
        .count(i64::from(card.lifecycle().tencent_status()))
        .raw(",")
        .key("network_status")
        .count(i64::from(card.network_code()))
        .raw(",")
        .key("data_used_in_period")
        .amount(card.used_kb(&period), 3)
        .raw(",")
        .key("data_total_in_period");
    if d.has(Variant::ExpiryZero) && card.kind_code() == 2 {
        b.raw("null");
    } else {
        b.amount(card.data_total_milli_mb(), 3);
    }
}
