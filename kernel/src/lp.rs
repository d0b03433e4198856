//! Exact rational linear programming: `maximize cᵀz subject to G z ≤ h`, `z ∈ Qᴺ` free,
//! and exact interior points of polyhedra.
//!
//! # Method
//! A dense tableau simplex in `rug::Rational` on the standard form `z = u − v`,
//! `G u − G v − w + s = h` with `u, v, w, s ≥ 0`. The single auxiliary column `w` is
//! phase 1: one pivot on the row with the most negative `h` makes the slack basis
//! feasible, then phase 1 maximises `−w`; phase 2 maximises `cᵀ(u − v)` with `w`
//! barred. Bland's rule (lowest entering column; among ratio ties the lowest basic
//! variable leaves) means degenerate pivots cannot cycle.
//!
//! # Self-checking
//! The simplex only *finds* answers. Each is re-verified by plain exact evaluation
//! before it is returned, from a certificate read off the final tableau: an optimum
//! by a feasible point and a dual `y ≥ 0` with `Gᵀy = c`, `hᵀy = cᵀz`; unboundedness by
//! a feasible point and a ray with `G r ≤ 0`, `cᵀr > 0`; infeasibility by a Farkas
//! vector `y ≥ 0`, `Gᵀy = 0`, `hᵀy < 0`. A failed re-check (a bug) is a refusal.
//!
//! # Cost model
//! A pivot (or any pass over the tableau) over `e` entries whose largest entry has `b`
//! bits (numerator plus denominator) is charged `e · w·⌊√w⌋ · PIVOT_ENTRY_UNITS` units,
//! `w = 1 + b/64` limbs, before it runs (GMP's multiplication and gcd in this range grow
//! about like `w^1.5`). Measured (release build): 0.05–0.3 ns per unit on random dense
//! LPs of 10–100 rows with 1- to 1000-digit entries, about 0.8 ns per unit on the many
//! tiny LPs of validating a 64-piece map; the default budget of 4·10⁹ units is a few
//! seconds.
//! Re-checks of `k` rows of length `N` are charged like a pass over `k × N` entries.

//! # Realizability of strict patterns
//! [`interior_point`] decides whether a system of *strict* inequalities `G z < h` has an
//! exact rational solution, and returns one. This is how a sign pattern such as a ReLU
//! activation `q` is shown to occur on an open set: write `(Wx + c)_i > 0` for `q_i = 1`
//! as the row `−W_i x < c_i` and `(Wx + c)_i < 0` for `q_i = 0` as `W_i x < −c_i`; a
//! returned point is an exact witness, `None` means the pattern occurs on no open set.

use crate::budget::{Budget, OverBudget};
use rug::Rational;
use std::cmp::Ordering::{Equal, Greater, Less};

/// Units charged per tableau entry touched by a pivot with small (≤ 64-bit) entries
/// (one rational multiply–subtract–normalise, with its allocation, takes about 100 ns).
pub const PIVOT_ENTRY_UNITS: u128 = 128;

/// The result of [`maximize`]; every variant was re-verified exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LpOutcome {
    /// No `z` satisfies `G z ≤ h`.
    Infeasible,
    /// The objective is unbounded above: `point` is feasible, `G ray ≤ 0` and
    /// `cᵀray > 0`, so `point + s·ray` is feasible for every `s ≥ 0`.
    Unbounded {
        /// A feasible point.
        point: Vec<Rational>,
        /// An improving direction of recession.
        ray: Vec<Rational>,
    },
    /// `point` is feasible and `cᵀpoint = value` is the maximum.
    Optimal {
        /// The maximum of `cᵀz`.
        value: Rational,
        /// A feasible point attaining it.
        point: Vec<Rational>,
    },
}

/// [`interior_point_or_certificate`]'s answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Interior {
    /// A point with `G z < h` in every row.
    Point(Vec<Rational>),
    /// `y ≥ 0`, `y ≠ 0`, `Gᵀy = 0`, `hᵀy ≤ 0`: then `G z < h` has no solution, since
    /// `0 < Σ yᵣ(hᵣ − gᵣz) = hᵀy ≤ 0` would follow.
    Empty(Vec<Rational>),
}

