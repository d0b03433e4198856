//! # piggyback: certified nonsmooth implicit differentiation
//!
//! Derivatives of fixed points `x̄(θ) = F(x̄(θ), θ)` of nonsmooth maps, computed in
//! `f64` for speed and in exact rationals or intervals to prove them.
#![deny(missing_docs)]

pub mod audit;
pub mod certify;
pub mod diff;
pub mod error;
pub mod excess;
pub mod io;
pub mod linalg;
pub mod maps;
pub mod matset;
pub mod scalar;
pub mod selection;

pub use error::{Error, Result};
pub use linalg::Matrix;
pub use maps::{FixedPointMap, Linearization};
pub use matset::MatrixSet;
pub use scalar::{Enclosure, Exact, Scalar, Sound, Transcendental, Verdict};
