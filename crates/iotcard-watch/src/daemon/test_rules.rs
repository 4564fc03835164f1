//! Rules for the daemon's unit tests, from the `[[rules]]` tables of a
//! config file.

use iotcard_rules::{RuleConfig, RuleSet};

/// The rules `text` (`[[rules]]` tables) configures; panics on a bad one.
pub(crate) fn rules(text: &str) -> RuleSet {
    #[derive(serde::Deserialize)]
    struct Config {
        rules: Vec<RuleConfig>,
    }
    let config: Config = toml::from_str(text).unwrap();
    RuleSet::new(config.rules).unwrap()
}
