//! The fast read shared by the two calls whose entry is
//! `{"num", "State", <Group>: {<sms count>, <flow amount>}}`: usage
//! (`Exceed`: `ReceivesSmsNum`, `UseFlow`) and remaining (`Surplus`:
//! `ResidualReceivesSms`, `ResidualFlow`). Only the names differ.

use iotcard_model::{Decimal, FieldProblem};

use crate::fast::{is, once, skip_other, Reader};
use crate::tolerant::Fields;

/// One call's names, and the same names as the server writes them in its
/// own layout (tried first: one compare per field).
pub(super) struct Names {
    pub group: &'static str,
    pub sms: &'static str,
    pub flow: &'static str,
    /// `,"Group":`
    pub group_written: &'static [u8],
    /// `{"Sms":`
    pub sms_written: &'static [u8],
    /// `,"Flow":`
    pub flow_written: &'static [u8],
}

/// An entry read fast: its `num`, its `State`, and the group (absent or
/// `null` is `None`), each field of the group `None` when absent or `null`.
pub(super) struct Counts<'a> {
    pub num: &'a str,
    pub state: i64,
    pub group: Option<(Option<i64>, Option<Decimal>)>,
}

/// Reads one entry, in the server's own layout when it is that, field by
/// field otherwise; `None` for anything the serde read must judge.
pub(super) fn read<'a>(r: &mut Reader<'a>, names: &Names) -> Option<Counts<'a>> {
    if let Some(entry) = r.attempt(|r| read_as_written(r, names)) {
        return Some(entry);
    }
    let (mut num, mut state, mut group) = (None, None, None);
    r.object(|r, key| {
        if is(key, "num") {
            let value = r.string()?;
            once(&mut num, value)
        } else if is(key, "State") {
            let value = r.integer()?;
            once(&mut state, value)
        } else if is(key, names.group) {
            let (mut sms, mut flow) = (None, None);
            let read = r.optional_object(|r, key| {
                if is(key, names.sms) {
                    let value = r.optional_integer()?;
                    once(&mut sms, value)
                } else if is(key, names.flow) {
                    let value = r.optional_decimal()?;
                    once(&mut flow, value)
                } else {
                    skip_other(r, key, &[names.sms, names.flow])
                }
            })?;
            let value = read.map(|()| (sms.flatten(), flow.flatten()));
            once(&mut group, value)
        } else {
            skip_other(r, key, &["num", "State", names.group])
        }
    })?;
    Some(Counts {
        num: num?,
        state: state?,
        group: group.flatten(),
    })
}

/// The entry in the layout the server writes:
/// `{"num":"…","State":n,"Group":{"Sms":n,"Flow":n}}` or with
/// `"Group":null`; `None` for any other (read field by field instead).
pub(super) fn read_as_written<'a>(r: &mut Reader<'a>, names: &Names) -> Option<Counts<'a>> {
    r.exactly(br#"{"num":""#)?;
    let num = r.string_rest()?;
    r.exactly(br#","State":"#)?;
    let state = r.integer()?;
    r.exactly(names.group_written)?;
    let group = if r.null() {
        None
    } else {
        r.exactly(names.sms_written)?;
        let sms = r.optional_integer()?;
        r.exactly(names.flow_written)?;
        let flow = r.optional_decimal()?;
        r.exactly(b"}")?;
        Some((sms, flow))
    };
    r.exactly(b"}")?;
    Some(Counts { num, state, group })
}

/// The group read tolerantly: `None` when absent, `null` or no object (a
/// problem), else its two fields, each `None` when absent, `null` or
/// unreadable (a problem).
pub(super) fn read_tolerant(
    entry: &Fields<'_>,
    names: &Names,
    problems: &mut Vec<FieldProblem>,
) -> Option<(Option<i64>, Option<Decimal>)> {
    let group = entry.group(names.group, problems)?;
    Some((
        group.integer(names.sms, problems),
        group.decimal(names.flow, problems),
    ))
}
