//! Exact text form of rationals, shared by problem files, CSV cells and certificates:
//! `"p/q"`, integers `"-12"`, and decimals `"0.125"`, `"-1.5e-3"` (read exactly).
//!
//! There is one parser in the project, the trusted kernel's
//! ([`piggyback_kernel::number`]); this module only maps its error into the crate's
//! [`Error`] type.

use crate::error::{Error, Result};
use rug::Rational;

pub use piggyback_kernel::number::{format_rational, MAX_DIGITS, MAX_EXPONENT};

/// Parse an exact rational from `"p/q"`, an integer, or a decimal with optional
/// exponent (see [`piggyback_kernel::number::parse_rational`]). Errors (never panics)
/// on malformed text, zero denominators ([`Error::DivisionByZero`]), more than
/// [`MAX_DIGITS`] digits, or exponents beyond [`MAX_EXPONENT`].
pub fn parse_rational(text: &str) -> Result<Rational> {
    piggyback_kernel::number::parse_rational(text).map_err(|e| {
        if e.is_zero_denominator() {
            Error::DivisionByZero {
                context: format!("rational {:?}", e.text),
            }
        } else {
            Error::malformed("", e.to_string())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_into_the_crate_error() {
        assert_eq!(parse_rational("3/4").unwrap(), Rational::from((3, 4)));
        assert!(matches!(
            parse_rational("1/0"),
            Err(Error::DivisionByZero { .. })
        ));
        assert!(matches!(parse_rational("x"), Err(Error::Malformed { .. })));
    }
}
