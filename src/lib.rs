//! # piggyback: certified nonsmooth implicit differentiation
//!
//! Derivatives of fixed points `x̄(θ) = F(x̄(θ), θ)` of maps that are not
//! differentiable everywhere (soft-thresholding, ReLU, projections, piecewise
//! quadratics), computed fast in `f64` and *proved* in exact rationals or intervals.
//!
//! Automatic differentiation through such a fixed point returns one element of a
//! *conservative Jacobian* (Bolte & Pauwels). Whether that element means anything
//! depends on facts AD never checks: that the map contracts, that `I − A` is
//! invertible for every Jacobian element, that the iteration converged. piggyback
//! computes the same derivatives and can prove those facts, or refute them.
//!
//! ## Tour
//! - [`scalar`]: one [`Scalar`] trait for `f64`, [`rug::Rational`],
//!   [`num_rational::BigRational`] and [`inari::Interval`]; the markers [`Sound`]
//!   (rationals and intervals: results are proofs), [`Exact`] and [`Enclosure`].
//! - [`linalg`]: dense [`Matrix`] over any scalar; exact LU and `LDLᵀ`; a verified
//!   interval linear solve; norms and sound norm bounds; exact spectral tests.
//! - [`matset`]: sets of matrices ([`MatrixSet`]: finite, hulls, boxes,
//!   `{diag(q)M + C}`) with Minkowski operations and the action `J(X)`.
//! - [`excess`]: excess, gap and Hausdorff distance between sets of matrices.
//! - [`selection`]: piecewise-smooth primitives with their active pieces.
//! - [`maps`]: fixed-point maps ([`FixedPointMap`]) with their conservative Jacobians.
//! - [`diff`]: the set-valued piggyback recursion, ITD, AID, FPAD, NSID, hypergradients.
//! - [`certify`]: finders of certificates, each checked by the trusted kernel
//!   ([`piggyback_kernel`], a crate of its own).
//! - [`audit`]: a fuzzing harness for users' conservative-Jacobian code.
//! - [`io`], [`cli`]: data and problem files; the `piggyback` command line.
//! - [`experiments`]: the ICML 2024 paper's experiments (Figures 1 and 2) with proven references.
//! - [`plot`]: SVG/PNG pictures (line charts with bands, paths over heat maps).
//!
//! ## Guarantees
//! | scalar | arithmetic | a result is |
//! |---|---|---|
//! | `f64` | rounded to nearest | an estimate; kinks decided with a stated tolerance |
//! | rationals | exact | exact; kinks decided exactly |
//! | intervals | outward rounded | an enclosure of the exact result for every point of the inputs |
//!
//! Certificates are only built from [`Sound`] scalars (a compile-time bound: the
//! finders of [`certify`] take `S: Exact` or `S: Enclosure` data, or concrete rational
//! and interval types; see `docs/architecture.md`), and a certificate is only
//! returned after the trusted checker (exact rational arithmetic, no solver, no f64)
//! has accepted it. "Could not verify" ([`Error::CouldNotVerify`]) never means false.
//!
//! ## Example
//! ```
//! use piggyback::{certify::contraction, MatrixSet, Matrix};
//! use rug::Rational;
//! // The heavy-ball family of the seeds: each matrix has spectral radius √3/2 < 1 …
//! let m1: Matrix<Rational> = Matrix::from_ratio_rows(&[vec![(3, 4), (-3, 4)], vec![(1, 1), (0, 1)]])?;
//! let m2: Matrix<Rational> = Matrix::from_ratio_rows(&[vec![(3, 2), (-3, 4)], vec![(1, 1), (0, 1)]])?;
//! let family = MatrixSet::hull(vec![m1, m2])?;
//! // … but a product of them has an eigenvalue −9/8: no norm makes the family contract.
//! let refutation = piggyback::certify::refute::find_refutation(&family, &Rational::from(1), 4)?;
//! assert!(refutation.is_some());
//! # let _ = contraction::SearchOptions::default();
//! # Ok::<(), piggyback::Error>(())
//! ```
#![deny(missing_docs)]

pub mod audit;
pub mod certify;
pub mod cli;
pub mod diff;
pub mod error;
pub mod excess;
pub mod experiments;
pub mod io;
pub mod linalg;
pub mod maps;
pub mod matset;
pub mod plot;
pub mod scalar;
pub mod selection;

pub use error::{Error, Result};
pub use linalg::Matrix;
pub use maps::{FixedPointMap, Linearization};
pub use matset::{MatrixSet, MatrixSetView};
pub use scalar::{Enclosure, Exact, Scalar, Sound, Transcendental, Verdict};
