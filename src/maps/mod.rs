//! Fixed-point maps `F(x, θ)` with their conservative Jacobians (MATH.md §2, §5, §6).
//!
//! | map | `θ` | scalars | conservative Jacobian | AD convention |
//! |---|---|---|---|---|
//! | [`ForwardBackward`] (LASSO, elastic net) | `λ₁` or `(λ₁, λ₂)` | any | `DiagBox` | `S_τ'` = 0 at the threshold |
//! | [`LogisticFb`] (binary, multiclass) | `λ₁` or `(λ₁, λ₂)` | f64, intervals | `DiagBox` | same |
//! | [`LogParams`] wrapper | `log θ` | f64, intervals | inner, `θ` columns scaled | inner |
//! | [`HeavyBall`] | `(α, β)` | any | `Hull` at the kink | `f''(0) = 1` |
//! | [`DouglasRachford`], [`Admm`] (LASSO) | `λ` | any | `DiagBox` / `Hull` | `S_τ'` = 0 at the threshold |
//! | [`ReluLayer`] | input `θ` | any | `DiagBox` | `relu'(0) = 0` |
//! | [`Sinkhorn`] (log domain) | `b` | f64, intervals | singleton (smooth) | — |
//! | [`EntropicNnls`] (Bregman prox) | `λ` | f64, intervals | singleton (smooth) | — |
//! | [`SelectionMap`] (any selection) | trailing inputs | any | the selection's hull | the primitives' |
//! | [`PiecewiseAffine`] | — | any | `Hull` of active pieces | first piece |
//!
//! Design matrices are dense or CSR ([`Design`]); step sizes come from [`StepRule`].

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use crate::scalar::Scalar;

mod piecewise_affine;
pub use piecewise_affine::{AffinePiece, PiecewiseAffine};

/// A map `F : Rⁿ × Rᵐ → Rⁿ` whose fixed points `x̄(θ) = F(x̄(θ), θ)` we differentiate.
///
/// Jacobian elements are written `[A, B]` with `A = ∂ₓF` (`n × n`) and `B = ∂_θF`
/// (`n × m`).
pub trait FixedPointMap<S: Scalar> {
    /// `(n, m)`: state and parameter dimensions.
    fn dims(&self) -> (usize, usize);

    /// `F(x, θ)`.
    fn apply(&self, x: &[S], theta: &[S]) -> Result<Vec<S>>;

    /// One element `[A, B]` of the conservative Jacobian at `(x, θ)`: the one automatic
    /// differentiation would return. Each map documents its convention (for example
    /// `relu'(0) = 0`, soft-threshold derivative 0 at the threshold).
    fn linearize(&self, x: &[S], theta: &[S]) -> Result<Box<dyn Linearization<S> + '_>>;

    /// The whole conservative Jacobian at `(x, θ)` as a set of `n × (n + m)` matrices
    /// `[A, B]`: exact for rationals (ties decided exactly), a sound superset over
    /// intervals (all possibly active pieces), with the map's stated tolerance in f64.
    fn conservative_jacobian(&self, x: &[S], theta: &[S]) -> Result<MatrixSet<S>>;

    /// A set containing the `A = ∂ₓF` block of every conservative-Jacobian element at
    /// *every* `x`, for this `θ`: a norm bound over it is a global contraction
    /// constant, and a refutation over it shows no norm can work. Maps that do not
    /// describe such a family return [`Error::CouldNotVerify`] (the default).
    fn state_jacobian_family(&self, theta: &[S]) -> Result<MatrixSet<S>> {
        let _ = theta;
        Err(Error::CouldNotVerify {
            reason: "this map does not describe its global family of Jacobians".into(),
        })
    }

    /// The AD element `(A, B)` as dense matrices (built from the linearization).
    fn jacobian(&self, x: &[S], theta: &[S]) -> Result<(Matrix<S>, Matrix<S>)> {
        let lin = self.linearize(x, theta)?;
        lin.to_dense()
    }

    /// Check that `x` and `θ` have the map's dimensions and finite entries.
    fn check_input(&self, x: &[S], theta: &[S]) -> Result<()> {
        let (n, m) = self.dims();
        if x.len() != n || theta.len() != m {
            return Err(Error::DimensionMismatch {
                op: "FixedPointMap input (x, θ)",
                left: (n, m),
                right: (x.len(), theta.len()),
            });
        }
        if !x.iter().chain(theta).all(|v| v.is_finite()) {
            return Err(Error::NonFinite {
                context: "FixedPointMap input (x, θ)".into(),
            });
        }
        Ok(())
    }
}

