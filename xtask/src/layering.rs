//! `cargo xtask deps`: the layering rules, checked on the resolved
//! dependency graph rather than on `Cargo.toml` text, so a forbidden crate
//! pulled in at any depth (or behind any feature) is caught.
//!
//! Each rule's graph comes from `cargo tree -p CRATE`, which resolves that
//! crate's features alone: a feature is on only if something under the crate
//! turns it on. (`cargo metadata`'s `resolve` unifies features across the
//! whole workspace, so `rand_core`'s `getrandom` feature, turned on by the
//! facade's `rand`, would wrongly show under `tencent-proto`.) The publish
//! rule reads `cargo metadata --no-deps`: what each of our crates declares.

use std::collections::{BTreeMap, BTreeSet};

use crate::bench::json::Json;
use crate::run::{self, Failure};

/// Crates that do I/O. The sans-IO crates must not pull in any of them.
const IO_CRATES: &[&str] = &["tokio", "hyper", "rustls", "mio", "socket2"];

/// Crates that read the operating system's entropy. The model and protocol
/// crates take their randomness from the caller.
const ENTROPY_CRATES: &[&str] = &["getrandom"];

/// Features that let a crate read the wall clock (`chrono`'s `now` gives
/// `Utc::now`, `clock` adds `Local::now` and turns `now` on). The model and
/// protocol crates take the time from the caller.
const CLOCK_FEATURES: &[(&str, &str)] = &[("chrono", "clock"), ("chrono", "now")];

/// The workspace's own crates, lowest layer first.
const OURS: &[&str] = &[
    "iotcard-model",
    "iotcard-wire",
    "iotbos-proto",
    "tencent-proto",
    "iotcard-notify",
    "iotcard-rules",
    "iotcard-transport",
    "iotcard-facade",
    "iotcard-store",
    "iotcard-sync",
    "iotcard-observe",
    "iotcard-report",
    "iotcard-sim",
    "iotcard-watch",
    "iotcard-cli",
    "iotcard-headless",
];

/// Crates of ours that others may use only as a dev-dependency: test
/// harnesses, never part of what is built for use.
const DEV_ONLY: &[&str] = &["iotcard-headless"];

/// Crates of ours that one crate must not depend on, and why.
struct Ban {
    crates: &'static [&'static str],
    why: &'static str,
}

/// What one crate's normal dependencies (any depth) must not contain.
struct Rule {
    krate: &'static str,
    /// No [`IO_CRATES`].
    no_io: bool,
    /// No [`ENTROPY_CRATES`] and no [`CLOCK_FEATURES`].
    no_ambient: bool,
    bans: &'static [Ban],
}

