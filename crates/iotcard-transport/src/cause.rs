//! The causes below a [`TransportError`](crate::TransportError), one message per level.
//!
//! What hyper and hyper-util hand us is a chain with two flaws for anyone printing it by
//! walking `source()` (anyhow's `{:#}`, a log line of the whole chain):
//!
//! - some links say nothing: hyper-util's `client error (Connect)` only repeats which of our
//!   variants this is, and a link can repeat the one above it;
//! - a `std::io::Error` wrapping another error shows that error's text but hands out its
//!   *source* as its own, so the wrapped error itself (a `rustls::Error` say) is not a link
//!   of the chain at all.
//!
//! A [`Cause`] owns the whole original error and presents only the links worth a line,
//! looking inside `io::Error` wrappers ([`chain`]); its `source()` is the next such link.
//! `Debug` shows the underlying error's own `Debug`, for whoever digs.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use crate::error::BoxError;

type Shared = Arc<dyn Error + Send + Sync + 'static>;

/// One link of an error chain, and the links worth showing below it.
pub(crate) struct Cause {
    root: Shared,
    /// Which link of `chain(root)` this is.
    depth: usize,
    next: Option<Box<Cause>>,
}

impl Cause {
    /// The links of `error` that say something not already said by `above` (the message of
    /// the error that will hold this cause) or by the link shown before them.
    ///
    /// When no link qualifies, the innermost one is kept anyway: a source that repeats a
    /// little beats losing the root cause.
    pub(crate) fn below(error: impl Into<BoxError>, above: &str) -> BoxError {
        let root: Shared = Arc::from(error.into());
        let messages: Vec<String> = chain(&*root).map(|link| link.to_string()).collect();
        let mut kept: Vec<usize> = Vec::new();
        let mut previous = above.to_owned();
        for (depth, (message, link)) in messages.iter().zip(chain(&*root)).enumerate() {
            if says_something(message, link, &previous) {
                kept.push(depth);
                previous.clone_from(message);
            }
        }
        if kept.is_empty() {
            kept.push(messages.len().saturating_sub(1));
        }
        let mut next: Option<Box<Cause>> = None;
        for depth in kept.into_iter().rev() {
            next = Some(Box::new(Cause {
                root: Arc::clone(&root),
                depth,
                next,
            }));
        }
        match next {
            Some(cause) => cause,
            // `kept` is never empty; this only keeps the function total.
            None => Box::new(Cause {
                root,
                depth: 0,
                next: None,
            }),
        }
    }

    fn link(&self) -> &(dyn Error + 'static) {
        // `depth` was taken from this very chain, so the fallback is never used.
        chain(&*self.root)
            .nth(self.depth)
            .unwrap_or(&*self.root as &(dyn Error + 'static))
    }
}

/// Whether `link`, printing `message`, adds something below a link that printed `previous`.
fn says_something(message: &str, link: &(dyn Error + 'static), previous: &str) -> bool {
    let message = message.trim();
    !message.is_empty()
        // "client error (Connect)" and the like: the variant again, nothing more.
        && link
            .downcast_ref::<hyper_util::client::legacy::Error>()
            .is_none()
        && !previous.contains(message)
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.link(), f)
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.link(), f)
    }
}

impl Error for Cause {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.next
            .as_deref()
            .map(|next| next as &(dyn Error + 'static))
    }
}

/// `error` and its causes, outermost first, looking inside `std::io::Error` wrappers.
pub(crate) fn chain<'a>(
    error: &'a (dyn Error + 'static),
) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    let mut next = Some(error);
    // A cycle cannot happen with owned sources, but a bound keeps a buggy one from hanging us.
    let mut budget = 32;
    std::iter::from_fn(move || {
        let current = next?;
        budget -= 1;
        next = if budget == 0 {
            None
        } else if let Some(inner) = current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner as &(dyn Error + 'static))
        } else {
            current.source()
        };
        Some(current)
    })
}

/// The first error of type `E` in `error`'s chain, looking inside `io::Error` wrappers.
pub(crate) fn find<'a, E: Error + 'static>(error: &'a (dyn Error + 'static)) -> Option<&'a E> {
    chain(error).find_map(|cause| cause.downcast_ref::<E>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("outer layer")
        }
    }
    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    fn messages(error: &(dyn Error + 'static)) -> Vec<String> {
        let mut out = vec![error.to_string()];
        let mut at = error.source();
        while let Some(cause) = at {
            out.push(cause.to_string());
            at = cause.source();
        }
        out
    }

    #[test]
    fn chain_looks_inside_io_errors() {
        let rustls_error =
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let wrapped = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls_error,
        ));
        assert!(find::<rustls::Error>(&wrapped).is_some());
        // `source()` alone never reaches it.
        assert!(std::error::Error::source(&wrapped)
            .and_then(|s| s.downcast_ref::<rustls::Error>())
            .is_none());
    }

    #[test]
    fn repeats_are_dropped_and_the_root_kept() {
        // outer layer -> io (text of its inner) -> inner io (same text) -> nothing
        let inner = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "peer reset");
        let error = Outer(std::io::Error::other(inner));
        let cause = Cause::below(error, "exchange with http://h/ failed");
        assert_eq!(messages(&*cause), ["outer layer", "peer reset"]);
        // Already said above: dropped, down to the one link that adds something.
        let cause = Cause::below(
            Outer(std::io::Error::other("peer reset")),
            "outer layer said",
        );
        assert_eq!(messages(&*cause), ["peer reset"]);
        // Nothing new at all: the innermost link is kept rather than nothing.
        let cause = Cause::below(std::io::Error::other("said"), "said already");
        assert_eq!(messages(&*cause), ["said"]);
    }

    #[test]
    fn debug_is_the_underlying_errors() {
        let cause = Cause::below(
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
            "x",
        );
        assert!(
            format!("{cause:?}").contains("ConnectionRefused"),
            "{cause:?}"
        );
    }
}
