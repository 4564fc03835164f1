use http::StatusCode;

/// An answer as a platform handler decides it, before faults shape how it
/// is sent.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    /// JSON, always (the platforms answer JSON even to refusals).
    pub(crate) body: Vec<u8>,
    /// The `Allow` header of a 405.
    pub(crate) allow: Option<&'static str>,
}

impl Reply {
    pub(crate) fn ok(body: Vec<u8>) -> Self {
        Self {
            status: StatusCode::OK,
            body,
            allow: None,
        }
    }
}
