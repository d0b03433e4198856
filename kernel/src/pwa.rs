//! Is a list of affine pieces a map? Exact validation of piecewise-affine input.
//!
//! A piece is `F(z) = a z + c` on the closed region `{z : g z ≤ h}`, `z = (x, θ)`. A list
//! of pieces defines a continuous map on all of `Q^{n+m}` whose every piece is the map's
//! Jacobian on an open set exactly when
//! 1. every region has nonempty interior;
//! 2. the pieces agree wherever two regions meet (then the map is well defined, and
//!    continuous, since finitely many closed sets are pasted);
//! 3. the regions cover the whole space.
//!
//! [`validate`] decides all three with the exact LP of [`crate::lp`] and, for a list that
//! fails, returns a [`Defect`] with a witness that [`check_defect`] re-verifies by plain
//! exact evaluation: a certificate of empty interior, a point in two regions with two
//! different values, or a point in no region.
//!
//! Coverage: the complement `U` of the union of the closed regions is open, so it is
//! empty iff it has no interior point. `U` is split into disjoint convex cells: a cell
//! is cut by a region `R` that contains its interior point into `cell ∩ {gᵣz > hᵣ} ∩
//! {gₛz ≤ hₛ, s < r}`, one child per row `r` of `R`; a cell whose interior is empty is
//! dropped (it cannot hold an open piece of `U`, and a finite union of convex sets
//! without interior has none), and a cell whose interior point lies in no region gives
//! the gap. Each cut excludes one more region, so the depth is at most the number of
//! pieces (the number of cells, and the work, can grow like the product of the row
//! counts: the [`Budget`] bounds it).

use crate::budget::{Budget, OverBudget};
use crate::lp::{self, dot, Interior, LpOutcome};
use rug::Rational;
use std::cmp::Ordering::{Equal, Greater, Less};
use std::fmt;

/// `F(z) = a z + c` on the region `{z : g z ≤ h}`, `z = (x, θ) ∈ Q^{n+m}`; `a` is
/// `n × (n+m)`, `g` is `k × (n+m)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// The Jacobian `[∂ₓF, ∂_θF]` of the piece (`n` rows of length `n + m`).
    pub a: Vec<Vec<Rational>>,
    /// The offset (`n`).
    pub c: Vec<Rational>,
    /// Region rows (`k` rows of length `n + m`).
    pub g: Vec<Vec<Rational>>,
    /// Region right-hand sides (`k`).
    pub h: Vec<Rational>,
}

/// Why a list of pieces is not a continuous, everywhere defined map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Defect {
    /// A region has empty interior (its piece is not the map's Jacobian on any open set).
    EmptyInterior {
        /// The piece (index in the list).
        piece: usize,
        /// Multipliers `y ≥ 0`, one per row of the region, with `gᵀy = 0` and either
        /// `hᵀy < 0` (the region is empty) or `hᵀy = 0` with `yᵣ > 0` on a nonzero row
        /// (the region lies in the hyperplane `gᵣz = hᵣ`).
        certificate: Vec<Rational>,
    },
    /// `point` lies in no region (the regions do not cover `Q^{n+m}`).
    Gap {
        /// The uncovered point.
        point: Vec<Rational>,
    },
    /// Two pieces whose regions both contain `point` give different values there.
    Jump {
        /// The two pieces.
        pieces: (usize, usize),
        /// A point in both regions.
        point: Vec<Rational>,
        /// The two pieces' values at `point`.
        values: (Vec<Rational>, Vec<Rational>),
    },
    /// Shapes do not fit (piece index and reason).
    Malformed {
        /// The piece.
        piece: usize,
        /// What does not fit.
        reason: String,
    },
}

fn show(v: &[Rational]) -> String {
    let parts: Vec<String> = v.iter().map(Rational::to_string).collect();
    format!("({})", parts.join(", "))
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Defect::EmptyInterior { piece, certificate } => write!(
                f,
                "the region of piece {piece} has empty interior, so that piece is the map's \
                 Jacobian on no open set (the multipliers y = {} of its rows give yᵀG = 0, yᵀh ≤ 0)",
                show(certificate)
            ),
            Defect::Gap { point } => {
                write!(f, "the point z = {} lies in no piece's region", show(point))
            }
            Defect::Jump {
                pieces: (i, j),
                point,
                values: (u, v),
            } => write!(
                f,
                "pieces {i} and {j} disagree at z = {}, which lies in both regions: \
                 piece {i} gives {}, piece {j} gives {}",
                show(point),
                show(u),
                show(v)
            ),
            Defect::Malformed { piece, reason } => write!(f, "piece {piece}: {reason}"),
        }
    }
}

