//! Sound arithmetic never substitutes a value for "undecided": interval results that
//! pass through an undecided operation (a pivot or divisor that may be zero) must
//! still enclose every exact result.
//!
//! References are independent of the code under test: determinants by cofactor
//! expansion in `rug::Rational`, and for the exp/log maps the f64 map evaluated at
//! sampled points of the box (each point evaluated as a degenerate interval too).

use piggyback::excess::min_norm_point;
use piggyback::linalg::lu::{determinant, lu};
use piggyback::maps::{Design, Labels, LogisticFb, Penalty, StepRule};
use piggyback::matset::MatrixSetView;
use piggyback::scalar::{enclose_rational, Enclosure, Interval};
use piggyback::{Error, FixedPointMap, Matrix, Scalar};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use rug::ops::Pow;
use rug::Rational;

/// Exact determinant by cofactor expansion along the first row.
fn cofactor_det(m: &[Vec<Rational>]) -> Rational {
    let n = m.len();
    if n == 0 {
        return Rational::from(1);
    }
    if n == 1 {
        return m[0][0].clone();
    }
    let mut det = Rational::new();
    for j in 0..n {
        let minor: Vec<Vec<Rational>> = m[1..]
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .filter(|&(c, _)| c != j)
                    .map(|(_, v)| v.clone())
                    .collect()
            })
            .collect();
        let term = Rational::from(&m[0][j] * &cofactor_det(&minor));
        if j % 2 == 0 {
            det += term;
        } else {
            det -= term;
        }
    }
    det
}

/// The interval matrix of exact rationals (each entry enclosed).
fn enclose(m: &[Vec<Rational>]) -> Matrix<Interval> {
    let n = m.len();
    Matrix::from_fn(n, n, |i, j| enclose_rational(&m[i][j]))
}

fn q(num: i64, den: i64) -> Rational {
    Rational::from((num, den))
}

// ------------------------------------------------------------ determinant reproducers

#[test]
fn determinant_near_singular_thin_encloses_exact() -> piggyback::Result<()> {
    // [[1, 1/3], [3, 1 + 1e-20]]: det = 1 + 1e-20 − 1 = 1e-20 exactly.
    let eps = Rational::from((1, rug::Integer::from(10).pow(20)));
    let m = vec![
        vec![q(1, 1), q(1, 3)],
        vec![q(3, 1), Rational::from(1 + &eps)],
    ];
    let exact = cofactor_det(&m);
    assert_eq!(exact, eps, "test setup: cofactor expansion");
    let det = determinant(&enclose(&m))?;
    assert!(
        det.contains_rational(&exact),
        "interval det {det:?} misses the exact 1e-20"
    );
    // Not the whole line: the Schur complement 1/3 − (1/3)(1 + 1e-20) is enclosed to a
    // few ulps, so |det| ≤ 3·(a few 1e-16).
    assert!(
        det.wid() < 1e-14,
        "enclosure too wide to be useful: {det:?}"
    );
    Ok(())
}

#[test]
fn determinant_thick_family_encloses_every_member() -> piggyback::Result<()> {
    // [[1, 0], [0, [-1, 1]]]: the members' determinants fill [-1, 1].
    let mut a: Matrix<Interval> = Matrix::identity(2);
    a[(1, 1)] = Interval::from_bounds(-1.0, 1.0)?;
    let det = determinant(&a)?;
    for t in [-1i64, -1, 0, 1] {
        assert!(det.contains_rational(&q(t, 1)), "{det:?} misses {t}");
    }
    assert!(det.contains_rational(&q(1, 2)) && det.contains_rational(&q(-1, 2)));
    // Hadamard's bound on the 1×1 trailing block [-1, 1] is exact here.
    assert_eq!((det.inf(), det.sup()), (-1.0, 1.0));
    // The 1×1 thick matrix [-1, 1] alone: no pivot can be proven nonzero at step 0.
    let b = Matrix::from_fn(1, 1, |_, _| Interval::from_bounds(-1.0, 1.0).unwrap());
    let det = determinant(&b)?;
    assert!(det.contains_rational(&q(-1, 1)) && det.contains_rational(&q(1, 1)));
    Ok(())
}

