//! Text encodings the image needs without crates: base64 (for SSH-style fingerprints), hex
//! (for message ids) and just enough JSON to write MemQ objects and read one back.
//!
//! Owns pure string transformations only; it must not do I/O.

const BASE64_STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 without padding, the encoding of `ssh.FingerprintSHA256` that kuard prints.
pub fn base64_raw_std(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(BASE64_STD[index as usize]));
        }
    }
    out
}

/// Lower-case hex, as Go's `hex.EncodeToString` (kuard's message ids).
pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// A JSON string literal (with quotes) for `s`, escaping what RFC 8259 requires.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The value of the top-level string field `field` of a JSON object, if present.
///
/// A small scanner rather than a parser: it walks the top-level members, skipping values of
/// any other type (nested objects and arrays included), so a message with extra fields still
/// reads. Returns `None` on malformed input or when the field is absent or not a string.
pub fn json_top_level_string(json: &str, field: &str) -> Option<String> {
    let mut s = Scanner {
        bytes: json.as_bytes(),
        pos: 0,
    };
    s.skip_ws();
    s.expect(b'{')?;
    s.skip_ws();
    if s.peek() == Some(b'}') {
        return None;
    }
    loop {
        s.skip_ws();
        let key = s.string()?;
        s.skip_ws();
        s.expect(b':')?;
        s.skip_ws();
        if key == field && s.peek() == Some(b'"') {
            return s.string();
        }
        s.skip_value()?;
        s.skip_ws();
        match s.next()? {
            b',' => continue,
            b'}' => return None,
            _ => return None,
        }
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn expect(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn string(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let mut out: Vec<u8> = Vec::new();
        loop {
            match self.next()? {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => match self.next()? {
                    b'"' => out.push(b'"'),
                    b'\\' => out.push(b'\\'),
                    b'/' => out.push(b'/'),
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0c),
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'u' => {
                        let first = self.hex4()?;
                        let code = if (0xd800..0xdc00).contains(&first) {
                            self.expect(b'\\')?;
                            self.expect(b'u')?;
                            let second = self.hex4()?;
                            0x10000 + ((first - 0xd800) << 10) + (second.checked_sub(0xdc00)?)
                        } else {
                            first
                        };
                        let c = char::from_u32(code)?;
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                    _ => return None,
                },
                b => out.push(b),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        let v = u32::from_str_radix(text, 16).ok()?;
        self.pos += 4;
        Some(v)
    }

    /// Skips one value of any type. Nesting is tracked by depth, with strings scanned
    /// properly so brackets inside them do not count.
    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
            _ => {
                let start = self.pos;
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.pos += 1;
                }
                (self.pos > start).then_some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_without_padding() {
        assert_eq!(base64_raw_std(b""), "");
        assert_eq!(base64_raw_std(b"f"), "Zg");
        assert_eq!(base64_raw_std(b"fo"), "Zm8");
        assert_eq!(base64_raw_std(b"foo"), "Zm9v");
        assert_eq!(base64_raw_std(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_raw_std(&[0xfb, 0xff]), "+/8");
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0x00, 0xab, 0x10]), "00ab10");
    }

    #[test]
    fn json_string_escapes_controls_and_quotes() {
        assert_eq!(json_string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        assert_eq!(json_string("work-item-7"), "\"work-item-7\"");
    }

    #[test]
    fn reads_a_kuard_message() {
        let msg = r#"{"kind":"message","id":"0a1b","body":"work-item-3","creationTimestamp":"2017-06-05T18:23:41.1Z"}"#;
        assert_eq!(
            json_top_level_string(msg, "body").as_deref(),
            Some("work-item-3")
        );
        assert_eq!(json_top_level_string(msg, "id").as_deref(), Some("0a1b"));
        assert_eq!(json_top_level_string(msg, "missing"), None);
    }

    #[test]
    fn skips_nested_values_and_decodes_escapes() {
        let json = r#" { "a": {"body": "inner", "x": [1, "}", {"y": null}]}, "n": -1.5e3, "t": true,
            "body": "line\nwith \"quotes\" \u00e9 \ud83d\ude00" } "#;
        assert_eq!(
            json_top_level_string(json, "body").as_deref(),
            Some("line\nwith \"quotes\" é 😀")
        );
    }

    #[test]
    fn round_trips_json_string() {
        let original = "tab\there \"q\" \\ ü";
        let json = format!("{{\"body\":{}}}", json_string(original));
        assert_eq!(
            json_top_level_string(&json, "body").as_deref(),
            Some(original)
        );
    }

    #[test]
    fn malformed_input_is_none() {
        assert_eq!(json_top_level_string("", "body"), None);
        assert_eq!(json_top_level_string("[1]", "body"), None);
        assert_eq!(
            json_top_level_string(r#"{"body": "unterminated"#, "body"),
            None
        );
        assert_eq!(json_top_level_string(r#"{"body": 5}"#, "body"), None);
    }
}
