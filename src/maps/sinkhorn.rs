//! Sinkhorn's algorithm in the log domain (Pauwels & Vaiter 2023; docs/mathematics.md §5):
//!
//! `F(x, θ) = log a − log(K (b / (Kᵀ eˣ)))`, `θ = b` (the second marginal, `b > 0`),
//!
//! with `K = exp(−C/ε)` (`n × m`, positive) and `a > 0`. With `u = eˣ`, `s = Kᵀu`,
//! `v = b/s`, `t = Kv`:
//! `A = diag(1/t) K diag(v/s) Kᵀ diag(u)`, `B = −diag(1/t) K diag(1/s)`.
//! `A` is row-stochastic (`A 1 = 1`): `σ_max(A) = 1`, **not** a contraction (the
//! fixed point is defined up to `x + c·1`), yet the iterates and the AD derivatives of
//! the plan converge — the case the contraction certificate must reject honestly.
//!
//! The map is smooth: its conservative Jacobian is the singleton `{[A, B]}`.
//! Needs `exp`/`ln`: f64 and intervals.

use super::util::{mat_tr_vec_into, mat_vec_into};
use super::{FixedPointMap, Linearization};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use crate::scalar::Transcendental;

/// Log-domain Sinkhorn (see the module docs).
#[derive(Clone, Debug)]
pub struct Sinkhorn<S> {
    log_a: Vec<S>,
    kernel: Matrix<S>,
}

fn positive<S: Transcendental>(v: &S) -> bool {
    v.gt(&S::zero()).is_true()
}

impl<S: Transcendental> Sinkhorn<S> {
    /// From the first marginal `a > 0` (`n`), the cost `C` (`n × m`) and `ε > 0`.
    pub fn new(a: &[S], cost: &Matrix<S>, epsilon: &S) -> Result<Self> {
        if cost.rows() != a.len() {
            return Err(Error::DimensionMismatch {
                op: "Sinkhorn (a, C)",
                left: cost.shape(),
                right: (a.len(), 1),
            });
        }
        cost.check_finite("Sinkhorn cost")?;
        if !positive(epsilon) || !a.iter().all(positive) {
            return Err(Error::parameter(
                "Sinkhorn: ε and a",
                format!("ε = {epsilon:?}"),
                "ε > 0 and every entry of a > 0",
            ));
        }
        let log_a: Option<Vec<S>> = a.iter().map(|v| v.ln()).collect();
        let log_a = log_a.ok_or_else(|| Error::OutsideDomain {
            context: "Sinkhorn: log a undefined".into(),
        })?;
        let mut kernel = Matrix::zeros(cost.rows(), cost.cols());
        for i in 0..cost.rows() {
            for j in 0..cost.cols() {
                let r = cost[(i, j)]
                    .div(epsilon)
                    .ok_or_else(|| Error::DivisionByZero {
                        context: "Sinkhorn C/ε".into(),
                    })?;
                kernel[(i, j)] = r.neg().exp();
            }
        }
        if !kernel.as_slice().iter().all(positive) {
            return Err(Error::parameter(
                "Sinkhorn: ε",
                format!("{epsilon:?}"),
                "large enough that K = exp(−C/ε) does not underflow to 0",
            ));
        }
        Ok(Sinkhorn { log_a, kernel })
    }

    /// The kernel `K`.
    pub fn kernel(&self) -> &Matrix<S> {
        &self.kernel
    }

    /// The transport plan `P = diag(u) K diag(v)` at `x` (`u = eˣ`, `v = b/(Kᵀu)`).
    pub fn plan(&self, x: &[S], b: &[S]) -> Result<Matrix<S>> {
        let (u, s, _) = self.parts(x, b)?;
        let v = div_all(b, &s)?;
        Ok(Matrix::from_fn(
            self.kernel.rows(),
            self.kernel.cols(),
            |i, j| u[i].mul(&self.kernel[(i, j)]).mul(&v[j]),
        ))
    }

    /// `(u, s, t)`.
    fn parts(&self, x: &[S], b: &[S]) -> Result<(Vec<S>, Vec<S>, Vec<S>)> {
        self.check_input(x, b)?;
        if !b.iter().all(positive) {
            return Err(Error::OutsideDomain {
                context: "Sinkhorn: b must be > 0".into(),
            });
        }
        let u: Vec<S> = x.iter().map(|v| v.exp()).collect();
        let mut s = vec![S::zero(); self.kernel.cols()];
        mat_tr_vec_into(&self.kernel, &u, &mut s);
        let v = div_all(b, &s)?;
        let mut t = vec![S::zero(); self.kernel.rows()];
        mat_vec_into(&self.kernel, &v, &mut t);
        Ok((u, s, t))
    }
}

fn div_all<S: Transcendental>(num: &[S], den: &[S]) -> Result<Vec<S>> {
    num.iter()
        .zip(den)
        .map(|(a, b)| {
            a.div(b).ok_or_else(|| Error::DivisionByZero {
                context: "Sinkhorn (underflow of Kᵀu or Kv)".into(),
            })
        })
        .collect()
}

