//! IoTBOS answers, byte for byte as the platform writes them: the envelope
//! `{"status","info","data","createtime"}`, the per-card list under `date`
//! (sic), mixed-case keys, UTC+8 `YYYY/MM/DD HH:MM:SS` dates, decimals with
//! the provider's digits, and `null` payloads for cards without data.

use crate::clock::Period;
use crate::fleet::{CardFacts, IotbosCall, Lifecycle, STATE_FOUND, STATE_NO_DATA};
use crate::json::JsonBuf;

/// `{"status":0,"info":<info>,"data":null,"createtime":…}`.
pub(crate) fn refusal(info: &str, now: i64) -> Vec<u8> {
    let mut b = JsonBuf::with_capacity(96 + info.len());
    b.raw("{\"status\":0,\"info\":")
        .string(info)
        .raw(",\"data\":null,\"createtime\":")
        .cst_datetime(now)
        .raw("}");
    b.into_bytes()
}

/// The login answer; `expires` is `now` plus the token lifetime.
pub(crate) fn login(token: &str, now: i64, expires: i64) -> Vec<u8> {
    let mut b = JsonBuf::with_capacity(160);
    b.raw("{\"status\":1,\"info\":null,\"data\":{\"accessToken\":")
        .string(token)
        .raw(",\"expiresTime\":")
        .cst_datetime(expires)
        .raw("},\"createtime\":")
        .cst_datetime(now)
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
/// (rendering and counting in one pass over the numbers). `lookup` finds
/// the card for an asked number; `expected` numbers size the buffer.
pub(crate) fn batch<'a>(
    call: IotbosCall,
    asked: impl Iterator<Item = &'a str> + Clone,
    expected: usize,
    max: usize,
    now: i64,
    mut lookup: impl FnMut(&str) -> Option<CardFacts>,
) -> Result<(Vec<u8>, usize), usize> {
    let mut b = JsonBuf::with_capacity(96 + expected.min(max) * entry_size(call));
    b.raw("{\"status\":1,\"info\":null,\"data\":{\"date\":[");
    let period = Period::at(now);
    let mut count = 0;
    for num in asked.clone() {
        if count == max {
            return Err(max + asked.skip(max).count());
        }
        if count > 0 {
            b.raw(",");
        }
        entry(&mut b, call, num, lookup(num).as_ref(), period);
        count += 1;
    }
    b.raw("]},\"createtime\":").cst_datetime(now).raw("}");
    Ok((b.into_bytes(), count))
}

fn entry(b: &mut JsonBuf, call: IotbosCall, num: &str, card: Option<&CardFacts>, period: Period) {
    // State 0 for a number not in the fleet; otherwise the card's own
    // per-call state (1, 2, or the undocumented 3).
    let state = card.map_or(0, |c| c.state(call.slot()));
    b.raw("{\"num\":")
        .string(num)
        .raw(",\"State\":")
        .uint(u64::from(state));
    let found = card.filter(|_| state == STATE_FOUND);
    match call {
        IotbosCall::Usage => {
            b.raw(",\"Exceed\":");
            match found {
                Some(c) => {
                    b.raw("{\"ReceivesSmsNum\":")
                        .int(c.sms_used(&period))
                        .raw(",\"UseFlow\":")
                        .decimal(c.use_flow_units(&period), c.flow_scale())
                        .raw("}");
                }
                None => {
                    b.raw("null");
                }
            }
        }
        IotbosCall::Remaining => {
            b.raw(",\"Surplus\":");
            match found {
                Some(c) => {
                    b.raw("{\"ResidualReceivesSms\":")
                        .int(c.plan().default_sms - c.sms_used(&period))
                        .raw(",\"ResidualFlow\":")
                        .decimal(c.residual_flow_units(&period), c.flow_scale())
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
            b.raw(",\"TerminalState\":");
            match status_shown {
                Some(c) => b.string(c.lifecycle().terminal_state()),
                None => b.raw("null"),
            };
            b.raw(",\"ExpireDate\":");
            match found.filter(|c| c.lifecycle() == Lifecycle::Active) {
                Some(c) => b.cst_datetime(c.expires_at()),
                None => b.raw("null"),
            };
        }
        IotbosCall::State => {
            b.raw(",\"TerminalState\":");
            match found {
                Some(c) => b.string(c.lifecycle().terminal_state()),
                None => b.raw("null"),
            };
        }
        IotbosCall::Plan => {
            b.raw(",\"ServicePackage\":");
            match found {
                Some(c) => {
                    let p = c.plan();
                    b.raw("{\"ServiceName\":")
                        .string(p.name)
                        .raw(",\"Cost\":")
                        .decimal(p.cost_fen, 2)
                        .raw(",\"DefaultSms\":")
                        .int(p.default_sms)
                        .raw(",\"ExceedSmsPrice\":")
                        .decimal(p.exceed_sms_price_fen, 2)
                        .raw(",\"DefaultFlow\":")
                        .int(p.default_flow)
                        .raw(",\"ExceedFlowPrice\":")
                        .decimal(p.exceed_flow_price_fen, 2)
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
