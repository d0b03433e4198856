//! The general piecewise-affine map, checked on the Clarke example
//! `F(x, y) = (|x| + y, 2x + |y|)` written as four quadrant pieces.

use piggyback::maps::{AffinePiece, PiecewiseAffine};
use piggyback::scalar::{Enclosure, Interval};
use piggyback::MatrixSetView;
use piggyback::{FixedPointMap, Matrix, Scalar};
use proptest::prelude::*;
use rug::Rational;

/// Piece for the quadrant with signs (sx, sy): F = [[sx, 1], [2, sy]] z,
/// region {−sx·x ≤ 0, −sy·y ≤ 0}.
fn clarke<S: Scalar>() -> PiecewiseAffine<S> {
    let mut pieces = Vec::new();
    for (sx, sy) in [(1, 1), (1, -1), (-1, 1), (-1, -1)] {
        let i = |v: i64| S::from_i64(v);
        pieces.push(AffinePiece {
            a: Matrix::from_rows(&[vec![i(sx), i(1)], vec![i(2), i(sy)]]).unwrap(),
            b: Matrix::zeros(2, 0),
            c: vec![S::zero(), S::zero()],
            g: Matrix::from_rows(&[vec![i(-sx), i(0)], vec![i(0), i(-sy)]]).unwrap(),
            h: vec![S::zero(), S::zero()],
        });
    }
    PiecewiseAffine::new(pieces).unwrap()
}

fn q(p: i64, d: i64) -> Rational {
    Rational::from((p, d))
}

#[test]
fn clarke_example_at_the_origin_is_the_hull_of_four_matrices() {
    // At (0,0) every quadrant is active: the set is conv{[[±1, 1], [2, ±1]]}.
    let f = clarke::<Rational>();
    let set = f.conservative_jacobian(&[q(0, 1), q(0, 1)], &[]).unwrap();
    let MatrixSetView::Hull(vs) = set.view() else {
        panic!("expected a hull")
    };
    let mut got: Vec<(i64, i64)> = vs
        .iter()
        .map(|v| (v[(0, 0)].to_f64() as i64, v[(1, 1)].to_f64() as i64))
        .collect();
    got.sort();
    assert_eq!(got, vec![(-1, -1), (-1, 1), (1, -1), (1, 1)]);
    for v in vs {
        assert_eq!((v[(0, 1)].clone(), v[(1, 0)].clone()), (q(1, 1), q(2, 1)));
    }
    // Off the axes only one piece is active and the point is smooth.
    let mut lin = f.linearize(&[q(1, 3), q(-2, 5)], &[]).unwrap();
    assert!(lin.is_smooth_point());
    let (a, _) = lin.to_dense().unwrap();
    assert_eq!(
        a,
        Matrix::from_ratio_rows(&[vec![(1, 1), (1, 1)], vec![(2, 1), (-1, 1)]]).unwrap()
    );
}

#[test]
fn intervals_keep_every_possibly_active_piece() {
    // The box [-1e-3, 1e-3] × [1, 2] meets the quadrants x ≥ 0 and x ≤ 0 with y > 0.
    let f = clarke::<Interval>();
    let x = [
        Interval::from_bounds(-1e-3, 1e-3).unwrap(),
        Interval::from_bounds(1.0, 2.0).unwrap(),
    ];
    let (sure, maybe) = f.active_pieces(&x, &[]).unwrap();
    assert!(sure.is_empty());
    assert_eq!(maybe, vec![0, 2]);
    assert!(
        f.apply(&x, &[]).is_err(),
        "no piece surely active: refuse, do not guess"
    );
}

