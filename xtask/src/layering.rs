//! `cargo xtask deps`: the layering rules, checked on the resolved
//! dependency graph rather than on `Cargo.toml` text, so a forbidden crate
//! pulled in at any depth (or behind any feature) is caught.

use std::collections::BTreeSet;

use crate::run::{self, Failure};

/// Crates that do I/O. The sans-IO crates must not pull in any of them.
const IO_CRATES: &[&str] = &["tokio", "hyper", "rustls", "mio", "socket2"];

/// The workspace's own crates, lowest layer first.
const OURS: &[&str] = &[
    "iotcard-model",
    "iotbos-proto",
    "tencent-proto",
    "iotcard-transport",
    "iotcard-facade",
    "iotcard-sim",
    "iotcard-cli",
];

/// What one crate's normal dependencies (any depth) must not contain.
struct Rule {
    krate: &'static str,
    no_io: bool,
    forbidden: &'static [&'static str],
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        krate: "iotcard-model",
        no_io: true,
        forbidden: &[
            "iotbos-proto",
            "tencent-proto",
            "iotcard-transport",
            "iotcard-facade",
            "iotcard-sim",
            "iotcard-cli",
        ],
        why: "the model is the bottom layer",
    },
    Rule {
        krate: "iotbos-proto",
        no_io: true,
        forbidden: &[
            "tencent-proto",
            "iotcard-transport",
            "iotcard-facade",
            "iotcard-sim",
            "iotcard-cli",
        ],
        why: "a protocol crate builds on the model only",
    },
    Rule {
        krate: "tencent-proto",
        no_io: true,
        forbidden: &[
            "iotbos-proto",
            "iotcard-transport",
            "iotcard-facade",
            "iotcard-sim",
            "iotcard-cli",
        ],
        why: "a protocol crate builds on the model only",
    },
    Rule {
        krate: "iotcard-transport",
        no_io: false,
        forbidden: &["iotcard-facade", "iotcard-sim", "iotcard-cli"],
        why: "transport sits below the facade, the simulator and the CLI",
    },
    Rule {
        krate: "iotcard-facade",
        no_io: false,
        forbidden: &["iotcard-sim", "iotcard-cli"],
        why: "the facade sits below the CLI and never ships the simulator",
    },
    Rule {
        krate: "iotcard-sim",
        no_io: false,
        forbidden: &["iotcard-cli"],
        why: "nothing depends on the CLI",
    },
];

/// Checks every rule and prints what it checked; fails listing every breach.
pub fn check() -> Result<(), Failure> {
    let mut breaches = Vec::new();
    for rule in RULES {
        let dependencies = normal_dependencies(rule.krate)?;
        let Reach { io, upward } = reach(rule, &dependencies);
        let ours: Vec<&str> = OURS
            .iter()
            .copied()
            .filter(|name| *name != rule.krate && dependencies.contains(*name))
            .collect();
        println!(
            "{:<18} {:>3} crates below it; ours: [{}]; must not reach: {}[{}] -> {}",
            rule.krate,
            dependencies.len().saturating_sub(1),
            ours.join(", "),
            if rule.no_io { "I/O crates, " } else { "" },
            rule.forbidden.join(", "),
            if io.is_empty() && upward.is_empty() {
                "ok"
            } else {
                "BREACH"
            },
        );
        let path_hint = format!(
            "`cargo tree -p {} -e normal -i <crate>` shows the path",
            rule.krate
        );
        if !io.is_empty() {
            breaches.push(format!(
                "{} depends on {}: it must stay sans-IO ({path_hint})",
                rule.krate,
                io.join(", ")
            ));
        }
        if !upward.is_empty() {
            breaches.push(format!(
                "{} depends on {}: {} ({path_hint})",
                rule.krate,
                upward.join(", "),
                rule.why
            ));
        }
    }
    println!("I/O crates: {}", IO_CRATES.join(", "));
    if breaches.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "layering broken:\n  {}",
            breaches.join("\n  ")
        )))
    }
}

/// The forbidden crates a rule finds among a crate's dependencies.
#[derive(Debug, PartialEq)]
struct Reach {
    io: Vec<&'static str>,
    upward: Vec<&'static str>,
}

