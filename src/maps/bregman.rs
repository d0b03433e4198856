//! A Bregman (entropic) proximal map: exponentiated gradient for nonnegative
//! `ℓ₁`-regularised least squares `min_{x ≥ 0} ½‖Ax − b‖² + λ Σ xᵢ`:
//!
//! `F(x, λ) = argmin_u ⟨γ(∇f(x) + λ), u⟩ + KL(u, x) = x ⊙ exp(−γ(Aᵀ(Ax − b) + λ))`,
//!
//! i.e. the entropic prox of the nonnegativity constraint, `exp(−c − 1)` with
//! `c = γ(∇f(x) + λ) − log x − 1` (docs/mathematics.md §2, Ochs et al. 2016). `θ = (λ)`; the
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
            return Err(Error::InvalidParameter {
                name: "EntropicNnls: b".into(),
                value: format!(
                    "{} entries (finite: {})",
                    b.len(),
                    b.iter().all(|x| x.is_finite())
                ),
                expected: format!("{} finite entries (rows of A)", design.rows()),
            });
        }
        let design = design.into_row_major();
        let spec = design.spectral_estimate();
        let gamma = choose_step(&design, &step, &spec, 1.0, &S::zero())?;
        Ok(EntropicNnls { design, b, gamma })
    }
    /// The step `γ`.
    pub fn gamma(&self) -> &S {
        &self.gamma
    }
    /// `e = exp(−γ(∇f(x) + λ))` into `e` (`rows`: scratch of length `rows(A)`);
    /// errors unless the state is positive.
    fn factors_into(&self, x: &[S], theta: &[S], e: &mut [S], rows: &mut [S]) -> Result<()> {
        if !x.iter().all(|v| v.gt(&S::zero()).is_true()) {
            return Err(Error::OutsideDomain {
                context: "EntropicNnls: the state must be > 0".into(),
            });
        }
        self.design.normal_impl(x, Some(&self.b), e, rows);
        for ei in e.iter_mut() {
            *ei = self.gamma.mul(&ei.add(&theta[0])).neg().exp();
        }
        Ok(())
    }
}

impl<S: Transcendental> FixedPointMap<S> for EntropicNnls<S> {
    fn dims(&self) -> (usize, usize) {
        (self.design.cols(), 1)
    }
    fn apply(&self, x: &[S], theta: &[S]) -> Result<Vec<S>> {
        self.check_input(x, theta)?;
        let mut e = vec![S::zero(); x.len()];
        let mut rows = vec![S::zero(); self.design.rows()];
        self.factors_into(x, theta, &mut e, &mut rows)?;
        Ok(e.iter().zip(x).map(|(ei, xi)| xi.mul(ei)).collect())
    }
    fn linearize(&self, x: &[S], theta: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        self.check_input(x, theta)?;
        let n = x.len();
        let mut lin = NnlsLinearization {
            map: self,
            e: vec![S::zero(); n],
            xe: vec![S::zero(); n],
            buf_rows: vec![S::zero(); self.design.rows()],
            buf_cols: vec![S::zero(); n],
        };
        lin.relinearize_impl(x, theta, None)?;
        Ok(Box::new(lin))
    }
    fn conservative_jacobian(&self, x: &[S], theta: &[S]) -> Result<MatrixSet<S>> {
        let (a, b) = self.linearize(x, theta)?.to_dense()?;
        MatrixSet::singleton(a.hstack(&b)?)
    }
}

/// `A v = e ⊙ v − γ xe ⊙ AᵀAv`, `Aᵀw = e ⊙ w − γ AᵀA(xe ⊙ w)`, `B = −γ xe`.
struct NnlsLinearization<'a, S> {
    map: &'a EntropicNnls<S>,
    e: Vec<S>,
    /// `x ⊙ e`, which is also `F(x, θ)`.
    xe: Vec<S>,
    buf_rows: Vec<S>,
    buf_cols: Vec<S>,
}

impl<S: Transcendental> Linearization<S> for NnlsLinearization<'_, S> {
    fn dims(&self) -> (usize, usize) {
        (self.e.len(), 1)
    }
    fn relinearize_impl(&mut self, x: &[S], theta: &[S], fx: Option<&mut [S]>) -> Result<bool> {
        self.map
            .factors_into(x, theta, &mut self.e, &mut self.buf_rows)?;
        for ((xe, ei), xi) in self.xe.iter_mut().zip(&self.e).zip(x) {
            *xe = xi.mul(ei);
        }
        if let Some(f) = fx {
            f.clone_from_slice(&self.xe);
        }
        Ok(true)
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        self.map
            .design
            .normal_impl(v, None, out, &mut self.buf_rows);
        for i in 0..out.len() {
            out[i] = self.e[i]
                .mul(&v[i])
                .sub(&self.map.gamma.mul(&self.xe[i]).mul(&out[i]));
        }
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        self.buf_cols
            .iter_mut()
            .zip(w)
            .zip(&self.xe)
            .for_each(|((ti, wi), xe)| *ti = wi.mul(xe));
        self.map
            .design
            .normal_impl(&self.buf_cols, None, out, &mut self.buf_rows);
        for i in 0..out.len() {
            out[i] = self.e[i].mul(&w[i]).sub(&self.map.gamma.mul(&out[i]));
        }
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        out.iter_mut()
            .zip(&self.xe)
            .for_each(|(o, xe)| *o = self.map.gamma.mul(xe).mul(&v[0]).neg());
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
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
