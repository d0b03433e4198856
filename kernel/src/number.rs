//! Exact numbers as text: `"p/q"`, integers `"-12"`, decimals `"0.125"`, `"-1.5e-3"`
//! (read exactly, never through binary floating point). This is the one parser of the
//! whole project: problem files, CSV cells and certificates all go through it.
//!
//! Caps keep a hostile file from exhausting memory before any budget is consulted:
//! at most [`MAX_DIGITS`] digits per integer part and exponents within
//! ±[`MAX_EXPONENT`], so every accepted number has fewer than about 37,000 bits.

use rug::{Integer, Rational};
use std::fmt;

/// Longest accepted digit string (numerator, denominator or decimal digits).
pub const MAX_DIGITS: usize = 10_000;
/// Largest accepted decimal exponent magnitude (`1e±MAX_EXPONENT`).
pub const MAX_EXPONENT: u32 = 1_000;

/// Why a text is not an exact number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberError {
    /// The start of the offending text (at most 40 characters).
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl NumberError {
    fn new(text: &str, reason: &'static str) -> Self {
        NumberError {
            text: text.chars().take(40).collect(),
            reason,
        }
    }

    /// Whether the only problem is a zero denominator (`"1/0"`).
    pub fn is_zero_denominator(&self) -> bool {
        self.reason == ZERO_DENOMINATOR
    }
}

const ZERO_DENOMINATOR: &str = "zero denominator";

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not an exact number {:?}: {}", self.text, self.reason)
    }
}

impl std::error::Error for NumberError {}

fn parse_integer(s: &str, whole: &str) -> Result<Integer, NumberError> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::new(whole, "expected digits"));
    }
    if digits.len() > MAX_DIGITS {
        return Err(NumberError::new(whole, "too many digits"));
    }
    Integer::from_str_radix(s.trim_start_matches('+'), 10)
        .map_err(|_| NumberError::new(whole, "expected an integer"))
}

/// Parse an exact rational from `"p/q"`, an integer, or a decimal with an optional
/// exponent. Errors (never panics) on malformed text, zero denominators, more than
/// [`MAX_DIGITS`] digits, or exponents beyond [`MAX_EXPONENT`].
pub fn parse_rational(text: &str) -> Result<Rational, NumberError> {
    let s = text.trim();
    if let Some((p, q)) = s.split_once('/') {
        let (p, q) = (parse_integer(p.trim(), s)?, parse_integer(q.trim(), s)?);
        if q == 0 {
            return Err(NumberError::new(s, ZERO_DENOMINATOR));
        }
        return Ok(Rational::from((p, q)));
    }
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(k) => {
            let e: i64 = s[k + 1..]
                .parse()
                .map_err(|_| NumberError::new(s, "bad exponent"))?;
            if e.unsigned_abs() > u64::from(MAX_EXPONENT) {
                return Err(NumberError::new(s, "exponent too large"));
            }
            (&s[..k], e)
        }
        None => (s, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::new(s, "expected digits after the point"));
    }
    let int_digits = if int_part.is_empty() || int_part == "-" || int_part == "+" {
        if frac_part.is_empty() {
            return Err(NumberError::new(s, "no digits"));
        }
        format!("{int_part}0")
    } else {
        int_part.to_string()
    };
    let num = parse_integer(&format!("{int_digits}{frac_part}"), s)?;
    // |scale| ≤ MAX_EXPONENT + MAX_DIGITS, far inside u32.
    let scale = exponent - frac_part.len() as i64;
    let pow = Integer::from(Integer::u_pow_u(10, scale.unsigned_abs() as u32));
    Ok(if scale >= 0 {
        Rational::from(num * pow)
    } else {
        Rational::from((num, pow))
    })
}

/// The canonical text form `"p/q"` (or `"p"` for integers) of a rational.
pub fn format_rational(q: &Rational) -> String {
    if *q.denom() == 1 {
        q.numer().to_string()
    } else {
        format!("{}/{}", q.numer(), q.denom())
    }
}

/// Bits of an integer's absolute value (0 for 0).
pub fn bits(x: &Integer) -> u64 {
    u64::from(x.significant_bits())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms_exactly() {
        let q = |t: &str| parse_rational(t).unwrap();
        assert_eq!(q("3/4"), Rational::from((3, 4)));
        assert_eq!(q(" -6/8 "), Rational::from((-3, 4)));
        assert_eq!(q("12"), Rational::from(12));
        assert_eq!(q("0.125"), Rational::from((1, 8)));
        assert_eq!(q("-1.5e-3"), Rational::from((-3, 2000)));
        assert_eq!(q(".5"), Rational::from((1, 2)));
        assert_eq!(q("2E2"), Rational::from(200));
        // 0.1 is the exact decimal 1/10, not the nearest double.
        assert_eq!(q("0.1"), Rational::from((1, 10)));
    }

    #[test]
    fn rejects_malformed_and_hostile_input() {
        for s in [
            "",
            "/",
            "1/",
            "/2",
            "1/0",
            "a",
            "1.2.3",
            "1e",
            "1e99999999999",
            "--1",
            "1/2/3",
            "1e5000",
            "-",
            ".",
            "NaN",
            "inf",
        ] {
            assert!(parse_rational(s).is_err(), "{s:?} should be rejected");
        }
        assert!(parse_rational("1/0").unwrap_err().is_zero_denominator());
        assert!(parse_rational(&"9".repeat(MAX_DIGITS + 1)).is_err());
        assert!(parse_rational(&format!("1/{}", "7".repeat(MAX_DIGITS + 1))).is_err());
    }

    #[test]
    fn format_round_trips() {
        for (p, q) in [(3, 4), (-5, 1), (0, 1), (7, -9)] {
            let r = Rational::from((p, q));
            assert_eq!(parse_rational(&format_rational(&r)).unwrap(), r);
        }
    }
}
