//! Douglas–Rachford splitting for the LASSO `min ½‖Ax − b‖² + λ‖x‖₁`, on the governing
//! sequence `z`:
//!
//! `x(z) = prox_{γf}(z) = R(z + γAᵀb)`, `R = (I + γAᵀA)⁻¹`,
//! `F(z, λ) = z + S_{γλ}(2x(z) − z) − x(z)`, `θ = (λ)`;
//!
//! the LASSO solution is `x̂ = x(z̄)` ([`DouglasRachford::primal`]).
//!
//! **Jacobian.** With `w = 2x(z) − z` and `q_i ∈ ∂S_{γλ}(w_i)`:
//! `A = I − R + diag(q)(2R − I)`, `B = −γ q ⊙ sign(w)`; the whole conservative
//! Jacobian is the [`MatrixSetView::DiagBox`](crate::MatrixSetView::DiagBox) with `M = [2R − I, −γ sign(w)]`,
//! `C = [I − R, 0]`.
//!
//! **AD convention**: soft-threshold derivative 0 at the threshold. `R` is formed once
//! (an `n × n` inverse, exact over rationals); products with `A` use `R`, never `A_F`.
//! **Step**: any `γ > 0` gives a firmly nonexpansive map; the default is `γ = 1/L̂`.

use super::design::Design;
use super::forward_backward::{choose_step, StepRule};
use super::util::{classify_threshold, mat_tr_vec_into, mat_vec_into, threshold_at};
use super::{FixedPointMap, Linearization};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use crate::scalar::Scalar;
use crate::selection::primitives::soft_threshold;
use crate::selection::Tolerance;

/// Douglas–Rachford for the LASSO (see the module docs).
#[derive(Clone, Debug)]
pub struct DouglasRachford<S> {
    r: Matrix<S>,
    /// `γ R Aᵀ b`.
    c: Vec<S>,
    gamma: S,
    tol: Tolerance,
}

impl<S: Scalar> DouglasRachford<S> {
    /// The map for `(A, b)` with step rule `step`.
    pub fn new(design: Design<S>, b: Vec<S>, step: StepRule<S>) -> Result<Self> {
        design.check_finite()?;
        if b.len() != design.rows() || !b.iter().all(|v| v.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "Douglas–Rachford: b".into(),
                value: format!(
                    "{} entries (finite: {})",
                    b.len(),
                    b.iter().all(|x| x.is_finite())
                ),
                expected: format!("{} finite entries (rows of A)", design.rows()),
            });
        }
        let spec = design.spectral_estimate();
        let gamma = choose_step(&design, &step, &spec, 1.0, &S::zero())?;
        let n = design.cols();
        let mut tmp = vec![S::zero(); design.rows()];
        let mut col = vec![S::zero(); n];
        let mut e = vec![S::zero(); n];
        let mut m = Matrix::<S>::identity(n);
        for j in 0..n {
            e[j] = S::one();
            design.normal_into(&e, None, &mut col, &mut tmp)?;
            e[j] = S::zero();
            for i in 0..n {
                m[(i, j)] = m[(i, j)].add(&gamma.mul(&col[i]));
            }
        }
        let r = crate::linalg::lu::inverse(&m)?;
        let mut atb = vec![S::zero(); n];
        design.tr_mul_vec_into(&b, &mut atb)?;
        let gatb: Vec<S> = atb.iter().map(|v| v.mul(&gamma)).collect();
        let c = r.mul_vec(&gatb)?;
        Ok(DouglasRachford {
            r,
            c,
            gamma,
            tol: Tolerance::default_for::<S>(),
        })
    }
    /// Replace the tie tolerance.
    pub fn with_tolerance(mut self, tol: Tolerance) -> Self {
        self.tol = tol;
        self
    }
    /// The step `γ`.
    pub fn gamma(&self) -> &S {
        &self.gamma
    }
    /// The primal point `x(z) = R(z + γAᵀb)`.
    pub fn primal(&self, z: &[S]) -> Result<Vec<S>> {
        Ok(self
            .r
            .mul_vec(z)?
            .iter()
            .zip(&self.c)
            .map(|(a, b)| a.add(b))
            .collect())
    }
    fn parts(&self, z: &[S], theta: &[S]) -> Result<(Vec<S>, Vec<S>, S)> {
        self.check_input(z, theta)?;
        let tau = self.tau(theta)?;
        let x = self.primal(z)?;
        let w: Vec<S> = x.iter().zip(z).map(|(xi, zi)| xi.add(xi).sub(zi)).collect();
        Ok((x, w, tau))
    }
    /// `τ = γλ` (errors unless `λ > 0`).
    fn tau(&self, theta: &[S]) -> Result<S> {
        if !theta[0].gt(&S::zero()).is_true() {
            return Err(Error::parameter(
                "Douglas–Rachford: λ",
                format!("{:?}", theta[0]),
                "> 0",
            ));
        }
        Ok(self.gamma.mul(&theta[0]))
    }
}

