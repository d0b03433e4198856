//! Excess, Hausdorff distance and the min-norm point (docs/mathematics.md §4).
//!
//! Reference values are independent: hand derivations (in comments), a brute-force
//! min-norm point over all faces written here in plain `rug::Rational`, and exact
//! comparisons of squares for the inequalities.

use piggyback::excess::{
    dist_sq, excess_spectral_upper, excess_sq, hausdorff_sq, min_norm_point, nearest_point,
};
use piggyback::linalg::norms::spectral_norm_upper_sq as spectral_upper_sq;
use piggyback::matset::{Exactness, MatrixSet};
use piggyback::scalar::{BigRational, Enclosure, Exact, Interval, Rational, Scalar};
use piggyback::Matrix;
use proptest::prelude::*;

type RawMat = Vec<Vec<(i64, i64)>>;

fn q(p: i64, d: i64) -> Rational {
    Rational::from((p, d))
}

fn mat<S: Scalar>(raw: &RawMat) -> Matrix<S> {
    Matrix::from_ratio_rows(raw).unwrap()
}

fn mats<S: Scalar>(raw: &[RawMat]) -> Vec<Matrix<S>> {
    raw.iter().map(mat).collect()
}

fn r(rows: &[&[(i64, i64)]]) -> Matrix<Rational> {
    Matrix::from_ratio_rows(&rows.iter().map(|x| x.to_vec()).collect::<Vec<_>>()).unwrap()
}

fn entry() -> impl Strategy<Value = (i64, i64)> {
    (-4i64..=4, 1i64..=3)
}

fn raw_mat(rows: usize, cols: usize) -> impl Strategy<Value = RawMat> {
    prop::collection::vec(prop::collection::vec(entry(), cols), rows)
}

fn raw_set(
    rows: usize,
    cols: usize,
    k: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = Vec<RawMat>> {
    prop::collection::vec(raw_mat(rows, cols), k)
}

/// Shapes with at most 4 entries.
fn shape() -> impl Strategy<Value = (usize, usize)> {
    prop_oneof![
        Just((1, 1)),
        Just((1, 2)),
        Just((2, 1)),
        Just((2, 2)),
        Just((1, 3))
    ]
}

/// `a ≤ b + c` for `a, b, c ≥ 0` given their exact squares, decided exactly:
/// `a² − b² − c² ≤ 2bc`, i.e. lhs ≤ 0 or lhs² ≤ 4 b² c².
fn sqrt_le_sum(a2: &Rational, b2: &Rational, c2: &Rational) -> bool {
    let lhs = Rational::from(a2 - b2) - c2;
    lhs <= 0 || Rational::from(&lhs * &lhs) <= Rational::from(b2 * c2) * 4u32
}

// ---------------------------------------------------------------- brute force

/// Exact Gauss–Jordan elimination (first nonzero pivot); `None` if singular.
fn solve(mut a: Vec<Vec<Rational>>, mut b: Vec<Rational>) -> Option<Vec<Rational>> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n).find(|&r| a[r][c] != 0)?;
        a.swap(c, p);
        b.swap(c, p);
        for r in 0..n {
            if r != c && a[r][c] != 0 {
                let f = Rational::from(&a[r][c] / &a[c][c]);
                let pivot_row = a[c].clone();
                for (x, p) in a[r].iter_mut().zip(&pivot_row) {
                    *x -= Rational::from(p * &f);
                }
                let v = Rational::from(&b[c] * &f);
                b[r] -= v;
            }
        }
    }
    Some((0..n).map(|i| Rational::from(&b[i] / &a[i][i])).collect())
}

