//! Scalar building blocks of the maps (values only; their pieces and Jacobians are
//! described with the selections below).

use crate::scalar::Scalar;

/// Soft-thresholding `S_τ(z) = sign(z) max(|z| − τ, 0)` for `τ ≥ 0`, written as
/// `max(z − τ, 0) + min(z + τ, 0)` so that intervals get a tight enclosure.
pub fn soft_threshold<S: Scalar>(z: &S, tau: &S) -> S {
    z.sub(tau).max(&S::zero()).add(&z.add(tau).min(&S::zero()))
}
