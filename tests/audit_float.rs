//! The f64 front end (`audit::float`): wrong Jacobian conventions and wrong
//! derivatives on narrow sets are caught; correct Jacobians of ReLU, soft-threshold,
//! abs, max and smooth maps raise no alarm (including under the Clarke convention);
//! domain errors, tolerances and JVP claims behave as documented.

use piggyback::audit::float::FloatTarget;
use piggyback::audit::{audit, AuditConfig, Conventions, Verdict, ViolationKind};
use piggyback::selection::Tolerance;
use rug::Rational;

fn relu(x: f64) -> f64 {
    x.max(0.0)
}

/// ReLU with the claimed derivative `at0` at exactly 0.
fn relu_target(at0: f64) -> FloatTarget {
    FloatTarget::with_jacobian(
        "relu",
        1,
        1,
        |x: &[f64]| Ok(vec![relu(x[0])]),
        move |x: &[f64]| {
            Ok(vec![if x[0] > 0.0 {
                1.0
            } else if x[0] < 0.0 {
                0.0
            } else {
                at0
            }])
        },
    )
}

fn clarke(seed: u64) -> AuditConfig {
    AuditConfig {
        seed,
        conventions: Conventions::Clarke,
        ..AuditConfig::default()
    }
}

#[test]
fn relu_derivative_outside_clarke_at_zero_is_caught() {
    for seed in [1u64, 2, 3] {
        let r = audit(&relu_target(2.0), &clarke(seed)).unwrap();
        assert_eq!(r.verdict(), Verdict::Fail, "{r}");
        let c = &r.violations[0];
        assert_eq!(c.kind, ViolationKind::OutsideClarke, "{c}");
        // Found at the kink itself, x = 0 exactly, with A d = 2 d outside [0, d].
        assert_eq!(c.point, vec![Rational::new()], "{c}");
        assert_eq!(c.point_f64(), vec![0.0]);
        let d = c.direction_f64()[0];
        assert_eq!(c.claimed_f64(), vec![2.0 * d]);
        // A negative convention is caught too.
        let r = audit(&relu_target(-0.5), &clarke(seed)).unwrap();
        assert_eq!(r.verdict(), Verdict::Fail, "{r}");
    }
    // Under the definition of conservativity alone, a value at one point is a null-set
    // exception: no violation.
    let r = audit(&relu_target(2.0), &AuditConfig::default()).unwrap();
    assert_eq!(r.verdict(), Verdict::Pass, "{r}");
}

#[test]
fn relu_conventions_inside_clarke_pass() {
    for at0 in [0.0, 0.5, 1.0] {
        for seed in [1u64, 2] {
            let r = audit(&relu_target(at0), &clarke(seed)).unwrap();
            assert_eq!(r.verdict(), Verdict::Pass, "relu'(0) = {at0}: {r}");
            assert!(r.kinks_located > 0, "{r}");
        }
    }
}

fn soft(u: f64, lam: f64) -> f64 {
    u.signum() * (u.abs() - lam).max(0.0)
}

/// Soft-thresholding `S(u, λ)` with Jacobian `[1, −s·sign u]` on the active set (`s =
/// 1` correct, `s = −1` the wrong sign pattern), 0 elsewhere; λ > 0 is the domain.
fn soft_target(s: f64, jvp: bool) -> FloatTarget {
    let f = |x: &[f64]| {
        if x[1] <= 0.0 {
            return Err(format!("λ = {} must be > 0", x[1]));
        }
        Ok(vec![soft(x[0], x[1])])
    };
    let jac = move |x: &[f64]| -> Result<Vec<f64>, String> {
        if x[1] <= 0.0 {
            return Err("λ must be > 0".into());
        }
        Ok(if x[0].abs() > x[1] {
            vec![1.0, -s * x[0].signum()]
        } else {
            vec![0.0, 0.0]
        })
    };
    if jvp {
        FloatTarget::with_jvp(
            "soft-threshold (JVP)",
            1,
            2,
            f,
            move |x: &[f64], v: &[f64]| {
                let j = jac(x)?;
                Ok(vec![j[0] * v[0] + j[1] * v[1]])
            },
        )
    } else {
        FloatTarget::with_jacobian("soft-threshold", 1, 2, f, jac)
    }
}

