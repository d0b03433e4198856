//! The log-parametrisation wrapper: users tune `η = log λ`, so
//! `F̃(x, η) = F(x, exp η)` and, by the chain rule, `[Ã, B̃] = [A, B diag(exp η)]`
//! (`exp` is smooth, so the conservative Jacobian is the inner one with its `θ`
//! columns scaled). Needs `exp`: `S: Transcendental` (f64 and intervals).

use super::{FixedPointMap, Linearization};
use crate::error::Result;
use crate::linalg::Matrix;
use crate::matset::{MatrixSet, MatrixSetView};
use crate::scalar::Transcendental;

/// `F(x, exp η)` for an inner map `F(x, θ)` (every parameter log-transformed).
#[derive(Clone, Debug)]
pub struct LogParams<M> {
    inner: M,
}

impl<M> LogParams<M> {
    /// Wrap `inner`.
    pub fn new(inner: M) -> Self {
        LogParams { inner }
    }
    /// The inner map.
    pub fn inner(&self) -> &M {
        &self.inner
    }
}

fn exp_all<S: Transcendental>(eta: &[S]) -> Vec<S> {
    eta.iter().map(|e| e.exp()).collect()
}

/// Scale columns `n..n+m` of `mat` by `e`.
fn scale_theta_cols<S: Transcendental>(mat: &Matrix<S>, n: usize, e: &[S]) -> Matrix<S> {
    Matrix::from_fn(mat.rows(), mat.cols(), |i, j| {
        if j < n {
            mat[(i, j)].clone()
        } else {
            mat[(i, j)].mul(&e[j - n])
        }
    })
}

impl<S: Transcendental, M: FixedPointMap<S>> FixedPointMap<S> for LogParams<M> {
    fn dims(&self) -> (usize, usize) {
        self.inner.dims()
    }
    fn apply(&self, x: &[S], eta: &[S]) -> Result<Vec<S>> {
        self.check_input(x, eta)?;
        self.inner.apply(x, &exp_all(eta))
    }
    fn linearize(&self, x: &[S], eta: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        self.check_input(x, eta)?;
        let e = exp_all(eta);
        let inner = self.inner.linearize(x, &e)?;
        let m = e.len();
        Ok(Box::new(LogLinearization {
            inner,
            e,
            buf: vec![S::zero(); m],
        }))
    }
    /// The inner set with the `θ` columns scaled by `exp η` (every variant: a
    /// right-multiplication by the positive diagonal `blockdiag(I, diag(exp η))`
    /// commutes with hulls, boxes and row scalings).
    fn conservative_jacobian(&self, x: &[S], eta: &[S]) -> Result<MatrixSet<S>> {
        self.check_input(x, eta)?;
        let e = exp_all(eta);
        let n = x.len();
        Ok(match self.inner.conservative_jacobian(x, &e)?.view() {
            MatrixSetView::Finite(vs) => {
                MatrixSet::finite(vs.iter().map(|v| scale_theta_cols(v, n, &e)).collect())?
            }
            MatrixSetView::Hull(vs) => {
                MatrixSet::hull(vs.iter().map(|v| scale_theta_cols(v, n, &e)).collect())?
            }
            MatrixSetView::Box { lo, hi } => {
                MatrixSet::interval_box(scale_theta_cols(lo, n, &e), scale_theta_cols(hi, n, &e))?
            }
            MatrixSetView::DiagBox {
                q_lo,
                q_hi,
                m,
                offset,
            } => MatrixSet::diag_box(
                q_lo.to_vec(),
                q_hi.to_vec(),
                scale_theta_cols(m, n, &e),
                scale_theta_cols(offset, n, &e),
            )?,
        })
    }
}

/// The inner linearization with its `θ` columns scaled by `e = exp η`.
struct LogLinearization<'a, S> {
    inner: Box<dyn Linearization<S> + 'a>,
    e: Vec<S>,
    buf: Vec<S>,
}

impl<S: Transcendental> Linearization<S> for LogLinearization<'_, S> {
    fn dims(&self) -> (usize, usize) {
        self.inner.dims()
    }
    /// Moves in place when the inner linearization does (`e = exp η` is recomputed in
    /// its own buffer).
    fn relinearize_impl(&mut self, x: &[S], eta: &[S], fx: Option<&mut [S]>) -> Result<bool> {
        for (ei, etai) in self.e.iter_mut().zip(eta) {
            *ei = etai.exp();
        }
        self.inner.relinearize_impl(x, &self.e, fx)
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        self.inner.a_mul_impl(v, out);
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        self.inner.at_mul_impl(w, out);
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        self.buf
            .iter_mut()
            .zip(v)
            .zip(&self.e)
            .for_each(|((ti, vi), ei)| *ti = vi.mul(ei));
        self.inner.b_mul_impl(&self.buf, out);
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        self.inner.bt_mul_impl(w, out);
        out.iter_mut()
            .zip(&self.e)
            .for_each(|(o, ei)| *o = o.mul(ei));
    }
    fn is_smooth_point(&self) -> bool {
        self.inner.is_smooth_point()
    }
}
