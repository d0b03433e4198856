//! The cost model: an upper bound on the work and memory of every exact step, computed
//! from sizes alone, so a check can refuse an oversized input before doing any of it.
//!
//! # Model
//! Every matrix of the kernel is an integer matrix over one positive common
//! denominator (see [`crate::matrix::Mat`]). Its [`Size`] is its shape, the largest
//! bit length `ν` of a numerator and the bit length `δ` of the denominator. Exact
//! rational work grows with bit sizes, so the unit of work is one limb product (a
//! limb is 64 bits), plus a fixed overhead [`OP`] per big-number operation:
//!
//! * product of integers of `a` and `b` bits: `limbs(a)·limbs(b) + OP`
//!   (schoolbook; GMP is never slower than this up to a constant);
//! * `C = A·B` (`r × k` times `k × c`): `r·k·c` such products; the result has
//!   `ν ≤ ν_A + ν_B + ⌈log₂ k⌉`, `δ = δ_A + δ_B`;
//! * `αX + βY`: `2·r·c` products; `ν ≤ max(ν_α + δ_β + ν_X + δ_Y, ν_β + δ_α + ν_Y + δ_X) + 1`;
//! * fraction-free (Bareiss) elimination of an `n × n` integer matrix with entries of
//!   `β` bits: every intermediate entry is a `(k+1) × (k+1)` minor, of at most
//!   `b_k = (k+1)(β + ½log₂(k+1)) + 1` bits (Hadamard's bound), and step `k` updates
//!   `(n−k−1)²` entries with two products, a subtraction and an exact division:
//!   `Σ_k (n−k−1)² (3·limbs(2b_k)·limbs(b_k) + 4·OP)`.
//!
//! Memory is bounded separately: the largest single object (in limbs) must fit the
//! budget's memory limit ([`crate::budget::Budget::check_memory`]).
//!
//! A [`Plan`] replays a check on sizes only, summing these costs; the check charges the
//! total to its [`Budget`] before starting, so an input over budget is refused after
//! parsing and a few size computations — well under a second.

use crate::budget::{Budget, OverBudget};

/// Fixed overhead of one big-number operation, in work units.
pub const OP: u128 = 24;

/// 64-bit limbs needed for `bits` bits (at least 1).
pub fn limbs(bits: u64) -> u128 {
    u128::from(bits / 64 + 1)
}

/// Cost of one product of integers of `a` and `b` bits.
pub fn mul_cost(a: u64, b: u64) -> u128 {
    limbs(a).saturating_mul(limbs(b)).saturating_add(OP)
}

/// `⌈log₂ k⌉` (0 for k ≤ 1).
pub fn clog2(k: usize) -> u64 {
    if k <= 1 {
        0
    } else {
        u64::from(usize::BITS - (k - 1).leading_zeros())
    }
}

/// Shape and bit sizes of an integer matrix over a common denominator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Largest bit length of a numerator (`ν`).
    pub num_bits: u64,
    /// Bit length of the common denominator (`δ`).
    pub den_bits: u64,
}

impl Size {
    /// Entries of the matrix.
    pub fn entries(&self) -> u128 {
        (self.rows as u128).saturating_mul(self.cols as u128)
    }
    /// Limbs the matrix occupies (numerators; the denominator is one number).
    pub fn limbs(&self) -> u128 {
        self.entries().saturating_mul(limbs(self.num_bits))
    }
    /// Bits of any entry written as a fraction (numerator plus denominator).
    pub fn entry_bits(&self) -> u64 {
        self.num_bits.saturating_add(self.den_bits)
    }
}

/// Bits of the numerator and denominator of a rational scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalarBits {
    /// Numerator bits.
    pub num: u64,
    /// Denominator bits.
    pub den: u64,
}

impl ScalarBits {
    /// The sizes of `q`.
    pub fn of(q: &rug::Rational) -> Self {
        ScalarBits {
            num: crate::number::bits(q.numer()),
            den: crate::number::bits(q.denom()),
        }
    }
    /// The sizes of an integer constant such as 1.
    pub fn int(bits: u64) -> Self {
        ScalarBits { num: bits, den: 1 }
    }
    /// Sizes of a product of the two.
    pub fn times(self, o: ScalarBits) -> Self {
        ScalarBits {
            num: self.num.saturating_add(o.num),
            den: self.den.saturating_add(o.den),
        }
    }
    /// Sizes of `self^k`.
    pub fn pow(self, k: u64) -> Self {
        ScalarBits {
            num: self.num.saturating_mul(k),
            den: self.den.saturating_mul(k),
        }
    }
}

/// A running sum of the cost of a check, computed on sizes only.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Total work units.
    pub work: u128,
    /// Largest single object, in limbs.
    pub peak: u128,
}

impl Plan {
    /// An empty plan.
    pub fn new() -> Self {
        Plan::default()
    }

