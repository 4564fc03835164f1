//! IoTBOS answers, byte for byte as the platform writes them: the envelope
//! `{"status","info","data","createtime"}`, the per-card list under `date`
//! (sic), mixed-case keys, UTC+8 `YYYY/MM/DD HH:MM:SS` dates, decimals with
//! the provider's digits, and `null` payloads for cards without data.

//!
//! In a dialect the same answers are written in its looks (see
//! `crate::dialect`): keys, numbers and dates of the envelope in the
//! answer's look, those of each entry in its card's look.

use crate::clock::Period;
use crate::dialect::look::{Look, Side};
use crate::dialect::{answer_salt, echo, Dialect, Variant};
use crate::fleet::{CardFacts, Fleet, IotbosCall, Lifecycle, STATE_FOUND, STATE_NO_DATA};
use crate::json::JsonBuf;

/// `{"status":0,"info":<info>,"data":null,"createtime":…}`.
pub(crate) fn refusal(info: &str, now: i64, d: Dialect) -> Vec<u8> {
    let mut b = JsonBuf::with_capacity(96 + info.len());
    b.set_look(Look::envelope(d, answer_salt(now, info.as_bytes())));
    b.raw("{")
        .key("status")
        .count(0)
        .raw(",")
        .key("info")
        .string(info)
        .raw(",")
        .key("data")
        .raw("null,")
        .key("createtime")
        .date(now)
        .raw("}");
    b.into_bytes()
}

/// The login answer; `expires` is `now` plus the token lifetime.
pub(crate) fn login(token: &str, now: i64, expires: i64, d: Dialect) -> Vec<u8> {
    let mut b = JsonBuf::with_capacity(160);
    b.set_look(Look::envelope(d, answer_salt(now, token.as_bytes())));
    b.raw("{")
        .key("status")
        .count(1)
        .raw(",")
        .key("info")
        .raw("null,")
        .key("data")
        .raw("{")
        .key("accessToken")
        .string(token)
        .raw(",")
        .key("expiresTime")
        .date(expires)
        .raw("},")
        .key("createtime")
        .date(now)
        .raw("}");
    b.into_bytes()
}

/// Bytes one entry of the call takes, about, to size the buffer once.
fn entry_size(call: IotbosCall) -> usize {
    match call {
        IotbosCall::Usage => 96,
        IotbosCall::Remaining => 112,
        IotbosCall::Expiry => 120,
        IotbosCall::State => 72,
        IotbosCall::Plan => 208,
    }
}

