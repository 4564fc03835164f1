//! Building Tencent requests: the signature alone, and a whole signed
//! `getcardinfo` and `getcardlist` request.
//!
//! `cargo bench -p tencent-proto --bench build`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use iotcard_model::{Iccid, Secret};
use sha2::{Digest, Sha256};
use tencent_proto::{sign, Api, CardListQuery, Credentials, Endpoint, Random, SdkAppId};

/// `secs` after the Unix epoch, as the request builders take time.
fn at(secs: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)
}

/// The spec's example account.
fn credentials() -> Credentials {
    let sdkappid: SdkAppId = "1400009099".parse().expect("the spec's sdkappid");
    Credentials::new(sdkappid, Secret::new("dffdfd6029698a5fdf4")).expect("a non-empty appkey")
}

fn signature(c: &mut Criterion) {
    let credentials = credentials();
    let mut group = c.benchmark_group("tencent_sign");
    group.bench_function("iotcard", |b| {
        b.iter(|| {
            sign(
                credentials.appkey(),
                credentials.sdkappid(),
                black_box(1_505_812_393),
            )
        })
    });
    // What a quick client writes: format the text, hash it, hex it.
    group.bench_function("format_baseline", |b| {
        b.iter(|| {
            let text = format!(
                "appkey={}&sdkappid={}&time={}",
                credentials.appkey().expose(),
                credentials.sdkappid(),
                black_box(1_505_812_393u64)
            );
            hex::encode(Sha256::digest(text.as_bytes()))
        })
    });
    group.finish();
}

fn requests(c: &mut Criterion) {
    let api = Api::new(Endpoint::default(), credentials());
    let iccid: Iccid = "898602B7091701054333".parse().expect("the spec's ICCID");
    let random = Random::new(4242).expect("a positive random");
    let query = CardListQuery::default();
    let mut group = c.benchmark_group("tencent_request");
    group.bench_function("card_info", |b| {
        b.iter(|| api.card_info(black_box(&iccid), at(black_box(1_505_812_393)), random))
    });
    group.bench_function("card_list", |b| {
        b.iter(|| api.card_list(black_box(&query), at(black_box(1_505_812_393)), random))
    });
    group.finish();
}

criterion_group!(build, signature, requests);
criterion_main!(build);
