use std::fmt;

/// The five IoTBOS data calls. Each takes a batch of card numbers and an
/// access token, and answers per card.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Call {
    /// Usage this month (`/Api/TerminalInfo/Exceed`).
    Usage,
    /// What is left this month (`/Api/TerminalInfo/Surplus`).
    Remaining,
    /// When the card expires, with its status (`/Api/TerminalInfo/ExpireDate`).
    Expiry,
    /// The card's current status (`/Api/TerminalInfo/ReturnState`).
    State,
    /// The card's tariff (`/Api/TerminalInfo/ReturnOperatorServicePackage`).
    Plan,
}

/// The login path (`/Api/token`; the PDF's `/Api/ token` is an extraction
/// artifact).
pub const LOGIN_PATH: &str = "/Api/token";

impl Call {
    /// Every data call.
    pub const ALL: [Call; 5] = [
        Call::Usage,
        Call::Remaining,
        Call::Expiry,
        Call::State,
        Call::Plan,
    ];

    /// The request path, below the base URL.
    pub fn path(self) -> &'static str {
        match self {
            Call::Usage => "/Api/TerminalInfo/Exceed",
            Call::Remaining => "/Api/TerminalInfo/Surplus",
            Call::Expiry => "/Api/TerminalInfo/ExpireDate",
            Call::State => "/Api/TerminalInfo/ReturnState",
            Call::Plan => "/Api/TerminalInfo/ReturnOperatorServicePackage",
        }
    }

    /// The name used in logs and errors: `usage`, `remaining`, `expiry`,
    /// `state`, `plan`.
    pub fn name(self) -> &'static str {
        match self {
            Call::Usage => "usage",
            Call::Remaining => "remaining",
            Call::Expiry => "expiry",
            Call::State => "state",
            Call::Plan => "plan",
        }
    }

    /// The call served at `path` (below the base URL), for servers and
    /// simulators.
    ///
    /// Matched ignoring ASCII case, because that is how IoTBOS routes: it is
    /// ASP.NET on IIS, whose routing table compares paths case-insensitively
    /// (and IIS's file system beneath it is case-insensitive too), so
    /// `/api/terminalinfo/surplus` reaches the same action as the
    /// documented `/Api/TerminalInfo/Surplus`. A simulator that wants to
    /// answer as the real server does must do the same. Nothing else is
    /// normalised: a trailing slash or an extra segment is another path.
    ///
    /// ```
    /// use iotbos_proto::Call;
    /// assert_eq!(Call::from_path("/api/terminalinfo/surplus"), Some(Call::Remaining));
    /// assert_eq!(Call::from_path("/Api/token"), None);
    /// ```
    pub fn from_path(path: &str) -> Option<Call> {
        Call::ALL
            .into_iter()
            .find(|call| call.path().eq_ignore_ascii_case(path))
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_names_are_distinct_and_found_back() {
        for call in Call::ALL {
            assert_eq!(Call::from_path(call.path()), Some(call));
            assert_eq!(Call::from_path(&call.path().to_uppercase()), Some(call));
            let same_name = Call::ALL.iter().filter(|c| c.name() == call.name()).count();
            assert_eq!(same_name, 1);
        }
        assert_eq!(Call::from_path(LOGIN_PATH), None);
        assert_eq!(Call::from_path("/Api/TerminalInfo/Exceed/"), None);
    }
}
