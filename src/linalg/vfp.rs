//! Verified floating point: ordinary f64 computations (any summation order, vectorised,
//! parallel) followed by **rigorous a-priori error bounds**, so that the result is an
//! enclosure `{x : |x − mid| ≤ rad}` of the exact value (Rump's midpoint–radius
//! arithmetic). This is the second checking level for problems too large for exact
//! rationals: products cost one pass over the data plus one more accumulator.
//!
//! # What it trusts
//! - IEEE-754 binary64 arithmetic, **rounded to nearest**, with **gradual underflow**
//!   (no flush-to-zero, no denormals-are-zero). [`check_arithmetic`] tests both at run
//!   time; every public proof built on this module calls it first.
//! - `sqrt` correctly rounded (IEEE-754 requires it).
//! - For decimal data (CSV), Rust's correctly rounded decimal-to-f64 conversion: a
//!   decimal `x` read as `x̃` satisfies `|x − x̃| ≤ u|x̃| + η/2` ([`DataRadius::DECIMAL`]).
//! - `inari` for the scalar interval operations that combine the bounds (a handful per
//!   coordinate, never per design entry).
//!
//! It does **not** trust rounding modes of BLAS or compilers: nothing here changes the
//! rounding mode. Fused multiply–add: rustc never contracts `a * b + c` into an FMA (Rust
//! has no floating-point contraction; with `-C target-cpu=haswell` the loops of this
//! module compile to `vmulpd`/`vaddpd`, checked in the assembly), and the bounds below
//! hold with or without contraction anyway: an FMA rounds once where the model allows
//! two roundings.
//!
//! # The bounds
//! `u = 2⁻⁵³` (unit roundoff), `η = 2⁻¹⁰⁷⁴` (smallest subnormal), `γ_k = ku/(1 − ku)`.
//! 1. **Sums of products** in any order: `|fl(Σ_{i≤m} aᵢbᵢ) − Σ aᵢbᵢ| ≤ γ_m Σ|aᵢbᵢ| + mη`
//!    (each product may underflow by `≤ η/2`; sums in the subnormal range are exact).
//! 2. **Upper bound of a true sum of non-negative terms** `A` from its computed value `Â`:
//!    `|Â − A| ≤ γ_m A + mη` gives `A ≤ (Â + mη)/(1 − γ_m)` ([`abs_sum_upper`]). So one
//!    extra accumulator of absolute values makes bound 1 computable.
//! 3. **Scalar upper bounds** are evaluated with [`up`] after every operation: a
//!    round-to-nearest result is within half an ulp, so the next float up bounds the
//!    exact value from above.
//! 4. **Cholesky** (Higham, *Accuracy and Stability*, Thm. 10.3): if the floating-point
//!    Cholesky factorisation of a symmetric `M` (`k × k`) runs to completion with factor
//!    `L̂`, then `L̂L̂ᵀ = M + ΔM` with `|ΔM| ≤ γ_{k+1}|L̂||L̂ᵀ|` (any inner-product order),
//!    plus underflow terms `≤ k(k+1)η(1 + max l̂ᵢᵢ)` in the 2-norm. As `L̂L̂ᵀ ⪰ 0`,
//!    `λ_min(M) ≥ −‖ΔM‖₂ ≥ −γ_{k+1}‖L̂‖_F² − underflow`. Applied to `M = A − cI` this
//!    proves `λ_min(A) ≥ c − …` (Rump, "Verification of positive definiteness", BIT 46,
//!    2006, uses the same backward error with an a-priori trace bound; here `‖L̂‖_F` is
//!    bounded a posteriori).

// `!(x > t)` is deliberate throughout: it is also true for NaN, which must be refused.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use crate::error::{Error, Result};
use crate::linalg::fast::axpy;
use rayon::prelude::*;

/// Unit roundoff `u = 2⁻⁵³` of binary64 rounded to nearest.
pub const UNIT_ROUNDOFF: f64 = f64::EPSILON / 2.0;
/// Smallest positive subnormal `η = 2⁻¹⁰⁷⁴` (bounds the absolute error of an
/// underflowing product or quotient, `≤ η/2` in round to nearest).
pub const ETA: f64 = 5e-324; // 2⁻¹⁰⁷⁴ exactly (the nearest double to 5e-324)

/// What a verification result trusts, for reports and verdicts.
pub const TRUSTS: &str = "IEEE-754 binary64 round-to-nearest with gradual underflow (checked at run time), correctly rounded sqrt and decimal parsing, inari for scalar interval operations";

