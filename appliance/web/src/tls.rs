//! HTTPS for the web port: a self-signed certificate made at first start (rcgen) and
//! kept in `DATA/tls/`, served by rustls with ring, the tree's one crypto provider.

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const CERT_FILE: &str = "cert.pem";
pub const KEY_FILE: &str = "key.pem";

/// The certificate's files in `dir`, made first if there are none.
pub fn certificate_files(dir: &Path, box_name: &str) -> anyhow::Result<(PathBuf, PathBuf)> {
    let (cert, key) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
        host_name().unwrap_or_else(|| "appliance".into()),
    ];
    let mut params =
        rcgen::CertificateParams::new(names).context("cannot make the certificate's parameters")?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, box_name);
    let key_pair = rcgen::KeyPair::generate().context("cannot make a key pair")?;
    let certificate = params
        .self_signed(&key_pair)
        .context("cannot sign the certificate")?;
    write_private(&key, key_pair.serialize_pem().as_bytes())?;
    std::fs::write(&cert, certificate.pem())
        .with_context(|| format!("cannot write {}", cert.display()))?;
    tracing::info!(cert = %cert.display(), "made a self-signed certificate for the web port");
    Ok((cert, key))
}

fn host_name() -> Option<String> {
    let name = std::fs::read_to_string("/etc/hostname").ok()?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// Writes the private key readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The rustls configuration serving the certificate in `dir` (made if missing).
pub fn server_config(dir: &Path, box_name: &str) -> anyhow::Result<rustls::ServerConfig> {
    let (cert, key) = certificate_files(dir, box_name)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .with_context(|| format!("cannot read {}", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("{} holds a bad certificate", cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(&key)
        .with_context(|| format!("{} holds no private key", key.display()))?;
    // ring: the tree's one crypto provider (its lack of post-quantum key exchange is
    // what the deprecation notes).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("no TLS versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the certificate does not match its key")?;
    Ok(config)
}

/// The certificate's SHA-256 fingerprint (what a technician compares with the browser's
/// warning on first connection).
pub fn fingerprint(dir: &Path) -> anyhow::Result<String> {
    use sha2::{Digest, Sha256};
    let cert = dir.join(CERT_FILE);
    let der = CertificateDer::from_pem_file(&cert)
        .with_context(|| format!("cannot read {}", cert.display()))?;
    Ok(Sha256::digest(der.as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_is_made_once_with_a_private_key_and_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        server_config(dir.path(), "test box").expect("made and loaded");
        let first = std::fs::read(dir.path().join(CERT_FILE)).expect("cert");
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
            .expect("key");
        assert_eq!(mode, 0o600);
        server_config(dir.path(), "test box").expect("loaded again");
        assert_eq!(
            std::fs::read(dir.path().join(CERT_FILE)).expect("cert"),
            first,
            "kept"
        );
        assert_eq!(
            fingerprint(dir.path()).expect("fingerprint").len(),
            32 * 3 - 1
        );
    }

    #[test]
    fn a_key_that_is_not_pem_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        certificate_files(dir.path(), "x").expect("made");
        std::fs::write(dir.path().join(KEY_FILE), "garbage").expect("written");
        let error = server_config(dir.path(), "x").expect_err("refused");
        assert!(
            format!("{error:#}").contains("holds no private key"),
            "{error:#}"
        );
    }
}
