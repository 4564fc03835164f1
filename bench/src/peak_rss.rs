//! `peak-rss -- CMD…`: run a command, wait for it, and report what it
//! used. The only child this process waits for is the command, so
//! getrusage(RUSAGE_CHILDREN) is exactly its figures (its own children
//! included, once it has waited for them).

use std::process::Command;

use serde_json::json;

use crate::clock;
use crate::error::BenchError;
use crate::rusage;

/// Runs `command` (program and arguments) with this process's standard
/// streams and environment, and returns the JSON line of its figures. The
/// command's exit code is in the line; a command that ran and failed is
/// still measured.
pub fn run(command: &[String]) -> Result<String, BenchError> {
    let line = command.join(" ");
    let Some((program, args)) = command.split_first() else {
        return Err(BenchError::Spawn {
            command: line,
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "no command given"),
        });
    };
    let started = clock::now();
    let status = Command::new(program)
        .args(args)
        .status()
        .map_err(|source| BenchError::Spawn {
            command: line.clone(),
            source,
        })?;
    let wall = started.elapsed().as_secs_f64();
    let used = rusage::waited_children()?;
    Ok(json!({
        "command": program,
        "exit_code": status.code(),
        "wall_s": wall,
        "user_s": used.user.as_secs_f64(),
        "sys_s": used.sys.as_secs_f64(),
        "peak_rss_kib": used.max_rss_kib,
    })
    .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_child_and_keeps_its_exit_code() {
        let line = run(&["sh".into(), "-c".into(), "exit 3".into()]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["exit_code"], 3);
        assert!(v["peak_rss_kib"].as_u64().unwrap() > 0);
        assert!(run(&["/nonexistent/program".into()]).is_err());
    }
}
