//! Reading the JSON that IoT card platforms really send: liberally in form,
//! exactly in value.
//!
//! The providers' documents show one spelling of each answer; their servers
//! send others. This crate holds what both protocol crates need to read
//! them all the same way (the decisions are in the specs' README, "What
//! real servers may do"):
//!
//! - [`decode`]: a body as text, past a UTF-8 BOM, transcoded from GBK or
//!   GB18030 when its `charset` says so;
//! - [`Object`]: a JSON object whose field names match regardless of
//!   letter case (`State`/`state`), values kept raw until asked for;
//! - [`integer`], [`decimal`], [`text`], [`boolean`]: a JSON number, a
//!   numeric string or an integral float (`6.0`) alike; decimals keep their
//!   digits (`1.00` stays `1.00`), never through `f64`;
//! - [`china_date`]: `/` or `-`, unpadded, `T`, fractions, a date alone,
//!   `/Date(ms)/`; `""`, `null` and `0001-01-01` are no date;
//! - [`snippet`]: a short, redacted, one-line piece of an answer for an
//!   error message.
//!
//! Nothing here does I/O, reads a clock or allocates more than the answer
//! needs.
//!
//! ```
//! use iotcard_wire::{decode, integer, Object};
//!
//! let body = b"\xEF\xBB\xBF{\"Status\":\"1\",\"data\":{\"State\":6.0}}";
//! let text = decode(Some("text/html; charset=utf-8"), body)?;
//! let answer = Object::parse(&text)?;
//! assert_eq!(integer(answer.get("status").unwrap())?, Some(1));
//! let data = Object::parse(answer.get("DATA").unwrap().get())?;
//! assert_eq!(integer(data.get("state").unwrap())?, Some(6));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod body;
mod date;
mod object;
mod scalar;
mod snippet;

pub use body::{charset, decode, BodyError};
pub use date::{china_date, date_value, DateError};
pub use object::Object;
pub use scalar::{boolean, decimal, integer, text, ValueError};
pub use snippet::{snippet, SNIPPET_CHARS};

/// Re-exported so that callers name the same `RawValue` the readers take.
pub use serde_json::value::RawValue;
