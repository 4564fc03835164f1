//! The HTML page: the report's template (extending the shared
//! `base.html` of every iotcard page) with its charts inline.

use std::sync::OnceLock;

use minijinja::Environment;
use serde::Serialize;

use crate::charts::{self, Chart};
use crate::error::{ReportError, Result};
use crate::report::Report;

fn environment() -> Result<&'static Environment<'static>> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    if let Some(env) = ENV.get() {
        return Ok(env);
    }
    let mut env = Environment::new();
    for (name, source) in iotcard_observe::templates() {
        env.add_template(name, source)
            .map_err(ReportError::Template)?;
    }
    env.add_template("report.html", include_str!("../templates/report.html"))
        .map_err(ReportError::Template)?;
    env.add_global(
        "stylesheet",
        minijinja::Value::from_safe_string(iotcard_observe::STYLESHEET.into()),
    );
    // Two first renders at once build it twice; one is kept.
    Ok(ENV.get_or_init(|| env))
}

#[derive(Serialize)]
struct Page<'a> {
    r: &'a Report,
    charts: &'a Charts,
}

#[derive(Serialize)]
struct Charts {
    fleet: Chart,
    daily: Vec<Chart>,
    histogram: Chart,
}

impl Report {
    /// The report as one self-contained HTML page: inline CSS and SVG
    /// charts, no script, no external asset.
    pub fn to_html(&self) -> Result<String> {
        let charts = Charts {
            fleet: charts::fleet(self)?,
            daily: charts::daily(self)?,
            histogram: charts::histogram(self)?,
        };
        environment()?
            .get_template("report.html")
            .and_then(|t| {
                t.render(minijinja::value::Serde(&Page {
                    r: self,
                    charts: &charts,
                }))
            })
            .map_err(ReportError::Template)
    }
}
