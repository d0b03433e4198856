//! The audit harness: reproducibility, shrinking, the conservative-Jacobian examples
//! (null-set exceptions are forgiven), the three outcomes and their reasons, the
//! adapters (closures with Dual or exact directional derivatives, `FixedPointMap` in
//! one call), exact kink location, typed errors.

use piggyback::audit::{
    audit, audit_map, contains, simplest_in, AuditConfig, AuditTarget, Claim, ClaimMode, Dual,
    FnTarget, MapTarget, Verdict, ViolationKind,
};
use piggyback::maps::selection_map::DenseLinearization;
use piggyback::{Error, FixedPointMap, Linearization, Matrix, MatrixSet, Result, Scalar};
use proptest::prelude::*;
use rug::Rational;
use std::cmp::Ordering;

fn q(n: i64, d: i64) -> Rational {
    Rational::from((n, d))
}

fn scalar_claim(v: Rational) -> Result<Claim> {
    Ok(Claim::Element(Matrix::from_rows(&[vec![v]])?))
}

/// |x| with the slope on x > 0 scaled by 1 + 1/1000 (a mutant).
fn scaled_abs() -> impl AuditTarget {
    FnTarget::new(
        "scaled abs",
        1,
        1,
        |z: &[Rational]| Ok(vec![Rational::from(z[0].abs_ref())]),
        |z: &[Rational]| {
            scalar_claim(match z[0].cmp0() {
                Ordering::Greater => q(1001, 1000),
                Ordering::Less => q(-1, 1),
                Ordering::Equal => q(0, 1),
            })
        },
    )
}

#[test]
fn counterexamples_are_reproducible_and_shrunk() {
    let t = scaled_abs();
    let cfg = AuditConfig::default();
    let a = audit(&t, &cfg).unwrap();
    let b = audit(&t, &cfg).unwrap();
    assert_eq!(a.violations, b.violations, "same seed, same counterexample");
    let c = &a.violations[0];
    assert_eq!(c.kind, ViolationKind::ChainRule);
    // Shrunk: a small positive point (where the slope is wrong) and a unit direction.
    assert!(c.point[0] > 0 && c.point[0] <= 2, "{c}");
    assert!(*c.point[0].denom() <= 4, "{c}");
    assert!(c.direction[0] == 1 || c.direction[0] == -1, "{c}");
    // Expected and claimed are the exact d/dt and A d along the direction.
    let d = &c.direction[0];
    assert_eq!(c.expected, vec![d.clone()]);
    assert_eq!(c.claimed, vec![(d * q(1001, 1000))]);
    // Reproduce by hand: F(z + t d) − F(z) = t·d for small t (z > 0), claimed slope differs.
    assert!(c.shrink_steps > 0);
}

#[test]
fn math_section_2_examples_pass() {
    let relu = |x: &Rational| if *x > 0 { x.clone() } else { Rational::new() };
    // relu'(0) ∈ {0, 1/2, 1} as a finite set.
    let t = FnTarget::new(
        "relu with {0,1/2,1}",
        1,
        1,
        move |z: &[Rational]| Ok(vec![relu(&z[0])]),
        |z: &[Rational]| match z[0].cmp0() {
            Ordering::Greater => scalar_claim(q(1, 1)),
            Ordering::Less => scalar_claim(q(0, 1)),
            Ordering::Equal => Ok(Claim::Set(MatrixSet::finite(
                [(0, 1), (1, 2), (1, 1)]
                    .iter()
                    .map(|&r| Matrix::from_ratio_rows(&[vec![r]]))
                    .collect::<Result<Vec<_>>>()?,
            )?)),
        },
    );
    let r = audit(&t, &AuditConfig::default()).unwrap();
    assert!(r.passed(), "{r}");
    assert!(r.passed_checks > 100);
    // AD's answer 1 for relu(−x) + x − relu(x) at 0.
    let t = FnTarget::new(
        "relu(-x)+x-relu(x), AD",
        1,
        1,
        move |z: &[Rational]| {
            let x = &z[0];
            Ok(vec![relu(&Rational::from(-x)) + x.clone() - relu(x)])
        },
        |z: &[Rational]| scalar_claim(Rational::from(i64::from(z[0] == 0))),
    );
    let r = audit(&t, &AuditConfig::default()).unwrap();
    assert!(r.passed(), "{r}");
}

