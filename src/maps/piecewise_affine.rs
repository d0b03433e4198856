//! A general continuous piecewise-affine map given by its pieces:
//! `F(z) = Aᵢ x + Bᵢ θ + cᵢ` on the closed polyhedral region `Rᵢ = {z : Gᵢ z ≤ hᵢ}`,
//! `z = (x, θ)`. It is a continuous selection of affine pieces, so
//! `conv{[Aᵢ, Bᵢ] : z ∈ Rᵢ, Fᵢ(z) = F(z)}` is a conservative Jacobian (docs/mathematics.md §2).
//!
//! AD convention: the first listed piece whose region contains `z`.
//! Exactness: rationals decide region membership exactly; intervals keep every
//! *possibly* containing region (a superset of the active pieces); f64 decides with the
//! tolerance [`PiecewiseAffine::TOLERANCE`] on the constraint residuals.

use super::util::{mat_tr_vec_into, mat_vec_into};
use super::{FixedPointMap, Linearization};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use crate::scalar::{ArithmeticKind, Scalar, Verdict};

/// One affine piece with its region.
#[derive(Clone, Debug)]
pub struct AffinePiece<S> {
    /// `∂ₓ` block (`n × n`).
    pub a: Matrix<S>,
    /// `∂_θ` block (`n × m`).
    pub b: Matrix<S>,
    /// Offset (`n`).
    pub c: Vec<S>,
    /// Region constraints `G z ≤ h` (`k × (n + m)`); zero rows means everywhere.
    pub g: Matrix<S>,
    /// Right-hand sides (`k`).
    pub h: Vec<S>,
}

/// A continuous piecewise-affine map (see the module documentation).
#[derive(Clone, Debug)]
pub struct PiecewiseAffine<S> {
    n: usize,
    m: usize,
    pieces: Vec<AffinePiece<S>>,
}

impl<S: Scalar> PiecewiseAffine<S> {
    /// Residual tolerance used by f64 to decide region membership and ties.
    pub const TOLERANCE: f64 = 1e-12;

    /// Build from pieces; checks every shape. Continuity, coverage and regions with
    /// interior are *not* checked here (f64 and interval data cannot decide them):
    /// problem files are validated exactly when loaded, and exact pieces can be checked
    /// with `piggyback_kernel::pwa::validate`.
    pub fn new(pieces: Vec<AffinePiece<S>>) -> Result<Self> {
        let first = pieces.first().ok_or_else(|| Error::Empty {
            what: "the pieces of a piecewise-affine map".into(),
        })?;
        let (n, m) = (first.a.rows(), first.b.cols());
        for p in &pieces {
            let ok = p.a.shape() == (n, n)
                && p.b.shape() == (n, m)
                && p.c.len() == n
                && p.g.cols() == n + m
                && p.h.len() == p.g.rows();
            if !ok {
                return Err(Error::DimensionMismatch {
                    op: "PiecewiseAffine piece",
                    left: (n, m),
                    right: p.b.shape(),
                });
            }
            let finite = p.a.is_finite() && p.b.is_finite() && p.g.is_finite();
            if !finite || !p.c.iter().chain(&p.h).all(Scalar::is_finite) {
                return Err(Error::NonFinite {
                    context: "piecewise-affine piece".into(),
                });
            }
        }
        Ok(PiecewiseAffine { n, m, pieces })
    }

    /// The pieces.
    pub fn pieces(&self) -> &[AffinePiece<S>] {
        &self.pieces
    }

    /// Every piece's `[Aᵢ, Bᵢ]`: their hull contains the conservative Jacobian at
    /// every point, so certifying it certifies the map globally.
    pub fn all_piece_jacobians(&self) -> Result<Vec<Matrix<S>>> {
        self.pieces.iter().map(|p| p.a.hstack(&p.b)).collect()
    }

    fn value_of(&self, p: &AffinePiece<S>, x: &[S], theta: &[S]) -> Result<Vec<S>> {
        let ax = p.a.mul_vec(x)?;
        let bt = p.b.mul_vec(theta)?;
        Ok(ax
            .iter()
            .zip(&bt)
            .zip(&p.c)
            .map(|((u, v), c)| u.add(v).add(c))
            .collect())
    }

