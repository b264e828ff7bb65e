//! Kubernetes resource quantities (`500m`, `1`, `2Gi`, `512Mi`, `1G`, `1e3`) parsed into
//! the integers Docker wants (bytes, nano-CPUs).
//!
//! Pure and exact: no floating point, so `0.1` CPU is exactly 100 000 000 nano-CPUs.
//! Must not know about Docker or pods; callers choose the scale.

/// A parsed quantity: `mantissa × 10^dec_exp × 2^bin_exp`, sign apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity {
    negative: bool,
    mantissa: u128,
    dec_exp: i32,
    bin_exp: u32,
}

/// Why a quantity string is not a Kubernetes quantity. Kubernetes rejects the same strings
/// with "quantities must match the regular expression ...".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "quantity {input:?} is invalid: {why} (quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$')"
)]
pub struct QuantityError {
    pub input: String,
    pub why: &'static str,
}

impl Quantity {
    /// Parses Kubernetes' quantity syntax: a signed decimal number followed by a binary SI
    /// suffix (Ki Mi Gi Ti Pi Ei), a decimal SI suffix (n u m "" k M G T P E) or a decimal
    /// exponent (e3, E-2).
    pub fn parse(input: &str) -> Result<Quantity, QuantityError> {
        let err = |why| QuantityError {
            input: input.to_string(),
            why,
        };
        let s = input.trim();
        if s.is_empty() {
            return Err(err("empty"));
        }
        let (negative, s) = match s.as_bytes()[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let num_end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (number, suffix) = s.split_at(num_end);
        let (int_part, frac_part) = match number.split_once('.') {
            Some((i, f)) => (i, f),
            None => (number, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(err("no digits"));
        }
        if frac_part.contains('.') {
            return Err(err("more than one decimal point"));
        }
        let mut mantissa: u128 = 0;
        for c in int_part.bytes().chain(frac_part.bytes()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(u128::from(c - b'0')))
                .ok_or_else(|| err("too many digits"))?;
        }
        let frac_len = i32::try_from(frac_part.len()).map_err(|_| err("too many digits"))?;
        let (dec_exp, bin_exp) = match suffix {
            "" => (0, 0),
            "n" => (-9, 0),
            "u" => (-6, 0),
            "m" => (-3, 0),
            "k" => (3, 0),
            "M" => (6, 0),
            "G" => (9, 0),
            "T" => (12, 0),
            "P" => (15, 0),
            "E" => (18, 0),
            "Ki" => (0, 10),
            "Mi" => (0, 20),
            "Gi" => (0, 30),
            "Ti" => (0, 40),
            "Pi" => (0, 50),
            "Ei" => (0, 60),
            other => {
                let exp = other
                    .strip_prefix('e')
                    .or_else(|| other.strip_prefix('E'))
                    .ok_or_else(|| err("unknown suffix"))?;
                let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err("bad exponent"));
                }
                let e: i32 = exp.parse().map_err(|_| err("exponent out of range"))?;
                (e, 0)
            }
        };
        Ok(Quantity {
            negative,
            mantissa,
            dec_exp: dec_exp - frac_len,
            bin_exp,
        })
    }

    /// The quantity in units of `10^scale`, rounded up as Kubernetes' `ScaledValue` does
    /// (so `1.5` bytes is 2 bytes and a limit is never silently lowered). `None` on overflow.
    pub fn scaled_ceil(&self, scale: i32) -> Option<i64> {
        let base = self
            .mantissa
            .checked_mul(1u128.checked_shl(self.bin_exp)?)?;
        let exp = self.dec_exp.checked_sub(scale)?;
        let magnitude = if exp >= 0 {
            base.checked_mul(10u128.checked_pow(u32::try_from(exp).ok()?)?)?
        } else {
            let div = 10u128.checked_pow(u32::try_from(-exp).ok()?);
            match div {
                Some(div) => base.div_ceil(div),
                // Dividing by more than u128 can hold: anything non-zero rounds up to 1.
                None => u128::from(base != 0),
            }
        };
        let magnitude = i64::try_from(magnitude).ok()?;
        Some(if self.negative { -magnitude } else { magnitude })
    }

    /// Bytes (for memory): `512Mi` is 536 870 912.
    pub fn bytes(&self) -> Option<i64> {
        self.scaled_ceil(0)
    }

    /// Nano-units (for CPU): `500m` is 500 000 000 nano-CPUs.
    pub fn nanos(&self) -> Option<i64> {
        self.scaled_ceil(-9)
    }

    /// Milli-units (for CPU shares): `0.5` is 500.
    pub fn millis(&self) -> Option<i64> {
        self.scaled_ceil(-3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(s: &str) -> i64 {
        Quantity::parse(s).unwrap().bytes().unwrap()
    }
    fn nanos(s: &str) -> i64 {
        Quantity::parse(s).unwrap().nanos().unwrap()
    }

    #[test]
    fn memory_suffixes() {
        assert_eq!(bytes("2Gi"), 2 * 1024 * 1024 * 1024);
        assert_eq!(bytes("512Mi"), 512 * 1024 * 1024);
        assert_eq!(bytes("16Mi"), 16 * 1024 * 1024);
        assert_eq!(bytes("1Ki"), 1024);
        assert_eq!(bytes("1G"), 1_000_000_000);
        assert_eq!(bytes("1M"), 1_000_000);
        assert_eq!(bytes("1k"), 1000);
        assert_eq!(bytes("128974848"), 128_974_848);
        assert_eq!(bytes("129e6"), 129_000_000);
        assert_eq!(bytes("1E"), 1_000_000_000_000_000_000);
        assert_eq!(bytes("1.5Gi"), 1_610_612_736);
    }

    #[test]
    fn cpu_values() {
        assert_eq!(nanos("500m"), 500_000_000);
        assert_eq!(nanos("1"), 1_000_000_000);
        assert_eq!(nanos("0.1"), 100_000_000);
        assert_eq!(nanos(".5"), 500_000_000);
        assert_eq!(nanos("2."), 2_000_000_000);
        assert_eq!(nanos("250u"), 250_000);
        assert_eq!(nanos("100n"), 100);
        assert_eq!(Quantity::parse("1.5").unwrap().millis(), Some(1500));
    }

    #[test]
    fn rounds_up_like_kubernetes() {
        // 1.5 bytes cannot be expressed: Kubernetes rounds limits up.
        assert_eq!(bytes("1500m"), 2);
        assert_eq!(Quantity::parse("1n").unwrap().millis(), Some(1));
        assert_eq!(bytes("0"), 0);
    }

    #[test]
    fn sign_and_exponents() {
        assert_eq!(bytes("-1Ki"), -1024);
        assert_eq!(bytes("+3"), 3);
        assert_eq!(bytes("12E-1"), 2);
        assert_eq!(bytes("1e+3"), 1000);
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "", "abc", "1Qi", "1..2", "1.2.3", "m", "1e", "1e+", "1mi", "1 Gi", "--1",
        ] {
            assert!(Quantity::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let e = Quantity::parse("12x").unwrap_err();
        assert!(e.to_string().contains("\"12x\""), "{e}");
    }

    #[test]
    fn overflow_is_none_not_wrap() {
        let q = Quantity::parse("100Ei").unwrap();
        assert_eq!(q.bytes(), None);
        assert_eq!(Quantity::parse("1e40").unwrap().nanos(), None);
    }
}