#[test]
fn soft_threshold_wrong_sign_pattern_is_caught_and_correct_one_passes() {
    for jvp in [false, true] {
        let r = audit(&soft_target(-1.0, jvp), &AuditConfig::default()).unwrap();
        assert_eq!(r.verdict(), Verdict::Fail, "{r}");
        let c = &r.violations[0];
        assert_eq!(c.kind, ViolationKind::ChainRule);
        // At the counterexample u is beyond the threshold (active piece).
        let p = c.point_f64();
        assert!(p[0].abs() > p[1] && p[1] > 0.0, "{c}");
        for cfg in [AuditConfig::default(), clarke(5)] {
            let r = audit(&soft_target(1.0, jvp), &cfg).unwrap();
            assert_eq!(r.verdict(), Verdict::Pass, "{r}");
            // λ ≤ 0 is outside the domain: counted as its own reason.
            assert!(r.undecided.domain > 0, "{r}");
            assert!(r.reasons().iter().any(|s| s.contains("outside the domain")));
        }
    }
}

#[test]
fn narrow_wrong_bands_are_caught() {
    // Slope 2 on (0, w), next to the kink, for w down to 1e-6.
    for w in [1e-2, 1e-4, 1e-6] {
        let t = FloatTarget::with_jacobian(
            "relu with a band",
            1,
            1,
            |x: &[f64]| Ok(vec![relu(x[0])]),
            move |x: &[f64]| {
                Ok(vec![if x[0] > 0.0 && x[0] < w {
                    2.0
                } else if x[0] > 0.0 {
                    1.0
                } else {
                    0.0
                }])
            },
        );
        let r = audit(&t, &AuditConfig::default()).unwrap();
        assert_eq!(r.verdict(), Verdict::Fail, "w = {w}: {r}");
        let p = r.violations[0].point_f64()[0];
        assert!(p > 0.0 && p < w, "w = {w}: {}", r.violations[0]);
    }
    // A band of width 1e-2 away from the kink.
    let t = FloatTarget::with_jacobian(
        "relu with a band away from the kink",
        1,
        1,
        |x: &[f64]| Ok(vec![relu(x[0])]),
        |x: &[f64]| {
            Ok(vec![if x[0] > 0.7 && x[0] < 0.71 {
                1.5
            } else {
                f64::from(x[0] > 0.0)
            }])
        },
    );
    let r = audit(&t, &AuditConfig::default()).unwrap();
    assert_eq!(r.verdict(), Verdict::Fail, "{r}");
}

