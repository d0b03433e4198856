//! ADMM for the LASSO `min ½‖Ax − b‖² + λ‖z‖₁` s.t. `x = z` (scaled form, penalty `ρ`),
//! on the state `(z, u) ∈ R^{2n}`:
//!
//! `x⁺ = P(Aᵀb + ρ(z − u))`, `P = (AᵀA + ρI)⁻¹`, `v = x⁺ + u`,
//! `F((z, u), λ) = (S_{λ/ρ}(v), v − S_{λ/ρ}(v))`, `θ = (λ)`.
//!
//! **Jacobian.** `dv = G (dz; du)` with `G = [ρP, I − ρP]`; with `q_i ∈ ∂S_{λ/ρ}(v_i)`:
//! `A = [diag(q) G; (I − diag(q)) G]`, `B = (−q ⊙ sign(v)/ρ; +q ⊙ sign(v)/ρ)`. The
//! same `q_i` scales a `z`-row and a `u`-row, so the whole conservative Jacobian is
//! the hull over the `2^k` choices of `q` at the `k` ties ([`MatrixSetView::Hull`](crate::MatrixSetView::Hull); a
//! singleton without ties).
//!
//! **AD convention**: soft-threshold derivative 0 at the threshold. `P` is formed once.

use super::design::Design;
use super::util::{classify_threshold, mat_tr_vec_into, mat_vec_into, threshold_at};
use super::{FixedPointMap, Linearization};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::{hull_over_box, MatrixSet, DEFAULT_CAP};
use crate::scalar::Scalar;
use crate::selection::primitives::soft_threshold;
use crate::selection::Tolerance;

/// ADMM for the LASSO (see the module docs).
#[derive(Clone, Debug)]
pub struct Admm<S> {
    /// `ρP`.
    rho_p: Matrix<S>,
    /// `P Aᵀ b`.
    c: Vec<S>,
    rho: S,
    tol: Tolerance,
}

impl<S: Scalar> Admm<S> {
    /// The map for `(A, b)` with penalty `ρ > 0`.
    pub fn new(design: Design<S>, b: Vec<S>, rho: S) -> Result<Self> {
        design.check_finite()?;
        if b.len() != design.rows() || !b.iter().all(|v| v.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "ADMM: b".into(),
                value: format!(
                    "{} entries (finite: {})",
                    b.len(),
                    b.iter().all(|x| x.is_finite())
                ),
                expected: format!("{} finite entries (rows of A)", design.rows()),
            });
        }
        if !rho.is_finite() || !rho.gt(&S::zero()).is_true() {
            return Err(Error::parameter(
                "ADMM: ρ",
                format!("{rho:?}"),
                "finite and > 0",
            ));
        }
        let n = design.cols();
        let mut tmp = vec![S::zero(); design.rows()];
        let mut col = vec![S::zero(); n];
        let mut e = vec![S::zero(); n];
        let mut m = Matrix::<S>::identity(n).scale(&rho);
        for j in 0..n {
            e[j] = S::one();
            design.normal_into(&e, None, &mut col, &mut tmp)?;
            e[j] = S::zero();
            for i in 0..n {
                m[(i, j)] = m[(i, j)].add(&col[i]);
            }
        }
        let p = crate::linalg::lu::inverse(&m)?;
        let mut atb = vec![S::zero(); n];
        design.tr_mul_vec_into(&b, &mut atb)?;
        let c = p.mul_vec(&atb)?;
        Ok(Admm {
            rho_p: p.scale(&rho),
            c,
            rho,
            tol: Tolerance::default_for::<S>(),
        })
    }
    /// Replace the tie tolerance.
    pub fn with_tolerance(mut self, tol: Tolerance) -> Self {
        self.tol = tol;
        self
    }
    /// `n` (features); the state has `2n` entries `(z, u)`.
    pub fn features(&self) -> usize {
        self.c.len()
    }
    /// The primal estimate `z` of a state `(z, u)`.
    pub fn primal<'a>(&self, state: &'a [S]) -> &'a [S] {
        &state[..self.features().min(state.len())]
    }
    /// `(v, τ)` at a state.
    fn parts(&self, s: &[S], theta: &[S]) -> Result<(Vec<S>, S)> {
        self.check_input(s, theta)?;
        let n = self.features();
        let (mut d, mut v) = (vec![S::zero(); n], vec![S::zero(); n]);
        let tau = self.parts_into(s, theta, &mut d, &mut v)?;
        Ok((v, tau))
    }
    /// `v = x⁺ + u` into `v` (`d`: scratch of length `n`) and `τ = λ/ρ`.
    fn parts_into(&self, s: &[S], theta: &[S], d: &mut [S], v: &mut [S]) -> Result<S> {
        if !theta[0].gt(&S::zero()).is_true() {
            return Err(Error::parameter(
                "ADMM: λ",
                format!("{:?}", theta[0]),
                "> 0",
            ));
        }
        let n = self.features();
        let (z, u) = s.split_at(n);
        for ((di, zi), ui) in d.iter_mut().zip(z).zip(u) {
            *di = zi.sub(ui);
        }
        mat_vec_into(&self.rho_p, d, v);
        for ((vi, ci), ui) in v.iter_mut().zip(&self.c).zip(u) {
            *vi = vi.add(ci).add(ui);
        }
        theta[0]
            .div(&self.rho)
            .ok_or_else(|| Error::DivisionByZero {
                context: "ADMM λ/ρ".into(),
            })
    }
    /// `G = [ρP, I − ρP]`.
    fn g(&self) -> Matrix<S> {
        let n = self.features();
        Matrix::from_fn(n, 2 * n, |i, j| {
            if j < n {
                self.rho_p[(i, j)].clone()
            } else {
                let id = if i == j - n { S::one() } else { S::zero() };
                id.sub(&self.rho_p[(i, j - n)])
            }
        })
    }
}

