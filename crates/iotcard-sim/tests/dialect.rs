//! Dialects at the HTTP level. For each variant: its answers really have
//! the variant's shape (raw bodies and headers inspected), they say what
//! the canonical answers say (read tolerantly and compared value for value
//! with a canonical simulator of the same fleet), and with the dialect off
//! the answers are byte-identical to the recorded canonical ones.

mod common;

use std::collections::BTreeSet;

use common::tolerant::{self, Leeway, Node};
use common::{
    data_target, iotbos_conn, login_target, signed, tencent_conn, tencent_target, transcript,
    Answer, Conn,
};
use iotcard_sim::{Dialect, IotbosCall, RunningSimulator, SimCard, Variant};

async fn start(d: Dialect) -> RunningSimulator {
    transcript::builder().dialect(d).start().await.unwrap()
}

async fn log_in(conn: &mut Conn, sim: &RunningSimulator) -> String {
    let answer = conn.get(&login_target(sim.credentials())).await;
    tolerant::read(&answer)
        .at("data")
        .at("accessToken")
        .str()
        .expect("a token")
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

async fn list_page(
    conn: &mut Conn,
    sim: &RunningSimulator,
    op: u8,
    offset: usize,
    limit: u8,
) -> Answer {
    let creds = sim.credentials();
    let fields = format!("\"teleoperator\":{op},\"limit\":{limit},\"offset\":{offset},");
    conn.post(
        &tencent_target(creds, "getcardlist"),
        &signed(creds, &fields),
    )
    .await
}

async fn card_info(conn: &mut Conn, sim: &RunningSimulator, iccid: &str) -> Answer {
    let creds = sim.credentials();
    let fields = format!("\"iccid\":\"{iccid}\",");
    conn.post(
        &tencent_target(creds, "getcardinfo"),
        &signed(creds, &fields),
    )
    .await
}

fn records(a: &Answer) -> Vec<Node> {
    tolerant::read(a)
        .at("data")
        .at("card_brief_infos")
        .items()
        .to_vec()
}

fn entries(a: &Answer) -> Vec<Node> {
    tolerant::read(a).at("data").at("date").items().to_vec()
}

fn leeway(d: Dialect, card: &SimCard) -> Leeway {
    Leeway {
        expiry_hidden: d.hides_product_expiry(card),
        total_hidden: d.hides_data_total(card),
    }
}

fn card_of_record(sim: &RunningSimulator, record: &Node) -> SimCard {
    let iccid = record.at("iccid").str().unwrap();
    let index = sim
        .fleet()
        .index_of_iccid(&iccid)
        .expect("a card of the fleet");
    sim.fleet().card(index).unwrap()
}

/// The same status, and the same values.
fn agree(canon: &Answer, ours: &Answer, leeway: Leeway, what: &str) {
    assert_eq!(ours.status, canon.status, "{what}");
    tolerant::same(&tolerant::read(canon), &tolerant::read(ours), leeway)
        .unwrap_or_else(|e| panic!("{what}: {e}\n ours: {}", tolerant::text(ours)));
}

fn content_type_fits(a: &Answer, d: Dialect) {
    let ct = tolerant::content_type(a);
    if !d.has(Variant::TextHtml) && !d.has(Variant::Gbk) {
        assert_eq!(ct, "application/json; charset=utf-8");
    }
    if !d.has(Variant::TextHtml) {
        assert!(ct.starts_with("application/json"), "{ct}");
    }
}

/// Asks both simulators the same IoTBOS question (the dialect's in pieces
/// of at most its batch limit) and checks every asked card's entry says the
/// same, and that any entry beyond the asked ones is an asked card again
/// (same values) or a card of the fleet that was not asked (its true
/// values), only under `repeated-entries`.
async fn iotbos_agree(
    (canon, cconn, ctoken): (&RunningSimulator, &mut Conn, &str),
    (ours, oconn, otoken): (&RunningSimulator, &mut Conn, &str),
    d: Dialect,
    call: IotbosCall,
    canon_numbers: &[String],
    our_numbers: &[String],
) {
    let c = cconn
        .get(&data_target(call.path(), &refs(canon_numbers), ctoken))
        .await;
    let cnode = tolerant::read(&c);
    let centries = cnode.at("data").at("date").items();
    assert_eq!(centries.len(), canon_numbers.len());
    let piece = d
        .batch_limit()
        .map_or(our_numbers.len(), |k| k as usize)
        .max(1);
    let mut at = 0;
    for part in our_numbers.chunks(piece) {
        let a = oconn
            .get(&data_target(call.path(), &refs(part), otoken))
            .await;
        content_type_fits(&a, d);
        let onode = tolerant::read(&a);
        assert_eq!(onode.at("status").int(), Some(1), "{}", tolerant::text(&a));
        tolerant::same_key(
            cnode.at("createtime"),
            onode.at("createtime"),
            "createtime",
            Leeway::default(),
        )
        .unwrap();
        let got = onode.at("data").at("date").items();
        assert!(got.len() >= part.len(), "{}", tolerant::text(&a));
        for (i, e) in got[..part.len()].iter().enumerate() {
            let asked_alike = canon_numbers[at + i] == part[i];
            let (c, e) = if asked_alike {
                (centries[at + i].clone(), e.clone())
            } else {
                // Asked by another number of the same card: the echo is
                // the number asked, the rest the same.
                let echo = e.at("num").str().unwrap();
                assert!(
                    echo.trim().eq_ignore_ascii_case(&part[i]),
                    "{echo:?} for {}",
                    part[i]
                );
                (
                    tolerant::without(&centries[at + i], "num"),
                    tolerant::without(e, "num"),
                )
            };
            tolerant::same(&c, &e, Leeway::default())
                .unwrap_or_else(|err| panic!("{call:?} {:?}: {err}", part[i]));
        }
        for extra in &got[part.len()..] {
            assert!(
                d.has(Variant::RepeatedEntries),
                "an entry not asked: {extra:?}"
            );
            let num = extra.at("num").str().unwrap();
            let num = num.trim();
            if let Some(i) = part.iter().position(|p| p.eq_ignore_ascii_case(num)) {
                // The same entry again (its echo as the first one's).
                tolerant::same(
                    &tolerant::without(&centries[at + i], "num"),
                    &tolerant::without(extra, "num"),
                    Leeway::default(),
                )
                .unwrap();
                assert!(got[..part.len()].contains(extra), "listed again, otherwise");
                continue;
            }
            let index = ours
                .fleet()
                .index_of_iotbos_number(num, d)
                .unwrap_or_else(|| panic!("an unasked entry {num:?} of no card"));
            assert!(
                !part
                    .iter()
                    .any(|p| ours.fleet().index_of_iotbos_number(p, d) == Some(index)),
                "{num} was asked"
            );
            let msisdn = canon.fleet().card(index).unwrap().number().to_string();
            let alone = cconn
                .get(&data_target(call.path(), &[msisdn.as_str()], ctoken))
                .await;
            let truth = entries(&alone);
            tolerant::same(
                &tolerant::without(&truth[0], "num"),
                &tolerant::without(extra, "num"),
                Leeway::default(),
            )
            .unwrap();
        }
        at += part.len();
    }
}

/// Every answer of the dialect says what the canonical answer says: logins,
/// refusals (the simulator stays strict), every data call, listings (paged
/// on until the canonical page is complete) and card details.
async fn says_the_same(d: Dialect) {
    let canon = start(Dialect::CANONICAL).await;
    let ours = start(d).await;
    let creds = canon.credentials().clone();
    let (mut cc, mut oc) = (iotbos_conn(&canon).await, iotbos_conn(&ours).await);
    let login = login_target(&creds);
    let (cl, ol) = (cc.get(&login).await, oc.get(&login).await);
    content_type_fits(&ol, d);
    agree(&cl, &ol, Leeway::default(), "login");
    let ctoken = log_in(&mut cc, &canon).await;
    let otoken = log_in(&mut oc, &ours).await;
    assert_eq!(ctoken, otoken, "the same tokens in every dialect");
    for target in [
        "/Api/token".to_owned(),
        format!("/Api/token?account={}&password=x", creds.iotbos_account),
        "/Api/TerminalInfo/Exceed?cardIdNums=1".to_owned(),
        "/Api/TerminalInfo/Exceed?cardIdNums=1&accessToken=nope".to_owned(),
        format!("/Api/TerminalInfo/Exceed?accessToken={ctoken}"),
        "/Api/Nothing".to_owned(),
    ] {
        let (c, o) = (cc.get(&target).await, oc.get(&target).await);
        content_type_fits(&o, d);
        agree(&c, &o, Leeway::default(), &target);
    }
    let (c, o) = (
        cc.request(http::Method::POST, &login, b"").await.unwrap(),
        oc.request(http::Method::POST, &login, b"").await.unwrap(),
    );
    agree(&c, &o, Leeway::default(), "POST login");

    let numbers = transcript::sample_numbers(&canon);
    for call in IotbosCall::ALL {
        iotbos_agree(
            (&canon, &mut cc, &ctoken),
            (&ours, &mut oc, &otoken),
            d,
            call,
            &numbers,
            &numbers,
        )
        .await;
    }

    let (mut ct, mut ot) = (tencent_conn(&canon).await, tencent_conn(&ours).await);
    let info = tencent_target(&creds, "getappinfo");
    let (c, o) = (
        ct.post(&info, &signed(&creds, "")).await,
        ot.post(&info, &signed(&creds, "")).await,
    );
    agree(&c, &o, Leeway::default(), "getappinfo");
    for (op, offset) in [(0, 0), (0, 20), (0, 2990), (1, 0), (2, 40), (3, 7)] {
        let c = records(&list_page(&mut ct, &canon, op, offset, 20).await);
        let mut got: Vec<Node> = Vec::new();
        // Entries, not cards, under `repeated-entries`: a card listed
        // twice in a row is taken once.
        let mut next = d.tencent_entry_of(offset as u64) as usize;
        let mut repeats = 0;
        while got.len() < c.len() {
            let rest = u8::try_from(c.len() - got.len()).unwrap();
            let a = list_page(&mut ot, &ours, op, next, rest).await;
            content_type_fits(&a, d);
            let page = records(&a);
            assert!(!page.is_empty(), "the listing ended early at {next}");
            if let Some(k) = d.short_pages() {
                assert!(page.len() <= usize::from(k));
            }
            next += page.len();
            for record in page {
                let iccid = record.at("iccid").str();
                if got
                    .last()
                    .is_some_and(|last| last.at("iccid").str() == iccid)
                {
                    repeats += 1;
                    continue;
                }
                got.push(record);
            }
        }
        assert_eq!(
            repeats > 0,
            d.has(Variant::RepeatedEntries) && c.len() >= 13,
            "page {op} {offset}: {repeats} repeats"
        );
        assert_eq!(got.len(), c.len(), "page {op} {offset}");
        for (c, o) in c.iter().zip(&got) {
            let card = card_of_record(&canon, c);
            tolerant::same(c, o, leeway(d, &card)).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    for card in canon.fleet().cards().step_by(149) {
        let iccid = card.iccid().to_string();
        let (c, o) = (
            card_info(&mut ct, &canon, &iccid).await,
            card_info(&mut ot, &ours, &iccid).await,
        );
        content_type_fits(&o, d);
        agree(&c, &o, leeway(d, &card), &iccid);
    }
    for (command, fields) in [
        ("getcardinfo", "\"iccid\":\"89860000000000000000\","),
        (
            "getcardlist",
            "\"teleoperator\":0,\"limit\":21,\"offset\":0,",
        ),
        ("getcardlist", "\"teleoperator\":0,"),
    ] {
        let target = tencent_target(&creds, command);
        let (c, o) = (
            ct.post(&target, &signed(&creds, fields)).await,
            ot.post(&target, &signed(&creds, fields)).await,
        );
        agree(&c, &o, Leeway::default(), fields);
    }
    let bad = format!(
        "{{\"sig\":\"{}\",\"time\":\"{}\"}}",
        "0".repeat(64),
        common::unix_now()
    );
    let (c, o) = (ct.post(&info, &bad).await, ot.post(&info, &bad).await);
    agree(&c, &o, Leeway::default(), "bad sig");
    let (c, o) = (
        ct.request(http::Method::GET, &info, b"").await.unwrap(),
        ot.request(http::Method::GET, &info, b"").await.unwrap(),
    );
    agree(&c, &o, Leeway::default(), "GET getappinfo");
    // Refused alike: nothing refused beyond what the canonical refused
    // (the pieces fit any batch limit).
    assert_eq!(ours.stats().refusals, canon.stats().refusals);
    canon.shutdown().await;
    ours.shutdown().await;
}

macro_rules! says_the_same {
    ($($name:ident => $dialect:expr,)+) => {
        $(
            #[tokio::test]
            async fn $name() {
                says_the_same($dialect).await;
            }
        )+
    };
}

says_the_same! {
    numbers_as_strings_says_the_same => Dialect::only(Variant::NumbersAsStrings),
    camel_case_keys_say_the_same => Dialect::only(Variant::CamelCaseKeys),
    bom_says_the_same => Dialect::only(Variant::Bom),
    dashed_dates_say_the_same => Dialect::only(Variant::DashedDates),
    text_html_says_the_same => Dialect::only(Variant::TextHtml),
    gbk_says_the_same => Dialect::only(Variant::Gbk),
    lettered_iccids_say_the_same => Dialect::only(Variant::LetteredIccids),
    repeated_entries_say_the_same => Dialect::only(Variant::RepeatedEntries),
    batch_limit_says_the_same => Dialect::only(Variant::BatchLimit),
    short_pages_say_the_same => Dialect::only(Variant::ShortPages),
    expiry_zero_says_the_same => Dialect::only(Variant::ExpiryZero),
    all_at_once_say_the_same => Dialect::all(),
}

// ---- each variant's shape, on the wire ----

/// The short script's answers in `d`, beside the canonical ones.
async fn both_transcripts(d: Dialect) -> Vec<((String, Answer), (String, Answer))> {
    let canon = start(Dialect::CANONICAL).await;
    let ours = start(d).await;
    let c = transcript::short_answers(&canon).await;
    let o = transcript::short_answers(&ours).await;
    assert_eq!(c.len(), o.len());
    c.into_iter().zip(o).collect()
}

fn utf8(a: &Answer) -> &str {
    std::str::from_utf8(&a.body).expect("UTF-8")
}

#[tokio::test]
async fn bom_leads_every_body_and_the_rest_is_canonical() {
    for ((label, c), (_, o)) in both_transcripts(Dialect::only(Variant::Bom)).await {
        assert_eq!(&o.body[..3], b"\xEF\xBB\xBF", "{label}");
        assert_eq!(&o.body[3..], &c.body[..], "{label}");
        assert_eq!(o.headers.get("content-type"), c.headers.get("content-type"));
        assert_eq!(o.status, c.status);
    }
}

#[tokio::test]
async fn text_html_labels_json_as_html_or_plain_text() {
    let mut seen = BTreeSet::new();
    for ((label, c), (_, o)) in both_transcripts(Dialect::only(Variant::TextHtml)).await {
        let ct = tolerant::content_type(&o);
        assert!(
            [
                "text/html; charset=utf-8",
                "text/plain; charset=utf-8",
                "text/html"
            ]
            .contains(&ct.as_str()),
            "{label}: {ct}"
        );
        seen.insert(ct);
        assert_eq!(o.body, c.body, "{label}: the body stays canonical");
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
}

#[tokio::test]
async fn gbk_encodes_chinese_bodies_and_decodes_to_the_same_text() {
    let mut charsets = BTreeSet::new();
    for ((label, c), (_, o)) in both_transcripts(Dialect::only(Variant::Gbk)).await {
        let ct = tolerant::content_type(&o);
        if c.body.is_ascii() {
            assert_eq!(o.body, c.body, "{label}");
            assert_eq!(ct, "application/json; charset=utf-8");
            continue;
        }
        let charset = ct
            .strip_prefix("application/json; charset=")
            .unwrap_or_else(|| panic!("{label}: {ct}"));
        assert!(["GBK", "GB18030"].contains(&charset), "{label}: {ct}");
        charsets.insert(charset.to_owned());
        assert!(
            std::str::from_utf8(&o.body).is_err(),
            "{label}: still UTF-8"
        );
        let encoding = encoding_rs::Encoding::for_label(charset.as_bytes()).unwrap();
        let (text, had_errors) = encoding.decode_without_bom_handling(&o.body);
        assert!(!had_errors, "{label}");
        assert_eq!(text, utf8(&c), "{label}");
    }
    assert_eq!(charsets.len(), 2, "{charsets:?}");
}

#[tokio::test]
async fn gbk_covers_plan_names_states_and_messages() {
    let pairs = both_transcripts(Dialect::only(Variant::Gbk)).await;
    let labels: BTreeSet<&str> = pairs
        .iter()
        .filter(|(_, (_, o))| tolerant::content_type(o).contains("GB"))
        .map(|((l, _), _)| l.as_str())
        .collect();
    for expected in [
        "/Api/TerminalInfo/ReturnOperatorServicePackage",
        "/Api/TerminalInfo/ExpireDate",
        "/Api/TerminalInfo/ReturnState",
        "login-wrong",
        "getappinfo",
        "sig-mismatch",
    ] {
        assert!(
            labels.contains(expected),
            "{expected} not in GBK: {labels:?}"
        );
    }
}

/// Every scalar of a tree with its canonical key name... by walking a
/// canonical and a dialect tree side by side.
fn pairs<'a>(c: &'a Node, o: &'a Node, key: &'a str, out: &mut Vec<(&'a str, &'a Node, &'a Node)>) {
    match (c, o) {
        (Node::Obj(cm), Node::Obj(om)) => {
            for ((k, cv), (_, ov)) in cm.iter().zip(om) {
                pairs(cv, ov, k, out);
            }
        }
        (Node::Arr(ci), Node::Arr(oi)) => {
            for (cv, ov) in ci.iter().zip(oi) {
                pairs(cv, ov, key, out);
            }
        }
        _ => out.push((key, c, o)),
    }
}

#[tokio::test]
async fn numbers_as_strings_quote_integers_and_decimals() {
    let mut seen = BTreeSet::new();
    for ((label, c), (_, o)) in both_transcripts(Dialect::only(Variant::NumbersAsStrings)).await {
        let (cn, on) = (tolerant::read(&c), tolerant::read(&o));
        let mut scalars = Vec::new();
        pairs(&cn, &on, "", &mut scalars);
        for (key, c, o) in scalars {
            let (c, o) = (c.raw(), o.raw());
            if c.starts_with('"') || c == "null" {
                assert_eq!(c, o, "{label} {key}: only numbers change");
                continue;
            }
            if c.contains('.') {
                assert_eq!(
                    o,
                    format!("\"{c}\""),
                    "{label} {key}: a decimal as a string"
                );
                seen.insert(format!("decimal {key}"));
            } else if ["status", "code"].contains(&key) {
                assert_eq!(o, format!("\"{c}\""), "{label} {key}");
                seen.insert(format!("string {key}"));
            } else if o == format!("\"{c}\"") {
                seen.insert(format!("string {key}"));
            } else if key == "DefaultFlow" {
                // An amount written without places: a string, never a float.
                panic!("{label}: DefaultFlow {o}");
            } else {
                assert_eq!(o, format!("{c}.0"), "{label} {key}: an integral float");
                seen.insert(format!("float {key}"));
            }
        }
    }
    for expected in [
        "string status",
        "string code",
        "string State",
        "float State",
        "string ReceivesSmsNum",
        "float ReceivesSmsNum",
        "float ResidualReceivesSms",
        "decimal UseFlow",
        "decimal Cost",
        "string DefaultFlow",
        "string card_status",
        "float teleoperator",
        "decimal data_used_in_period",
        "string product_expired_time",
        "float product_expired_time",
    ] {
        assert!(seen.contains(expected), "never {expected}: {seen:?}");
    }
    // `getappinfo` is one answer: its counts take one of the two styles.
    assert!(seen.contains("string yd_card_cnt") || seen.contains("float yd_card_cnt"));
}

#[tokio::test]
async fn camel_case_keys_change_letter_case_only() {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for ((label, c), (_, o)) in both_transcripts(Dialect::only(Variant::CamelCaseKeys)).await {
        let (cn, on) = (tolerant::read(&c), tolerant::read(&o));
        // The envelope's keys all change (`data` and `date` included).
        for (ck, ok) in cn.keys().into_iter().zip(on.keys()) {
            assert!(ck.eq_ignore_ascii_case(ok), "{label}: {ok} for {ck}");
            assert_ne!(ck, ok, "{label}: {ck} unchanged");
            seen.insert(ok.to_owned());
        }
        if let (Some(Node::Obj(_)), Some(d)) = (cn.get("data"), on.get("data")) {
            for k in d.keys() {
                seen.insert(k.to_owned());
            }
        }
        let items = |n: &Node| -> Vec<Node> {
            let data = n.get("data");
            data.and_then(|d| d.get("date").or(d.get("card_brief_infos")))
                .map(|l| l.items().to_vec())
                .unwrap_or_default()
        };
        // Every entry or record shows another case somewhere.
        for (ce, oe) in items(&cn).iter().zip(&items(&on)) {
            assert!(
                ce.keys() != oe.keys(),
                "{label}: an entry in canonical case: {oe:?}"
            );
            let mut all = Vec::new();
            fn keys<'a>(n: &'a Node, out: &mut Vec<&'a str>) {
                if let Node::Obj(m) = n {
                    for (k, v) in m {
                        out.push(k);
                        keys(v, out);
                    }
                }
            }
            keys(oe, &mut all);
            seen.extend(all.into_iter().map(str::to_owned));
        }
    }
    for expected in [
        "Status",
        "STATUS",
        "Data",
        "DATA",
        "Date",
        "DATE",
        "Createtime",
        "CREATETIME",
        "state",
        "STATE",
        "useFlow",
        "useflow",
        "USEFLOW",
        "receivesSmsNum",
        "NUM",
        "terminalState",
        "expireDate",
        "servicePackage",
        "Code",
        "CODE",
        "Card_Brief_Infos",
        "card_Status",
        "Card_Status",
        "CARD_STATUS",
        "product_Expired_Time",
    ] {
        assert!(seen.contains(expected), "never {expected}: {seen:?}");
    }
}

/// The IoTBOS dates of `text` as written (each `"…"` after a date key).
fn dates(node: &Node, out: &mut Vec<(String, String)>) {
    if let Node::Obj(m) = node {
        for (k, v) in m {
            let lower = k.to_ascii_lowercase();
            if ["createtime", "expirestime", "expiredate"].contains(&lower.as_str()) {
                out.push((lower, v.raw().to_owned()));
            } else {
                dates(v, out);
            }
        }
    } else if let Node::Arr(items) = node {
        for i in items {
            dates(i, out);
        }
    }
}

fn date_form(raw: &str) -> &'static str {
    let t = raw.trim_matches('"');
    let has = |c| t.contains(c);
    match () {
        _ if raw == "null" => "null",
        _ if t.is_empty() => "empty",
        _ if t.starts_with("0001-01-01 ") => "dotnet none",
        _ if t.starts_with("0001-01-01T") => "dotnet T none",
        _ if raw.starts_with("\"\\/Date(") => "\\/Date(ms)\\/",
        _ if t.starts_with("/Date(") => "/Date(ms)/",
        _ if t.ends_with(".0000000") => ".0000000",
        _ if t.ends_with(".000") => "zero millis",
        _ if t.len() > 20 && t.as_bytes()[19] == b'.' => "millis",
        _ if has('T') && has('/') => "slashed T",
        _ if !has(' ') => "date only",
        _ if t.len() == 19 && has('-') => "dashed",
        _ if has('-') => "dashed unpadded",
        _ => "canonical",
    }
}

#[tokio::test]
async fn dashed_dates_take_every_form_and_none_is_empty() {
    let d = Dialect::only(Variant::DashedDates);
    let sim = start(d).await;
    let mut conn = iotbos_conn(&sim).await;
    let token = log_in(&mut conn, &sim).await;
    let mut forms: BTreeSet<(String, &str)> = BTreeSet::new();
    let numbers: Vec<String> = sim
        .fleet()
        .cards()
        .take(150)
        .map(|c| c.number().to_string())
        .collect();
    for chunk in numbers.chunks(10) {
        let a = conn
            .get(&data_target(
                IotbosCall::Expiry.path(),
                &refs(chunk),
                &token,
            ))
            .await;
        let mut found = Vec::new();
        dates(&tolerant::read(&a), &mut found);
        for (key, raw) in found {
            let form = date_form(&raw);
            assert_ne!(form, "canonical", "{key} {raw}");
            if key == "expiredate" {
                assert_ne!(form, "date only", "a date alone would lose 23:59:59: {raw}");
                assert_ne!(form, "null", "none is written as an empty date: {raw}");
                assert_ne!(form, "millis", "a card's date has no milliseconds: {raw}");
            }
            forms.insert((key, form));
        }
    }
    // A date alone is written where it is exact: at midnight.
    let midnight = chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00+08:00").unwrap();
    sim.set_clock(Some(midnight));
    for chunk in numbers.chunks(3) {
        let a = conn
            .get(&data_target(IotbosCall::State.path(), &refs(chunk), &token))
            .await;
        let raw = tolerant::read(&a).at("createtime").raw().to_owned();
        assert_eq!(
            tolerant::instant(raw.trim_matches('"').replace("\\/", "/").as_str())
                .unwrap()
                .0,
            midnight.timestamp(),
            "{raw}"
        );
        forms.insert(("createtime".into(), date_form(&raw)));
    }
    for expected in [
        "dashed unpadded",
        "dashed",
        "slashed T",
        "zero millis",
        ".0000000",
        "\\/Date(ms)\\/",
        "/Date(ms)/",
        "empty",
        "dotnet none",
        "dotnet T none",
    ] {
        assert!(
            forms.contains(&("expiredate".into(), expected)),
            "ExpireDate never {expected}: {forms:?}"
        );
    }
    assert!(
        forms.contains(&("createtime".into(), "date only")),
        "{forms:?}"
    );
    assert!(
        forms.contains(&("createtime".into(), "millis")),
        "{forms:?}"
    );
    // The login's two dates keep the lifetime exact.
    sim.set_clock(None);
    let login = tolerant::read(&conn.get(&login_target(sim.credentials())).await);
    let at = |key: &str, n: &Node| {
        let raw = n.raw().trim_matches('"').replace("\\/", "/");
        tolerant::instant(&raw).unwrap_or_else(|| panic!("{key}: {raw}"))
    };
    let created = at("createtime", login.at("createtime"));
    let expires = at("expiresTime", login.at("data").at("expiresTime"));
    assert_eq!(expires.0 - created.0, 7200);
    assert_eq!(expires.1, created.1, "the same fraction on both");
    sim.shutdown().await;
}

#[tokio::test]
async fn lettered_iccids_are_numbers_clients_can_ask() {
    let d = Dialect::only(Variant::LetteredIccids);
    let (canon, ours) = (start(Dialect::CANONICAL).await, start(d).await);
    let fleet = ours.fleet();
    assert!(fleet
        .iotbos_numbers(Dialect::CANONICAL)
        .eq(fleet.numbers().map(|n| n.to_string())));
    let listed: Vec<String> = fleet.iotbos_numbers(d).collect();
    let lettered = |n: &String| n.bytes().any(|b| b.is_ascii_alphabetic());
    let (twenty, nineteen) = (
        listed
            .iter()
            .filter(|n| lettered(n) && n.len() == 20)
            .count(),
        listed
            .iter()
            .filter(|n| lettered(n) && n.len() == 19)
            .count(),
    );
    assert!(twenty > 600 && nineteen > 150, "{twenty} {nineteen}");
    for (i, n) in listed.iter().enumerate() {
        let card = fleet.card(i as u64).unwrap();
        assert_eq!(&d.iotbos_number(&card), n);
        assert_eq!(fleet.index_of_iotbos_number(n, d), Some(i as u64));
        assert_eq!(
            fleet.index_of_iotbos_number(&n.to_ascii_lowercase(), d),
            Some(i as u64)
        );
        if !lettered(n) {
            assert_eq!(n, card.number().as_str());
        } else if n.len() == 19 {
            // The canonical server knows no 19-character ICCID.
            assert_eq!(fleet.index_of_iotbos_number(n, Dialect::CANONICAL), None);
        }
    }
    // Ask by the lettered numbers (some in lower case) and compare with the
    // canonical answers asked by MSISDN.
    let picks: Vec<u64> = (0..3000)
        .filter(|i| lettered(&listed[*i as usize]))
        .step_by(9)
        .take(60)
        .collect();
    let asked: Vec<String> = picks
        .iter()
        .map(|&i| {
            let n = &listed[i as usize];
            if i % 3 == 0 {
                n.to_ascii_lowercase()
            } else {
                n.clone()
            }
        })
        .collect();
    let msisdns: Vec<String> = picks
        .iter()
        .map(|&i| fleet.card(i).unwrap().number().to_string())
        .collect();
    let (mut cc, mut oc) = (iotbos_conn(&canon).await, iotbos_conn(&ours).await);
    let (ct, ot) = (log_in(&mut cc, &canon).await, log_in(&mut oc, &ours).await);
    let mut echoes = BTreeSet::new();
    for call in IotbosCall::ALL {
        let c = entries(
            &cc.get(&data_target(call.path(), &refs(&msisdns), &ct))
                .await,
        );
        let raw = oc.get(&data_target(call.path(), &refs(&asked), &ot)).await;
        let o = entries(&raw);
        assert_eq!(o.len(), asked.len());
        for ((c, o), asked) in c.iter().zip(&o).zip(&asked) {
            tolerant::same(
                &tolerant::without(c, "num"),
                &tolerant::without(o, "num"),
                Leeway::default(),
            )
            .unwrap();
            let echo = o.at("num").str().unwrap();
            assert!(
                echo.trim().eq_ignore_ascii_case(asked),
                "{echo:?} for {asked}"
            );
            assert_ne!(o.at("State").raw(), "0", "{asked} not found");
            echoes.insert(match (echo.trim() == echo, echo.trim() == asked) {
                (true, true) => "as asked",
                (true, false) => "other case",
                (false, true) => "blanks",
                (false, false) => "other case and a blank",
            });
        }
    }
    assert_eq!(echoes.len(), 4, "{echoes:?}");
    canon.shutdown().await;
    ours.shutdown().await;
}

#[tokio::test]
async fn repeated_entries_list_asked_cards_twice_and_unasked_ones() {
    let d = Dialect::only(Variant::RepeatedEntries);
    let sim = start(d).await;
    let mut conn = iotbos_conn(&sim).await;
    let token = log_in(&mut conn, &sim).await;
    let (mut twice, mut unasked) = (0, 0);
    let numbers: Vec<String> = sim
        .fleet()
        .cards()
        .take(400)
        .map(|c| c.number().to_string())
        .collect();
    for (k, chunk) in numbers.chunks(20).enumerate() {
        let call = IotbosCall::ALL[k % 5];
        let list = entries(
            &conn
                .get(&data_target(call.path(), &refs(chunk), &token))
                .await,
        );
        assert!(list.len() > chunk.len(), "nothing more than asked");
        for extra in &list[chunk.len()..] {
            let num = extra.at("num").str().unwrap();
            match chunk.iter().position(|n| *n == num) {
                Some(i) => {
                    assert_eq!(&list[i], extra, "listed again with other values");
                    twice += 1;
                }
                None => {
                    assert!(sim.fleet().index_of_number(&num).is_some(), "{num}");
                    unasked += 1;
                }
            }
        }
    }
    assert!(twice >= 20 && unasked >= 4, "{twice} {unasked}");
    sim.shutdown().await;
}

#[tokio::test]
async fn batch_limit_refuses_more_than_k_numbers() {
    let d: Dialect = "batch-limit=5".parse().unwrap();
    let sim = start(d).await;
    let mut conn = iotbos_conn(&sim).await;
    let token = log_in(&mut conn, &sim).await;
    let numbers: Vec<String> = sim
        .fleet()
        .cards()
        .take(6)
        .map(|c| c.number().to_string())
        .collect();
    for call in IotbosCall::ALL {
        let refused = conn
            .get(&data_target(call.path(), &refs(&numbers), &token))
            .await;
        let text = utf8(&refused);
        assert!(
            text.starts_with("{\"status\":0,\"info\":\"号码数量超过上限5 "),
            "{text}"
        );
        assert!(text.contains("got 6"), "{text}");
        let taken = conn
            .get(&data_target(call.path(), &refs(&numbers[..5]), &token))
            .await;
        assert_eq!(entries(&taken).len(), 5);
    }
    assert_eq!(sim.stats().refusals.too_many_numbers, 5);
    // The lower of the two limits holds; off, six pass again.
    let tight = transcript::builder()
        .iotbos_max_batch(3)
        .dialect(d)
        .start()
        .await
        .unwrap();
    let mut c2 = iotbos_conn(&tight).await;
    let t2 = log_in(&mut c2, &tight).await;
    let text = c2
        .get(&data_target(
            IotbosCall::Usage.path(),
            &refs(&numbers[..4]),
            &t2,
        ))
        .await;
    assert!(utf8(&text).contains("上限3"), "{}", utf8(&text));
    sim.set_dialect(Dialect::CANONICAL).unwrap();
    let all = conn
        .get(&data_target(
            IotbosCall::Usage.path(),
            &refs(&numbers),
            &token,
        ))
        .await;
    assert_eq!(entries(&all).len(), 6);
    sim.shutdown().await;
    tight.shutdown().await;
}

#[tokio::test]
async fn short_pages_hold_k_cards_and_the_listing_goes_on() {
    let d: Dialect = "short-pages=7".parse().unwrap();
    let sim = start(d).await;
    let mut conn = tencent_conn(&sim).await;
    for op in [0u8, 2] {
        let operator = [None, None, Some(iotcard_model::Operator::ChinaTelecom)][usize::from(op)];
        let expected: Vec<String> = sim
            .fleet()
            .list(operator, 0, u64::MAX)
            .iter()
            .map(|c| c.iccid().to_string())
            .collect();
        let mut listed = Vec::new();
        let mut pages = 0;
        loop {
            let raw = list_page(&mut conn, &sim, op, listed.len(), 20).await;
            let page = records(&raw);
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 7);
            if listed.len() + 7 <= expected.len() {
                assert_eq!(page.len(), 7, "a page shorter than K before the end");
            }
            listed.extend(page.iter().map(|r| r.at("iccid").str().unwrap()));
            pages += 1;
        }
        assert_eq!(listed, expected, "every card once, in order");
        assert_eq!(pages, expected.len().div_ceil(7));
    }
    assert_eq!(records(&list_page(&mut conn, &sim, 0, 0, 3).await).len(), 3);
    sim.shutdown().await;
}

#[tokio::test]
async fn expiry_zero_blanks_expiries_of_cards_without_one() {
    let d = Dialect::only(Variant::ExpiryZero);
    let sim = start(d).await;
    let mut conn = tencent_conn(&sim).await;
    let mut forms = BTreeSet::new();
    for card in sim.fleet().cards().step_by(7) {
        let a = card_info(&mut conn, &sim, card.iccid().as_str()).await;
        let data = tolerant::read(&a);
        let data = data.at("data");
        let raw = data.at("product_expired_time").raw().to_owned();
        let secs = card.product_expired_at().timestamp();
        assert_eq!(
            d.hides_product_expiry(&card),
            card.expiry().expires_at.is_none()
        );
        if d.hides_product_expiry(&card) {
            assert!(["0", "null", "\"\""].contains(&raw.as_str()), "{raw}");
            forms.insert(raw);
        } else if raw == (secs * 1000).to_string() {
            assert!(secs * 1000 > 100_000_000_000);
            forms.insert("ms".into());
        } else {
            assert_eq!(raw, secs.to_string());
            forms.insert("s".into());
        }
        let total = data.at("data_total_in_period").raw();
        assert_eq!(total == "null", card.tencent_codes().kind == 2, "{total}");
        assert_eq!(d.hides_data_total(&card), total == "null");
    }
    assert_eq!(forms.len(), 5, "{forms:?}");
    let mut offset = 0;
    let mut pooled = 0;
    while offset < 400 {
        for r in records(&list_page(&mut conn, &sim, 0, offset, 20).await) {
            let card = card_of_record(&sim, &r);
            assert_eq!(
                r.at("data_total_in_period").raw() == "null",
                d.hides_data_total(&card)
            );
            pooled += usize::from(d.hides_data_total(&card));
        }
        offset += 20;
    }
    assert!(pooled > 0);
    sim.shutdown().await;
}

// ---- off means canonical, byte for byte ----

fn golden_short() -> String {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/canonical-short.txt");
    std::fs::read_to_string(path).unwrap()
}

#[tokio::test]
async fn a_dialect_switched_off_serves_the_canonical_bytes_again() {
    let sim = start(Dialect::all()).await;
    assert_eq!(sim.dialect(), Dialect::all());
    let changed = transcript::short(&sim).await.join("\n") + "\n";
    assert_ne!(changed, golden_short());
    sim.set_dialect(Dialect::CANONICAL).unwrap();
    assert!(sim.dialect().is_canonical());
    // Every answer but the login's (whose token is the next one) is the
    // recorded canonical one again.
    let again = transcript::short(&sim).await;
    let golden = golden_short();
    for (ours, recorded) in again.iter().zip(golden.lines()) {
        if !ours.starts_with("login\t") {
            assert_eq!(ours, recorded);
        }
    }
    assert_eq!(again.len(), golden.lines().count());
    // The simulator's tokens moved on: compare from a fresh one.
    let fresh = start(Dialect::all()).await;
    fresh.set_dialect(Dialect::CANONICAL).unwrap();
    let text = transcript::short(&fresh).await.join("\n") + "\n";
    assert_eq!(text, golden_short());
    let digest = transcript::long_digest(&fresh).await;
    let golden = std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden/canonical-long.sha256"),
    )
    .unwrap();
    assert_eq!(format!("{digest}\n"), golden);
    // An explicit canonical dialect is the default.
    let explicit = start(Dialect::canonical()).await;
    assert_eq!(
        transcript::short(&explicit).await.join("\n") + "\n",
        golden_short()
    );
    for s in [sim, fresh, explicit] {
        s.shutdown().await;
    }
}

