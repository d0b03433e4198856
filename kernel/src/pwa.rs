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
        let Some(p) = lp::interior_point_in(dim, &cg, &ch, budget)? else {
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
