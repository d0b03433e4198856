//! Heavy ball (Polyak momentum) on a piecewise-smooth scalar objective — the seeds'
//! counterexample (docs/mathematics.md §5, "Failure of momentum"):
//!
//! `F((x, y), θ) = (x − α f'(x) + β(x − y), x)`, `θ = (α, β)`,
//!
//! with `f'` given as a one-input [`PiecewiseScalar`] (default: the derivative of
//! `f(x) = x²/2 (x ≥ 0), x²/8 (x < 0)`).
//!
//! **Jacobian.** `A = [[1 − α h + β, −β], [1, 0]]` with `h ∈ ∂f'(x)` (the active
//! pieces' slopes; `{1, 1/4}` at `x = 0` for the default), `B = [[−f'(x), x − y], [0, 0]]`
//! (`f'` is continuous, so `B` is the same on every piece). The conservative Jacobian is
//! `conv{[A(h), B] : h active}`.
//!
//! **AD convention**: the primitive's (`f''(0) = 1` for the default, the `x ≥ 0` branch).

use super::{FixedPointMap, Linearization};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use crate::scalar::Scalar;
use crate::selection::primitives::{PiecewiseScalar, PwQuadraticDerivative};
use crate::selection::Tolerance;

/// The heavy-ball map (see the module docs); `P` is `f'`.
#[derive(Clone, Debug)]
pub struct HeavyBall<P> {
    grad: P,
    tol: Option<Tolerance>,
}

impl HeavyBall<PwQuadraticDerivative> {
    /// The seeds' example: `f(x) = x²/2 (x ≥ 0), x²/8 (x < 0)`.
    pub fn seeds() -> Self {
        HeavyBall {
            grad: PwQuadraticDerivative,
            tol: None,
        }
    }
}

impl<P> HeavyBall<P> {
    /// Heavy ball for the objective whose derivative is `grad` (one input).
    pub fn new(grad: P) -> Self {
        HeavyBall { grad, tol: None }
    }
    /// Replace the tie tolerance (default [`Tolerance::default_for`] the scalar).
    pub fn with_tolerance(mut self, tol: Tolerance) -> Self {
        self.tol = Some(tol);
        self
    }
    /// The `A`-block `[[1 − αh + β, −β], [1, 0]]` for a curvature `h`.
    pub fn a_block<S: Scalar>(alpha: &S, beta: &S, h: &S) -> Matrix<S> {
        Matrix::from_fn(2, 2, |i, j| match (i, j) {
            (0, 0) => S::one().sub(&alpha.mul(h)).add(beta),
            (0, 1) => beta.neg(),
            (1, 0) => S::one(),
            _ => S::zero(),
        })
    }
}

impl<P> HeavyBall<P> {
    fn check<S: Scalar>(&self, x: &[S], theta: &[S]) -> Result<()>
    where
        P: PiecewiseScalar<S>,
    {
        FixedPointMap::<S>::check_input(self, x, theta)?;
        if self.grad.arity() != 1 {
            return Err(Error::Unsupported {
                what: "heavy ball: f' must have one input".into(),
            });
        }
        Ok(())
    }
}

impl<S: Scalar, P: PiecewiseScalar<S>> FixedPointMap<S> for HeavyBall<P> {
    fn dims(&self) -> (usize, usize) {
        (2, 2)
    }

    fn apply(&self, x: &[S], theta: &[S]) -> Result<Vec<S>> {
        self.check(x, theta)?;
        let g = self.grad.value(&x[..1])?;
        let next = x[0]
            .sub(&theta[0].mul(&g))
            .add(&theta[1].mul(&x[0].sub(&x[1])));
        Ok(vec![next, x[0].clone()])
    }

    fn linearize(&self, x: &[S], theta: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        self.check(x, theta)?;
        let mut lin = HbLinearization {
            map: self,
            a00: S::zero(),
            beta: S::zero(),
            b0: [S::zero(), S::zero()],
            smooth: true,
        };
        lin.relinearize_impl(x, theta, None)?;
        Ok(Box::new(lin))
    }

    fn conservative_jacobian(&self, x: &[S], theta: &[S]) -> Result<MatrixSet<S>> {
        self.check(x, theta)?;
        let tol = self.tol.unwrap_or_else(Tolerance::default_for::<S>);
        let g = self.grad.value(&x[..1])?;
        let b = Matrix::from_fn(2, 2, |i, j| match (i, j) {
            (0, 0) => g.neg(),
            (0, 1) => x[0].sub(&x[1]),
            _ => S::zero(),
        });
        let vs: Result<Vec<Matrix<S>>> = self
            .grad
            .active_gradients(&x[..1], &tol)?
            .iter()
            .map(|h| Self::a_block(&theta[0], &theta[1], &h[0]).hstack(&b))
            .collect();
        let vs = vs?;
        let single = vs.len() == 1;
        MatrixSet::finite_or_hull(vs, single)
    }
}

/// `A = [[a₀₀, −β], [1, 0]]`, `B = [[b₀₀, b₀₁], [0, 0]]`.
struct HbLinearization<'a, S, P> {
    map: &'a HeavyBall<P>,
    a00: S,
    beta: S,
    b0: [S; 2],
    smooth: bool,
}

impl<S: Scalar, P: PiecewiseScalar<S>> Linearization<S> for HbLinearization<'_, S, P> {
    fn dims(&self) -> (usize, usize) {
        (2, 2)
    }
    /// `f'(x₀)` and its active slopes are evaluated once for `F` and `[A, B]`.
    fn relinearize_impl(&mut self, x: &[S], theta: &[S], fx: Option<&mut [S]>) -> Result<bool> {
        let tol = self.map.tol.unwrap_or_else(Tolerance::default_for::<S>);
        let grad = &self.map.grad;
        let h = grad
            .ad_gradient(&x[..1])?
            .into_iter()
            .next()
            .ok_or_else(|| Error::OutsideDomain {
                context: "heavy ball: f' has no gradient".into(),
            })?;
        let g = grad.value(&x[..1])?;
        self.smooth = grad.active_gradients(&x[..1], &tol)?.len() == 1;
        self.a00 = S::one().sub(&theta[0].mul(&h)).add(&theta[1]);
        self.beta = theta[1].clone();
        self.b0 = [g.neg(), x[0].sub(&x[1])];
        if let Some(f) = fx {
            f[0] = x[0]
                .sub(&theta[0].mul(&g))
                .add(&theta[1].mul(&x[0].sub(&x[1])));
            f[1] = x[0].clone();
        }
        Ok(true)
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        out[0] = self.a00.mul(&v[0]).sub(&self.beta.mul(&v[1]));
        out[1] = v[0].clone();
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        out[0] = self.a00.mul(&w[0]).add(&w[1]);
        out[1] = self.beta.mul(&w[0]).neg();
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        out[0] = self.b0[0].mul(&v[0]).add(&self.b0[1].mul(&v[1]));
        out[1] = S::zero();
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        out[0] = self.b0[0].mul(&w[0]);
        out[1] = self.b0[1].mul(&w[0]);
    }
    fn is_smooth_point(&self) -> bool {
        self.smooth
    }
}
