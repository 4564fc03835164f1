//! Log lines on stderr: warnings by default; `-v` info, `-vv` debug,
//! `-vvv` trace; `RUST_LOG` directives on top. `--log-format json` writes
//! one JSON object per line instead.

use tracing_subscriber::filter::{EnvFilter, LevelFilter};

use crate::watch_args::LogFormat;

fn level(verbosity: u8) -> LevelFilter {
    match verbosity {
        0 => LevelFilter::WARN,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// The filter for `-v` × `verbosity` and the value of `RUST_LOG`: the
/// flags set the level of everything, and `RUST_LOG` may raise it or add
/// per-crate directives. An unreadable `RUST_LOG` directive is skipped.
pub fn filter(verbosity: u8, rust_log: Option<&str>) -> EnvFilter {
    let mut everything = level(verbosity);
    let mut targeted = Vec::new();
    let directives = rust_log.unwrap_or("").split(',').map(str::trim);
    for directive in directives.filter(|d| !d.is_empty()) {
        // A bare level only ever raises the flags' level: "-vv" with
        // RUST_LOG=warn still shows debug lines.
        match directive.parse::<LevelFilter>() {
            Ok(l) => everything = everything.max(l),
            Err(_) => targeted.push(directive),
        }
    }
    let spec = std::iter::once(everything.to_string())
        .chain(targeted.into_iter().map(str::to_owned))
        .collect::<Vec<_>>()
        .join(",");
    EnvFilter::builder().parse_lossy(spec)
}

/// Installs the stderr logger. Called once, first thing.
pub fn init(verbosity: u8, format: LogFormat) {
    let rust_log = std::env::var("RUST_LOG").ok();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(verbosity, rust_log.as_deref()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.with_target(verbosity >= 2).try_init(),
        // A log collector wants every field, the target included.
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max(verbosity: u8, rust_log: Option<&str>) -> Option<LevelFilter> {
        filter(verbosity, rust_log).max_level_hint()
    }

    #[test]
    fn flags_set_the_level() {
        assert_eq!(max(0, None), Some(LevelFilter::WARN));
        assert_eq!(max(1, None), Some(LevelFilter::INFO));
        assert_eq!(max(2, None), Some(LevelFilter::DEBUG));
        assert_eq!(max(3, None), Some(LevelFilter::TRACE));
        assert_eq!(max(9, None), Some(LevelFilter::TRACE));
    }

    #[test]
    fn rust_log_raises_never_lowers() {
        assert_eq!(max(0, Some("debug")), Some(LevelFilter::DEBUG));
        assert_eq!(max(2, Some("warn")), Some(LevelFilter::DEBUG));
        assert_eq!(
            max(0, Some("iotcard_facade=trace")),
            Some(LevelFilter::TRACE)
        );
        assert_eq!(max(0, Some("")), Some(LevelFilter::WARN));
    }
}
