//! The exported strategies (feature `testing`) generate well-formed values, and the
//! audit's exact membership agrees with them: every representative of a generated
//! set is a member, and a point far outside every generated set is not.

use piggyback::audit::membership::{contains, representatives};
use piggyback::audit::strategies::{self, SmallRational};
use piggyback::{Matrix, MatrixSet};
use proptest::prelude::*;
use rug::Rational;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn representatives_are_members(set in strategies::matrix_set(2, 3)) {
        prop_assert_eq!(set.shape(), (2, 3));
        for r in representatives(&set).unwrap() {
            prop_assert!(contains(&set, &r).unwrap());
        }
    }

    #[test]
    fn far_points_are_not_members(set in strategies::matrix_set(2, 2)) {
        // Generated entries are at most 8 in magnitude (DiagBox elements at most
        // 8·8 + 8 = 72), so 1000 in entry (0,0) is outside every generated set.
        let mut far = representatives(&set).unwrap()[0].clone();
        far[(0, 0)] = Rational::from(1000);
        prop_assert!(!contains(&set, &far).unwrap());
    }

    #[test]
    fn small_rationals_are_small(q in strategies::rational()) {
        prop_assert!(Rational::from(q.abs_ref()) <= 8);
        prop_assert!(*q.denom() <= 8);
    }
}

#[test]
fn quickcheck_arbitrary_impls() {
    fn scaled_in_hull(a: Matrix<Rational>) -> bool {
        // 2a lies in conv{a, 3a} (the midpoint), decided by the exact simplex.
        let b = Matrix::from_fn(a.rows(), a.cols(), |i, j| Rational::from(&a[(i, j)] * 3));
        let mid = Matrix::from_fn(a.rows(), a.cols(), |i, j| Rational::from(&a[(i, j)] * 2));
        let set = MatrixSet::hull(vec![a.clone(), b]).unwrap();
        contains(&set, &mid).unwrap()
    }
    quickcheck::QuickCheck::new()
        .tests(48)
        .quickcheck(scaled_in_hull as fn(Matrix<Rational>) -> bool);
    fn set_reps(set: MatrixSet<Rational>) -> bool {
        representatives(&set)
            .unwrap()
            .iter()
            .all(|r| contains(&set, r).unwrap())
    }
    quickcheck::QuickCheck::new()
        .tests(48)
        .quickcheck(set_reps as fn(MatrixSet<Rational>) -> bool);
    // The quickcheck generator keeps the strategy's promise (|q| ≤ 8, denominator ≤ 8),
    // and it is not constant (a generator stuck at one value would pass the rest).
    fn small_and_bounded(q: SmallRational) -> bool {
        Rational::from(q.0.abs_ref()) <= 8 && *q.0.denom() <= 8
    }
    quickcheck::QuickCheck::new()
        .tests(48)
        .quickcheck(small_and_bounded as fn(SmallRational) -> bool);
    let mut g = quickcheck::Gen::new(16);
    let draws: Vec<Rational> = (0..64)
        .map(|_| <SmallRational as quickcheck::Arbitrary>::arbitrary(&mut g).0)
        .collect();
    assert!(
        draws.iter().any(|q| *q != draws[0]),
        "SmallRational generator is constant"
    );
}

mod networks {
    use piggyback::audit::strategies::{self, ArbitraryNetwork};
    use piggyback::audit::{audit, AuditConfig, ClaimMode, SelectionTarget};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// Random compositions of the crate's selections pass the audit in both modes:
        /// no false alarm, and the chain rule of `selection::Compose` holds.
        #[test]
        fn random_networks_pass(net in strategies::network(2, 2, 1), seed in 0u64..1000) {
            for mode in [ClaimMode::Element, ClaimMode::Set] {
                let t = SelectionTarget::new("network", &net, mode);
                let r = audit(&t, &AuditConfig::quick(seed)).unwrap();
                prop_assert!(r.passed(), "{}", r);
            }
        }
    }

    #[test]
    fn quickcheck_networks_pass() {
        fn prop(n: ArbitraryNetwork) -> bool {
            let t = SelectionTarget::new("network", &n.0, ClaimMode::Set);
            audit(&t, &AuditConfig::quick(3))
                .map(|r| r.passed())
                .unwrap_or(false)
        }
        quickcheck::QuickCheck::new()
            .tests(12)
            .quickcheck(prop as fn(ArbitraryNetwork) -> bool);
    }
}