/// Maximize `cᵀz` subject to `G z ≤ h`, `z ∈ Qᴺ` free, `N = c.len()`; `g` is `k` rows of
/// length `N`. Shapes that do not fit are refused (as an `Err`), never read past.
pub fn maximize(
    c: &[Rational],
    g: &[Vec<Rational>],
    h: &[Rational],
    budget: &mut Budget,
) -> Result<LpOutcome, OverBudget> {
    check_shapes(c.len(), g, h, budget)?;
    Ok(match solve(c, g, h, budget)? {
        Solved::Infeasible => LpOutcome::Infeasible,
        Solved::Unbounded(point, ray) => LpOutcome::Unbounded { point, ray },
        Solved::Optimal(value, point, _) => LpOutcome::Optimal { value, point },
    })
}

/// An exact point `z` with `G z < h` in every row (an interior point of `{G z ≤ h}` when
/// no row of `G` is zero), or `None` when there is none. With no rows at all the
/// dimension is unknown and the answer is the empty vector: use
/// [`interior_point_or_certificate`], which takes the dimension.
pub fn interior_point(
    g: &[Vec<Rational>],
    h: &[Rational],
    budget: &mut Budget,
) -> Result<Option<Vec<Rational>>, OverBudget> {
    let dim = g.first().map_or(0, Vec::len);
    Ok(match interior_point_or_certificate(dim, g, h, budget)? {
        Interior::Point(z) => Some(z),
        Interior::Empty(_) => None,
    })
}

/// An exact solution of `G z < h` in `Q^dim`, or a re-checked certificate that there is
/// none. Solves `max t s.t. G z + t·1 ≤ h, t ≤ 1`: a solution exists iff the optimum
/// `t* > 0`; otherwise the dual's `y` (with `Σy + μ = 1`, `hᵀy + μ = t* ≤ 0`) is the
/// certificate.
pub fn interior_point_or_certificate(
    dim: usize,
    g: &[Vec<Rational>],
    h: &[Rational],
    budget: &mut Budget,
) -> Result<Interior, OverBudget> {
    check_shapes(dim, g, h, budget)?;
    let mut rows: Vec<Vec<Rational>> = g
        .iter()
        .map(|r| r.iter().cloned().chain([Rational::from(1)]).collect())
        .collect();
    let mut top = vec![Rational::new(); dim];
    top.push(Rational::from(1));
    rows.push(top.clone()); // t ≤ 1 keeps the problem bounded
    let mut rhs = h.to_vec();
    rhs.push(Rational::from(1));
    match solve(&top, &rows, &rhs, budget)? {
        Solved::Optimal(t, mut point, _) if t.cmp0() == Greater => {
            point.pop();
            if all_rows(g, h, &point, budget, |lhs, h| lhs < h)? {
                return Ok(Interior::Point(point));
            }
        }
        Solved::Optimal(_, _, mut y) => {
            y.pop();
            let nonzero = y.iter().any(|v| v.cmp0() != Equal);
            if nonzero && farkas_holds(dim, g, h, &y, budget, |v| v.cmp0() != Greater)? {
                return Ok(Interior::Empty(y));
            }
        }
        _ => {} // invariant: the problem is feasible (t → −∞) and bounded (t ≤ 1)
    }
    Err(self_check_failed(budget))
}

/// `x · y`.
pub(crate) fn dot(x: &[Rational], y: &[Rational]) -> Rational {
    let mut s = Rational::new();
    for (a, b) in x.iter().zip(y) {
        if a.cmp0() != Equal {
            s += Rational::from(a * b);
        }
    }
    s
}

/// Bit size of an exact number: numerator plus denominator bits.
pub(crate) fn bits(x: &Rational) -> u128 {
    u128::from(x.numer().significant_bits()) + u128::from(x.denom().significant_bits())
}

