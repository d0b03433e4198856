//! The kernel's exact LP against an independent reference: brute-force vertex
//! enumeration in 2–3 dimensions (every N-subset of rows solved by the main crate's
//! exact LU, feasibility checked by evaluation), all in exact rationals.

use piggyback::linalg::lu::solve_vec;
use piggyback::Matrix;
use piggyback_kernel::lp::{interior_point, maximize, LpOutcome};
use piggyback_kernel::Budget;
use proptest::prelude::*;
use rug::Rational;

fn dot(x: &[Rational], y: &[Rational]) -> Rational {
    x.iter().zip(y).map(|(a, b)| Rational::from(a * b)).sum()
}

fn feasible(g: &[Vec<Rational>], h: &[Rational], z: &[Rational]) -> bool {
    g.iter().zip(h).all(|(r, hr)| dot(r, z) <= *hr)
}

/// Every vertex of {G z ≤ h}: N linearly independent tight rows, feasible.
fn vertices(g: &[Vec<Rational>], h: &[Rational]) -> Vec<Vec<Rational>> {
    let mut out = Vec::new();
    let mut pick = vec![0usize; g[0].len()];
    fn rec(
        g: &[Vec<Rational>],
        h: &[Rational],
        start: usize,
        depth: usize,
        pick: &mut Vec<usize>,
        out: &mut Vec<Vec<Rational>>,
    ) {
        let n = pick.len();
        if depth == n {
            let rows: Vec<Vec<Rational>> = pick.iter().map(|&r| g[r].clone()).collect();
            let rhs: Vec<Rational> = pick.iter().map(|&r| h[r].clone()).collect();
            let a = Matrix::from_rows(&rows).unwrap();
            if let Ok(z) = solve_vec(&a, &rhs) {
                if feasible(g, h, &z) {
                    out.push(z);
                }
            }
            return;
        }
        for r in start..g.len() {
            pick[depth] = r;
            rec(g, h, r + 1, depth + 1, pick, out);
        }
    }
    rec(g, h, 0, 0, &mut pick, &mut out);
    out
}

/// The LP over the polytope {G z ≤ h, |zᵢ| ≤ bound}: None if empty, else the maximum.
fn boxed_maximum(
    c: &[Rational],
    g: &[Vec<Rational>],
    h: &[Rational],
    bound: i64,
) -> Option<Rational> {
    let n = c.len();
    let (mut g, mut h) = (g.to_vec(), h.to_vec());
    for i in 0..n {
        for s in [1, -1] {
            let mut r = vec![Rational::new(); n];
            r[i] = Rational::from(s);
            g.push(r);
            h.push(Rational::from(bound));
        }
    }
    vertices(&g, &h).iter().map(|v| dot(c, v)).max()
}

fn ints(v: Vec<i64>) -> Vec<Rational> {
    v.into_iter().map(Rational::from).collect()
}

