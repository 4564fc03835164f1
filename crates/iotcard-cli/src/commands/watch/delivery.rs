//! The deliverer the watcher's commands send through: HTTP by the
//! transport with robot tokens among the names it redacts, e-mail over
//! SMTP; both trusting the config's CA file too.

use std::path::Path;

use iotcard_transport::HttpTransport;
use iotcard_watch::{Deliverer, RetryPolicy};

use crate::error::CliError;

/// A deliverer retrying as `retry` says, trusting `ca_file` besides the
/// public roots.
pub fn deliverer(retry: RetryPolicy, ca_file: Option<&Path>) -> Result<Deliverer, CliError> {
    let mut transport = HttpTransport::builder().secret_names(iotcard_notify::URL_SECRETS);
    if let Some(path) = ca_file {
        transport = transport.extra_ca_pem_file(path);
    }
    let transport = transport.build().map_err(CliError::Transport)?;
    let mut builder = Deliverer::builder(transport).retry(retry);
    if let Some(path) = ca_file {
        builder = builder.smtp_ca_pem_file(path);
    }
    builder.build().map_err(CliError::Delivery)
}
