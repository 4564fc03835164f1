//! `peak-rss [--stdin FILE] [--stdout FILE] -- CMD…`: run a command, wait
//! for it, and report what it used. The only child this process waits for is
//! the command, so getrusage(RUSAGE_CHILDREN) is exactly its figures (its own
//! children included, once it has waited for them).

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::clock;
use crate::error::BenchError;
use crate::rusage;

/// Where the command's standard input comes from and its output goes
/// (`None`: this process's own).
#[derive(Debug, Default)]
pub struct Streams<'a> {
    pub stdin: Option<&'a Path>,
    pub stdout: Option<&'a Path>,
}

/// Runs `command` (program and arguments) with this process's environment
/// and standard error, and the standard input and output `streams` say, and
/// returns the JSON line of its figures. The files are opened before the
/// clock starts. The command's exit code is in the line; a command that ran
/// and failed is still measured.
pub fn run(command: &[String], streams: &Streams<'_>) -> Result<String, BenchError> {
    let line = command.join(" ");
    let Some((program, args)) = command.split_first() else {
        return Err(BenchError::Spawn {
            command: line,
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "no command given"),
        });
    };
    let mut child = Command::new(program);
    child.args(args);
    if let Some(path) = streams.stdin {
        let file = File::open(path).map_err(|source| BenchError::Read {
            path: path.to_owned(),
            source,
        })?;
        child.stdin(Stdio::from(file));
    }
    if let Some(path) = streams.stdout {
        let file = File::create(path).map_err(|source| BenchError::Write {
            path: path.to_owned(),
            source,
        })?;
        child.stdout(Stdio::from(file));
    }
    let started = clock::now();
    let status = child.status().map_err(|source| BenchError::Spawn {
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

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn measures_a_child_and_keeps_its_exit_code() {
        let line = run(&sh("exit 3"), &Streams::default()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["exit_code"], 3);
        assert!(v["peak_rss_kib"].as_u64().unwrap() > 0);
        assert!(run(&["/nonexistent/program".into()], &Streams::default()).is_err());
    }

    #[test]
    fn the_child_reads_and_writes_the_files_given() {
        let dir =
            std::env::temp_dir().join(format!("iotcard-bench-peak-rss-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (input, output) = (dir.join("in.txt"), dir.join("out.txt"));
        std::fs::write(&input, "1064042950930\n1064803126727\n").unwrap();
        let streams = Streams {
            stdin: Some(&input),
            stdout: Some(&output),
        };
        let line = run(&sh("tr 0 x; echo done"), &streams).unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["exit_code"], 0);
        assert_eq!(
            std::fs::read_to_string(&output).unwrap(),
            "1x64x4295x93x\n1x648x3126727\ndone\n"
        );
        let missing = dir.join("missing.txt");
        let e = run(
            &sh("cat"),
            &Streams {
                stdin: Some(&missing),
                stdout: None,
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("missing.txt"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
