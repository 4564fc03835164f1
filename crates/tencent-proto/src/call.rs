use std::fmt;

/// The platform's commands (命令字), each one path segment of the request line.
///
/// ```
/// use tencent_proto::Call;
/// assert_eq!(Call::GetCardList.path(), "/v1/iotcard/getcardlist");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Call {
    /// `getappinfo`: the account's name, description and card counts.
    GetAppInfo,
    /// `getcardlist`: one page of the account's cards.
    GetCardList,
    /// `getcardinfo`: one card, with its product and pool.
    GetCardInfo,
}

impl Call {
    /// Every command the spec documents.
    pub const ALL: [Call; 3] = [Call::GetAppInfo, Call::GetCardList, Call::GetCardInfo];

    /// The command word as it appears in the path (`getcardlist`).
    pub fn name(self) -> &'static str {
        match self {
            Call::GetAppInfo => "getappinfo",
            Call::GetCardList => "getcardlist",
            Call::GetCardInfo => "getcardinfo",
        }
    }

    /// The version segment (版本号); `v1` for every documented command.
    pub fn version(self) -> &'static str {
        "v1"
    }

    /// The request path, `/{version}/iotcard/{command}`, below the base URL.
    pub fn path(self) -> &'static str {
        match self {
            Call::GetAppInfo => "/v1/iotcard/getappinfo",
            Call::GetCardList => "/v1/iotcard/getcardlist",
            Call::GetCardInfo => "/v1/iotcard/getcardinfo",
        }
    }
}

impl Call {
    /// The call served at `path` (below the base URL), for servers and
    /// simulators; matched exactly.
    ///
    /// ```
    /// use tencent_proto::Call;
    /// assert_eq!(Call::from_path("/v1/iotcard/getappinfo"), Some(Call::GetAppInfo));
    /// assert_eq!(Call::from_path("/v1/iotcard/nothing"), None);
    /// ```
    pub fn from_path(path: &str) -> Option<Call> {
        Call::ALL.into_iter().find(|call| call.path() == path)
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
    fn paths_are_version_and_name() {
        for call in Call::ALL {
            assert_eq!(
                call.path(),
                format!("/{}/iotcard/{}", call.version(), call.name())
            );
        }
    }
}
