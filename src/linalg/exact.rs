//! Fast exact products for rational matrices: integer kernels with one
//! canonicalisation per output entry.
//!
//! The generic [`Matrix::matmul`] reduces a fraction (a gcd) after every addition.
//! Here row `i` of `A` is scaled by the lcm `dᵢ` of its denominators and column `j` of
//! `B` by the lcm `eⱼ` of its denominators, the integer product is formed exactly, and
//! `Cᵢⱼ = (Ã B̃)ᵢⱼ / (dᵢ eⱼ)` is reduced once. The result is identical to the generic
//! product (exact arithmetic), typically several times faster for n ≳ 20.

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::Exact;
use rug::{Assign, Integer, Rational};

/// `A·B` exactly, through integer arithmetic (see the module documentation).
pub fn matmul_exact<S: Exact>(a: &Matrix<S>, b: &Matrix<S>) -> Result<Matrix<S>> {
    if a.cols() != b.rows() {
        return Err(Error::DimensionMismatch {
            op: "matmul_exact",
            left: a.shape(),
            right: b.shape(),
        });
    }
    let (n, k, m) = (a.rows(), a.cols(), b.cols());
    let aq: Vec<Rational> = a.as_slice().iter().map(|x| x.to_rational()).collect();
    let bq: Vec<Rational> = b.as_slice().iter().map(|x| x.to_rational()).collect();
    // Row scalings of A (column-major: entry (i, l) at i + l·n).
    let d: Vec<Integer> = (0..n)
        .map(|i| (0..k).fold(Integer::from(1), |acc, l| acc.lcm(aq[i + l * n].denom())))
        .collect();
    let e: Vec<Integer> = (0..m)
        .map(|j| (0..k).fold(Integer::from(1), |acc, l| acc.lcm(bq[l + j * k].denom())))
        .collect();
    // Ã stored row-major, B̃ column-major, so both inner loops run over contiguous memory.
    let at: Vec<Integer> = (0..n)
        .flat_map(|i| {
            let (aq, d) = (&aq, &d);
            (0..k).map(move |l| {
                let x = &aq[i + l * n];
                x.numer() * Integer::from(&d[i] / x.denom())
            })
        })
        .collect();
    let bt: Vec<Integer> = (0..m)
        .flat_map(|j| {
            let (bq, e) = (&bq, &e);
            (0..k).map(move |l| {
                let x = &bq[l + j * k];
                x.numer() * Integer::from(&e[j] / x.denom())
            })
        })
        .collect();
    let mut acc = Integer::new();
    let mut out = Vec::with_capacity(n * m);
    for j in 0..m {
        let bcol = &bt[j * k..(j + 1) * k];
        for i in 0..n {
            let arow = &at[i * k..(i + 1) * k];
            acc.assign(0);
            for (x, y) in arow.iter().zip(bcol) {
                if x.cmp0() != std::cmp::Ordering::Equal && y.cmp0() != std::cmp::Ordering::Equal {
                    acc += x * y;
                }
            }
            let den = Integer::from(&d[i] * &e[j]);
            out.push(S::from_rational(&Rational::from((acc.clone(), den))));
        }
    }
    Matrix::from_col_major(n, m, out)
}

/// `AᵀA` exactly (the Gram matrix), through [`matmul_exact`].
pub fn gram_exact<S: Exact>(a: &Matrix<S>) -> Result<Matrix<S>> {
    matmul_exact(&a.transpose(), a)
}