#[test]
fn correct_maps_raise_no_alarm() {
    let abs = FloatTarget::with_jacobian(
        "abs",
        1,
        1,
        |x: &[f64]| Ok(vec![x[0].abs()]),
        |x: &[f64]| Ok(vec![x[0].signum() * f64::from(x[0] != 0.0)]),
    );
    // max(x, y, z) with the first argmax.
    let max3 = FloatTarget::with_jacobian(
        "max3",
        1,
        3,
        |x: &[f64]| Ok(vec![x[0].max(x[1]).max(x[2])]),
        |x: &[f64]| {
            let m = x[0].max(x[1]).max(x[2]);
            let i = x.iter().position(|v| *v == m).unwrap_or(0);
            Ok((0..3).map(|j| f64::from(j == i)).collect())
        },
    );
    // A smooth map R² → R²: (sin x · cos y, exp(x/2) + y³), exact Jacobian.
    let smooth = FloatTarget::with_jacobian(
        "smooth",
        2,
        2,
        |x: &[f64]| {
            Ok(vec![
                x[0].sin() * x[1].cos(),
                (x[0] / 2.0).exp() + x[1].powi(3),
            ])
        },
        |x: &[f64]| {
            Ok(vec![
                x[0].cos() * x[1].cos(),
                -x[0].sin() * x[1].sin(),
                0.5 * (x[0] / 2.0).exp(),
                3.0 * x[1] * x[1],
            ])
        },
    );
    // The same smooth map with its Jacobian rounded to f32 (within the tolerance).
    let smooth_f32 = FloatTarget::with_jacobian(
        "smooth, f32 Jacobian",
        1,
        1,
        |x: &[f64]| Ok(vec![x[0].tanh()]),
        |x: &[f64]| Ok(vec![f64::from((1.0 - x[0].tanh().powi(2)) as f32)]),
    );
    // relu composed with a smooth map: relu(sin(3x)) · x.
    let mixed = FloatTarget::with_jacobian(
        "relu(sin 3x)·x",
        1,
        1,
        |x: &[f64]| Ok(vec![relu((3.0 * x[0]).sin()) * x[0]]),
        |x: &[f64]| {
            let s = (3.0 * x[0]).sin();
            Ok(vec![if s > 0.0 {
                3.0 * (3.0 * x[0]).cos() * x[0] + s
            } else {
                0.0
            }])
        },
    );
    // Large values and steep growth: 10⁶ + 10³·exp(3x).
    let steep = FloatTarget::with_jacobian(
        "1e6 + 1e3 exp(3x)",
        1,
        1,
        |x: &[f64]| Ok(vec![1e6 + 1e3 * (3.0 * x[0]).exp()]),
        |x: &[f64]| Ok(vec![3e3 * (3.0 * x[0]).exp()]),
    );
    // Nearly a kink: sqrt(x² + 10⁻⁸) (curvature 10⁴ at 0), smooth everywhere.
    let nearly = FloatTarget::with_jacobian(
        "sqrt(x² + 1e-8)",
        1,
        1,
        |x: &[f64]| Ok(vec![(x[0] * x[0] + 1e-8).sqrt()]),
        |x: &[f64]| Ok(vec![x[0] / (x[0] * x[0] + 1e-8).sqrt()]),
    );
    for t in [abs, max3, smooth, smooth_f32, mixed, steep, nearly] {
        for cfg in [AuditConfig::default(), clarke(11)] {
            let r = audit(&t, &cfg).unwrap();
            assert_eq!(r.verdict(), Verdict::Pass, "{r}");
        }
    }
}

#[test]
fn smooth_wrong_jacobians_are_caught() {
    // tanh' claimed as 1 − tanh (a typo): wrong on an open set.
    let t = FloatTarget::with_jacobian(
        "tanh",
        1,
        1,
        |x: &[f64]| Ok(vec![x[0].tanh()]),
        |x: &[f64]| Ok(vec![1.0 - x[0].tanh()]),
    );
    let r = audit(&t, &AuditConfig::default()).unwrap();
    assert_eq!(r.verdict(), Verdict::Fail, "{r}");
    // A Jacobian off by 1e-4 relative: caught at the default tolerance, accepted at a
    // tolerance of 1e-3.
    let off = || {
        FloatTarget::with_jacobian(
            "sin, scaled",
            1,
            1,
            |x: &[f64]| Ok(vec![x[0].sin()]),
            |x: &[f64]| Ok(vec![x[0].cos() * (1.0 + 1e-4)]),
        )
    };
    let r = audit(&off(), &AuditConfig::default()).unwrap();
    assert_eq!(r.verdict(), Verdict::Fail, "{r}");
    let loose = off()
        .tolerance(Tolerance {
            abs: 1e-3,
            rel: 1e-3,
        })
        .unwrap();
    let r = audit(&loose, &AuditConfig::default()).unwrap();
    assert_eq!(r.verdict(), Verdict::Pass, "{r}");
}

