//! `iotcard watch --listen`: the process serves `/metrics`, `/healthz`
//! and the status page on 127.0.0.1 from its first pass on, and stops
//! serving with the watcher on SIGTERM.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{builder, Sim};
use crate::watch_process::{config, robot, runtime, wait_for, watch};

/// One HTTP/1.1 GET on its own connection: the status and the body.
fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    (head[9..12].parse().unwrap(), body.to_owned())
}

/// `text` without terminal colour sequences (`ESC [ … m`).
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The address the watcher logged it serves on.
fn served_address(log: &str) -> Option<SocketAddr> {
    let log = plain(log);
    let line = log
        .lines()
        .find(|l| l.contains("serving /metrics, /healthz and the status page"))?;
    let rest = &line[line.find("address=")? + "address=".len()..];
    rest.split_whitespace().next()?.parse().ok()
}

#[test]
fn a_running_watcher_serves_its_figures_until_sigterm() {
    let sim = Sim::with(builder(30));
    let rt = runtime();
    let robot = robot(&rt);
    let db = sim.home.path().join("watch.sqlite3");
    let path = sim.home.path().join("watch.toml");
    std::fs::write(
        &path,
        config(
            &format!("sqlite://{}", db.display()),
            &robot,
            "1h",
            "severity = \"critical\"\n",
        ),
    )
    .unwrap();
    let log = sim.home.path().join("watch.log");
    let mut child = watch(&sim, &path)
        .args(["-v", "watch", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    let mut addr = None;
    assert!(
        wait_for(Duration::from_secs(30), || {
            addr = served_address(&log_text());
            addr.is_some()
        }),
        "{}",
        log_text()
    );
    let addr = addr.unwrap();
    assert!(addr.ip().is_loopback());
    assert!(
        wait_for(Duration::from_secs(60), || !robot.received().is_empty()),
        "the first pass notifies: {}",
        log_text()
    );
    // The figures are refreshed after the pass: the quota alert is firing.
    let mut metrics = String::new();
    assert!(
        wait_for(Duration::from_secs(10), || {
            metrics = get(addr, "/metrics").1;
            metrics.contains("iotcard_alerts_firing{rule=\"quota\",severity=\"critical\"}")
        }),
        "{metrics}"
    );
    assert!(
        metrics.contains("iotcard_cards{account=\"default\",provider=\"tencent\""),
        "{metrics}"
    );
    assert!(metrics.contains(&format!(
        "iotcard_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    )));
    assert_eq!(get(addr, "/healthz"), (200, "ok\n".to_owned()));
    let (status, page) = get(addr, "/");
    assert_eq!(status, 200);
    assert!(page.contains("<td>quota</td>"), "{page}");
    for text in [metrics.as_str(), page.as_str(), log_text().as_str()] {
        assert!(!text.contains("SENTINEL"), "a secret is shown: {text}");
    }

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut exit = None;
    wait_for(Duration::from_secs(10), || {
        exit = child.try_wait().unwrap();
        exit.is_some()
    });
    let Some(exit) = exit else {
        let _ = child.kill();
        panic!("still running 10 s after SIGTERM: {}", log_text());
    };
    assert_eq!(exit.code(), Some(130), "{}", log_text());
    assert!(TcpStream::connect(addr).is_err(), "the port is closed");
}

#[test]
fn listen_flags_are_checked() {
    let sim = Sim::with(builder(1));
    let path = sim.home.path().join("watch.toml");
    std::fs::write(&path, "").unwrap();
    for args in [
        &["watch", "--once", "--listen", "127.0.0.1:9"][..],
        &["watch", "--no-listen", "--listen", "127.0.0.1:9"],
        &["watch", "--listen", "localhost"],
    ] {
        let out = watch(&sim, &path).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--listen"), "{args:?}: {stderr}");
    }
}
