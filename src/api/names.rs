//! Object names and label syntax, as Kubernetes defines them: `generateName`
//! suffixes, DNS-1123 labels and subdomains, label keys (qualified names) and label
//! values. The messages are Kubernetes' own (apimachinery `util/validation` and
//! `api/validate/content`), word for word, because users search for them.
//!
//! Pure string functions: no knowledge of objects or field paths (validate.rs wraps
//! these messages into field errors).

use rand::Rng;

/// Kubernetes' `maxGeneratedNameLength` (63 - 5): the prefix is cut so that the name
/// with its 5-character suffix still fits a DNS-1123 label.
pub const MAX_GENERATED_NAME_LENGTH: usize = 63 - RANDOM_LENGTH;
/// Length of the random suffix of a generated name.
pub const RANDOM_LENGTH: usize = 5;
/// Kubernetes' `utilrand` alphabet: no vowels (no words), no confusable `0 1 3`.
pub const ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";
/// `DNS1123LabelMaxLength`.
pub const DNS1123_LABEL_MAX_LENGTH: usize = 63;
/// `DNS1123SubdomainMaxLength`.
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;
/// Maximum length of a label value and of the name part of a label key.
pub const LABEL_VALUE_MAX_LENGTH: usize = 63;

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY_ERR: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// Kubernetes' `generateName`: the prefix, cut to 58 characters, plus 5 random
/// characters, so the API server can name objects (pods of a Job) uniquely.
pub fn generate_name(prefix: &str) -> String {
    let cut = truncate_chars(prefix, MAX_GENERATED_NAME_LENGTH);
    let alphabet = ALPHABET.as_bytes();
    let mut rng = rand::rng();
    let mut name = String::with_capacity(cut.len() + RANDOM_LENGTH);
    name.push_str(cut);
    for _ in 0..RANDOM_LENGTH {
        name.push(char::from(alphabet[rng.random_range(0..alphabet.len())]));
    }
    name
}

/// The longest prefix of `s` with at most `max` bytes that ends on a char boundary
/// (Kubernetes cuts bytes; names are ASCII when valid, this only avoids a panic).
fn truncate_chars(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// apimachinery `MaxLenError`.
pub fn max_len_error(length: usize) -> String {
    format!("must be no more than {length} characters")
}

/// apimachinery `EmptyError`.
pub fn empty_error() -> &'static str {
    "must be non-empty"
}

/// apimachinery `RegexError`, including its odd double space before " or ".
pub fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let mut out = format!("{msg} (e.g. ");
    for (i, example) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push('\'');
        out.push_str(example);
        out.push_str("', ");
    }
    out.push_str("regex used for validation is '");
    out.push_str(fmt);
    out.push_str("')");
    out
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// Matches `[a-z0-9]([-a-z0-9]*[a-z0-9])?` exactly.
fn matches_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => {
            is_lower_alnum(first)
                && is_lower_alnum(last)
                && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
        }
        _ => false,
    }
}

/// Matches the DNS-1123 subdomain regex: dot-separated labels.
fn matches_dns1123_subdomain(s: &str) -> bool {
    s.split('.').all(matches_dns1123_label)
}