/// The smallest float `> x` (`x` for `+∞` and NaN): an upper bound of any real within
/// half an ulp of `x`.
pub fn up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == 0.0 {
        return ETA;
    }
    let b = x.to_bits();
    f64::from_bits(if x > 0.0 { b + 1 } else { b - 1 })
}

/// The largest float `< x` (mirror of [`up`]).
pub fn down(x: f64) -> f64 {
    -up(-x)
}

/// Upper bound of `a + b`.
pub fn add_up(a: f64, b: f64) -> f64 {
    up(a + b)
}

/// Upper bound of `a · b` for `a, b ≥ 0`.
pub fn mul_up(a: f64, b: f64) -> f64 {
    up(a * b)
}

/// Upper bound of `a / b` for `a ≥ 0`, `b > 0`.
pub fn div_up(a: f64, b: f64) -> f64 {
    up(a / b)
}

/// Upper bound of `√a` for `a ≥ 0`.
pub fn sqrt_up(a: f64) -> f64 {
    up(a.sqrt())
}

/// Lower bound of `√a` for `a ≥ 0` (`0` for `a ≤ 0`).
pub fn sqrt_down(a: f64) -> f64 {
    if a > 0.0 {
        down(a.sqrt()).max(0.0)
    } else {
        0.0
    }
}

/// Upper bound of `γ_k = ku/(1 − ku)`; `+∞` when `ku ≥ 1/2` (bounds are then vacuous,
/// never wrong).
pub fn gamma(k: usize) -> f64 {
    let ku = k as f64 * UNIT_ROUNDOFF; // exact for k < 2⁵³ (a power-of-two scaling)
    if !(ku < 0.5) {
        return f64::INFINITY;
    }
    div_up(up(ku), down(1.0 - ku))
}

/// Upper bound of the true sum `A` of `m` non-negative terms (each an exact float or an
/// exact product of two floats) from its floating-point value `Â` (any order):
/// `A ≤ (Â + mη)/(1 − γ_m)`.
pub fn abs_sum_upper(a_hat: f64, m: usize) -> f64 {
    let g = gamma(m);
    if !(g < 1.0) || !(a_hat >= 0.0) {
        return f64::INFINITY;
    }
    div_up(add_up(a_hat, mul_up(m as f64, ETA)), down(1.0 - g))
}

/// Bound on `|fl(Σ aᵢbᵢ) − Σ aᵢbᵢ|` for `m` terms whose computed `Σ|aᵢ||bᵢ|` is `a_hat`.
pub fn dot_error(a_hat: f64, m: usize) -> f64 {
    add_up(
        mul_up(gamma(m), abs_sum_upper(a_hat, m)),
        mul_up(m as f64, ETA),
    )
}

/// Upper bound of `√(Σ vᵢ²)` for non-negative `v` (Euclidean norm of bounds).
pub fn norm2_upper(v: &[f64]) -> f64 {
    let s: f64 = v.iter().map(|x| x * x).sum();
    sqrt_up(abs_sum_upper(s, v.len()))
}

/// Upper bound of `Σ vᵢ` for non-negative `v`.
pub fn sum_upper(v: &[f64]) -> f64 {
    abs_sum_upper(v.iter().sum(), v.len())
}

/// Check the arithmetic this module trusts: round to nearest (not up, down or toward
/// zero) and gradual underflow (no flush-to-zero, no denormals-are-zero).
///
/// Errors: [`Error::CouldNotVerify`] naming the failed property.
pub fn check_arithmetic() -> Result<()> {
    use std::hint::black_box;
    let one = black_box(1.0f64);
    let e = black_box(f64::EPSILON);
    let nearest = one + 0.75 * e == 1.0 + e
        && one + 0.25 * e == 1.0
        && -one - 0.75 * e == -(1.0 + e)
        && -one - 0.25 * e == -1.0;
    if !nearest {
        return Err(Error::CouldNotVerify {
            reason: "the floating-point unit does not round to nearest".into(),
        });
    }
    let tiny = black_box(f64::MIN_POSITIVE);
    let sub = tiny / black_box(4.0);
    let gradual = sub != 0.0 && sub * black_box(4.0) == tiny && black_box(ETA) * 2.0 > 0.0;
    if !gradual {
        return Err(Error::CouldNotVerify {
            reason: "subnormal numbers are flushed to zero (FTZ/DAZ)".into(),
        });
    }
    Ok(())
}