    fn add(&mut self, work: u128, object_limbs: u128) {
        self.work = self.work.saturating_add(work);
        self.peak = self.peak.max(object_limbs);
    }

    /// Add `work` units for an unstructured step.
    pub fn work(&mut self, work: u128) {
        self.add(work, 0);
    }

    /// `A·B`.
    pub fn mul(&mut self, a: Size, b: Size) -> Size {
        let out = Size {
            rows: a.rows,
            cols: b.cols,
            num_bits: a
                .num_bits
                .saturating_add(b.num_bits)
                .saturating_add(clog2(a.cols)),
            den_bits: a.den_bits.saturating_add(b.den_bits),
        };
        let n = (a.rows as u128)
            .saturating_mul(a.cols as u128)
            .saturating_mul(b.cols as u128);
        self.add(
            n.saturating_mul(mul_cost(a.num_bits, b.num_bits)),
            out.limbs(),
        );
        out
    }

    /// `αX + βY` (same shapes).
    pub fn lin(&mut self, alpha: ScalarBits, x: Size, beta: ScalarBits, y: Size) -> Size {
        let left = alpha.num + beta.den + x.num_bits + y.den_bits;
        let right = beta.num + alpha.den + y.num_bits + x.den_bits;
        let out = Size {
            rows: x.rows,
            cols: x.cols,
            num_bits: left.max(right).saturating_add(1),
            den_bits: alpha.den + beta.den + x.den_bits + y.den_bits,
        };
        let per = mul_cost(x.num_bits, alpha.num + beta.den + y.den_bits)
            .saturating_add(mul_cost(y.num_bits, beta.num + alpha.den + x.den_bits));
        self.add(x.entries().saturating_mul(per), out.limbs());
        out
    }

    /// Row scaling `diag(q)·M` with `q` an `n × 1` matrix.
    pub fn row_scale(&mut self, q: Size, m: Size) -> Size {
        let out = Size {
            rows: m.rows,
            cols: m.cols,
            num_bits: q.num_bits.saturating_add(m.num_bits),
            den_bits: q.den_bits.saturating_add(m.den_bits),
        };
        self.add(
            m.entries().saturating_mul(mul_cost(q.num_bits, m.num_bits)),
            out.limbs(),
        );
        out
    }

    /// Fraction-free elimination (determinant, definiteness) of an `n × n` integer
    /// matrix whose entries have at most `beta` bits.
    pub fn bareiss(&mut self, n: usize, beta: u64) {
        let half_log = clog2(n) / 2 + 1;
        let minor_bits = |k: usize| (k as u64 + 1).saturating_mul(beta.saturating_add(half_log));
        let mut work: u128 = 0;
        for k in 0..n {
            let bk = minor_bits(k);
            let rest = (n - k - 1) as u128;
            let per = limbs(bk.saturating_mul(2))
                .saturating_mul(limbs(bk))
                .saturating_mul(3)
                .saturating_add(4 * OP);
            work = work.saturating_add(rest.saturating_mul(rest).saturating_mul(per));
        }
        let square = (n as u128).saturating_mul(n as u128);
        self.add(work, square.saturating_mul(limbs(minor_bits(n))));
    }

    /// `n` scalar operations on numbers of at most `bits` bits.
    pub fn scalar_ops(&mut self, n: u128, bits: u64) {
        self.add(n.saturating_mul(mul_cost(bits, bits)), limbs(bits));
    }

    /// Charge the plan to `budget` for the step `what`: refuses (spending nothing) if
    /// the work or the largest object exceeds the budget's limits.
    pub fn charge(&self, budget: &mut Budget, what: &str) -> Result<(), OverBudget> {
        budget.check_memory(what, self.peak)?;
        budget.charge(what, self.work)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_and_limbs() {
        assert_eq!(
            (clog2(0), clog2(1), clog2(2), clog2(3), clog2(4)),
            (0, 0, 1, 2, 2)
        );
        assert_eq!(clog2(1025), 11);
        assert_eq!((limbs(0), limbs(63), limbs(64)), (1, 1, 2));
    }

    #[test]
    fn sizes_of_a_product_add_up() {
        let a = Size {
            rows: 3,
            cols: 4,
            num_bits: 10,
            den_bits: 5,
        };
        let mut p = Plan::new();
        let c = p.mul(
            a,
            Size {
                rows: 4,
                cols: 2,
                ..a
            },
        );
        assert_eq!((c.rows, c.cols, c.num_bits, c.den_bits), (3, 2, 22, 10));
        assert_eq!(p.work, 24 * mul_cost(10, 10));
    }

    #[test]
    fn huge_sizes_saturate_instead_of_overflowing() {
        let mut p = Plan::new();
        p.bareiss(2_000, u64::MAX / 4);
        assert_eq!(p.work, u128::MAX);
    }
}