/// min ‖Σ λᵢ pᵢ‖² over the simplex by enumerating every subset (face): the affine
/// minimiser of each affinely independent subset, kept when its weights are ≥ 0.
/// (The optimum is the affine minimiser of its minimal support, which is affinely
/// independent; every kept candidate is feasible, so the least one is the optimum.)
fn brute_min_norm_sq(points: &[Vec<Rational>]) -> Rational {
    let k = points.len();
    let dot = |a: &[Rational], b: &[Rational]| {
        a.iter()
            .zip(b)
            .fold(Rational::new(), |s, (x, y)| s + Rational::from(x * y))
    };
    let mut best: Option<Rational> = None;
    for mask in 1u32..(1 << k) {
        let idx: Vec<usize> = (0..k).filter(|i| mask >> i & 1 == 1).collect();
        let s = idx.len();
        let mut a = vec![vec![Rational::new(); s + 1]; s + 1];
        for (x, &i) in idx.iter().enumerate() {
            for (y, &j) in idx.iter().enumerate() {
                a[x][y] = dot(&points[i], &points[j]);
            }
            a[x][s] = Rational::from(1);
            a[s][x] = Rational::from(1);
        }
        let mut b = vec![Rational::new(); s + 1];
        b[s] = Rational::from(1);
        let Some(sol) = solve(a, b) else { continue };
        if sol[..s].iter().any(|w| *w < 0) {
            continue;
        }
        let dim = points[0].len();
        let p: Vec<Rational> = (0..dim)
            .map(|e| {
                idx.iter().zip(&sol).fold(Rational::new(), |acc, (&i, w)| {
                    acc + Rational::from(w * &points[i][e])
                })
            })
            .collect();
        let v = dot(&p, &p);
        if best.as_ref().map_or(true, |b| v < *b) {
            best = Some(v);
        }
    }
    best.unwrap()
}

fn flat(m: &Matrix<Rational>) -> Vec<Rational> {
    m.as_slice().to_vec()
}

fn brute_dist_sq(m: &Matrix<Rational>, vs: &[Matrix<Rational>]) -> Rational {
    let pts: Vec<Vec<Rational>> = vs.iter().map(|v| flat(&v.sub(m).unwrap())).collect();
    brute_min_norm_sq(&pts)
}

// ---------------------------------------------------------------- hand-checked values

#[test]
fn reference_1x1_finite_sets() {
    // X = {0, 3}, Y = {1} (1×1): d(0, Y) = 1, d(3, Y) = 2, so ex(X, Y) = 2 (square 4);
    // ex(Y, X) = d(1, X) = min(1, 2) = 1; H = max(2, 1) = 2.
    let x = MatrixSet::finite(vec![r(&[&[(0, 1)]]), r(&[&[(3, 1)]])]).unwrap();
    let y = MatrixSet::finite(vec![r(&[&[(1, 1)]])]).unwrap();
    let e = excess_sq(&x, &y).unwrap();
    assert_eq!(e.sq, q(4, 1));
    assert_eq!(e.exactness, Exactness::Exact);
    assert_eq!(excess_sq(&y, &x).unwrap().sq, q(1, 1));
    assert_eq!(hausdorff_sq(&x, &y).unwrap().sq, q(4, 1));
}

#[test]
fn reference_point_to_segment() {
    // Point 0 and the segment conv{(1, 2), (3, −1)} in R^{1×2}. Points p(t) =
    // (1, 2) + t (2, −3); ⟨p(t), (2, −3)⟩ = 2(1 + 2t) − 3(2 − 3t) = 13t − 4 = 0 gives
    // t = 4/13 ∈ [0, 1], p = (21/13, 14/13), |p|² = (441 + 196)/169 = 637/169 = 49/13.
    let hull = MatrixSet::hull(vec![r(&[&[(1, 1), (2, 1)]]), r(&[&[(3, 1), (-1, 1)]])]).unwrap();
    let zero = r(&[&[(0, 1), (0, 1)]]);
    assert_eq!(dist_sq(&zero, &hull).unwrap(), q(49, 13));
    assert_eq!(
        nearest_point(&zero, &hull).unwrap(),
        r(&[&[(21, 13), (14, 13)]])
    );
    let mn = min_norm_point(hull.members().unwrap()).unwrap();
    assert_eq!(mn.weights, vec![q(9, 13), q(4, 13)]);
    // The same in f64 and intervals.
    let v1 = vec![vec![(1, 1), (2, 1)]];
    let v2 = vec![vec![(3, 1), (-1, 1)]];
    let hf = MatrixSet::hull(vec![
        Matrix::<f64>::from_ratio_rows(&v1).unwrap(),
        Matrix::from_ratio_rows(&v2).unwrap(),
    ])
    .unwrap();
    assert!((dist_sq(&Matrix::zeros(1, 2), &hf).unwrap() - 49.0 / 13.0).abs() < 1e-12);
    let hi = MatrixSet::hull(vec![
        Matrix::<Interval>::from_ratio_rows(&v1).unwrap(),
        Matrix::from_ratio_rows(&v2).unwrap(),
    ])
    .unwrap();
    let d = dist_sq(&Matrix::zeros(1, 2), &hi).unwrap();
    assert!(d.contains_rational(&q(49, 13)) && d.width() < 1e-12);
}

