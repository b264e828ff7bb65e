//! Building API query strings: percent-encoding and the list parameters the verbs use.

/// Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `path?k=v&...` with the given parameters, skipping absent ones.
pub fn with_params(path: &str, params: &[(&str, Option<&str>)]) -> String {
    let q: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", encode(v))))
        .collect();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", q.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_encoded() {
        assert_eq!(
            with_params(
                "/api/v1/pods",
                &[("labelSelector", Some("a=b,c in (x,y)")), ("watch", None)]
            ),
            "/api/v1/pods?labelSelector=a%3Db%2Cc%20in%20%28x%2Cy%29"
        );
        assert_eq!(with_params("/x", &[]), "/x");
    }
}
