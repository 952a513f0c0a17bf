//! A stand-in for a CRM or billing system that IVR lookups ask: an HTTP/1.1 server on
//! loopback, one thread, one request per connection. It answers every `GET` with a JSON
//! account whose balance follows from the `account` query parameter (or the `caller`),
//! or, as told, too late or with garbage, so tests can take the IVR's fallbacks.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How the server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupBehaviour {
    /// `{"account":{"number":"…","balance":B}}` at once, B from [`balance_for`].
    Balance,
    /// The same, after this long (longer than the IVR waits: its timeout is taken).
    Slow(Duration),
    /// `200 OK` with a body that is not JSON.
    Garbage,
}

/// The balance the server gives an account: its digits read as a number of cents,
/// modulo 100 000 (so `123456` has 234.56).
pub fn balance_for(account: &str) -> String {
    let digits: String = account.chars().filter(char::is_ascii_digit).collect();
    let cents = digits
        .chars()
        .fold(0u64, |n, d| (n * 10 + u64::from(d as u8 - b'0')) % 100_000);
    format!("{}.{:02}", cents / 100, cents % 100)
}

pub struct LookupServer {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicU64>,
    paths: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl LookupServer {
    /// Listens on `address` (port 0: any free port) and answers as `behaviour` says.
    pub fn start(address: &str, behaviour: LookupBehaviour) -> std::io::Result<LookupServer> {
        let listener = TcpListener::bind(address)?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicU64::new(0));
        let paths = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, requests, paths) = (stop.clone(), requests.clone(), paths.clone());
            std::thread::Builder::new()
                .name("lookup-server".into())
                .spawn(move || serve(listener, behaviour, &stop, &requests, &paths))?
        };
        Ok(LookupServer {
            address,
            stop,
            requests,
            paths,
            thread: Some(thread),
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Requests answered (or refused) so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Acquire)
    }

    /// The request targets (path and query) seen so far, in order.
    pub fn paths(&self) -> Vec<String> {
        self.paths.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

impl Drop for LookupServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    listener: TcpListener,
    behaviour: LookupBehaviour,
    stop: &AtomicBool,
    requests: &AtomicU64,
    paths: &Mutex<Vec<String>>,
) {
    while !stop.load(Ordering::Acquire) {
        match listener.accept() {
            Ok((stream, _)) => {
                // Counted before the answer goes out: a client that has its answer sees
                // its request counted.
                let seen = |target: &str| {
                    if let Ok(mut paths) = paths.lock() {
                        paths.push(target.to_owned());
                    }
                    requests.fetch_add(1, Ordering::AcqRel);
                };
                answer(stream, &behaviour, stop, &seen);
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

/// Reads one request, tells `seen` its target, and answers it.
fn answer(
    mut stream: TcpStream,
    behaviour: &LookupBehaviour,
    stop: &AtomicBool,
    seen: &dyn Fn(&str),
) -> Option<()> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
        let n = stream.read(&mut buffer).ok()?;
        if n == 0 {
            return None;
        }
        request.extend_from_slice(&buffer[..n]);
    }
    let text = String::from_utf8_lossy(&request);
    let mut words = text.lines().next()?.split_whitespace();
    let (method, target) = (words.next()?, words.next()?.to_owned());
    seen(&target);
    if method != "GET" {
        respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            "GET only",
        );
        return Some(());
    }
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_owned())
    };
    let account = param("account")
        .filter(|a| !a.is_empty())
        .or_else(|| param("caller"))
        .unwrap_or_default();
    let json = format!(
        r#"{{"account":{{"number":"{}","balance":{}}}}}"#,
        account.replace(|c: char| !c.is_ascii_alphanumeric(), ""),
        balance_for(&account)
    );
    match behaviour {
        LookupBehaviour::Balance => respond(&mut stream, "200 OK", "application/json", &json),
        LookupBehaviour::Slow(delay) => {
            // Sleep in steps so that dropping the server is not held up for long.
            let mut left = *delay;
            while !left.is_zero() && !stop.load(Ordering::Acquire) {
                let step = left.min(Duration::from_millis(20));
                std::thread::sleep(step);
                left -= step;
            }
            respond(&mut stream, "200 OK", "application/json", &json);
        }
        LookupBehaviour::Garbage => respond(
            &mut stream,
            "200 OK",
            "application/json",
            "<html>balance: lots",
        ),
    }
    Some(())
}

fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &str) {
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
    let _ = stream.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(address: SocketAddr, target: &str) -> String {
        let mut stream = TcpStream::connect(address).expect("connects");
        write!(stream, "GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").expect("sends");
        let mut reply = String::new();
        stream.read_to_string(&mut reply).expect("reads");
        reply
    }

    #[test]
    fn balances_follow_the_account_number() {
        assert_eq!(balance_for("123456"), "234.56");
        assert_eq!(balance_for("105"), "1.05");
        assert_eq!(balance_for(""), "0.00");
    }

    #[test]
    fn it_answers_json_for_the_account_and_counts_requests() {
        let server = LookupServer::start("127.0.0.1:0", LookupBehaviour::Balance).unwrap();
        let reply = get(server.address(), "/balance?account=123456&caller=5550123");
        assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
        assert!(
            reply.ends_with(r#"{"account":{"number":"123456","balance":234.56}}"#),
            "{reply}"
        );
        assert_eq!(server.requests(), 1);
        assert_eq!(
            server.paths(),
            vec!["/balance?account=123456&caller=5550123"]
        );
    }

    #[test]
    fn garbage_and_slow_answers_are_as_told() {
        let garbage = LookupServer::start("127.0.0.1:0", LookupBehaviour::Garbage).unwrap();
        assert!(get(garbage.address(), "/b?account=1").ends_with("<html>balance: lots"));
        let slow = LookupServer::start(
            "127.0.0.1:0",
            LookupBehaviour::Slow(Duration::from_millis(300)),
        )
        .unwrap();
        let started = std::time::Instant::now();
        get(slow.address(), "/b?account=1");
        assert!(started.elapsed() >= Duration::from_millis(300));
    }
}
