//! Fixed-point maps `F(x, θ)` with their conservative Jacobians (docs/mathematics.md §2, §5, §6).
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
use crate::linalg::{check_len, Matrix};
use crate::matset::MatrixSet;
use crate::scalar::Scalar;

mod piecewise_affine;
pub use piecewise_affine::{AffinePiece, PiecewiseAffine};

/// A map `F : Rⁿ × Rᵐ → Rⁿ` whose fixed points `x̄(θ) = F(x̄(θ), θ)` we differentiate.
///
/// Jacobian elements are written `[A, B]` with `A = ∂ₓF` (`n × n`) and `B = ∂_θF`
/// (`n × m`).
///
/// **Evaluation in loops.** [`FixedPointMap::apply`] and [`FixedPointMap::linearize`]
/// allocate and are meant for single calls. Iterations use a [`Workspace`]: one call
/// per step gives `F(x, θ)` and the linearization at `(x, θ)` from one forward pass,
/// in buffers allocated once (every map of this crate moves its linearization in
/// place; see [`Linearization::relinearize_impl`]).
pub trait FixedPointMap<S: Scalar> {
    /// `(n, m)`: state and parameter dimensions.
    fn dims(&self) -> (usize, usize);

    /// `F(x, θ)`.
    fn apply(&self, x: &[S], theta: &[S]) -> Result<Vec<S>>;

    /// One element `[A, B]` of the conservative Jacobian at `(x, θ)`: the one automatic
    /// differentiation would return. Each map documents its convention (for example
    /// `relu'(0) = 0`, soft-threshold derivative 0 at the threshold).
    ///
    /// The returned linearization owns the buffers its products need; maps that can
    /// also move it to another point in place implement
    /// [`Linearization::relinearize_impl`] (a [`Workspace`] then never allocates again).
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
        self.linearize(x, theta)?.to_dense()
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
/// matrices (the JVP/VJP pair of automatic differentiation; after faer's `LinOp`),
/// together with the buffers its products need (no hidden interior mutability:
/// products take `&mut self`).
///
/// **Callers** use the checked methods ([`a_mul_into`](Linearization::a_mul_into),
/// [`at_mul_into`](Linearization::at_mul_into), [`b_mul_into`](Linearization::b_mul_into),
/// [`bt_mul_into`](Linearization::bt_mul_into), [`jvp`](Linearization::jvp),
/// [`vjp`](Linearization::vjp), [`to_dense`](Linearization::to_dense)): every length is
/// checked there and a mismatch is a [`Error::DimensionMismatch`], never a panic or a
/// silently truncated product.
///
/// **Implementors** write the `*_impl` methods, which may assume the lengths (`v`,
/// `w`, `out` of length `n`; `m` for the `θ` side), and, to make iterations
/// allocation-free, [`relinearize_impl`](Linearization::relinearize_impl).
pub trait Linearization<S: Scalar> {
    /// `(n, m)`.
    fn dims(&self) -> (usize, usize);

    /// Whether the selection at this point was decided without ties (the map is
    /// differentiable there as far as the arithmetic can tell).
    fn is_smooth_point(&self) -> bool;

    /// `out = A v` (`v`, `out` of length `n`, checked by the caller).
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]);
    /// `out = Aᵀ w` (`w`, `out` of length `n`).
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]);
    /// `out = B v` (`v` of length `m`, `out` of length `n`).
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]);
    /// `out = Bᵀ w` (`w` of length `n`, `out` of length `m`).
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]);

    /// Move this linearization to `(x, θ)` in place, reusing its buffers, and write
    /// `F(x, θ)` into `fx` when given — the fused evaluation of one iteration step.
    /// `x`, `θ` (and `fx`) have the map's dimensions and finite entries (checked by
    /// [`Workspace::update`]).
    ///
    /// Returns `Ok(false)` when this linearization cannot move (the default): the
    /// caller then asks the map for a new one, which allocates.
    fn relinearize_impl(&mut self, x: &[S], theta: &[S], fx: Option<&mut [S]>) -> Result<bool> {
        let _ = (x, theta, fx);
        Ok(false)
    }

    /// `out = A v`.
    fn a_mul_into(&mut self, v: &[S], out: &mut [S]) -> Result<()> {
        let (n, _) = self.dims();
        check_len("Linearization::a_mul_into v", n, v.len())?;
        check_len("Linearization::a_mul_into out", n, out.len())?;
        self.a_mul_impl(v, out);
        Ok(())
    }
    /// `out = Aᵀ w`.
    fn at_mul_into(&mut self, w: &[S], out: &mut [S]) -> Result<()> {
        let (n, _) = self.dims();
        check_len("Linearization::at_mul_into w", n, w.len())?;
        check_len("Linearization::at_mul_into out", n, out.len())?;
        self.at_mul_impl(w, out);
        Ok(())
    }
    /// `out = B v`.
    fn b_mul_into(&mut self, v: &[S], out: &mut [S]) -> Result<()> {
        let (n, m) = self.dims();
        check_len("Linearization::b_mul_into v", m, v.len())?;
        check_len("Linearization::b_mul_into out", n, out.len())?;
        self.b_mul_impl(v, out);
        Ok(())
    }
    /// `out = Bᵀ w`.
    fn bt_mul_into(&mut self, w: &[S], out: &mut [S]) -> Result<()> {
        let (n, m) = self.dims();
        check_len("Linearization::bt_mul_into w", n, w.len())?;
        check_len("Linearization::bt_mul_into out", m, out.len())?;
        self.bt_mul_impl(w, out);
        Ok(())
    }

    /// JVP `A ẋ + B θ̇`.
    fn jvp(&mut self, dx: &[S], dtheta: &[S]) -> Result<Vec<S>> {
        let (n, _) = self.dims();
        let mut a = vec![S::zero(); n];
        let mut b = vec![S::zero(); n];
        self.a_mul_into(dx, &mut a)?;
        self.b_mul_into(dtheta, &mut b)?;
        Ok(a.iter().zip(&b).map(|(u, v)| u.add(v)).collect())
    }

    /// VJP `(Aᵀ w, Bᵀ w)`.
    fn vjp(&mut self, w: &[S]) -> Result<(Vec<S>, Vec<S>)> {
        let (n, m) = self.dims();
        let mut wx = vec![S::zero(); n];
        let mut wt = vec![S::zero(); m];
        self.at_mul_into(w, &mut wx)?;
        self.bt_mul_into(w, &mut wt)?;
        Ok((wx, wt))
    }

    /// Dense `(A, B)`, column by column (cost `n + m` products).
    fn to_dense(&mut self) -> Result<(Matrix<S>, Matrix<S>)> {
        let (n, m) = self.dims();
        let mut a = Matrix::zeros(n, n);
        let mut b = Matrix::zeros(n, m);
        let mut e = vec![S::zero(); n.max(m)];
        let mut col = vec![S::zero(); n];
        for j in 0..n {
            e[j] = S::one();
            self.a_mul_into(&e[..n], &mut col)?;
            e[j] = S::zero();
            for (i, c) in col.iter().enumerate() {
                a[(i, j)] = c.clone();
            }
        }
        for j in 0..m {
            e[j] = S::one();
            self.b_mul_into(&e[..m], &mut col)?;
            e[j] = S::zero();
            for (i, c) in col.iter().enumerate() {
                b[(i, j)] = c.clone();
            }
        }
        Ok((a, b))
    }
}

