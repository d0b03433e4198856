//! The verified-floating-point proof of LASSO / elastic-net solutions
//! (`certify::enet_proof`) against an independent exact oracle: the KKT system solved in
//! rationals on a support guess and every KKT condition checked exactly. Enclosures must
//! contain the exact values; every failure mode gives a typed outcome; forged candidates
//! (perturbed, sign-flipped) and 1-ulp margins never produce a false claim.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas

mod diff_common;

use inari::Interval;
use piggyback::certify::enet_proof::{prove, EnetData, EnetProof, ProofFailure, ProofOptions};
use piggyback::diff::enet::{CdOptions, Enet, RestrictedSolver};
use piggyback::linalg::vfp::DataRadius;
use piggyback::linalg::Matrix;
use proptest::prelude::*;
use rug::Rational;

fn q(x: f64) -> Rational {
    Rational::from_f64(x).expect("finite")
}

fn point(x: f64) -> Interval {
    Interval::try_from((x, x)).unwrap()
}

/// Gaussian elimination in rationals, `None` when singular (test-only, independent).
fn exact_solve(m: &[Vec<Rational>], b: &[Rational]) -> Option<Vec<Rational>> {
    let n = b.len();
    let mut a: Vec<Vec<Rational>> = m.to_vec();
    let mut b = b.to_vec();
    for c in 0..n {
        let p = (c..n).find(|&i| a[i][c] != 0)?;
        a.swap(c, p);
        b.swap(c, p);
        for i in 0..n {
            if i != c && a[i][c] != 0 {
                let f = Rational::from(&a[i][c] / &a[c][c]);
                for j in c..n {
                    let t = Rational::from(&f * &a[c][j]);
                    a[i][j] -= t;
                }
                let t = Rational::from(&f * &b[c]);
                b[i] -= t;
            }
        }
    }
    Some((0..n).map(|i| Rational::from(&b[i] / &a[i][i])).collect())
}

/// An exactly known problem: data as rationals (the f64 values exactly), parameters.
struct Exact {
    n: usize,
    p: usize,
    x: Vec<f64>,
    y: Vec<f64>,
    s: Rational,
    l1: Rational,
    l2: Rational,
}

/// The exact solution, its correlations `c_j = sX_jᵀ(y − Xw) − λ₂w_j`, and the exact
/// restricted derivative columns on its support.
struct Oracle {
    w: Vec<Rational>,
    c: Vec<Rational>,
    support: Vec<usize>,
    d1: Vec<Rational>,
    d2: Vec<Rational>,
}