/// Units for one pass over `entries` numbers of at most `max_bits` bits.
pub(crate) fn pass_cost(entries: u128, max_bits: u128) -> u128 {
    let w = 1 + max_bits / 64;
    let root = rug::Integer::from(w).sqrt().to_u128().unwrap_or(w); // invariant: √w ≤ w fits
    entries
        .saturating_mul(w.saturating_mul(root))
        .saturating_mul(PIVOT_ENTRY_UNITS)
}

/// Charge one pass over a matrix (and a vector) of exact numbers.
pub(crate) fn charge_pass(
    budget: &mut Budget,
    what: &str,
    rows: &[Vec<Rational>],
    extra: &[Rational],
) -> Result<(), OverBudget> {
    let all = rows.iter().flatten().chain(extra);
    let (count, max) = all.fold((0u128, 0u128), |(c, m), x| (c + 1, m.max(bits(x))));
    budget.charge(what, pass_cost(count, max))
}

/// Every row: `test(gᵣ·z, hᵣ)`, charged as one pass.
pub(crate) fn all_rows(
    g: &[Vec<Rational>],
    h: &[Rational],
    z: &[Rational],
    budget: &mut Budget,
    test: impl Fn(&Rational, &Rational) -> bool,
) -> Result<bool, OverBudget> {
    charge_pass(budget, "exact evaluation of G z", g, z)?;
    Ok(g.len() == h.len() && g.iter().zip(h).all(|(r, h)| test(&dot(r, z), h)))
}

/// `y ≥ 0`, `Gᵀy = 0` and `ok(hᵀy)`.
fn farkas_holds(
    dim: usize,
    g: &[Vec<Rational>],
    h: &[Rational],
    y: &[Rational],
    budget: &mut Budget,
    ok: impl Fn(&Rational) -> bool,
) -> Result<bool, OverBudget> {
    let zero = vec![Rational::new(); dim];
    Ok(y.len() == g.len()
        && y.iter().all(|v| v.cmp0() != Less)
        && transpose_times(dim, g, y, budget)? == zero
        && ok(&dot(h, y)))
}

/// `Gᵀy`.
fn transpose_times(
    dim: usize,
    g: &[Vec<Rational>],
    y: &[Rational],
    budget: &mut Budget,
) -> Result<Vec<Rational>, OverBudget> {
    charge_pass(budget, "exact evaluation of Gᵀy", g, y)?;
    let mut out = vec![Rational::new(); dim];
    for (row, yr) in g.iter().zip(y) {
        for (o, a) in out.iter_mut().zip(row) {
            *o += Rational::from(a * yr);
        }
    }
    Ok(out)
}

fn check_shapes(
    dim: usize,
    g: &[Vec<Rational>],
    h: &[Rational],
    budget: &Budget,
) -> Result<(), OverBudget> {
    let fits = g.len() == h.len() && g.iter().all(|r| r.len() == dim);
    match fits {
        true => Ok(()),
        false => Err(refusal("a linear program whose shapes do not fit", budget)),
    }
}

/// Not a budget overrun but a refusal all the same: malformed input, or a found answer
/// that failed its re-check (a bug).
fn refusal(what: &str, budget: &Budget) -> OverBudget {
    OverBudget {
        what: format!("{what} (refused)"),
        needed: u128::MAX,
        limit: budget.limit(),
    }
}

fn self_check_failed(budget: &Budget) -> OverBudget {
    refusal("an exact LP answer that failed its re-check", budget)
}

/// A simplex answer with the certificate it is re-checked by.
enum Solved {
    Infeasible,
    Unbounded(Vec<Rational>, Vec<Rational>),
    Optimal(Rational, Vec<Rational>, Vec<Rational>),
}

