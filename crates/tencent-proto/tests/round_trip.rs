//! Model values → wire JSON (written here by hand, not by the crate) →
//! parser → the same model values.

mod support;

use iotcard_model::{
    china_standard_time, CardKind, CardStatus, DataAmount, Decimal, Iccid, Msisdn, NetworkStatus,
    Operator,
};
use proptest::prelude::*;
use tencent_proto::{parse_card_info, parse_card_list, CardBrief, ReportedMsisdn, Teleoperator};

/// A card as the test thinks of it, with the wire codes it will be sent as.
#[derive(Clone, Debug)]
struct GenCard {
    iccid: String,
    msisdn: String,
    operator: i64,
    kind: i64,
    status: i64,
    network: i64,
    /// Thousandths of a MB.
    used: i64,
    total: i64,
    quoted_amounts: bool,
}

fn gen_card() -> impl Strategy<Value = GenCard> {
    (
        "89[0-9]{4}[0-9A-Fa-f]{13,14}",
        prop_oneof![
            3 => "1[0-9]{10,14}",
            1 => Just(String::new()),
            1 => "[0-9]{1,5}",
        ],
        (-2i64..6, -1i64..4, -1i64..5, -1i64..4),
        (0i64..100_000_000_000, 0i64..100_000_000_000, any::<bool>()),
    )
        .prop_map(
            |(iccid, msisdn, (operator, kind, status, network), (used, total, quoted_amounts))| {
                GenCard {
                    iccid,
                    msisdn,
                    operator,
                    kind,
                    status,
                    network,
                    used,
                    total,
                    quoted_amounts,
                }
            },
        )
}

/// `1234567` thousandths → `1234.567`, always three places like the spec.
fn three_places(thousandths: i64) -> String {
    format!("{}.{:03}", thousandths / 1000, thousandths % 1000)
}

/// The record's fields as wire text, in a shuffled order, with an unknown
/// field mixed in.
fn wire_fields(card: &GenCard) -> Vec<String> {
    let amount = |t| {
        if card.quoted_amounts {
            format!("\"{}\"", three_places(t))
        } else {
            three_places(t)
        }
    };
    vec![
        format!("\"iccid\": \"{}\"", card.iccid),
        format!("\"msisdn\": \"{}\"", card.msisdn),
        format!("\"teleoperator\": {}", card.operator),
        format!("\"type\": {}", card.kind),
        format!("\"card_status\": {}", card.status),
        format!("\"network_status\": {}", card.network),
        format!("\"data_used_in_period\": {}", amount(card.used)),
        format!("\"data_total_in_period\": {}", amount(card.total)),
        "\"not_in_the_spec\": {\"x\": [1, 2.5, null]}".to_owned(),
    ]
}

/// What the parser must make of it, mapped here from the spec's tables.
fn expected(card: &GenCard) -> CardBrief {
    let operator = match card.operator {
        1 => Teleoperator::Known(Operator::ChinaMobile),
        2 => Teleoperator::Known(Operator::ChinaTelecom),
        3 => Teleoperator::Known(Operator::ChinaUnicom),
        other => Teleoperator::Unknown(other),
    };
    let kind = match card.kind {
        1 => CardKind::Single,
        2 => CardKind::Pooled,
        other => CardKind::Other(other.to_string()),
    };
    let status = match card.status {
        1 => CardStatus::Inactive,
        2 => CardStatus::Active,
        3 => CardStatus::Suspended,
        other => CardStatus::Other(other.to_string()),
    };
    let network = match card.network {
        1 => NetworkStatus::Off,
        2 => NetworkStatus::On,
        other => NetworkStatus::Other(other.to_string()),
    };
    let msisdn = match card.msisdn.len() {
        0 => None,
        11..=15 => Some(ReportedMsisdn::Valid(Msisdn::parse(&card.msisdn).unwrap())),
        _ => Some(ReportedMsisdn::Unrecognized(card.msisdn.clone())),
    };
    CardBrief {
        iccid: Iccid::parse(&card.iccid.to_ascii_uppercase()).unwrap(),
        msisdn,
        operator: Some(operator),
        kind: Some(kind),
        status: Some(status),
        network: Some(network),
        data_used_in_period: Some(DataAmount::mb(Decimal::new(card.used, 3))),
        data_total_in_period: Some(DataAmount::mb(Decimal::new(card.total, 3))),
        problems: Vec::new(),
    }
}

fn assert_same(parsed: &CardBrief, card: &GenCard) {
    assert_eq!(parsed, &expected(card));
    // Equal decimals may differ in scale; the wire's three places must stay.
    let text = |a: Option<DataAmount>| a.map(|a| a.amount.to_string());
    assert_eq!(
        text(parsed.data_used_in_period),
        Some(three_places(card.used))
    );
    assert_eq!(
        text(parsed.data_total_in_period),
        Some(three_places(card.total))
    );
    let left = parsed.remaining().data_left.unwrap();
    assert_eq!(left.amount, Decimal::new(card.total - card.used, 3));
}

