//! Exact text form of rationals, shared by problem files and certificates:
//! `"p/q"`, integers `"-12"`, and decimals `"0.125"`, `"-1.5e-3"` (read exactly).
//! Lengths and exponents are capped so a hostile file cannot exhaust memory.

use crate::error::{Error, Result};
use rug::{Integer, Rational};

/// Longest accepted digit string (numerator or denominator), in characters.
pub const MAX_DIGITS: usize = 10_000;
/// Largest accepted decimal exponent magnitude (`1e±MAX_EXPONENT`).
pub const MAX_EXPONENT: u32 = 1_000;

fn bad(s: &str, why: &str) -> Error {
    let shown: String = s.chars().take(40).collect();
    Error::InvalidInput(format!("not an exact number {shown:?}: {why}"))
}

fn parse_integer(s: &str, whole: &str) -> Result<Integer> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(whole, "expected digits"));
    }
    if digits.len() > MAX_DIGITS {
        return Err(bad(whole, "too many digits"));
    }
    Integer::from_str_radix(s.trim_start_matches('+'), 10)
        .map_err(|_| bad(whole, "expected an integer"))
}

/// Parse an exact rational from `"p/q"`, an integer, or a decimal with optional
/// exponent. Errors (never panics) on malformed text, zero denominators, more than
/// [`MAX_DIGITS`] digits, or exponents beyond [`MAX_EXPONENT`].
pub fn parse_rational(text: &str) -> Result<Rational> {
    let s = text.trim();
    if let Some((p, q)) = s.split_once('/') {
        let (p, q) = (parse_integer(p.trim(), s)?, parse_integer(q.trim(), s)?);
        if q == 0 {
            return Err(Error::DivisionByZero {
                context: format!("rational {s:?}"),
            });
        }
        return Ok(Rational::from((p, q)));
    }
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(k) => {
            let e: i64 = s[k + 1..].parse().map_err(|_| bad(s, "bad exponent"))?;
            if e.unsigned_abs() > u64::from(MAX_EXPONENT) {
                return Err(bad(s, "exponent too large"));
            }
            (&s[..k], e)
        }
        None => (s, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(s, "expected digits after the point"));
    }
    let int_digits = if int_part.is_empty() || int_part == "-" || int_part == "+" {
        if frac_part.is_empty() {
            return Err(bad(s, "no digits"));
        }
        format!("{int_part}0")
    } else {
        int_part.to_string()
    };
    let joined = format!("{int_digits}{frac_part}");
    let num = parse_integer(&joined, s)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms_exactly() {
        assert_eq!(parse_rational("3/4").unwrap(), Rational::from((3, 4)));
        assert_eq!(parse_rational(" -6/8 ").unwrap(), Rational::from((-3, 4)));
        assert_eq!(parse_rational("12").unwrap(), Rational::from(12));
        assert_eq!(parse_rational("0.125").unwrap(), Rational::from((1, 8)));
        assert_eq!(
            parse_rational("-1.5e-3").unwrap(),
            Rational::from((-3, 2000))
        );
        assert_eq!(parse_rational(".5").unwrap(), Rational::from((1, 2)));
        assert_eq!(parse_rational("2E2").unwrap(), Rational::from(200));
        // 0.1 is read as the exact decimal 1/10, not the nearest double.
        assert_eq!(parse_rational("0.1").unwrap(), Rational::from((1, 10)));
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
        ] {
            assert!(parse_rational(s).is_err(), "{s:?} should be rejected");
        }
        let long = "9".repeat(MAX_DIGITS + 1);
        assert!(parse_rational(&long).is_err());
    }

    #[test]
    fn format_round_trips() {
        for (p, q) in [(3, 4), (-5, 1), (0, 1), (7, -9)] {
            let r = Rational::from((p, q));
            assert_eq!(parse_rational(&format_rational(&r)).unwrap(), r);
        }
    }
}
