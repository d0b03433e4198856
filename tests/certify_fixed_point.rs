//! Fixed-point enclosures for maps evaluated in interval arithmetic
//! (`piggyback::certify::fixed_point`). References are exact rational fixed points
//! computed independently (hand derivation, or an exact linear solve on the active piece).

use piggyback::certify::enclosure::{derivative_enclosure, derivative_error_bound};
use piggyback::certify::fixed_point::{enclose_derivative, enclose_fixed_point, FixedPointOptions};
use piggyback::linalg::lu::solve_vec;
use piggyback::maps::{AffinePiece, PiecewiseAffine};
use piggyback::scalar::{Interval, Rational};
use piggyback::{Enclosure, Error, FixedPointMap, Matrix, Scalar};
use proptest::prelude::*;

fn q(p: i64, d: i64) -> Rational {
    Rational::from((p, d))
}

/// `F(x, θ) = |x|/2 + θ` as two affine pieces (x ≥ 0 and x ≤ 0).
fn half_abs<S: Scalar>() -> PiecewiseAffine<S> {
    let m = |v: &[(i64, i64)]| Matrix::<S>::from_ratio_rows(&[v.to_vec()]).expect("matrix");
    let piece = |slope: i64, g: i64| AffinePiece {
        a: m(&[(slope, 2)]),
        b: m(&[(1, 1)]),
        c: vec![S::zero()],
        g: m(&[(g, 1), (0, 1)]),
        h: vec![S::zero()],
    };
    PiecewiseAffine::new(vec![piece(1, -1), piece(-1, 1)]).expect("pieces")
}

#[test]
fn half_abs_fixed_point() -> piggyback::Result<()> {
    // x = |x|/2 + 1: for x ≥ 0, x = x/2 + 1 ⇒ x = 2 (and x < 0 gives x = −x/2 + 1 ⇒
    // x = 2/3 > 0, not in that piece). So x̄ = 2, and the slope bound is 1/2.
    let f = half_abs::<Interval>();
    let theta = [Interval::from_i64(1)];
    let e = enclose_fixed_point(&f, &[1.9], &theta, 0.01, &FixedPointOptions::default())?;
    assert!(e.x[0].contains_rational(&q(2, 1)));
    assert!(e.domain[0].contains_rational(&q(2, 1)));
    assert!(e.x[0].width() < 1e-12, "width {}", e.x[0].width());
    assert!(e.rho <= 0.5 + 1e-12);
    // One piece is active at x̄ = 2: the derivative is single-valued and equals
    // ∂x̄/∂θ = 1/(1 − 1/2) = 2 (differentiate x = x/2 + θ).
    assert!(e.single_valued);
    let d = enclose_derivative(&f, &e, &theta, 100)?;
    assert!(d.j[(0, 0)].contains_rational(&q(2, 1)) && d.j[(0, 0)].width() < 1e-12);
    Ok(())
}

#[test]
fn expanding_map_is_not_certified() -> piggyback::Result<()> {
    // F(x, θ) = 2x + θ: slope 2, no box maps into itself around its fixed point −θ.
    let m = |v: &[(i64, i64)]| Matrix::<Interval>::from_ratio_rows(&[v.to_vec()]).expect("matrix");
    let f = PiecewiseAffine::new(vec![AffinePiece {
        a: m(&[(2, 1)]),
        b: m(&[(1, 1)]),
        c: vec![Interval::zero()],
        g: Matrix::zeros(0, 2),
        h: vec![],
    }])?;
    let r = enclose_fixed_point(
        &f,
        &[-1.0],
        &[Interval::from_i64(1)],
        0.1,
        &FixedPointOptions::default(),
    );
    assert!(
        matches!(
            r,
            Err(Error::CouldNotVerify { .. }) | Err(Error::NotContractive { .. })
        ),
        "{r:?}"
    );
    Ok(())
}

