//! A small exact rational matrix: integer numerators over one positive common
//! denominator, with exactly the operations the checks need.
//!
//! The main crate has its own generic linear algebra (over every scalar type, with
//! solvers and heuristics). The kernel deliberately keeps this small exact copy so that
//! nothing outside this crate can influence a verdict, and so that every operation has
//! a stated cost ([`crate::cost`]): with one denominator per matrix, products are
//! integer products and definiteness and determinants are fraction-free eliminations
//! on the numerators, whose sizes are bounded in advance.

use crate::budget::{Budget, OverBudget};
use crate::cost::{limbs, mul_cost, Size};
use crate::number::bits;
use rug::{Integer, Rational};
use std::cmp::Ordering;

/// `num / den` entrywise, `num` row-major, `den > 0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mat {
    rows: usize,
    cols: usize,
    den: Integer,
    num: Vec<Integer>,
}

impl Mat {
    /// Build from rationals (row-major, `rows·cols` of them) over the least common
    /// denominator. Before any of the work, its cost is bounded and charged: the lcm
    /// divides the product of the distinct denominators, so it has at most `δ` bits, the
    /// sum of their bit lengths.
    pub fn from_rationals(
        rows: usize,
        cols: usize,
        entries: &[Rational],
        budget: &mut Budget,
    ) -> Result<Mat, OverBudget> {
        debug_assert_eq!(entries.len(), rows * cols);
        let mut dens: Vec<&Integer> = entries
            .iter()
            .map(|q| q.denom())
            .filter(|d| **d != 1)
            .collect();
        dens.sort_unstable();
        dens.dedup();
        let delta = dens.iter().fold(0u64, |acc, d| acc.saturating_add(bits(d)));
        let max_den = dens.last().map_or(1, |d| bits(d));
        let max_num = entries.iter().map(|q| bits(q.numer())).max().unwrap_or(0);
        let n = entries.len() as u128;
        let work = (dens.len() as u128)
            .saturating_mul(4 * mul_cost(delta, max_den))
            .saturating_add(n.saturating_mul(2 * mul_cost(delta, max_num.max(max_den))));
        budget.check_memory(
            "common denominator",
            n.saturating_mul(limbs(delta.saturating_add(max_num))),
        )?;
        budget.charge("common denominator", work)?;
        let mut den = Integer::from(1);
        for d in dens {
            den.lcm_mut(d);
        }
        let num = entries
            .iter()
            .map(|q| Integer::from(&den / q.denom()) * q.numer())
            .collect();
        Ok(Mat {
            rows,
            cols,
            den,
            num,
        })
    }

    /// An integer matrix (denominator 1).
    pub fn from_integers(rows: usize, cols: usize, num: Vec<Integer>) -> Mat {
        debug_assert_eq!(num.len(), rows * cols);
        Mat {
            rows,
            cols,
            den: Integer::from(1),
            num,
        }
    }

    /// `num / den` from its parts (`num` row-major, `den > 0`, `num.len() == rows·cols`).
    pub fn from_parts(rows: usize, cols: usize, den: Integer, num: Vec<Integer>) -> Mat {
        debug_assert!(num.len() == rows * cols && den.cmp0() == Ordering::Greater);
        Mat {
            rows,
            cols,
            den,
            num,
        }
    }

    /// `q·A`.
    pub fn scale(&self, q: &Rational) -> Mat {
        Mat {
            rows: self.rows,
            cols: self.cols,
            den: Integer::from(&self.den * q.denom()),
            num: self
                .num
                .iter()
                .map(|x| Integer::from(x * q.numer()))
                .collect(),
        }
    }

    /// `|A|` entrywise.
    pub fn abs(&self) -> Mat {
        Mat {
            rows: self.rows,
            cols: self.cols,
            den: self.den.clone(),
            num: self.num.iter().map(|x| x.clone().abs()).collect(),
        }
    }

