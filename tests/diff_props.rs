//! Property tests of the differentiation engines' algebraic claims (small, few cases).

mod diff_common;

use diff_common::Affine;
use piggyback::diff::aid::{self, GmresOptions};
use piggyback::diff::dense;
use piggyback::diff::itd::{self, Checkpointing};
use piggyback::diff::IterOptions;
use piggyback::linalg::Matrix;
use piggyback::maps::FixedPointMap;
use piggyback::matset::MatrixSet;
use piggyback::matset::{Overflow, SetOptions};
use piggyback::scalar::Interval;
use piggyback::MatrixSetView;
use piggyback::{Enclosure, Scalar, Verdict};
use proptest::prelude::*;
use rug::Rational;
use std::cmp::Ordering;

fn small_ratio() -> impl Strategy<Value = (i64, i64)> {
    (-6i64..=6, 1i64..=4)
}

fn rat_matrix(r: usize, c: usize) -> impl Strategy<Value = Matrix<Rational>> {
    prop::collection::vec(small_ratio(), r * c)
        .prop_map(move |v| Matrix::from_fn(r, c, |i, j| Rational::from(v[i + j * r])))
}

/// A matrix with `‖A‖_∞ ≤ 1/2` (entries `k/(4n)` with `|k| ≤ 2`): `I − A` is invertible.
fn contraction(n: usize) -> impl Strategy<Value = Matrix<Rational>> {
    prop::collection::vec(-2i64..=2, n * n).prop_map(move |v| {
        Matrix::from_fn(n, n, |i, j| Rational::from((v[i + j * n], 4 * n as i64)))
    })
}

/// `sup ‖X‖_F` in f64 (exact sup of the squares, then rounded).
fn sup_fro(set: &MatrixSet<Rational>) -> f64 {
    set.sup_frobenius_sq().unwrap().to_f64().sqrt()
}

