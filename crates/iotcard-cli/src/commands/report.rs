//! `report`: the fleet report from the store alone, as one self-contained
//! HTML page (or Markdown, JSON, CSV), written to a file or standard output.

use std::io::Write;
use std::path::Path;

use iotcard_facade::SystemClock;
use iotcard_report::{Period, Report};
use iotcard_store::ReportScope;

use crate::cli::{GlobalArgs, ReportArgs, ReportFormat};
use crate::commands::history::location;
use crate::config::{Env, Sources};
use crate::error::CliError;
use crate::exit::Exit;

/// The format `--out`'s extension asks for, when `--format` is not given.
fn format_for(args: &ReportArgs) -> ReportFormat {
    if let Some(format) = args.format {
        return format;
    }
    match args
        .out
        .as_deref()
        .and_then(Path::extension)
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => ReportFormat::Html,
        Some("md" | "markdown") => ReportFormat::Md,
        Some("csv") => ReportFormat::Csv,
        _ => ReportFormat::Json,
    }
}

pub async fn run(global: &GlobalArgs, env: Env, args: &ReportArgs) -> Result<Exit, CliError> {
    let now = iotcard_sync::instant(&SystemClock::default()).map_err(|source| CliError::Sync {
        profile: String::new(),
        source,
    })?;
    let period = match (&args.month, args.since, args.until) {
        (Some(month), _, _) => Period::month(month),
        (None, Some(since), Some(until)) => Period::between(since, until),
        _ => Period::month_of(now),
    }
    .map_err(CliError::Report)?;
    let sources = Sources::load(global.config.as_deref(), None, env)?;
    let store = location::open(global, &sources).await?;
    let scope = ReportScope {
        since: period.since,
        until: period.until,
        profiles: global.profile.clone(),
    };
    let figures = store
        .report(&scope)
        .await
        .map_err(|source| CliError::Store {
            what: "failed reading the report's figures",
            source,
        })?;
    let report = Report::new(&period, &figures, now);
    let body = match format_for(args) {
        ReportFormat::Html => report.to_html(),
        ReportFormat::Json => report.to_json().map(|j| j + "\n"),
        ReportFormat::Md => Ok(report.to_markdown()),
        ReportFormat::Csv => report.to_csv(),
    }
    .map_err(CliError::Report)?;
    match &args.out {
        Some(path) => {
            // Written beside the target and renamed: a reader never sees
            // half a report, and a failed run leaves the old one.
            let shown = path.display().to_string();
            let fail = |source| CliError::WriteOutput {
                to: shown.clone(),
                source,
            };
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let mut file = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
            // A report is for sharing: readable as any new file would be
            // (the temporary file starts private).
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                file.as_file()
                    .set_permissions(std::fs::Permissions::from_mode(0o644))
                    .map_err(fail)?;
            }
            file.write_all(body.as_bytes()).map_err(fail)?;
            file.persist(path).map_err(|e| fail(e.error))?;
            eprintln!(
                "wrote the fleet report for {} ({} cards, {} bytes) to {shown}",
                period.label,
                report.fleet.cards,
                body.len()
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(body.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|source| CliError::WriteOutput {
                    to: "standard output".into(),
                    source,
                })?;
        }
    }
    Ok(Exit::Success)
}
