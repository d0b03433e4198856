//! Tests of the scalar layer: exactness of conversions, field laws over the rationals,
//! differential testing of `BigRational` against `rug::Rational`, interval enclosure
//! of exact results, and the f64 rounding bound `|fl(a∘b) − a∘b| ≤ 2⁻⁵³|a∘b|`.

use super::*;
use crate::error::Error;
use proptest::prelude::*;
use rug::Rational;

fn q(p: i64, d: i64) -> Rational {
    Rational::from((p, d))
}

fn small_rational() -> impl Strategy<Value = Rational> {
    (-1000i64..1000, 1i64..200).prop_map(|(p, d)| q(p, d))
}

/// Finite f64 values of moderate magnitude (no overflow/underflow in one operation).
fn moderate_f64() -> impl Strategy<Value = f64> {
    (-1.0e6f64..1.0e6).prop_filter("nonzero-ish", |x| x.abs() > 1e-6)
}

#[test]
fn non_finite_inputs_are_typed_errors_for_every_scalar() {
    for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert!(matches!(f64::from_f64(x), Err(Error::NonFinite { .. })));
        assert!(matches!(Rational::from_f64(x).ok_or(()), Err(())));
        assert!(matches!(
            <Rational as Scalar>::from_f64(x),
            Err(Error::NonFinite { .. })
        ));
        assert!(matches!(
            <BigRational as Scalar>::from_f64(x),
            Err(Error::NonFinite { .. })
        ));
        assert!(matches!(
            <Interval as Scalar>::from_f64(x),
            Err(Error::NonFinite { .. })
        ));
    }
}

#[test]
fn zero_denominators_are_typed_errors() {
    assert!(matches!(
        f64::from_ratio(1, 0),
        Err(Error::DivisionByZero { .. })
    ));
    assert!(matches!(
        <Rational as Scalar>::from_ratio(1, 0),
        Err(Error::DivisionByZero { .. })
    ));
    assert!(matches!(
        <BigRational as Scalar>::from_ratio(1, 0),
        Err(Error::DivisionByZero { .. })
    ));
    assert!(matches!(
        <Interval as Scalar>::from_ratio(1, 0),
        Err(Error::DivisionByZero { .. })
    ));
    assert_eq!(Scalar::div(&1.0f64, &0.0), None);
    assert_eq!(Scalar::div(&q(1, 2), &Rational::new()), None);
    let straddles = <Interval as Enclosure>::from_bounds(-1.0, 1.0).unwrap();
    assert!(Scalar::div(&<Interval as Scalar>::one(), &straddles).is_none());
}

#[test]
fn one_third_is_enclosed_and_exact() {
    // 1/3 is not a binary fraction: the interval must be a genuine (non-point)
    // enclosure, the rational exact, and the f64 the nearest double 0.333…3.
    let i = <Interval as Scalar>::from_ratio(1, 3).unwrap();
    assert!(i.contains_rational(&q(1, 3)));
    assert!(Enclosure::inf(&i) < Enclosure::sup(&i));
    assert_eq!(<Rational as Scalar>::from_ratio(1, 3).unwrap(), q(1, 3));
    assert_eq!(f64::from_ratio(1, 3).unwrap(), 1.0 / 3.0);
}

#[test]
fn rational_to_f64_rounds_to_nearest_not_toward_zero() {
    // 1/10 lies between the doubles 0.09999999999999999167… and 0.1000000000000000055…;
    // the second is nearer. rug's own `to_f64` truncates to the first.
    assert_eq!(Scalar::to_f64(&q(1, 10)), 0.1);
    assert_eq!(f64::from_rational(&q(-1, 10)), -0.1);
    assert_eq!(
        Scalar::to_f64(&<BigRational as Scalar>::from_ratio(2, 3).unwrap()),
        2.0 / 3.0
    );
}