/// `F(x, θ) = relu(W x + θ)` as 2ⁿ affine pieces `diag(q)(W x + θ)` on the regions
/// `(Wx + θ)ᵢ ≥ 0` (qᵢ = 1) / `≤ 0` (qᵢ = 0).
fn relu_layer<S: Scalar>(w: &Matrix<Rational>) -> PiecewiseAffine<S> {
    let n = w.rows();
    let conv = |x: &Rational| S::from_rational(x);
    let pieces = (0u32..1 << n)
        .map(|mask| {
            let d: Vec<S> = (0..n)
                .map(|i| S::from_i64(((mask >> i) & 1) as i64))
                .collect();
            let ws = w.map(conv);
            let g = Matrix::from_fn(n, 2 * n, |i, j| {
                let sign = if (mask >> i) & 1 == 1 {
                    S::from_i64(-1)
                } else {
                    S::one()
                };
                let v = if j < n {
                    ws[(i, j)].clone()
                } else if j - n == i {
                    S::one()
                } else {
                    S::zero()
                };
                sign.mul(&v)
            });
            AffinePiece {
                a: ws.scale_rows(&d).expect("shape"),
                b: Matrix::diag(&d),
                c: vec![S::zero(); n],
                g,
                h: vec![S::zero(); n],
            }
        })
        .collect();
    PiecewiseAffine::new(pieces).expect("pieces")
}

