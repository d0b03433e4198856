//! A ReLU fixed-point layer (deep-equilibrium style): `F(x, θ) = relu(W x + U θ + b)`.
//!
//! **Jacobian.** With `s = Wx + Uθ + b` and `q_i ∈ ∂relu(s_i)` (1 if `s_i > 0`, 0 if
//! `s_i < 0`, `[0, 1]` at a tie): `[A, B] = diag(q)[W, U]`; the whole conservative
//! Jacobian is the [`MatrixSet::DiagBox`] `{diag(q)[W, U]}`.
//!
//! **AD convention**: `relu'(0) = 0` (PyTorch, JAX). The layer is a contraction when
//! `‖W‖ < 1` in some norm (not enforced: certify it with the crate's certificates).

use super::util::{mat_tr_vec_into, mat_vec_into};
use super::{FixedPointMap, Linearization};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use crate::scalar::Scalar;
use crate::selection::{compare, unit_hull, Side, Tolerance};
use std::cell::RefCell;

/// The ReLU layer `x ↦ relu(Wx + Uθ + b)`.
#[derive(Clone, Debug)]
pub struct ReluLayer<S> {
    w: Matrix<S>,
    u: Matrix<S>,
    b: Vec<S>,
    tol: Tolerance,
}

impl<S: Scalar> ReluLayer<S> {
    /// The layer with weights `W` (`n × n`), `U` (`n × m`) and bias `b` (`n`).
    pub fn new(w: Matrix<S>, u: Matrix<S>, b: Vec<S>) -> Result<Self> {
        let n = w.rows();
        if !w.is_square() || u.rows() != n || b.len() != n {
            return Err(Error::DimensionMismatch {
                op: "ReluLayer (W, U, b)",
                left: w.shape(),
                right: (u.rows(), b.len()),
            });
        }
        w.check_finite("ReluLayer W")?;
        u.check_finite("ReluLayer U")?;
        if !b.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFinite {
                context: "ReluLayer b".into(),
            });
        }
        Ok(ReluLayer {
            w,
            u,
            b,
            tol: Tolerance::default_for::<S>(),
        })
    }
    /// Replace the tie tolerance.
    pub fn with_tolerance(mut self, tol: Tolerance) -> Self {
        self.tol = tol;
        self
    }
    /// `W`.
    pub fn w(&self) -> &Matrix<S> {
        &self.w
    }
    /// `U`.
    pub fn u(&self) -> &Matrix<S> {
        &self.u
    }
    fn pre(&self, x: &[S], theta: &[S]) -> Result<Vec<S>> {
        self.check_input(x, theta)?;
        let wx = self.w.mul_vec(x)?;
        let ut = self.u.mul_vec(theta)?;
        Ok(wx
            .iter()
            .zip(&ut)
            .zip(&self.b)
            .map(|((a, c), d)| a.add(c).add(d))
            .collect())
    }
}

impl<S: Scalar> FixedPointMap<S> for ReluLayer<S> {
    fn dims(&self) -> (usize, usize) {
        (self.w.rows(), self.u.cols())
    }
    fn apply(&self, x: &[S], theta: &[S]) -> Result<Vec<S>> {
        Ok(self
            .pre(x, theta)?
            .iter()
            .map(|s| s.max(&S::zero()))
            .collect())
    }
    fn linearize(&self, x: &[S], theta: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        let s = self.pre(x, theta)?;
        let mut smooth = true;
        let q = s
            .iter()
            .map(|si| {
                if compare(si, &S::zero(), &self.tol) == Side::Tie {
                    smooth = false;
                }
                match si.sign() {
                    Some(std::cmp::Ordering::Greater) => S::one(),
                    Some(_) => S::zero(),
                    // Undecided only for intervals (invariant: inputs are finite), where unit_hull is Some.
                    None => unit_hull().unwrap_or_else(S::zero),
                }
            })
            .collect();
        let n = self.w.rows();
        Ok(Box::new(ReluLinearization {
            layer: self,
            q,
            smooth,
            buf: RefCell::new(vec![S::zero(); n]),
        }))
    }
    /// `{diag(q)W : q ∈ [0, 1]ⁿ}`: relu' lies in `[0, 1]` everywhere.
    fn state_jacobian_family(&self, theta: &[S]) -> Result<MatrixSet<S>> {
        let n = self.w.rows();
        self.check_input(&vec![S::zero(); n], theta)?;
        Ok(MatrixSet::DiagBox {
            q_lo: vec![S::zero(); n],
            q_hi: vec![S::one(); n],
            m: self.w.clone(),
            offset: Matrix::zeros(n, n),
        })
    }

    fn conservative_jacobian(&self, x: &[S], theta: &[S]) -> Result<MatrixSet<S>> {
        let s = self.pre(x, theta)?;
        let (mut q_lo, mut q_hi) = (Vec::with_capacity(s.len()), Vec::with_capacity(s.len()));
        for si in &s {
            let (lo, hi) = match compare(si, &S::zero(), &self.tol) {
                Side::Above => (S::one(), S::one()),
                Side::Below => (S::zero(), S::zero()),
                Side::Tie => (S::zero(), S::one()),
            };
            q_lo.push(lo);
            q_hi.push(hi);
        }
        let m = self.w.hstack(&self.u)?;
        let offset = Matrix::zeros(m.rows(), m.cols());
        Ok(MatrixSet::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        })
    }
}

struct ReluLinearization<'a, S> {
    layer: &'a ReluLayer<S>,
    q: Vec<S>,
    smooth: bool,
    buf: RefCell<Vec<S>>,
}

impl<S: Scalar> Linearization<S> for ReluLinearization<'_, S> {
    fn dims(&self) -> (usize, usize) {
        self.layer.dims()
    }
    fn a_mul_into(&self, v: &[S], out: &mut [S]) {
        mat_vec_into(&self.layer.w, v, out);
        out.iter_mut().zip(&self.q).for_each(|(o, q)| *o = o.mul(q));
    }
    fn at_mul_into(&self, w: &[S], out: &mut [S]) {
        let mut t = self.buf.borrow_mut();
        t.iter_mut()
            .zip(w)
            .zip(&self.q)
            .for_each(|((ti, wi), q)| *ti = wi.mul(q));
        mat_tr_vec_into(&self.layer.w, &t, out);
    }
    fn b_mul_into(&self, v: &[S], out: &mut [S]) {
        mat_vec_into(&self.layer.u, v, out);
        out.iter_mut().zip(&self.q).for_each(|(o, q)| *o = o.mul(q));
    }
    fn bt_mul_into(&self, w: &[S], out: &mut [S]) {
        let mut t = self.buf.borrow_mut();
        t.iter_mut()
            .zip(w)
            .zip(&self.q)
            .for_each(|((ti, wi), q)| *ti = wi.mul(q));
        mat_tr_vec_into(&self.layer.u, &t, out);
    }
    fn is_smooth_point(&self) -> bool {
        self.smooth
    }
}
