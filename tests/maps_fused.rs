//! Fused evaluation: one [`Workspace::update`] gives `F(x, θ)` and the linearization at
//! `(x, θ)`, moving the map's own linearization in place. For every map of the crate,
//! along a walk through smooth points and kinks (so that stale selections, smoothness
//! flags or buffers would show), the fused value must equal `apply` and the moved
//! linearization must equal a fresh one; and every `*_into` length is checked at the
//! boundary.

mod common;

use common::r;
use piggyback::maps::{
    Admm, Csr, Design, DouglasRachford, EntropicNnls, ForwardBackward, HeavyBall, Labels,
    Linearization, LogParams, LogisticFb, Penalty, ReluLayer, Sinkhorn, StepRule, Workspace,
};
use piggyback::scalar::Interval;
use piggyback::{Error, FixedPointMap, Matrix, MatrixSet, Result, Scalar};
use rug::Rational;

/// Walk `points` forward and back with one workspace; at each point compare the fused
/// value with `apply` and the moved linearization (dense `A`, `B` and smoothness) with
/// a fresh `linearize` — exactly: both are computed by the same arithmetic.
fn check_fused<S: Scalar + PartialEq, M: FixedPointMap<S>>(map: &M, points: &[(Vec<S>, Vec<S>)]) {
    let (n, _) = map.dims();
    let mut ws = Workspace::new(map, &points[0].0, &points[0].1).unwrap();
    let walk: Vec<&(Vec<S>, Vec<S>)> = points.iter().chain(points.iter().rev()).collect();
    for (k, (x, th)) in walk.into_iter().enumerate() {
        let mut fx = vec![S::zero(); n];
        ws.update(x, th, Some(&mut fx)).unwrap();
        assert_eq!(fx, map.apply(x, th).unwrap(), "F at step {k}");
        let mut fresh = map.linearize(x, th).unwrap();
        assert_eq!(
            ws.lin().to_dense().unwrap(),
            fresh.to_dense().unwrap(),
            "[A, B] at step {k}"
        );
        assert_eq!(
            ws.is_smooth_point(),
            fresh.is_smooth_point(),
            "smooth at {k}"
        );
        // Without a value buffer the linearization moves the same way.
        ws.update(x, th, None).unwrap();
        assert_eq!(ws.lin().to_dense().unwrap(), fresh.to_dense().unwrap());
    }
}

fn q(p: i64, d: i64) -> Rational {
    r(p, d)
}

fn qv(xs: &[(i64, i64)]) -> Vec<Rational> {
    xs.iter().map(|&(p, d)| q(p, d)).collect()
}

fn lasso_design() -> (Matrix<Rational>, Vec<Rational>) {
    let a = Matrix::from_ratio_rows(&[
        vec![(2, 1), (1, 1), (0, 1)],
        vec![(1, 1), (3, 1), (1, 1)],
        vec![(0, 1), (1, 1), (2, 1)],
        vec![(1, 1), (0, 1), (1, 1)],
    ])
    .unwrap();
    (a, qv(&[(3, 1), (1, 1), (-2, 1), (2, 1)]))
}

/// Forward–backward (dense by rows and sparse, LASSO and elastic net), through a tie:
/// with `γ = 1/10` and `x = 0`, `z = γAᵀb = (9/10, 2/5, −1/10)`; `λ₁ = 4` puts
/// `|z₂| = τ = 2/5` — coordinate 2 exactly at the threshold.
#[test]
fn forward_backward_fused() {
    let (a, b) = lasso_design();
    for design in [
        Design::Dense(a.clone()),
        Design::Sparse(Csr::from_dense(&a)),
    ] {
        for penalty in [Penalty::Lasso, Penalty::ElasticNet] {
            let fb = ForwardBackward::new(
                design.clone(),
                b.clone(),
                penalty,
                StepRule::Given(q(1, 10)),
            )
            .unwrap();
            let th = |l1: (i64, i64)| {
                let mut t = qv(&[l1]);
                if penalty == Penalty::ElasticNet {
                    t.push(q(1, 2));
                }
                t
            };
            let zero = vec![Rational::new(); 3];
            // The tie is real: the map says so.
            assert!(!fb.linearize(&zero, &th((4, 1))).unwrap().is_smooth_point());
            let points = vec![
                (zero.clone(), th((1, 1))),
                (zero.clone(), th((4, 1))),
                (qv(&[(1, 2), (-1, 3), (2, 5)]), th((1, 3))),
                (qv(&[(-3, 2), (0, 1), (1, 7)]), th((6, 1))),
            ];
            check_fused(&fb, &points);
        }
    }
}