    /// Whether `z` lies in the region of `p` (three-valued; f64 with tolerance).
    fn in_region(&self, p: &AffinePiece<S>, z: &[S]) -> Result<Verdict> {
        let gz = p.g.mul_vec(z)?;
        let tol = S::from_f64(if S::KIND == ArithmeticKind::Rounded {
            Self::TOLERANCE
        } else {
            0.0
        })?;
        let mut verdict = Verdict::True;
        for (lhs, h) in gz.iter().zip(&p.h) {
            verdict = verdict.and(lhs.le(&h.add(&tol)));
        }
        Ok(verdict)
    }

    /// Indices of pieces that are (possibly) active at `(x, θ)`; the first entry of the
    /// returned pair lists certainly-active pieces, the second possibly-active ones.
    pub fn active_pieces(&self, x: &[S], theta: &[S]) -> Result<(Vec<usize>, Vec<usize>)> {
        self.check_input(x, theta)?;
        let z: Vec<S> = x.iter().chain(theta).cloned().collect();
        let (mut sure, mut maybe) = (Vec::new(), Vec::new());
        for (i, p) in self.pieces.iter().enumerate() {
            match self.in_region(p, &z)? {
                Verdict::True => sure.push(i),
                Verdict::Unknown => maybe.push(i),
                Verdict::False => {}
            }
        }
        if sure.is_empty() && maybe.is_empty() {
            return Err(Error::OutsideDomain {
                context: "the point lies in no piece's region".into(),
            });
        }
        Ok((sure, maybe))
    }
}

impl<S: Scalar> FixedPointMap<S> for PiecewiseAffine<S> {
    fn dims(&self) -> (usize, usize) {
        (self.n, self.m)
    }

    fn apply(&self, x: &[S], theta: &[S]) -> Result<Vec<S>> {
        let (sure, maybe) = self.active_pieces(x, theta)?;
        match sure.first() {
            Some(&i) => self.value_of(&self.pieces[i], x, theta),
            // Intervals only: several pieces possibly contain the box and none surely
            // does; one piece's value would not enclose F, so refuse rather than guess.
            None => Err(Error::CouldNotVerify {
                reason: format!(
                    "no piece is certainly active at this point ({} possibly)",
                    maybe.len()
                ),
            }),
        }
    }

    fn linearize(&self, x: &[S], theta: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        let mut lin = PieceLinearization {
            map: self,
            piece: 0,
            smooth: true,
        };
        lin.relinearize_impl(x, theta, None)?;
        Ok(Box::new(lin))
    }

    /// The hull of every piece's `Aᵢ` (whatever the region).
    fn state_jacobian_family(&self, _theta: &[S]) -> Result<MatrixSet<S>> {
        MatrixSet::hull(self.pieces.iter().map(|p| p.a.clone()).collect())
    }

    fn conservative_jacobian(&self, x: &[S], theta: &[S]) -> Result<MatrixSet<S>> {
        let (sure, maybe) = self.active_pieces(x, theta)?;
        let mut vs = Vec::new();
        for i in sure.into_iter().chain(maybe) {
            let p = &self.pieces[i];
            vs.push(p.a.hstack(&p.b)?);
        }
        MatrixSet::hull(vs)
    }
}

/// The AD element: the first (certainly, else possibly) active piece's `[Aᵢ, Bᵢ]`.
struct PieceLinearization<'a, S> {
    map: &'a PiecewiseAffine<S>,
    piece: usize,
    smooth: bool,
}

impl<S: Scalar> PieceLinearization<'_, S> {
    fn piece(&self) -> &AffinePiece<S> {
        &self.map.pieces[self.piece]
    }
}

impl<S: Scalar> Linearization<S> for PieceLinearization<'_, S> {
    fn dims(&self) -> (usize, usize) {
        (self.map.n, self.map.m)
    }
    fn relinearize_impl(&mut self, x: &[S], theta: &[S], fx: Option<&mut [S]>) -> Result<bool> {
        let (sure, maybe) = self.map.active_pieces(x, theta)?;
        self.piece = *sure
            .first()
            .or(maybe.first())
            .ok_or_else(|| Error::OutsideDomain {
                context: "no active piece".into(),
            })?;
        self.smooth = sure.len() + maybe.len() == 1;
        if let Some(f) = fx {
            // The value needs a certainly active piece (see `apply`).
            let v = self.map.apply(x, theta)?;
            f.clone_from_slice(&v);
        }
        Ok(true)
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        mat_vec_into(&self.piece().a, v, out);
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        mat_tr_vec_into(&self.piece().a, w, out);
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        mat_vec_into(&self.piece().b, v, out);
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        mat_tr_vec_into(&self.piece().b, w, out);
    }
    fn is_smooth_point(&self) -> bool {
        self.smooth
    }
}