#[test]
fn reference_box_over_box() {
    // X = [0,2]×[0,1], Y = {1}×[1,3] (1×2 boxes). Per entry: x₁ ∈ [0,2] vs {1}: the
    // farthest is 1 away; x₂ ∈ [0,1] vs [1,3]: x₂ = 0 is 1 away. ex(X,Y)² = 1 + 1 = 2.
    // Back: y₁ = 1 ∈ [0,2] gives 0; y₂ ∈ [1,3] vs [0,1]: y₂ = 3 is 2 away. ex(Y,X)² = 4.
    let x = MatrixSet::interval_box(r(&[&[(0, 1), (0, 1)]]), r(&[&[(2, 1), (1, 1)]])).unwrap();
    let y = MatrixSet::interval_box(r(&[&[(1, 1), (1, 1)]]), r(&[&[(1, 1), (3, 1)]])).unwrap();
    assert_eq!(excess_sq(&x, &y).unwrap().sq, q(2, 1));
    assert_eq!(excess_sq(&y, &x).unwrap().sq, q(4, 1));
    let h = hausdorff_sq(&x, &y).unwrap();
    assert_eq!((h.sq, h.exactness), (q(4, 1), Exactness::Exact));
}

#[test]
fn reference_diagbox_distance() {
    // {diag(q) M : q ∈ [0,1]²}, M = (1, 2)ᵀ (2×1), point X = (3, −1)ᵀ. Row 1: min over
    // q ∈ [0,1] of (3 − q)² is at q = 1: 4. Row 2: (−1 − 2q)² is least at q = 0: 1.
    // d(X, set)² = 5, nearest point (1, 0)ᵀ.
    let set = MatrixSet::diag_box(
        vec![q(0, 1), q(0, 1)],
        vec![q(1, 1), q(1, 1)],
        r(&[&[(1, 1)], &[(2, 1)]]),
        r(&[&[(0, 1)], &[(0, 1)]]),
    )
    .unwrap();
    let x = r(&[&[(3, 1)], &[(-1, 1)]]);
    assert_eq!(dist_sq(&x, &set).unwrap(), q(5, 1));
    assert_eq!(nearest_point(&x, &set).unwrap(), r(&[&[(1, 1)], &[(0, 1)]]));
}

#[test]
fn reference_spectral_excess() {
    // {diag(3, 4)} against {0}: ‖·‖₁ = ‖·‖∞ = 4, so √(‖·‖₁‖·‖∞) = 4 = ‖diag(3,4)‖₂,
    // while ‖·‖_F = 5: the bound returns 4 (the spectral norm itself).
    let x = MatrixSet::singleton(r(&[&[(3, 1), (0, 1)], &[(0, 1), (4, 1)]])).unwrap();
    let y = MatrixSet::singleton(Matrix::<Rational>::zeros(2, 2)).unwrap();
    assert_eq!(excess_spectral_upper(&x, &y, 16).unwrap(), q(4, 1));
    assert_eq!(excess_sq(&x, &y).unwrap().sq, q(25, 1));
}

#[test]
fn hull_minus_finite_is_flagged_upper_bound() {
    // X = conv{0, 2} (1×1), Y = {0, 2}: the true excess is 1 (at the midpoint 1),
    // attained at no vertex. The returned value must be flagged Over and be ≥ 1.
    let x = MatrixSet::hull(vec![r(&[&[(0, 1)]]), r(&[&[(2, 1)]])]).unwrap();
    let y = MatrixSet::finite(vec![r(&[&[(0, 1)]]), r(&[&[(2, 1)]])]).unwrap();
    let e = excess_sq(&x, &y).unwrap();
    assert_eq!(e.exactness, Exactness::Over);
    assert!(e.sq >= 1);
}

#[test]
fn errors_are_typed() {
    let a = MatrixSet::singleton(Matrix::<Rational>::zeros(1, 2)).unwrap();
    let b = MatrixSet::singleton(Matrix::<Rational>::zeros(2, 1)).unwrap();
    assert!(matches!(
        excess_sq(&a, &b),
        Err(piggyback::Error::DimensionMismatch { .. })
    ));
    // An empty set cannot be built (the constructors refuse it).
    assert!(MatrixSet::<Rational>::hull(vec![]).is_err());
    assert!(min_norm_point::<f64>(&[]).is_err());
    let nan = Matrix::<f64>::from_col_major(1, 1, vec![f64::NAN]).unwrap();
    assert!(matches!(
        min_norm_point(&[nan]),
        Err(piggyback::Error::NonFinite { .. })
    ));
}