fn inside_box(e: &Matrix<Rational>, set: &MatrixSet<Rational>) -> bool {
    match set.view() {
        MatrixSetView::Box { lo, hi } => e
            .as_slice()
            .iter()
            .zip(lo.as_slice().iter().zip(hi.as_slice()))
            .all(|(x, (l, h))| {
                l.cmp3(x) != Some(Ordering::Greater) && x.cmp3(h) != Some(Ordering::Greater)
            }),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// `J(X)` for finite sets is every `A X + B`; the box policy encloses them all and the
    /// inner policy keeps a subset.
    #[test]
    fn action_enclosures(ds in prop::collection::vec(rat_matrix(2, 3), 1..4), xs in prop::collection::vec(rat_matrix(2, 1), 1..4)) {
        let d = MatrixSet::finite(ds.clone()).unwrap();
        let x = MatrixSet::finite(xs.clone()).unwrap();
        let exact = d.act_with(&x, &SetOptions { overflow: Overflow::Fail, ..Default::default() }).unwrap().0;
        let els = match exact.view() { MatrixSetView::Finite(v) => v.to_vec(), other => panic!("{other:?}") };
        // Every A X + B, and nothing else (duplicates are merged).
        let mut all = Vec::new();
        for dm in &ds {
            let (a, b) = dm.split_cols(2).unwrap();
            for xm in &xs {
                all.push(a.matmul(xm).unwrap().add(&b).unwrap());
            }
        }
        for e in &all {
            prop_assert!(els.contains(e));
        }
        for e in &els {
            prop_assert!(all.contains(e));
        }
        let boxed = d.act_with(&x, &SetOptions { cap: 1, overflow: Overflow::Enclose, ..Default::default() }).unwrap().0;
        if els.len() > 1 {
            for e in &els {
                prop_assert!(inside_box(e, &boxed));
            }
        }
        let inner = d.act_with(&x, &SetOptions { cap: 2, overflow: Overflow::KeepExtreme, ..Default::default() }).unwrap().0;
        // An inner approximation: a finite subset of the exact set, never empty, never
        // larger than the cap (no silent skip when the representation is another one).
        let MatrixSetView::Finite(v) = inner.view() else {
            return Err(TestCaseError::fail(format!("KeepExtreme gave {inner:?}")));
        };
        prop_assert!(!v.is_empty() && v.len() <= 2, "{} kept", v.len());
        for e in v {
            prop_assert!(els.contains(e));
        }
        prop_assert!(sup_fro(&boxed) + 1e-12 >= sup_fro(&exact));
    }

    /// Hull action: `(Σλᵢ Aᵢ) X + Σλᵢ Bᵢ` lies in `conv{Aᵢ X + Bᵢ}` (exact membership).
    #[test]
    fn hull_action_contains_convex_combinations(ds in prop::collection::vec(rat_matrix(2, 3), 2..4), xm in rat_matrix(2, 1), w in prop::collection::vec(1u32..5, 3)) {
        let d = MatrixSet::hull(ds.clone()).unwrap();
        let out = d.act_with(&MatrixSet::singleton(xm.clone()).unwrap(), &SetOptions::default()).unwrap().0;
        let tot: u32 = w.iter().take(ds.len()).sum();
        let mut comb = Matrix::<Rational>::zeros(2, 3);
        for (dm, wi) in ds.iter().zip(&w) {
            comb = comb.add(&dm.scale(&Rational::from((*wi, tot)))).unwrap();
        }
        let (a, b) = comb.split_cols(2).unwrap();
        let e = a.matmul(&xm).unwrap().add(&b).unwrap();
        prop_assert_eq!(out.contains(&e).unwrap(), Verdict::True);
    }

    /// Exact AID solve satisfies `(I − A) J = B` exactly; the interval solve encloses it;
    /// f64 GMRES and LU agree with it to 1e-9.
    #[test]
    fn aid_solves_agree_across_scalars(a in contraction(3), b in rat_matrix(3, 1)) {
        let map = Affine { m: a.clone(), n: b.clone() };
        let z = vec![Rational::new(); 3];
        let mut lin = map.linearize(&z, &[Rational::new()]).unwrap();
        let j = aid::solve_dense(lin.as_mut(), &Matrix::identity(1)).unwrap().derivative;
        let lhs = Matrix::<Rational>::identity(3).sub(&a).unwrap().matmul(&j).unwrap();
        prop_assert_eq!(&lhs, &b);
        let ai: Matrix<Interval> = a.map(Interval::from_rational);
        let bi: Matrix<Interval> = b.map(Interval::from_rational);
        let ji = dense::solve(&Matrix::<Interval>::identity(3).sub(&ai).unwrap(), &bi).unwrap();
        for i in 0..3 {
            prop_assert!(ji[(i, 0)].contains_rational(&j[(i, 0)]));
        }
        let af = a.to_f64();
        let bf = b.to_f64();
        let mapf = Affine { m: af, n: bf };
        let mut linf = mapf.linearize(&[0.0; 3], &[0.0]).unwrap();
        let g = aid::gmres_forward(linf.as_mut(), &[1.0], &GmresOptions::default()).unwrap().derivative;
        let lu = aid::solve_dense(linf.as_mut(), &Matrix::identity(1)).unwrap().derivative;
        for i in 0..3 {
            let jr = j[(i, 0)].to_f64();
            prop_assert!((g[i] - jr).abs() <= 1e-9 * (1.0 + jr.abs()));
            prop_assert!((lu[(i, 0)] - jr).abs() <= 1e-12 * (1.0 + jr.abs()));
        }
    }

    /// Reverse-mode ITD is the adjoint of forward mode: `⟨v, J_t θ̇⟩ = ⟨θ̄, θ̇⟩`, for any
    /// checkpoint spacing.
    #[test]
    fn itd_reverse_is_adjoint_of_forward(a in contraction(3), b in rat_matrix(3, 2), t in 1usize..30, k in 1usize..9, v in prop::collection::vec(-3.0f64..3.0, 3), td in prop::collection::vec(-3.0f64..3.0, 2)) {
        let map = Affine { m: a.to_f64(), n: b.to_f64() };
        let x0 = [0.5, -0.25, 1.0];
        let th = [0.3, -0.7];
        let fwd = itd::jvp(&map, &x0, &th, &td, &IterOptions::fixed(t)).unwrap();
        let rev = itd::vjp(&map, &x0, &th, |_| Ok(v.clone()), &IterOptions::fixed(t), Checkpointing::Every(k)).unwrap();
        let lhs: f64 = v.iter().zip(&fwd.derivative).map(|(p, q)| p * q).sum();
        let rhs: f64 = rev.derivative.theta_bar.iter().zip(&td).map(|(p, q)| p * q).sum();
        prop_assert!((lhs - rhs).abs() <= 1e-10 * (1.0 + lhs.abs()));
        prop_assert_eq!(rev.report.iterations, t);
    }
}