impl<S: Scalar> FixedPointMap<S> for DouglasRachford<S> {
    fn dims(&self) -> (usize, usize) {
        (self.r.rows(), 1)
    }
    fn apply(&self, z: &[S], theta: &[S]) -> Result<Vec<S>> {
        let (x, w, tau) = self.parts(z, theta)?;
        Ok(z.iter()
            .zip(&w)
            .zip(&x)
            .map(|((zi, wi), xi)| zi.add(&soft_threshold(wi, &tau)).sub(xi))
            .collect())
    }
    fn linearize(&self, z: &[S], theta: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        self.check_input(z, theta)?;
        let n = z.len();
        let mut lin = DrLinearization {
            map: self,
            q: vec![S::zero(); n],
            b: vec![S::zero(); n],
            smooth: true,
            x: vec![S::zero(); n],
            buf: vec![S::zero(); n],
        };
        lin.relinearize_impl(z, theta, None)?;
        Ok(Box::new(lin))
    }
    fn conservative_jacobian(&self, z: &[S], theta: &[S]) -> Result<MatrixSet<S>> {
        let (_, w, tau) = self.parts(z, theta)?;
        let t = classify_threshold(&w, &tau, &self.tol);
        let n = z.len();
        let mut m = Matrix::zeros(n, n + 1);
        let mut off = Matrix::zeros(n, n + 1);
        for i in 0..n {
            for j in 0..n {
                let id = if i == j { S::one() } else { S::zero() };
                m[(i, j)] = self.r[(i, j)].add(&self.r[(i, j)]).sub(&id);
                off[(i, j)] = id.sub(&self.r[(i, j)]);
            }
            m[(i, n)] = self.gamma.mul(&t.sign[i]).neg();
        }
        MatrixSet::diag_box(t.q_lo, t.q_hi, m, off)
    }
}

/// `A v = v − Rv + q ⊙ (2Rv − v)`, `Aᵀw = w − Rᵀw + (2Rᵀ − I)(q ⊙ w)`.
struct DrLinearization<'a, S> {
    map: &'a DouglasRachford<S>,
    q: Vec<S>,
    b: Vec<S>,
    smooth: bool,
    /// The primal point `x(z)` during a move.
    x: Vec<S>,
    buf: Vec<S>,
}

impl<S: Scalar> Linearization<S> for DrLinearization<'_, S> {
    fn dims(&self) -> (usize, usize) {
        (self.q.len(), 1)
    }
    /// One primal point `x(z)` gives `w = 2x − z`, `F = z + S_τ(w) − x` and `q`.
    fn relinearize_impl(&mut self, z: &[S], theta: &[S], mut fx: Option<&mut [S]>) -> Result<bool> {
        let map = self.map;
        let tau = map.tau(theta)?;
        mat_vec_into(&map.r, z, &mut self.x);
        let mut smooth = true;
        for i in 0..z.len() {
            let xi = self.x[i].add(&map.c[i]);
            let wi = xi.add(&xi).sub(&z[i]);
            let t = threshold_at(&wi, &tau, &map.tol);
            smooth &= !t.tie;
            self.b[i] = map.gamma.mul(&t.q_ad).mul(&t.sign).neg();
            self.q[i] = t.q_ad;
            if let Some(f) = fx.as_deref_mut() {
                f[i] = z[i].add(&soft_threshold(&wi, &tau)).sub(&xi);
            }
        }
        self.smooth = smooth;
        Ok(true)
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        mat_vec_into(&self.map.r, v, out);
        for ((o, vi), q) in out.iter_mut().zip(v).zip(&self.q) {
            let rv = o.clone();
            *o = vi.sub(&rv).add(&q.mul(&rv.add(&rv).sub(vi)));
        }
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        let t = &mut self.buf;
        // t = q ⊙ w − w, then out = Rᵀ(2 q⊙w − w) … combined as w − Rᵀw + 2Rᵀ(q⊙w) − q⊙w.
        for ((ti, wi), q) in t.iter_mut().zip(w).zip(&self.q) {
            let qw = q.mul(wi);
            *ti = qw.add(&qw).sub(wi);
        }
        mat_tr_vec_into(&self.map.r, t, out);
        for ((o, wi), q) in out.iter_mut().zip(w).zip(&self.q) {
            *o = o.add(wi).sub(&q.mul(wi));
        }
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        for (o, bi) in out.iter_mut().zip(&self.b) {
            *o = bi.mul(&v[0]);
        }
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        out[0] = self
            .b
            .iter()
            .zip(w)
            .fold(S::zero(), |acc, (a, c)| acc.mul_add(a, c));
    }
    fn is_smooth_point(&self) -> bool {
        self.smooth
    }
}
