//! Which platform a listener serves: read by the listener loop and by each
//! request, so it sits apart from both.

/// Which platform a listener serves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Platform {
    Iotbos,
    Tencent,
}

impl Platform {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Platform::Iotbos => "IoTBOS",
            Platform::Tencent => "Tencent",
        }
    }
}