    /// The `n × n` identity.
    pub fn identity(n: usize) -> Mat {
        Mat::from_integers(
            n,
            n,
            (0..n * n)
                .map(|k| Integer::from(u8::from(k % (n + 1) == 0)))
                .collect(),
        )
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The common denominator (`> 0`).
    pub fn den(&self) -> &Integer {
        &self.den
    }
    /// Numerator of entry `(i, j)`.
    pub fn num(&self, i: usize, j: usize) -> &Integer {
        &self.num[i * self.cols + j]
    }
    /// Entry `(i, j)` as a reduced rational.
    pub fn entry(&self, i: usize, j: usize) -> Rational {
        Rational::from((self.num(i, j).clone(), self.den.clone()))
    }
    /// Shape and bit sizes (see [`crate::cost`]).
    pub fn size(&self) -> Size {
        Size {
            rows: self.rows,
            cols: self.cols,
            num_bits: self.num.iter().map(bits).max().unwrap_or(0),
            den_bits: bits(&self.den),
        }
    }
    /// Whether every entry is zero.
    pub fn is_zero(&self) -> bool {
        self.num.iter().all(|x| x.cmp0() == Ordering::Equal)
    }

    /// `Aᵀ`.
    pub fn transpose(&self) -> Mat {
        let num = (0..self.cols * self.rows)
            .map(|k| self.num(k % self.rows, k / self.rows).clone())
            .collect();
        Mat {
            rows: self.cols,
            cols: self.rows,
            den: self.den.clone(),
            num,
        }
    }

    /// `A·B` (`self.cols == b.rows`, checked by the caller).
    pub fn mul(&self, b: &Mat) -> Mat {
        debug_assert_eq!(self.cols, b.rows);
        let mut num = Vec::with_capacity(self.rows * b.cols);
        let mut acc = Integer::new();
        for i in 0..self.rows {
            for j in 0..b.cols {
                acc *= 0;
                for l in 0..self.cols {
                    let (x, y) = (self.num(i, l), b.num(l, j));
                    if x.cmp0() != Ordering::Equal && y.cmp0() != Ordering::Equal {
                        acc += x * y;
                    }
                }
                num.push(acc.clone());
            }
        }
        Mat {
            rows: self.rows,
            cols: b.cols,
            den: Integer::from(&self.den * &b.den),
            num,
        }
    }

    /// `αX + βY` (same shapes, checked by the caller).
    pub fn lin(alpha: &Rational, x: &Mat, beta: &Rational, y: &Mat) -> Mat {
        debug_assert_eq!((x.rows, x.cols), (y.rows, y.cols));
        // αX + βY = (α_n β_d D_Y · X_n + β_n α_d D_X · Y_n) / (α_d β_d D_X D_Y).
        let sx = Integer::from(alpha.numer() * beta.denom()) * &y.den;
        let sy = Integer::from(beta.numer() * alpha.denom()) * &x.den;
        let num = x
            .num
            .iter()
            .zip(&y.num)
            .map(|(a, b)| Integer::from(a * &sx) + Integer::from(b * &sy))
            .collect();
        let den = Integer::from(alpha.denom() * beta.denom()) * &x.den * &y.den;
        Mat {
            rows: x.rows,
            cols: x.cols,
            den,
            num,
        }
    }

    /// `diag(q)·M` for a column `q` with `M.rows` entries.
    pub fn row_scale(q: &Mat, m: &Mat) -> Mat {
        debug_assert_eq!((q.rows, q.cols), (m.rows, 1));
        let num = (0..m.rows * m.cols)
            .map(|k| Integer::from(q.num(k / m.cols, 0) * &m.num[k]))
            .collect();
        Mat {
            rows: m.rows,
            cols: m.cols,
            den: Integer::from(&q.den * &m.den),
            num,
        }
    }

    /// Exact symmetry.
    pub fn is_symmetric(&self) -> bool {
        self.rows == self.cols
            && (0..self.rows).all(|i| (0..i).all(|j| self.num(i, j) == self.num(j, i)))
    }

    fn square_rows(&self) -> Vec<Vec<Integer>> {
        (0..self.rows)
            .map(|i| self.num[i * self.cols..(i + 1) * self.cols].to_vec())
            .collect()
    }

    /// Positive definiteness of a symmetric matrix (Sylvester: every leading principal
    /// minor `> 0`, i.e. every pivot of the fraction-free elimination without pivoting
    /// is `> 0`). `false` for asymmetric input.
    pub fn is_positive_definite(&self) -> bool {
        if !self.is_symmetric() {
            return false;
        }
        bareiss_symmetric(self.square_rows(), |active, a| {
            let k = active[0];
            (a[k][k].cmp0() == Ordering::Greater).then_some(0)
        })
        .is_some_and(|rest| rest.is_empty())
    }

    /// Positive semidefiniteness of a symmetric matrix: eliminate on any positive
    /// diagonal entry (a congruence, which keeps the inertia); when none is left, the
    /// matrix is PSD iff the remaining Schur complement is zero (a negative diagonal
    /// entry is a negative direction; a nonzero off-diagonal `x` between zero diagonal
    /// entries gives the 2 × 2 minor `−x² < 0`). `false` for asymmetric input.
    pub fn is_positive_semidefinite(&self) -> bool {
        if !self.is_symmetric() {
            return false;
        }
        let rest = bareiss_symmetric(self.square_rows(), |active, a| {
            active
                .iter()
                .position(|&i| a[i][i].cmp0() == Ordering::Greater)
        });
        match rest {
            Some(rest) => rest
                .iter()
                .all(|row| row.iter().all(|x| x.cmp0() == Ordering::Equal)),
            None => false,
        }
    }

    /// The determinant of the numerator matrix (square): `det(self) = det_num / denⁿ`.
    /// Fraction-free elimination with row exchanges.
    pub fn det_num(&self) -> Integer {
        let n = self.rows;
        let mut a = self.square_rows();
        let mut prev = Integer::from(1);
        let mut negate = false;
        for k in 0..n {
            let Some(p) = (k..n).find(|&i| a[i][k].cmp0() != Ordering::Equal) else {
                return Integer::new();
            };
            if p != k {
                a.swap(p, k);
                negate = !negate;
            }
            for i in k + 1..n {
                for j in k + 1..n {
                    let mut t = Integer::from(&a[i][j] * &a[k][k]);
                    t -= Integer::from(&a[i][k] * &a[k][j]);
                    // Sylvester's identity: the division is exact.
                    t.div_exact_mut(&prev);
                    a[i][j] = t;
                }
            }
            prev = a[k][k].clone();
        }
        if n == 0 {
            return Integer::from(1);
        }
        if negate {
            -prev
        } else {
            prev
        }
    }

    /// The trace's numerator (`tr(self) = trace_num / den`).
    pub fn trace_num(&self) -> Integer {
        (0..self.rows.min(self.cols)).fold(Integer::new(), |acc, i| acc + self.num(i, i))
    }

    /// Largest absolute row sum of the numerators (`‖A‖_∞ = that / den`).
    pub fn max_abs_row_sum(&self) -> Integer {
        (0..self.rows)
            .map(|i| {
                (0..self.cols).fold(Integer::new(), |acc, j| acc + self.num(i, j).clone().abs())
            })
            .max()
            .unwrap_or_default()
    }

    /// `‖A‖_p ≤ ρ` for `p = ∞` (`transpose` for `p = 1`), exactly:
    /// `max_i Σ_j |n_ij| · ρ_den ≤ ρ_num · den`.
    pub fn inf_norm_at_most(&self, rho: &Rational) -> bool {
        Integer::from(&self.max_abs_row_sum() * rho.denom())
            <= Integer::from(rho.numer() * &self.den)
    }
}

/// Fraction-free symmetric elimination, pivoting on the diagonal index chosen by `pick`
/// among the active ones (`None`: stop). After eliminating pivots `p₁…p_k` the active
/// block equals `det(M[P, P])` times the Schur complement, with `det(M[P, P]) = prev > 0`,
/// so signs are read directly and each division by `prev` is exact (Sylvester's
/// identity). Returns the remaining active block (empty when every index was
/// eliminated), or `None` if `pick` chose a non-positive pivot.
fn bareiss_symmetric<F>(mut a: Vec<Vec<Integer>>, mut pick: F) -> Option<Vec<Vec<Integer>>>
where
    F: FnMut(&[usize], &[Vec<Integer>]) -> Option<usize>,
{
    let mut active: Vec<usize> = (0..a.len()).collect();
    let mut prev = Integer::from(1);
    while !active.is_empty() {
        let Some(pos) = pick(&active, &a) else { break };
        let p = active.remove(pos);
        let piv = a[p][p].clone();
        if piv.cmp0() != Ordering::Greater {
            return None;
        }
        for (ii, &i) in active.iter().enumerate() {
            for &j in &active[..=ii] {
                let mut t = Integer::from(&a[i][j] * &piv);
                t -= Integer::from(&a[i][p] * &a[j][p]);
                t.div_exact_mut(&prev);
                a[j][i] = t.clone();
                a[i][j] = t;
            }
        }
        prev = piv;
    }
    Some(
        active
            .iter()
            .map(|&i| active.iter().map(|&j| a[i][j].clone()).collect())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: &[&[i64]]) -> Mat {
        let r = rows.len();
        let c = rows.first().map_or(0, |x| x.len());
        Mat::from_integers(
            r,
            c,
            rows.iter()
                .flat_map(|x| x.iter().map(|&v| Integer::from(v)))
                .collect(),
        )
    }

    fn q(rows: &[&[(i64, i64)]]) -> Mat {
        let r = rows.len();
        let c = rows[0].len();
        let e: Vec<Rational> = rows
            .iter()
            .flat_map(|x| x.iter().map(|&v| Rational::from(v)))
            .collect();
        Mat::from_rationals(r, c, &e, &mut Budget::default()).unwrap()
    }

    #[test]
    fn common_denominator_is_the_lcm() {
        let a = q(&[&[(1, 2), (1, 3)], &[(5, 6), (2, 1)]]);
        assert_eq!(*a.den(), 6);
        assert_eq!(a.entry(0, 1), Rational::from((1, 3)));
        assert_eq!(a.entry(1, 1), Rational::from(2));
    }

    #[test]
    fn definiteness_by_hand() {
        // [[4,2],[2,3]]: minors 4, 8 > 0.
        assert!(m(&[&[4, 2], &[2, 3]]).is_positive_definite());
        // [[1,2],[2,1]]: det −3.
        assert!(!m(&[&[1, 2], &[2, 1]]).is_positive_definite());
        assert!(!m(&[&[1, 2], &[2, 1]]).is_positive_semidefinite());
        // [[1,1],[1,1]]: eigenvalues 0, 2.
        assert!(!m(&[&[1, 1], &[1, 1]]).is_positive_definite());
        assert!(m(&[&[1, 1], &[1, 1]]).is_positive_semidefinite());
        // [[0,1],[1,0]]: indefinite with zero diagonal.
        assert!(!m(&[&[0, 1], &[1, 0]]).is_positive_semidefinite());
        // [[0,0],[0,1]]: PSD, needs pivoting past the zero.
        assert!(m(&[&[0, 0], &[0, 1]]).is_positive_semidefinite());
        // Asymmetric: never.
        assert!(!m(&[&[1, 1], &[0, 1]]).is_positive_semidefinite());
        assert!(!m(&[&[1, 1], &[0, 1]]).is_positive_definite());
    }

    #[test]
    fn determinants_by_hand() {
        assert_eq!(m(&[&[0, 2], &[3, 4]]).det_num(), -6);
        // 2·(3·2 − 2·1) − 0 + 1·(1·1 − 3·1) = 8 − 2 = 6.
        assert_eq!(m(&[&[2, 0, 1], &[1, 3, 2], &[1, 1, 2]]).det_num(), 6);
        assert_eq!(m(&[&[1, 2], &[2, 4]]).det_num(), 0);
        // det of (1/2)·I₂ = 1/4 = 1 / 2².
        let h = q(&[&[(1, 2), (0, 1)], &[(0, 1), (1, 2)]]);
        assert_eq!(
            (h.det_num(), h.den().clone()),
            (Integer::from(1), Integer::from(2))
        );
    }

    #[test]
    fn products_and_combinations() {
        let a = q(&[&[(1, 2), (1, 1)], &[(0, 1), (1, 3)]]);
        let p = a.mul(&a);
        // [[1/4, 1/2 + 1/3], [0, 1/9]]
        assert_eq!(p.entry(0, 1), Rational::from((5, 6)));
        assert_eq!(p.entry(1, 1), Rational::from((1, 9)));
        let d = Mat::lin(
            &Rational::from(2),
            &a,
            &Rational::from(-1),
            &Mat::identity(2),
        );
        assert_eq!(d.entry(0, 0), Rational::from(0));
        assert_eq!(d.entry(1, 1), Rational::from((-1, 3)));
        assert_eq!(a.transpose().entry(1, 0), Rational::from(1));
        let qv = q(&[&[(0, 1)], &[(1, 1)]]);
        let s = Mat::row_scale(&qv, &a);
        assert!(s.entry(0, 1) == 0 && s.entry(1, 1) == Rational::from((1, 3)));
        assert!(a.inf_norm_at_most(&Rational::from((3, 2))));
        assert!(!a.inf_norm_at_most(&Rational::from((149, 100))));
    }
}
