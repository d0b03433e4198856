//! Soundness with an oracle: the fuzzer's bytes drive the generator of
//! `tests/kernel_oracle` (honest certificates from the finders, mutated and random
//! ones); every certificate the trusted kernel accepts is re-decided by an independent
//! method, and an accepted false claim is a crash.
#![no_main]

#[path = "../../tests/kernel_oracle/mod.rs"]
mod kernel_oracle;

use libfuzzer_sys::fuzz_target;
use kernel_oracle::{generate, judge, Judgement, Source};

fuzz_target!(|data: &[u8]| {
    let text = generate(&mut Source::bytes(data));
    if let Judgement::Unsound(why) = judge(&text) {
        panic!("the kernel accepted a false claim: {why}\n{text}");
    }
});
