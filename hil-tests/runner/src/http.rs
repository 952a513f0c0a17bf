//! Just enough HTTP/1.1 to read the box's JSON API on loopback, without a client crate.

use anyhow::{bail, Context};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Where the box's API is (`http://host:port`) and the bearer token it takes.
pub struct Api {
    pub base: String,
    pub token: String,
}

/// GETs `path` from the API and returns the body of a 200 answer.
pub fn get(base: &Api, path: &str) -> anyhow::Result<String> {
    let (code, status, body) = get_any(base, path)?;
    if code != 200 {
        bail!("GET {path}: {status}: {body}");
    }
    Ok(body)
}

/// GETs `path` from `base`: the status code, the status line and the body, whatever the
/// status.
pub fn get_any(base: &Api, path: &str) -> anyhow::Result<(u16, String, String)> {
    request(base, "GET", path, None)
}

/// POSTs the JSON `body` to `path`: the status code, the status line and the body,
/// whatever the status.
pub fn post_json(base: &Api, path: &str, body: &str) -> anyhow::Result<(u16, String, String)> {
    request(base, "POST", path, Some(body))
}

fn request(
    api: &Api,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> anyhow::Result<(u16, String, String)> {
    let (base, token) = (&api.base, &api.token);
    let authority = base
        .strip_prefix("http://")
        .with_context(|| format!("{base}: only http:// URLs are supported (web_plain_http)"))?;
    let authority = authority.trim_end_matches('/');
    let mut stream = TcpStream::connect(authority)
        .with_context(|| format!("cannot connect to the box's web port at {authority}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    match body {
        None => write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )?,
        Some(body) => write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?,
    }
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .with_context(|| format!("reading {path} from {authority}"))?;
    let text = String::from_utf8(response).context("box answered with non-UTF-8")?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("box answered without HTTP headers")?;
    let status = head.lines().next().unwrap_or_default().to_owned();
    let code = status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok())
        .with_context(|| format!("{method} {path}: bad status line {status:?}"))?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)?
    } else {
        body.to_owned()
    };
    Ok((code, status, body))
}

fn dechunk(mut body: &str) -> anyhow::Result<String> {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").context("truncated chunked body")?;
        let size = usize::from_str_radix(size.trim(), 16).context("bad chunk size")?;
        if size == 0 {
            return Ok(out);
        }
        let chunk = rest.get(..size).context("truncated chunk")?;
        out.push_str(chunk);
        body = rest.get(size + 2..).context("truncated chunk end")?;
    }
}
