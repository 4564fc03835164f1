//! Jobs written once, generic over [`CardPlatform`], as a user of the
//! neutral trait writes them.

use futures::StreamExt;
use iotcard_facade::{CardPlatform, CardReport, CardSnapshot, ModelError};

/// Reads every card of `texts` as `platform` takes them: the first that
/// cannot be valid refuses the whole list, before anything is sent.
pub fn parse_all<P: CardPlatform>(
    platform: &P,
    texts: &[impl AsRef<str>],
) -> Result<Vec<P::Card>, ModelError> {
    texts
        .iter()
        .map(|t| platform.parse_card(t.as_ref()))
        .collect()
}

/// Every card of `texts` read as `platform` takes them, then their
/// snapshots streamed: one report per card asked, in the order asked.
pub async fn snapshots<P: CardPlatform>(
    platform: &P,
    texts: &[impl AsRef<str>],
) -> Result<Vec<CardReport<P::Card, CardSnapshot>>, ModelError> {
    let cards = parse_all(platform, texts)?;
    Ok(platform.snapshot_stream(cards).collect().await)
}
