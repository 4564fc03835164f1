//! What the rules read of a card's snapshot, so that a reader of a million
//! cards a pass need not rebuild the rest.

use iotcard_model::CardSnapshot;

use crate::RuleSet;

/// The parts of a card's snapshot a rule set reads beyond those every rule
/// set may read (status, usage, remaining, the plan's included amounts and
/// the expiry). Nothing else of a snapshot — its kind, network state,
/// prices, product and pool — is read by any rule: evaluating a snapshot
/// with them unknown gives what evaluating it whole gives.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SnapshotReads {
    /// The ICCID and MSISDN: a rule scoped by `cards` matches them.
    pub identifiers: bool,
    /// The operator: a rule scoped by `operators`.
    pub operator: bool,
    /// The plan's name: a rule scoped by `plans`.
    pub plan_name: bool,
}

impl RuleSet {
    /// What these rules read of each card's snapshot.
    pub fn snapshot_reads(&self) -> SnapshotReads {
        self.rules()
            .iter()
            .fold(SnapshotReads::default(), |reads, rule| SnapshotReads {
                identifiers: reads.identifiers || !rule.scope.cards.is_empty(),
                operator: reads.operator || !rule.scope.operators.is_empty(),
                plan_name: reads.plan_name || !rule.scope.plans.is_empty(),
            })
    }
}

impl SnapshotReads {
    /// `snapshot` with only what the rules read: everything else unknown.
    pub fn keep(&self, snapshot: &mut CardSnapshot) {
        snapshot.kind = None;
        snapshot.network = None;
        if !self.identifiers {
            snapshot.iccid = None;
            snapshot.msisdn = None;
        }
        if !self.operator {
            snapshot.operator = None;
        }
        if let Some(plan) = snapshot.plan.as_mut() {
            if !self.plan_name {
                plan.name = None;
            }
            plan.monthly_fee = None;
            plan.sms_overage_price = None;
            plan.data_overage_price = None;
            plan.product_id = None;
            plan.pool_id = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RuleConfig;

    fn reads(text: &str) -> SnapshotReads {
        #[derive(serde::Deserialize)]
        struct Config {
            rules: Vec<RuleConfig>,
        }
        let config: Config = toml::from_str(text).unwrap();
        RuleSet::new(config.rules).unwrap().snapshot_reads()
    }

    #[test]
    fn a_scope_by_cards_operators_or_plans_reads_what_it_matches() {
        let rule = |scope: &str| {
            format!("[[rules]]\nname = \"q\"\nkind = \"quota\"\nthresholds = [80]\nnotify = []\n{scope}\n")
        };
        assert_eq!(reads(&rule("")), SnapshotReads::default());
        assert_eq!(
            reads(&rule("profiles = [\"acme\"]\ntags = [\"x\"]")),
            SnapshotReads::default()
        );
        let cards = reads(&rule("cards = [\"1064800000001\"]"));
        assert!(cards.identifiers && !cards.operator && !cards.plan_name);
        let operators = reads(&rule("operators = [\"mobile\"]"));
        assert!(!operators.identifiers && operators.operator && !operators.plan_name);
        let plans = reads(&rule("plans = [\"1GB\"]"));
        assert!(!plans.identifiers && !plans.operator && plans.plan_name);
        let both = reads(&format!(
            "{}{}",
            rule("plans = [\"1GB\"]"),
            rule("operators = [\"mobile\"]").replace("\"q\"", "\"r\"")
        ));
        assert!(!both.identifiers && both.operator && both.plan_name);
    }
}