/// apimachinery `IsDNS1123Label`: container names, namespaces.
pub fn validate_dns1123_label(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > DNS1123_LABEL_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_LABEL_MAX_LENGTH));
    }
    if !matches_dns1123_label(name) {
        if matches_dns1123_subdomain(name) {
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                DNS1123_LABEL_ERR,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// apimachinery `IsDNS1123Subdomain`: Job and Pod names.
pub fn validate_dns1123_subdomain(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !matches_dns1123_subdomain(name) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// apimachinery `NameIsDNSSubdomain` (the name rule of Jobs and Pods). With
/// `prefix` (a `generateName`), a trailing dash is allowed since random characters
/// follow it (`maskTrailingDash`).
pub fn validate_object_name(name: &str, prefix: bool) -> Vec<String> {
    if prefix && name.len() > 1 && name.ends_with('-') {
        let masked = format!("{}a", &name[..name.len() - 1]);
        return validate_dns1123_subdomain(&masked);
    }
    validate_dns1123_subdomain(name)
}

/// `DNS1035LabelMaxLength`.
pub const DNS1035_LABEL_MAX_LENGTH: usize = 63;
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_ERR: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";

/// apimachinery `IsDNS1035Label`: Service names (they become DNS names and
/// environment variable prefixes, so they must start with a letter).
pub fn validate_dns1035_label(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > DNS1035_LABEL_MAX_LENGTH {
        errs.push(max_len_error(DNS1035_LABEL_MAX_LENGTH));
    }
    let b = name.as_bytes();
    let ok = matches!(b.first(), Some(c) if c.is_ascii_lowercase()) && matches_dns1123_label(name);
    if !ok {
        errs.push(regex_error(
            DNS1035_LABEL_ERR,
            DNS1035_LABEL_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// apimachinery `NameIsDNS1035Label` (the Service name rule), with `generateName`'s
/// trailing-dash allowance.
pub fn validate_service_name(name: &str, prefix: bool) -> Vec<String> {
    if prefix && name.len() > 1 && name.ends_with('-') {
        let masked = format!("{}a", &name[..name.len() - 1]);
        return validate_dns1035_label(&masked);
    }
    validate_dns1035_label(name)
}

const CONFIG_MAP_KEY_FMT: &str = "[-._a-zA-Z0-9]+";
const CONFIG_MAP_KEY_ERR: &str =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

/// apimachinery `IsConfigMapKey`: keys of ConfigMap and Secret data (file names in
/// their volumes, so `.` and `..` prefixes are refused).
pub fn validate_config_map_key(key: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if key.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        errs.push(regex_error(
            CONFIG_MAP_KEY_ERR,
            CONFIG_MAP_KEY_FMT,
            &["key.name", "KEY_NAME", "key-name"],
        ));
    }
    if key == "." {
        errs.push("must not be '.'".to_string());
    } else if key == ".." {
        errs.push("must not be '..'".to_string());
    } else if key.starts_with("..") {
        errs.push("must not start with '..'".to_string());
    }
    errs
}

/// `[A-Za-z0-9]` at both ends, `[-A-Za-z0-9_.]` inside.
fn matches_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// apimachinery `IsLabelKey` (formerly `IsQualifiedName`): label keys, annotation
/// keys, selector keys. An optional DNS-subdomain prefix and `/`, then a name.
pub fn validate_label_key(key: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let name = match key.split_once('/') {
        None => key,
        Some((_, suffix)) if suffix.contains('/') => {
            errs.push(format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, &["MyName", "my.name", "123-abc"])
            ));
            return errs;
        }
        Some((prefix, suffix)) => {
            if prefix.is_empty() {
                errs.push(format!("prefix part {}", empty_error()));
            } else {
                for msg in validate_dns1123_subdomain(prefix) {
                    errs.push(format!("prefix part {msg}"));
                }
            }
            suffix
        }
    };
    if name.is_empty() {
        errs.push(format!("name part {}", empty_error()));
    } else if name.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(format!(
            "name part {}",
            max_len_error(LABEL_VALUE_MAX_LENGTH)
        ));
    }
    if !matches_label_name(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                LABEL_KEY_ERR,
                LABEL_KEY_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// apimachinery `IsLabelValue`: empty, or a label name of at most 63 characters.
pub fn validate_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(max_len_error(LABEL_VALUE_MAX_LENGTH));
    }
    if !value.is_empty() && !matches_label_name(value) {
        errs.push(regex_error(
            LABEL_VALUE_ERR,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_have_prefix_and_five_alphabet_chars() {
        let name = generate_name("oneshot-");
        assert!(name.starts_with("oneshot-"), "{name}");
        let suffix = &name["oneshot-".len()..];
        assert_eq!(suffix.len(), RANDOM_LENGTH);
        assert!(suffix.chars().all(|c| ALPHABET.contains(c)), "{suffix}");
        assert!(validate_dns1123_label(&name).is_empty());
    }

    #[test]
    fn generated_names_cut_long_prefixes_to_58() {
        let long = "a".repeat(100);
        let name = generate_name(&long);
        assert_eq!(name.len(), 63);
        assert!(name.starts_with(&"a".repeat(58)));
        // Multi-byte input must not panic.
        let name = generate_name(&"é".repeat(40));
        assert!(name.len() <= 63);
    }

    #[test]
    fn generated_names_differ() {
        let a: std::collections::BTreeSet<String> = (0..20).map(|_| generate_name("x-")).collect();
        assert!(a.len() > 15, "{a:?}");
    }

    #[test]
    fn subdomain_messages_match_kubernetes() {
        let cases: &[(&str, Vec<String>)] = &[
            ("pi", vec![]),
            ("a.b-c.d", vec![]),
            ("0", vec![]),
            (
                "Foo",
                vec![
                    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_string(),
                ],
            ),
            ("-a", vec![validate_dns1123_subdomain("Foo")[0].clone()]),
            ("a..b", vec![validate_dns1123_subdomain("Foo")[0].clone()]),
            ("", vec![validate_dns1123_subdomain("Foo")[0].clone()]),
        ];
        for (name, want) in cases {
            assert_eq!(&validate_dns1123_subdomain(name), want, "{name:?}");
        }
        let long = "a".repeat(254);
        assert_eq!(
            validate_dns1123_subdomain(&long),
            vec!["must be no more than 253 characters".to_string()]
        );
    }

    #[test]
    fn label_messages_match_kubernetes() {
        assert!(validate_dns1123_label("kuard").is_empty());
        assert_eq!(
            validate_dns1123_label("a.b"),
            vec!["must not contain dots".to_string()]
        );
        assert_eq!(
            validate_dns1123_label("Kuard"),
            vec!["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".to_string()]
        );
        assert_eq!(
            validate_dns1123_label(&"a".repeat(64)),
            vec!["must be no more than 63 characters".to_string()]
        );
    }

    #[test]
    fn dns1035_and_config_map_keys_match_kubernetes() {
        assert!(validate_dns1035_label("queue").is_empty());
        assert_eq!(
            validate_dns1035_label("1queue"),
            vec!["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')".to_string()]
        );
        assert_eq!(validate_dns1035_label("a.b").len(), 1);
        assert!(validate_service_name("svc-", true).is_empty());
        assert!(validate_config_map_key("app.properties").is_empty());
        assert!(validate_config_map_key("KEY_NAME-1").is_empty());
        assert_eq!(
            validate_config_map_key("a b"),
            vec!["a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')".to_string()]
        );
        assert_eq!(
            validate_config_map_key(".."),
            vec!["must not be '..'".to_string()]
        );
        assert_eq!(
            validate_config_map_key("..a"),
            vec!["must not start with '..'".to_string()]
        );
        assert_eq!(
            validate_config_map_key("."),
            vec!["must not be '.'".to_string()]
        );
    }

    #[test]
    fn generate_name_prefix_may_end_with_dash() {
        assert!(validate_object_name("oneshot-", true).is_empty());
        assert!(!validate_object_name("oneshot-", false).is_empty());
        assert!(!validate_object_name("Oneshot-", true).is_empty());
    }

    #[test]
    fn label_keys_and_values() {
        for ok in [
            "app",
            "app.kubernetes.io/name",
            "A_b-c.D",
            "batch.kubernetes.io/job-name",
        ] {
            assert!(validate_label_key(ok).is_empty(), "{ok}");
        }
        assert_eq!(
            validate_label_key("/x"),
            vec!["prefix part must be non-empty".to_string()]
        );
        assert_eq!(
            validate_label_key("a/b/c"),
            vec!["a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".to_string()]
        );
        let errs = validate_label_key("Bad_/x-");
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs[0].starts_with("prefix part a lowercase RFC 1123 subdomain"));
        assert!(errs[1].starts_with("name part must consist of"));
        assert_eq!(
            validate_label_key(""),
            vec![
                "name part must be non-empty".to_string(),
                validate_label_key("-")[0].clone()
            ]
        );

        assert!(validate_label_value("").is_empty());
        assert!(validate_label_value("my_value").is_empty());
        assert_eq!(
            validate_label_value("a b"),
            vec!["a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".to_string()]
        );
        assert_eq!(validate_label_value(&"a".repeat(64)).len(), 1);
    }
}