// ------------------------------------------------------- multiclass logistic reproducer

/// One sample, `K = 2`, `A = [1]`, label 0, `γ = 1`, `λ₁ = 1/100`.
fn one_sample_logistic<S: piggyback::Transcendental>() -> LogisticFb<S> {
    LogisticFb::new(
        Design::Dense(Matrix::identity(1)),
        Labels::Multiclass {
            classes: 2,
            labels: vec![0],
        },
        Penalty::Lasso,
        StepRule::Given(S::one()),
    )
    .unwrap()
}

#[test]
fn logistic_softmax_over_a_wide_box_encloses_points() -> piggyback::Result<()> {
    let map_f: LogisticFb<f64> = one_sample_logistic();
    let map_i: LogisticFb<Interval> = one_sample_logistic();
    let theta_f = [0.01];
    let theta_i = [Interval::from_f64(0.01)?];
    let boxed = [
        Interval::from_bounds(-2000.0, 2000.0)?,
        Interval::from_f64(-1000.0)?,
    ];
    let image = map_i.apply(&boxed, &theta_i)?;
    // At (−2000, −1000): p = softmax(−2000, −1000) ≈ (0, 1), so
    // F₁ = −1000 − γ·p₁ + γλ₁ ≈ −1000.99 (hand value).
    let at = map_f.apply(&[-2000.0, -1000.0], &theta_f)?;
    assert!((at[1] + 1000.99).abs() < 1e-9, "hand value: {at:?}");
    for (i, v) in at.iter().enumerate() {
        assert!(
            image[i].inf() <= *v && *v <= image[i].sup(),
            "component {i}: point value {v} outside the box image {:?}",
            image[i]
        );
    }
    Ok(())
}

// ------------------------------------------------------------ determinant properties

/// A near-singular rational matrix: row `r` is a combination of the other rows plus
/// `δ·w`, `δ = 10^{−k}` (or `δ = 0`: exactly singular). Denominators 3, 5, 7 make the
/// interval enclosures of the entries thick.
#[derive(Clone, Debug)]
struct NearSingular {
    n: usize,
    base: Vec<(i64, i64)>,
    row: usize,
    coeffs: Vec<(i64, i64)>,
    w: Vec<i64>,
    k: Option<u32>,
}

fn near_singular() -> impl Strategy<Value = NearSingular> {
    let entry = (-6i64..=6, prop::sample::select(vec![1i64, 2, 3, 5, 7]));
    (2usize..=4).prop_flat_map(move |n| {
        (
            prop::collection::vec(entry.clone(), n * n),
            0..n,
            prop::collection::vec((-3i64..=3, prop::sample::select(vec![1i64, 2, 3])), n),
            prop::collection::vec(-2i64..=2, n),
            prop::option::weighted(0.8, 0u32..=30),
        )
            .prop_map(move |(base, row, coeffs, w, k)| NearSingular {
                n,
                base,
                row,
                coeffs,
                w,
                k,
            })
    })
}

impl NearSingular {
    fn matrix(&self) -> Vec<Vec<Rational>> {
        let n = self.n;
        let mut m: Vec<Vec<Rational>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| q(self.base[i * n + j].0, self.base[i * n + j].1))
                    .collect()
            })
            .collect();
        let delta = match self.k {
            Some(k) => Rational::from((1, rug::Integer::from(10).pow(k))),
            None => Rational::new(),
        };
        let mut new_row = vec![Rational::new(); n];
        for (i, row) in m.iter().enumerate() {
            if i == self.row {
                continue;
            }
            let c = q(self.coeffs[i].0, self.coeffs[i].1);
            for (acc, v) in new_row.iter_mut().zip(row) {
                *acc += Rational::from(&c * v);
            }
        }
        for (acc, wi) in new_row.iter_mut().zip(&self.w) {
            *acc += Rational::from(&delta * *wi);
        }
        m[self.row] = new_row;
        m
    }
}