/// A data call's answer: one entry per asked number, in the order asked,
/// with how many there were; or, past `max` numbers, `Err` with the count
/// (rendering and counting in one pass over the numbers). Each number is
/// looked up in `fleet` as `d` finds numbers; `expected` numbers size the
/// buffer. Under `repeated-entries`, asked cards listed again and an
/// unasked card follow the asked ones (not counted).
pub(crate) fn batch<'a>(
    call: IotbosCall,
    asked: impl Iterator<Item = &'a str> + Clone,
    expected: usize,
    max: usize,
    now: i64,
    d: Dialect,
    fleet: &Fleet,
) -> Result<(Vec<u8>, usize), usize> {
    let mut b = JsonBuf::with_capacity(96 + expected.min(max) * entry_size(call));
    let first = asked.clone().next().unwrap_or_default();
    let salt = answer_salt(now ^ call.slot() as i64, first.as_bytes());
    let envelope = Look::envelope(d, salt);
    b.set_look(envelope);
    b.raw("{")
        .key("status")
        .count(1)
        .raw(",")
        .key("info")
        .raw("null,")
        .key("data")
        .raw("{")
        .key("date")
        .raw("[");
    let period = Period::at(now);
    let repeat = d.has(Variant::RepeatedEntries);
    // Under `repeated-entries`: the asked cards found, by index, to list
    // again and to pick an unasked card from.
    let mut found: Vec<(u64, &'a str)> = Vec::new();
    let mut count = 0;
    for num in asked.clone() {
        if count == max {
            return Err(max + asked.skip(max).count());
        }
        if count > 0 {
            b.raw(",");
        }
        let card = fleet.facts_by_iotbos_number(num.as_bytes(), d);
        if repeat {
            if let Some(c) = &card {
                found.push((c.index, num));
            }
        }
        entry(&mut b, call, num, card.as_ref(), period, d);
        b.set_look(envelope);
        count += 1;
    }
    if repeat {
        extra_entries(&mut b, call, &mut found, period, d, fleet, (envelope, salt));
    }
    b.raw("]},").key("createtime").date(now).raw("}");
    Ok((b.into_bytes(), count))
}

/// `repeated-entries`: the first asked card found and about one in eight of
/// the others again (same values), then, for one answer in two (by the
/// answer's salt), a card of the fleet that was not asked, by the number
/// IoTBOS knows it by in the dialect.
fn extra_entries(
    b: &mut JsonBuf,
    call: IotbosCall,
    found: &mut [(u64, &str)],
    period: Period,
    d: Dialect,
    fleet: &Fleet,
    (envelope, salt): (Look, u64),
) {
    let Some(&(first, _)) = found.first() else {
        return;
    };
    for (k, &(index, num)) in found.iter().enumerate() {
        let Some(card) = fleet.facts(index) else {
            continue;
        };
        if k == 0 || (card.dialect_bits() >> 44) % 8 == 0 {
            b.raw(",");
            entry(b, call, num, Some(&card), period, d);
            b.set_look(envelope);
        }
    }
    if (salt >> 47) % 2 == 1 || fleet.len() < 2 {
        return;
    }
    found.sort_unstable_by_key(|&(i, _)| i);
    let unasked = (1..=16u64)
        .map(|k| (first + k * 7919) % fleet.len())
        .find(|i| found.binary_search_by_key(i, |&(j, _)| j).is_err());
    if let Some(card) = unasked.and_then(|i| fleet.facts(i)) {
        let number = fleet
            .iotbos_number(card.index, d)
            .unwrap_or_else(|| String::from_utf8_lossy(&card.number()).into_owned());
        b.raw(",");
        entry(b, call, &number, Some(&card), period, d);
        b.set_look(envelope);
    }
}

fn entry(
    b: &mut JsonBuf,
    call: IotbosCall,
    num: &str,
    card: Option<&CardFacts>,
    period: Period,
    d: Dialect,
) {
    // State 0 for a number not in the fleet; otherwise the card's own
    // per-call state (1, 2, or the undocumented 3).
    let state = card.map_or(0, |c| c.state(call.slot()));
    let bits = match card {
        Some(c) => c.dialect_bits(),
        None => answer_salt(0, num.as_bytes()),
    };
    b.set_look(Look::card(d, bits, Side::Iotbos));
    let shown = match card {
        Some(_) if d.has(Variant::LetteredIccids) => echo(num, bits),
        _ => num.into(),
    };
    b.raw("{")
        .key("num")
        .string(&shown)
        .raw(",")
        .key("State")
        .count(i64::from(state));
    let found = card.filter(|_| state == STATE_FOUND);
    match call {
        IotbosCall::Usage => {
            b.raw(",").key("Exceed");
            match found {
                Some(c) => {
                    b.raw("{")
                        .key("ReceivesSmsNum")
                        .count(c.sms_used(&period))
                        .raw(",")
                        .key("UseFlow")
                        .amount(c.use_flow_units(&period), c.flow_scale())
                        .raw("}");
                }
                None => {
                    b.raw("null");
                }
            }
        }
        IotbosCall::Remaining => {
            b.raw(",").key("Surplus");
            match found {
                Some(c) => {
                    b.raw("{")
                        .key("ResidualReceivesSms")
                        .count(c.plan().default_sms - c.sms_used(&period))
                        .raw(",")
                        .key("ResidualFlow")
                        .amount(c.residual_flow_units(&period), c.flow_scale())
                        .raw("}");
                }
                None => {
                    b.raw("null");
                }
            }
        }
        IotbosCall::Expiry => {
            // As the spec's example: State 2 still names the status, with a
            // null date; the date comes only for an activated card.
            let status_shown = card.filter(|_| state == STATE_FOUND || state == STATE_NO_DATA);
            b.raw(",").key("TerminalState");
            match status_shown {
                Some(c) => b.string(c.lifecycle().terminal_state()),
                None => b.raw("null"),
            };
            b.raw(",").key("ExpireDate");
            match found.filter(|c| c.lifecycle() == Lifecycle::Active) {
                Some(c) => b.date(c.expires_at()),
                None => b.no_date(),
            };
        }
        IotbosCall::State => {
            b.raw(",").key("TerminalState");
            match found {
                Some(c) => b.string(c.lifecycle().terminal_state()),
                None => b.raw("null"),
            };
        }
        IotbosCall::Plan => {
            b.raw(",").key("ServicePackage");
            match found {
                Some(c) => {
                    let p = c.plan();
                    b.raw("{")
                        .key("ServiceName")
                        .string(p.name)
                        .raw(",")
                        .key("Cost")
                        .amount(p.cost_fen, 2)
                        .raw(",")
                        .key("DefaultSms")
                        .count(p.default_sms)
                        .raw(",")
                        .key("ExceedSmsPrice")
                        .amount(p.exceed_sms_price_fen, 2)
                        .raw(",")
                        .key("DefaultFlow")
                        .amount(p.default_flow, 0)
                        .raw(",")
                        .key("ExceedFlowPrice")
                        .amount(p.exceed_flow_price_fen, 2)
                        .raw("}");
                }
                None => {
                    b.raw("null");
                }
            }
        }
    }
    b.raw("}");
}
