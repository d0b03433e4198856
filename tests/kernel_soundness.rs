//! Soundness with an independent oracle: generated certificates (honest ones from the
//! finders, mutated ones, random ones) go through the trusted kernel, and every claim
//! it accepts is re-decided by methods that share no code with it (MPFR eigenvalues and
//! polynomial roots, exact evaluations of the main crate's maps, LASSO minimisers by
//! support enumeration): see `tests/kernel_oracle/mod.rs`. The long campaign is
//! `examples/soundness_campaign.rs`; the fuzz target is `fuzz_targets/kernel_soundness.rs`.

mod kernel_oracle;

use kernel_oracle::{generate, judge, Judgement, Source, Stats};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// No accepted claim is false.
    #[test]
    fn every_accepted_claim_is_true(seed in any::<u64>()) {
        let text = generate(&mut Source::seeded(seed));
        let j = judge(&text);
        prop_assert!(!matches!(j, Judgement::Unsound(_)), "{j:?}\n{text}");
    }
}

/// A fixed batch: the generator reaches every claim kind, and the kernel both accepts
/// (honest certificates) and refuses (mutated ones).
#[test]
fn a_fixed_batch_accepts_and_refuses() {
    let mut stats = Stats::default();
    let mut kinds = std::collections::BTreeSet::new();
    for seed in 0..400u64 {
        let text = generate(&mut Source::seeded(seed));
        let v: serde_json::Value = serde_json::from_str(&text).expect("generated JSON");
        let j = stats.run(&text);
        if !matches!(j, Judgement::Refused) {
            let kind = format!(
                "{}/{}",
                v["subject"]["type"].as_str().unwrap_or("fixed_point"),
                v["claim"]["kind"].as_str().unwrap_or("fixed_point")
            );
            kinds.insert(kind);
        }
    }
    assert!(stats.unsound.is_empty(), "{:?}", stats.unsound);
    assert!(
        stats.accepted > 50 && stats.cases - stats.accepted > 50,
        "{stats:?}"
    );
    for k in [
        "family/norm_bound",
        "family/refutation",
        "family/invertible",
        "map/norm_bound",
        "fixed_point/fixed_point",
    ] {
        assert!(kinds.contains(k), "no accepted {k} in {kinds:?}");
    }
    assert!(
        kinds
            .iter()
            .any(|k| k.ends_with("refutation") && (k.starts_with("map") || k.starts_with("field"))),
        "{kinds:?}"
    );
}

/// The oracle itself must be able to fail: hand-made false claims that only a broken
/// kernel would accept are recognised as unsound when judged directly.
#[test]
fn the_oracle_detects_false_claims() {
    use serde_json::json;
    // A false 2-norm bound and a false refutation, judged without the kernel's verdict.
    let false_bound = json!({"kind": "norm_bound", "norm": {"type": "two"}, "rho": "1/2"});
    let w = piggyback::Matrix::<piggyback::scalar::Rational>::identity(2);
    assert!(matches!(
        kernel_oracle::judge_claim_for_test(&false_bound, std::slice::from_ref(&w)),
        Judgement::Unsound(_)
    ));
    let false_refutation =
        json!({"kind": "refutation", "r": "1", "word": [0], "witness": {"type": "determinant"}});
    assert!(!matches!(
        kernel_oracle::judge_claim_for_test(&false_refutation, &[w]),
        Judgement::Confirmed
    ));
}