/// A thick interval matrix: centre `p/4`, radius `0`, `1/8`, `1` or `5` per entry
/// (all exact in f64), and member matrices picked inside it.
#[derive(Clone, Debug)]
struct Thick {
    n: usize,
    centre: Vec<i64>,
    radius: Vec<i64>,
    picks: Vec<Vec<(i64, i64)>>,
}

fn thick() -> impl Strategy<Value = Thick> {
    // Position t = a/b ∈ [0, 1] of a member entry in [lo, hi].
    let pos = prop_oneof![Just((0i64, 1i64)), Just((1, 1)), (0i64..=7, Just(7i64))];
    (1usize..=4).prop_flat_map(move |n| {
        (
            prop::collection::vec(-24i64..=24, n * n),
            prop::collection::vec(prop::sample::select(vec![0i64, 0, 1, 8, 40]), n * n),
            prop::collection::vec(prop::collection::vec(pos.clone(), n * n), 6),
        )
            .prop_map(move |(centre, radius, picks)| Thick {
                n,
                centre,
                radius,
                picks,
            })
    })
}

impl Thick {
    /// Entry bounds as exact rationals: `centre/4 ± radius/8`.
    fn bounds(&self, e: usize) -> (Rational, Rational) {
        let c = q(self.centre[e], 4);
        let r = q(self.radius[e], 8);
        (Rational::from(&c - &r), c + r)
    }
    fn interval(&self) -> Matrix<Interval> {
        let n = self.n;
        Matrix::from_fn(n, n, |i, j| {
            let (lo, hi) = self.bounds(i * n + j);
            // Quarters and eighths of small integers are exact in f64.
            Interval::from_bounds(lo.to_f64(), hi.to_f64()).unwrap()
        })
    }
    fn members(&self) -> Vec<Vec<Vec<Rational>>> {
        let n = self.n;
        self.picks
            .iter()
            .map(|pick| {
                (0..n)
                    .map(|i| {
                        (0..n)
                            .map(|j| {
                                let (lo, hi) = self.bounds(i * n + j);
                                let t = q(pick[i * n + j].0, pick[i * n + j].1);
                                Rational::from(&hi - &lo) * t + lo
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect()
    }
}

/// Whether interval LU stalls (finds no pivot proven nonzero) on `a`.
fn lu_stalls(a: &Matrix<Interval>) -> bool {
    matches!(lu(a), Err(Error::Singular { .. }))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Near-singular thin matrices: the interval determinant contains the exact one.
    #[test]
    fn determinant_near_singular_encloses_exact(c in near_singular()) {
        let m = c.matrix();
        let exact = cofactor_det(&m);
        let det = determinant(&enclose(&m)).unwrap();
        prop_assert!(det.contains_rational(&exact), "{:?} misses {}", det, exact);
    }

    /// Thick interval matrices: the determinant contains every sampled member's.
    #[test]
    fn determinant_thick_encloses_members(c in thick()) {
        let det = determinant(&c.interval()).unwrap();
        for m in c.members() {
            let exact = cofactor_det(&m);
            prop_assert!(det.contains_rational(&exact), "{:?} misses {}", det, exact);
        }
    }

    /// Exact rationals: the determinant of a singular (δ = 0) matrix is 0, and the
    /// LU determinant always equals cofactor expansion.
    #[test]
    fn determinant_exact_matches_cofactor(c in near_singular()) {
        let m = c.matrix();
        let n = m.len();
        let a = Matrix::from_fn(n, n, |i, j| m[i][j].clone());
        prop_assert_eq!(determinant(&a).unwrap(), cofactor_det(&m));
    }
}

/// The generators above exercise the repaired path: interval LU stalls on a good
/// share of their cases (otherwise the properties would test only full LUs).
#[test]
fn determinant_generators_reach_the_undecided_path() {
    let mut runner = TestRunner::deterministic();
    let (mut near, mut thick_stalls) = (0, 0);
    for _ in 0..400 {
        let c = near_singular().new_tree(&mut runner).unwrap().current();
        near += usize::from(lu_stalls(&enclose(&c.matrix())));
        let t = thick().new_tree(&mut runner).unwrap().current();
        thick_stalls += usize::from(lu_stalls(&t.interval()));
    }
    assert!(near >= 150, "near-singular: only {near}/400 stalled");
    assert!(
        thick_stalls >= 150,
        "thick: only {thick_stalls}/400 stalled"
    );
}

// ---------------------------------------------------------- logistic over wide boxes

/// A random logistic instance (binary or multiclass) with a box around `x`.
#[derive(Clone, Debug)]
struct LogisticCase {
    nsamp: usize,
    p: usize,
    classes: usize,
    design: Vec<i64>,
    labels: Vec<usize>,
    centre: Vec<i64>,
    radius: Vec<i64>,
    lambda1: i64,
    lambda2: Option<i64>,
    samples: Vec<Vec<(i64, i64)>>,
}

fn logistic_case() -> impl Strategy<Value = LogisticCase> {
    // classes = 1 means binary labels.
    (1usize..=3, 1usize..=2, 1usize..=4).prop_flat_map(|(nsamp, p, classes)| {
        let k = classes.max(1);
        let n = p * k;
        let pos = prop_oneof![Just((0i64, 1i64)), Just((1, 1)), (0i64..=16, Just(16i64))];
        (
            prop::collection::vec(-8i64..=8, nsamp * p),
            prop::collection::vec(0..classes.max(2), nsamp),
            prop::collection::vec(-3000i64..=3000, n),
            prop::collection::vec(
                prop::sample::select(vec![0i64, 1, 64, 6000, 24000, 40000]),
                n,
            ),
            1i64..=64,
            prop::option::of(0i64..=64),
            prop::collection::vec(prop::collection::vec(pos, n), 4),
        )
            .prop_map(
                move |(design, labels, centre, radius, lambda1, lambda2, samples)| LogisticCase {
                    nsamp,
                    p,
                    classes,
                    design,
                    labels,
                    centre,
                    radius,
                    lambda1,
                    lambda2,
                    samples,
                },
            )
    })
}

impl LogisticCase {
    fn map<S: piggyback::Transcendental>(&self) -> LogisticFb<S> {
        let a = Matrix::from_fn(self.nsamp, self.p, |i, j| {
            S::from_f64(self.design[i * self.p + j] as f64 / 8.0).unwrap()
        });
        let labels = if self.classes == 1 {
            Labels::Binary(
                self.labels
                    .iter()
                    .map(|&c| if c == 0 { 1 } else { -1 })
                    .collect(),
            )
        } else {
            Labels::Multiclass {
                classes: self.classes,
                labels: self.labels.clone(),
            }
        };
        let penalty = if self.lambda2.is_some() {
            Penalty::ElasticNet
        } else {
            Penalty::Lasso
        };
        LogisticFb::new(
            Design::Dense(a),
            labels,
            penalty,
            StepRule::Given(S::from_f64(0.5).unwrap()),
        )
        .unwrap()
    }
    fn theta(&self) -> Vec<f64> {
        let mut t = vec![self.lambda1 as f64 / 64.0];
        if let Some(l2) = self.lambda2 {
            t.push(l2 as f64 / 64.0);
        }
        t
    }
    /// The box: `centre ± radius/16` (exact in f64).
    fn bounds(&self) -> Vec<(f64, f64)> {
        self.centre
            .iter()
            .zip(&self.radius)
            .map(|(&c, &r)| (c as f64 - r as f64 / 16.0, c as f64 + r as f64 / 16.0))
            .collect()
    }
    fn points(&self) -> Vec<Vec<f64>> {
        let b = self.bounds();
        self.samples
            .iter()
            .map(|s| {
                b.iter()
                    .zip(s)
                    .map(|(&(lo, hi), &(a, d))| {
                        (lo + (hi - lo) * (a as f64 / d as f64)).clamp(lo, hi)
                    })
                    .collect()
            })
            .collect()
    }
}

fn degenerate(v: &[f64]) -> Vec<Interval> {
    v.iter().map(|&x| Interval::from_f64(x).unwrap()).collect()
}

fn intersect(a: &Interval, b: &Interval) -> bool {
    a.inf() <= b.sup() && b.inf() <= a.sup()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    /// Over boxes up to ±2500 wide around logits up to ±3000 (so `exp` overflows and
    /// underflows): the interval image of the box meets the interval image of every
    /// sampled point (both contain the exact `F` there), the f64 value at the point
    /// lies in the box image up to rounding, and likewise for the Jacobian blocks.
    #[test]
    fn logistic_box_image_encloses_points(c in logistic_case()) {
        let (mf, mi) = (c.map::<f64>(), c.map::<Interval>());
        let theta = c.theta();
        let theta_i = degenerate(&theta);
        let boxed: Vec<Interval> = c
            .bounds()
            .iter()
            .map(|&(lo, hi)| Interval::from_bounds(lo, hi).unwrap())
            .collect();
        let image = mi.apply(&boxed, &theta_i).unwrap();
        let jac = mi.conservative_jacobian(&boxed, &theta_i).unwrap();
        for pt in c.points() {
            let at = mi.apply(&degenerate(&pt), &theta_i).unwrap();
            let f = mf.apply(&pt, &theta).unwrap();
            for i in 0..image.len() {
                prop_assert!(intersect(&image[i], &at[i]), "F_{}: box {:?} vs point {:?}", i, image[i], at[i]);
                let slack = 1e-9 * (1.0 + f[i].abs());
                prop_assert!(image[i].inf() - slack <= f[i] && f[i] <= image[i].sup() + slack,
                    "F_{}: f64 {} outside {:?}", i, f[i], image[i]);
            }
            let jp = mi.conservative_jacobian(&degenerate(&pt), &theta_i).unwrap();
            if let (MatrixSetView::DiagBox { m: mb, offset: ob, .. }, MatrixSetView::DiagBox { m: mp, offset: op, .. }) = (jac.view(), jp.view()) {
                for (a, b) in mb.as_slice().iter().zip(mp.as_slice()).chain(ob.as_slice().iter().zip(op.as_slice())) {
                    prop_assert!(intersect(a, b), "Jacobian entry: box {:?} vs point {:?}", a, b);
                }
            } else {
                prop_assert!(false, "logistic Jacobian is a DiagBox");
            }
        }
    }
}

// ------------------------------------------------------- min-norm point enclosure

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The interval min-norm value over thick points contains the exact minimum of
    /// every sampled realisation (computed by exact Wolfe in rationals).
    #[test]
    fn min_norm_interval_encloses_realisations(
        (k, rows, cols) in (1usize..=4, 1usize..=2, 1usize..=2),
        raw in prop::collection::vec((-12i64..=12, prop::sample::select(vec![0i64, 0, 1, 4, 16])), 16),
        picks in prop::collection::vec(prop::collection::vec(prop_oneof![Just((0i64, 1i64)), Just((1, 1)), (0i64..=5, Just(5i64))], 16), 4),
    ) {
        let len = rows * cols;
        let bounds = |e: usize| {
            let (c, r) = raw[e % raw.len()];
            (q(c, 4) - q(r, 8), q(c, 4) + q(r, 8))
        };
        let pts: Vec<Matrix<Interval>> = (0..k)
            .map(|p| Matrix::from_fn(rows, cols, |i, j| {
                let (lo, hi) = bounds(p * len + i * cols + j);
                Interval::from_bounds(lo.to_f64(), hi.to_f64()).unwrap()
            }))
            .collect();
        let enc = min_norm_point(&pts).unwrap().norm_sq;
        for pick in &picks {
            let member: Vec<Matrix<Rational>> = (0..k)
                .map(|p| Matrix::from_fn(rows, cols, |i, j| {
                    let e = p * len + i * cols + j;
                    let (lo, hi) = bounds(e);
                    let (a, d) = pick[e % pick.len()];
                    Rational::from(&hi - &lo) * q(a, d) + lo
                }))
                .collect();
            let exact = min_norm_point(&member).unwrap().norm_sq;
            prop_assert!(enc.contains_rational(&exact), "{:?} misses {}", enc, exact);
        }
    }
}