impl Exact {
    fn xr(&self, i: usize, j: usize) -> Rational {
        q(self.x[j * self.n + i])
    }
    fn h(&self, t: &[usize]) -> Vec<Vec<Rational>> {
        t.iter()
            .map(|&a| {
                t.iter()
                    .map(|&b| {
                        let mut acc = Rational::new();
                        for i in 0..self.n {
                            acc += self.xr(i, a) * self.xr(i, b);
                        }
                        acc *= &self.s;
                        if a == b {
                            acc += &self.l2;
                        }
                        acc
                    })
                    .collect()
            })
            .collect()
    }
    fn correlations(&self, w: &[Rational]) -> Vec<Rational> {
        let r: Vec<Rational> = (0..self.n)
            .map(|i| {
                let mut v = q(self.y[i]);
                for j in 0..self.p {
                    if w[j] != 0 {
                        v -= self.xr(i, j) * &w[j];
                    }
                }
                v
            })
            .collect();
        (0..self.p)
            .map(|j| {
                let mut a = Rational::new();
                for i in 0..self.n {
                    a += self.xr(i, j) * &r[i];
                }
                Rational::from(&self.s * &a) - Rational::from(&self.l2 * &w[j])
            })
            .collect()
    }
    /// Solve the KKT system on `support` with `signs`; `Some` only if every KKT
    /// condition holds strictly (signs strict, `|c_j| < λ₁` off the support).
    fn oracle(&self, support: &[usize], signs: &[i32]) -> Option<Oracle> {
        let h = self.h(support);
        let xty: Vec<Rational> = support
            .iter()
            .zip(signs)
            .map(|(&j, &sg)| {
                let mut a = Rational::new();
                for i in 0..self.n {
                    a += self.xr(i, j) * q(self.y[i]);
                }
                Rational::from(&self.s * &a) - Rational::from(&self.l1 * sg)
            })
            .collect();
        let ws = exact_solve(&h, &xty)?;
        let mut w = vec![Rational::new(); self.p];
        for (k, &j) in support.iter().enumerate() {
            if Rational::from(&ws[k] * signs[k]) <= 0 {
                return None;
            }
            w[j] = ws[k].clone();
        }
        let c = self.correlations(&w);
        for j in 0..self.p {
            if w[j] == 0 && Rational::from(c[j].abs_ref()) >= self.l1 {
                return None;
            }
        }
        let minus_sign: Vec<Rational> = signs.iter().map(|&s| Rational::from(-s)).collect();
        let minus_w: Vec<Rational> = ws.iter().map(|v| Rational::from(-v)).collect();
        Some(Oracle {
            d1: exact_solve(&h, &minus_sign)?,
            d2: exact_solve(&h, &minus_w)?,
            w,
            c,
            support: support.to_vec(),
        })
    }
    fn data(&self, s: Interval) -> EnetData<'_> {
        EnetData {
            n: self.n,
            p: self.p,
            x: &self.x,
            y: &self.y,
            data: DataRadius::EXACT,
            scale: s,
            lambda1: point(self.l1.to_f64()),
            lambda2: point(self.l2.to_f64()),
        }
    }
    fn enet(&self) -> Enet {
        Enet::from_col_major(
            self.n,
            self.p,
            self.x.clone(),
            self.y.clone(),
            self.s.to_f64(),
        )
        .unwrap()
    }
    /// The exact oracle from the f64 solve's support guess.
    fn solve(&self) -> Option<(Oracle, Vec<f64>)> {
        let sol = self
            .enet()
            .solve(
                self.l1.to_f64(),
                self.l2.to_f64(),
                None,
                &CdOptions {
                    tol: 1e-14,
                    ..Default::default()
                },
            )
            .ok()?;
        let support: Vec<usize> = (0..self.p).filter(|&j| sol.w[j].abs() > 1e-9).collect();
        let signs: Vec<i32> = support
            .iter()
            .map(|&j| if sol.w[j] > 0.0 { 1 } else { -1 })
            .collect();
        Some((self.oracle(&support, &signs)?, sol.w))
    }
}

/// Every claim of `proof` holds for the exact solution `o`.
fn check_claims(e: &Exact, proof: &EnetProof, o: &Oracle) {
    // Ball: ‖w* − centre‖₂ ≤ radius, exactly.
    let mut d2 = Rational::new();
    for j in 0..e.p {
        let d = &o.w[j] - q(proof.center[j]);
        d2 += Rational::from(&d * &d);
    }
    let r = q(proof.radius);
    assert!(d2 <= Rational::from(&r * &r), "ball misses w*");
    // Support and signs.
    for (&j, &sg) in proof.support.iter().zip(&proof.signs) {
        assert!(Rational::from(&o.w[j] * i32::from(sg)) > 0, "sign of {j}");
    }
    // Proven zero: exactly zero and strictly off the equicorrelation set.
    for j in 0..e.p {
        if proof.support.contains(&j) || proof.undecided.contains(&j) {
            continue;
        }
        assert!(o.w[j] == 0, "{j} claimed zero");
        let margin = &e.l1 - Rational::from(o.c[j].abs_ref());
        assert!(margin > 0, "{j} claimed off E");
        assert!(q(proof.min_margin) <= margin, "margin of {j} overstated");
    }
    // Box.
    for (j, b) in proof.solution_box().iter().enumerate() {
        let (lo, hi) = (q(b.inf()), q(b.sup()));
        assert!(lo <= o.w[j] && o.w[j] <= hi, "box {j}");
    }
    // Derivative: when single-valued, the one vertex is the exact restricted formula.
    if proof.single_valued {
        let v = &proof.vertices[0];
        assert_eq!(v.set, o.support);
        for (k, _) in v.set.iter().enumerate() {
            for (col, exact) in [(&v.d_lambda1, &o.d1), (&v.d_lambda2, &o.d2)] {
                let err = (&exact[k] - q(col.mid[k])).abs();
                assert!(err <= q(col.rad[k]), "derivative entry {k}");
            }
        }
        let hull = proof.jacobian_hull();
        for (k, &j) in v.set.iter().enumerate() {
            let iv = hull[(j, 0)];
            assert!(q(iv.inf()) <= o.d1[k] && o.d1[k] <= q(iv.sup()));
            // Single-valued: the hull is the vertex's own enclosure, not widened.
            assert!(
                iv.wid() <= 4.0 * v.d_lambda1.rad[k] + 1e-300,
                "hull of {j} too wide"
            );
        }
        for j in 0..e.p {
            if !v.set.contains(&j) {
                assert_eq!((hull[(j, 0)].inf(), hull[(j, 0)].sup()), (0.0, 0.0));
            }
        }
    }
}