/// Heavy ball at the kink `x = 0` of `f'` and away from it; ReLU layer with a
/// pre-activation exactly 0 (`W = I/2`, `x = (2, −2)`, `b = (−1, 1)`, `U = 0`).
#[test]
fn heavy_ball_and_relu_fused() {
    let hb = HeavyBall::seeds();
    let th = qv(&[(1, 2), (1, 4)]);
    check_fused(
        &hb,
        &[
            (qv(&[(0, 1), (1, 1)]), th.clone()),
            (qv(&[(3, 2), (-1, 1)]), th.clone()),
            (qv(&[(-2, 3), (1, 5)]), qv(&[(1, 3), (1, 2)])),
        ],
    );
    let w = Matrix::from_ratio_rows(&[vec![(1, 2), (0, 1)], vec![(0, 1), (1, 2)]]).unwrap();
    let layer = ReluLayer::new(w, Matrix::zeros(2, 1), qv(&[(-1, 1), (1, 1)])).unwrap();
    let tie = (qv(&[(2, 1), (-2, 1)]), qv(&[(0, 1)]));
    assert!(!layer.linearize(&tie.0, &tie.1).unwrap().is_smooth_point());
    check_fused(
        &layer,
        &[
            tie,
            (qv(&[(5, 1), (-5, 1)]), qv(&[(1, 1)])),
            (qv(&[(1, 1), (1, 1)]), qv(&[(0, 1)])),
        ],
    );
}

#[test]
fn splitting_maps_fused() {
    let (a, b) = lasso_design();
    let dr = DouglasRachford::new(
        Design::Dense(a.clone()),
        b.clone(),
        StepRule::FrobeniusBound,
    )
    .unwrap();
    check_fused(
        &dr,
        &[
            (qv(&[(0, 1), (0, 1), (0, 1)]), qv(&[(1, 1)])),
            (qv(&[(1, 2), (-1, 3), (2, 5)]), qv(&[(1, 10)])),
            (qv(&[(3, 1), (1, 1), (-1, 1)]), qv(&[(5, 1)])),
        ],
    );
    let admm = Admm::new(Design::Dense(a), b, q(3, 2)).unwrap();
    check_fused(
        &admm,
        &[
            (vec![Rational::new(); 6], qv(&[(1, 1)])),
            (
                qv(&[(1, 2), (-1, 3), (2, 5), (0, 1), (1, 1), (-1, 2)]),
                qv(&[(1, 10)]),
            ),
            (
                qv(&[(3, 1), (1, 1), (-1, 1), (1, 1), (1, 1), (1, 1)]),
                qv(&[(4, 1)]),
            ),
        ],
    );
}

/// Clarke's map `F(x) = (|x₁| + x₂, 2x₁ + |x₂|)` (a selection map, tied at the origin)
/// and a two-piece piecewise-affine map `F(x) = |x| / 2` written by its pieces.
#[test]
fn selection_and_piecewise_affine_fused() {
    use piggyback::maps::{AffinePiece, PiecewiseAffine, SelectionMap};
    use piggyback::selection::{primitives::Abs, Affine, Compose, Coordinatewise, Stack};
    let l = Matrix::from_ratio_rows(&[
        vec![(1, 1), (0, 1), (0, 1), (1, 1)],
        vec![(0, 1), (1, 1), (2, 1), (0, 1)],
    ])
    .unwrap();
    let sel = Compose {
        inner: Stack(
            Coordinatewise {
                primitive: Abs,
                n: 2,
            },
            Affine::linear(Matrix::<Rational>::identity(2)),
        ),
        outer: Affine::linear(l),
    };
    let clarke = SelectionMap::new::<Rational>(sel, 0).unwrap();
    check_fused(
        &clarke,
        &[
            (qv(&[(0, 1), (0, 1)]), vec![]),
            (qv(&[(1, 2), (-1, 3)]), vec![]),
            (qv(&[(-2, 1), (0, 1)]), vec![]),
        ],
    );
    let piece = |slope: i64, g: i64| AffinePiece {
        a: Matrix::from_ratio_rows(&[vec![(slope, 2)]]).unwrap(),
        b: Matrix::zeros(1, 0),
        c: vec![Rational::new()],
        g: Matrix::from_ratio_rows(&[vec![(g, 1)]]).unwrap(),
        h: vec![Rational::new()],
    };
    let pwa = PiecewiseAffine::new(vec![piece(1, -1), piece(-1, 1)]).unwrap();
    check_fused(
        &pwa,
        &[
            (qv(&[(0, 1)]), vec![]),
            (qv(&[(3, 1)]), vec![]),
            (qv(&[(-3, 1)]), vec![]),
        ],
    );
}

