//! Errors as a user's chain printer shows them: Display is one level now,
//! so the provider's and the transport's words are further down, in
//! [`source()`](std::error::Error::source).

use std::error::Error;

/// `error` and every cause below it, joined with `": "` (what `anyhow`'s
/// `{:#}` prints).
///
/// ```
/// let io = std::io::Error::other("disk on fire");
/// assert_eq!(iotcard_tests::errors::chain(&io), "disk on fire");
/// ```
pub fn chain(error: &dyn Error) -> String {
    levels(error).join(": ")
}

/// The Display of `error` and of each cause, outermost first.
pub fn levels(error: &dyn Error) -> Vec<String> {
    let mut out = vec![error.to_string()];
    let mut next = error.source();
    while let Some(cause) = next {
        out.push(cause.to_string());
        next = cause.source();
    }
    out
}

/// Panics unless no level of `error`'s chain repeats the level below it (an
/// error that prints its cause *and* returns it from `source()` shows the
/// cause twice in every chain printer).
pub fn assert_each_level_once(error: &dyn Error) {
    let levels = levels(error);
    for pair in levels.windows(2) {
        assert!(
            pair[1].is_empty() || !pair[0].contains(&pair[1]),
            "{:?} repeats its cause {:?} (chain: {levels:?})",
            pair[0],
            pair[1]
        );
    }
}