fn instance(n: usize, p: usize, seed: u64, l2: (i64, i64), frac: i64) -> Exact {
    let mut rng = diff_common_rng(seed);
    let x: Vec<f64> = (0..n * p)
        .map(|_| (rng() % 17) as f64 / 8.0 - 1.0)
        .collect();
    let y: Vec<f64> = (0..n).map(|_| (rng() % 41) as f64 / 4.0 - 5.0).collect();
    let mut e = Exact {
        n,
        p,
        x,
        y,
        s: Rational::from(1),
        l1: Rational::from(1),
        l2: Rational::from(l2),
    };
    // λ₁ = frac/16 · λ_max rounded to a multiple of 1/64 (exact in f64).
    let lmax = e.enet().lambda_max();
    let l1 = ((lmax * frac as f64 / 16.0) * 64.0).round().max(1.0) / 64.0;
    e.l1 = q(l1);
    e
}

fn diff_common_rng(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state >> 33
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Enclosures contain the exact values (elastic net and LASSO, random rational data).
    #[test]
    fn proof_claims_hold_for_the_exact_solution(
        n in 6usize..14, p in 3usize..9, seed in 0u64..10_000,
        l2 in prop::sample::select(vec![(0i64, 1i64), (1, 4), (1, 1)]),
        frac in 1i64..10,
    ) {
        let e = instance(n, p, seed, l2, frac);
        let Some((o, w)) = e.solve() else { return Ok(()); };
        let proof = prove(&e.data(point(1.0)), &w, &ProofOptions::default());
        match proof {
            Ok(proof) => {
                check_claims(&e, &proof, &o);
                // Non-degenerate random instance: everything decided.
                prop_assert!(proof.single_valued, "{:?}", proof.undecided);
                prop_assert!(proof.radius < 1e-9, "radius {}", proof.radius);
                // The f64 derivative's error bound holds and is small.
                let sol = e.enet().solve(e.l1.to_f64(), e.l2.to_f64(), None, &CdOptions { tol: 1e-14, ..Default::default() }).unwrap();
                let jac = e.enet().jacobian(&sol, e.l2.to_f64(), RestrictedSolver::Cholesky).unwrap();
                let bound = proof.error_bound(&jac).unwrap();
                prop_assert!(bound < 1e-8, "bound {bound}");
                for (k, &j) in o.support.iter().enumerate() {
                    let err = (&o.d1[k] - q(jac[(j, 0)])).abs();
                    prop_assert!(err <= q(bound));
                }
            }
            Err(ProofFailure::IllConditioned { .. }) if e.l2 == 0 => {
                // LASSO with a nearly singular restricted Gram: allowed, typed.
            }
            Err(f) => prop_assert!(false, "{f}"),
        }
    }

    /// Forged candidates: perturbed or sign-flipped solutions never yield a false claim.
    #[test]
    fn forged_candidates_never_give_false_claims(
        n in 6usize..12, p in 3usize..8, seed in 0u64..10_000,
        noise in prop::sample::select(vec![0.0, 1e-12, 1e-9, 1e-4, 1e-1]),
        flip in prop::option::of(0usize..8), polish in any::<bool>(),
    ) {
        let e = instance(n, p, seed, (1, 2), 3);
        let Some((o, mut w)) = e.solve() else { return Ok(()); };
        // Perturb the nonzeros; tiny spurious nonzeros (1e-3 × noise) elsewhere.
        for (j, v) in w.iter_mut().enumerate() {
            let bump = noise * (((j * 7919) % 13) as f64 - 6.0) / 6.0;
            *v += if *v != 0.0 { bump } else { 1e-3 * bump };
        }
        if let Some(&j) = flip.and_then(|f| o.support.get(f % o.support.len().max(1))) {
            w[j] = -w[j];
        }
        let opts = ProofOptions { polish, ..Default::default() };
        match prove(&e.data(point(1.0)), &w, &opts) {
            Ok(proof) => check_claims(&e, &proof, &o),
            // A small perturbation of the solution, repaired by polishing, is proven.
            Err(f) => prop_assert!(
                flip.is_some() || noise > 1e-9 || !polish,
                "unforged candidate refused: {f}"
            ),
        }
    }
}