/// Decide exactly whether the pieces define a continuous map on all of `Q^{n+m}` whose
/// every region has nonempty interior. `Ok(None)` = valid; `Ok(Some(defect))` = invalid
/// with an exact witness (already re-checked by [`check_defect`]); `Err` = could not
/// decide within the budget. An empty list leaves every point uncovered.
///
/// Work: one LP per region (interior), up to `1 + 2n` LPs per pair of pieces
/// (continuity), one LP per coverage cell; each LP is charged per pivot (see
/// [`crate::lp`]).
pub fn validate(
    pieces: &[Piece],
    n: usize,
    m: usize,
    budget: &mut Budget,
) -> Result<Option<Defect>, OverBudget> {
    let dim = n + m;
    let defect = find_defect(pieces, n, dim, budget)?;
    if let Some(d) = &defect {
        for p in pieces {
            lp::charge_pass(budget, "re-checking a defect", &p.g, &p.h)?;
            lp::charge_pass(budget, "re-checking a defect", &p.a, &p.c)?;
        }
        if !check_defect(pieces, n, m, d) {
            return Err(OverBudget {
                what: "a piecewise-affine defect that failed its re-check (a bug; refused)".into(),
                needed: u128::MAX,
                limit: budget.limit(),
            });
        }
    }
    Ok(defect)
}

fn find_defect(
    pieces: &[Piece],
    n: usize,
    dim: usize,
    budget: &mut Budget,
) -> Result<Option<Defect>, OverBudget> {
    for (piece, p) in pieces.iter().enumerate() {
        if let Some(reason) = malformed(p, n, dim) {
            return Ok(Some(Defect::Malformed { piece, reason }));
        }
    }
    // Rows 0·z ≤ h with h ≥ 0 hold everywhere and say nothing about the interior.
    let kept: Vec<Vec<usize>> = pieces
        .iter()
        .map(|p| {
            (0..p.g.len())
                .filter(|&r| !(is_zero(&p.g[r]) && p.h[r].cmp0() != Less))
                .collect()
        })
        .collect();
    let regions: Vec<(Vec<Vec<Rational>>, Vec<Rational>)> = pieces
        .iter()
        .zip(&kept)
        .map(|(p, rows)| {
            (
                rows.iter().map(|&r| p.g[r].clone()).collect(),
                rows.iter().map(|&r| p.h[r].clone()).collect(),
            )
        })
        .collect();
    refuse_if_surely_over(pieces.len(), kept.iter().map(Vec::len).min(), dim, budget)?;
    for (piece, ((g, h), rows)) in regions.iter().zip(&kept).enumerate() {
        if let Interior::Empty(y) = lp::interior_point_or_certificate(dim, g, h, budget)? {
            let mut certificate = vec![Rational::new(); pieces[piece].g.len()];
            for (&r, yr) in rows.iter().zip(y) {
                certificate[r] = yr;
            }
            return Ok(Some(Defect::EmptyInterior { piece, certificate }));
        }
    }
    if let Some(jump) = find_jump(pieces, n, dim, budget)? {
        return Ok(Some(jump));
    }
    Ok(find_gap(&regions, dim, budget)?.map(|point| Defect::Gap { point }))
}

/// Refuse at once when even the least work is over budget: every pair of pieces needs
/// at least one LP whose tableau has `(k + 1)(2·dim + 2 + k)` entries, `k ≥ 2·k_min`.
fn refuse_if_surely_over(
    count: usize,
    k_min: Option<usize>,
    dim: usize,
    budget: &mut Budget,
) -> Result<(), OverBudget> {
    let (count, k, dim) = (count as u128, 2 * k_min.unwrap_or(0) as u128, dim as u128);
    let pairs = count.saturating_mul(count.saturating_sub(1)) / 2;
    let least = pairs.saturating_mul(lp::pass_cost((k + 1) * (2 * dim + 2 + k), 0));
    if least > budget.remaining() {
        budget.charge("checking every pair of pieces for continuity", least)?;
    }
    Ok(())
}