#[test]
fn bad_input_is_typed() {
    let f = clarke::<f64>();
    assert!(f.apply(&[f64::NAN, 0.0], &[]).is_err());
    assert!(f.apply(&[0.0], &[]).is_err());
    assert!(PiecewiseAffine::<f64>::new(vec![]).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Off the kinks, the exact difference quotient (F(p + h d) − F(p)) / h over a step
    /// that stays in one quadrant equals A d for the claimed element A.
    #[test]
    fn derivative_along_lines_matches_the_claimed_element(
        px in -50i64..50, py in -50i64..50, dx in -5i64..5, dy in -5i64..5,
    ) {
        prop_assume!(px != 0 && py != 0);
        let f = clarke::<Rational>();
        let p = [q(px, 7), q(py, 7)];
        let d = [q(dx, 1), q(dy, 1)];
        let h = q(1, 1000); // |h d| ≤ 5/1000 < 1/7: the step stays in p's quadrant.
        let moved: Vec<Rational> = p.iter().zip(&d).map(|(a, b)| a.add(&h.mul(b))).collect();
        let f0 = f.apply(&p, &[]).unwrap();
        let f1 = f.apply(&moved, &[]).unwrap();
        let quotient: Vec<Rational> = f1.iter().zip(&f0).map(|(a, b)| a.sub(b).div(&h).unwrap()).collect();
        let (a, _) = f.jacobian(&p, &[]).unwrap();
        prop_assert_eq!(quotient, a.mul_vec(&d).unwrap());
    }
}

// ---------------------------------------------------------------------------------
// Is a list of pieces a map? Problem files are validated exactly when loaded.

mod validation {
    use piggyback::io::problem::Problem;
    use piggyback::Error;
    use piggyback_kernel::pwa::{check_defect, validate, Defect, Piece};
    use piggyback_kernel::Budget;
    use proptest::prelude::*;
    use rug::Rational;
    use std::path::Path;

    fn r(s: &str) -> Rational {
        s.parse().unwrap()
    }
    fn dot(x: &[Rational], y: &[Rational]) -> Rational {
        x.iter().zip(y).map(|(a, b)| Rational::from(a * b)).sum()
    }

    fn parse(pieces: &str) -> piggyback::Result<Problem> {
        let text = format!(
            "{{\"piggyback_problem\": 1, \"map\": {{\"kind\": \"piecewise_affine\", \"pieces\": [{pieces}]}}}}"
        );
        Problem::parse(&text, Path::new("."))
    }

    fn invalid_input(pieces: &str) -> String {
        match parse(pieces) {
            Err(e @ (Error::Malformed { .. } | Error::OutsideDomain { .. })) => e.plain(),
            other => panic!("expected bad input, got {other:?}"),
        }
    }

    /// F(x) = x/2 + (c, 0) on x₁ ≥ 0 and x/2 − (c, 0) on x₁ ≤ 0.
    fn jump_pieces(c: &str) -> String {
        format!(
            "{{\"a\": [[\"1/2\",\"0\"],[\"0\",\"1/2\"]], \"c\": [\"{c}\",\"0\"], \"g\": [[\"-1\",\"0\"]], \"h\": [\"0\"]}},
             {{\"a\": [[\"1/2\",\"0\"],[\"0\",\"1/2\"]], \"c\": [\"-{c}\",\"0\"], \"g\": [[\"1\",\"0\"]], \"h\": [\"0\"]}}"
        )
    }

    #[test]
    fn the_issue_jump_map_is_refused_though_each_piece_contracts() {
        // Independently: each piece is x ↦ x/2 ± (5, 0) (ρ = 1/2), and both (10, 0) and
        // (−10, 0) are fixed points, each in its piece's region — so no contraction.
        let half = r("1/2");
        for (x1, c, in_region) in [(r("10"), r("5"), true), (r("-10"), r("-5"), true)] {
            let image = Rational::from(&half * &x1) + &c;
            assert_eq!(image, x1, "fixed point");
            assert!(in_region);
        }
        let msg = invalid_input(&jump_pieces("5"));
        assert!(msg.contains("pieces 0 and 1 disagree"), "{msg}");
        assert!(msg.contains("piece 0 gives (5, 0)"), "{msg}");
        assert!(msg.contains("piece 1 gives (-5, 0)"), "{msg}");
        assert!(
            msg.contains("z = (0, "),
            "the witness lies on x₁ = 0: {msg}"
        );
    }

    #[test]
    fn a_jump_of_1e_minus_20_is_refused() {
        let msg = invalid_input(&jump_pieces("1e-20"));
        assert!(msg.contains("1/100000000000000000000"), "{msg}");
        // And without the jump the same file is a map.
        assert!(parse(&jump_pieces("0")).is_ok());
    }

    #[test]
    fn a_gap_is_refused_with_an_uncovered_point() {
        // x ≥ 1 and x ≤ 0 (n = 1).
        let msg = invalid_input(
            "{\"a\": [[\"0\"]], \"g\": [[\"-1\"]], \"h\": [\"-1\"]}, {\"a\": [[\"0\"]], \"g\": [[\"1\"]], \"h\": [\"0\"]}",
        );
        assert!(msg.contains("lies in no piece's region"), "{msg}");
        let start = msg.find("z = (").unwrap() + 5;
        let end = start + msg[start..].find(')').unwrap();
        let x = r(&msg[start..end]);
        assert!(x > 0 && x < 1, "{msg}");
    }

    #[test]
    fn regions_without_interior_are_refused() {
        // The hyperplane x₁ = 0 as a third piece with its own matrix.
        let hyperplane = format!(
            "{}, {{\"a\": [[\"3\",\"0\"],[\"0\",\"3\"]], \"g\": [[\"1\",\"0\"],[\"-1\",\"0\"]], \"h\": [\"0\",\"0\"]}}",
            jump_pieces("0")
        );
        let msg = invalid_input(&hyperplane);
        assert!(
            msg.contains("region of piece 2 has empty interior"),
            "{msg}"
        );
        // An empty region x ≤ −1, x ≥ 0 next to a piece defined everywhere.
        let msg = invalid_input(
            "{\"a\": [[\"0\"]]}, {\"a\": [[\"0\"]], \"g\": [[\"1\"],[\"-1\"]], \"h\": [\"-1\",\"0\"]}",
        );
        assert!(
            msg.contains("region of piece 1 has empty interior"),
            "{msg}"
        );
    }

    /// The kernel's pieces read straight from a shipped file (inline numbers, m = 0).
    fn shipped_pieces(name: &str) -> Vec<Piece> {
        let path = format!(
            "{}/examples/problems/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let num = |v: &serde_json::Value| r(v.as_str().unwrap());
        let vector =
            |v: &serde_json::Value| v.as_array().unwrap().iter().map(num).collect::<Vec<_>>();
        let matrix =
            |v: &serde_json::Value| v.as_array().unwrap().iter().map(vector).collect::<Vec<_>>();
        json["map"]["pieces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let a = matrix(&p["a"]);
                let c = vec![Rational::new(); a.len()];
                Piece {
                    a,
                    c,
                    g: matrix(&p["g"]),
                    h: vector(&p["h"]),
                }
            })
            .collect()
    }

    /// Validating the shipped examples costs a tiny fraction of the default budget
    /// (`cargo test --test piecewise_affine shipped -- --nocapture` prints the units).
    #[test]
    fn shipped_examples_validate_cheaply() {
        for name in ["heavy_ball", "clarke"] {
            let pieces = shipped_pieces(name);
            let mut budget = Budget::default();
            assert_eq!(validate(&pieces, 2, 0, &mut budget).unwrap(), None);
            println!(
                "{name}: {} work units of {}",
                budget.spent(),
                budget.limit()
            );
            assert!(
                budget.spent() * 1000 < budget.limit(),
                "{name}: {}",
                budget.spent()
            );
        }
    }

    #[test]
    fn the_shipped_examples_are_maps() {
        for name in ["heavy_ball", "clarke"] {
            let path = format!(
                "{}/examples/problems/{name}.json",
                env!("CARGO_MANIFEST_DIR")
            );
            Problem::read(Path::new(&path)).unwrap();
        }
    }

    /// relu(x) on Q^n as its 2^n sign-pattern pieces: a valid map, but n = 10 (1024
    /// pieces, 523 776 pairs) is beyond the work budget: refused, not run for minutes.
    fn relu_pieces(n: usize) -> String {
        let pieces: Vec<String> = (0..1usize << n)
            .map(|pattern| {
                let on = |k: usize| pattern >> k & 1 == 1;
                let row = |k: usize, v: &str| {
                    let cells: Vec<String> = (0..n)
                        .map(|j| format!("\"{}\"", if j == k { v } else { "0" }))
                        .collect();
                    format!("[{}]", cells.join(","))
                };
                let a: Vec<String> = (0..n)
                    .map(|k| row(k, if on(k) { "1" } else { "0" }))
                    .collect();
                let g: Vec<String> = (0..n)
                    .map(|k| row(k, if on(k) { "-1" } else { "1" }))
                    .collect();
                let h = vec!["\"0\""; n].join(",");
                format!(
                    "{{\"a\": [{}], \"g\": [{}], \"h\": [{h}]}}",
                    a.join(","),
                    g.join(",")
                )
            })
            .collect();
        pieces.join(",")
    }

    #[test]
    fn a_hostile_size_is_refused_as_too_large() {
        assert!(parse(&relu_pieces(2)).is_ok(), "the small case is a map");
        match parse(&relu_pieces(10)) {
            Err(Error::TooLarge { context }) => assert!(context.contains("budget"), "{context}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    /// F(z) = A z + c + Σₖ uₖ max(0, wₖ·z + bₖ) on z ∈ Q^{n+m}, written as its 2ⁿ pieces
    /// (one per activation pattern). Continuous and everywhere defined by construction;
    /// W = [L | ·] with L lower triangular with nonzero diagonal has full row rank, so
    /// every pattern occurs on an open set.
    #[derive(Clone, Debug)]
    struct ReluSum {
        n: usize,
        m: usize,
        a: Vec<Vec<Rational>>,
        c: Vec<Rational>,
        u: Vec<Vec<Rational>>,
        w: Vec<Vec<Rational>>,
        b: Vec<Rational>,
    }

    impl ReluSum {
        fn pieces(&self) -> Vec<Piece> {
            (0..1usize << self.n)
                .map(|pattern| {
                    let (mut a, mut c) = (self.a.clone(), self.c.clone());
                    let (mut g, mut h) = (Vec::new(), Vec::new());
                    for k in 0..self.n {
                        let on = pattern >> k & 1 == 1;
                        let sign = if on { -1 } else { 1 };
                        g.push(self.w[k].iter().map(|x| Rational::from(x * sign)).collect());
                        h.push(Rational::from(&self.b[k] * -sign));
                        if on {
                            // F gains u_k (w_k·z + b_k): a += u_k w_kᵀ, c += u_k b_k.
                            for ((row, ci), uki) in a.iter_mut().zip(c.iter_mut()).zip(&self.u[k]) {
                                for (x, wkj) in row.iter_mut().zip(&self.w[k]) {
                                    *x += Rational::from(uki * wkj);
                                }
                                *ci += Rational::from(uki * &self.b[k]);
                            }
                        }
                    }
                    Piece { a, c, g, h }
                })
                .collect()
        }
    }

    fn relu_sum() -> impl Strategy<Value = ReluSum> {
        (1usize..=3, 0usize..=1).prop_flat_map(|(n, m)| {
            let d = n + m;
            let q = || (-6i64..=6, 1i64..=3).prop_map(|(p, s)| Rational::from((p, s)));
            let vecs = move |rows: usize, cols: usize| {
                prop::collection::vec(prop::collection::vec(q(), cols), rows)
            };
            (
                vecs(n, d),
                prop::collection::vec(q(), n),
                vecs(n, n),
                vecs(n, d),
                prop::collection::vec(q(), n),
                prop::collection::vec(1i64..=3, n),
            )
                .prop_map(move |(a, c, u, mut w, b, diag)| {
                    for (k, row) in w.iter_mut().enumerate() {
                        for x in row.iter_mut().skip(k + 1).take(n - k - 1) {
                            *x = Rational::new();
                        }
                        row[k] = Rational::from(diag[k]);
                    }
                    ReluSum {
                        n,
                        m,
                        a,
                        c,
                        u,
                        w,
                        b,
                    }
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Continuous by construction: accepted. One piece's offset moved by δ ≠ 0:
        /// a jump, whose witness is re-verified here by plain exact evaluation.
        #[test]
        fn max_of_affine_maps_are_accepted_and_a_moved_offset_is_caught(
            f in relu_sum(), which in 0usize..8, comp in 0usize..3, delta in prop_oneof![-5i64..=-1, 1i64..=5],
        ) {
            let pieces = f.pieces();
            prop_assert_eq!(validate(&pieces, f.n, f.m, &mut Budget::default()).unwrap(), None);

            let mut moved = pieces.clone();
            let (p, k) = (which % moved.len(), comp % f.n);
            moved[p].c[k] += Rational::from(delta);
            let defect = validate(&moved, f.n, f.m, &mut Budget::default()).unwrap();
            let Some(Defect::Jump { pieces: (i, j), point, values: (vi, vj) }) = defect.clone() else {
                return Err(TestCaseError::fail(format!("expected a jump, got {defect:?}")));
            };
            prop_assert!(i == p || j == p, "the moved piece is involved");
            for (idx, values) in [(i, &vi), (j, &vj)] {
                let q = &moved[idx];
                prop_assert!(q.g.iter().zip(&q.h).all(|(row, h)| dot(row, &point) <= *h), "in region {}", idx);
                let value: Vec<Rational> = q.a.iter().zip(&q.c).map(|(row, c)| dot(row, &point) + c).collect();
                prop_assert_eq!(&value, values);
            }
            prop_assert_ne!(vi, vj);
            prop_assert!(check_defect(&moved, f.n, f.m, defect.as_ref().unwrap()));
        }

        /// Dropping a piece leaves its open region uncovered: a gap inside that region.
        #[test]
        fn a_missing_piece_leaves_a_gap_inside_its_region(f in relu_sum(), which in 0usize..8) {
            let mut pieces = f.pieces();
            let removed = pieces.remove(which % pieces.len());
            let defect = validate(&pieces, f.n, f.m, &mut Budget::default()).unwrap();
            let Some(Defect::Gap { point }) = defect else {
                return Err(TestCaseError::fail(format!("expected a gap, got {defect:?}")));
            };
            prop_assert!(removed.g.iter().zip(&removed.h).all(|(row, h)| dot(row, &point) <= *h));
            for q in &pieces {
                prop_assert!(q.g.iter().zip(&q.h).any(|(row, h)| dot(row, &point) > *h));
            }
        }
    }
}
