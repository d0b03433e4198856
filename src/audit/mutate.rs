//! Deliberately wrong claims built from correct ones, to calibrate an audit budget:
//! a [`Mutant`] wraps any [`AuditTarget`] and applies a [`Mutation`] to every claimed
//! element (mutation testing of Jacobian code).

use super::membership::representatives;
use super::{AuditTarget, Claim};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::{MatrixSet, MatrixSetView};
use rug::Rational;

/// A systematic error applied to every claimed element.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Mutation {
    /// Every element scaled by a factor (e.g. `1 + ε`).
    Scale(Rational),
    /// Entry `(i, j)` negated where it is positive (a wrong sign on some pieces).
    NegatePositive(usize, usize),
    /// Entry `(i, j)` shifted by a constant.
    Shift(usize, usize, Rational),
    /// The leading square block (the `A` of `[A, B]`) transposed.
    TransposeSquareBlock,
    /// Column `j` set to zero (a missing `B` block, a wrong support).
    ZeroColumn(usize),
    /// Set claims replaced by their first representative element, as a set (a missing
    /// tie element); element claims are unchanged.
    KeepFirst,
    /// Element claims from a selection made into the one-element set `{A}` (the AD
    /// element presented as if it were the whole conservative Jacobian).
    ElementAsSet,
}

impl Mutation {
    fn apply(&self, m: &Matrix<Rational>) -> Result<Matrix<Rational>> {
        let (r, c) = m.shape();
        let check = |i: usize, j: usize| -> Result<()> {
            if i < r && j < c {
                Ok(())
            } else {
                Err(Error::IndexOutOfRange {
                    what: format!("mutation entry ({i}, {j}) of a {r}×{c} claim (row-major)"),
                    index: i * c + j,
                    len: r * c,
                })
            }
        };
        let mut out = m.clone();
        match self {
            Mutation::Scale(f) => {
                for x in out.as_mut_slice() {
                    *x *= f;
                }
            }
            Mutation::NegatePositive(i, j) => {
                check(*i, *j)?;
                if out[(*i, *j)] > 0 {
                    out[(*i, *j)] = Rational::from(-&m[(*i, *j)]);
                }
            }
            Mutation::Shift(i, j, d) => {
                check(*i, *j)?;
                out[(*i, *j)] += d;
            }
            Mutation::TransposeSquareBlock => {
                let k = r.min(c);
                for i in 0..k {
                    for j in 0..k {
                        out[(i, j)] = m[(j, i)].clone();
                    }
                }
            }
            Mutation::ZeroColumn(j) => {
                check(0, *j)?;
                for i in 0..r {
                    out[(i, *j)] = Rational::new();
                }
            }
            Mutation::KeepFirst | Mutation::ElementAsSet => {}
        }
        Ok(out)
    }

    fn apply_claim(&self, c: Claim) -> Result<Claim> {
        Ok(match (self, c) {
            (Mutation::ElementAsSet, Claim::Element(a)) => Claim::Set(MatrixSet::singleton(a)?),
            (Mutation::KeepFirst, Claim::Set(s)) => {
                let first =
                    representatives(&s)?
                        .into_iter()
                        .next()
                        .ok_or_else(|| Error::Empty {
                            what: "the claimed set".into(),
                        })?;
                Claim::Set(MatrixSet::singleton(first)?)
            }
            (_, Claim::Element(a)) => Claim::Element(self.apply(&a)?),
            (_, Claim::Set(s)) => Claim::Set(self.apply_set(&s)?),
        })
    }

    fn apply_set(&self, s: &MatrixSet<Rational>) -> Result<MatrixSet<Rational>> {
        match s.view() {
            MatrixSetView::Finite(ms) => {
                MatrixSet::finite(ms.iter().map(|m| self.apply(m)).collect::<Result<_>>()?)
            }
            MatrixSetView::Hull(ms) => {
                MatrixSet::hull(ms.iter().map(|m| self.apply(m)).collect::<Result<_>>()?)
            }
            // Every mutation acts entrywise-affinely, so a box maps onto the box spanned
            // by the images of its bounds.
            MatrixSetView::Box { lo, hi } if !matches!(self, Mutation::NegatePositive(..)) => {
                let (a, b) = (self.apply(lo)?, self.apply(hi)?);
                let (r, c) = a.shape();
                MatrixSet::interval_box(
                    Matrix::from_fn(r, c, |i, j| a[(i, j)].clone().min(b[(i, j)].clone())),
                    Matrix::from_fn(r, c, |i, j| a[(i, j)].clone().max(b[(i, j)].clone())),
                )
            }
            // Otherwise through the extreme points (a linear image of a polytope is the
            // hull of the images of its vertices).
            _ => MatrixSet::hull(
                s.vertices(1 << 12)?
                    .iter()
                    .map(|m| self.apply(m))
                    .collect::<Result<_>>()?,
            ),
        }
    }
}

/// `inner` with its claims mutated by `mutation`; `F` is unchanged.
pub struct Mutant<T> {
    /// The correct target.
    pub inner: T,
    /// The error introduced.
    pub mutation: Mutation,
}

impl<T: AuditTarget> AuditTarget for Mutant<T> {
    fn name(&self) -> String {
        format!("{} with {:?}", self.inner.name(), self.mutation)
    }
    fn dims(&self) -> (usize, usize) {
        self.inner.dims()
    }
    fn eval(&self, z: &[Rational]) -> Result<Vec<Rational>> {
        self.inner.eval(z)
    }
    fn claimed(&self, z: &[Rational]) -> Result<Claim> {
        self.mutation.apply_claim(self.inner.claimed(z)?)
    }
    fn directional(&self, z: &[Rational], d: &[Rational]) -> Option<Result<Vec<Rational>>> {
        self.inner.directional(z, d)
    }
    fn traces_branches(&self) -> bool {
        self.inner.traces_branches()
    }
    fn hints(&self) -> Vec<Rational> {
        self.inner.hints()
    }
    fn arithmetic(&self) -> super::Arithmetic {
        self.inner.arithmetic()
    }
}

impl<T: AuditTarget + ?Sized> AuditTarget for Box<T> {
    fn name(&self) -> String {
        (**self).name()
    }
    fn dims(&self) -> (usize, usize) {
        (**self).dims()
    }
    fn eval(&self, z: &[Rational]) -> Result<Vec<Rational>> {
        (**self).eval(z)
    }
    fn claimed(&self, z: &[Rational]) -> Result<Claim> {
        (**self).claimed(z)
    }
    fn claimed_product(&self, z: &[Rational], d: &[Rational]) -> Option<Result<Vec<Rational>>> {
        (**self).claimed_product(z, d)
    }
    fn directional(&self, z: &[Rational], d: &[Rational]) -> Option<Result<Vec<Rational>>> {
        (**self).directional(z, d)
    }
    fn traces_branches(&self) -> bool {
        (**self).traces_branches()
    }
    fn hints(&self) -> Vec<Rational> {
        (**self).hints()
    }
    fn arithmetic(&self) -> super::Arithmetic {
        (**self).arithmetic()
    }
    fn claim_consistency(&self, z: &[Rational]) -> Option<std::result::Result<(), String>> {
        (**self).claim_consistency(z)
    }
}