fn malformed(p: &Piece, n: usize, dim: usize) -> Option<String> {
    let rows_fit = |rows: &[Vec<Rational>]| rows.iter().all(|r| r.len() == dim);
    if p.a.len() != n || !rows_fit(&p.a) {
        Some(format!("its matrix is not {n} × {dim}"))
    } else if p.c.len() != n {
        Some(format!("its offset has length {}, expected {n}", p.c.len()))
    } else if !rows_fit(&p.g) {
        Some(format!("a region row does not have length {dim}"))
    } else if p.h.len() != p.g.len() {
        Some(format!(
            "{} region rows but {} right-hand sides",
            p.g.len(),
            p.h.len()
        ))
    } else {
        None
    }
}

fn is_zero(row: &[Rational]) -> bool {
    row.iter().all(|x| x.cmp0() == Equal)
}

/// `a z + c`.
fn value(p: &Piece, z: &[Rational]) -> Vec<Rational> {
    p.a.iter()
        .zip(&p.c)
        .map(|(row, c)| dot(row, z) + c)
        .collect()
}

fn in_region(p: &Piece, z: &[Rational]) -> bool {
    p.g.len() == p.h.len()
        && p.g
            .iter()
            .zip(&p.h)
            .all(|(r, h)| r.len() == z.len() && dot(r, z) <= *h)
}

/// A pair of pieces that disagree at a point of both regions, if any.
fn find_jump(
    pieces: &[Piece],
    n: usize,
    dim: usize,
    budget: &mut Budget,
) -> Result<Option<Defect>, OverBudget> {
    let jump_at = |i: usize,
                   j: usize,
                   z: Vec<Rational>,
                   budget: &mut Budget|
     -> Result<Option<Defect>, OverBudget> {
        lp::charge_pass(budget, "evaluating two pieces", &pieces[i].a, &z)?;
        lp::charge_pass(budget, "evaluating two pieces", &pieces[j].a, &z)?;
        let (u, v) = (value(&pieces[i], &z), value(&pieces[j], &z));
        Ok((u != v).then(|| Defect::Jump {
            pieces: (i, j),
            point: z,
            values: (u, v),
        }))
    };
    for i in 0..pieces.len() {
        for j in i + 1..pieces.len() {
            let g: Vec<Vec<Rational>> = pieces[i].g.iter().chain(&pieces[j].g).cloned().collect();
            let h: Vec<Rational> = pieces[i].h.iter().chain(&pieces[j].h).cloned().collect();
            let zero = vec![Rational::new(); dim];
            let start = match lp::maximize(&zero, &g, &h, budget)? {
                LpOutcome::Infeasible => continue,
                LpOutcome::Optimal { point, .. } | LpOutcome::Unbounded { point, .. } => point,
            };
            // A constant difference shows at any common point.
            if let Some(d) = jump_at(i, j, start, budget)? {
                return Ok(Some(d));
            }
            // Otherwise component k differs somewhere iff max or min of (aᵢ − aⱼ)ₖ z over
            // the intersection is not −(cᵢ − cⱼ)ₖ, or is unbounded.
            for k in 0..n {
                let diff: Vec<Rational> = pieces[i].a[k]
                    .iter()
                    .zip(&pieces[j].a[k])
                    .map(|(x, y)| Rational::from(x - y))
                    .collect();
                if is_zero(&diff) {
                    continue;
                }
                for objective in [
                    diff.clone(),
                    diff.iter().map(|x| Rational::from(-x)).collect(),
                ] {
                    let candidates = match lp::maximize(&objective, &g, &h, budget)? {
                        LpOutcome::Infeasible => vec![],
                        LpOutcome::Optimal { point, .. } => vec![point],
                        // If the difference vanishes at `point` it is nonzero one ray step on.
                        LpOutcome::Unbounded { point, ray } => {
                            let further = point
                                .iter()
                                .zip(&ray)
                                .map(|(p, r)| Rational::from(p + r))
                                .collect();
                            vec![point, further]
                        }
                    };
                    for z in candidates {
                        if let Some(d) = jump_at(i, j, z, budget)? {
                            return Ok(Some(d));
                        }
                    }
                }
            }
        }
    }
    Ok(None)
}