#[test]
fn domain_errors_bounds_and_inconclusive() {
    // log x on the default box [−2, 2]: half the points are outside the domain, a
    // reason of their own; the verdict is still a pass (enough decided).
    let log = || {
        FloatTarget::with_jacobian(
            "log",
            1,
            1,
            |x: &[f64]| {
                if x[0] > 0.0 {
                    Ok(vec![x[0].ln()])
                } else {
                    Err("log of a non-positive number".into())
                }
            },
            |x: &[f64]| Ok(vec![1.0 / x[0]]),
        )
    };
    let r = audit(&log(), &AuditConfig::default()).unwrap();
    assert!(r.undecided.domain > 0, "{r}");
    assert_ne!(r.verdict(), Verdict::Fail, "{r}");
    // Sampling inside the domain removes them.
    let cfg = AuditConfig {
        bounds: Some(vec![(Rational::from((1, 10)), Rational::from(3))]),
        ..AuditConfig::default()
    };
    let r = audit(&log(), &cfg).unwrap();
    assert_eq!(r.verdict(), Verdict::Pass, "{r}");
    assert_eq!(r.undecided.domain, 0, "{r}");
    // A function that fails everywhere: inconclusive, never a pass.
    let broken = FloatTarget::with_jacobian(
        "broken",
        1,
        1,
        |_x: &[f64]| Err("not implemented".into()),
        |_x: &[f64]| Ok(vec![0.0]),
    );
    let r = audit(&broken, &AuditConfig::default()).unwrap();
    assert_eq!(r.verdict(), Verdict::Inconclusive, "{r}");
    assert!(!r.passed());
    assert!(r.reasons()[0].contains("fewer than the minimum"), "{r}");
    // Non-finite output is a domain error too, not a violation.
    let nan = FloatTarget::with_jacobian(
        "nan",
        1,
        1,
        |_x: &[f64]| Ok(vec![f64::NAN]),
        |_x: &[f64]| Ok(vec![0.0]),
    );
    let r = audit(&nan, &AuditConfig::quick(1)).unwrap();
    assert_eq!(r.verdict(), Verdict::Inconclusive, "{r}");
}

#[test]
fn bad_settings_are_typed_errors() {
    assert!(relu_target(0.0)
        .tolerance(Tolerance {
            abs: -1.0,
            rel: 0.0
        })
        .is_err());
    assert!(relu_target(0.0)
        .tolerance(Tolerance {
            abs: 0.0,
            rel: f64::NAN
        })
        .is_err());
    // Bounds of the wrong length or empty.
    let cfg = AuditConfig {
        bounds: Some(vec![(Rational::from(0), Rational::from(1)); 2]),
        ..AuditConfig::quick(1)
    };
    assert!(audit(&relu_target(0.0), &cfg).is_err());
    let cfg = AuditConfig {
        bounds: Some(vec![(Rational::from(1), Rational::from(1))]),
        ..AuditConfig::quick(1)
    };
    assert!(audit(&relu_target(0.0), &cfg).is_err());
    // A Jacobian of the wrong length is a claim error at every point: inconclusive.
    let t = FloatTarget::with_jacobian(
        "short jacobian",
        1,
        2,
        |x: &[f64]| Ok(vec![x[0] + x[1]]),
        |_x: &[f64]| Ok(vec![1.0]),
    );
    let r = audit(&t, &AuditConfig::quick(1)).unwrap();
    assert_eq!(r.verdict(), Verdict::Inconclusive, "{r}");
    assert!(r.undecided.claim > 0);
}

#[test]
fn counterexamples_shrink_to_short_rationals() {
    // Slope claimed 1 on x < 0 for |x|: the whole half-line is wrong, so the point
    // shrinks to a short rational.
    let t = FloatTarget::with_jacobian(
        "abs",
        1,
        1,
        |x: &[f64]| Ok(vec![x[0].abs()]),
        |_x: &[f64]| Ok(vec![1.0]),
    );
    let r = audit(&t, &AuditConfig::default()).unwrap();
    let c = &r.violations[0];
    assert!(c.point[0] < 0, "{c}");
    assert!(*c.point[0].denom() <= 4, "{c}");
    assert!(c.direction[0] == 1 || c.direction[0] == -1, "{c}");
}

