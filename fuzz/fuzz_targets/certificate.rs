//! The trusted kernel never panics on arbitrary text (either certificate format): it
//! accepts or refuses with a typed failure, within its work budget. A certificate that
//! parses serialises to text that parses to the same certificate and gets the same
//! verdict.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piggyback_kernel::certificate::{from_json, to_json};
use piggyback_kernel::fixed_point::{check_fixed_point, fixed_point_from_json};
use piggyback_kernel::{check_json, Budget};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let verdict = check_json(text);
    if let Ok(c) = from_json(text) {
        let again = from_json(&to_json(&c)).expect("serialised certificate parses");
        assert_eq!(again, c);
        let v = piggyback_kernel::check::check(&again, &mut Budget::default());
        assert_eq!(v.is_ok(), verdict.is_ok());
    }
    if let Ok(c) = fixed_point_from_json(text) {
        let again = fixed_point_from_json(&to_json(&c)).expect("serialised certificate parses");
        assert_eq!(again, c);
        let v = check_fixed_point(&again, &mut Budget::default());
        assert_eq!(v.is_ok(), verdict.is_ok());
    }
});