const RULES: &[Rule] = &[
    Rule {
        krate: "iotcard-model",
        no_io: true,
        no_ambient: true,
        bans: &[Ban {
            crates: &[
                "iotcard-wire",
                "iotbos-proto",
                "tencent-proto",
                "iotcard-notify",
                "iotcard-rules",
                "iotcard-transport",
                "iotcard-facade",
                "iotcard-store",
                "iotcard-sim",
                "iotcard-cli",
            ],
            why: "the model is the bottom layer",
        }],
    },
    Rule {
        krate: "iotcard-wire",
        no_io: true,
        no_ambient: true,
        bans: &[Ban {
            crates: &[
                "iotbos-proto",
                "tencent-proto",
                "iotcard-transport",
                "iotcard-facade",
                "iotcard-sim",
                "iotcard-cli",
            ],
            why: "the tolerant readers build on the model only, below both protocol crates",
        }],
    },
    Rule {
        krate: "iotbos-proto",
        no_io: true,
        no_ambient: true,
        bans: &[Ban {
            crates: &[
                "tencent-proto",
                "iotcard-transport",
                "iotcard-facade",
                "iotcard-store",
                "iotcard-sim",
                "iotcard-cli",
            ],
            why: "a protocol crate builds on the model and the tolerant readers only",
        }],
    },
    Rule {
        krate: "tencent-proto",
        no_io: true,
        no_ambient: true,
        bans: &[Ban {
            crates: &[
                "iotbos-proto",
                "iotcard-transport",
                "iotcard-facade",
                "iotcard-store",
                "iotcard-sim",
                "iotcard-cli",
            ],
            why: "a protocol crate builds on the model and the tolerant readers only",
        }],
    },
    Rule {
        krate: "iotcard-notify",
        no_io: true,
        no_ambient: true,
        bans: &[Ban {
            crates: &[
                "iotcard-wire",
                "iotbos-proto",
                "tencent-proto",
                "iotcard-transport",
                "iotcard-facade",
                "iotcard-sim",
                "iotcard-cli",
            ],
            why: "the notification builders know the model only: the sending shell brings the transport",
        }],
    },
    Rule {
        krate: "iotcard-rules",
        no_io: true,
        no_ambient: true,
        bans: &[Ban {
            crates: &[
                "iotcard-wire",
                "iotbos-proto",
                "tencent-proto",
                "iotcard-notify",
                "iotcard-transport",
                "iotcard-facade",
                "iotcard-store",
                "iotcard-sim",
                "iotcard-cli",
            ],
            why: "rule evaluation is a pure function over the model: the inputs, the alert state \
                  and `now` come from the caller, and the messages are the notifier's",
        }],
    },
    Rule {
        krate: "iotcard-transport",
        no_io: false,
        no_ambient: false,
        bans: &[
            Ban {
                crates: &["iotcard-facade", "iotcard-sim", "iotcard-cli"],
                why: "transport sits below the facade, the simulator and the CLI",
            },
            Ban {
                crates: &["iotcard-store"],
                why: "HTTP and storage are separate layers",
            },
            Ban {
                crates: &["iotbos-proto", "tencent-proto"],
                why: "a generic HTTP layer knows no platform",
            },
        ],
    },
    Rule {
        krate: "iotcard-facade",
        no_io: false,
        no_ambient: false,
        bans: &[
            Ban {
                crates: &["iotcard-sim", "iotcard-cli"],
                why: "the facade sits below the CLI and never ships the simulator",
            },
            Ban {
                crates: &["iotcard-store", "iotcard-sync"],
                why: "querying cards and keeping their history are separate layers; \
                      the sync crate above both joins them",
            },
        ],
    },
    Rule {
        // A storage crate does I/O (files, sockets) but takes the time from
        // its caller like everything above the model (clippy.toml bans the
        // clock); its only crate of ours is the model.
        krate: "iotcard-store",
        no_io: false,
        no_ambient: false,
        bans: &[Ban {
            crates: &[
                "iotbos-proto",
                "tencent-proto",
                "iotcard-transport",
                "iotcard-facade",
                "iotcard-sync",
                "iotcard-sim",
                "iotcard-cli",
            ],
            why: "the store builds on the model only",
        }],
    },
    Rule {
        // The sync joins the two layers below it: cards from the facade,
        // history into the store. The CLI is a shell around it, and the
        // simulator is only ever a dev-dependency of its tests.
        krate: "iotcard-sync",
        no_io: false,
        no_ambient: false,
        bans: &[Ban {
            crates: &["iotcard-sim", "iotcard-cli"],
            why: "the sync builds on the facade, the store and the model only",
        }],
    },
    Rule {
        // What the watcher shows (metrics text, health, the status page) is
        // rendered from the store's aggregate types alone: the store brings
        // its database I/O crates along, but nothing here calls a platform,
        // and the HTTP server is the watcher's.
        krate: "iotcard-observe",
        no_io: false,
        no_ambient: false,
        bans: &[Ban {
            crates: &[
                "iotcard-wire",
                "iotbos-proto",
                "tencent-proto",
                "iotcard-transport",
                "iotcard-facade",
                "iotcard-sync",
                "iotcard-watch",
                "iotcard-sim",
                "iotcard-cli",
            ],
            why: "rendering the watcher's figures builds on the model and the store's types only",
        }],
    },
    Rule {
        // The fleet report is rendered from the store's report figures
        // alone (and the status page's stylesheet): the CLI reads the store
        // and writes the file; nothing here calls a platform.
        krate: "iotcard-report",
        no_io: false,
        no_ambient: false,
        bans: &[Ban {
            crates: &[
                "iotcard-wire",
                "iotbos-proto",
                "tencent-proto",
                "iotcard-transport",
                "iotcard-facade",
                "iotcard-sync",
                "iotcard-watch",
                "iotcard-sim",
                "iotcard-cli",
            ],
            why: "the report builds on the model, the store's types and the page styles only",
        }],
    },
    Rule {
        // The watcher (the delivery shell and the daemon) joins the sync,
        // the store, the rules and the notifications; the CLI is a thin
        // shell over it.
        krate: "iotcard-watch",
        no_io: false,
        no_ambient: false,
        bans: &[
            Ban {
                crates: &["iotcard-cli"],
                why: "nothing depends on the CLI",
            },
            Ban {
                crates: &["iotcard-sim"],
                why: "the watcher never ships the simulator (a dev-dependency is fine)",
            },
        ],
    },
    Rule {
        // The browser harness is a test tool for any crate: it must not
        // tie the crates whose pages it checks to each other.
        krate: "iotcard-headless",
        no_io: false,
        no_ambient: false,
        bans: &[Ban {
            crates: &[
                "iotcard-model",
                "iotcard-wire",
                "iotbos-proto",
                "tencent-proto",
                "iotcard-notify",
                "iotcard-rules",
                "iotcard-transport",
                "iotcard-facade",
                "iotcard-store",
                "iotcard-sync",
                "iotcard-sim",
                "iotcard-watch",
                "iotcard-cli",
            ],
            why: "the browser harness depends on nothing of ours",
        }],
    },
    Rule {
        krate: "iotcard-sim",
        no_io: false,
        no_ambient: false,
        bans: &[Ban {
            crates: &["iotcard-cli"],
            why: "nothing depends on the CLI",
        }],
    },
];