proptest! {
    #[test]
    fn card_lists(cards in prop::collection::vec(gen_card(), 0..20), seed in any::<u64>()) {
        let records: Vec<String> = cards
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut fields = wire_fields(c);
                let n = fields.len() as u64;
                fields.rotate_left((seed.wrapping_add(i as u64) % n) as usize);
                format!("{{{}}}", fields.join(", "))
            })
            .collect();
        let body = format!(
            "{{\"code\": 0, \"message\": \"OK\", \"data\": {{\"card_brief_infos\": [{}]}}}}",
            records.join(",\n")
        );
        let page = parse_card_list(&support::ok(body.as_bytes())).unwrap();
        prop_assert!(page.rejected.is_empty(), "{:?}", page.rejected);
        prop_assert_eq!(page.cards.len(), cards.len());
        for (parsed, card) in page.cards.iter().zip(&cards) {
            assert_same(parsed, card);
        }
    }

    #[test]
    fn card_infos(
        card in gen_card(),
        product_id in "[0-9a-z]{0,20}",
        pool_id in "[0-9a-z]{0,20}",
        expires in 0i64..4_102_444_800,
    ) {
        let mut fields = wire_fields(&card);
        fields.push(format!("\"product_id\": \"{product_id}\""));
        fields.push(format!("\"pool_id\": \"{pool_id}\""));
        fields.push(format!("\"product_expired_time\": {expires}"));
        fields.reverse();
        let body = format!("{{\"code\": 0, \"message\": \"OK\", \"data\": {{{}}}}}", fields.join(", "));
        let info = parse_card_info(&support::ok(body.as_bytes())).unwrap();
        assert_same(&info.card, &card);
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        prop_assert_eq!(&info.product_id, &non_empty(&product_id));
        prop_assert_eq!(&info.pool_id, &non_empty(&pool_id));
        let at = info.product_expires_at.unwrap();
        prop_assert_eq!(at.timestamp(), expires);
        prop_assert_eq!(at.offset(), &china_standard_time());
        let snapshot = info.to_snapshot();
        prop_assert_eq!(snapshot.expires_at, Some(at));
        prop_assert_eq!(snapshot.plan.unwrap().product_id, non_empty(&product_id));
    }

    #[test]
    fn one_bad_record_does_not_sink_the_page(
        cards in prop::collection::vec(gen_card(), 1..10),
        bad_at in any::<prop::sample::Index>(),
    ) {
        let bad = bad_at.index(cards.len());
        let records: Vec<String> = cards
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut fields = wire_fields(c);
                if i == bad {
                    fields[0] = "\"iccid\": \"not-an-iccid\"".to_owned();
                }
                format!("{{{}}}", fields.join(","))
            })
            .collect();
        let body = format!("{{\"code\":0,\"data\":{{\"card_brief_infos\":[{}]}}}}", records.join(","));
        let page = parse_card_list(&support::ok(body.as_bytes())).unwrap();
        prop_assert_eq!(page.len(), cards.len());
        prop_assert_eq!(page.rejected.len(), 1);
        prop_assert_eq!(page.rejected[0].index, bad);
        let error = &page.rejected[0].error;
        let cause = std::error::Error::source(error).map(ToString::to_string).unwrap_or_default();
        prop_assert!(error.to_string().contains("iccid") && cause.contains("not-an-iccid"), "{} / {}", error, cause);
        let good: Vec<&GenCard> = cards.iter().enumerate().filter(|(i, _)| *i != bad).map(|(_, c)| c).collect();
        for (parsed, card) in page.cards.iter().zip(good) {
            assert_same(parsed, card);
        }
    }
}

/// How one answer is spelled: what real servers vary (the specs' README,
/// "What real servers may do"), none of which changes a value.
#[derive(Clone, Debug)]
struct Spelling {
    /// Per name: 0 as documented, 1 upper case, 2 Pascal case, 3 each
    /// letter's case from the bits.
    case: u64,
    /// Per integer: 0 a number, 1 a string, 2 an integral float, 3 a
    /// string holding one.
    integers: u64,
    /// Per amount: quoted or not.
    amounts: u64,
    bom: bool,
    /// 0 UTF-8, 1 GBK, 2 GB18030 (each labelled so).
    charset: u8,
    /// `application/json`, `text/html` or `text/plain`.
    media: u8,
}