#[test]
fn wrong_set_at_kink_is_caught_by_kink_checks() {
    // |x| with D(0) = {1}: closed graph fails (limit −1 from the left) and the
    // one-sided derivative along −1 is 1 ∉ {1·(−1)}.
    let t = FnTarget::new(
        "abs with D(0) = {1}",
        1,
        1,
        |z: &[Rational]| Ok(vec![Rational::from(z[0].abs_ref())]),
        |z: &[Rational]| match z[0].cmp0() {
            Ordering::Equal => Ok(Claim::Set(
                MatrixSet::singleton(Matrix::from_ratio_rows(&[vec![(1, 1)]])?).unwrap(),
            )),
            o => scalar_claim(Rational::from(if o == Ordering::Greater { 1 } else { -1 })),
        },
    );
    let r = audit(&t, &AuditConfig::default()).unwrap();
    let c = &r.violations[0];
    assert!(
        matches!(
            c.kind,
            ViolationKind::ClosedGraph | ViolationKind::OneSidedDerivative
        ),
        "{c}"
    );
    assert_eq!(c.point, vec![Rational::new()]);
}

#[test]
fn closed_graph_failure_with_valid_one_sided_derivatives() {
    // |x| with D(0) = {−2, 2}: F'(0; ±1) = 1 ∈ conv{−2, 2}·(±1), so the one-sided
    // check passes, but the limits ±1 of the claims at ±t are not in D(0).
    let t = FnTarget::new(
        "abs with D(0) = {-2, 2}",
        1,
        1,
        |z: &[Rational]| Ok(vec![Rational::from(z[0].abs_ref())]),
        |z: &[Rational]| match z[0].cmp0() {
            Ordering::Equal => Ok(Claim::Set(MatrixSet::finite(vec![
                Matrix::from_ratio_rows(&[vec![(-2, 1)]])?,
                Matrix::from_ratio_rows(&[vec![(2, 1)]])?,
            ])?)),
            o => scalar_claim(Rational::from(if o == Ordering::Greater { 1 } else { -1 })),
        },
    );
    let r = audit(&t, &AuditConfig::default()).unwrap();
    let c = &r.violations[0];
    assert_eq!(c.kind, ViolationKind::ClosedGraph, "{c}");
    assert_eq!(c.point, vec![Rational::new()]);
    // The limit element is the slope on the side of the direction.
    let limit = c.element.as_ref().unwrap()[(0, 0)].clone();
    assert_eq!(limit, c.direction[0].clone().signum());
}