#[test]
fn perturbed_candidate_is_proven_and_flipped_sign_is_refused() {
    let e = instance(10, 6, 11, (1, 2), 3);
    let (o, w) = e.solve().unwrap();
    let opts = ProofOptions {
        polish: false,
        ..Default::default()
    };
    // Perturbed by 1e-10 (not polished): still proven, with a ball covering w*.
    let noisy: Vec<f64> = w
        .iter()
        .map(|v| if *v != 0.0 { v + 1e-10 } else { 0.0 })
        .collect();
    let proof = prove(&e.data(point(1.0)), &noisy, &opts).unwrap();
    check_claims(&e, &proof, &o);
    assert!(proof.radius >= 1e-10 && proof.radius < 1e-6);
    // One sign flipped: the candidate violates its KKT conditions by ~2λ₁; refused.
    let j = o.support[0];
    let mut flipped = w.clone();
    flipped[j] = -flipped[j];
    for polish in [false, true] {
        let r = prove(
            &e.data(point(1.0)),
            &flipped,
            &ProofOptions {
                polish,
                ..Default::default()
            },
        );
        match r {
            Err(ProofFailure::NotConverged { .. }) => {}
            Ok(p) => check_claims(&e, &p, &o),
            Err(f) => panic!("{f}"),
        }
    }
}

#[test]
fn scale_one_over_n_as_an_interval() {
    // s = 1/n is not a float: the proof holds for every s in its enclosure, the exact
    // solution with s = 1/7 among them.
    let mut e = instance(7, 5, 42, (1, 8), 4);
    e.s = Rational::from((1, 7));
    let lmax = e.enet().lambda_max();
    e.l1 = q(((0.3 * lmax) * 64.0).round() / 64.0);
    let (o, w) = e.solve().expect("exact oracle");
    let s = piggyback::scalar::enclose_rational(&Rational::from((1, 7)));
    assert!(s.inf() < s.sup(), "1/7 is not a float");
    let proof = prove(&e.data(s), &w, &ProofOptions::default()).unwrap();
    check_claims(&e, &proof, &o);
    assert!(proof.single_valued);
}

#[test]
fn decimal_data_radius_is_respected() {
    // The same instance read as decimals: the claims cover the exact (f64) data too.
    let e = instance(9, 6, 7, (1, 2), 3);
    let (o, w) = e.solve().unwrap();
    let mut d = e.data(point(1.0));
    d.data = DataRadius::DECIMAL;
    let proof = prove(&d, &w, &ProofOptions::default()).unwrap();
    check_claims(&e, &proof, &o);
}

#[test]
fn failure_not_converged() {
    let e = instance(10, 6, 3, (1, 2), 2);
    let (o, _) = e.solve().unwrap();
    assert!(!o.support.is_empty());
    // The zero vector is far from optimal: its KKT residual is large.
    let zero = vec![0.0; e.p];
    let opts = ProofOptions {
        polish: false,
        ..Default::default()
    };
    match prove(&e.data(point(1.0)), &zero, &opts) {
        Err(ProofFailure::NotConverged { kkt_residual, .. }) => assert!(kkt_residual > 0.0),
        Ok(p) => panic!("zero vector proven: {:?}", p.support),
        Err(f) => panic!("wrong failure: {f}"),
    }
}