/// One fixed Jacobian element `[A, B]` as a linear operator, applied without forming
/// matrices (the JVP/VJP pair of automatic differentiation; after faer's `LinOp`).
///
/// `*_into` methods write into caller-provided buffers so iteration loops do not
/// allocate; `out` must have the right length (`n`, or `m` for `bt_mul_into`).
pub trait Linearization<S: Scalar> {
    /// `(n, m)`.
    fn dims(&self) -> (usize, usize);
    /// `out = A v` (`v ∈ Rⁿ`).
    fn a_mul_into(&self, v: &[S], out: &mut [S]);
    /// `out = Aᵀ w` (`w ∈ Rⁿ`).
    fn at_mul_into(&self, w: &[S], out: &mut [S]);
    /// `out = B v` (`v ∈ Rᵐ`).
    fn b_mul_into(&self, v: &[S], out: &mut [S]);
    /// `out = Bᵀ w` (`out ∈ Rᵐ`).
    fn bt_mul_into(&self, w: &[S], out: &mut [S]);

    /// JVP `A ẋ + B θ̇`.
    fn jvp(&self, dx: &[S], dtheta: &[S]) -> Result<Vec<S>> {
        let (n, m) = self.dims();
        if dx.len() != n || dtheta.len() != m {
            return Err(Error::DimensionMismatch {
                op: "jvp",
                left: (n, m),
                right: (dx.len(), dtheta.len()),
            });
        }
        let mut a = vec![S::zero(); n];
        let mut b = vec![S::zero(); n];
        self.a_mul_into(dx, &mut a);
        self.b_mul_into(dtheta, &mut b);
        Ok(a.iter().zip(&b).map(|(u, v)| u.add(v)).collect())
    }

    /// VJP `(Aᵀ w, Bᵀ w)`.
    fn vjp(&self, w: &[S]) -> Result<(Vec<S>, Vec<S>)> {
        let (n, m) = self.dims();
        if w.len() != n {
            return Err(Error::DimensionMismatch {
                op: "vjp",
                left: (n, 1),
                right: (w.len(), 1),
            });
        }
        let mut wx = vec![S::zero(); n];
        let mut wt = vec![S::zero(); m];
        self.at_mul_into(w, &mut wx);
        self.bt_mul_into(w, &mut wt);
        Ok((wx, wt))
    }

    /// Dense `(A, B)`, column by column (cost `n + m` products).
    fn to_dense(&self) -> Result<(Matrix<S>, Matrix<S>)> {
        let (n, m) = self.dims();
        let mut a = Matrix::zeros(n, n);
        let mut b = Matrix::zeros(n, m);
        let mut e = vec![S::zero(); n.max(m)];
        let mut col = vec![S::zero(); n];
        for j in 0..n {
            e[j] = S::one();
            self.a_mul_into(&e[..n], &mut col);
            e[j] = S::zero();
            for (i, c) in col.iter().enumerate() {
                a[(i, j)] = c.clone();
            }
        }
        for j in 0..m {
            e[j] = S::one();
            self.b_mul_into(&e[..m], &mut col);
            e[j] = S::zero();
            for (i, c) in col.iter().enumerate() {
                b[(i, j)] = c.clone();
            }
        }
        Ok((a, b))
    }

    /// Whether the selection at this point was decided without ties (the map is
    /// differentiable there as far as the arithmetic can tell).
    fn is_smooth_point(&self) -> bool;
}

pub mod admm;
pub mod bregman;
pub mod design;
pub mod douglas_rachford;
pub mod forward_backward;
pub mod heavy_ball;
pub mod iterate;
pub mod log_params;
pub mod logistic;
pub mod relu_layer;
pub mod selection_map;
pub mod sinkhorn;
pub mod util;

pub use admm::Admm;
pub use bregman::EntropicNnls;
pub use design::{Csr, Design, SpectralEstimate};
pub use douglas_rachford::DouglasRachford;
pub use forward_backward::{ForwardBackward, Penalty, Splitting, StepRule};
pub use heavy_ball::HeavyBall;
pub use log_params::LogParams;
pub use logistic::{Labels, LogisticFb};
pub use relu_layer::ReluLayer;
pub use selection_map::SelectionMap;
pub use sinkhorn::Sinkhorn;
