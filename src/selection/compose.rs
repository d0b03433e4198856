//! Vector-valued selections and the chain rule: composing selections multiplies their
//! conservative Jacobians (Minkowski product, docs/mathematics.md §2).

use super::compare::Tolerance;
use super::primitives::PiecewiseScalar;
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use crate::scalar::Scalar;

/// Largest number of active Jacobians a selection enumerates before refusing with
/// [`Error::TooLarge`] (coordinatewise maps have `2ⁿ` vertices at `n` simultaneous ties).
pub const MAX_ACTIVE: usize = 4096;

/// A piecewise-smooth `F : R^d → R^r` given as a continuous selection of smooth pieces.
pub trait Selection<S: Scalar> {
    /// `d`.
    fn input_dim(&self) -> usize;
    /// `r`.
    fn output_dim(&self) -> usize;
    /// `F(x)` (over intervals: an enclosure).
    fn eval(&self, x: &[S]) -> Result<Vec<S>>;
    /// The `r × d` Jacobians of the pieces active at `x` (exact for rationals, possibly
    /// active over intervals, with tolerance `tol` in f64), without exact duplicates.
    fn active_jacobians(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Matrix<S>>>;
    /// The Jacobian automatic differentiation returns (each part's convention, chained).
    fn ad_jacobian(&self, x: &[S]) -> Result<Matrix<S>>;
    /// The conservative Jacobian `conv{∂F_i(x) : i active}`.
    fn conservative_jacobian(&self, x: &[S], tol: &Tolerance) -> Result<MatrixSet<S>> {
        MatrixSet::hull(self.active_jacobians(x, tol)?)
    }
}

fn check_len<S: Scalar>(x: &[S], d: usize, op: &'static str) -> Result<()> {
    if x.len() != d {
        return Err(Error::DimensionMismatch {
            op,
            left: (d, 1),
            right: (x.len(), 1),
        });
    }
    Ok(())
}

/// Remove exact duplicates (by `PartialEq` on the matrices); errors past [`MAX_ACTIVE`].
fn dedup<S: Scalar>(ms: Vec<Matrix<S>>) -> Result<Vec<Matrix<S>>> {
    let mut out: Vec<Matrix<S>> = Vec::new();
    for m in ms {
        let dup = out.iter().any(|o| {
            o.as_slice()
                .iter()
                .zip(m.as_slice())
                .all(|(a, b)| a.cmp3(b) == Some(std::cmp::Ordering::Equal))
        });
        if !dup {
            out.push(m);
        }
        if out.len() > MAX_ACTIVE {
            return Err(Error::TooLarge {
                context: format!("more than {MAX_ACTIVE} active Jacobians"),
            });
        }
    }
    Ok(out)
}

/// A scalar primitive as a selection `R^arity → R`.
#[derive(Clone, Debug)]
pub struct Lift<P>(pub P);

impl<S: Scalar, P: PiecewiseScalar<S>> Selection<S> for Lift<P> {
    fn input_dim(&self) -> usize {
        self.0.arity()
    }
    fn output_dim(&self) -> usize {
        1
    }
    fn eval(&self, x: &[S]) -> Result<Vec<S>> {
        Ok(vec![self.0.value(x)?])
    }
    fn active_jacobians(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Matrix<S>>> {
        let d = self.0.arity();
        dedup(
            self.0
                .active_gradients(x, tol)?
                .into_iter()
                .map(|g| Matrix::from_fn(1, d, |_, j| g[j].clone()))
                .collect(),
        )
    }
    fn ad_jacobian(&self, x: &[S]) -> Result<Matrix<S>> {
        let g = self.0.ad_gradient(x)?;
        Ok(Matrix::from_fn(1, g.len(), |_, j| g[j].clone()))
    }
}

/// A one-input primitive applied to each coordinate: `R^n → R^n`. Its conservative
/// Jacobian is a set of diagonal matrices, `[lo, hi]` per diagonal entry.
#[derive(Clone, Debug)]
pub struct Coordinatewise<P> {
    /// The primitive (arity 1).
    pub primitive: P,
    /// `n`.
    pub n: usize,
}

impl<P> Coordinatewise<P> {
    fn slopes<S: Scalar>(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Vec<S>>>
    where
        P: PiecewiseScalar<S>,
    {
        check_len(x, self.n, "Coordinatewise input")?;
        if self.primitive.arity() != 1 {
            return Err(Error::Unsupported {
                what: "Coordinatewise needs a one-input primitive".into(),
            });
        }
        x.iter()
            .map(|xi| {
                Ok(self
                    .primitive
                    .active_gradients(std::slice::from_ref(xi), tol)?
                    .into_iter()
                    .map(|g| g[0].clone())
                    .collect())
            })
            .collect()
    }
}

impl<S: Scalar, P: PiecewiseScalar<S>> Selection<S> for Coordinatewise<P> {
    fn input_dim(&self) -> usize {
        self.n
    }
    fn output_dim(&self) -> usize {
        self.n
    }
    fn eval(&self, x: &[S]) -> Result<Vec<S>> {
        check_len(x, self.n, "Coordinatewise input")?;
        x.iter()
            .map(|xi| self.primitive.value(std::slice::from_ref(xi)))
            .collect()
    }
    fn active_jacobians(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Matrix<S>>> {
        let slopes = self.slopes(x, tol)?;
        let count = slopes
            .iter()
            .try_fold(1usize, |acc, s| acc.checked_mul(s.len().max(1)));
        if count.is_none_or_large() {
            return Err(Error::TooLarge {
                context: format!(
                    "coordinatewise selection with more than {MAX_ACTIVE} active Jacobians"
                ),
            });
        }
        let mut diags: Vec<Vec<S>> = vec![Vec::new()];
        for s in &slopes {
            diags = diags
                .iter()
                .flat_map(|d| s.iter().map(move |v| [d.clone(), vec![v.clone()]].concat()))
                .collect();
        }
        dedup(diags.iter().map(|d| Matrix::diag(d)).collect())
    }
    fn ad_jacobian(&self, x: &[S]) -> Result<Matrix<S>> {
        check_len(x, self.n, "Coordinatewise input")?;
        let d: Result<Vec<S>> = x
            .iter()
            .map(|xi| Ok(self.primitive.ad_gradient(std::slice::from_ref(xi))?[0].clone()))
            .collect();
        Ok(Matrix::diag(&d?))
    }
    /// The diagonal interval box (equal to the hull of the `∏ kᵢ` diagonal vertices,
    /// without enumerating them).
    fn conservative_jacobian(&self, x: &[S], tol: &Tolerance) -> Result<MatrixSet<S>> {
        let slopes = self.slopes(x, tol)?;
        let mut lo = Matrix::zeros(self.n, self.n);
        let mut hi = Matrix::zeros(self.n, self.n);
        for (i, s) in slopes.iter().enumerate() {
            if let Some(first) = s.first() {
                lo[(i, i)] = s.iter().fold(first.clone(), |m, v| m.min(v));
                hi[(i, i)] = s.iter().fold(first.clone(), |m, v| m.max(v));
            }
        }
        MatrixSet::interval_box(lo, hi)
    }
}

trait LargeCount {
    fn is_none_or_large(&self) -> bool;
}

impl LargeCount for Option<usize> {
    fn is_none_or_large(&self) -> bool {
        self.map_or(true, |c| c > MAX_ACTIVE)
    }
}

/// The smooth selection `x ↦ M x + c` (a single piece).
#[derive(Clone, Debug)]
pub struct Affine<S> {
    /// `M` (`r × d`).
    pub m: Matrix<S>,
    /// `c` (`r`).
    pub c: Vec<S>,
}

impl<S: Scalar> Affine<S> {
    /// The linear map `x ↦ M x`.
    pub fn linear(m: Matrix<S>) -> Self {
        let c = vec![S::zero(); m.rows()];
        Affine { m, c }
    }
}

impl<S: Scalar> Selection<S> for Affine<S> {
    fn input_dim(&self) -> usize {
        self.m.cols()
    }
    fn output_dim(&self) -> usize {
        self.m.rows()
    }
    fn eval(&self, x: &[S]) -> Result<Vec<S>> {
        Ok(self
            .m
            .mul_vec(x)?
            .iter()
            .zip(&self.c)
            .map(|(a, b)| a.add(b))
            .collect())
    }
    fn active_jacobians(&self, x: &[S], _tol: &Tolerance) -> Result<Vec<Matrix<S>>> {
        check_len(x, self.m.cols(), "Affine input")?;
        Ok(vec![self.m.clone()])
    }
    fn ad_jacobian(&self, x: &[S]) -> Result<Matrix<S>> {
        check_len(x, self.m.cols(), "Affine input")?;
        Ok(self.m.clone())
    }
}

/// Two selections of the same input, outputs stacked: `x ↦ (F(x), G(x))`. Its active
/// Jacobians are all vertical stackings (the product of the parts' active sets).
#[derive(Clone, Debug)]
pub struct Stack<F, G>(pub F, pub G);

fn vstack<S: Scalar>(a: &Matrix<S>, b: &Matrix<S>) -> Result<Matrix<S>> {
    Ok(a.transpose().hstack(&b.transpose())?.transpose())
}

impl<S: Scalar, F: Selection<S>, G: Selection<S>> Selection<S> for Stack<F, G> {
    fn input_dim(&self) -> usize {
        self.0.input_dim()
    }
    fn output_dim(&self) -> usize {
        self.0.output_dim() + self.1.output_dim()
    }
    fn eval(&self, x: &[S]) -> Result<Vec<S>> {
        let mut v = self.0.eval(x)?;
        v.extend(self.1.eval(x)?);
        Ok(v)
    }
    fn active_jacobians(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Matrix<S>>> {
        let (fa, ga) = (
            self.0.active_jacobians(x, tol)?,
            self.1.active_jacobians(x, tol)?,
        );
        if fa.len().saturating_mul(ga.len()) > MAX_ACTIVE {
            return Err(Error::TooLarge {
                context: format!("stacked selection with more than {MAX_ACTIVE} active Jacobians"),
            });
        }
        let mut out = Vec::with_capacity(fa.len() * ga.len());
        for f in &fa {
            for g in &ga {
                out.push(vstack(f, g)?);
            }
        }
        dedup(out)
    }
    fn ad_jacobian(&self, x: &[S]) -> Result<Matrix<S>> {
        vstack(&self.0.ad_jacobian(x)?, &self.1.ad_jacobian(x)?)
    }
}

/// The composition `G ∘ F`: `x ↦ G(F(x))`. Its conservative Jacobian is the Minkowski
/// product `D_G(F(x)) · D_F(x)` (chain rule), enumerated as the products of active
/// Jacobians `∂G_j(F(x)) ∂F_i(x)`; their hull is the hull of the product set.
#[derive(Clone, Debug)]
pub struct Compose<F, G> {
    /// The inner selection `F`.
    pub inner: F,
    /// The outer selection `G`.
    pub outer: G,
}

impl<S: Scalar, F: Selection<S>, G: Selection<S>> Selection<S> for Compose<F, G> {
    fn input_dim(&self) -> usize {
        self.inner.input_dim()
    }
    fn output_dim(&self) -> usize {
        self.outer.output_dim()
    }
    fn eval(&self, x: &[S]) -> Result<Vec<S>> {
        self.outer.eval(&self.inner.eval(x)?)
    }
    fn active_jacobians(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Matrix<S>>> {
        let y = self.inner.eval(x)?;
        let (fa, ga) = (
            self.inner.active_jacobians(x, tol)?,
            self.outer.active_jacobians(&y, tol)?,
        );
        if fa.len().saturating_mul(ga.len()) > MAX_ACTIVE {
            return Err(Error::TooLarge {
                context: format!("composition with more than {MAX_ACTIVE} active Jacobians"),
            });
        }
        let mut out = Vec::with_capacity(fa.len() * ga.len());
        for g in &ga {
            for f in &fa {
                out.push(g.matmul(f)?);
            }
        }
        dedup(out)
    }
    fn ad_jacobian(&self, x: &[S]) -> Result<Matrix<S>> {
        let y = self.inner.eval(x)?;
        self.outer
            .ad_jacobian(&y)?
            .matmul(&self.inner.ad_jacobian(x)?)
    }
}
