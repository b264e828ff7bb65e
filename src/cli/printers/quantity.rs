//! Just enough of Kubernetes resource quantities for what `describe` computes from them
//! (the QoS class, `resourceFieldRef` values): a quantity's numeric value. Display keeps
//! the quantity's own text, so no formatting lives here.

/// The value of a quantity such as `500m`, `1Gi`, `2e3`, or None when it is not one.
pub fn value(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
        .unwrap_or(q.len());
    let (number, suffix) = q.split_at(split);
    let n: f64 = number.parse().ok()?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with(['e', 'E']) => 10f64.powi(s[1..].parse().ok()?),
        _ => return None,
    };
    Some(n * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        assert_eq!(value("500m"), Some(0.5));
        assert_eq!(value("1Gi"), Some(1073741824.0));
        assert_eq!(value("128Mi"), Some(134217728.0));
        assert_eq!(value("2k"), Some(2000.0));
        assert_eq!(value("1e3"), Some(1000.0));
        assert_eq!(value("3"), Some(3.0));
        assert_eq!(value("lots"), None);
        assert_eq!(value("1Xi"), None);
    }
}
