//! `parse_rational` never panics; what it accepts round-trips through `format_rational`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piggyback::scalar::{format_rational, parse_rational};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(q) = parse_rational(text) {
        let back = parse_rational(&format_rational(&q)).expect("canonical form parses");
        assert_eq!(back, q, "round trip of {text:?}");
    }
});