/// Run both phases, then re-check the answer (see the module documentation).
fn solve(
    c: &[Rational],
    g: &[Vec<Rational>],
    h: &[Rational],
    budget: &mut Budget,
) -> Result<Solved, OverBudget> {
    let n = c.len();
    let mut t = Tableau::new(n, g, h, budget)?;
    let w = 2 * n;
    if let Some(r) = (0..h.len())
        .filter(|&r| h[r].cmp0() == Less)
        .min_by(|&a, &b| h[a].cmp(&h[b]))
    {
        t.pivot(r, w, budget)?; // now w = −h_r and every basic value is ≥ 0
        let mut cost = vec![Rational::new(); t.cols()];
        cost[w] = Rational::from(-1);
        t.set_objective(&cost, budget)?;
        t.run(|_| true, budget)?; // bounded: −w ≤ 0
        if t.obj[t.cols()].cmp0() == Less {
            let y = t.duals();
            let ok = farkas_holds(n, g, h, &y, budget, |v| v.cmp0() == Less)?;
            return if ok {
                Ok(Solved::Infeasible)
            } else {
                Err(self_check_failed(budget))
            };
        }
        // w = 0: if still basic, pivot it out (its row's right side is 0, so any
        // nonzero entry is a feasible pivot); an all-zero row just keeps w = 0.
        if let Some(r) = t.basis.iter().position(|&b| b == w) {
            if let Some(j) = (0..t.cols()).find(|&j| j != w && t.rows[r][j].cmp0() != Equal) {
                t.pivot(r, j, budget)?;
            }
        }
    }
    let mut cost = vec![Rational::new(); t.cols()];
    for (i, ci) in c.iter().enumerate() {
        cost[i] = ci.clone();
        cost[n + i] = Rational::from(-ci);
    }
    t.set_objective(&cost, budget)?;
    let entering = t.run(|j| j != w, budget)?;
    let x = t.values();
    let point: Vec<Rational> = (0..n).map(|i| Rational::from(&x[i] - &x[n + i])).collect();
    let feasible = all_rows(g, h, &point, budget, |lhs, h| lhs <= h)?;
    let (solved, ok) = match entering {
        None => {
            let value = dot(c, &point);
            let y = t.duals();
            let ok = value == t.obj[t.cols()]
                && y.iter().all(|v| v.cmp0() != Less)
                && transpose_times(n, g, &y, budget)? == c
                && dot(h, &y) == value;
            (Solved::Optimal(value, point, y), ok)
        }
        Some(j) => {
            let mut d = vec![Rational::new(); t.cols()];
            d[j] = Rational::from(1);
            for (r, &b) in t.basis.iter().enumerate() {
                d[b] = Rational::from(-&t.rows[r][j]);
            }
            let ray: Vec<Rational> = (0..n).map(|i| Rational::from(&d[i] - &d[n + i])).collect();
            let zero = vec![Rational::new(); g.len()];
            let ok = all_rows(g, &zero, &ray, budget, |lhs, z| lhs <= z)?
                && dot(c, &ray).cmp0() == Greater;
            (Solved::Unbounded(point, ray), ok)
        }
    };
    if feasible && ok {
        Ok(solved)
    } else {
        Err(self_check_failed(budget))
    }
}

/// `B⁻¹[A | h]` for the columns `u (n), v (n), w (1), s (k)`, and the objective row
/// `c_B B⁻¹A − c` whose last entry is the objective value.
struct Tableau {
    rows: Vec<Vec<Rational>>,
    obj: Vec<Rational>,
    basis: Vec<usize>,
}

impl Tableau {
    fn new(
        n: usize,
        g: &[Vec<Rational>],
        h: &[Rational],
        budget: &mut Budget,
    ) -> Result<Self, OverBudget> {
        let k = g.len();
        let cols = 2 * n + 1 + k;
        let max_bits = g.iter().flatten().chain(h).map(bits).max().unwrap_or(0);
        let entries = (k as u128 + 1) * (cols as u128 + 1);
        budget.charge(
            "building an exact simplex tableau",
            pass_cost(entries, max_bits),
        )?;
        let rows = g
            .iter()
            .zip(h)
            .enumerate()
            .map(|(r, (gr, hr))| {
                let mut row = vec![Rational::new(); cols + 1];
                for (i, a) in gr.iter().enumerate() {
                    row[i] = a.clone();
                    row[n + i] = Rational::from(-a);
                }
                row[2 * n] = Rational::from(-1);
                row[2 * n + 1 + r] = Rational::from(1);
                row[cols] = hr.clone();
                row
            })
            .collect();
        Ok(Tableau {
            rows,
            obj: vec![Rational::new(); cols + 1],
            basis: (2 * n + 1..cols).collect(),
        })
    }

