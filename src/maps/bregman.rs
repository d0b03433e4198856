//! A Bregman (entropic) proximal map: exponentiated gradient for nonnegative
//! `ℓ₁`-regularised least squares `min_{x ≥ 0} ½‖Ax − b‖² + λ Σ xᵢ`:
//!
//! `F(x, λ) = argmin_u ⟨γ(∇f(x) + λ), u⟩ + KL(u, x) = x ⊙ exp(−γ(Aᵀ(Ax − b) + λ))`,
//!
//! i.e. the entropic prox of the nonnegativity constraint, `exp(−c − 1)` with
//! `c = γ(∇f(x) + λ) − log x − 1` (MATH.md §2, Ochs et al. 2016). `θ = (λ)`; the
//! state must stay positive (`x > 0`).
//!
//! **Jacobian** (smooth, a singleton): with `e = exp(−γ(∇f(x) + λ))`,
//! `A = diag(e) − γ diag(x ⊙ e) AᵀA`, `B = −γ x ⊙ e`.
//! Step: `γ = 1/L̂` by default (`L̂ = λ_max(AᵀA)`). Needs `exp`: f64 and intervals.

use super::design::Design;
use super::forward_backward::{choose_step, StepRule};
use super::{FixedPointMap, Linearization};
use crate::error::{Error, Result};
use crate::matset::MatrixSet;
use crate::scalar::Transcendental;
use std::cell::RefCell;

/// Exponentiated-gradient (entropic mirror) step for nonnegative `ℓ₁` least squares.
#[derive(Clone, Debug)]
pub struct EntropicNnls<S> {
    design: Design<S>,
    b: Vec<S>,
    gamma: S,
}

impl<S: Transcendental> EntropicNnls<S> {
    /// The map for `(A, b)` with step rule `step`.
    pub fn new(design: Design<S>, b: Vec<S>, step: StepRule<S>) -> Result<Self> {
        design.check_finite()?;
        if b.len() != design.rows() || !b.iter().all(|v| v.is_finite()) {
            return Err(Error::InvalidInput(
                "EntropicNnls: b must be finite with rows(A) entries".into(),
            ));
        }
        let spec = design.spectral_estimate();
        let gamma = choose_step(&design, &step, &spec, 1.0, &S::zero())?;
        Ok(EntropicNnls { design, b, gamma })
    }
    /// The step `γ`.
    pub fn gamma(&self) -> &S {
        &self.gamma
    }
    /// `e = exp(−γ(∇f(x) + λ))`.
    fn factors(&self, x: &[S], theta: &[S]) -> Result<Vec<S>> {
        self.check_input(x, theta)?;
        if !x.iter().all(|v| v.gt(&S::zero()).is_true()) {
            return Err(Error::InvalidInput(
                "EntropicNnls: the state must be > 0".into(),
            ));
        }
        let mut r = vec![S::zero(); self.design.rows()];
        self.design.mul_vec_into(x, &mut r);
        r.iter_mut()
            .zip(&self.b)
            .for_each(|(ri, bi)| *ri = ri.sub(bi));
        let mut g = vec![S::zero(); x.len()];
        self.design.tr_mul_vec_into(&r, &mut g);
        Ok(g.iter()
            .map(|gi| self.gamma.mul(&gi.add(&theta[0])).neg().exp())
            .collect())
    }
}

impl<S: Transcendental> FixedPointMap<S> for EntropicNnls<S> {
    fn dims(&self) -> (usize, usize) {
        (self.design.cols(), 1)
    }
    fn apply(&self, x: &[S], theta: &[S]) -> Result<Vec<S>> {
        Ok(self
            .factors(x, theta)?
            .iter()
            .zip(x)
            .map(|(e, xi)| xi.mul(e))
            .collect())
    }
    fn linearize(&self, x: &[S], theta: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        let e = self.factors(x, theta)?;
        let xe: Vec<S> = e.iter().zip(x).map(|(ei, xi)| xi.mul(ei)).collect();
        Ok(Box::new(NnlsLinearization {
            map: self,
            e,
            xe,
            buf_rows: RefCell::new(vec![S::zero(); self.design.rows()]),
            buf_cols: RefCell::new(vec![S::zero(); x.len()]),
        }))
    }
    fn conservative_jacobian(&self, x: &[S], theta: &[S]) -> Result<MatrixSet<S>> {
        let (a, b) = self.linearize(x, theta)?.to_dense()?;
        Ok(MatrixSet::singleton(a.hstack(&b)?))
    }
}

/// `A v = e ⊙ v − γ xe ⊙ AᵀAv`, `Aᵀw = e ⊙ w − γ AᵀA(xe ⊙ w)`, `B = −γ xe`.
struct NnlsLinearization<'a, S> {
    map: &'a EntropicNnls<S>,
    e: Vec<S>,
    xe: Vec<S>,
    buf_rows: RefCell<Vec<S>>,
    buf_cols: RefCell<Vec<S>>,
}

impl<S: Transcendental> NnlsLinearization<'_, S> {
    fn gram(&self, v: &[S], out: &mut [S]) {
        let mut r = self.buf_rows.borrow_mut();
        self.map.design.mul_vec_into(v, &mut r);
        self.map.design.tr_mul_vec_into(&r, out);
    }
}

impl<S: Transcendental> Linearization<S> for NnlsLinearization<'_, S> {
    fn dims(&self) -> (usize, usize) {
        (self.e.len(), 1)
    }
    fn a_mul_into(&self, v: &[S], out: &mut [S]) {
        self.gram(v, out);
        for i in 0..out.len() {
            out[i] = self.e[i]
                .mul(&v[i])
                .sub(&self.map.gamma.mul(&self.xe[i]).mul(&out[i]));
        }
    }
    fn at_mul_into(&self, w: &[S], out: &mut [S]) {
        let mut t = self.buf_cols.borrow_mut();
        t.iter_mut()
            .zip(w)
            .zip(&self.xe)
            .for_each(|((ti, wi), xe)| *ti = wi.mul(xe));
        self.gram(&t, out);
        for i in 0..out.len() {
            out[i] = self.e[i].mul(&w[i]).sub(&self.map.gamma.mul(&out[i]));
        }
    }
    fn b_mul_into(&self, v: &[S], out: &mut [S]) {
        out.iter_mut()
            .zip(&self.xe)
            .for_each(|(o, xe)| *o = self.map.gamma.mul(xe).mul(&v[0]).neg());
    }
    fn bt_mul_into(&self, w: &[S], out: &mut [S]) {
        out[0] = self
            .xe
            .iter()
            .zip(w)
            .fold(S::zero(), |acc, (a, b)| acc.mul_add(a, b))
            .mul(&self.map.gamma)
            .neg();
    }
    fn is_smooth_point(&self) -> bool {
        true
    }
}
