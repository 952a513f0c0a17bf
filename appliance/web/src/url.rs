//! Percent-encoding for the paths and query strings pages build.

/// Percent-encodes a value for a URL path or query string (`/` kept: paths).
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn reserved_and_non_ascii_bytes_are_encoded() {
        assert_eq!(
            super::encode("/admin/users?x=a b&c"),
            "/admin/users%3Fx%3Da%20b%26c"
        );
        assert_eq!(super::encode("坐席"), "%E5%9D%90%E5%B8%AD");
    }
}
