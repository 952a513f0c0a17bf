//! IVR lookups: over HTTPS against a TLS server on loopback with its own certificate,
//! trusted through a PEM file as `system.lookup_ca_file` gives it, and refused when the
//! certificate is not trusted; over HTTP, timeouts and error statuses.

use call_control::lookup::{fetch, read_pem, LookupTls};
use ivr::session::LookupFailed;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

/// A one-request HTTPS server on loopback answering `body`; returns its port and the PEM
/// of its self-signed certificate (for 127.0.0.1).
fn https_server(body: &'static str) -> (u16, String) {
    let key = rcgen::KeyPair::generate().expect("key");
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
    let certificate = params.self_signed(&key).expect("certificate");
    let pem = certificate.pem();
    let chain = vec![certificate.der().clone()];
    let private = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).expect("key der");
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .expect("server config");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        // Each connection: a TLS handshake, one request, one answer. A client that
        // refuses our certificate ends its connection during the handshake.
        for stream in listener.incoming().take(2) {
            let Ok(mut tcp) = stream else { continue };
            let Ok(mut tls) = rustls::ServerConnection::new(Arc::clone(&config)) else {
                continue;
            };
            let mut stream = rustls::Stream::new(&mut tls, &mut tcp);
            let mut request = Vec::new();
            let mut buffer = [0u8; 512];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            if request.is_empty() {
                continue;
            }
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
            let _ = stream.flush();
            tls.send_close_notify();
            let _ = tls.complete_io(&mut tcp);
        }
    });
    (port, pem)
}

fn run<F: std::future::Future>(future: F) -> F::Output {
    actix::System::new().block_on(future)
}

#[test]
fn an_https_lookup_trusting_the_servers_ca_gets_its_fields() {
    let (port, pem) = https_server(r#"{"account":{"balance":234.56}}"#);
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("crm-ca.pem");
    std::fs::write(&ca, pem).expect("write the CA");
    let tls = LookupTls::new(Some(&ca)).expect("TLS with the extra CA");
    let url = format!("https://127.0.0.1:{port}/balance?account=123456");
    let fields = vec!["account.balance".to_owned()];
    let answer = run(fetch(&url, &fields, 3000, Some(&tls))).expect("the lookup answers");
    assert_eq!(answer["account.balance"], "234.56");
}

#[test]
fn an_https_lookup_to_an_untrusted_server_fails_as_transport() {
    let (port, _pem) = https_server(r#"{"account":{"balance":1}}"#);
    let tls = LookupTls::with_roots(rustls::RootCertStore::empty()).expect("TLS");
    let url = format!("https://127.0.0.1:{port}/balance");
    let result = run(fetch(
        &url,
        &["account.balance".to_owned()],
        3000,
        Some(&tls),
    ));
    assert!(
        matches!(result, Err(LookupFailed::Transport(_))),
        "an untrusted certificate must not be accepted: {result:?}"
    );
}

#[test]
fn a_ca_file_without_certificates_is_refused_clearly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("empty.pem");
    std::fs::write(&file, "not a certificate\n").expect("write");
    let error = read_pem(&file).expect_err("refused").to_string();
    assert!(
        error.contains("empty.pem") && error.contains("no PEM certificate"),
        "{error}"
    );
    let error = LookupTls::new(Some(&dir.path().join("missing.pem")))
        .expect_err("refused")
        .to_string();
    assert!(error.contains("missing.pem"), "{error}");
}

/// A plain HTTP server on loopback that answers one request with `reply` after `delay`.
fn http_server(reply: &'static str, delay: std::time::Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buffer = [0u8; 1024];
            let _ = stream.read(&mut buffer);
            std::thread::sleep(delay);
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    port
}

#[test]
fn a_server_slower_than_the_timeout_is_a_timeout() {
    let port = http_server(
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        std::time::Duration::from_millis(1500),
    );
    let started = std::time::Instant::now();
    let result = run(fetch(&format!("http://127.0.0.1:{port}/"), &[], 300, None));
    assert_eq!(result, Err(LookupFailed::Timeout));
    assert!(started.elapsed() < std::time::Duration::from_millis(1200));
}

#[test]
fn an_error_status_is_reported_with_its_code() {
    let port = http_server(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
        std::time::Duration::ZERO,
    );
    let result = run(fetch(&format!("http://127.0.0.1:{port}/"), &[], 2000, None));
    assert_eq!(result, Err(LookupFailed::Status(503)));
}

#[test]
fn https_without_tls_set_up_fails_as_transport() {
    let result = run(fetch("https://127.0.0.1:9/", &[], 1000, None));
    assert!(
        matches!(result, Err(LookupFailed::Transport(_))),
        "{result:?}"
    );
}