    fn cols(&self) -> usize {
        self.obj.len() - 1
    }

    fn charge(&self, budget: &mut Budget, what: &str) -> Result<(), OverBudget> {
        charge_pass(budget, what, &self.rows, &self.obj)
    }

    fn pivot(&mut self, r: usize, j: usize, budget: &mut Budget) -> Result<(), OverBudget> {
        self.charge(budget, "an exact simplex pivot")?;
        let p = self.rows[r][j].clone();
        for x in self.rows[r].iter_mut() {
            *x /= &p;
        }
        let pivot_row = std::mem::take(&mut self.rows[r]);
        for row in self.rows.iter_mut().chain([&mut self.obj]) {
            eliminate(row, &pivot_row, j); // the emptied row r is skipped
        }
        self.rows[r] = pivot_row;
        self.basis[r] = j;
        Ok(())
    }

    /// Objective row for `max costᵀx` in the current basis.
    fn set_objective(&mut self, cost: &[Rational], budget: &mut Budget) -> Result<(), OverBudget> {
        self.charge(budget, "an exact simplex objective")?;
        self.obj = cost.iter().map(|c| Rational::from(-c)).collect();
        self.obj.push(Rational::new());
        for (row, &b) in self.rows.iter().zip(&self.basis) {
            eliminate(&mut self.obj, row, b);
        }
        Ok(())
    }

    /// Pivot by Bland's rule among the `allowed` columns until optimal (`None`) or an
    /// entering column has no positive entry (`Some(column)`: unbounded).
    fn run(
        &mut self,
        allowed: impl Fn(usize) -> bool,
        budget: &mut Budget,
    ) -> Result<Option<usize>, OverBudget> {
        let rhs = self.cols();
        loop {
            let Some(j) = (0..rhs).find(|&j| allowed(j) && self.obj[j].cmp0() == Less) else {
                return Ok(None);
            };
            let mut leave: Option<usize> = None;
            for i in (0..self.rows.len()).filter(|&i| self.rows[i][j].cmp0() == Greater) {
                leave = Some(match leave {
                    None => i,
                    Some(l) => {
                        // rhs_i / a_ij against rhs_l / a_lj, both denominators positive
                        let lhs = Rational::from(&self.rows[i][rhs] * &self.rows[l][j]);
                        let other = Rational::from(&self.rows[l][rhs] * &self.rows[i][j]);
                        match lhs.cmp(&other) {
                            Less => i,
                            Greater => l,
                            _ if self.basis[i] < self.basis[l] => i,
                            _ => l,
                        }
                    }
                });
            }
            match leave {
                None => return Ok(Some(j)),
                Some(r) => self.pivot(r, j, budget)?,
            }
        }
    }

    fn values(&self) -> Vec<Rational> {
        let mut x = vec![Rational::new(); self.cols()];
        for (row, &b) in self.rows.iter().zip(&self.basis) {
            x[b] = row[self.cols()].clone();
        }
        x
    }

    /// The simplex multipliers `c_B B⁻¹`: the objective row under the slack columns.
    fn duals(&self) -> Vec<Rational> {
        self.obj[self.cols() - self.rows.len()..self.cols()].to_vec()
    }
}

