//! Sans-IO protocol for the IoTBOS IoT card platform (work in progress:
//! the request builders and parsers follow).
#![deny(missing_docs)]

mod redact;

pub use redact::{redact_query, redact_text, redact_uri, RedactedQuery, RedactedUri, REDACTED};