/// How far the exact data may be from the stored floats, entrywise:
/// `|x − x̃| ≤ rel·|x̃| + abs`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DataRadius {
    /// Relative part.
    pub rel: f64,
    /// Absolute part.
    pub abs: f64,
}

impl DataRadius {
    /// The floats are the data (e.g. `.npy` files: binary64 values taken exactly).
    pub const EXACT: DataRadius = DataRadius { rel: 0.0, abs: 0.0 };
    /// The data are decimals rounded to nearest on reading (CSV).
    pub const DECIMAL: DataRadius = DataRadius {
        rel: UNIT_ROUNDOFF,
        abs: ETA,
    };
}

/// A vector enclosure `{x : |xᵢ − midᵢ| ≤ radᵢ}`.
#[derive(Clone, Debug, PartialEq)]
pub struct MidRad {
    /// Midpoints.
    pub mid: Vec<f64>,
    /// Radii (`≥ 0`).
    pub rad: Vec<f64>,
}

impl MidRad {
    /// The exact vector `v` (radius 0).
    pub fn exact(v: &[f64]) -> Self {
        MidRad {
            mid: v.to_vec(),
            rad: vec![0.0; v.len()],
        }
    }
    /// Upper bounds of `|xᵢ|` over the enclosure.
    pub fn abs_upper(&self) -> Vec<f64> {
        self.mid
            .iter()
            .zip(&self.rad)
            .map(|(m, r)| add_up(m.abs(), *r))
            .collect()
    }
    /// Upper bound of `‖x‖₂` over the enclosure.
    pub fn norm2_upper(&self) -> f64 {
        norm2_upper(&self.abs_upper())
    }
    /// `inari` interval of coordinate `i`.
    pub fn interval(&self, i: usize) -> inari::Interval {
        let (lo, hi) = (
            down(self.mid[i] - self.rad[i]),
            up(self.mid[i] + self.rad[i]),
        );
        inari::Interval::try_from((lo, hi)).unwrap_or(inari::Interval::ENTIRE)
    }
    /// Whether every radius is finite.
    pub fn is_finite(&self) -> bool {
        self.mid.iter().chain(&self.rad).all(|v| v.is_finite())
    }
}

fn column(x: &[f64], n: usize, j: usize) -> &[f64] {
    &x[j * n..(j + 1) * n]
}

/// Work above which the passes below run in parallel.
const PARALLEL_WORK: usize = crate::linalg::fast::PARALLEL_WORK;

/// Enclosure of `X_T v` for every exact design within `data` of the column-major `x`
/// (`n` rows, columns `cols`) and every `v` in the enclosure `v` (one pass over `X_T`,
/// parallel over row blocks).
pub fn gemv(x: &[f64], n: usize, cols: &[usize], v: &MidRad, data: DataRadius) -> MidRad {
    let m = cols.len();
    let g = gamma(m.max(1));
    // |out − fl(X̃ vm)| ≤ Σₖ |x̃ᵢₖ| [(γ_m + ν)|vmₖ| + (1 + ν) vrₖ] + mη + ν_abs Σₖ(|vmₖ| + vrₖ).
    let coef_mid = add_up(g, data.rel);
    let coef_rad = add_up(1.0, data.rel);
    let weight: Vec<f64> = v
        .mid
        .iter()
        .zip(&v.rad)
        .map(|(vm, vr)| add_up(mul_up(coef_mid, vm.abs()), mul_up(coef_rad, *vr)))
        .collect();
    let abs_tail = add_up(
        mul_up(m as f64, ETA),
        mul_up(data.abs, sum_upper(&v.abs_upper())),
    );
    let mut mid = vec![0.0; n];
    let mut acc = vec![0.0; n];
    let run = |start: usize, mid: &mut [f64], acc: &mut [f64]| {
        let len = mid.len();
        for (k, &j) in cols.iter().enumerate() {
            let c = &x[j * n + start..j * n + start + len];
            let (vm, wt) = (v.mid[k], weight[k]);
            if vm != 0.0 {
                axpy(vm, c, mid);
            }
            if wt != 0.0 {
                for (a, xi) in acc.iter_mut().zip(c) {
                    *a += wt * xi.abs();
                }
            }
        }
    };
    if n.saturating_mul(m) >= PARALLEL_WORK && n >= 512 {
        let block = n.div_ceil(rayon::current_num_threads().max(1)).max(256);
        mid.par_chunks_mut(block)
            .zip(acc.par_chunks_mut(block))
            .enumerate()
            .for_each(|(b, (mc, ac))| run(b * block, mc, ac));
    } else {
        run(0, &mut mid, &mut acc);
    }
    let rad = acc
        .iter()
        .map(|&a| add_up(abs_sum_upper(a, m), abs_tail))
        .collect();
    MidRad { mid, rad }
}

