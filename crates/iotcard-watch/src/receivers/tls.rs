//! A test certificate authority: a fresh CA, and a server certificate it
//! signed for `localhost` and `127.0.0.1`, for receivers that speak TLS.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// A CA made for one test, and the server certificate it issued for
/// `localhost` and `127.0.0.1`. Give [`pem`](Self::pem) to
/// [`DelivererBuilder::smtp_ca_pem`](crate::DelivererBuilder::smtp_ca_pem)
/// to trust it; a deliverer not told of it refuses the receiver's
/// certificate, as it would a stranger's.
#[derive(Clone)]
pub struct TestCa {
    ca_pem: String,
    acceptor: TlsAcceptor,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

impl TestCa {
    /// A fresh CA named `name`, and its server certificate. Like the
    /// receivers' `start`, it fails with an I/O error (wrapping rcgen's or
    /// rustls' error): test support has no error type of its own.
    pub fn new(name: &str) -> std::io::Result<Self> {
        let ca_key = KeyPair::generate().map_err(std::io::Error::other)?;
        let mut ca_params =
            CertificateParams::new(Vec::<String>::new()).map_err(std::io::Error::other)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, name);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = ca_params
            .self_signed(&ca_key)
            .map_err(std::io::Error::other)?;

        let server_key = KeyPair::generate().map_err(std::io::Error::other)?;
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .map_err(std::io::Error::other)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let server = params
            .signed_by(&server_key, &ca, &ca_key)
            .map_err(std::io::Error::other)?;

        // The provider named, not the process default: a test binary may
        // have more than one rustls provider compiled in.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let chain: Vec<CertificateDer<'static>> = vec![server.der().clone()];
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(
                chain,
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
            )
            .map_err(std::io::Error::other)?;
        Ok(Self {
            ca_pem: ca.pem(),
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// The CA's certificate, PEM: what a client trusts.
    pub fn pem(&self) -> &str {
        &self.ca_pem
    }

    /// The server side of the handshake, with the issued certificate.
    pub(crate) fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }
}