/// The caller-owned workspace of a map in an iteration: its current linearization
/// with all buffers, allocated once.
///
/// [`Workspace::update`] is the fused evaluation: one call writes `F(x, θ)` and moves
/// the linearization to `(x, θ)` (one forward pass, no allocation for the maps of this
/// crate). For maps whose linearizations cannot move in place it falls back to
/// [`FixedPointMap::apply`] and [`FixedPointMap::linearize`], which allocate.
pub struct Workspace<'a, S: Scalar, F: FixedPointMap<S> + ?Sized> {
    map: &'a F,
    lin: Box<dyn Linearization<S> + 'a>,
}

impl<'a, S: Scalar, F: FixedPointMap<S> + ?Sized> Workspace<'a, S, F> {
    /// A workspace holding the linearization at `(x, θ)`.
    pub fn new(map: &'a F, x: &[S], theta: &[S]) -> Result<Self> {
        map.check_input(x, theta)?;
        let lin = map.linearize(x, theta)?;
        Ok(Workspace { map, lin })
    }

    /// The fused step: move the linearization to `(x, θ)` and write `F(x, θ)` into
    /// `fx` when given. Errors on wrong lengths or non-finite inputs, and with the
    /// map's own errors.
    pub fn update(&mut self, x: &[S], theta: &[S], fx: Option<&mut [S]>) -> Result<()> {
        self.map.check_input(x, theta)?;
        let (n, _) = self.map.dims();
        if let Some(f) = &fx {
            check_len("Workspace::update F(x) buffer", n, f.len())?;
        }
        let mut fx = fx;
        if self.lin.relinearize_impl(x, theta, fx.as_deref_mut())? {
            return Ok(());
        }
        self.lin = self.map.linearize(x, theta)?;
        if let Some(f) = fx {
            let v = self.map.apply(x, theta)?;
            check_len("FixedPointMap::apply output", n, v.len())?;
            f.clone_from_slice(&v);
        }
        Ok(())
    }

    /// The linearization at the last point (its products are checked).
    pub fn lin(&mut self) -> &mut (dyn Linearization<S> + 'a) {
        self.lin.as_mut()
    }

    /// The map.
    pub fn map(&self) -> &'a F {
        self.map
    }

    /// Whether the last linearization was at a smooth point.
    pub fn is_smooth_point(&self) -> bool {
        self.lin.is_smooth_point()
    }
}

pub mod admm;
pub mod bregman;
pub mod design;
pub mod douglas_rachford;
pub mod forward_backward;
pub mod heavy_ball;
pub mod log_params;
pub mod logistic;
pub mod relu_layer;
pub mod selection_map;
pub mod sinkhorn;
pub(crate) mod util;

pub use admm::Admm;
pub use bregman::EntropicNnls;
pub use design::{Csr, DenseRows, Design, SpectralEstimate};
pub use douglas_rachford::DouglasRachford;
pub use forward_backward::{ForwardBackward, Penalty, Splitting, StepRule};
pub use heavy_ball::HeavyBall;
pub use log_params::LogParams;
pub use logistic::{Labels, LogisticFb};
pub use relu_layer::ReluLayer;
pub use selection_map::SelectionMap;
pub use sinkhorn::Sinkhorn;