impl<S: Scalar> FixedPointMap<S> for Admm<S> {
    fn dims(&self) -> (usize, usize) {
        (2 * self.features(), 1)
    }
    fn apply(&self, s: &[S], theta: &[S]) -> Result<Vec<S>> {
        let (v, tau) = self.parts(s, theta)?;
        let z: Vec<S> = v.iter().map(|vi| soft_threshold(vi, &tau)).collect();
        let u: Vec<S> = v.iter().zip(&z).map(|(a, b)| a.sub(b)).collect();
        Ok([z, u].concat())
    }
    fn linearize(&self, s: &[S], theta: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        self.check_input(s, theta)?;
        let n = self.features();
        let mut lin = AdmmLinearization {
            map: self,
            q: vec![S::zero(); n],
            bz: vec![S::zero(); n],
            smooth: true,
            buf: vec![S::zero(); 2 * n],
        };
        lin.relinearize_impl(s, theta, None)?;
        Ok(Box::new(lin))
    }
    fn conservative_jacobian(&self, s: &[S], theta: &[S]) -> Result<MatrixSet<S>> {
        let (v, tau) = self.parts(s, theta)?;
        let t = classify_threshold(&v, &tau, &self.tol);
        let inv_rho = S::one()
            .div(&self.rho)
            .ok_or_else(|| Error::DivisionByZero {
                context: "ADMM 1/ρ".into(),
            })?;
        let g = self.g();
        let n = self.features();
        hull_over_box(&t.q_lo, &t.q_hi, DEFAULT_CAP, |q| {
            Ok(Matrix::from_fn(2 * n, 2 * n + 1, |i, j| {
                let (row, upper) = if i < n { (i, true) } else { (i - n, false) };
                let qi = &q[row];
                let val = if j < 2 * n {
                    g[(row, j)].clone()
                } else {
                    t.sign[row].mul(&inv_rho).neg()
                };
                let scaled = qi.mul(&val);
                match (upper, j < 2 * n) {
                    (true, _) => scaled,
                    (false, true) => val.sub(&scaled),
                    (false, false) => scaled.neg(),
                }
            }))
        })
    }
}

/// `A (dz; du) = (q ⊙ g; g − q ⊙ g)` with `g = ρP(dz − du) + du`;
/// `Aᵀ(wz; wu) = (ρPᵀr; r − ρPᵀr)` with `r = q ⊙ wz + (1 − q) ⊙ wu`.
struct AdmmLinearization<'a, S> {
    map: &'a Admm<S>,
    q: Vec<S>,
    bz: Vec<S>,
    smooth: bool,
    buf: Vec<S>,
}

impl<S: Scalar> Linearization<S> for AdmmLinearization<'_, S> {
    fn dims(&self) -> (usize, usize) {
        (2 * self.q.len(), 1)
    }
    /// One `v = x⁺ + u` gives `F = (S_τ(v), v − S_τ(v))`, `q` and `B`.
    fn relinearize_impl(&mut self, s: &[S], theta: &[S], mut fx: Option<&mut [S]>) -> Result<bool> {
        let map = self.map;
        let n = self.q.len();
        let (d, v) = self.buf.split_at_mut(n);
        let tau = map.parts_into(s, theta, d, v)?;
        let inv_rho = S::one()
            .div(&map.rho)
            .ok_or_else(|| Error::DivisionByZero {
                context: "ADMM 1/ρ".into(),
            })?;
        let mut smooth = true;
        for i in 0..n {
            let t = threshold_at(&v[i], &tau, &map.tol);
            smooth &= !t.tie;
            self.bz[i] = t.q_ad.mul(&t.sign).mul(&inv_rho).neg();
            self.q[i] = t.q_ad;
            if let Some(f) = fx.as_deref_mut() {
                let zi = soft_threshold(&v[i], &tau);
                f[n + i] = v[i].sub(&zi);
                f[i] = zi;
            }
        }
        self.smooth = smooth;
        Ok(true)
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        let n = self.q.len();
        let (d, g) = self.buf.split_at_mut(n);
        for i in 0..n {
            d[i] = v[i].sub(&v[n + i]);
        }
        mat_vec_into(&self.map.rho_p, d, g);
        for i in 0..n {
            let gi = g[i].add(&v[n + i]);
            let qg = self.q[i].mul(&gi);
            out[n + i] = gi.sub(&qg);
            out[i] = qg;
        }
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        let n = self.q.len();
        let (r, pr) = self.buf.split_at_mut(n);
        for i in 0..n {
            let qi = &self.q[i];
            r[i] = qi.mul(&w[i]).add(&S::one().sub(qi).mul(&w[n + i]));
        }
        mat_tr_vec_into(&self.map.rho_p, r, pr);
        for i in 0..n {
            out[i] = pr[i].clone();
            out[n + i] = r[i].sub(&pr[i]);
        }
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        let n = self.q.len();
        for i in 0..n {
            out[i] = self.bz[i].mul(&v[0]);
            out[n + i] = out[i].neg();
        }
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        let n = self.q.len();
        out[0] = (0..n).fold(S::zero(), |acc, i| {
            acc.mul_add(&self.bz[i], &w[i].sub(&w[n + i]))
        });
    }
    fn is_smooth_point(&self) -> bool {
        self.smooth
    }
}
