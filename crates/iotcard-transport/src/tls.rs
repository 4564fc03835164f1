//! Which certificate authorities we trust, and the rustls client configuration built on them.
//!
//! There is deliberately no way to skip certificate verification: a private deployment
//! adds its own CA instead.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

use crate::TransportError;

/// The base set of trusted certificate authorities; extra CAs from PEM are added on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Roots {
    /// The Mozilla root program, compiled in (`webpki-roots`). The default.
    #[default]
    WebPki,
    /// The operating system's certificate store (`rustls-native-certs`), read at build time.
    #[cfg(feature = "native-roots")]
    Native,
    /// Only the CAs added with `extra_ca_pem` / `extra_ca_pem_file`: for private deployments
    /// that must not trust public CAs.
    ExtraOnly,
}

/// Where an extra CA's PEM text comes from.
#[derive(Clone)]
pub(crate) enum PemSource {
    Bytes(Vec<u8>),
    File(PathBuf),
}

impl std::fmt::Debug for PemSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bytes(bytes) => write!(f, "PEM bytes ({} bytes)", bytes.len()),
            Self::File(path) => write!(f, "PEM file {}", path.display()),
        }
    }
}

/// A rustls client configuration with the ring provider, safe default protocol versions and
/// the chosen roots. ALPN is left to the connector builder.
pub(crate) fn client_config(
    roots: Roots,
    extra: &[PemSource],
) -> Result<rustls::ClientConfig, TransportError> {
    let mut store = base_roots(roots)?;
    for (index, source) in extra.iter().enumerate() {
        add_pem(&mut store, index, source)?;
    }
    if store.is_empty() {
        return Err(TransportError::config(
            "no trusted certificate authorities: Roots::ExtraOnly needs at least one extra CA",
            None,
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError::config("TLS protocol versions", Some(Box::new(e))))?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(config)
}

fn base_roots(roots: Roots) -> Result<RootCertStore, TransportError> {
    match roots {
        Roots::WebPki => Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        }),
        #[cfg(feature = "native-roots")]
        Roots::Native => native_roots(),
        Roots::ExtraOnly => Ok(RootCertStore::empty()),
    }
}

#[cfg(feature = "native-roots")]
fn native_roots() -> Result<RootCertStore, TransportError> {
    let found = rustls_native_certs::load_native_certs();
    let mut store = RootCertStore::empty();
    let (added, ignored) = store.add_parsable_certificates(found.certs);
    if ignored > 0 {
        tracing::debug!(
            ignored,
            "platform certificates rustls cannot use were skipped"
        );
    }
    if added == 0 {
        let why = found
            .errors
            .first()
            .map_or_else(|| "the store is empty".to_owned(), ToString::to_string);
        return Err(TransportError::config(
            format!("no usable certificates in the platform's certificate store: {why}"),
            None,
        ));
    }
    for error in &found.errors {
        tracing::debug!(%error, "part of the platform's certificate store could not be read");
    }
    Ok(store)
}

fn add_pem(
    store: &mut RootCertStore,
    index: usize,
    source: &PemSource,
) -> Result<(), TransportError> {
    let (name, text) = match source {
        PemSource::Bytes(bytes) => (format!("extra CA PEM #{}", index + 1), bytes.clone()),
        PemSource::File(path) => {
            let name = format!("extra CA file {}", path.display());
            let text = std::fs::read(path).map_err(|e| {
                TransportError::config(format!("{name}: cannot read it"), Some(Box::new(e)))
            })?;
            (name, text)
        }
    };
    let mut count = 0usize;
    for item in CertificateDer::pem_slice_iter(&text) {
        let der = item.map_err(|e| {
            TransportError::config(format!("{name}: not valid PEM"), Some(Box::new(e)))
        })?;
        store.add(der).map_err(|e| {
            TransportError::config(
                format!("{name}: certificate #{} is not a usable CA", count + 1),
                Some(Box::new(e)),
            )
        })?;
        count += 1;
    }
    if count == 0 {
        return Err(TransportError::config(
            format!("{name}: contains no PEM CERTIFICATE section"),
            None,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_pem_is_refused_naming_its_source() {
        let error = client_config(Roots::WebPki, &[PemSource::Bytes(b"hello".to_vec())])
            .unwrap_err()
            .to_string();
        assert!(error.contains("extra CA PEM #1"), "{error}");
        assert!(error.contains("no PEM CERTIFICATE"), "{error}");
    }

    #[test]
    fn broken_base64_is_refused() {
        let pem = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        let error = client_config(Roots::WebPki, &[PemSource::Bytes(pem.to_vec())])
            .unwrap_err()
            .to_string();
        assert!(error.contains("extra CA PEM #1"), "{error}");
    }

    #[test]
    fn missing_file_is_named() {
        let path = PathBuf::from("/nonexistent/iotcard-ca.pem");
        let error = client_config(Roots::WebPki, &[PemSource::File(path)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("/nonexistent/iotcard-ca.pem"), "{error}");
    }

    #[test]
    fn extra_only_without_extras_is_refused() {
        let error = client_config(Roots::ExtraOnly, &[])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("no trusted certificate authorities"),
            "{error}"
        );
    }

    #[test]
    fn webpki_default_builds() {
        assert!(client_config(Roots::WebPki, &[]).is_ok());
    }
}
