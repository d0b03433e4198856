//! The certificate parsers and trusted checkers (matrix-set claims and fixed-point
//! claims) never panic on arbitrary text; a certificate that parses serialises to text
//! that parses to the same certificate and gets the same verdict.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piggyback::certify::check_fixed_point::{
    check_fixed_point, fixed_point_from_json, fixed_point_to_json,
};
use piggyback::certify::{check, check_json, from_json, to_json};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let verdict = check_json(text);
    if let Ok(c) = from_json(text) {
        let again = from_json(&to_json(&c)).expect("serialised certificate parses");
        assert_eq!(check(&again).is_ok(), check(&c).is_ok());
        assert_eq!(check(&c).is_ok(), verdict.is_ok());
    }
    if let Ok(c) = fixed_point_from_json(text) {
        let again = fixed_point_from_json(&fixed_point_to_json(&c)).expect("serialised certificate parses");
        assert_eq!(again, c);
        assert_eq!(check_fixed_point(&again).is_ok(), check_fixed_point(&c).is_ok());
    }
});