#[test]
fn failure_ill_conditioned_restricted_gram() {
    // LASSO with two identical columns: the restricted Gram on any support holding both
    // is singular; the solution is not unique. The proof must refuse.
    let (n, p) = (6, 3);
    let col = [1.0, 2.0, -1.0, 0.5, 1.0, -2.0];
    let other = [0.0, 1.0, 1.0, -1.0, 2.0, 0.5];
    let x: Vec<f64> = col.iter().chain(&col).chain(&other).copied().collect();
    let y = vec![3.0, 4.0, -1.0, 1.0, 3.0, -3.0];
    let d = EnetData {
        n,
        p,
        x: &x,
        y: &y,
        data: DataRadius::EXACT,
        scale: point(1.0),
        lambda1: point(0.5),
        lambda2: point(0.0),
    };
    // A candidate splitting the weight over the twin columns.
    let e = Enet::from_col_major(n, p, x.clone(), y.clone(), 1.0).unwrap();
    let sol = e.solve(0.5, 0.0, None, &CdOptions::default());
    let mut w = sol.map(|s| s.w).unwrap_or_else(|_| vec![0.5, 0.5, 0.1]);
    if w[0] == 0.0 || w[1] == 0.0 {
        let t = w[0] + w[1];
        w[0] = t / 2.0;
        w[1] = t / 2.0;
    }
    for polish in [false, true] {
        let r = prove(
            &d,
            &w,
            &ProofOptions {
                polish,
                ..Default::default()
            },
        );
        assert!(
            matches!(r, Err(ProofFailure::IllConditioned { .. })),
            "polish {polish}: {r:?}"
        );
    }
}

/// The elastic-net instance of `tests/enet_kink.rs` with an exact kink at coordinate 2
/// for `λ₁ = 2`, `λ₂ = 1/2`, `s = 1`.
fn kink_instance(l1: Rational) -> Exact {
    let cols: [[f64; 5]; 4] = [
        [2.0, 1.0, 1.0, 0.0, 0.0],
        [-1.0, -2.0, 0.0, 1.0, 0.0],
        [1.0, 1.0, 0.0, 0.0, 1.0],
        [1.0, 0.0, 0.0, 1.0, 1.0],
    ];
    Exact {
        n: 5,
        p: 4,
        x: cols.iter().flatten().copied().collect(),
        y: vec![7.0, 7.0, 2.0, -2.0, 0.0],
        s: Rational::from(1),
        l1,
        l2: Rational::from((1, 2)),
    }
}