// ---- random piecewise-linear maps in f64: no false alarm, conventions included ----

use proptest::prelude::*;

/// `F(z) = l·z + Σ_k c_k relu(a_k·z + b_k)` on `R²` and its AD Jacobian (`relu'(0) = 0`).
#[derive(Clone, Debug)]
struct Pl {
    l: [f64; 2],
    units: Vec<([f64; 2], f64, f64)>,
}

impl Pl {
    fn pre(u: &([f64; 2], f64, f64), z: &[f64]) -> f64 {
        u.0[0] * z[0] + u.0[1] * z[1] + u.1
    }
    fn eval(&self, z: &[f64]) -> f64 {
        let mut v = self.l[0] * z[0] + self.l[1] * z[1];
        for u in &self.units {
            v += u.2 * relu(Self::pre(u, z));
        }
        v
    }
    fn jac(&self, z: &[f64]) -> Vec<f64> {
        let mut g = self.l.to_vec();
        for u in &self.units {
            if Self::pre(u, z) > 0.0 {
                g[0] += u.2 * u.0[0];
                g[1] += u.2 * u.0[1];
            }
        }
        g
    }
}

fn small() -> impl Strategy<Value = f64> {
    (-4i32..=4, prop::sample::select(vec![1.0f64, 2.0, 4.0, 8.0]))
        .prop_map(|(p, d)| f64::from(p) / d)
}

fn pl_strategy() -> impl Strategy<Value = Pl> {
    (
        (small(), small()),
        prop::collection::vec(((small(), small()), small(), small()), 0..=3),
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
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn random_piecewise_linear_f64_no_false_alarm(f in pl_strategy(), seed in 0u64..1000) {
        let (fe, fj) = (f.clone(), f.clone());
        let t = FloatTarget::with_jacobian(
            "random piecewise-linear (f64)",
            1,
            2,
            move |z: &[f64]| Ok(vec![fe.eval(z)]),
            move |z: &[f64]| Ok(fj.jac(z)),
        );
        for conventions in [Conventions::Conservative, Conventions::Clarke] {
            let cfg = AuditConfig { seed, conventions, shrink: false, ..AuditConfig::quick(seed) };
            let r = audit(&t, &cfg).unwrap();
            prop_assert!(!r.failed(), "false alarm on {:?}:\n{}", f, r);
        }
    }
}

#[test]
fn degenerate_shapes_and_non_finite_claims_never_panic() {
    // No outputs, or no inputs: nothing to check, so never a pass.
    let no_out = FloatTarget::with_jacobian(
        "no outputs",
        0,
        2,
        |_x: &[f64]| Ok(vec![]),
        |_x: &[f64]| Ok(vec![]),
    );
    let r = audit(&no_out, &AuditConfig::quick(1)).unwrap();
    assert_ne!(r.verdict(), Verdict::Fail, "{r}");
    let no_in = FloatTarget::with_jacobian(
        "no inputs",
        1,
        0,
        |_x: &[f64]| Ok(vec![1.0]),
        |_x: &[f64]| Ok(vec![]),
    );
    let r = audit(&no_in, &AuditConfig::quick(1)).unwrap();
    assert_eq!(r.verdict(), Verdict::Inconclusive, "{r}");
    // A Jacobian with NaN or ∞ entries is a claim error, not a violation.
    for bad in [f64::NAN, f64::INFINITY] {
        let t = FloatTarget::with_jacobian(
            "non-finite jacobian",
            1,
            1,
            |x: &[f64]| Ok(vec![x[0]]),
            move |_x: &[f64]| Ok(vec![bad]),
        );
        let r = audit(&t, &AuditConfig::quick(1)).unwrap();
        assert_eq!(r.verdict(), Verdict::Inconclusive, "{r}");
        assert!(r.undecided.claim > 0, "{r}");
    }
}
