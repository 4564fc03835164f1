use std::fmt;

/// The platform's commands (命令字), each one path segment of the request line.
///
/// ```
/// use tencent_proto::Command;
/// assert_eq!(Command::GetCardList.path(), "/v1/iotcard/getcardlist");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Command {
    /// `getappinfo`: the account's name, description and card counts.
    GetAppInfo,
    /// `getcardlist`: one page of the account's cards.
    GetCardList,
    /// `getcardinfo`: one card, with its product and pool.
    GetCardInfo,
}

impl Command {
    /// Every command the spec documents.
    pub const ALL: [Command; 3] = [
        Command::GetAppInfo,
        Command::GetCardList,
        Command::GetCardInfo,
    ];

    /// The command word as it appears in the path (`getcardlist`).
    pub fn name(self) -> &'static str {
        match self {
            Command::GetAppInfo => "getappinfo",
            Command::GetCardList => "getcardlist",
            Command::GetCardInfo => "getcardinfo",
        }
    }

    /// The version segment (版本号); `v1` for every documented command.
    pub fn version(self) -> &'static str {
        "v1"
    }

    /// The request path, `/{version}/iotcard/{command}`.
    pub fn path(self) -> String {
        format!("/{}/iotcard/{}", self.version(), self.name())
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
