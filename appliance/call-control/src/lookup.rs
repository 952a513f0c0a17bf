//! The IVR's HTTP lookups: a GET on the control plane's async runtime (never blocking an
//! actor or the engine), over TLS for `https://` URLs, the answer's JSON fields picked by
//! dotted paths.

use ivr::session::LookupFailed;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Whom `https://` lookups trust: the system's root certificates and any the
/// configuration adds (a CRM on the local network often has its own CA).
#[derive(Clone)]
pub struct LookupTls(Arc<rustls::ClientConfig>);

impl std::fmt::Debug for LookupTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LookupTls")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LookupTlsError {
    #[error("cannot read the certificates in {file}: {reason}")]
    Certificates { file: PathBuf, reason: String },
    #[error("{file} holds no PEM certificate")]
    NoCertificate { file: PathBuf },
    #[error("TLS setup failed: {0}")]
    Setup(#[from] rustls::Error),
}

impl LookupTls {
    /// The system's roots (those it cannot read are skipped with a warning) and, when
    /// given, every certificate of the PEM file `extra`.
    pub fn new(extra: Option<&Path>) -> Result<LookupTls, LookupTlsError> {
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for error in &native.errors {
            tracing::warn!(%error, "a system root certificate could not be read");
        }
        let (added, ignored) = roots.add_parsable_certificates(native.certs);
        tracing::debug!(added, ignored, "system root certificates for lookups");
        if let Some(file) = extra {
            for certificate in read_pem(file)? {
                roots
                    .add(certificate)
                    .map_err(|error| LookupTlsError::Certificates {
                        file: file.to_owned(),
                        reason: error.to_string(),
                    })?;
            }
        }
        LookupTls::with_roots(roots)
    }

    /// Trusts exactly these roots (tests, and a box told to trust only its own CA).
    pub fn with_roots(roots: rustls::RootCertStore) -> Result<LookupTls, LookupTlsError> {
        // ring is the tree's one crypto provider (its deprecation is about post-quantum
        // key exchange, which it lacks; aws-lc would be a second C crypto library).
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(LookupTls(Arc::new(config)))
    }
}

/// Every certificate in a PEM file.
pub fn read_pem(file: &Path) -> Result<Vec<CertificateDer<'static>>, LookupTlsError> {
    let certificates = CertificateDer::pem_file_iter(file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|error| LookupTlsError::Certificates {
            file: file.to_owned(),
            reason: error.to_string(),
        })?;
    if certificates.is_empty() {
        return Err(LookupTlsError::NoCertificate {
            file: file.to_owned(),
        });
    }
    Ok(certificates)
}

/// The most of an answer read: a lookup answers a few fields, not a file.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// GETs `url` and picks `fields` (dotted JSON paths) out of the answer; `https://` needs
/// `tls` (without it such a lookup fails as a transport error). Gives up after
/// `timeout_ms` of wall time (in lock-step the call holds its work token meanwhile, so
/// engine time stands still and the result is the same every run).
pub async fn fetch(
    url: &str,
    fields: &[String],
    timeout_ms: u32,
    tls: Option<&LookupTls>,
) -> Result<HashMap<String, String>, LookupFailed> {
    let timeout = Duration::from_millis(u64::from(timeout_ms));
    let mut connector = awc::Connector::new().timeout(timeout);
    if let Some(tls) = tls {
        connector = connector.rustls_0_23(Arc::clone(&tls.0));
    }
    let client = awc::Client::builder()
        .connector(connector)
        .timeout(timeout)
        .finish();
    let mut response = client
        .get(url)
        .insert_header(("Accept", "application/json"))
        .send()
        .await
        .map_err(|error| match error {
            awc::error::SendRequestError::Timeout => LookupFailed::Timeout,
            other => LookupFailed::Transport(other.to_string()),
        })?;
    let status = response.status();
    if !status.is_success() {
        return Err(LookupFailed::Status(status.as_u16()));
    }
    let body = response
        .body()
        .limit(MAX_ANSWER_BYTES)
        .await
        .map_err(|error| match error {
            awc::error::PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                LookupFailed::Timeout
            }
            other => LookupFailed::Transport(other.to_string()),
        })?;
    pick_fields(&body, fields)
}

/// The answer's values at `fields`, as text. A path that is missing or names an object,
/// an array or null is left out (the IVR session reports it as missing); a body that is
/// not JSON fails as a whole.
pub fn pick_fields(
    body: &[u8],
    fields: &[String],
) -> Result<HashMap<String, String>, LookupFailed> {
    let answer: Value = serde_json::from_slice(body).map_err(|_| LookupFailed::NotJson)?;
    Ok(fields
        .iter()
        .filter_map(|path| {
            let value = path
                .split('.')
                .try_fold(&answer, |value, key| match value {
                    Value::Object(map) => map.get(key),
                    Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
                    _ => None,
                })?;
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                Value::Null | Value::Object(_) | Value::Array(_) => return None,
            };
            Some((path.clone(), text))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(list: &[&str]) -> Vec<String> {
        list.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn dotted_paths_pick_nested_values_as_text() {
        let body = br#"{"account":{"balance":12.5,"owner":"Li","vip":true,"tags":["a","b"]}}"#;
        let found = pick_fields(
            body,
            &paths(&[
                "account.balance",
                "account.owner",
                "account.vip",
                "account.tags.1",
            ]),
        )
        .expect("JSON");
        assert_eq!(found["account.balance"], "12.5");
        assert_eq!(found["account.owner"], "Li");
        assert_eq!(found["account.vip"], "true");
        assert_eq!(found["account.tags.1"], "b");
    }

    #[test]
    fn missing_and_structured_values_are_left_out() {
        let body = br#"{"account":{"balance":null,"history":[1,2]}}"#;
        let found = pick_fields(
            body,
            &paths(&["account.balance", "account.history", "account.nope", "x.y"]),
        )
        .expect("JSON");
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn garbage_is_not_json() {
        assert_eq!(
            pick_fields(b"<html>oops</html>", &paths(&["a"])),
            Err(LookupFailed::NotJson)
        );
        assert_eq!(
            pick_fields(b"{\"a\": 1", &paths(&["a"])),
            Err(LookupFailed::NotJson)
        );
    }
}
