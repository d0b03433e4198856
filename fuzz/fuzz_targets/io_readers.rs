//! The data and problem readers never panic on arbitrary input; accepted matrices are
//! finite; the exact and the fast f64 readers accept the same inputs and agree (the
//! fast one gives the nearest double of the exact value); `.npy` output round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piggyback::io::problem::Problem;
use piggyback::io::{csv, npy};
use piggyback::scalar::rational_to_f64;
use piggyback::Matrix;
use rug::Rational;

fn same_doubles(a: &Matrix<f64>, b: &Matrix<f64>) -> bool {
    a.shape() == b.shape()
        && a.as_slice()
            .iter()
            .zip(b.as_slice())
            .all(|(x, y)| x.to_bits() == y.to_bits())
}

fn nearest(exact: &Matrix<Rational>) -> Matrix<f64> {
    exact.map(rational_to_f64)
}

fuzz_target!(|data: &[u8]| {
    let fast = npy::parse_matrix_f64(data);
    let exact = npy::parse_matrix::<Rational>(data);
    assert_eq!(fast.is_ok(), exact.is_ok(), "npy readers disagree on acceptance");
    if let (Ok(m), Ok(e)) = (&fast, &exact) {
        assert!(m.is_finite());
        assert!(same_doubles(m, &nearest(e)), "npy: fast != nearest(exact)");
        let again = npy::parse_matrix_f64(&npy::to_bytes(m)).expect("written .npy parses");
        assert!(same_doubles(&again, m));
    }
    if let Ok(member) = npy::npz_member(data, "a") {
        let _ = npy::parse_matrix_f64(&member);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let fast = csv::parse_matrix_f64(text);
        let via_exact = csv::parse_matrix::<f64>(text);
        match (&fast, &via_exact) {
            (Ok(a), Ok(b)) => {
                assert!(a.is_finite());
                assert!(same_doubles(a, b), "csv: fast != nearest(exact)");
            }
            (Err(_), Err(_)) => {}
            _ => panic!("csv readers disagree on acceptance: {fast:?} vs {via_exact:?}"),
        }
        if let (Ok(e), Ok(f)) = (csv::parse_matrix::<Rational>(text), &fast) {
            assert_eq!(e.shape(), f.shape());
        }
        let _ = Problem::parse(text, std::path::Path::new("."));
    }
});
