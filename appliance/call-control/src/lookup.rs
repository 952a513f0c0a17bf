//! The IVR's HTTP lookups: a GET on the control plane's async runtime (never blocking an
//! actor or the engine), the answer's JSON fields picked by dotted paths.

use ivr::session::LookupFailed;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// The most of an answer read: a lookup answers a few fields, not a file.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// GETs `url` and picks `fields` (dotted JSON paths) out of the answer. Gives up after
/// `timeout_ms` of wall time (in lock-step the call holds its work token meanwhile, so
/// engine time stands still and the result is the same every run).
pub async fn fetch(
    url: &str,
    fields: &[String],
    timeout_ms: u32,
) -> Result<HashMap<String, String>, LookupFailed> {
    let client = awc::Client::builder()
        .timeout(Duration::from_millis(u64::from(timeout_ms)))
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
pub fn pick_fields(body: &[u8], fields: &[String]) -> Result<HashMap<String, String>, LookupFailed> {
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
            &paths(&["account.balance", "account.owner", "account.vip", "account.tags.1"]),
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
        assert_eq!(pick_fields(b"{\"a\": 1", &paths(&["a"])), Err(LookupFailed::NotJson));
    }
}