/// Checks every rule and prints what it checked; fails listing every breach.
pub fn check() -> Result<(), Failure> {
    let mut all = Vec::new();
    for rule in RULES {
        let graph = normal_dependencies(rule.krate)?;
        let found = breaches(rule, &graph);
        let ours: Vec<&str> = OURS
            .iter()
            .copied()
            .filter(|name| *name != rule.krate && graph.contains(name))
            .collect();
        let mut must_not: Vec<String> = Vec::new();
        if rule.no_io {
            must_not.push("I/O crates".into());
        }
        if rule.no_ambient {
            must_not.extend(ENTROPY_CRATES.iter().map(|c| (*c).to_owned()));
            must_not.extend(CLOCK_FEATURES.iter().map(|(c, f)| format!("{c}/{f}")));
        }
        must_not.extend(
            rule.bans
                .iter()
                .flat_map(|ban| ban.crates)
                .map(|c| (*c).to_owned()),
        );
        println!(
            "{:<18} {:>3} crates below it; ours: [{}]; must not reach: [{}] -> {}",
            rule.krate,
            graph.len().saturating_sub(1),
            ours.join(", "),
            must_not.join(", "),
            if found.is_empty() { "ok" } else { "BREACH" },
        );
        all.extend(found);
    }
    println!("I/O crates: {}", IO_CRATES.join(", "));

    let mut metadata = run::cargo();
    metadata.args(["metadata", "--no-deps", "--format-version", "1"]);
    let members = Member::from_metadata(&Json::parse(
        &run::output(metadata)?,
        "`cargo metadata` output",
    )?)?;
    let publish = publish_breaches(&members);
    let publishable: Vec<&str> = members
        .iter()
        .filter(|m| m.publishable)
        .map(|m| m.name.as_str())
        .collect();
    println!(
        "publishable crates [{}] depend on no `publish = false` crate -> {}",
        publishable.join(", "),
        if publish.is_empty() { "ok" } else { "BREACH" }
    );
    all.extend(publish);
    let dev_only = dev_only_breaches(&members);
    println!(
        "dev-only crates [{}] are nobody's normal or build dependency -> {}",
        DEV_ONLY.join(", "),
        if dev_only.is_empty() { "ok" } else { "BREACH" }
    );
    all.extend(dev_only);

    if all.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "layering broken:\n  {}",
            all.join("\n  ")
        )))
    }
}

/// Every crate in one crate's normal dependency graph (itself included),
/// with the features the resolver turned on for it.
#[derive(Debug, Default)]
struct Graph(BTreeMap<String, BTreeSet<String>>);