/// Enclosure of `y − X_T w` for the exact data within `data` of `(x, y)` and the exact
/// floats `w` (coefficients of the columns `cols`).
pub fn residual(
    x: &[f64],
    n: usize,
    cols: &[usize],
    w: &[f64],
    y: &[f64],
    data: DataRadius,
) -> MidRad {
    let xw = gemv(x, n, cols, &MidRad::exact(w), data);
    let mut mid = vec![0.0; n];
    let mut rad = vec![0.0; n];
    for i in 0..n {
        let r = y[i] - xw.mid[i];
        mid[i] = r;
        // Rounding of the subtraction (≤ u|r| + η/2), the datum y (≤ ν|y| + ν_abs), X w.
        let round = add_up(mul_up(UNIT_ROUNDOFF, r.abs()), ETA);
        let datum = add_up(mul_up(data.rel, y[i].abs()), data.abs);
        rad[i] = add_up(add_up(xw.rad[i], round), datum);
    }
    MidRad { mid, rad }
}

/// One pass over the design: enclosures of `X_jᵀ r` for every exact design within
/// `data` and every `r` in the enclosure `r`, for the columns `cols` (all when `None`),
/// with upper bounds of the exact column norms `‖X_j‖₂`. Parallel over columns.
pub fn gemv_t(
    x: &[f64],
    n: usize,
    r: &MidRad,
    cols: Option<&[usize]>,
    data: DataRadius,
) -> (MidRad, Vec<f64>) {
    let g = gamma(n.max(1));
    // |X_trueᵀ r_true − fl(X̃ᵀ rm)| ≤ Σᵢ |x̃ᵢ| [(γ_n + ν)|rmᵢ| + (1 + ν) rrᵢ] + nη
    //                                  + ν_abs Σᵢ(|rmᵢ| + rrᵢ).
    let coef_mid = add_up(g, data.rel);
    let coef_rad = add_up(1.0, data.rel);
    let weight: Vec<f64> = r
        .mid
        .iter()
        .zip(&r.rad)
        .map(|(m, rr)| add_up(mul_up(coef_mid, m.abs()), mul_up(coef_rad, *rr)))
        .collect();
    let abs_tail = add_up(
        mul_up(n as f64, ETA),
        mul_up(data.abs, sum_upper(&r.abs_upper())),
    );
    let sqrt_n = sqrt_up(n as f64);
    let one_col = |j: usize| -> (f64, f64, f64) {
        let (value, werr, sq) = dot3(column(x, n, j), &r.mid, &weight);
        let rad = add_up(abs_sum_upper(werr, n), abs_tail);
        // ‖x_true‖ ≤ (1 + ν)‖x̃‖ + ν_abs √n.
        let norm = add_up(
            mul_up(coef_rad, sqrt_up(abs_sum_upper(sq, n))),
            mul_up(data.abs, sqrt_n),
        );
        (value, rad, norm)
    };
    let idx: Vec<usize> = match cols {
        Some(c) => c.to_vec(),
        None => (0..x.len() / n.max(1)).collect(),
    };
    let out: Vec<(f64, f64, f64)> = if n.saturating_mul(idx.len()) >= PARALLEL_WORK {
        idx.par_iter()
            .with_min_len(64)
            .map(|&j| one_col(j))
            .collect()
    } else {
        idx.iter().map(|&j| one_col(j)).collect()
    };
    let mut mid = Vec::with_capacity(out.len());
    let mut rad = Vec::with_capacity(out.len());
    let mut norms = Vec::with_capacity(out.len());
    for (m, r, c) in out {
        mid.push(m);
        rad.push(r);
        norms.push(c);
    }
    (MidRad { mid, rad }, norms)
}

