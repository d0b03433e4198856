//! Byte decoding shared by the fuzz targets: small rationals and matrices.
#![allow(dead_code)]

use piggyback::{Matrix, MatrixSet};
use rug::Rational;

/// Reads bytes one at a time, yielding zeros once exhausted.
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }
    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
    /// `1..=max`.
    pub fn dim(&mut self, max: usize) -> usize {
        1 + usize::from(self.byte()) % max
    }
    /// `p/q` with `|p| ≤ 4`, `q ∈ {1, 2, 3, 4}`.
    pub fn small(&mut self) -> Rational {
        let b = self.byte();
        let p = i64::from(b % 9) - 4;
        let q = i64::from((b / 9) % 4) + 1;
        Rational::from((p, q))
    }
    pub fn matrix(&mut self, r: usize, c: usize) -> Matrix<Rational> {
        Matrix::from_fn(r, c, |_, _| self.small())
    }
    pub fn set(&mut self, r: usize, c: usize) -> MatrixSet<Rational> {
        let set = match self.byte() % 4 {
            0 => {
                let k = self.dim(3);
                MatrixSet::finite((0..k).map(|_| self.matrix(r, c)).collect())
            }
            1 => {
                let k = self.dim(3);
                MatrixSet::hull((0..k).map(|_| self.matrix(r, c)).collect())
            }
            2 => {
                let a = self.matrix(r, c);
                let b = self.matrix(r, c);
                let lo = Matrix::from_fn(r, c, |i, j| a[(i, j)].clone().min(b[(i, j)].clone()));
                let hi = Matrix::from_fn(r, c, |i, j| a[(i, j)].clone().max(b[(i, j)].clone()));
                MatrixSet::interval_box(lo, hi)
            }
            _ => {
                let (q_lo, q_hi) = (0..r)
                    .map(|_| {
                        let a = self.small();
                        let b = self.small();
                        if a <= b {
                            (a, b)
                        } else {
                            (b, a)
                        }
                    })
                    .unzip();
                let (m, offset) = (self.matrix(r, c), self.matrix(r, c));
                MatrixSet::diag_box(q_lo, q_hi, m, offset)
            }
        };
        set.expect("valid by construction: one shape, rational entries, lo <= hi")
    }
}
