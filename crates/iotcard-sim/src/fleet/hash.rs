//! The fleet's source of variety: a keyed 64-bit mixer (SplitMix64's
//! finalizer). Every property of a card is a pure function of the seed and
//! the card's index, which is what lets a card be recomputed on demand.

/// Mixes 64 bits into 64 well-spread bits.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The root of every hash of card `index` under `seed`.
pub(crate) fn card_root(seed: u64, index: u64) -> u64 {
    mix(seed ^ mix(index))
}

/// The independent stream `lane` of a card's hashes, from its root.
pub(crate) fn lane(root: u64, lane: u64) -> u64 {
    mix(root ^ lane.wrapping_mul(0xD6E8_FEB8_6659_FD93))
}