#[tokio::test]
async fn a_bad_k_is_refused_and_changes_nothing() {
    let sim = start(Dialect::only(Variant::Bom)).await;
    assert!(sim
        .set_dialect(Dialect::CANONICAL.with_short_pages(20))
        .is_err());
    assert!(sim
        .set_dialect(Dialect::CANONICAL.with_batch_limit(0))
        .is_err());
    assert_eq!(sim.dialect(), Dialect::only(Variant::Bom));
    let err = transcript::builder()
        .dialect(Dialect::CANONICAL.with_short_pages(0))
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("short-pages"), "{err}");
    sim.shutdown().await;
}

#[tokio::test]
async fn every_dialect_answers_alike_twice() {
    let (a, b) = (start(Dialect::all()).await, start(Dialect::all()).await);
    let (ta, tb) = (
        transcript::short_answers(&a).await,
        transcript::short_answers(&b).await,
    );
    for ((label, x), (_, y)) in ta.iter().zip(&tb) {
        assert_eq!(x.body, y.body, "{label}");
        assert_eq!(
            x.headers.get("content-type"),
            y.headers.get("content-type"),
            "{label}"
        );
    }
}

// ---- any mixture, drawn ----

/// Any set of variants, any K, any cards asked by any of their numbers:
/// the answers say what the canonical ones say.
#[test]
fn any_mixture_of_variants_says_the_same() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (canon, ours) = rt.block_on(async {
        (
            start(Dialect::CANONICAL).await,
            start(Dialect::CANONICAL).await,
        )
    });
    let (cc, oc, ct, ot, ctoken, otoken) = rt.block_on(async {
        let mut cc = iotbos_conn(&canon).await;
        let mut oc = iotbos_conn(&ours).await;
        let ctoken = log_in(&mut cc, &canon).await;
        let otoken = log_in(&mut oc, &ours).await;
        (
            cc,
            oc,
            tencent_conn(&canon).await,
            tencent_conn(&ours).await,
            ctoken,
            otoken,
        )
    });
    // The runner's closure is `Fn`: the connections are borrowed per case.
    let conns = std::cell::RefCell::new((cc, oc, ct, ot));
    let mut runner = TestRunner::new(Config {
        cases: 40,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        0u16..(1 << 11),
        1u32..12,
        1u8..20,
        0usize..5,
        proptest::collection::vec((0u64..3000, 0u8..3), 1..16),
    );
    runner
        .run(&strategy, |(flags, k, pages, call, picks)| {
            let mut d = Dialect::CANONICAL;
            for (i, v) in Variant::ALL.into_iter().enumerate() {
                if flags & (1 << i) != 0 {
                    d = d.with(v);
                }
            }
            if d.has(Variant::BatchLimit) {
                d = d.with_batch_limit(k);
            }
            if d.has(Variant::ShortPages) {
                d = d.with_short_pages(pages);
            }
            ours.set_dialect(d).unwrap();
            let fleet = canon.fleet();
            let canon_numbers: Vec<String> = picks
                .iter()
                .map(|&(i, _)| fleet.card(i).unwrap().number().to_string())
                .collect();
            let our_numbers: Vec<String> = picks
                .iter()
                .map(|&(i, how)| match how {
                    0 => fleet.card(i).unwrap().number().to_string(),
                    1 => fleet.iotbos_number(i, d).unwrap(),
                    _ => fleet.iotbos_number(i, d).unwrap().to_ascii_lowercase(),
                })
                .collect();
            let mut guard = conns.borrow_mut();
            let (cc, oc, ct, ot) = &mut *guard;
            rt.block_on(async {
                iotbos_agree(
                    (&canon, cc, &ctoken),
                    (&ours, oc, &otoken),
                    d,
                    IotbosCall::ALL[call],
                    &canon_numbers,
                    &our_numbers,
                )
                .await;
                let card = fleet.card(picks[0].0).unwrap();
                let iccid = card.iccid().to_string();
                let (c, o) = (
                    card_info(ct, &canon, &iccid).await,
                    card_info(ot, &ours, &iccid).await,
                );
                agree(&c, &o, leeway(d, &card), &iccid);
                let offset = picks[0].0 as usize;
                let c = records(&list_page(ct, &canon, 0, offset, 20).await);
                // Under `repeated-entries` the page starts at the card's
                // first entry, and a repeat (twice in a row) is taken once.
                let entry = d.tencent_entry_of(offset as u64) as usize;
                let page = records(&list_page(ot, &ours, 0, entry, 20).await);
                let shown = d.short_pages().map_or(20, usize::from);
                // Entries in all: every card's, and one per run of 13.
                let entries = d.tencent_entry_of(fleet.len()) as usize;
                prop_assert_eq!(page.len(), shown.min(entries - entry));
                let mut o: Vec<Node> = Vec::new();
                for record in page {
                    let iccid = record.at("iccid").str();
                    if o.last().is_none_or(|last| last.at("iccid").str() != iccid) {
                        o.push(record);
                    }
                }
                for (c, o) in c.iter().zip(&o) {
                    let card = card_of_record(&canon, c);
                    tolerant::same(c, o, leeway(d, &card)).map_err(TestCaseError::fail)?;
                }
                Ok(())
            })
        })
        .unwrap();
    rt.block_on(async {
        canon.shutdown().await;
        ours.shutdown().await;
    });
}
