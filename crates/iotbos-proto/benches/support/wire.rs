//! IoTBOS answers of many cards, shaped as the server writes them: compact
//! JSON, the list under `data.date`, mixed-case keys, decimals with the
//! provider's digits, `null` payloads for cards without data (the same
//! shapes as the spec's examples and the simulator's renderer).

use std::fmt::Write;

use iotbos_proto::Call;

/// How a card's entry answers, in a fixed mix: mostly found, some unknown
/// numbers (`State` 0) and some without data (`State` 2).
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Found,
    NotFound,
    NoData,
}

impl State {
    fn of(index: usize) -> Self {
        match index % 10 {
            3 => State::NotFound,
            7 => State::NoData,
            _ => State::Found,
        }
    }

    fn code(self) -> u8 {
        match self {
            State::NotFound => 0,
            State::Found => 1,
            State::NoData => 2,
        }
    }
}

/// The four documented `TerminalState` texts.
const TERMINAL_STATES: [&str; 4] = ["已激活", "已激活", "测试期", "已禁用"];

/// Plan fields as the server writes them: (name, Cost, DefaultSms,
/// ExceedSmsPrice, DefaultFlow, ExceedFlowPrice).
const PLANS: [(&str, &str, u32, &str, u32, &str); 4] = [
    ("移动 10 条", "1.00", 10, "0.10", 0, "0.00"),
    ("移动 30M", "5.00", 0, "0.10", 30, "0.29"),
    ("移动 \\\"畅联\\\" 100M", "10.00", 20, "0.10", 100, "0.29"),
    ("联通 2G", "30.00", 100, "0.08", 2048, "0.05"),
];

/// A small deterministic generator, so every run measures the same bytes.
struct Digits(u64);

impl Digits {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }

    /// A decimal with 2 or 3 places (sometimes none), as IoTBOS writes
    /// `UseFlow`: `8359.25`, `12.375`, `30`.
    fn flow(&mut self, negative: bool) -> String {
        let whole = self.next(20_000);
        let sign = if negative { "-" } else { "" };
        match self.next(3) {
            0 => format!("{sign}{whole}.{:02}", self.next(100)),
            1 => format!("{sign}{whole}.{:03}", self.next(1000)),
            _ => format!("{sign}{whole}"),
        }
    }
}

/// The card number of entry `index`: 13-digit MSISDNs like the spec's.
fn number(index: usize) -> String {
    format!("{}", 1_064_804_000_000u64 + index as u64 * 7_919)
}

/// The body of `call`'s answer about `cards` cards.
pub fn answer(call: Call, cards: usize) -> Vec<u8> {
    let mut digits = Digits(0x9e37_79b9_7f4a_7c15 ^ cards as u64);
    let mut body = String::from(r#"{"status":1,"info":null,"data":{"date":["#);
    for index in 0..cards {
        if index > 0 {
            body.push(',');
        }
        let state = State::of(index);
        let found = state == State::Found;
        write!(
            body,
            r#"{{"num":"{}","State":{}"#,
            number(index),
            state.code()
        )
        .expect("writing to a String");
        let entry = match (call, found) {
            (Call::Usage, true) => format!(
                r#","Exceed":{{"ReceivesSmsNum":{},"UseFlow":{}}}"#,
                digits.next(200),
                digits.flow(false)
            ),
            (Call::Remaining, true) => format!(
                r#","Surplus":{{"ResidualReceivesSms":{},"ResidualFlow":{}}}"#,
                digits.next(100),
                digits.flow(index % 9 == 0)
            ),
            (Call::Usage, false) => r#","Exceed":null"#.to_owned(),
            (Call::Remaining, false) => r#","Surplus":null"#.to_owned(),
            (Call::Expiry, _) => expiry(state, index, &mut digits),
            (Call::State, true) => format!(
                r#","TerminalState":"{}""#,
                TERMINAL_STATES[index % TERMINAL_STATES.len()]
            ),
            (Call::State, false) => r#","TerminalState":null"#.to_owned(),
            (Call::Plan, true) => {
                let (name, cost, sms, sms_price, flow, flow_price) = PLANS[index % PLANS.len()];
                format!(
                    r#","ServicePackage":{{"ServiceName":"{name}","Cost":{cost},"DefaultSms":{sms},"ExceedSmsPrice":{sms_price},"DefaultFlow":{flow},"ExceedFlowPrice":{flow_price}}}"#
                )
            }
            (Call::Plan, false) => r#","ServicePackage":null"#.to_owned(),
        };
        body.push_str(&entry);
        body.push('}');
    }
    body.push_str(r#"]},"createtime":"2018/01/16 14:02:08"}"#);
    body.into_bytes()
}

/// As the spec's example: `State` 2 still names the status with a `null`
/// date; only an active card has a date.
fn expiry(state: State, index: usize, digits: &mut Digits) -> String {
    let terminal = TERMINAL_STATES[index % TERMINAL_STATES.len()];
    match state {
        State::NotFound => r#","TerminalState":null,"ExpireDate":null"#.to_owned(),
        State::NoData => format!(r#","TerminalState":"{terminal}","ExpireDate":null"#),
        State::Found if terminal == "已激活" => format!(
            r#","TerminalState":"{terminal}","ExpireDate":"20{:02}/{:02}/{:02} {:02}:{:02}:{:02}""#,
            19 + digits.next(8),
            1 + digits.next(12),
            1 + digits.next(28),
            digits.next(24),
            digits.next(60),
            digits.next(60)
        ),
        State::Found => format!(r#","TerminalState":"{terminal}","ExpireDate":null"#),
    }
}
