//! Lipschitz gradient selections: piecewise-smooth functions with their active pieces (docs/mathematics.md §2).
//!
//! A piecewise-smooth `F` is a continuous selection of smooth pieces `F_1..F_k`
//! (`F(x) = F_{s(x)}(x)`); with the active set `I(x) = {i : F(x) = F_i(x)}`,
//! `conv{∂F_i(x) : i ∈ I(x)}` is a conservative Jacobian of `F`.
//!
//! How ties (several active pieces) are decided depends on the scalar:
//!
//! | scalar | active set |
//! |---|---|
//! | exact rationals | exactly `I(x)` |
//! | intervals | every piece *possibly* active somewhere in the box (a superset: sound) |
//! | `f64` | pieces active up to the stated [`Tolerance`] (an estimate) |

mod compare;
pub mod compose;

pub use compare::{compare, hull2, nonnegative, unit_hull, Side, Tolerance};
pub use compose::{Affine, Compose, Coordinatewise, Lift, Selection, Stack};
pub use primitives::PiecewiseScalar;
pub mod primitives;