fn system(
    max_rows: usize,
) -> impl Strategy<Value = (usize, Vec<Vec<Rational>>, Vec<Rational>, Vec<Rational>)> {
    (2usize..=3, 1..=max_rows).prop_flat_map(|(n, k)| {
        (
            Just(n),
            prop::collection::vec(prop::collection::vec(-4i64..=4, n), k),
            prop::collection::vec(-6i64..=6, k),
            prop::collection::vec(-4i64..=4, n),
        )
            .prop_map(|(n, g, h, c)| (n, g.into_iter().map(ints).collect(), ints(h), ints(c)))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// With a box the polyhedron is a polytope: the LP's answer is the best vertex, or
    /// infeasible exactly when no vertex is feasible.
    #[test]
    fn bounded_lps_match_vertex_enumeration((n, g, h, c) in system(6)) {
        let (mut gb, mut hb) = (g.clone(), h.clone());
        for i in 0..n {
            for s in [1, -1] {
                let mut r = vec![Rational::new(); n];
                r[i] = Rational::from(s);
                gb.push(r);
                hb.push(Rational::from(7));
            }
        }
        let reference = boxed_maximum(&c, &g, &h, 7);
        match maximize(&c, &gb, &hb, &mut Budget::default()).unwrap() {
            LpOutcome::Optimal { value, point } => {
                prop_assert_eq!(Some(value.clone()), reference);
                prop_assert!(feasible(&gb, &hb, &point));
                prop_assert_eq!(dot(&c, &point), value);
            }
            LpOutcome::Infeasible => prop_assert_eq!(reference, None),
            LpOutcome::Unbounded { .. } => prop_assert!(false, "a polytope is bounded"),
        }
    }

    /// Without a box: an optimum equals the boxed optimum for a box large enough to hold
    /// an optimal point; unboundedness shows as a boxed optimum that grows with the box
    /// (and a checked ray); infeasibility as no feasible vertex in any box.
    #[test]
    fn free_lps_match_vertex_enumeration((_n, g, h, c) in system(5)) {
        let (small, large) = (boxed_maximum(&c, &g, &h, 10_000), boxed_maximum(&c, &g, &h, 20_000));
        match maximize(&c, &g, &h, &mut Budget::default()).unwrap() {
            LpOutcome::Optimal { value, point } => {
                prop_assert_eq!(Some(value.clone()), small);
                prop_assert_eq!(Some(value.clone()), large);
                prop_assert!(feasible(&g, &h, &point));
                prop_assert_eq!(dot(&c, &point), value);
            }
            LpOutcome::Unbounded { point, ray } => {
                prop_assert!(small.is_some() && large > small);
                prop_assert!(feasible(&g, &h, &point));
                prop_assert!(g.iter().all(|r| dot(r, &ray) <= 0));
                prop_assert!(dot(&c, &ray) > 0);
            }
            LpOutcome::Infeasible => prop_assert_eq!(large, None),
        }
    }

    /// A strict system G z < h has a solution iff max t over {G z + t ≤ h, t ≤ 1} is
    /// positive, computed here by vertex enumeration in N + 1 dimensions with a box.
    #[test]
    fn interior_points_match_vertex_enumeration((n, g, h, _c) in system(5)) {
        let lifted: Vec<Vec<Rational>> =
            g.iter().map(|r| r.iter().cloned().chain([Rational::from(1)]).collect()).collect();
        let mut t = vec![Rational::new(); n];
        t.push(Rational::from(1));
        let mut lifted_h = h.clone();
        let mut lifted_g = lifted;
        lifted_g.push(t.clone());
        lifted_h.push(Rational::from(1));
        let best_t = boxed_maximum(&t, &lifted_g, &lifted_h, 10_000).expect("t → −∞ is feasible");
        match interior_point(&g, &h, &mut Budget::default()).unwrap() {
            Some(z) => {
                prop_assert!(best_t > 0);
                prop_assert!(g.iter().zip(&h).all(|(r, hr)| dot(r, &z) < *hr));
            }
            None => prop_assert!(best_t <= 0),
        }
    }

    /// Adding the reverse of a nonzero row (an equality) leaves no interior, while the
    /// closed set may still be nonempty: `None`, and the LP's feasibility still agrees
    /// with enumeration (degenerate vertices galore).
    #[test]
    fn equalities_have_no_interior((_n, g, h, c) in system(4)) {
        prop_assume!(g[0].iter().any(|x| *x != 0));
        let (mut g, mut h) = (g, h);
        g.push(g[0].iter().map(|x| Rational::from(-x)).collect());
        h.push(Rational::from(-&h[0]));
        prop_assert_eq!(interior_point(&g, &h, &mut Budget::default()).unwrap(), None);
        let reference = boxed_maximum(&c, &g, &h, 20_000);
        match maximize(&c, &g, &h, &mut Budget::default()).unwrap() {
            LpOutcome::Infeasible => prop_assert_eq!(reference, None),
            LpOutcome::Optimal { value, .. } => prop_assert_eq!(Some(value), reference),
            LpOutcome::Unbounded { .. } => prop_assert!(reference.is_some()),
        }
    }
}