/// `(Σ xᵢrᵢ, Σ |xᵢ|wᵢ, Σ xᵢ²)` in one sweep (two 4-lane AVX accumulators each; any
/// summation order is covered by the bounds).
#[inline]
fn dot3(x: &[f64], r: &[f64], w: &[f64]) -> (f64, f64, f64) {
    use wide::f64x4;
    const L: usize = 8;
    let load = |v: &[f64]| f64x4::new([v[0], v[1], v[2], v[3]]);
    let n = x.len().min(r.len()).min(w.len());
    let (x, r, w) = (&x[..n], &r[..n], &w[..n]);
    let (mut a, mut b, mut c) = ([f64x4::ZERO; 2], [f64x4::ZERO; 2], [f64x4::ZERO; 2]);
    let (cx, cr, cw) = (x.chunks_exact(L), r.chunks_exact(L), w.chunks_exact(L));
    let (tx, tr, tw) = (cx.remainder(), cr.remainder(), cw.remainder());
    for ((xs, rs), ws) in cx.zip(cr).zip(cw) {
        for h in 0..2 {
            let xv = load(&xs[4 * h..]);
            a[h] += xv * load(&rs[4 * h..]);
            b[h] += xv.abs() * load(&ws[4 * h..]);
            c[h] += xv * xv;
        }
    }
    let (mut sa, mut sb, mut sc) = (
        (a[0] + a[1]).reduce_add(),
        (b[0] + b[1]).reduce_add(),
        (c[0] + c[1]).reduce_add(),
    );
    for ((xi, ri), wi) in tx.iter().zip(tr).zip(tw) {
        sa += xi * ri;
        sb += xi.abs() * wi;
        sc += xi * xi;
    }
    (sa, sb, sc)
}

/// `fl(X_TᵀX_T)` (`k × k`, through the gemm kernel) and an upper bound of
/// `‖X_trueᵀX_true − fl(X̃_TᵀX̃_T)‖_F` over every exact design within `data`.
pub fn gram(
    x: &[f64],
    n: usize,
    cols: &[usize],
    data: DataRadius,
) -> (nalgebra::DMatrix<f64>, f64) {
    let k = cols.len();
    let mut xt = nalgebra::DMatrix::<f64>::zeros(n, k);
    for (c, &j) in cols.iter().enumerate() {
        xt.column_mut(c).copy_from_slice(column(x, n, j));
    }
    let g = xt.transpose() * &xt;
    let sq: f64 = xt.iter().map(|v| v * v).sum();
    let f = abs_sum_upper(sq, n * k); // ≥ ‖X̃_T‖_F²
                                      // Rounding: |Ĝ − X̃ᵀX̃| ≤ γ_n |X̃|ᵀ|X̃| + nη entrywise, and ‖|X̃|ᵀ|X̃|‖_F ≤ ‖X̃‖_F².
    let rounding = add_up(
        mul_up(gamma(n.max(1)), f),
        mul_up(mul_up(k as f64, n as f64), ETA),
    );
    // Data: X = X̃ + E, ‖E‖_F ≤ ν‖X̃‖_F + ν_abs√(nk); ‖XᵀX − X̃ᵀX̃‖_F ≤ 2‖E‖‖X̃‖ + ‖E‖².
    let fro = sqrt_up(f);
    let e = add_up(
        mul_up(data.rel, fro),
        mul_up(data.abs, sqrt_up(mul_up(n as f64, k as f64))),
    );
    let datum = add_up(mul_up(2.0, mul_up(e, fro)), mul_up(e, e));
    (g, add_up(rounding, datum))
}