/// The maps that need `exp`/`ln`, in f64 and intervals (the value and the linearization
/// are computed by the same floating-point operations, so they agree bitwise).
#[test]
fn transcendental_maps_fused() {
    let af = lasso_design().0.to_f64();
    for labels in [
        Labels::Binary(vec![1, -1, 1, -1]),
        Labels::Multiclass {
            classes: 3,
            labels: vec![0, 1, 2, 1],
        },
    ] {
        let k = labels.columns();
        let lf = LogisticFb::new(
            Design::Dense(af.clone()),
            labels,
            Penalty::ElasticNet,
            StepRule::Given(0.5),
        )
        .unwrap();
        let pts: Vec<(Vec<f64>, Vec<f64>)> = (0..3)
            .map(|s| {
                let x = (0..3 * k)
                    .map(|i| ((i * 7 + s * 5) % 11) as f64 / 8.0 - 0.6)
                    .collect();
                (x, vec![0.05 * (s + 1) as f64, 0.25])
            })
            .collect();
        check_fused(&lf, &pts);
    }
    let bf = vec![3.0, 1.0, -2.0, 2.0];
    let fb = ForwardBackward::new(
        Design::Dense(af.clone()),
        bf.clone(),
        Penalty::ElasticNet,
        StepRule::Given(0.1),
    )
    .unwrap();
    check_fused(
        &LogParams::new(fb),
        &[
            (vec![0.0; 3], vec![0.0, -1.0]),
            (vec![0.5, -0.25, 1.0], vec![-2.0, 0.5]),
        ],
    );
    let cost = Matrix::from_f64_rows(&[vec![0.0, 1.0], vec![1.0, 0.0], vec![0.5, 0.5]]).unwrap();
    let sk = Sinkhorn::new(&[0.2, 0.3, 0.5], &cost, &0.5).unwrap();
    check_fused(
        &sk,
        &[
            (vec![0.0; 3], vec![0.4, 0.6]),
            (vec![0.3, -0.2, 0.1], vec![0.5, 0.5]),
        ],
    );
    let nn = EntropicNnls::new(
        Design::Dense(af.map(|v| v.abs())),
        vec![1.0, 2.0, 1.0, 0.5],
        StepRule::Given(0.05),
    )
    .unwrap();
    check_fused(
        &nn,
        &[(vec![1.0; 3], vec![0.1]), (vec![0.5, 2.0, 0.25], vec![0.3])],
    );
    // Intervals: point intervals of the f64 walk.
    let iv = |v: &[f64]| {
        v.iter()
            .map(|&x| Interval::from_f64(x).unwrap())
            .collect::<Vec<_>>()
    };
    let ski = Sinkhorn::new(
        &iv(&[0.2, 0.3, 0.5]),
        &cost.map(|&v| Interval::from_f64(v).unwrap()),
        &Interval::from_f64(0.5).unwrap(),
    )
    .unwrap();
    check_fused(
        &ski,
        &[
            (iv(&[0.0; 3]), iv(&[0.4, 0.6])),
            (iv(&[0.3, -0.2, 0.1]), iv(&[0.5, 0.5])),
        ],
    );
}

/// Lengths are checked at the boundary. Before, a short `out` made the heavy-ball
/// products index out of bounds (a panic), and a long `v` was silently truncated by
/// `zip` in the forward–backward and design products (a wrong number).
#[test]
fn wrong_lengths_are_typed_errors() {
    let mismatch = |r: Result<()>| matches!(r, Err(Error::DimensionMismatch { .. }));
    let hb = HeavyBall::seeds();
    let mut lin = hb
        .linearize(&qv(&[(1, 1), (0, 1)]), &qv(&[(1, 2), (1, 4)]))
        .unwrap();
    let mut short = vec![Rational::new(); 1];
    assert!(mismatch(lin.a_mul_into(&qv(&[(1, 1), (1, 1)]), &mut short)));
    assert!(mismatch(
        lin.at_mul_into(&qv(&[(1, 1), (1, 1)]), &mut short)
    ));
    assert!(mismatch(
        lin.bt_mul_into(&qv(&[(1, 1), (1, 1)]), &mut short)
    ));
    assert!(lin.jvp(&qv(&[(1, 1)]), &qv(&[(1, 1), (1, 1)])).is_err());
    assert!(lin.vjp(&qv(&[(1, 1), (1, 1), (1, 1)])).is_err());

    let (a, b) = lasso_design();
    let fb = ForwardBackward::new(
        Design::Dense(a.clone()),
        b.clone(),
        Penalty::Lasso,
        StepRule::Given(q(1, 10)),
    )
    .unwrap();
    let mut lin = fb
        .linearize(&vec![Rational::new(); 3], &qv(&[(1, 1)]))
        .unwrap();
    let mut out = vec![Rational::new(); 3];
    let long = qv(&[(1, 1), (1, 1), (1, 1), (5, 1)]);
    assert!(mismatch(lin.a_mul_into(&long, &mut out)));
    assert!(mismatch(lin.at_mul_into(&long, &mut out)));
    assert!(mismatch(lin.b_mul_into(&qv(&[(1, 1), (1, 1)]), &mut out)));
    let mut long_out = vec![Rational::new(); 4];
    assert!(mismatch(lin.a_mul_into(&long[..3], &mut long_out)));

    for design in [
        Design::Dense(a.clone()),
        Design::Sparse(Csr::from_dense(&a)),
        Design::Dense(a).into_row_major(),
    ] {
        let mut rows = vec![Rational::new(); 4];
        let mut cols = vec![Rational::new(); 3];
        assert!(mismatch(design.mul_vec_into(&long, &mut rows)));
        assert!(mismatch(design.tr_mul_vec_into(&long[..3], &mut cols)));
        assert!(mismatch(design.tr_mul_vec_into(&b, &mut rows)));
        assert!(mismatch(design.normal_into(
            &long[..3],
            Some(&b[..3]),
            &mut cols,
            &mut rows
        )));
        assert!(design
            .normal_into(&long[..3], Some(&b), &mut cols, &mut rows)
            .is_ok());
    }

    let mut ws = Workspace::new(&fb, &vec![Rational::new(); 3], &qv(&[(1, 1)])).unwrap();
    let mut fx = vec![Rational::new(); 2];
    assert!(mismatch(ws.update(
        &vec![Rational::new(); 3],
        &qv(&[(1, 1)]),
        Some(&mut fx)
    )));
    assert!(ws
        .update(&vec![Rational::new(); 2], &qv(&[(1, 1)]), None)
        .is_err());
    assert!(
        ws.update(&vec![Rational::new(); 3], &qv(&[(0, 1)]), None)
            .is_err(),
        "λ = 0"
    );
}