#[test]
fn kink_vertices_contain_the_exact_vertex_derivatives() {
    let e = kink_instance(Rational::from(2));
    assert!(
        e.oracle(&[0, 1], &[1, -1]).is_none(),
        "the strict oracle refuses a kink"
    );
    let w_exact: Vec<Rational> = [2, -2, 0, 0].iter().map(|&v| Rational::from(v)).collect();
    let c = e.correlations(&w_exact);
    assert_eq!(c[2], 2, "exact kink: c₂ = λ₁");
    for (cand, polish) in [
        (vec![2.0, -2.0, 3e-10, 0.0], false),
        (vec![2.0, -2.0, 3e-10, 0.0], true),
        (vec![2.0, -2.0, 0.0, 0.0], false),
    ] {
        let proof = prove(
            &e.data(point(1.0)),
            &cand,
            &ProofOptions {
                polish,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(proof.undecided, vec![2], "{cand:?}");
        assert_eq!(proof.support, vec![0, 1]);
        assert!(!proof.single_valued);
        assert_eq!(proof.vertices.len(), 2);
        for (v, t, signs) in [
            (&proof.vertices[0], vec![0usize, 1], vec![1i32, -1]),
            (&proof.vertices[1], vec![0, 1, 2], vec![1, -1, 1]),
        ] {
            assert_eq!(v.set, t);
            let h = e.h(&t);
            let ms: Vec<Rational> = signs.iter().map(|&s| Rational::from(-s)).collect();
            let mw: Vec<Rational> = t.iter().map(|&j| Rational::from(-&w_exact[j])).collect();
            let d1 = exact_solve(&h, &ms).unwrap();
            let d2 = exact_solve(&h, &mw).unwrap();
            for k in 0..t.len() {
                assert!((&d1[k] - q(v.d_lambda1.mid[k])).abs() <= q(v.d_lambda1.rad[k]));
                assert!((&d2[k] - q(v.d_lambda2.mid[k])).abs() <= q(v.d_lambda2.rad[k]));
            }
        }
    }
    // Too many vertices requested away: a typed refusal naming the coordinate.
    let r = prove(
        &e.data(point(1.0)),
        &[2.0, -2.0, 0.0, 0.0],
        &ProofOptions {
            max_vertices: 1,
            ..Default::default()
        },
    );
    assert!(
        matches!(&r, Err(ProofFailure::SupportUndecidable { undecided, .. }) if undecided == &vec![2]),
        "{r:?}"
    );
}

#[test]
fn margins_of_one_ulp_are_never_overstated() {
    // λ₁ = 2 ± 1 ulp around the exact kink: the truth (decided exactly) is either a tiny
    // margin (coordinate 2 zero) or a tiny nonzero (coordinate 2 in the support). The
    // proof may leave it undecided but must never claim the wrong side.
    for l1 in [2.0 + 2.0 * f64::EPSILON, 2.0 - f64::EPSILON] {
        let e = kink_instance(q(l1));
        let o = e
            .oracle(&[0, 1], &[1, -1])
            .or_else(|| e.oracle(&[0, 1, 2], &[1, -1, 1]))
            .expect("one side is a strict KKT point");
        let w: Vec<f64> = o.w.iter().map(|v| v.to_f64()).collect();
        for polish in [false, true] {
            if let Ok(proof) = prove(
                &e.data(point(1.0)),
                &w,
                &ProofOptions {
                    polish,
                    ..Default::default()
                },
            ) {
                check_claims(&e, &proof, &o);
            }
        }
    }
}

#[test]
fn large_proof_agrees_with_the_interval_path_on_the_cli_lasso() {
    // examples/problems/lasso.json: 20×8 design from CSV, λ = 3/2, s = 1. The interval
    // path (`cli::solve_problem`) and the verified-floating-point proof must agree on the
    // support and their boxes and derivative enclosures must intersect.
    use piggyback::io::problem::Problem;
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/problems/lasso.json");
    let problem = Problem::read(&path).unwrap();
    let report = piggyback::cli::solve_problem(&problem).unwrap();
    let small = report.proof.expect("interval proof");
    let dir = path.parent().unwrap();
    let xm: Matrix<f64> =
        piggyback::io::csv::read_matrix(&dir.join("../data/lasso_X.csv")).unwrap();
    let y: Vec<f64> = piggyback::io::csv::read_matrix::<f64>(&dir.join("../data/lasso_y.csv"))
        .unwrap()
        .into_vec();
    let (n, p) = xm.shape();
    let x = xm.into_vec();
    let d = EnetData {
        n,
        p,
        x: &x,
        y: &y,
        data: DataRadius::DECIMAL,
        scale: point(1.0),
        lambda1: point(1.5),
        lambda2: point(0.0),
    };
    let proof = prove(&d, &report.x, &ProofOptions::default()).unwrap();
    let bx = proof.solution_box();
    for j in 0..p {
        let a = small.x[j];
        assert!(a.inf() <= bx[j].sup() && bx[j].inf() <= a.sup(), "box {j}");
        let nonzero = proof.support.contains(&j);
        assert_eq!(small.nonzero[j], Some(nonzero), "support {j}");
    }
    assert!(proof.single_valued && small.single_valued);
    let hull = proof.jacobian_hull();
    for j in 0..p {
        let a = small.derivative[(j, 0)];
        let b = hull[(j, 0)];
        assert!(a.inf() <= b.sup() && b.inf() <= a.sup(), "derivative {j}");
    }
}

#[test]
fn the_oracle_check_catches_forged_proofs() {
    // The claims checker must be able to fail: forge a valid proof three ways.
    let e = instance(10, 6, 5, (1, 2), 3);
    let (o, w) = e.solve().unwrap();
    let proof = prove(&e.data(point(1.0)), &w, &ProofOptions::default()).unwrap();
    check_claims(&e, &proof, &o);
    let mut shifted = proof.clone();
    shifted.center[o.support[0]] += 1e-6;
    let mut flipped = proof.clone();
    flipped.signs[0] = -flipped.signs[0];
    let mut narrow = proof.clone();
    narrow.vertices[0].d_lambda1.mid[0] += 1e-6;
    for forged in [shifted, flipped, narrow] {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_claims(&e, &forged, &o)
        }));
        assert!(caught.is_err());
    }
}