/// A verified lower bound of `λ_min(A)` for the exact symmetric `A` stored in `a`
/// (only the lower triangle is read): floating-point Cholesky of `A − cI` and the
/// backward-error bound of the module documentation (item 4).
///
/// Errors: [`Error::NotPositiveDefinite`] when the factorisation meets a pivot `≤ 0`
/// (then nothing is proven), [`Error::DimensionMismatch`] for a non-square `a`.
pub fn min_eigenvalue_lower(a: &nalgebra::DMatrix<f64>, shift: f64) -> Result<f64> {
    let k = a.nrows();
    if a.ncols() != k {
        return Err(Error::DimensionMismatch {
            op: "vfp::min_eigenvalue_lower",
            left: a.shape(),
            right: a.shape(),
        });
    }
    if k == 0 {
        return Ok(f64::INFINITY);
    }
    // Row-major lower triangle of L̂ (rows contiguous for the inner products).
    let mut l = vec![0.0f64; k * k];
    let mut max_diag_shift = 0.0f64;
    for i in 0..k {
        for j in 0..=i {
            let mut s = a[(i, j)];
            if i == j {
                s -= shift;
                max_diag_shift = max_diag_shift.max(s.abs());
            }
            let d = crate::linalg::fast::dot(&l[i * k..i * k + j], &l[j * k..j * k + j]);
            let t = s - d;
            if i == j {
                if !(t > 0.0) || !t.is_finite() {
                    return Err(Error::NotPositiveDefinite { pivot: i });
                }
                l[i * k + i] = t.sqrt();
            } else {
                l[i * k + j] = t / l[j * k + j];
            }
        }
    }
    let mut sq = 0.0;
    let mut max_l = 0.0f64;
    for i in 0..k {
        for j in 0..=i {
            sq += l[i * k + j] * l[i * k + j];
        }
        max_l = max_l.max(l[i * k + i]);
    }
    let fro2 = abs_sum_upper(sq, k * (k + 1) / 2);
    let backward = mul_up(gamma(k + 1), fro2);
    let kf = k as f64;
    let underflow = mul_up(mul_up(4.0 * kf, kf + 1.0), mul_up(ETA, add_up(1.0, max_l)));
    // The shifted diagonal fl(aᵢᵢ − c) is off by ≤ u|·| (+η).
    let shift_err = add_up(mul_up(UNIT_ROUNDOFF, max_diag_shift), ETA);
    let total = add_up(add_up(backward, underflow), shift_err);
    if !total.is_finite() {
        return Err(Error::CouldNotVerify {
            reason: "Cholesky backward-error bound overflowed".into(),
        });
    }
    Ok(down(shift - total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rug::Rational;

    fn q(x: f64) -> Rational {
        Rational::from_f64(x).unwrap()
    }

    #[test]
    fn arithmetic_is_what_we_trust() {
        check_arithmetic().unwrap();
    }

    #[test]
    fn up_and_down_bracket() {
        for x in [0.0, -0.0, 1.0, -1.0, 1e-310, -1e-310, f64::MAX, 3.5] {
            assert!(up(x) > x && down(x) < x, "{x}");
        }
        assert_eq!(up(f64::MAX), f64::INFINITY);
        assert!(gamma(10) > 10.0 * UNIT_ROUNDOFF);
        assert_eq!(gamma(1 << 53), f64::INFINITY);
    }

    #[test]
    fn enclosures_contain_exact_products() {
        // Hostile magnitudes: cancellation, subnormals, huge and tiny entries.
        let n = 37;
        let vals = [
            1e300, -1e300, 1.0, 1e-300, 3e-310, -7.0, 0.1, 1e16, -1e16, 2.5,
        ];
        let x: Vec<f64> = (0..n * 3)
            .map(|i| vals[(i * 7) % vals.len()] * 0.5f64.powi((i % 5) as i32))
            .collect();
        let r: Vec<f64> = (0..n)
            .map(|i| vals[(i * 3 + 1) % vals.len()] * 1e-300)
            .collect();
        for data in [DataRadius::EXACT, DataRadius::DECIMAL] {
            let (a, _) = gemv_t(&x, n, &MidRad::exact(&r), None, data);
            for j in 0..3 {
                let mut exact = Rational::new();
                for i in 0..n {
                    exact += q(x[j * n + i]) * q(r[i]);
                }
                let err = (&exact - q(a.mid[j])).abs();
                assert!(
                    err <= q(a.rad[j]),
                    "column {j}: {} > {}",
                    err.to_f64(),
                    a.rad[j]
                );
            }
            let w = [1.5, -2.0, 1e-5];
            let res = residual(&x, n, &[0, 1, 2], &w, &r, data);
            for i in 0..n {
                let mut exact = q(r[i]);
                for (k, wk) in w.iter().enumerate() {
                    exact -= q(x[k * n + i]) * q(*wk);
                }
                let err = (&exact - q(res.mid[i])).abs();
                assert!(err <= q(res.rad[i]), "row {i}");
            }
        }
    }

    #[test]
    fn cholesky_bound_is_below_the_exact_eigenvalue_and_refuses_indefinite() {
        // A = [[2, 1], [1, 2]]: λ_min = 1 exactly.
        let a = nalgebra::DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 1.0, 2.0]);
        let lo = min_eigenvalue_lower(&a, 0.9).unwrap();
        assert!(lo < 1.0 && lo > 0.89, "{lo}");
        // Shift past the eigenvalue: A − 1.1 I is indefinite, the factorisation fails.
        assert!(min_eigenvalue_lower(&a, 1.1).is_err());
        // [[1, 1], [1, 1]] is singular: nothing positive may be claimed.
        let s = nalgebra::DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 1.0]);
        assert!(min_eigenvalue_lower(&s, 1e-300).map_or(true, |v| v <= 0.0));
    }
}