/// A point in no region, if any (see the module documentation). `regions` are the
/// pieces' regions without their trivially true rows.
fn find_gap(
    regions: &[(Vec<Vec<Rational>>, Vec<Rational>)],
    dim: usize,
    budget: &mut Budget,
) -> Result<Option<Vec<Rational>>, OverBudget> {
    // A cell: strict rows g z < h, and the regions it already lies outside of.
    let mut stack = vec![(
        Vec::<Vec<Rational>>::new(),
        Vec::<Rational>::new(),
        vec![false; regions.len()],
    )];
    while let Some((cg, ch, excluded)) = stack.pop() {
        let Interior::Point(p) = lp::interior_point_or_certificate(dim, &cg, &ch, budget)? else {
            continue; // no interior: holds no open part of the complement
        };
        let mut cut = None;
        for (i, (g, h)) in regions.iter().enumerate() {
            if !excluded[i] && lp::all_rows(g, h, &p, budget, |l, h| l <= h)? {
                cut = Some(i);
                break;
            }
        }
        // p strictly violates a row of every excluded region, and lies in no other one.
        let Some(i) = cut else { return Ok(Some(p)) };
        let (g, h) = &regions[i];
        for r in 0..g.len() {
            let (mut child_g, mut child_h, mut child_excluded) =
                (cg.clone(), ch.clone(), excluded.clone());
            child_excluded[i] = true;
            child_g.extend(g[..r].iter().cloned());
            child_h.extend(h[..r].iter().cloned());
            child_g.push(g[r].iter().map(|x| Rational::from(-x)).collect());
            child_h.push(Rational::from(-&h[r]));
            lp::charge_pass(budget, "a coverage cell", &child_g, &child_h)?;
            stack.push((child_g, child_h, child_excluded));
        }
    }
    Ok(None)
}

/// `z` is an interior point of the piece's region: every nonzero row holds strictly, and
/// every zero row `0 ≤ hᵣ` holds. Checked exactly; wrong lengths give `false`.
pub fn strictly_inside(piece: &Piece, z: &[Rational]) -> bool {
    piece.g.len() == piece.h.len()
        && piece.g.iter().zip(&piece.h).all(|(row, h)| {
            row.len() == z.len()
                && if is_zero(row) {
                    h.cmp0() != Less
                } else {
                    dot(row, z) < *h
                }
        })
}

