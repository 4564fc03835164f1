//! Which accounts and cards a rule looks at.

use iotcard_model::Operator;
use serde::Serialize;

use crate::CardInput;

/// A rule's scope. Every list given must match; an empty list matches
/// anything. Lists are kept sorted, so a long `cards` list costs a binary
/// search per card.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize)]
pub struct Scope {
    /// Accounts, by profile name.
    pub profiles: Vec<String>,
    /// Operators.
    pub operators: Vec<Operator>,
    /// Plan names (the snapshot's plan name, exactly).
    pub plans: Vec<String>,
    /// Cards: the provider's key, the ICCID or the MSISDN.
    pub cards: Vec<String>,
    /// Inventory tags: a card with any of them matches.
    pub tags: Vec<String>,
}

impl Scope {
    /// A scope of these lists (sorted and deduplicated here).
    pub fn new(
        mut profiles: Vec<String>,
        mut operators: Vec<Operator>,
        mut plans: Vec<String>,
        mut cards: Vec<String>,
        mut tags: Vec<String>,
    ) -> Self {
        profiles.sort();
        profiles.dedup();
        operators.sort_by_key(|o| o.name());
        operators.dedup();
        plans.sort();
        plans.dedup();
        cards.sort();
        cards.dedup();
        tags.sort();
        tags.dedup();
        Self {
            profiles,
            operators,
            plans,
            cards,
            tags,
        }
    }

    /// Whether the scope takes this account.
    pub fn matches_account(&self, profile: &str) -> bool {
        self.profiles.is_empty() || has(&self.profiles, profile)
    }

    /// Whether the scope takes this card (its account aside). A card whose
    /// operator or plan is not known matches no list of them.
    pub fn matches_card(&self, card: &CardInput) -> bool {
        let snap = &card.snapshot;
        if !self.operators.is_empty() && !snap.operator.is_some_and(|o| self.operators.contains(&o))
        {
            return false;
        }
        if !self.plans.is_empty()
            && !snap
                .plan
                .as_ref()
                .and_then(|p| p.name.as_deref())
                .is_some_and(|name| has(&self.plans, name))
        {
            return false;
        }
        if !self.cards.is_empty() {
            let named = has(&self.cards, &card.key)
                || snap
                    .iccid
                    .as_ref()
                    .is_some_and(|i| has(&self.cards, i.as_str()))
                || snap
                    .msisdn
                    .as_ref()
                    .is_some_and(|m| has(&self.cards, m.as_str()));
            if !named {
                return false;
            }
        }
        if !self.tags.is_empty() && !card.tags.iter().any(|t| has(&self.tags, t)) {
            return false;
        }
        true
    }

    /// Whether any card-level list is given (operators, plans, cards, tags).
    pub fn has_card_filters(&self) -> bool {
        !(self.operators.is_empty()
            && self.plans.is_empty()
            && self.cards.is_empty()
            && self.tags.is_empty())
    }

    /// The scope in words, `None` for "everything".
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        let list = |what: &str, items: Vec<String>| format!("{what} {}", items.join(", "));
        if !self.profiles.is_empty() {
            parts.push(list("profiles", self.profiles.clone()));
        }
        if !self.operators.is_empty() {
            parts.push(list(
                "operators",
                self.operators.iter().map(|o| o.name().to_owned()).collect(),
            ));
        }
        if !self.plans.is_empty() {
            parts.push(list("plans", self.plans.clone()));
        }
        if !self.cards.is_empty() {
            let mut shown: Vec<String> = self.cards.iter().take(3).cloned().collect();
            if self.cards.len() > 3 {
                shown.push(format!("and {} more", self.cards.len() - 3));
            }
            parts.push(list("cards", shown));
        }
        if !self.tags.is_empty() {
            parts.push(list("tags", self.tags.clone()));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

fn has(sorted: &[String], item: &str) -> bool {
    sorted.binary_search_by(|s| s.as_str().cmp(item)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotcard_model::{CardSnapshot, Plan};

    fn card(key: &str, op: Option<Operator>, plan: Option<&str>, tags: &[&str]) -> CardInput {
        CardInput {
            key: key.into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            snapshot: CardSnapshot {
                operator: op,
                plan: plan.map(|p| Plan {
                    name: Some(p.into()),
                    ..Plan::default()
                }),
                ..CardSnapshot::default()
            },
            ..CardInput::default()
        }
    }

    #[test]
    fn every_list_given_must_match() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let scope = Scope::new(
            s(&["acme"]),
            vec![Operator::ChinaMobile],
            s(&["1G"]),
            vec![],
            s(&["van", "pos"]),
        );
        assert!(scope.matches_account("acme"));
        assert!(!scope.matches_account("shop"));
        assert!(scope.matches_card(&card(
            "1",
            Some(Operator::ChinaMobile),
            Some("1G"),
            &["pos"]
        )));
        assert!(!scope.matches_card(&card(
            "1",
            Some(Operator::ChinaUnicom),
            Some("1G"),
            &["pos"]
        )));
        assert!(!scope.matches_card(&card("1", None, Some("1G"), &["pos"])));
        assert!(!scope.matches_card(&card("1", Some(Operator::ChinaMobile), None, &["pos"])));
        assert!(!scope.matches_card(&card("1", Some(Operator::ChinaMobile), Some("1G"), &[])));
        let any = Scope::default();
        assert!(any.matches_account("x") && any.matches_card(&card("1", None, None, &[])));
        assert_eq!(any.describe(), None);
        let cards = Scope::new(vec![], vec![], vec![], s(&["3", "1", "2", "4"]), vec![]);
        assert!(cards.matches_card(&card("4", None, None, &[])));
        assert!(!cards.matches_card(&card("5", None, None, &[])));
        assert_eq!(cards.describe().unwrap(), "cards 1, 2, 3, and 1 more");
    }
}