/// The three design layouts agree exactly on every product (`Aᵀ(Av − b)` by hand for
/// one vector: `v = (1, 1, 1)`, `Av − b = (0, 4, 5, 0)`, `Aᵀ(·) = (4, 17, 14)`;
/// `‖A‖_F² = 23`).
#[test]
fn design_layouts_agree() {
    let (a, b) = lasso_design();
    let v = qv(&[(1, 1), (1, 1), (1, 1)]);
    for design in [
        Design::Dense(a.clone()),
        Design::Sparse(Csr::from_dense(&a)),
        Design::Dense(a.clone()).into_row_major(),
    ] {
        let mut out = vec![Rational::new(); 3];
        let mut rows = vec![Rational::new(); 4];
        design
            .normal_into(&v, Some(&b), &mut out, &mut rows)
            .unwrap();
        assert_eq!(out, qv(&[(4, 1), (17, 1), (14, 1)]));
        assert_eq!(design.to_dense(), a);
        assert_eq!(design.frobenius_sq(), q(23, 1));
    }
}

/// A user's map that does not move its linearization in place still works in a
/// workspace (the fallback asks the map again).
#[test]
fn workspace_falls_back_for_maps_without_relinearize() {
    struct Scale;
    struct ScaleLin;
    impl Linearization<Rational> for ScaleLin {
        fn dims(&self) -> (usize, usize) {
            (1, 1)
        }
        fn is_smooth_point(&self) -> bool {
            true
        }
        fn a_mul_impl(&mut self, v: &[Rational], out: &mut [Rational]) {
            out[0] = Rational::from(&v[0] / 2);
        }
        fn at_mul_impl(&mut self, w: &[Rational], out: &mut [Rational]) {
            out[0] = Rational::from(&w[0] / 2);
        }
        fn b_mul_impl(&mut self, v: &[Rational], out: &mut [Rational]) {
            out[0] = v[0].clone();
        }
        fn bt_mul_impl(&mut self, w: &[Rational], out: &mut [Rational]) {
            out[0] = w[0].clone();
        }
    }
    impl FixedPointMap<Rational> for Scale {
        fn dims(&self) -> (usize, usize) {
            (1, 1)
        }
        fn apply(&self, x: &[Rational], th: &[Rational]) -> Result<Vec<Rational>> {
            Ok(vec![Rational::from(&x[0] / 2) + &th[0]])
        }
        fn linearize(
            &self,
            _: &[Rational],
            _: &[Rational],
        ) -> Result<Box<dyn Linearization<Rational> + '_>> {
            Ok(Box::new(ScaleLin))
        }
        fn conservative_jacobian(
            &self,
            _: &[Rational],
            _: &[Rational],
        ) -> Result<MatrixSet<Rational>> {
            MatrixSet::singleton(Matrix::from_ratio_rows(&[vec![(1, 2), (1, 1)]])?)
        }
    }
    check_fused(
        &Scale,
        &[
            (qv(&[(1, 1)]), qv(&[(3, 1)])),
            (qv(&[(-4, 1)]), qv(&[(1, 2)])),
        ],
    );
}