impl Graph {
    /// Reads `cargo tree --prefix none --format "{p} | {f}"` output:
    /// `name vX.Y.Z (path) (proc-macro) | feat,feat (*)` per line. A crate
    /// listed more than once (a repeat, another version, a proc-macro
    /// build) gets the union of its features.
    fn from_tree(tree: &str) -> Self {
        let mut crates: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for line in tree.lines() {
            let Some(name) = line.split_whitespace().next() else {
                continue;
            };
            let features = line
                .rsplit_once(" | ")
                .map(|(_, f)| f.trim().trim_end_matches("(*)").trim())
                .unwrap_or_default();
            crates.entry(name.to_owned()).or_default().extend(
                features
                    .split(',')
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned),
            );
        }
        Self(crates)
    }

    fn contains(&self, krate: &str) -> bool {
        self.0.contains_key(krate)
    }

    fn has_feature(&self, krate: &str, feature: &str) -> bool {
        self.0.get(krate).is_some_and(|f| f.contains(feature))
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// What `rule` finds wrong in `graph`, one message per breach.
fn breaches(rule: &Rule, graph: &Graph) -> Vec<String> {
    let krate = rule.krate;
    let path_hint = |to: &str| format!("`cargo tree -p {krate} -e normal -i {to}` shows the path");
    let present = |names: &[&'static str]| -> Vec<&'static str> {
        names
            .iter()
            .copied()
            .filter(|name| graph.contains(name))
            .collect()
    };
    let mut found = Vec::new();
    if rule.no_io {
        let io = present(IO_CRATES);
        if let Some(first) = io.first() {
            found.push(format!(
                "{krate} must not depend on {} (it must stay sans-IO); {}",
                io.join(", "),
                path_hint(first)
            ));
        }
    }
    if rule.no_ambient {
        for entropy in present(ENTROPY_CRATES) {
            found.push(format!(
                "{krate} must not depend on {entropy} (the model and protocol crates read no \
                 OS entropy: randomness comes from the caller); {}",
                path_hint(entropy)
            ));
        }
        let on: Vec<&(&str, &str)> = CLOCK_FEATURES
            .iter()
            .filter(|(dep, feature)| graph.has_feature(dep, feature))
            .collect();
        let deps: BTreeSet<&str> = on.iter().map(|(dep, _)| *dep).collect();
        for dep in deps {
            let features: Vec<String> = on
                .iter()
                .filter(|(d, _)| *d == dep)
                .map(|(_, feature)| format!("`{feature}`"))
                .collect();
            found.push(format!(
                "{krate} must not turn on {dep}'s {} feature{} (the model and protocol crates \
                 read no wall clock: the time comes from the caller); \
                 `cargo tree -p {krate} -e normal,features -i {dep}` shows what turns it on",
                features.join(" and "),
                if features.len() > 1 { "s" } else { "" },
            ));
        }
    }
    for ban in rule.bans {
        let reached = present(ban.crates);
        if let Some(first) = reached.first() {
            found.push(format!(
                "{krate} must not depend on {} ({}); {}",
                reached.join(", "),
                ban.why,
                path_hint(first)
            ));
        }
    }
    found
}

/// `krate`'s normal dependency graph (itself included), for every target
/// platform and with every feature of `krate` on, features resolved for
/// `krate` alone.
fn normal_dependencies(krate: &str) -> Result<Graph, Failure> {
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
        "{p} | {f}",
    ]);
    let tree = run::output(command)?;
    let graph = Graph::from_tree(&tree);
    if !graph.contains(krate) {
        return Err(Failure::new(format!(
            "`cargo tree` did not list {krate} itself:\n{tree}"
        )));
    }
    Ok(graph)
}

/// One of the workspace's crates, as `cargo metadata --no-deps` declares it.
#[derive(Debug, PartialEq)]
struct Member {
    name: String,
    /// `publish` is not `false` (absent, or a list of registries).
    publishable: bool,
    /// Its normal and build dependencies that are path dependencies (what
    /// `cargo publish` needs on the registry too; dev-dependencies it
    /// strips).
    path_deps: Vec<String>,
}

