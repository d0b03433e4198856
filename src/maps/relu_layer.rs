//! A ReLU fixed-point layer (deep-equilibrium style): `F(x, θ) = relu(W x + U θ + b)`.
//!
//! **Jacobian.** With `s = Wx + Uθ + b` and `q_i ∈ ∂relu(s_i)` (1 if `s_i > 0`, 0 if
//! `s_i < 0`, `[0, 1]` at a tie): `[A, B] = diag(q)[W, U]`; the whole conservative
//! Jacobian is the [`MatrixSetView::DiagBox`](crate::MatrixSetView::DiagBox) `{diag(q)[W, U]}`.
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
        let mut s = vec![S::zero(); self.b.len()];
        let mut tmp = vec![S::zero(); self.b.len()];
        self.pre_into(x, theta, &mut s, &mut tmp);
        Ok(s)
    }

    /// `s = W x + U θ + b` into `s` (`tmp`: scratch of the same length).
    fn pre_into(&self, x: &[S], theta: &[S], s: &mut [S], tmp: &mut [S]) {
        mat_vec_into(&self.w, x, s);
        mat_vec_into(&self.u, theta, tmp);
        for ((si, ti), bi) in s.iter_mut().zip(tmp.iter()).zip(&self.b) {
            *si = si.add(ti).add(bi);
        }
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
        self.check_input(x, theta)?;
        let n = self.w.rows();
        let mut lin = ReluLinearization {
            layer: self,
            q: vec![S::zero(); n],
            smooth: true,
            s: vec![S::zero(); n],
            buf: vec![S::zero(); n],
        };
        lin.relinearize_impl(x, theta, None)?;
        Ok(Box::new(lin))
    }
    /// `{diag(q)W : q ∈ [0, 1]ⁿ}`: relu' lies in `[0, 1]` everywhere.
    fn state_jacobian_family(&self, theta: &[S]) -> Result<MatrixSet<S>> {
        let n = self.w.rows();
        self.check_input(&vec![S::zero(); n], theta)?;
        MatrixSet::diag_box(
            vec![S::zero(); n],
            vec![S::one(); n],
            self.w.clone(),
            Matrix::zeros(n, n),
        )
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
        MatrixSet::diag_box(q_lo, q_hi, m, offset)
    }
}

/// `[A, B] = diag(q)[W, U]` at one point, with its scratch.
struct ReluLinearization<'a, S> {
    layer: &'a ReluLayer<S>,
    q: Vec<S>,
    smooth: bool,
    /// The pre-activation `s` during a move.
    s: Vec<S>,
    buf: Vec<S>,
}

impl<S: Scalar> Linearization<S> for ReluLinearization<'_, S> {
    fn dims(&self) -> (usize, usize) {
        self.layer.dims()
    }
    /// One pre-activation `s = Wx + Uθ + b` gives `F = relu(s)` and `q = relu'(s)`.
    fn relinearize_impl(&mut self, x: &[S], theta: &[S], mut fx: Option<&mut [S]>) -> Result<bool> {
        self.layer.pre_into(x, theta, &mut self.s, &mut self.buf);
        let mut smooth = true;
        for (i, si) in self.s.iter().enumerate() {
            if compare(si, &S::zero(), &self.layer.tol) == Side::Tie {
                smooth = false;
            }
            self.q[i] = match si.sign() {
                Some(std::cmp::Ordering::Greater) => S::one(),
                Some(_) => S::zero(),
                // Undecided only for intervals (invariant: inputs are finite), where unit_hull is Some.
                None => unit_hull().unwrap_or_else(S::zero),
            };
            if let Some(f) = fx.as_deref_mut() {
                f[i] = si.max(&S::zero());
            }
        }
        self.smooth = smooth;
        Ok(true)
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        mat_vec_into(&self.layer.w, v, out);
        out.iter_mut().zip(&self.q).for_each(|(o, q)| *o = o.mul(q));
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        self.buf
            .iter_mut()
            .zip(w)
            .zip(&self.q)
            .for_each(|((ti, wi), q)| *ti = wi.mul(q));
        mat_tr_vec_into(&self.layer.w, &self.buf, out);
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        mat_vec_into(&self.layer.u, v, out);
        out.iter_mut().zip(&self.q).for_each(|(o, q)| *o = o.mul(q));
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        self.buf
            .iter_mut()
            .zip(w)
            .zip(&self.q)
            .for_each(|((ti, wi), q)| *ti = wi.mul(q));
        mat_tr_vec_into(&self.layer.u, &self.buf, out);
    }
    fn is_smooth_point(&self) -> bool {
        self.smooth
    }
}