#[test]
fn shape_errors_are_typed() {
    let t = FnTarget::new(
        "bad shape",
        1,
        2,
        |z: &[Rational]| Ok(vec![z[0].clone()]),
        |_z: &[Rational]| Ok(Claim::Element(Matrix::zeros(1, 3))),
    );
    assert!(matches!(
        audit(&t, &AuditConfig::quick(1)),
        Err(Error::DimensionMismatch { .. })
    ));
    let m = MatrixSet::singleton(Matrix::<Rational>::zeros(2, 2)).unwrap();
    assert!(contains(&m, &Matrix::zeros(1, 2)).is_err());
    // A malformed DiagBox (offset of another shape) or an empty claimed set cannot be
    // built: the constructors refuse them.
    assert!(matches!(
        MatrixSet::diag_box(
            vec![q(0, 1)],
            vec![q(1, 1)],
            Matrix::<Rational>::zeros(1, 2),
            Matrix::zeros(1, 1)
        ),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(MatrixSet::<Rational>::hull(vec![]).is_err());
}

// ---- a FixedPointMap written once over any scalar: x ↦ relu(W x + U θ + c) ----

struct ReluLayer<S> {
    w: Matrix<S>,
    u: Matrix<S>,
    c: Vec<S>,
    /// Mutant: the Jacobian uses Wᵀ.
    transposed_bug: bool,
}

impl<S: Scalar> ReluLayer<S> {
    fn new(transposed_bug: bool) -> Result<Self> {
        Ok(ReluLayer {
            w: Matrix::from_ratio_rows(&[vec![(1, 2), (1, 4)], vec![(-1, 3), (1, 2)]])?,
            u: Matrix::from_ratio_rows(&[vec![(1, 1)], vec![(-1, 1)]])?,
            c: vec![S::zero(), S::from_ratio(1, 4)?],
            transposed_bug,
        })
    }
    fn pre(&self, x: &[S], th: &[S]) -> Result<Vec<S>> {
        let a = self.w.mul_vec(x)?;
        let b = self.u.mul_vec(th)?;
        Ok(a.iter()
            .zip(&b)
            .zip(&self.c)
            .map(|((a, b), c)| a.add(b).add(c))
            .collect())
    }
}

impl<S: Scalar> FixedPointMap<S> for ReluLayer<S> {
    fn dims(&self) -> (usize, usize) {
        (2, 1)
    }
    fn apply(&self, x: &[S], th: &[S]) -> Result<Vec<S>> {
        self.check_input(x, th)?;
        Ok(self.pre(x, th)?.iter().map(|v| v.max(&S::zero())).collect())
    }
    fn linearize(&self, x: &[S], th: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        // AD convention relu'(0) = 0.
        let qv: Vec<S> = self
            .pre(x, th)?
            .iter()
            .map(|v| {
                if v.sign() == Some(Ordering::Greater) {
                    S::one()
                } else {
                    S::zero()
                }
            })
            .collect();
        let w = if self.transposed_bug {
            self.w.transpose()
        } else {
            self.w.clone()
        };
        // The crate's dense linearization: no Linearization boilerplate to write.
        Ok(Box::new(DenseLinearization {
            a: w.scale_rows(&qv)?,
            b: self.u.scale_rows(&qv)?,
            smooth: false,
        }))
    }
    fn conservative_jacobian(&self, x: &[S], th: &[S]) -> Result<MatrixSet<S>> {
        let v = self.pre(x, th)?;
        let lo: Vec<S> = v
            .iter()
            .map(|v| match v.sign() {
                Some(Ordering::Greater) => S::one(),
                _ => S::zero(),
            })
            .collect();
        let hi: Vec<S> = v
            .iter()
            .map(|v| match v.sign() {
                Some(Ordering::Less) => S::zero(),
                _ => S::one(),
            })
            .collect();
        MatrixSet::diag_box(lo, hi, self.w.hstack(&self.u)?, Matrix::zeros(2, 3))
    }
}

#[test]
fn fixed_point_map_adapter_rational_and_dual() {
    let good = ReluLayer::<Rational>::new(false).unwrap();
    let good_dual = ReluLayer::<Dual>::new(false).unwrap();
    let bad = ReluLayer::<Rational>::new(true).unwrap();
    let bad_dual = ReluLayer::<Dual>::new(true).unwrap();
    let cfg = AuditConfig::default();
    for mode in [ClaimMode::Element, ClaimMode::Set] {
        let t = MapTarget::new("relu layer", &good, mode);
        let r = audit(&t, &cfg).unwrap();
        assert!(r.passed(), "{r}");
        let t = MapTarget::new("relu layer", &good, mode).with_dual(&good_dual);
        let r = audit(&t, &cfg).unwrap();
        assert!(r.passed(), "{r}");
    }
    let t = MapTarget::new("relu layer with Wᵀ", &bad, ClaimMode::Element);
    let r = audit(&t, &cfg).unwrap();
    assert!(!r.passed());
    let t = MapTarget::new("relu layer with Wᵀ", &bad, ClaimMode::Element).with_dual(&bad_dual);
    let r = audit(&t, &cfg).unwrap();
    assert_eq!(r.violations[0].kind, ViolationKind::ChainRule, "{r}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Dual numbers and exact forward differences agree on the one-sided derivative
    /// of the ReLU layer along random lines (including from points on kinks).
    #[test]
    fn dual_matches_differences(
        z in prop::collection::vec((-8i64..=8, 1i64..=4), 3),
        d in prop::collection::vec(-2i64..=2, 3),
    ) {
        prop_assume!(d.iter().any(|&x| x != 0));
        let z: Vec<Rational> = z.iter().map(|&(p, r)| q(p, r)).collect();
        let d: Vec<Rational> = d.iter().map(|&x| q(x, 1)).collect();
        let map = ReluLayer::<Rational>::new(false).unwrap();
        let dual = ReluLayer::<Dual>::new(false).unwrap();
        let plain = MapTarget::new("relu layer", &map, ClaimMode::Element);
        let with_dual = MapTarget::new("relu layer", &map, ClaimMode::Element).with_dual(&dual);
        let by_dual = with_dual.directional(&z, &d).unwrap().unwrap();
        let f0 = plain.eval(&z).unwrap();
        let mut ev = |p: &[Rational]| plain.eval(p);
        let by_diff = piggyback::audit::derivative::right_derivative(
            &mut ev, &z, &d, &f0, &Default::default()).unwrap();
        prop_assert_eq!(Some(by_dual.clone()), by_diff);
        // Independent reference by hand: with v = W x + U θ + c and its derivative
        // v(d) = [W U] d, row i is v_i(d)·[v_i > 0 or (v_i = 0 and v_i(d) > 0)].
        let v = map.pre(&z[..2], &z[2..]).unwrap();
        let w = Matrix::<Rational>::from_ratio_rows(&[vec![(1, 2), (1, 4), (1, 1)], vec![(-1, 3), (1, 2), (-1, 1)]]).unwrap();
        let vd = w.mul_vec(&d).unwrap();
        for i in 0..2 {
            let active = v[i] > 0 || (v[i] == 0 && vd[i] > 0);
            let expect = if active { vd[i].clone() } else { Rational::new() };
            prop_assert_eq!(&by_dual[i], &expect);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The audit's membership (exact simplex for hulls) agrees with `matset`'s
    /// (min-norm point) on hulls of 1..=3 random 2×2 matrices, for vertices,
    /// rational convex combinations and random points.
    #[test]
    fn membership_agrees_with_matset(
        vs in prop::collection::vec(prop::collection::vec(-4i64..=4, 4), 1..=3),
        w in prop::collection::vec(0i64..=3, 3),
        p in prop::collection::vec(-4i64..=4, 4),
    ) {
        let mats: Vec<Matrix<Rational>> = vs
            .iter()
            .map(|v| Matrix::from_fn(2, 2, |i, j| q(v[i + 2 * j], 1)))
            .collect();
        let set = MatrixSet::hull(mats.clone()).unwrap();
        // A convex combination with weights w/Σw (or the first vertex).
        let total: i64 = w.iter().take(mats.len()).sum();
        let comb = if total == 0 {
            mats[0].clone()
        } else {
            Matrix::from_fn(2, 2, |i, j| {
                mats.iter()
                    .zip(&w)
                    .map(|(m, &wk)| &m[(i, j)] * q(wk, total))
                    .sum()
            })
        };
        let probe = Matrix::from_fn(2, 2, |i, j| q(p[i + 2 * j], 2));
        for m in mats.iter().chain([&comb, &probe]) {
            let mine = contains(&set, m).unwrap();
            let theirs = set.contains(m).unwrap();
            prop_assert_eq!(mine, theirs.is_true(), "{:?}", m);
        }
        prop_assert!(contains(&set, &comb).unwrap());
    }
}

/// Regressions found by the fuzz targets (`fuzz/`).
#[test]
fn fuzz_regressions() {
    // io_readers: a finite decimal beyond the f64 range was read as +∞ in f64.
    let text = "1 3\n1e400 2\n";
    let err = piggyback::io::csv::parse_matrix::<f64>(text).unwrap_err();
    assert!(err.to_string().contains("out of range"), "{err}");
    assert!(piggyback::io::csv::parse_matrix::<Rational>(text).is_ok());
    // The fuzzer's input: the overflow on the first line is an error too (it was
    // first read as +∞, then skipped as if it were a header line).
    // (One separator per file since the csv-crate reader: the artifact's second line
    // is written with a comma here.)
    let artifact = "00100000000001000000000E000300,0000000000000e-3\n1,3\n";
    assert!(piggyback::io::csv::parse_matrix::<f64>(artifact).is_err());
    assert!(piggyback::io::csv::parse_matrix_f64(artifact).is_err());
    assert_eq!(
        piggyback::io::csv::parse_matrix::<Rational>(artifact)
            .unwrap()
            .shape(),
        (2, 2)
    );
    // A real header is still skipped.
    let m = piggyback::io::csv::parse_matrix::<f64>("a,b\n1,2\n").unwrap();
    assert_eq!(m.shape(), (1, 2));
}

/// Regression (found by the `audit_pl` fuzz target): along this line two ReLU kinks sit
/// at t₂ = 1/259 and t₁ = 6/185 and their offsets cancel (s₂t₂ = s₁t₁ = −1/37), so F(z)
/// lies exactly on the extension of the farthest piece (slope −9/2) and sampling at a
/// single scale sees one straight line. The right derivative at t = 0⁺ is the near
/// slope: l·d + c₁(a₁·d) = (−3/2 + 4) + (2/3)(−5/4) = 5/3 (unit 1 active, unit 2 not).
#[test]
fn right_derivative_is_not_fooled_by_cancelling_kinks() {
    use piggyback::audit::derivative::{right_derivative, DerivativeConfig};
    let q = |p: i64, d: i64| Rational::from((p, d));
    // F(z) = l·z + Σ c_k relu(a_k·z + b_k), the fuzzer's instance.
    let l = [q(-3, 2), q(-4, 1)];
    let units = [
        ([q(-3, 2), q(-1, 4)], q(3, 1), q(2, 3)),
        ([q(1, 1), q(-3, 4)], q(1, 4), q(-4, 1)),
        ([q(-4, 1), q(-4, 1)], q(-4, 1), q(-4, 1)),
    ];
    let mut f = |z: &[Rational]| -> piggyback::Result<Vec<Rational>> {
        let mut v = l[0].mul(&z[0]).add(&l[1].mul(&z[1]));
        for (a, b, c) in &units {
            let pre = a[0].mul(&z[0]).add(&a[1].mul(&z[1])).add(b);
            if pre > 0 {
                v = v.add(&pre.mul(c));
            }
        }
        Ok(vec![v])
    };
    let z = [q(58, 37), q(90, 37)];
    let d = [q(1, 1), q(-1, 1)];
    let f0 = f(&z).unwrap();
    let got = right_derivative(&mut f, &z, &d, &f0, &DerivativeConfig::default()).unwrap();
    assert_eq!(got, Some(vec![q(5, 3)]));
}

// ---- issue 13: three outcomes, adapters, exact kinks, shrinking ----

/// `x/(1 + x²)` over any scalar.
fn rat<S: Scalar>(x: &S) -> Result<S> {
    x.div(&S::one().add(&x.mul(x)))
        .ok_or_else(|| Error::InvalidInput("1 + x² = 0".into()))
}

/// `F(x) = x/(1 + x²)` with claimed derivative `(1 − x²)/(1 + x²)^p` (`p = 2` correct).
// The closure types are unnameable; the callers add a derivative with `with_dual` /
// `with_directional`, which needs the concrete FnTarget.
#[allow(clippy::type_complexity)]
fn rational_target(
    p: u32,
) -> FnTarget<
    'static,
    impl Fn(&[Rational]) -> Result<Vec<Rational>>,
    impl Fn(&[Rational]) -> Result<Claim>,
> {
    FnTarget::new(
        "x/(1+x²)",
        1,
        1,
        |z: &[Rational]| Ok(vec![rat(&z[0])?]),
        move |z: &[Rational]| {
            let x2 = Rational::from(&z[0] * &z[0]);
            let mut den = Rational::from(1);
            for _ in 0..p {
                den *= Rational::from(&x2 + 1u32);
            }
            scalar_claim((Rational::from(1) - x2) / den)
        },
    )
}

#[test]
fn nothing_decided_is_inconclusive_never_a_pass() {
    // A rational map with a wrong derivative and no exact derivative available: no
    // polynomial window exists, every chain-rule check is undecided. Not a pass.
    for p in [1u32, 2] {
        let r = audit(&rational_target(p), &AuditConfig::default()).unwrap();
        assert_eq!(r.verdict(), Verdict::Inconclusive, "{r}");
        assert!(!r.passed() && !r.failed());
        let reasons = r.reasons().join("\n");
        assert!(reasons.contains("fewer than the minimum"), "{reasons}");
        assert!(reasons.contains("no exact derivative"), "{reasons}");
        assert!(r.undecided.no_exact_derivative > 0, "{r}");
    }
    // The same with Dual numbers: the wrong one fails, the right one passes.
    let bad = rational_target(1).with_dual(|z: &[Dual]| Ok(vec![rat(&z[0])?]));
    let r = audit(&bad, &AuditConfig::default()).unwrap();
    assert_eq!(r.verdict(), Verdict::Fail, "{r}");
    let good = rational_target(2).with_dual(|z: &[Dual]| Ok(vec![rat(&z[0])?]));
    let r = audit(&good, &AuditConfig::default()).unwrap();
    assert_eq!(r.verdict(), Verdict::Pass, "{r}");
    // Or with a hand-written exact directional derivative F'(z; d) = F'(z)·d.
    let good = rational_target(2).with_directional(|z: &[Rational], d: &[Rational]| {
        let x2 = Rational::from(&z[0] * &z[0]);
        let den = Rational::from(&x2 + 1u32);
        let g = (Rational::from(1) - x2) / Rational::from(&den * &den);
        Ok(vec![g * &d[0]])
    });
    let r = audit(&good, &AuditConfig::default()).unwrap();
    assert_eq!(r.verdict(), Verdict::Pass, "{r}");
}

#[test]
fn degree_adapts_and_too_high_is_reported() {
    // x⁴ − x with claim 4x³ − 1: the degree is raised to 4 and the audit passes.
    let quartic = |c: i64| {
        FnTarget::new(
            "quartic",
            1,
            1,
            |z: &[Rational]| {
                let x2 = Rational::from(&z[0] * &z[0]);
                Ok(vec![Rational::from(&x2 * &x2) - &z[0]])
            },
            move |z: &[Rational]| {
                let x3 = Rational::from(&z[0] * &z[0]) * &z[0];
                scalar_claim(x3 * c - 1)
            },
        )
    };
    let r = audit(&quartic(4), &AuditConfig::default()).unwrap();
    assert_eq!(r.verdict(), Verdict::Pass, "{r}");
    assert_eq!(r.degree_used, 4, "{r}");
    let r = audit(&quartic(3), &AuditConfig::default()).unwrap();
    assert_eq!(r.verdict(), Verdict::Fail, "{r}");
    // With the degree limit below 4 nothing is decided: inconclusive, with the reason.
    let mut cfg = AuditConfig::default();
    cfg.derivative.degree_limit = 3;
    let r = audit(&quartic(3), &cfg).unwrap();
    assert_eq!(r.verdict(), Verdict::Inconclusive, "{r}");
    assert!(r.undecided.degree_too_high > 0, "{r}");
    assert!(r.reasons().join(" ").contains("degree"), "{r}");
}

#[test]
fn domain_errors_are_their_own_category() {
    // A soft-threshold step in (u, λ) that refuses λ ≤ 0: on [−2, 2]² half the points
    // are outside the domain. They are counted as such, and bounds remove them.
    let t = FnTarget::new(
        "soft-threshold",
        1,
        2,
        |z: &[Rational]| {
            if z[1] <= 0 {
                return Err(Error::InvalidInput("λ must be > 0".into()));
            }
            let a = Rational::from(z[0].abs_ref()) - &z[1];
            Ok(vec![if a > 0 {
                a * z[0].clone().signum()
            } else {
                Rational::new()
            }])
        },
        |z: &[Rational]| {
            if z[1] <= 0 {
                return Err(Error::InvalidInput("λ must be > 0".into()));
            }
            let active = Rational::from(z[0].abs_ref()) > z[1];
            let s = z[0].clone().signum();
            Ok(Claim::Element(Matrix::from_rows(&[vec![
                Rational::from(i64::from(active)),
                if active { -s } else { Rational::new() },
            ]])?))
        },
    );
    let r = audit(&t, &AuditConfig::default()).unwrap();
    assert_eq!(r.verdict(), Verdict::Pass, "{r}");
    assert!(r.undecided.domain > 0, "{r}");
    assert!(
        r.reasons().iter().any(|s| s.contains("outside the domain")),
        "{r}"
    );
    let cfg = AuditConfig {
        bounds: Some(vec![(q(-2, 1), q(2, 1)), (q(1, 100), q(2, 1))]),
        ..AuditConfig::default()
    };
    let r = audit(&t, &cfg).unwrap();
    assert_eq!(r.verdict(), Verdict::Pass, "{r}");
    // Only probes reaching past the bound λ = 1/100 leave the domain now.
    assert!(r.undecided.domain * 100 < r.decided(), "{r}");
}

#[test]
fn null_set_exceptions_are_forgiven_and_counted() {
    let relu = |x: &Rational| if *x > 0 { x.clone() } else { Rational::new() };
    let t = FnTarget::new(
        "relu(-x)+x-relu(x), AD",
        1,
        1,
        move |z: &[Rational]| {
            let x = &z[0];
            Ok(vec![relu(&Rational::from(-x)) + x.clone() - relu(x)])
        },
        |z: &[Rational]| scalar_claim(Rational::from(i64::from(z[0] == 0))),
    );
    let r = audit(&t, &AuditConfig::default()).unwrap();
    assert_eq!(r.verdict(), Verdict::Pass, "{r}");
    assert!(
        r.forgiven > 0,
        "the claim 1 at 0 is a null-set exception: {r}"
    );
}

#[test]
fn one_call_map_audit_with_exact_kinks() {
    // GenericRelu implements FixedPointMap<S> for every scalar: one object serves as
    // the rational map and as its Dual-number version.
    for mode in [ClaimMode::Element, ClaimMode::Set] {
        let layer = GenericRelu(false);
        let r = audit_map("relu layer", &layer, mode, &AuditConfig::default()).unwrap();
        assert_eq!(r.verdict(), Verdict::Pass, "{r}");
        // Every kink was located exactly, from the comparisons recorded by Dual numbers.
        assert!(
            r.kinks_located > 0 && r.kinks_exact == r.kinks_located,
            "{r}"
        );
    }
    let bad = GenericRelu(true);
    let r = audit_map(
        "relu layer with Wᵀ",
        &bad,
        ClaimMode::Element,
        &AuditConfig::default(),
    )
    .unwrap();
    assert_eq!(r.verdict(), Verdict::Fail, "{r}");
}

/// The test's ReLU layer behind one type implementing `FixedPointMap<S>` for every
/// scalar (what `audit_map` takes).
struct GenericRelu(bool);

impl<S: Scalar> FixedPointMap<S> for GenericRelu {
    fn dims(&self) -> (usize, usize) {
        (2, 1)
    }
    fn apply(&self, x: &[S], th: &[S]) -> Result<Vec<S>> {
        ReluLayer::<S>::new(self.0)?.apply(x, th)
    }
    fn linearize(&self, x: &[S], th: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        let (a, b) = ReluLayer::<S>::new(self.0)?.jacobian(x, th)?;
        Ok(Box::new(DenseLinearization {
            a,
            b,
            smooth: false,
        }))
    }
    fn conservative_jacobian(&self, x: &[S], th: &[S]) -> Result<MatrixSet<S>> {
        ReluLayer::<S>::new(self.0)?.conservative_jacobian(x, th)
    }
}

#[test]
fn counterexamples_shrink_to_the_simplest_rational_of_the_band() {
    // F(x) = x/2 claimed with slope 1 on the band (3/10, 31/100) only. Whatever
    // generic point the search hits, the counterexample shrinks into the band to a
    // short rational; the simplest in the band is 4/13.
    let lo = q(3, 10);
    let hi = q(31, 100);
    let (l2, h2) = (lo.clone(), hi.clone());
    let t = FnTarget::new(
        "x/2 with a wrong band",
        1,
        1,
        |z: &[Rational]| Ok(vec![Rational::from(&z[0] / 2)]),
        move |z: &[Rational]| {
            scalar_claim(if z[0] > l2 && z[0] < h2 {
                q(1, 1)
            } else {
                q(1, 2)
            })
        },
    );
    for seed in [1u64, 2, 3] {
        let r = audit(
            &t,
            &AuditConfig {
                seed,
                ..AuditConfig::default()
            },
        )
        .unwrap();
        let c = &r.violations[0];
        assert!(c.point[0] > lo && c.point[0] < hi, "{c}");
        assert!(*c.point[0].denom() < 100, "{c}");
        assert!(c.shrink_steps > 0);
    }
    // The simplest rational strictly inside, for reference.
    assert_eq!(simplest_in(&q(301, 1000), &q(309, 1000)), q(4, 13));
}

// ---- random piecewise-linear maps (as the audit_pl fuzz target): no false alarm ----

/// `F(z) = l·z + Σ_k c_k relu(a_k·z + b_k)` on `R²` with its exact chain-rule set
/// `l + Σ_k c_k q_k a_k` (`q_k` = 1, 0, or both at ties) or the AD element (`q_k = 0`
/// at ties).
#[derive(Clone, Debug)]
struct Pl {
    l: [Rational; 2],
    units: Vec<([Rational; 2], Rational, Rational)>,
}

impl Pl {
    fn pre(u: &([Rational; 2], Rational, Rational), z: &[Rational]) -> Rational {
        Rational::from(&u.0[0] * &z[0]) + Rational::from(&u.0[1] * &z[1]) + &u.1
    }
    fn eval(&self, z: &[Rational]) -> Rational {
        let mut v = Rational::from(&self.l[0] * &z[0]) + Rational::from(&self.l[1] * &z[1]);
        for u in &self.units {
            let p = Self::pre(u, z);
            if p > 0 {
                v += p * &u.2;
            }
        }
        v
    }
    fn claim(&self, z: &[Rational], ad: bool) -> Result<Claim> {
        let mut verts = vec![self.l.clone()];
        for u in &self.units {
            let p = Self::pre(u, z);
            let g = [
                Rational::from(&u.0[0] * &u.2),
                Rational::from(&u.0[1] * &u.2),
            ];
            let add =
                |v: &[Rational; 2]| [Rational::from(&v[0] + &g[0]), Rational::from(&v[1] + &g[1])];
            if p > 0 {
                verts = verts.iter().map(add).collect();
            } else if p == 0 && !ad {
                let more: Vec<_> = verts.iter().map(add).collect();
                verts.extend(more);
            }
        }
        let ms: Vec<Matrix<Rational>> = verts
            .into_iter()
            .map(|v| Matrix::from_rows(&[v.to_vec()]))
            .collect::<Result<_>>()?;
        Ok(if ad {
            Claim::Element(ms[0].clone())
        } else {
            Claim::Set(MatrixSet::hull(ms)?)
        })
    }
}

fn small_q() -> impl Strategy<Value = Rational> {
    (-4i64..=4, prop::sample::select(vec![1i64, 2, 3, 4])).prop_map(|(p, d)| q(p, d))
}

fn pl_strategy() -> impl Strategy<Value = Pl> {
    (
        (small_q(), small_q()),
        prop::collection::vec(((small_q(), small_q()), small_q(), small_q()), 0..=3),
    )
        .prop_map(|((l0, l1), us)| Pl {
            l: [l0, l1],
            units: us
                .into_iter()
                .map(|((a0, a1), b, c)| ([a0, a1], b, c))
                .collect(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn random_piecewise_linear_maps_raise_no_false_alarm(f in pl_strategy(), seed in 0u64..1000) {
        for ad in [false, true] {
            let (fe, fc) = (f.clone(), f.clone());
            let t = FnTarget::new(
                "random piecewise-linear",
                1,
                2,
                move |z: &[Rational]| Ok(vec![fe.eval(z)]),
                move |z: &[Rational]| fc.claim(z, ad),
            );
            let cfg = AuditConfig { shrink: false, ..AuditConfig::quick(seed) };
            let r = audit(&t, &cfg).unwrap();
            prop_assert!(!r.failed(), "false alarm on {:?}:\n{}", f, r);
        }
    }
}

// ---- the one-call map audit checks the VJP against the JVP ----

/// A linearization whose VJP forgets to transpose `A` (`at_mul_into` computes `A w`).
struct UntransposedVjp<S>(DenseLinearization<S>);

impl<S: Scalar> Linearization<S> for UntransposedVjp<S> {
    fn dims(&self) -> (usize, usize) {
        self.0.dims()
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        self.0.a_mul_impl(v, out)
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        self.0.a_mul_impl(w, out)
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        self.0.b_mul_impl(v, out)
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        self.0.bt_mul_impl(w, out)
    }
    fn is_smooth_point(&self) -> bool {
        false
    }
}

/// The ReLU layer with the untransposed VJP.
struct ReluBadVjp;

impl<S: Scalar> FixedPointMap<S> for ReluBadVjp {
    fn dims(&self) -> (usize, usize) {
        (2, 1)
    }
    fn apply(&self, x: &[S], th: &[S]) -> Result<Vec<S>> {
        ReluLayer::<S>::new(false)?.apply(x, th)
    }
    fn linearize(&self, x: &[S], th: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        let (a, b) = ReluLayer::<S>::new(false)?.jacobian(x, th)?;
        Ok(Box::new(UntransposedVjp(DenseLinearization {
            a,
            b,
            smooth: false,
        })))
    }
    fn conservative_jacobian(&self, x: &[S], th: &[S]) -> Result<MatrixSet<S>> {
        ReluLayer::<S>::new(false)?.conservative_jacobian(x, th)
    }
}

#[test]
fn wrong_vjp_of_a_linearization_is_caught() {
    let r = audit_map(
        "relu layer, VJP without transpose",
        &ReluBadVjp,
        ClaimMode::Element,
        &AuditConfig::default(),
    )
    .unwrap();
    assert_eq!(r.verdict(), Verdict::Fail, "{r}");
    let c = &r.violations[0];
    assert_eq!(c.kind, ViolationKind::InconsistentClaim, "{c}");
    assert!(c.detail.contains("VJP"), "{c}");
    // Where both units are active A is W, which is not symmetric: the VJP's row
    // differs from the JVP's. (Where A = 0 they agree, so the point is one with an
    // active unit.)
    assert!(c.point.len() == 3);
    // The correct layer passes the same check.
    let r = audit_map(
        "relu layer",
        &GenericRelu(false),
        ClaimMode::Element,
        &AuditConfig::default(),
    )
    .unwrap();
    assert_eq!(r.verdict(), Verdict::Pass, "{r}");
}