impl Member {
    fn from_metadata(metadata: &Json) -> Result<Vec<Self>, Failure> {
        let bad = |why: &str| Failure::new(format!("`cargo metadata` output: {why}"));
        let packages = metadata
            .get("packages")
            .and_then(Json::as_array)
            .ok_or_else(|| bad("no `packages` list"))?;
        packages
            .iter()
            .map(|package| {
                let name = package
                    .get("name")
                    .and_then(Json::as_str)
                    .ok_or_else(|| bad("a package without a `name`"))?;
                // `publish = false` is `[]`; absent is `null`; a list names registries.
                let publishable = match package.get("publish") {
                    None | Some(Json::Null) => true,
                    Some(Json::Array(registries)) => !registries.is_empty(),
                    Some(other) => {
                        return Err(bad(&format!("{name}: unexpected `publish` {other:?}")))
                    }
                };
                let dependencies = package
                    .get("dependencies")
                    .and_then(Json::as_array)
                    .ok_or_else(|| bad(&format!("{name}: no `dependencies` list")))?;
                let path_deps = dependencies
                    .iter()
                    .filter(|d| d.get("kind").and_then(Json::as_str) != Some("dev"))
                    .filter(|d| d.get("path").is_some_and(|p| !p.is_null()))
                    .filter_map(|d| d.get("name").and_then(Json::as_str))
                    .map(str::to_owned)
                    .collect();
                Ok(Member {
                    name: name.to_owned(),
                    publishable,
                    path_deps,
                })
            })
            .collect()
    }
}

/// A publishable crate that depends (normally, or to build) on one of ours
/// that is `publish = false` could never be published: one message each.
fn publish_breaches(members: &[Member]) -> Vec<String> {
    let unpublished: BTreeSet<&str> = members
        .iter()
        .filter(|m| !m.publishable)
        .map(|m| m.name.as_str())
        .collect();
    let mut found = Vec::new();
    for member in members.iter().filter(|m| m.publishable) {
        let mut seen = BTreeSet::new();
        for dep in &member.path_deps {
            if unpublished.contains(dep.as_str()) && seen.insert(dep) {
                found.push(format!(
                    "{} is publishable but depends on {dep}, which is `publish = false` \
                     (crates.io would refuse {}: publish {dep} too, or make the dependency \
                     a dev-dependency or drop it)",
                    member.name, member.name
                ));
            }
        }
    }
    found
}