/// `row −= row[j] · pivot_row` (`pivot_row[j] = 1`).
fn eliminate(row: &mut [Rational], pivot_row: &[Rational], j: usize) {
    let f = match row.get(j) {
        Some(f) if f.cmp0() != Equal => f.clone(),
        _ => return,
    };
    for (x, p) in row.iter_mut().zip(pivot_row) {
        if p.cmp0() != Equal {
            *x -= Rational::from(&f * p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(p: i64, d: i64) -> Rational {
        Rational::from((p, d))
    }
    fn v(xs: &[i64]) -> Vec<Rational> {
        xs.iter().map(|&x| Rational::from(x)).collect()
    }
    fn m(rows: &[&[i64]]) -> Vec<Vec<Rational>> {
        rows.iter().map(|r| v(r)).collect()
    }
    fn max(c: &[Rational], g: &[Vec<Rational>], h: &[Rational]) -> LpOutcome {
        maximize(c, g, h, &mut Budget::default()).unwrap()
    }

    #[test]
    fn a_box_is_maximised_at_its_corner() {
        // max x + 2y on [−1, 1] × [−3, 2]: the corner (1, 2), value 5.
        let g = m(&[&[1, 0], &[-1, 0], &[0, 1], &[0, -1]]);
        let out = max(&v(&[1, 2]), &g, &v(&[1, 1, 2, 3]));
        assert_eq!(
            out,
            LpOutcome::Optimal {
                value: q(5, 1),
                point: v(&[1, 2])
            }
        );
        // min (= max of −(x + 2y)): the corner (−1, −3), value 7.
        let out = max(&v(&[-1, -2]), &g, &v(&[1, 1, 2, 3]));
        assert_eq!(
            out,
            LpOutcome::Optimal {
                value: q(7, 1),
                point: v(&[-1, -3])
            }
        );
    }

    #[test]
    fn fractional_vertices_are_exact() {
        // max x + y s.t. 3x + y ≤ 2, x + 3y ≤ 2: the vertex (1/2, 1/2), value 1.
        let out = max(&v(&[1, 1]), &m(&[&[3, 1], &[1, 3]]), &v(&[2, 2]));
        assert_eq!(
            out,
            LpOutcome::Optimal {
                value: q(1, 1),
                point: vec![q(1, 2), q(1, 2)]
            }
        );
        // max x s.t. 7x ≤ −3 (phase 1 needed): x = −3/7.
        let out = max(&v(&[1]), &m(&[&[7]]), &v(&[-3]));
        assert_eq!(
            out,
            LpOutcome::Optimal {
                value: q(-3, 7),
                point: vec![q(-3, 7)]
            }
        );
    }

    #[test]
    fn infeasible_and_unbounded_are_recognised() {
        // x ≤ 0 and x ≥ 1.
        assert_eq!(
            max(&v(&[1]), &m(&[&[1], &[-1]]), &v(&[0, -1])),
            LpOutcome::Infeasible
        );
        // x + y ≤ −1, −x ≤ 0, −y ≤ 0: empty (phase 1 ends with w > 0).
        let g = m(&[&[1, 1], &[-1, 0], &[0, -1]]);
        assert_eq!(max(&v(&[0, 0]), &g, &v(&[-1, 0, 0])), LpOutcome::Infeasible);
        // max x + y s.t. x − y ≤ 1, −x ≤ 2: unbounded; check the ray by hand.
        let g = m(&[&[1, -1], &[-1, 0]]);
        let h = v(&[1, 2]);
        let LpOutcome::Unbounded { point, ray } = max(&v(&[1, 1]), &g, &h) else {
            panic!("expected unbounded")
        };
        for (row, hr) in g.iter().zip(&h) {
            assert!(dot(row, &point) <= *hr);
            assert!(dot(row, &ray) <= 0);
        }
        assert!(dot(&v(&[1, 1]), &ray) > 0);
        // No rows: any nonzero objective is unbounded, the zero objective is 0 at 0.
        assert!(matches!(
            max(&v(&[0, 1]), &[], &[]),
            LpOutcome::Unbounded { .. }
        ));
        assert_eq!(
            max(&v(&[0, 0]), &[], &[]),
            LpOutcome::Optimal {
                value: q(0, 1),
                point: v(&[0, 0])
            }
        );
    }

    #[test]
    fn degenerate_vertices_do_not_stall() {
        // Five constraints through the vertex (1, 1); max x + y = 2 there.
        let g = m(&[&[1, 0], &[0, 1], &[1, 1], &[2, 1], &[1, 2], &[-1, -1]]);
        let out = max(&v(&[1, 1]), &g, &v(&[1, 1, 2, 3, 3, 0]));
        assert_eq!(
            out,
            LpOutcome::Optimal {
                value: q(2, 1),
                point: v(&[1, 1])
            }
        );
    }

    /// With x ≥ 0 written as rows −xᵢ ≤ 0.
    fn with_nonnegativity(
        rows: &[Vec<Rational>],
        rhs: &[Rational],
    ) -> (Vec<Vec<Rational>>, Vec<Rational>) {
        let n = rows[0].len();
        let mut g = rows.to_vec();
        let mut h = rhs.to_vec();
        for i in 0..n {
            let mut r = vec![Rational::new(); n];
            r[i] = Rational::from(-1);
            g.push(r);
            h.push(Rational::new());
        }
        (g, h)
    }

    #[test]
    fn beales_cycling_example_terminates_at_its_known_optimum() {
        // Beale (1955): max ¾x₁ − 20x₂ + ½x₃ − 6x₄ s.t. ¼x₁ − 8x₂ − x₃ + 9x₄ ≤ 0,
        // ½x₁ − 12x₂ − ½x₃ + 3x₄ ≤ 0, x₃ ≤ 1, x ≥ 0. Dantzig's rule cycles; the optimum
        // is 5/4 at (1, 0, 1, 0).
        let rows = vec![
            vec![q(1, 4), q(-8, 1), q(-1, 1), q(9, 1)],
            vec![q(1, 2), q(-12, 1), q(-1, 2), q(3, 1)],
            vec![q(0, 1), q(0, 1), q(1, 1), q(0, 1)],
        ];
        let (g, h) = with_nonnegativity(&rows, &v(&[0, 0, 1]));
        let c = vec![q(3, 4), q(-20, 1), q(1, 2), q(-6, 1)];
        assert_eq!(
            max(&c, &g, &h),
            LpOutcome::Optimal {
                value: q(5, 4),
                point: v(&[1, 0, 1, 0])
            }
        );
    }

    #[test]
    fn chvatals_cycling_example_terminates_at_its_known_optimum() {
        // Chvátal, Linear Programming (1983), §3: max 10x₁ − 57x₂ − 9x₃ − 24x₄ s.t.
        // ½x₁ − 11/2 x₂ − 5/2 x₃ + 9x₄ ≤ 0, ½x₁ − 3/2 x₂ − ½x₃ + x₄ ≤ 0, x₁ ≤ 1, x ≥ 0;
        // optimum 1 at (1, 0, 1, 0).
        let rows = vec![
            vec![q(1, 2), q(-11, 2), q(-5, 2), q(9, 1)],
            vec![q(1, 2), q(-3, 2), q(-1, 2), q(1, 1)],
            vec![q(1, 1), q(0, 1), q(0, 1), q(0, 1)],
        ];
        let (g, h) = with_nonnegativity(&rows, &v(&[0, 0, 1]));
        let out = max(&v(&[10, -57, -9, -24]), &g, &h);
        assert_eq!(
            out,
            LpOutcome::Optimal {
                value: q(1, 1),
                point: v(&[1, 0, 1, 0])
            }
        );
    }

    #[test]
    fn interior_points_are_strict_and_emptiness_is_certified() {
        let mut b = Budget::default();
        // The open unit square: a strictly interior point.
        let g = m(&[&[1, 0], &[-1, 0], &[0, 1], &[0, -1]]);
        let h = v(&[1, 0, 1, 0]);
        let z = interior_point(&g, &h, &mut b).unwrap().unwrap();
        assert!(g.iter().zip(&h).all(|(r, hr)| dot(r, &z) < *hr), "{z:?}");
        // A segment of the line x = y: closed set with empty interior.
        let g = m(&[&[1, -1], &[-1, 1], &[1, 0], &[-1, 0]]);
        let h = v(&[0, 0, 1, 0]);
        let Interior::Empty(y) = interior_point_or_certificate(2, &g, &h, &mut b).unwrap() else {
            panic!("a segment has no interior")
        };
        // Re-check the certificate by hand: y ≥ 0, y ≠ 0, Gᵀy = 0, hᵀy ≤ 0.
        assert!(y.iter().all(|x| *x >= 0) && y.iter().any(|x| *x > 0));
        assert_eq!(transpose_times(2, &g, &y, &mut b).unwrap(), v(&[0, 0]));
        assert!(dot(&h, &y) <= 0);
        // An empty set, and the literal strict row 0·z < 0.
        assert_eq!(
            interior_point(&m(&[&[1], &[-1]]), &v(&[-1, 0]), &mut b).unwrap(),
            None
        );
        assert_eq!(
            interior_point(&m(&[&[0, 0]]), &v(&[0, 0][..1]), &mut b).unwrap(),
            None
        );
        assert_eq!(
            interior_point(&m(&[&[0, 0]]), &v(&[1]), &mut b)
                .unwrap()
                .map(|z| z.len()),
            Some(2)
        );
        // No rows: the whole space; the dimension comes from the caller.
        assert_eq!(
            interior_point_or_certificate(3, &[], &[], &mut b).unwrap(),
            Interior::Point(v(&[0, 0, 0]))
        );
    }

    #[test]
    fn a_relu_pattern_is_realisable_iff_it_occurs_on_an_open_set() {
        // W = [[2, −3/2], [2, −3/2]], c = (1, 1): both rows equal, so (1, 0) never occurs
        // on an open set (it needs 2x − 3/2 y + 1 > 0 and < 0), while (1, 1) does.
        let w = [vec![q(2, 1), q(-3, 2)], vec![q(2, 1), q(-3, 2)]];
        let c = v(&[1, 1]);
        let strict = |pattern: [bool; 2]| {
            let mut g = Vec::new();
            let mut h = Vec::new();
            for ((row, ci), on) in w.iter().zip(&c).zip(pattern) {
                let sign = if on { -1 } else { 1 };
                g.push(
                    row.iter()
                        .map(|x| Rational::from(x * sign))
                        .collect::<Vec<_>>(),
                );
                h.push(Rational::from(ci * -sign));
            }
            (g, h)
        };
        let mut b = Budget::default();
        let (g, h) = strict([true, false]);
        assert_eq!(interior_point(&g, &h, &mut b).unwrap(), None);
        let (g, h) = strict([true, true]);
        let x = interior_point(&g, &h, &mut b).unwrap().unwrap();
        assert!(w.iter().zip(&c).all(|(row, ci)| dot(row, &x) + ci > 0));
    }

    #[test]
    fn hostile_sizes_are_refused_within_the_budget() {
        // A 1 000 000-digit coefficient: refused before the tableau is built.
        let huge: Rational = "1"
            .repeat(1_000_000)
            .parse::<rug::Integer>()
            .unwrap()
            .into();
        let mut b = Budget::default();
        let g = [vec![huge.clone(), q(1, 1)], v(&[1, 1])];
        assert!(maximize(&v(&[1, 1]), &g, &v(&[1, 1]), &mut b).is_err());
        assert_eq!(b.spent(), 0, "nothing was spent on the refused step");
        // 100 000 digits: the first pivots fit, the growing entries then exhaust the budget.
        let big: Rational = "7".repeat(100_000).parse::<rug::Integer>().unwrap().into();
        let g = [
            vec![big.clone(), q(1, 1)],
            vec![q(1, 1), Rational::from(&big + 1)],
        ];
        let e = maximize(
            &v(&[1, 1]),
            &g,
            &[big.clone(), Rational::from(-&big)],
            &mut b,
        );
        assert!(
            e.as_ref()
                .is_err_and(|e| e.needed > e.limit && e.needed < u128::MAX),
            "{e:?}"
        );
        // A tiny budget refuses an ordinary LP; shapes that do not fit are refused too.
        let g = m(&[&[1, 0], &[0, 1]]);
        assert!(maximize(&v(&[1, 1]), &g, &v(&[1, 1]), &mut Budget::new(10)).is_err());
        assert!(maximize(&v(&[1, 1]), &m(&[&[1]]), &v(&[1]), &mut Budget::default()).is_err());
        assert!(maximize(&v(&[1]), &m(&[&[1]]), &v(&[1, 2]), &mut Budget::default()).is_err());
    }
}