impl<S: Transcendental> FixedPointMap<S> for Sinkhorn<S> {
    fn dims(&self) -> (usize, usize) {
        (self.kernel.rows(), self.kernel.cols())
    }
    fn apply(&self, x: &[S], b: &[S]) -> Result<Vec<S>> {
        let (_, _, t) = self.parts(x, b)?;
        self.log_a
            .iter()
            .zip(&t)
            .map(|(la, ti)| {
                ti.ln()
                    .map(|l| la.sub(&l))
                    .ok_or_else(|| Error::DivisionByZero {
                        context: "Sinkhorn log(Kv)".into(),
                    })
            })
            .collect()
    }
    fn linearize(&self, x: &[S], b: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        self.check_input(x, b)?;
        let (n, m) = self.dims();
        let mut lin = SinkhornLinearization {
            map: self,
            u: vec![S::zero(); n],
            v_over_s: vec![S::zero(); m],
            inv_s: vec![S::zero(); m],
            inv_t: vec![S::zero(); n],
            buf_n: vec![S::zero(); n],
            buf_m: vec![S::zero(); m],
        };
        lin.relinearize_impl(x, b, None)?;
        Ok(Box::new(lin))
    }
    fn conservative_jacobian(&self, x: &[S], b: &[S]) -> Result<MatrixSet<S>> {
        let (a, bb) = self.linearize(x, b)?.to_dense()?;
        MatrixSet::singleton(a.hstack(&bb)?)
    }
}

/// `A w = (K (v/s ⊙ Kᵀ(u ⊙ w))) / t`, `Aᵀ w = u ⊙ K(v/s ⊙ Kᵀ(w/t))`,
/// `B v' = −(K(v'/s))/t`, `Bᵀ w = −(Kᵀ(w/t))/s`.
struct SinkhornLinearization<'a, S> {
    map: &'a Sinkhorn<S>,
    u: Vec<S>,
    v_over_s: Vec<S>,
    inv_s: Vec<S>,
    inv_t: Vec<S>,
    buf_n: Vec<S>,
    buf_m: Vec<S>,
}

/// `a / b`, or the Sinkhorn underflow error.
fn checked_div<S: Transcendental>(a: &S, b: &S) -> Result<S> {
    a.div(b).ok_or_else(|| Error::DivisionByZero {
        context: "Sinkhorn (underflow of Kᵀu or Kv)".into(),
    })
}

impl<S: Transcendental> SinkhornLinearization<'_, S> {
    /// `out = post ⊙ K(v/s ⊙ Kᵀ(pre ⊙ w))`: `A w` with `(pre, post) = (u, 1/t)`, and
    /// `Aᵀ w` with the two scalings swapped.
    fn sandwich(&mut self, transpose: bool, w: &[S], out: &mut [S]) {
        let kernel = &self.map.kernel;
        let (pre, post) = if transpose {
            (&self.inv_t, &self.u)
        } else {
            (&self.u, &self.inv_t)
        };
        self.buf_n
            .iter_mut()
            .zip(w)
            .zip(pre)
            .for_each(|((b, wi), x)| *b = wi.mul(x));
        mat_tr_vec_into(kernel, &self.buf_n, &mut self.buf_m);
        self.buf_m
            .iter_mut()
            .zip(&self.v_over_s)
            .for_each(|(b, r)| *b = b.mul(r));
        mat_vec_into(kernel, &self.buf_m, out);
        out.iter_mut().zip(post).for_each(|(o, y)| *o = o.mul(y));
    }
}

impl<S: Transcendental> Linearization<S> for SinkhornLinearization<'_, S> {
    fn dims(&self) -> (usize, usize) {
        self.map.dims()
    }
    /// `u = eˣ`, `s = Kᵀu`, `v = b/s`, `t = Kv` once for `F = log a − log t` and `[A, B]`.
    fn relinearize_impl(&mut self, x: &[S], b: &[S], fx: Option<&mut [S]>) -> Result<bool> {
        if !b.iter().all(positive) {
            return Err(Error::OutsideDomain {
                context: "Sinkhorn: b must be > 0".into(),
            });
        }
        let kernel = &self.map.kernel;
        for (ui, xi) in self.u.iter_mut().zip(x) {
            *ui = xi.exp();
        }
        mat_tr_vec_into(kernel, &self.u, &mut self.buf_m);
        let scaled = self
            .buf_m
            .iter_mut()
            .zip(&mut self.v_over_s)
            .zip(&mut self.inv_s);
        for (((sj, vs), is), bj) in scaled.zip(b) {
            // `sj` holds s = Kᵀu and becomes v = b/s.
            let vj = checked_div(bj, sj)?;
            *vs = checked_div(&vj, sj)?;
            *is = checked_div(&S::one(), sj)?;
            *sj = vj;
        }
        mat_vec_into(kernel, &self.buf_m, &mut self.buf_n);
        for (it, ti) in self.inv_t.iter_mut().zip(&self.buf_n) {
            *it = checked_div(&S::one(), ti)?;
        }
        if let Some(f) = fx {
            for ((fi, la), ti) in f.iter_mut().zip(&self.map.log_a).zip(&self.buf_n) {
                *fi = la.sub(&ti.ln().ok_or_else(|| Error::DivisionByZero {
                    context: "Sinkhorn log(Kv)".into(),
                })?);
            }
        }
        Ok(true)
    }
    fn a_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        self.sandwich(false, w, out);
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        self.sandwich(true, w, out);
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        self.buf_m
            .iter_mut()
            .zip(v)
            .zip(&self.inv_s)
            .for_each(|((b, vi), r)| *b = vi.mul(r));
        mat_vec_into(&self.map.kernel, &self.buf_m, out);
        out.iter_mut()
            .zip(&self.inv_t)
            .for_each(|(o, r)| *o = o.mul(r).neg());
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        self.buf_n
            .iter_mut()
            .zip(w)
            .zip(&self.inv_t)
            .for_each(|((b, wi), r)| *b = wi.mul(r));
        mat_tr_vec_into(&self.map.kernel, &self.buf_n, out);
        out.iter_mut()
            .zip(&self.inv_s)
            .for_each(|(o, r)| *o = o.mul(r).neg());
    }
    fn is_smooth_point(&self) -> bool {
        true
    }
}