fn spelling() -> impl Strategy<Value = Spelling> {
    (
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        any::<bool>(),
        0u8..3,
        0u8..3,
    )
        .prop_map(|(case, integers, amounts, bom, charset, media)| Spelling {
            case,
            integers,
            amounts,
            bom,
            charset,
            media,
        })
}

impl Spelling {
    fn name(&self, name: &str, at: u32) -> String {
        let bits = self.case.rotate_left(at.wrapping_mul(7));
        match bits % 4 {
            0 => name.to_owned(),
            1 => name.to_ascii_uppercase(),
            2 => name
                .split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next().map_or(String::new(), |f| {
                        f.to_ascii_uppercase().to_string() + c.as_str()
                    })
                })
                .collect::<Vec<_>>()
                .join("_"),
            _ => name
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if (bits >> (2 + i % 60)) & 1 == 1 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect(),
        }
    }

    fn integer(&self, value: i64, at: u32) -> String {
        match self.integers.rotate_left(at.wrapping_mul(5)) % 4 {
            0 => value.to_string(),
            1 => format!("\"{value}\""),
            2 => format!("{value}.0"),
            _ => format!("\" {value}.00 \""),
        }
    }

    fn amount(&self, thousandths: i64, at: u32) -> String {
        if self.amounts.rotate_left(at) & 1 == 1 {
            format!("\"{}\"", three_places(thousandths))
        } else {
            three_places(thousandths)
        }
    }

    /// The page in this spelling, as the bytes and `Content-Type` sent.
    fn page(&self, cards: &[GenCard]) -> (Vec<u8>, String) {
        let mut at = 0u32;
        let mut next = || {
            at += 1;
            at
        };
        let records: Vec<String> = cards
            .iter()
            .map(|c| {
                let fields = [
                    (self.name("iccid", next()), format!("\"{}\"", c.iccid)),
                    (self.name("msisdn", next()), format!("\"{}\"", c.msisdn)),
                    (
                        self.name("teleoperator", next()),
                        self.integer(c.operator, next()),
                    ),
                    (self.name("type", next()), self.integer(c.kind, next())),
                    (
                        self.name("card_status", next()),
                        self.integer(c.status, next()),
                    ),
                    (
                        self.name("network_status", next()),
                        self.integer(c.network, next()),
                    ),
                    (
                        self.name("data_used_in_period", next()),
                        self.amount(c.used, next()),
                    ),
                    (
                        self.name("data_total_in_period", next()),
                        self.amount(c.total, next()),
                    ),
                    ("备注".to_owned(), "\"已激活 静默期\"".to_owned()),
                ];
                let fields: Vec<String> =
                    fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", fields.join(","))
            })
            .collect();
        let text = format!(
            "{{\"{}\":{},\"{}\":\"成功\",\"{}\":{{\"{}\":[{}]}}}}",
            self.name("code", next()),
            self.integer(0, next()),
            self.name("message", next()),
            self.name("data", next()),
            self.name("card_brief_infos", next()),
            records.join(",")
        );
        let (mut body, charset) = match self.charset {
            0 => (text.into_bytes(), "utf-8"),
            1 => (encoding_rs::GBK.encode(&text).0.into_owned(), "GBK"),
            _ => (encoding_rs::GB18030.encode(&text).0.into_owned(), "gb18030"),
        };
        if self.bom && self.charset == 0 {
            body.splice(0..0, *b"\xEF\xBB\xBF");
        }
        let media = ["application/json", "text/html", "text/plain"][usize::from(self.media)];
        (body, format!("{media}; charset={charset}"))
    }
}

proptest! {
    /// Any spelling of a page reads to the very values of its canonical
    /// form: names in any case, integers quoted or as integral floats,
    /// amounts quoted, a BOM, GBK or GB18030, any JSON media type.
    #[test]
    fn any_spelling_reads_as_the_canonical_form(
        cards in prop::collection::vec(gen_card(), 0..8),
        spelling in spelling(),
    ) {
        let canonical = format!(
            "{{\"code\":0,\"message\":\"OK\",\"data\":{{\"card_brief_infos\":[{}]}}}}",
            cards.iter().map(|c| format!("{{{}}}", wire_fields(c).join(","))).collect::<Vec<_>>().join(",")
        );
        let expected = parse_card_list(&support::ok(canonical.as_bytes())).unwrap();
        let (body, content_type) = spelling.page(&cards);
        let answer = http::Response::builder()
            .header("Content-Type", content_type)
            .body(body)
            .unwrap();
        let page = parse_card_list(&answer).unwrap();
        prop_assert!(page.rejected.is_empty(), "{:?}", page.rejected);
        prop_assert_eq!(&page.cards, &expected.cards);
        for (parsed, card) in page.cards.iter().zip(&cards) {
            assert_same(parsed, card);
        }
    }
}