#[test]
fn rational_to_f64_rounds_subnormals_once() {
    // 5·2⁻¹⁰⁷⁵ is the midpoint of the subnormals 2·2⁻¹⁰⁷⁴ and 3·2⁻¹⁰⁷⁴; a hair above it
    // the nearest is 3·2⁻¹⁰⁷⁴ (bits 3). Rounding to 53 bits first lands exactly on the
    // midpoint, and ties-to-even then gives 2·2⁻¹⁰⁷⁴ (found by the io_readers fuzz
    // target through a CSV cell like -1e-343).
    let two = |e: u32| rug::Rational::from(rug::Integer::from(1) << e);
    let mid = rug::Rational::from(5) / two(1075);
    let above: rug::Rational = &mid + two(1200).recip();
    let below: rug::Rational = &mid - two(1200).recip();
    assert_eq!(super::rational_to_f64(&above).to_bits(), 3);
    assert_eq!(super::rational_to_f64(&mid).to_bits(), 2, "tie to even");
    assert_eq!(super::rational_to_f64(&below).to_bits(), 2);
    assert_eq!(
        super::rational_to_f64(&-above).to_bits(),
        (-f64::from_bits(3)).to_bits()
    );
    // Below half the smallest subnormal: a signed zero.
    let tiny = two(1100).recip();
    assert_eq!(super::rational_to_f64(&tiny).to_bits(), 0.0f64.to_bits());
    assert_eq!(
        super::rational_to_f64(&-tiny).to_bits(),
        (-0.0f64).to_bits()
    );
}

#[test]
fn interval_comparisons_can_be_undecided() {
    let a = <Interval as Enclosure>::from_bounds(0.0, 1.0).unwrap();
    let half = <Interval as Scalar>::from_ratio(1, 2).unwrap();
    assert_eq!(a.lt(&half), Verdict::Unknown);
    assert_eq!(Scalar::sign(&a), None);
    let b = <Interval as Enclosure>::from_bounds(2.0, 3.0).unwrap();
    assert_eq!(a.lt(&b), Verdict::True);
    assert_eq!(b.le(&a), Verdict::False);
    assert_eq!(Scalar::lt(&f64::NAN, &1.0), Verdict::Unknown);
}

#[test]
fn sqrt_upper_of_two_is_a_tight_rational_upper_bound() {
    // √2 = 1.41421356237309504880…; the bound must satisfy r² ≥ 2 exactly and be
    // within 1e-14 of √2.
    let r = q(2, 1).sqrt_upper();
    assert!(Rational::from(&r * &r) >= 2);
    assert!((r.to_f64() - std::f64::consts::SQRT_2).abs() < 1e-14);
    assert_eq!(Rational::new().sqrt_upper(), 0);
    assert_eq!(q(-5, 1).sqrt_upper(), 0);
}

