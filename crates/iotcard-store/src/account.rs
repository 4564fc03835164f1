//! Accounts: which profile, provider and endpoint host a card belongs to.

use crate::error::StoreError;

/// An account's id in the store (`accounts.id`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct AccountId(pub i64);

/// What the store keeps of a configured account: never a credential.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AccountSpec {
    /// The configuration profile's name (`default` for the top level).
    pub profile: String,
    /// `iotbos` or `tencent` (any other name is kept as given).
    pub provider: String,
    /// The endpoint's host (and port), e.g. `sys.iotbos.com`.
    pub endpoint_host: String,
}

impl AccountSpec {
    /// An account; see [`AccountSpec::validate`] for what is refused.
    pub fn new(
        profile: impl Into<String>,
        provider: impl Into<String>,
        endpoint_host: impl Into<String>,
    ) -> Self {
        Self {
            profile: profile.into(),
            provider: provider.into(),
            endpoint_host: endpoint_host.into(),
        }
    }

    /// Refuses an empty profile or provider, and an endpoint host that is
    /// more than a host: a scheme, a path or user information could carry
    /// a credential, which the store never keeps.
    pub fn validate(&self) -> Result<(), StoreError> {
        let invalid = |why: String| Err(StoreError::Invalid(why));
        if self.profile.trim().is_empty() {
            return invalid("an account needs a profile name".into());
        }
        if self.provider.trim().is_empty() {
            return invalid(format!("account {:?} needs a provider", self.profile));
        }
        let host = &self.endpoint_host;
        if host.is_empty() || host.contains(['@', '/', '?', '#', ' ']) {
            return invalid(format!(
                "account {:?}: endpoint host {host:?} must be a bare host[:port] \
                 (no scheme, path or user information)",
                self.profile
            ));
        }
        Ok(())
    }

    /// Whether this provider's usage counters restart with the calendar
    /// month in China Standard Time (IoTBOS "当月").
    pub(crate) fn monthly_in_cst(provider: &str) -> bool {
        provider.eq_ignore_ascii_case("iotbos")
    }
}

/// An account as stored.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Account {
    /// Its id.
    pub id: AccountId,
    /// Profile, provider and endpoint host.
    pub spec: AccountSpec,
}