// ---------------------------------------------------------------- properties

fn cfg() -> ProptestConfig {
    ProptestConfig::with_cases(48)
}

proptest! {
    #![proptest_config(cfg())]

    /// Wolfe's exact result equals the brute force over all faces; weights are a
    /// convex combination reproducing the point; the optimality conditions hold.
    #[test]
    fn min_norm_matches_brute_force(pts in shape().prop_flat_map(|(a, b)| raw_set(a, b, 1..=5))) {
        let ps: Vec<Matrix<Rational>> = mats(&pts);
        let mn = min_norm_point(&ps).unwrap();
        let flat_pts: Vec<Vec<Rational>> = ps.iter().map(flat).collect();
        prop_assert_eq!(&mn.norm_sq, &brute_min_norm_sq(&flat_pts));
        prop_assert!(mn.weights.iter().all(|w| *w >= 0));
        prop_assert_eq!(mn.weights.iter().fold(Rational::new(), |s, w| s + w), Rational::from(1));
        let mut p = Matrix::<Rational>::zeros(ps[0].rows(), ps[0].cols());
        for (v, w) in ps.iter().zip(&mn.weights) { p = p.add(&v.scale(w)).unwrap(); }
        prop_assert_eq!(&p, &mn.point);
        prop_assert_eq!(&p.norm_frobenius_sq(), &mn.norm_sq);
        for v in &ps {
            let ip = p.as_slice().iter().zip(v.as_slice()).fold(Rational::new(), |s, (a, b)| s + Rational::from(a * b));
            prop_assert!(ip >= mn.norm_sq);
        }
        // BigRational agrees exactly.
        let big = min_norm_point(&mats::<BigRational>(&pts)).unwrap();
        prop_assert_eq!(big.norm_sq.to_rational(), mn.norm_sq);
    }

    /// Cross-scalar: finite/hull/box/DiagBox excess and point-to-hull distance in
    /// BigRational (equal), Interval (contains), f64 (|error| ≤ 1e-10 (1 + |exact|)).
    #[test]
    fn cross_scalar((xr, yr, pr) in shape().prop_flat_map(|(a, b)| (raw_set(a, b, 1..=4), raw_set(a, b, 1..=4), raw_mat(a, b)))) {
        fn run<S: Scalar>(xr: &[RawMat], yr: &[RawMat], pr: &RawMat) -> Vec<S> {
            let (x, y, p) = (mats::<S>(xr), mats::<S>(yr), mat::<S>(pr));
            let (lo, hi) = MatrixSet::finite(y.clone()).unwrap().bounding_box().unwrap();
            let bx = MatrixSet::interval_box(lo, hi).unwrap();
            let db = MatrixSet::diag_box(vec![S::from_i64(-1); p.rows()], vec![S::one(); p.rows()], y[0].clone(), x[0].clone()).unwrap();
            vec![
                excess_sq(&MatrixSet::finite(x.clone()).unwrap(), &MatrixSet::finite(y.clone()).unwrap()).unwrap().sq,
                excess_sq(&MatrixSet::hull(x.clone()).unwrap(), &MatrixSet::hull(y.clone()).unwrap()).unwrap().sq,
                excess_sq(&MatrixSet::finite(x.clone()).unwrap(), &bx).unwrap().sq,
                excess_sq(&MatrixSet::hull(x.clone()).unwrap(), &bx).unwrap().sq,
                dist_sq(&p, &MatrixSet::hull(y.clone()).unwrap()).unwrap(),
                dist_sq(&p, &db).unwrap(),
                hausdorff_sq(&MatrixSet::hull(x.clone()).unwrap(), &MatrixSet::hull(y.clone()).unwrap()).unwrap().sq,
            ]
        }
        let exact = run::<Rational>(&xr, &yr, &pr);
        let big = run::<BigRational>(&xr, &yr, &pr);
        let iv = run::<Interval>(&xr, &yr, &pr);
        let fl = run::<f64>(&xr, &yr, &pr);
        for i in 0..exact.len() {
            prop_assert_eq!(&big[i].to_rational(), &exact[i]);
            prop_assert!(iv[i].contains_rational(&exact[i]), "case {}: interval {:?} misses {}", i, iv[i], exact[i]);
            let e = exact[i].to_f64();
            prop_assert!((fl[i] - e).abs() <= 1e-10 * (1.0 + e.abs()), "case {}: f64 {} vs {}", i, fl[i], e);
        }
    }

    /// ex(X, Y) = 0 ⇔ X ⊆ Y, for finite sets (membership by equality) and hulls
    /// (membership decided by the brute-force distance).
    #[test]
    fn excess_zero_iff_subset((yr, extra, picks, wts) in shape().prop_flat_map(|(a, b)| (raw_set(a, b, 1..=4), raw_set(a, b, 0..=2), prop::collection::vec(0usize..4, 1..=3), prop::collection::vec(0i64..=3, 4)))) {
        let y: Vec<Matrix<Rational>> = mats(&yr);
        // Finite: X = some members of Y plus possibly extra matrices.
        let mut x: Vec<Matrix<Rational>> = picks.iter().map(|&i| y[i % y.len()].clone()).collect();
        x.extend(mats::<Rational>(&extra));
        let subset = x.iter().all(|m| y.iter().any(|v| v == m));
        let e = excess_sq(&MatrixSet::finite(x.clone()).unwrap(), &MatrixSet::finite(y.clone()).unwrap()).unwrap();
        prop_assert_eq!(e.sq == 0, subset);
        // Hull: X = a convex combination of Y's vertices plus the extras.
        let s: i64 = wts.iter().take(y.len()).sum();
        let mut comb = Matrix::<Rational>::zeros(y[0].rows(), y[0].cols());
        for (i, v) in y.iter().enumerate() {
            let (w, t) = if s == 0 { (i64::from(i == 0), 1) } else { (wts[i], s) };
            comb = comb.add(&v.scale(&q(w, t))).unwrap();
        }
        let mut xh = vec![comb];
        xh.extend(mats::<Rational>(&extra));
        let inside = xh.iter().all(|m| brute_dist_sq(m, &y) == 0);
        let eh = excess_sq(&MatrixSet::hull(xh.clone()).unwrap(), &MatrixSet::hull(y.clone()).unwrap()).unwrap();
        prop_assert_eq!(eh.exactness, Exactness::Exact);
        prop_assert_eq!(eh.sq == 0, inside);
        prop_assert_eq!(excess_sq(&MatrixSet::finite(xh).unwrap(), &MatrixSet::hull(y).unwrap()).unwrap().sq == 0, inside);
    }

    /// Triangle inequality ex(X,Z) ≤ ex(X,Y) + ex(Y,Z), decided exactly on squares,
    /// for finite sets and hulls.
    #[test]
    fn triangle((xr, yr, zr) in shape().prop_flat_map(|(a, b)| (raw_set(a, b, 1..=3), raw_set(a, b, 1..=3), raw_set(a, b, 1..=3)))) {
        let (x, y, z) = (mats::<Rational>(&xr), mats::<Rational>(&yr), mats::<Rational>(&zr));
        for (xs, ys, zs) in [
            (MatrixSet::finite(x.clone()).unwrap(), MatrixSet::finite(y.clone()).unwrap(), MatrixSet::finite(z.clone()).unwrap()),
            (MatrixSet::finite(x.clone()).unwrap(), MatrixSet::hull(y.clone()).unwrap(), MatrixSet::hull(z.clone()).unwrap()),
            (MatrixSet::hull(x.clone()).unwrap(), MatrixSet::hull(y.clone()).unwrap(), MatrixSet::hull(z.clone()).unwrap()),
        ] {
            let a = excess_sq(&xs, &zs).unwrap();
            prop_assert_eq!(a.exactness, Exactness::Exact);
            let b = excess_sq(&xs, &ys).unwrap().sq;
            let c = excess_sq(&ys, &zs).unwrap().sq;
            prop_assert!(sqrt_le_sum(&a.sq, &b, &c));
        }
    }

    /// ex(X + Z, Y + Z') ≤ ex(X, Y) + ex(Z, Z') (finite sums, and hull sums).
    #[test]
    fn minkowski_sum_bound((xr, yr, zr, wr) in shape().prop_flat_map(|(a, b)| (raw_set(a, b, 1..=3), raw_set(a, b, 1..=3), raw_set(a, b, 1..=2), raw_set(a, b, 1..=2)))) {
        let (x, y, z, w) = (mats::<Rational>(&xr), mats::<Rational>(&yr), mats::<Rational>(&zr), mats::<Rational>(&wr));
        for hull in [false, true] {
            let mk = |v: &Vec<Matrix<Rational>>| if hull { MatrixSet::hull(v.clone()).unwrap() } else { MatrixSet::finite(v.clone()).unwrap() };
            let (xz, e1) = mk(&x).sum(&mk(&z)).unwrap();
            let (yw, e2) = mk(&y).sum(&mk(&w)).unwrap();
            prop_assert_eq!((e1, e2), (Exactness::Exact, Exactness::Exact));
            let lhs = excess_sq(&xz, &yw).unwrap();
            prop_assert_eq!(lhs.exactness, Exactness::Exact);
            let b = excess_sq(&mk(&x), &mk(&y)).unwrap().sq;
            let c = excess_sq(&mk(&z), &mk(&w)).unwrap().sq;
            prop_assert!(sqrt_le_sum(&lhs.sq, &b, &c));
        }
    }

    /// ex(MX, MY)² ≤ ‖M‖₂² ex(X, Y)² with ‖M‖₂² ≤ min(‖M‖₁‖M‖∞, ‖M‖_F²).
    #[test]
    fn linear_image_bound((mr, xr, yr) in (1usize..=2, 1usize..=2).prop_flat_map(|(a, b)| (raw_mat(a, a), raw_set(a, b, 1..=3), raw_set(a, b, 1..=3)))) {
        let m = MatrixSet::singleton(mat::<Rational>(&mr)).unwrap();
        for hull in [false, true] {
            let mk = |v: &[RawMat]| if hull { MatrixSet::hull(mats::<Rational>(v)).unwrap() } else { MatrixSet::finite(mats::<Rational>(v)).unwrap() };
            let (mx, e1) = m.product(&mk(&xr)).unwrap();
            let (my, e2) = m.product(&mk(&yr)).unwrap();
            prop_assert_eq!((e1, e2), (Exactness::Exact, Exactness::Exact));
            let lhs = excess_sq(&mx, &my).unwrap();
            prop_assert_eq!(lhs.exactness, Exactness::Exact);
            let rhs = spectral_upper_sq(&mat::<Rational>(&mr)) * excess_sq(&mk(&xr), &mk(&yr)).unwrap().sq;
            prop_assert!(lhs.sq <= rhs);
        }
    }

    /// ex(conv X, conv Y) ≤ ex(X, Y); a hull-vs-finite upper bound (Over) is at least
    /// d(p, Y) for a sampled point p of the hull; Hausdorff is symmetric.
    #[test]
    fn hull_excess_bounds((xr, yr, wts) in shape().prop_flat_map(|(a, b)| (raw_set(a, b, 1..=4), raw_set(a, b, 1..=4), prop::collection::vec(0i64..=3, 4)))) {
        let (x, y) = (mats::<Rational>(&xr), mats::<Rational>(&yr));
        let conv = excess_sq(&MatrixSet::hull(x.clone()).unwrap(), &MatrixSet::hull(y.clone()).unwrap()).unwrap().sq;
        let fin = excess_sq(&MatrixSet::finite(x.clone()).unwrap(), &MatrixSet::finite(y.clone()).unwrap()).unwrap().sq;
        prop_assert!(conv <= fin);
        let ub = excess_sq(&MatrixSet::hull(x.clone()).unwrap(), &MatrixSet::finite(y.clone()).unwrap()).unwrap();
        let total: i64 = wts.iter().take(x.len()).sum::<i64>();
        if total > 0 {
            let mut p = Matrix::<Rational>::zeros(x[0].rows(), x[0].cols());
            for (v, &w) in x.iter().zip(&wts) { p = p.add(&v.scale(&q(w, total))).unwrap(); }
            prop_assert!(dist_sq(&p, &MatrixSet::finite(y.clone()).unwrap()).unwrap() <= ub.sq);
        }
        let h1 = hausdorff_sq(&MatrixSet::hull(x.clone()).unwrap(), &MatrixSet::hull(y.clone()).unwrap()).unwrap().sq;
        let h2 = hausdorff_sq(&MatrixSet::hull(y).unwrap(), &MatrixSet::hull(x).unwrap()).unwrap().sq;
        prop_assert_eq!(h1, h2);
    }

    /// Closed forms agree with vertex enumeration (box-vs-box, DiagBox-vs-box,
    /// box-vs-hull); over the cap the value is an upper bound; the spectral excess
    /// bound never exceeds the Frobenius excess (up to the sqrt_upper rounding).
    #[test]
    fn closed_forms_match_vertices((ar, br, yr) in (1usize..=2, 1usize..=2).prop_flat_map(|(a, b)| (raw_set(a, b, 2..=2), raw_set(a, b, 2..=2), raw_set(a, b, 1..=3)))) {
        let (a, b) = (mats::<Rational>(&ar), mats::<Rational>(&br));
        let bx = MatrixSet::finite(a.clone()).unwrap().to_box().unwrap();
        let by = MatrixSet::finite(b.clone()).unwrap().to_box().unwrap();
        let corners = MatrixSet::hull(bx.vertices(64).unwrap()).unwrap();
        let e1 = excess_sq(&bx, &by).unwrap();
        let e2 = excess_sq(&corners, &by).unwrap();
        prop_assert_eq!((e1.sq, e1.exactness), (e2.sq, e2.exactness));
        let r0 = a[0].rows();
        let db = MatrixSet::diag_box(vec![q(-1, 2); r0], vec![q(1, 1); r0], a[0].clone(), a[1].clone()).unwrap();
        let e3 = excess_sq(&db, &by).unwrap();
        let e4 = excess_sq(&MatrixSet::hull(db.vertices(64).unwrap()).unwrap(), &by).unwrap();
        prop_assert_eq!(e3.sq, e4.sq);
        let y = MatrixSet::hull(mats::<Rational>(&yr)).unwrap();
        let e5 = excess_sq(&bx, &y).unwrap();
        let e6 = excess_sq(&corners, &y).unwrap();
        prop_assert_eq!(e5.sq.clone(), e6.sq);
        let e7 = piggyback::excess::excess_sq_with_cap(&bx, &y, 1).unwrap();
        if bx.vertices(1).is_err() {
            prop_assert_eq!(e7.exactness, Exactness::Over);
        }
        prop_assert!(e7.sq >= e5.sq);
        let fin_x = MatrixSet::finite(a.clone()).unwrap();
        let s = excess_spectral_upper(&fin_x, &y, 64).unwrap();
        let f = excess_sq(&fin_x, &y).unwrap().sq;
        prop_assert!(Rational::from(&s * &s) <= f * q(1_000_001, 1_000_000) + q(1, 1_000_000_000));
    }

    /// The nearest point lies in Y and realises the distance, for every kind of Y;
    /// a DiagBox distance (clamp) equals the distance to the hull of its extreme
    /// points (min-norm point).
    #[test]
    fn nearest_point_realises_distance((yr, pr, ql) in (1usize..=2, 1usize..=2).prop_flat_map(|(a, b)| (raw_set(a, b, 2..=4), raw_mat(a, b), prop::collection::vec(-2i64..=1, 2)))) {
        let y = mats::<Rational>(&yr);
        let p = mat::<Rational>(&pr);
        let rows = y[0].rows();
        let db = MatrixSet::diag_box((0..rows).map(|i| Rational::from(ql[i])).collect(), (0..rows).map(|i| Rational::from(ql[i] + 1)).collect(), y[0].clone(), y[1].clone()).unwrap();
        let sets = [MatrixSet::finite(y.clone()).unwrap(), MatrixSet::hull(y.clone()).unwrap(), MatrixSet::finite(y.clone()).unwrap().to_box().unwrap(), db.clone()];
        for set in &sets {
            let n = nearest_point(&p, set).unwrap();
            prop_assert_eq!(set.contains(&n).unwrap(), piggyback::Verdict::True);
            prop_assert_eq!(p.sub(&n).unwrap().norm_frobenius_sq(), dist_sq(&p, set).unwrap());
        }
        let hv = MatrixSet::hull(db.vertices(16).unwrap()).unwrap();
        prop_assert_eq!(dist_sq(&p, &db).unwrap(), dist_sq(&p, &hv).unwrap());
    }

    /// Wide intervals: the enclosure contains the exact value for the realisations
    /// at both ends of every input interval (width 1/64), for point-to-hull,
    /// hull-vs-hull excess, box-vs-box excess and DiagBox distance.
    #[test]
    fn wide_intervals_enclose_realisations((xr, yr, pr) in shape().prop_flat_map(|(a, b)| (raw_set(a, b, 1..=3), raw_set(a, b, 1..=4), raw_mat(a, b)))) {
        let delta = 1.0 / 64.0;
        let widen = |m: &Matrix<f64>| m.map(|&v| Interval::from_bounds(v, v + delta).unwrap());
        let at = |m: &Matrix<f64>, shift: f64| m.map(|&v| Rational::from_f64(v + shift).unwrap());
        let (xf, yf, pf) = (mats::<f64>(&xr), mats::<f64>(&yr), mat::<f64>(&pr));
        let xi: Vec<Matrix<Interval>> = xf.iter().map(widen).collect();
        let yi: Vec<Matrix<Interval>> = yf.iter().map(widen).collect();
        let pi = widen(&pf);
        let d_hull = dist_sq(&pi, &MatrixSet::hull(yi.clone()).unwrap()).unwrap();
        let e_hull = excess_sq(&MatrixSet::hull(xi.clone()).unwrap(), &MatrixSet::hull(yi.clone()).unwrap()).unwrap().sq;
        let rows = pf.rows();
        let dbi = MatrixSet::diag_box(vec![Interval::from_bounds(-1.0, -1.0 + delta).unwrap(); rows], vec![Interval::from_bounds(1.0, 1.0 + delta).unwrap(); rows], yi[0].clone(), xi[0].clone()).unwrap();
        let d_db = dist_sq(&pi, &dbi);
        for shift in [0.0, delta] {
            let (x, y, p) = (xf.iter().map(|m| at(m, shift)).collect::<Vec<_>>(), yf.iter().map(|m| at(m, shift)).collect::<Vec<_>>(), at(&pf, shift));
            let d = dist_sq(&p, &MatrixSet::hull(y.clone()).unwrap()).unwrap();
            prop_assert!(d_hull.contains_rational(&d), "{:?} misses {}", d_hull, d);
            let e = excess_sq(&MatrixSet::hull(x.clone()).unwrap(), &MatrixSet::hull(y.clone()).unwrap()).unwrap().sq;
            prop_assert!(e_hull.contains_rational(&e), "{:?} misses {}", e_hull, e);
            let qs = Rational::from_f64(shift).unwrap();
            let db = MatrixSet::diag_box(vec![Rational::from(-1) + &qs; rows], vec![Rational::from(1) + &qs; rows], y[0].clone(), x[0].clone()).unwrap();
            if let Ok(di) = &d_db {
                let dd = dist_sq(&p, &db).unwrap();
                prop_assert!(di.contains_rational(&dd), "{:?} misses {}", di, dd);
            }
        }
        // Box vs box with interval bounds: the value for the widest box (lo.inf, hi.sup)
        // is enclosed... checked against both end realisations of a fixed-width box.
        let (blo, bhi) = MatrixSet::finite(xf.clone()).unwrap().bounding_box().unwrap();
        let (clo, chi) = MatrixSet::finite(yf.clone()).unwrap().bounding_box().unwrap();
        let eb = excess_sq(&MatrixSet::interval_box(widen(&blo), widen(&bhi)).unwrap(), &MatrixSet::interval_box(widen(&clo), widen(&chi)).unwrap()).unwrap().sq;
        for shift in [0.0, delta] {
            let e = excess_sq(&MatrixSet::interval_box(at(&blo, shift), at(&bhi, shift)).unwrap(), &MatrixSet::interval_box(at(&clo, shift), at(&chi, shift)).unwrap()).unwrap().sq;
            prop_assert!(eb.contains_rational(&e));
        }
    }

    /// f64 Wolfe on larger random f64 instances agrees with the exact result on the
    /// same (exactly converted) data to 1e-9 relative.
    #[test]
    fn f64_min_norm_matches_exact(seed in 0u64..1_000_000, k in 2usize..=12) {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let pts: Vec<Matrix<f64>> = (0..k).map(|_| Matrix::from_fn(2, 3, |_, _| rng.gen_range(-1.0..1.0) + 0.3)).collect();
        let exact: Vec<Matrix<Rational>> = pts.iter().map(|m| Matrix::from_f64_matrix(m).unwrap()).collect();
        let e = min_norm_point(&exact).unwrap().norm_sq.to_f64();
        let f = min_norm_point(&pts).unwrap().norm_sq;
        // Data of size ~1: the f64 optimality tolerance is ~1e-11 absolute.
        prop_assert!((f - e).abs() <= 1e-9 * e + 1e-10, "f64 {} vs exact {}", f, e);
    }
}
