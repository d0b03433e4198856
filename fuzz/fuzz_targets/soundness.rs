//! Soundness with an oracle: the fuzzer's bytes drive the generator of
//! `tests/soundness_oracle` (honest certificates from the finders, mutated and random
//! ones); every certificate the trusted kernel accepts is re-decided by an independent
//! method, and an accepted false claim is a crash.
#![no_main]

#[path = "../../tests/soundness_oracle/mod.rs"]
mod soundness_oracle;

use libfuzzer_sys::fuzz_target;
use soundness_oracle::{generate, judge, Judgement, Source};

fuzz_target!(|data: &[u8]| {
    let text = generate(&mut Source::bytes(data));
    if let Judgement::Unsound(why) = judge(&text) {
        panic!("the kernel accepted a false claim: {why}\n{text}");
    }
});