/// A crate that depends (normally, or to build) on a [`DEV_ONLY`] one: one
/// message each.
fn dev_only_breaches(members: &[Member]) -> Vec<String> {
    let mut found = Vec::new();
    for member in members {
        let mut seen = BTreeSet::new();
        for dep in &member.path_deps {
            if DEV_ONLY.contains(&dep.as_str()) && seen.insert(dep) {
                found.push(format!(
                    "{} depends on {dep}, which is for tests only (make it a \
                     [dev-dependencies] entry)",
                    member.name
                ));
            }
        }
    }
    found
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

    /// A `cargo tree --format "{p} | {f}"` listing of `lines`, each
    /// `name` or `name | features`.
    fn tree(lines: &[&str]) -> Graph {
        let text: String = lines
            .iter()
            .map(|line| match line.split_once(" | ") {
                Some((name, features)) => format!("{name} v1.0.0 | {features}\n"),
                None => format!("{line} v1.0.0 | \n"),
            })
            .collect();
        Graph::from_tree(&text)
    }

    #[test]
    fn the_tree_gives_each_crate_once_with_its_resolved_features() {
        let text = "iotbos-proto v0.1.0 (/w/crates/iotbos-proto) | \nhttp v1.3.1 | default,std\n\
                    bytes v1.10.1 | std\niotcard-model v0.1.0 (/w/crates/iotcard-model) | \n\
                    bytes v1.10.1 | default,std (*)\nserde_derive v1.0.219 (proc-macro) | default\n\
                    getrandom v0.2.17 | \ngetrandom v0.3.4 | std\n\n";
        let graph = Graph::from_tree(text);
        let names: Vec<&str> = graph.0.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "bytes",
                "getrandom",
                "http",
                "iotbos-proto",
                "iotcard-model",
                "serde_derive"
            ]
        );
        let features = |k: &str| graph.0[k].iter().map(String::as_str).collect::<Vec<_>>();
        // A repeat `(*)` line adds its features; the marker is not one.
        assert_eq!(features("bytes"), ["default", "std"]);
        assert_eq!(features("serde_derive"), ["default"]);
        assert_eq!(features("getrandom"), ["std"]);
        assert!(features("iotbos-proto").is_empty());
        assert!(graph.has_feature("http", "std"));
        assert!(!graph.has_feature("http", "clock"));
        assert!(!graph.has_feature("chrono", "std"));
    }

    #[test]
    fn io_crates_at_any_depth_break_the_sans_io_layers() {
        let graph = tree(&[
            "tencent-proto",
            "iotcard-model",
            "reqwest",
            "hyper",
            "tokio",
        ]);
        assert_eq!(
            breaches(rule("tencent-proto"), &graph),
            [
                "tencent-proto must not depend on tokio, hyper (it must stay sans-IO); \
              `cargo tree -p tencent-proto -e normal -i tokio` shows the path"
            ]
        );
        // Only the sans-IO layers are held to this.
        let graph = tree(&["iotcard-transport", "iotcard-model", "hyper", "tokio"]);
        assert!(breaches(rule("iotcard-transport"), &graph).is_empty());
    }

    #[test]
    fn lower_layers_must_not_reach_higher_ones() {
        let graph = tree(&["iotbos-proto", "iotcard-model", "tencent-proto"]);
        assert_eq!(
            breaches(rule("iotbos-proto"), &graph),
            [
                "iotbos-proto must not depend on tencent-proto (a protocol crate builds on the \
              model and the tolerant readers only); `cargo tree -p iotbos-proto -e normal -i tencent-proto` shows the path"
            ]
        );
        let graph = tree(&["iotcard-transport", "iotcard-facade"]);
        assert_eq!(
            breaches(rule("iotcard-transport"), &graph),
            [
                "iotcard-transport must not depend on iotcard-facade (transport sits below the \
              facade, the simulator and the CLI); \
              `cargo tree -p iotcard-transport -e normal -i iotcard-facade` shows the path"
            ]
        );
        let graph = tree(&["iotcard-model", "serde | std"]);
        assert!(breaches(rule("iotcard-model"), &graph).is_empty());
    }

    #[test]
    fn the_transport_knows_no_platform() {
        for proto in ["iotbos-proto", "tencent-proto"] {
            let graph = tree(&["iotcard-transport", "iotcard-model", proto, "hyper"]);
            assert_eq!(
                breaches(rule("iotcard-transport"), &graph),
                [format!(
                    "iotcard-transport must not depend on {proto} (a generic HTTP layer knows no \
                     platform); `cargo tree -p iotcard-transport -e normal -i {proto}` shows the path"
                )]
            );
        }
        let graph = tree(&["iotcard-transport", "iotcard-model", "hyper", "getrandom"]);
        assert!(breaches(rule("iotcard-transport"), &graph).is_empty());
        // The facade may use both, and its own entropy and clock.
        let graph = tree(&[
            "iotcard-facade",
            "iotcard-transport",
            "iotbos-proto",
            "tencent-proto",
            "getrandom | std",
            "chrono | clock,now,std",
        ]);
        assert!(breaches(rule("iotcard-facade"), &graph).is_empty());
    }

    #[test]
    fn entropy_under_the_model_and_protocol_crates_is_a_breach() {
        for krate in ["iotcard-model", "iotbos-proto", "tencent-proto"] {
            let graph = tree(&[krate, "rand_core | getrandom,std", "getrandom | std"]);
            assert_eq!(
                breaches(rule(krate), &graph),
                [format!(
                    "{krate} must not depend on getrandom (the model and protocol crates read no \
                     OS entropy: randomness comes from the caller); \
                     `cargo tree -p {krate} -e normal -i getrandom` shows the path"
                )]
            );
        }
    }

    #[test]
    fn only_the_features_the_resolver_turned_on_count() {
        // tencent-proto's rand_core 0.6 declares an optional `getrandom`
        // feature; elsewhere in the workspace (rand, under the facade) it is
        // on. Resolved for tencent-proto alone it is off and getrandom is not
        // in the graph: no breach. The same for chrono's clock, which the
        // CLI may turn on but the model must not.
        let graph = tree(&[
            "tencent-proto",
            "iotcard-model",
            "rand_core",
            "chrono | alloc,serde,std",
        ]);
        assert!(breaches(rule("tencent-proto"), &graph).is_empty());
    }

    #[test]
    fn chrono_reading_the_clock_under_the_model_is_a_breach() {
        let graph = tree(&["iotcard-model", "chrono | alloc,clock,now,std"]);
        assert_eq!(
            breaches(rule("iotcard-model"), &graph),
            ["iotcard-model must not turn on chrono's `clock` and `now` features (the model and \
              protocol crates read no wall clock: the time comes from the caller); \
              `cargo tree -p iotcard-model -e normal,features -i chrono` shows what turns it on"]
        );
        // `now` alone (chrono's Utc::now) is enough.
        let graph = tree(&["iotbos-proto", "chrono | now,std"]);
        let found = breaches(rule("iotbos-proto"), &graph);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].contains("chrono's `now` feature ("),
            "{}",
            found[0]
        );
        // A crate merely named like the feature is not the feature.
        let graph = tree(&["iotbos-proto", "clock | std", "now"]);
        assert!(breaches(rule("iotbos-proto"), &graph).is_empty());
    }

    #[test]
    fn the_notification_builders_stay_pure_and_below_the_transport() {
        let graph = tree(&["iotcard-notify", "iotcard-model", "lettre", "fastrand"]);
        assert!(breaches(rule("iotcard-notify"), &graph).is_empty());
        // lettre's SMTP transport would bring sockets and TLS.
        let graph = tree(&["iotcard-notify", "lettre", "socket2", "rustls"]);
        let found = breaches(rule("iotcard-notify"), &graph);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].contains("rustls, socket2 (it must stay sans-IO)"),
            "{}",
            found[0]
        );
        let graph = tree(&["iotcard-notify", "iotcard-transport", "chrono | now"]);
        let found = breaches(rule("iotcard-notify"), &graph);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[1].contains("the sending shell brings the transport"),
            "{}",
            found[1]
        );
    }

    #[test]
    fn every_breach_of_a_crate_is_listed() {
        let graph = tree(&[
            "iotcard-model",
            "tokio",
            "getrandom",
            "chrono | now",
            "iotcard-cli",
        ]);
        let found = breaches(rule("iotcard-model"), &graph);
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].contains("tokio"));
        assert!(found[1].contains("getrandom"));
        assert!(found[2].contains("`now`"));
        assert!(found[3].contains("iotcard-cli (the model is the bottom layer)"));
    }

    const METADATA: &str = r#"{"packages":[
        {"name":"iotcard-model","publish":null,"dependencies":[
            {"name":"serde","source":"registry+https://github.com/rust-lang/crates.io-index","kind":null,"optional":false},
            {"name":"iotcard-sim","source":null,"kind":"dev","path":"/w/crates/iotcard-sim"}]},
        {"name":"iotcard-transport","publish":[],"dependencies":[
            {"name":"iotcard-model","source":null,"kind":null,"path":"/w/crates/iotcard-model"}]},
        {"name":"iotcard-facade","publish":null,"dependencies":[
            {"name":"iotcard-transport","source":null,"kind":null,"rename":"transport","path":"/w/crates/iotcard-transport"},
            {"name":"iotcard-transport","source":null,"kind":null,"target":"cfg(unix)","path":"/w/crates/iotcard-transport"},
            {"name":"iotcard-sim","source":null,"kind":"dev","path":"/w/crates/iotcard-sim"}]},
        {"name":"gen","publish":["internal"],"dependencies":[
            {"name":"iotcard-sim","source":null,"kind":"build","path":"/w/crates/iotcard-sim"}]},
        {"name":"iotcard-sim","publish":[],"dependencies":[
            {"name":"iotcard-transport","source":null,"kind":null,"path":"/w/crates/iotcard-transport"}]}
    ],"workspace_members":[]}"#;

    #[test]
    fn metadata_gives_each_member_its_publish_flag_and_path_dependencies() {
        let members = Member::from_metadata(&Json::parse(METADATA, "test").unwrap()).unwrap();
        let member = |name: &str, publishable: bool, deps: &[&str]| Member {
            name: name.into(),
            publishable,
            path_deps: deps.iter().map(|d| (*d).to_owned()).collect(),
        };
        assert_eq!(
            members,
            [
                member("iotcard-model", true, &[]),
                member("iotcard-transport", false, &["iotcard-model"]),
                member(
                    "iotcard-facade",
                    true,
                    &["iotcard-transport", "iotcard-transport"]
                ),
                member("gen", true, &["iotcard-sim"]),
                member("iotcard-sim", false, &["iotcard-transport"]),
            ]
        );
        for broken in [
            r#"{"nothing":[]}"#,
            r#"{"packages":[{"publish":null,"dependencies":[]}]}"#,
            r#"{"packages":[{"name":"a","publish":false,"dependencies":[]}]}"#,
            r#"{"packages":[{"name":"a","publish":null}]}"#,
        ] {
            assert!(
                Member::from_metadata(&Json::parse(broken, "test").unwrap()).is_err(),
                "{broken}"
            );
        }
    }

    #[test]
    fn a_publishable_crate_must_not_depend_on_an_unpublished_one() {
        let members = Member::from_metadata(&Json::parse(METADATA, "test").unwrap()).unwrap();
        assert_eq!(
            publish_breaches(&members),
            [
                // Named once, although declared twice (a renamed and a
                // target-specific entry); its dev-dependency on the
                // simulator is fine.
                "iotcard-facade is publishable but depends on iotcard-transport, which is \
                 `publish = false` (crates.io would refuse iotcard-facade: publish \
                 iotcard-transport too, or make the dependency a dev-dependency or drop it)",
                // A build dependency is needed to publish too; publishing to
                // another registry is still publishing.
                "gen is publishable but depends on iotcard-sim, which is `publish = false` \
                 (crates.io would refuse gen: publish iotcard-sim too, or make the dependency \
                 a dev-dependency or drop it)",
            ]
        );
        // An unpublished crate may depend on anything (iotcard-sim on the
        // transport), and a publishable one on a publishable one (the
        // transport on the model is fine either way).
        let fixed: Vec<Member> = members
            .into_iter()
            .filter(|m| m.name != "iotcard-facade" && m.name != "gen")
            .collect();
        assert!(publish_breaches(&fixed).is_empty());
    }

    #[test]
    fn a_dev_only_crate_may_be_a_dev_dependency_only() {
        let metadata = r#"{"packages":[
            {"name":"iotcard-observe","publish":null,"dependencies":[
                {"name":"iotcard-headless","source":null,"kind":"dev","path":"/w/crates/iotcard-headless"}]},
            {"name":"iotcard-watch","publish":null,"dependencies":[
                {"name":"iotcard-headless","source":null,"kind":null,"path":"/w/crates/iotcard-headless"},
                {"name":"iotcard-headless","source":null,"kind":"build","path":"/w/crates/iotcard-headless"}]},
            {"name":"iotcard-cli","publish":[],"dependencies":[
                {"name":"iotcard-headless","source":null,"kind":"build","path":"/w/crates/iotcard-headless"}]}
        ],"workspace_members":[]}"#;
        let members = Member::from_metadata(&Json::parse(metadata, "test").unwrap()).unwrap();
        assert_eq!(
            dev_only_breaches(&members),
            [
                "iotcard-watch depends on iotcard-headless, which is for tests only (make it a \
                 [dev-dependencies] entry)",
                "iotcard-cli depends on iotcard-headless, which is for tests only (make it a \
                 [dev-dependencies] entry)",
            ]
        );
        let graph = tree(&["iotcard-headless", "tokio", "iotcard-model"]);
        let found = breaches(rule("iotcard-headless"), &graph);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].contains("depends on nothing of ours"),
            "{}",
            found[0]
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
            for name in rule.bans.iter().flat_map(|ban| ban.crates) {
                assert!(
                    OURS.contains(name),
                    "{name} in {}'s rule is not ours",
                    rule.krate
                );
                assert_ne!(*name, rule.krate, "{} bans itself", rule.krate);
            }
        }
        // The layers that must stay deterministic are the sans-IO ones.
        for rule in RULES {
            assert_eq!(rule.no_io, rule.no_ambient, "{}", rule.krate);
        }
    }
}