/// Re-verify a defect's witness by plain exact evaluation (no LP): `true` iff the
/// witness shows what the defect says. The cost is that of evaluating every piece once
/// at one point.
pub fn check_defect(pieces: &[Piece], n: usize, m: usize, defect: &Defect) -> bool {
    let dim = n + m;
    match defect {
        Defect::Malformed { piece, .. } => pieces
            .get(*piece)
            .is_some_and(|p| malformed(p, n, dim).is_some()),
        Defect::Gap { point } => {
            point.len() == dim
                && pieces
                    .iter()
                    .all(|p| malformed(p, n, dim).is_none() && !in_region(p, point))
        }
        Defect::Jump {
            pieces: (i, j),
            point,
            values: (u, v),
        } => {
            let (Some(p), Some(q)) = (pieces.get(*i), pieces.get(*j)) else {
                return false;
            };
            i != j
                && point.len() == dim
                && malformed(p, n, dim).is_none()
                && malformed(q, n, dim).is_none()
                && in_region(p, point)
                && in_region(q, point)
                && *u == value(p, point)
                && *v == value(q, point)
                && u != v
        }
        Defect::EmptyInterior {
            piece,
            certificate: y,
        } => {
            let Some(p) = pieces.get(*piece) else {
                return false;
            };
            if malformed(p, n, dim).is_some()
                || y.len() != p.g.len()
                || y.iter().any(|v| v.cmp0() == Less)
            {
                return false;
            }
            let mut gty = vec![Rational::new(); dim];
            for (row, yr) in p.g.iter().zip(y) {
                for (o, x) in gty.iter_mut().zip(row) {
                    *o += Rational::from(x * yr);
                }
            }
            let hty = dot(&p.h, y);
            is_zero(&gty)
                && match hty.cmp0() {
                    Less => true,
                    Equal => {
                        p.g.iter()
                            .zip(y)
                            .any(|(row, yr)| yr.cmp0() == Greater && !is_zero(row))
                    }
                    Greater => false,
                }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Rational {
        s.parse().unwrap()
    }
    fn v(xs: &[&str]) -> Vec<Rational> {
        xs.iter().map(|x| r(x)).collect()
    }
    fn piece(a: &[&[&str]], c: &[&str], g: &[&[&str]], h: &[&str]) -> Piece {
        Piece {
            a: a.iter().map(|row| v(row)).collect(),
            c: v(c),
            g: g.iter().map(|row| v(row)).collect(),
            h: v(h),
        }
    }
    fn check(pieces: &[Piece], n: usize, m: usize) -> Option<Defect> {
        let d = validate(pieces, n, m, &mut Budget::default()).unwrap();
        if let Some(d) = &d {
            assert!(check_defect(pieces, n, m, d), "{d}");
        }
        d
    }
    /// F(x) = x/2 ± (5, 0) on x₁ ≥ 0 / x₁ ≤ 0: each piece contracts with ρ = 1/2, the
    /// map jumps at x₁ = 0 and has two fixed points (10, 0) and (−10, 0).
    fn jump(offset: &str) -> Vec<Piece> {
        let half: &[&[&str]] = &[&["1/2", "0"], &["0", "1/2"]];
        let minus = format!("-{offset}");
        vec![
            piece(half, &[offset, "0"], &[&["-1", "0"]], &["0"]),
            piece(half, &[&minus, "0"], &[&["1", "0"]], &["0"]),
        ]
    }
    fn heavy_ball() -> Vec<Piece> {
        vec![
            piece(
                &[&["3/4", "-3/4"], &["1", "0"]],
                &["0", "0"],
                &[&["-1", "0"]],
                &["0"],
            ),
            piece(
                &[&["3/2", "-3/4"], &["1", "0"]],
                &["0", "0"],
                &[&["1", "0"]],
                &["0"],
            ),
        ]
    }
    fn clarke() -> Vec<Piece> {
        [("1", "1"), ("1", "-1"), ("-1", "1"), ("-1", "-1")]
            .iter()
            .map(|&(sx, sy)| {
                let (nx, ny) = ((-r(sx)).to_string(), (-r(sy)).to_string());
                piece(
                    &[&[sx, "1"], &["2", sy]],
                    &["0", "0"],
                    &[&[&nx, "0"], &["0", &ny]],
                    &["0", "0"],
                )
            })
            .collect()
    }

    #[test]
    fn heavy_ball_and_clarke_are_maps() {
        assert_eq!(check(&heavy_ball(), 2, 0), None);
        assert_eq!(check(&clarke(), 2, 0), None);
    }

    #[test]
    fn a_jump_is_found_with_both_values() {
        let Some(Defect::Jump {
            pieces,
            point,
            values,
        }) = check(&jump("5"), 2, 0)
        else {
            panic!("expected a jump")
        };
        assert_eq!(pieces, (0, 1));
        assert_eq!(point[0], 0, "the regions meet on x₁ = 0 only");
        assert_eq!(
            (values.0[0].clone(), values.1[0].clone()),
            (r("5"), r("-5"))
        );
        // A jump of 10⁻²⁰ is a jump.
        let tiny = "1/100000000000000000000";
        let Some(Defect::Jump { values, .. }) = check(&jump(tiny), 2, 0) else {
            panic!("expected a jump")
        };
        assert_eq!(Rational::from(&values.0[0] - &values.1[0]), r(tiny) * 2);
        // Offset 0: the same regions, continuous.
        assert_eq!(check(&jump("0"), 2, 0), None);
    }

    #[test]
    fn a_jump_along_an_unbounded_overlap_is_found() {
        // Both pieces on x ≥ 0 (and one on x ≤ 0): F = 0 and F = x agree only at 0.
        let pieces = vec![
            piece(&[&["0"]], &["0"], &[&["-1"]], &["0"]),
            piece(&[&["1"]], &["0"], &[&["-1"]], &["0"]),
            piece(&[&["0"]], &["0"], &[&["1"]], &["0"]),
        ];
        let Some(Defect::Jump {
            pieces: (0, 1),
            point,
            ..
        }) = check(&pieces, 1, 0)
        else {
            panic!("expected a jump between pieces 0 and 1")
        };
        assert!(point[0] > 0);
    }

    #[test]
    fn gaps_are_found() {
        // x₁ ≥ 1 and x₁ ≤ 0 leave the strip 0 < x₁ < 1.
        let one: &[&[&str]] = &[&["1", "0"], &["0", "1"]];
        let pieces = vec![
            piece(one, &["0", "0"], &[&["-1", "0"]], &["-1"]),
            piece(one, &["0", "0"], &[&["1", "0"]], &["0"]),
        ];
        let Some(Defect::Gap { point }) = check(&pieces, 2, 0) else {
            panic!("expected a gap")
        };
        assert!(point[0] > 0 && point[0] < 1);
        // Three of Clarke's four quadrants: the open fourth one is uncovered.
        let Some(Defect::Gap { point }) = check(&clarke()[..3], 2, 0) else {
            panic!("expected a gap")
        };
        assert!(point[0] < 0 && point[1] < 0);
        // No pieces at all: every point is a gap.
        assert_eq!(
            check(&[], 2, 1),
            Some(Defect::Gap {
                point: v(&["0", "0", "0"])
            })
        );
    }

    #[test]
    fn regions_without_interior_are_rejected() {
        // A piece on the hyperplane x₁ = 0 (besides two valid half-planes).
        let mut pieces = jump("0");
        pieces.push(piece(
            &[&["2", "0"], &["0", "2"]],
            &["0", "0"],
            &[&["1", "0"], &["-1", "0"]],
            &["0", "0"],
        ));
        let Some(Defect::EmptyInterior { piece: 2, .. }) = check(&pieces, 2, 0) else {
            panic!("expected piece 2 without interior")
        };
        // An empty region: x ≤ −1 and x ≥ 0.
        let pieces = vec![
            piece(&[&["0"]], &["0"], &[], &[]),
            piece(&[&["0"]], &["0"], &[&["1"], &["-1"]], &["-1", "0"]),
        ];
        let Some(Defect::EmptyInterior {
            piece: 1,
            certificate,
        }) = check(&pieces, 1, 0)
        else {
            panic!("expected piece 1 empty")
        };
        assert!(
            dot(&certificate, &pieces[1].h) < 0,
            "an empty region: hᵀy < 0"
        );
        // A row 0·z ≤ −1 empties the region; 0·z ≤ 0 holds everywhere.
        let empty = vec![piece(&[&["0"]], &["0"], &[&["0"]], &["-1"])];
        assert!(matches!(
            check(&empty, 1, 0),
            Some(Defect::EmptyInterior { piece: 0, .. })
        ));
        let everywhere = vec![piece(&[&["0"]], &["0"], &[&["0"]], &["0"])];
        assert_eq!(check(&everywhere, 1, 0), None);
    }

    #[test]
    fn overlapping_pieces_that_agree_are_a_map() {
        // The same piece on overlapping regions x ≥ −1 and x ≤ 1 is one map; x on x ≥ −1
        // and −x on x ≤ 1 disagree on the overlap.
        let pieces = vec![
            piece(&[&["1"]], &["2"], &[&["-1"]], &["1"]),
            piece(&[&["1"]], &["2"], &[&["1"]], &["1"]),
        ];
        assert_eq!(check(&pieces, 1, 0), None);
        let pieces = vec![
            piece(&[&["1"]], &["0"], &[&["-1"]], &["1"]),
            piece(&[&["-1"]], &["0"], &[&["1"]], &["1"]),
        ];
        assert!(matches!(check(&pieces, 1, 0), Some(Defect::Jump { .. })));
    }

    #[test]
    fn parameters_are_part_of_the_space() {
        // F(x, θ) = max(x/2, θ)-style: x/2 on x/2 ≥ θ, θ on x/2 ≤ θ (n = 1, m = 1).
        let pieces = vec![
            piece(&[&["1/2", "0"]], &["0"], &[&["-1/2", "1"]], &["0"]),
            piece(&[&["0", "1"]], &["0"], &[&["1/2", "-1"]], &["0"]),
        ];
        assert_eq!(check(&pieces, 1, 1), None);
        // Shift the second piece by 1 in θ's region only: a jump on the line x/2 = θ.
        let mut shifted = pieces.clone();
        shifted[1].c = v(&["1"]);
        assert!(matches!(check(&shifted, 1, 1), Some(Defect::Jump { .. })));
    }

    #[test]
    fn malformed_pieces_are_named() {
        let mut pieces = heavy_ball();
        pieces[1].h.push(r("1"));
        assert!(matches!(
            check(&pieces, 2, 0),
            Some(Defect::Malformed { piece: 1, .. })
        ));
        let mut pieces = heavy_ball();
        pieces[0].a[1].pop();
        assert!(matches!(
            check(&pieces, 2, 0),
            Some(Defect::Malformed { piece: 0, .. })
        ));
        assert!(matches!(
            check(&heavy_ball(), 2, 1),
            Some(Defect::Malformed { piece: 0, .. })
        ));
    }

    #[test]
    fn forged_witnesses_are_rejected_by_the_re_check() {
        let pieces = jump("5");
        let good = check(&pieces, 2, 0).unwrap();
        let Defect::Jump { point, values, .. } = good.clone() else {
            panic!()
        };
        // Wrong point (in one region only), wrong values, same piece twice.
        let forged = [
            Defect::Jump {
                pieces: (0, 1),
                point: v(&["1", "0"]),
                values: values.clone(),
            },
            Defect::Jump {
                pieces: (0, 1),
                point: point.clone(),
                values: (values.0.clone(), values.0.clone()),
            },
            Defect::Jump {
                pieces: (0, 0),
                point: point.clone(),
                values: values.clone(),
            },
            Defect::Gap {
                point: v(&["0", "0"]),
            },
            Defect::Gap { point: v(&["0"]) },
            Defect::EmptyInterior {
                piece: 0,
                certificate: v(&["0"]),
            },
            Defect::EmptyInterior {
                piece: 0,
                certificate: v(&["1"]),
            },
            Defect::EmptyInterior {
                piece: 5,
                certificate: v(&[]),
            },
            Defect::Malformed {
                piece: 0,
                reason: "none".into(),
            },
        ];
        for d in &forged {
            assert!(!check_defect(&pieces, 2, 0, d), "{d}");
        }
        // 0·z ≤ 0 with y = 1: yᵀG = 0 and yᵀh = 0 but the row is zero: proves nothing.
        let everywhere = vec![piece(&[&["0"]], &["0"], &[&["0"]], &["0"])];
        let bogus = Defect::EmptyInterior {
            piece: 0,
            certificate: v(&["1"]),
        };
        assert!(!check_defect(&everywhere, 1, 0, &bogus));
    }

    #[test]
    fn strictly_inside_means_in_the_open_region() {
        let p = &clarke()[0]; // x ≥ 0, y ≥ 0
        assert!(strictly_inside(p, &v(&["1/3", "2"])));
        assert!(!strictly_inside(p, &v(&["0", "2"])));
        assert!(!strictly_inside(p, &v(&["1"])));
        let everywhere = piece(&[&["0"]], &["0"], &[&["0"]], &["0"]);
        assert!(strictly_inside(&everywhere, &v(&["7"])));
        let nowhere = piece(&[&["0"]], &["0"], &[&["0"]], &["-1"]);
        assert!(!strictly_inside(&nowhere, &v(&["7"])));
    }

    #[test]
    fn over_budget_is_refused_not_decided() {
        assert!(validate(&clarke(), 2, 0, &mut Budget::new(1000)).is_err());
        // 40 copies of one quadrant piece: the pairwise checks exceed a small budget.
        let mut b = Budget::new(2_000_000);
        let many: Vec<Piece> = (0..40).map(|_| clarke()[0].clone()).collect();
        assert!(validate(&many, 2, 0, &mut b).is_err());
        // 2000 pieces: 2 million pairs are refused before any LP runs.
        let mut b = Budget::default();
        let many: Vec<Piece> = (0..2000).map(|_| clarke()[0].clone()).collect();
        assert!(validate(&many, 2, 0, &mut b).is_err());
        assert_eq!(b.spent(), 0);
    }
}
