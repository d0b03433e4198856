//! f64 vector kernels for the production path: dot products, `axpy`, and the product
//! `Xᵀr` of a column-major design with a vector (one pass over the design, split over
//! threads when it is large enough to pay).
//!
//! These are estimates (round-to-nearest f64 with whatever summation order vectorises
//! best). The same loops with rigorous error bounds live in
//! [`crate::linalg::vfp`].

use rayon::prelude::*;
use wide::f64x4;

/// Four 4-lane accumulators (16 independent sums): enough independent chains to hide
/// the latency of the floating-point adder; `wide` maps them to AVX registers.
const LANES: usize = 16;

#[inline(always)]
fn load4(x: &[f64]) -> f64x4 {
    f64x4::new([x[0], x[1], x[2], x[3]])
}

/// `Σ aᵢbᵢ` over the common length, with 16 independent accumulators (AVX `vmulpd` /
/// `vaddpd`; no reliance on reassociation by the compiler).
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [f64x4::ZERO; 4];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for (l, acc_l) in acc.iter_mut().enumerate() {
            *acc_l += load4(&x[4 * l..]) * load4(&y[4 * l..]);
        }
    }
    let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])).reduce_add();
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// `y += c x` over the common length.
#[inline]
pub fn axpy(c: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += c * xi;
    }
}

/// Work (in multiply–adds) above which [`gemv_t_cols`] splits the columns over threads.
pub const PARALLEL_WORK: usize = 1 << 18;

/// `out[k] = X_{cols[k]}ᵀ r` for a column-major `X` with `n` rows (`cols = None`: every
/// column, `out[j] = X_jᵀ r`). Parallel over columns when `n·|cols|` exceeds
/// [`PARALLEL_WORK`].
pub fn gemv_t_cols(x: &[f64], n: usize, r: &[f64], cols: Option<&[usize]>, out: &mut [f64]) {
    let col = |j: usize| &x[j * n..(j + 1) * n];
    let work = n.saturating_mul(out.len());
    match cols {
        None => {
            if work >= PARALLEL_WORK {
                out.par_iter_mut()
                    .enumerate()
                    .with_min_len(64)
                    .for_each(|(j, o)| *o = dot(col(j), r));
            } else {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = dot(col(j), r);
                }
            }
        }
        Some(cols) => {
            if work >= PARALLEL_WORK {
                out.par_iter_mut()
                    .zip(cols.par_iter())
                    .with_min_len(64)
                    .for_each(|(o, &j)| *o = dot(col(j), r));
            } else {
                for (o, &j) in out.iter_mut().zip(cols) {
                    *o = dot(col(j), r);
                }
            }
        }
    }
}

/// `out = Σ_k v[k] X_{cols[k]}` (length `n`) for a column-major `X` with `n` rows;
/// parallel over blocks of rows when `n·|cols|` exceeds [`PARALLEL_WORK`].
pub fn gemv_cols(x: &[f64], n: usize, cols: &[usize], v: &[f64], out: &mut [f64]) {
    let run = |start: usize, block: &mut [f64]| {
        block.iter_mut().for_each(|o| *o = 0.0);
        let len = block.len();
        for (&j, &c) in cols.iter().zip(v) {
            if c != 0.0 {
                axpy(c, &x[j * n + start..j * n + start + len], block);
            }
        }
    };
    if n.saturating_mul(cols.len()) >= PARALLEL_WORK && n >= 512 {
        let block = n.div_ceil(rayon::current_num_threads().max(1)).max(256);
        out[..n]
            .par_chunks_mut(block)
            .enumerate()
            .for_each(|(b, chunk)| run(b * block, chunk));
    } else {
        run(0, &mut out[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_exact_integer_sums() {
        // Integer data: every partial sum is exact, so any order gives the same number.
        for n in [0usize, 1, 15, 16, 17, 33, 100] {
            let a: Vec<f64> = (0..n).map(|i| (i as f64) - 7.0).collect();
            let b: Vec<f64> = (0..n).map(|i| ((3 * i) % 11) as f64).collect();
            let exact: i64 = (0..n as i64).map(|i| (i - 7) * ((3 * i) % 11)).sum();
            assert_eq!(dot(&a, &b), exact as f64);
        }
    }

    #[test]
    fn gemv_t_serial_and_parallel_agree_with_dot() {
        let n = 300;
        let p = 1000; // n·p above PARALLEL_WORK
        let x: Vec<f64> = (0..n * p).map(|i| ((i * 37) % 19) as f64 - 9.0).collect();
        let r: Vec<f64> = (0..n).map(|i| (i % 5) as f64).collect();
        let mut all = vec![0.0; p];
        gemv_t_cols(&x, n, &r, None, &mut all);
        let cols: Vec<usize> = (0..p).rev().step_by(3).collect();
        let mut some = vec![0.0; cols.len()];
        gemv_t_cols(&x, n, &r, Some(&cols), &mut some);
        for (k, &j) in cols.iter().enumerate() {
            let want = dot(&x[j * n..(j + 1) * n], &r);
            assert_eq!(all[j], want);
            assert_eq!(some[k], want);
        }
        // X_T v with integer data is exact in any order: compare with a plain loop.
        let v: Vec<f64> = cols.iter().map(|&j| (j % 4) as f64 - 1.5).collect();
        let mut got = vec![0.0; n];
        gemv_cols(&x, n, &cols, &v, &mut got);
        for i in 0..n {
            let want: f64 = cols.iter().zip(&v).map(|(&j, c)| c * x[j * n + i]).sum();
            assert_eq!(got[i], want);
        }
    }
}