/// Exact fixed point of relu(Wx + θ) given the f64 estimate: decide the active set
/// from the estimate, solve (I − DW)x = Dθ exactly, and confirm x = relu(Wx + θ)
/// exactly with the strict sign pattern (an independent exact computation).
fn exact_relu_fixed_point(
    w: &Matrix<Rational>,
    theta: &[Rational],
    est: &[f64],
) -> Option<Vec<Rational>> {
    let n = w.rows();
    let pre: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| w[(i, j)].to_f64() * est[j]).sum::<f64>() + theta[i].to_f64())
        .collect();
    let d: Vec<Rational> = pre
        .iter()
        .map(|&v| Rational::from(u8::from(v > 0.0)))
        .collect();
    let dw = w.scale_rows(&d).ok()?;
    let m = Matrix::identity(n).sub(&dw).ok()?;
    let rhs: Vec<Rational> = (0..n).map(|i| d[i].clone() * &theta[i]).collect();
    let x = solve_vec(&m, &rhs).ok()?;
    let wx = w.mul_vec(&x).ok()?;
    for i in 0..n {
        let z = Rational::from(&wx[i] + &theta[i]);
        let relu = if z > 0 { z.clone() } else { Rational::new() };
        if relu != x[i] || z == 0 {
            return None;
        }
    }
    Some(x)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// ReLU layer with ‖W‖ ≤ 9/10 (W = (9/10)·rotation·diag(s), s ∈ [0,1]): the enclosure
    /// contains the exact fixed point.
    #[test]
    fn relu_layer_enclosure_contains_exact(s in (0i64..=4, 0i64..=4), th in prop::collection::vec(-8i64..=8, 2)) {
        // W = (9/10)[[3/5, −4/5], [4/5, 3/5]]·diag(s₁/4, s₂/4).
        let w = Matrix::from_fn(2, 2, |i, j| {
            let r = [[q(27, 50), q(-36, 50)], [q(36, 50), q(27, 50)]];
            Rational::from(&r[i][j] * &q([s.0, s.1][j], 4))
        });
        let theta: Vec<Rational> = th.iter().map(|&t| q(t, 4)).collect();
        // f64 fixed-point iteration (a guess only).
        let wf = w.to_f64();
        let mut x = vec![0.0f64; 2];
        for _ in 0..400 {
            x = (0..2).map(|i| ((0..2).map(|j| wf[(i, j)] * x[j]).sum::<f64>() + theta[i].to_f64()).max(0.0)).collect();
        }
        let Some(exact) = exact_relu_fixed_point(&w, &theta, &x) else { return Ok(()); };
        let f = relu_layer::<Interval>(&w);
        let ti: Vec<Interval> = theta.iter().map(Interval::from_rational).collect();
        match enclose_fixed_point(&f, &x, &ti, 1e-9, &FixedPointOptions::default()) {
            Ok(e) => {
                prop_assert!(e.rho < 1.0);
                for (box_i, ex) in e.x.iter().zip(&exact) {
                    prop_assert!(box_i.contains_rational(ex), "{:?} misses {}", box_i, ex);
                    prop_assert!(box_i.width() <= 1e-9 * (1.0 + ex.to_f64().abs()));
                }
                // Strict activity pattern at x̄ (checked exactly above): one piece, so the
                // derivative is single-valued and equals (I − DW)⁻¹D, computed exactly.
                prop_assert!(e.single_valued);
                let wx = w.mul_vec(&exact)?;
                let d: Vec<Rational> = (0..2).map(|i| Rational::from(u8::from(Rational::from(&wx[i] + &theta[i]) > 0))).collect();
                let jac = piggyback::linalg::lu::solve(&Matrix::identity(2).sub(&w.scale_rows(&d)?)?, &Matrix::diag(&d))?;
                // ‖DW‖₂ ≤ 9/10: the verified 2-norm bound makes the enclosure always exist.
                let enc = enclose_derivative(&f, &e, &ti, 200)?;
                for r in 0..2 {
                    for c in 0..2 {
                        prop_assert!(enc.j[(r, c)].contains_rational(&jac[(r, c)]));
                        prop_assert!(enc.j[(r, c)].width() < 1e-6, "loose: {:?}", enc.j[(r, c)]);
                    }
                }
            }
            // A box straddling a kink makes the interval evaluation refuse (sound).
            Err(Error::CouldNotVerify { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
        let _ = FixedPointMap::<Interval>::dims(&f);
    }
}

#[test]
fn kink_derivative_enclosure_is_the_piggyback_set() -> piggyback::Result<()> {
    // F(x, θ) = |x|/2 + θ at θ = 0 has x̄ = 0 (a kink): 𝒥 = {[a, 1] : a ∈ [−1/2, 1/2]}.
    // Its fixed set X = {aJ + 1} solves hi = hi/2 + 1 ⇒ hi = 2 and lo = −hi/2 + 1 = 0:
    // X = [0, 2], strictly larger than the implicit set {1/(1 − a)} = [2/3, 2].
    // The enclosure starts at [−β, β], β = 1/(1 − 1/2) = 2, and one step gives
    // [−1/2, 1/2]·[−2, 2] + 1 = [0, 2], which is stable.
    let a = Matrix::from_fn(1, 1, |_, _| {
        Interval::from_bounds(-0.5, 0.5).expect("bounds")
    });
    let b = Matrix::from_fn(1, 1, |_, _| Interval::one());
    let e = derivative_enclosure(&a, &b, 50)?;
    assert_eq!((e.j[(0, 0)].inf(), e.j[(0, 0)].sup()), (0.0, 2.0));
    assert_eq!(e.rho, 0.5);
    // Ĵ = 1 (AD with the convention |·|'(0) = 0) is in the set: the bound is
    // sup |a + 1 − 1| / (1 − 1/2) = (1/2)/(1/2) = 1 ≥ d(1, [0, 2]) = 0.
    let (bound, _) = derivative_error_bound(&a, &b, &Matrix::from_fn(1, 1, |_, _| 1.0))?;
    assert!((1.0..1.0 + 1e-12).contains(&bound));
    // Ĵ = 5 is at distance 3 from [0, 2]: the bound sup|5a + 1 − 5| / (1/2) = (4 + 5/2)·2 = 13 ≥ 3.
    let (bound, _) = derivative_error_bound(&a, &b, &Matrix::from_fn(1, 1, |_, _| 5.0))?;
    assert!(bound >= 3.0);
    Ok(())
}

#[test]
fn expanding_jacobian_has_no_enclosure() {
    let a = Matrix::from_fn(1, 1, |_, _| {
        Interval::from_bounds(-1.5, 0.5).expect("bounds")
    });
    let b = Matrix::from_fn(1, 1, |_, _| Interval::one());
    assert!(matches!(
        derivative_enclosure(&a, &b, 5),
        Err(Error::NotContractive { .. })
    ));
}

fn exact_max_entry_dist(x: &Matrix<Rational>, y: &Matrix<Rational>) -> Rational {
    x.as_slice()
        .iter()
        .zip(y.as_slice())
        .map(|(a, b)| Rational::from(a - b).abs())
        .fold(Rational::new(), |m, s| if s > m { s } else { m })
}

fn exact_inf_dist(x: &Matrix<Rational>, y: &Matrix<Rational>) -> Rational {
    (0..x.rows())
        .map(|i| {
            (0..x.cols()).fold(Rational::new(), |acc, j| {
                acc + Rational::from(&x[(i, j)] - &y[(i, j)]).abs()
            })
        })
        .fold(Rational::new(), |m, s| if s > m { s } else { m })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Smooth case (singleton 𝒥): the enclosure contains the exact (I − A)⁻¹B and the
    /// error bound of a perturbed f64 derivative dominates its exact distance.
    #[test]
    fn smooth_enclosure_and_error_bound(e in prop::collection::vec(-3i64..=3, 4), bv in prop::collection::vec(-6i64..=6, 4), pert in -100i64..=100) {
        // Entries e/8 with |e| ≤ 3: row sums ≤ 6/8 < 1, so ‖A‖_∞ < 1.
        let a = Matrix::from_fn(2, 2, |i, j| q(e[2 * i + j], 8));
        let b = Matrix::from_fn(2, 2, |i, j| q(bv[2 * i + j], 3));
        let exact = piggyback::linalg::lu::solve(&Matrix::identity(2).sub(&a)?, &b)?;
        let ai = a.map(Interval::from_rational);
        let bi = b.map(Interval::from_rational);
        let enc = derivative_enclosure(&ai, &bi, 200)?;
        for r in 0..2 {
            for c in 0..2 {
                prop_assert!(enc.j[(r, c)].contains_rational(&exact[(r, c)]));
            }
        }
        let j_hat = exact.to_f64().map(|x| x + pert as f64 * 1e-6);
        let (bound, norm) = derivative_error_bound(&ai, &bi, &j_hat)?;
        let j_hat_q: Matrix<Rational> = Matrix::from_f64_matrix(&j_hat)?;
        // Exact lower bounds of the true distance: the ∞-norm itself, or for the
        // 2-norm the largest entry (|Δᵢⱼ| ≤ ‖Δ‖₂).
        let lower = if norm == piggyback::linalg::norms::Norm::Inf { exact_inf_dist(&j_hat_q, &exact) } else { exact_max_entry_dist(&j_hat_q, &exact) };
        prop_assert!(Rational::from_f64(bound).expect("finite") >= lower);
        // And it is not loose: ‖AΔ − Δ‖_∞ ≤ (1 + ρ)‖Δ‖_∞ with ‖Δ‖_∞ = 2|pert|·1e-6
        // (plus rounding of Ĵ and of the exact solution to f64).
        let delta = 2.0 * (pert.abs() as f64) * 1e-6;
        prop_assert!(bound <= (1.0 + enc.rho) / (1.0 - enc.rho) * delta * (1.0 + 1e-9) + 1e-12);
    }
}

#[test]
fn sinkhorn_is_rejected_honestly() -> piggyback::Result<()> {
    // Log-domain Sinkhorn: A is row-stochastic, σ_max(A) = 1, so no contraction bound
    // < 1 exists on any box (docs/mathematics.md §5); the fixed point is not unique (x + c·1). The
    // enclosure must refuse (NotContractive or CouldNotVerify), never claim a box.
    use piggyback::maps::Sinkhorn;
    let a = [Interval::from_ratio(1, 2)?, Interval::from_ratio(1, 2)?];
    let b = [Interval::from_ratio(1, 3)?, Interval::from_ratio(2, 3)?];
    let cost: Matrix<Interval> =
        Matrix::from_ratio_rows(&[vec![(0, 1), (1, 1)], vec![(1, 1), (0, 1)]])?;
    let map = Sinkhorn::new(&a, &cost, &Interval::one())?;
    // A guess from f64 iterations of the same map.
    let af: Vec<f64> = vec![0.5, 0.5];
    let mf = Sinkhorn::new(&af, &cost.to_f64(), &1.0)?;
    let opts = piggyback::diff::IterOptions {
        max_iter: 10_000,
        tol: 1e-14,
        ..Default::default()
    };
    let x = piggyback::diff::fixed_point::solve_fixed_point(
        &mf,
        &[0.0, 0.0],
        &[1.0 / 3.0, 2.0 / 3.0],
        &opts,
        piggyback::linalg::norms::Norm::Inf,
    )?
    .x;
    let r = enclose_fixed_point(&map, &x, &b, 1e-8, &FixedPointOptions::default());
    assert!(
        matches!(
            r,
            Err(Error::NotContractive { .. }) | Err(Error::CouldNotVerify { .. })
        ),
        "{r:?}"
    );
    Ok(())
}