#[test]
fn huge_and_tiny_rationals_do_not_break_sqrt_or_conversion() {
    let huge = Rational::from(rug::Integer::from(rug::Integer::u_pow_u(10, 400)));
    let r = huge.sqrt_upper();
    assert!(Rational::from(&r * &r) >= huge);
    let tiny = Rational::from((1, rug::Integer::from(rug::Integer::u_pow_u(10, 400))));
    let r = tiny.sqrt_upper();
    assert!(Rational::from(&r * &r) >= tiny);
    // The interval enclosure of a huge rational is unbounded above but still contains it.
    let i = <Interval as Scalar>::from_rational(&huge);
    assert!(Enclosure::sup(&i) >= 1e300);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn rational_field_laws(a in small_rational(), b in small_rational(), c in small_rational()) {
        prop_assert_eq!(a.add(&b).add(&c), a.add(&b.add(&c)));
        prop_assert_eq!(a.mul(&b).mul(&c), a.mul(&b.mul(&c)));
        prop_assert_eq!(a.mul(&b.add(&c)), a.mul(&b).add(&a.mul(&c)));
        prop_assert_eq!(a.sub(&a), Rational::zero());
        if let Some(inv) = Rational::one().div(&a) {
            prop_assert_eq!(inv.mul(&a), Rational::one());
        } else {
            prop_assert_eq!(a.clone(), Rational::zero());
        }
    }

    #[test]
    fn bigrational_agrees_with_rug(a in small_rational(), b in small_rational()) {
        let (ba, bb) = (BigRational::from_rational(&a), BigRational::from_rational(&b));
        prop_assert_eq!(ba.add(&bb).to_rational(), a.add(&b));
        prop_assert_eq!(ba.sub(&bb).to_rational(), a.sub(&b));
        prop_assert_eq!(ba.mul(&bb).to_rational(), a.mul(&b));
        prop_assert_eq!(ba.div(&bb).map(|x| x.to_rational()), a.div(&b));
        prop_assert_eq!(ba.cmp3(&bb), a.cmp3(&b));
        prop_assert_eq!(Scalar::abs(&ba).to_rational(), Scalar::abs(&a));
    }

    #[test]
    fn interval_operations_enclose_exact_results(a in small_rational(), b in small_rational()) {
        let (ia, ib) = (Interval::from_rational(&a), Interval::from_rational(&b));
        prop_assert!(ia.add(&ib).contains_rational(&a.add(&b)));
        prop_assert!(ia.sub(&ib).contains_rational(&a.sub(&b)));
        prop_assert!(ia.mul(&ib).contains_rational(&a.mul(&b)));
        prop_assert!(Scalar::mul_add(&ia, &ia, &ib).contains_rational(&Scalar::mul_add(&a, &a, &b)));
        prop_assert!(Scalar::abs(&ia).contains_rational(&Scalar::abs(&a)));
        prop_assert!(Scalar::max(&ia, &ib).contains_rational(&Scalar::max(&a, &b)));
        if let (Some(qi), Some(qr)) = (ia.div(&ib), a.div(&b)) {
            prop_assert!(qi.contains_rational(&qr));
        }
        // A decided interval comparison must agree with the exact one.
        if let Some(o) = ia.cmp3(&ib) {
            prop_assert_eq!(Some(o), a.cmp3(&b));
        }
        let s = ia.square().sqrt_upper();
        prop_assert!(s.contains_rational(&Scalar::abs(&a)));
    }

    #[test]
    fn f64_operations_are_within_half_an_ulp(x in moderate_f64(), y in moderate_f64()) {
        // Every finite f64 is a rational, so the exact result of x∘y is computable and
        // the correctly rounded f64 result must satisfy |fl − exact| ≤ 2⁻⁵³ |exact|.
        let (qx, qy) = (Rational::from_f64(x).unwrap(), Rational::from_f64(y).unwrap());
        let u = Rational::from((1, rug::Integer::from(1) << 53u32));
        let pairs = [
            (x.add(&y), qx.add(&qy)),
            (x.sub(&y), qx.sub(&qy)),
            (x.mul(&y), qx.mul(&qy)),
            (x.div(&y).unwrap(), qx.div(&qy).unwrap()),
        ];
        for (f, exact) in pairs {
            let err = Scalar::abs(&Rational::from_f64(f).unwrap().sub(&exact));
            prop_assert!(err <= u.mul(&Scalar::abs(&exact)), "f64 {} exact {}", f, exact);
        }
    }

    #[test]
    fn f64_conversion_is_exact(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let r = <Rational as Scalar>::from_f64(x).unwrap();
        prop_assert_eq!(r.to_f64(), x);
        let b = <BigRational as Scalar>::from_f64(x).unwrap();
        prop_assert_eq!(b.to_rational(), r.clone());
        let i = <Interval as Scalar>::from_f64(x).unwrap();
        prop_assert!(i.contains_rational(&r));
        prop_assert_eq!(Enclosure::width(&i), 0.0);
    }

    #[test]
    fn sqrt_upper_bounds_are_sound(p in 0i64..1_000_000, d in 1i64..1000) {
        let x = q(p, d);
        let r = x.sqrt_upper();
        prop_assert!(Rational::from(&r * &r) >= x);
        let iv = Interval::from_rational(&x).sqrt_upper();
        // The interval square root must contain a rational whose square brackets x.
        prop_assert!(Enclosure::sup(&iv) * Enclosure::sup(&iv) >= x.to_f64() * (1.0 - 1e-15));
        prop_assert!((r.to_f64() - x.to_f64().sqrt()).abs() <= 1e-12 * (1.0 + x.to_f64().sqrt()));
    }
}