fn reach(rule: &Rule, dependencies: &BTreeSet<String>) -> Reach {
    let present = |names: &[&'static str]| -> Vec<&'static str> {
        names
            .iter()
            .copied()
            .filter(|name| dependencies.contains(*name))
            .collect()
    };
    Reach {
        io: if rule.no_io {
            present(IO_CRATES)
        } else {
            Vec::new()
        },
        upward: present(rule.forbidden),
    }
}

/// Names of every crate in `krate`'s normal dependency graph (itself
/// included), for every target platform and with every feature on.
fn normal_dependencies(krate: &str) -> Result<BTreeSet<String>, Failure> {
    let mut command = run::cargo();
    command.args([
        "tree",
        "--package",
        krate,
        "--edges",
        "normal",
        "--target",
        "all",
        "--all-features",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]);
    let tree = run::output(command)?;
    let names = crate_names(&tree);
    if !names.contains(krate) {
        return Err(Failure::new(format!(
            "`cargo tree` did not list {krate} itself:\n{tree}"
        )));
    }
    Ok(names)
}

/// The crate names in `cargo tree --prefix none --format {p}` output
/// (`name vX.Y.Z (path) (*)` per line).
fn crate_names(tree: &str) -> BTreeSet<String> {
    tree.lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(krate: &str) -> &'static Rule {
        RULES
            .iter()
            .find(|rule| rule.krate == krate)
            .expect("a rule for every layered crate")
    }

    #[test]
    fn crate_names_take_the_first_word_of_each_line() {
        let tree = "iotbos-proto v0.1.0 (/w/crates/iotbos-proto)\nhttp v1.3.1\nbytes v1.10.1\n\
                    iotcard-model v0.1.0 (/w/crates/iotcard-model)\nbytes v1.10.1 (*)\nserde_derive v1.0.219 (proc-macro)\n";
        let names: Vec<String> = crate_names(tree).into_iter().collect();
        assert_eq!(
            names,
            [
                "bytes",
                "http",
                "iotbos-proto",
                "iotcard-model",
                "serde_derive"
            ]
        );
    }

    #[test]
    fn io_crates_at_any_depth_break_the_sans_io_layers() {
        let tree = crate_names("tencent-proto v0.1.0\niotcard-model v0.1.0\nreqwest v0.12.0\nhyper v1.6.0\ntokio v1.45.0\n");
        assert_eq!(
            reach(rule("tencent-proto"), &tree),
            Reach {
                io: vec!["tokio", "hyper"],
                upward: vec![]
            }
        );
        // Only the sans-IO layers are held to this.
        assert_eq!(
            reach(rule("iotcard-transport"), &tree),
            Reach {
                io: vec![],
                upward: vec![]
            }
        );
    }

    #[test]
    fn lower_layers_must_not_reach_higher_ones() {
        let tree = crate_names("iotbos-proto v0.1.0\niotcard-model v0.1.0\ntencent-proto v0.1.0\n");
        assert_eq!(
            reach(rule("iotbos-proto"), &tree),
            Reach {
                io: vec![],
                upward: vec!["tencent-proto"]
            }
        );
        let tree = crate_names("iotcard-transport v0.1.0\niotcard-facade v0.1.0\n");
        assert_eq!(
            reach(rule("iotcard-transport"), &tree),
            Reach {
                io: vec![],
                upward: vec!["iotcard-facade"]
            }
        );
        let tree = crate_names("iotcard-model v0.1.0\nserde v1.0.0\n");
        assert_eq!(
            reach(rule("iotcard-model"), &tree),
            Reach {
                io: vec![],
                upward: vec![]
            }
        );
    }

    #[test]
    fn every_layered_crate_is_ours_and_has_one_rule() {
        for rule in RULES {
            assert!(
                OURS.contains(&rule.krate),
                "{} is not listed in OURS",
                rule.krate
            );
            assert_eq!(
                RULES
                    .iter()
                    .filter(|other| other.krate == rule.krate)
                    .count(),
                1
            );
            for name in rule.forbidden {
                assert!(
                    OURS.contains(name),
                    "{name} in {}'s rule is not ours",
                    rule.krate
                );
            }
        }
    }
}
