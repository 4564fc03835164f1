use std::fmt;

use rand_core::RngCore;

use crate::TencentError;

/// The `random` query parameter: a positive integer, written without leading
/// zeros (the spec: 随机整数，不要添加零前缀).
///
/// Kept within 32 bits: Tencent's own SDKs send small values, and a server
/// that reads `random` into a 32-bit integer must not see an overflow.
///
/// ```
/// use tencent_proto::Random;
/// assert_eq!(Random::new(7)?.to_string(), "7");
/// assert!(Random::new(0).is_err());
/// # Ok::<(), tencent_proto::TencentError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Random(u32);

impl Random {
    /// The smallest value [`Random::generate`] draws: the first 10-digit number.
    pub const GENERATED_MIN: u32 = 1_000_000_000;
    /// The largest value [`Random::generate`] draws.
    pub const GENERATED_MAX: u32 = u32::MAX;

    /// Takes a caller-chosen value; 0 and values beyond 32 bits are refused.
    pub fn new(value: u64) -> Result<Self, TencentError> {
        match u32::try_from(value) {
            Ok(v) if v > 0 => Ok(Self(v)),
            _ => Err(TencentError::InvalidRandom { value }),
        }
    }

    /// Draws a 10-digit value (so it never starts with 0) from any random
    /// source, uniformly in [`Random::GENERATED_MIN`]`..=`[`Random::GENERATED_MAX`].
    pub fn generate<R: RngCore + ?Sized>(rng: &mut R) -> Self {
        let span = u64::from(Self::GENERATED_MAX - Self::GENERATED_MIN) + 1;
        // Rejection sampling: the top of the u64 range that does not fill a
        // whole `span` is redrawn, so every value is equally likely.
        let zone = u64::MAX - (u64::MAX % span) - 1;
        loop {
            let draw = rng.next_u64();
            if draw <= zone {
                let offset = u32::try_from(draw % span).unwrap_or(0);
                return Self(Self::GENERATED_MIN + offset);
            }
        }
    }

    /// The value.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Random {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays fixed draws, so the test knows what `generate` saw.
    struct Scripted(Vec<u64>);

    impl RngCore for Scripted {
        fn next_u32(&mut self) -> u32 {
            self.next_u64() as u32
        }
        fn next_u64(&mut self) -> u64 {
            self.0.remove(0)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for chunk in dest.chunks_mut(8) {
                let bytes = self.next_u64().to_le_bytes();
                chunk.copy_from_slice(&bytes[..chunk.len()]);
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    #[test]
    fn generated_values_have_ten_digits_and_no_leading_zero() {
        let span = u64::from(Random::GENERATED_MAX - Random::GENERATED_MIN) + 1;
        let mut rng = Scripted(vec![0, span - 1, span, 12_345]);
        let drawn: Vec<u32> = (0..4).map(|_| Random::generate(&mut rng).get()).collect();
        assert_eq!(
            drawn,
            vec![
                Random::GENERATED_MIN,
                Random::GENERATED_MAX,
                Random::GENERATED_MIN,
                Random::GENERATED_MIN + 12_345,
            ]
        );
        for v in drawn {
            let text = Random(v).to_string();
            assert_eq!(text.len(), 10, "{text}");
            assert!(!text.starts_with('0'));
        }
    }

    #[test]
    fn draws_in_the_biased_tail_are_redrawn() {
        let mut rng = Scripted(vec![u64::MAX, 5]);
        assert_eq!(Random::generate(&mut rng).get(), Random::GENERATED_MIN + 5);
    }

    #[test]
    fn zero_and_oversized_values_refused() {
        assert!(matches!(
            Random::new(0),
            Err(TencentError::InvalidRandom { value: 0 })
        ));
        assert!(Random::new(u64::from(u32::MAX) + 1).is_err());
        assert_eq!(Random::new(u64::from(u32::MAX)).unwrap().get(), u32::MAX);
    }
}
