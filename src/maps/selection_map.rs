//! Any [`Selection`] `G : R^{n+m} → R^n` as a fixed-point map `F(x, θ) = G(x, θ)`:
//! small hand-built maps (e.g. Clarke's `F(x, y) = (|x| + y, 2x + |y|)`, with `m = 0`)
//! get the [`FixedPointMap`] interface for free.
//!
//! The conservative Jacobian is the selection's (`conv` of the active pieces'
//! Jacobians, chained through compositions); the AD element is the selection's AD
//! Jacobian. The linearization stores that `n × (n + m)` matrix (these maps are small
//! by construction; large maps implement matrix-free products themselves).

use super::util::{mat_tr_vec_into, mat_vec_into};
use super::{FixedPointMap, Linearization};
use crate::error::{Error, Result};
use crate::linalg::{check_len, Matrix};
use crate::matset::MatrixSet;
use crate::scalar::Scalar;
use crate::selection::{Selection, Tolerance};

/// A selection `R^{n+m} → R^n` seen as `F(x, θ)` (inputs ordered `(x, θ)`).
#[derive(Clone, Debug)]
pub struct SelectionMap<G> {
    sel: G,
    m: usize,
    tol: Option<Tolerance>,
}

impl<G> SelectionMap<G> {
    /// Wrap `sel` with `m` trailing parameter inputs; errors unless
    /// `input_dim = output_dim + m`.
    pub fn new<S: Scalar>(sel: G, m: usize) -> Result<Self>
    where
        G: Selection<S>,
    {
        let (d, r) = (sel.input_dim(), sel.output_dim());
        if d != r + m {
            return Err(Error::DimensionMismatch {
                op: "SelectionMap: input = output + m",
                left: (r, m),
                right: (d, 0),
            });
        }
        Ok(SelectionMap { sel, m, tol: None })
    }
    /// Replace the tie tolerance (default [`Tolerance::default_for`] the scalar).
    pub fn with_tolerance(mut self, tol: Tolerance) -> Self {
        self.tol = Some(tol);
        self
    }
}

impl<S: Scalar, G: Selection<S>> FixedPointMap<S> for SelectionMap<G> {
    fn dims(&self) -> (usize, usize) {
        (self.sel.output_dim(), self.m)
    }
    fn apply(&self, x: &[S], theta: &[S]) -> Result<Vec<S>> {
        self.check_input(x, theta)?;
        self.sel.eval(&[x, theta].concat())
    }
    fn linearize(&self, x: &[S], theta: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        self.check_input(x, theta)?;
        let mut lin = SelectionLinearization {
            map: self,
            dense: DenseLinearization {
                a: Matrix::zeros(0, 0),
                b: Matrix::zeros(0, 0),
                smooth: true,
            },
            z: Vec::with_capacity(x.len() + theta.len()),
        };
        lin.relinearize_impl(x, theta, None)?;
        Ok(Box::new(lin))
    }
    fn conservative_jacobian(&self, x: &[S], theta: &[S]) -> Result<MatrixSet<S>> {
        self.check_input(x, theta)?;
        let tol = self.tol.unwrap_or_else(Tolerance::default_for::<S>);
        self.sel.conservative_jacobian(&[x, theta].concat(), &tol)
    }
}

/// A selection map's linearization: its dense AD Jacobian, recomputed in place (the
/// selection API returns new matrices, so moving allocates those; these maps are
/// small by construction).
struct SelectionLinearization<'a, S, G> {
    map: &'a SelectionMap<G>,
    dense: DenseLinearization<S>,
    z: Vec<S>,
}

impl<S: Scalar, G: Selection<S>> Linearization<S> for SelectionLinearization<'_, S, G> {
    fn dims(&self) -> (usize, usize) {
        self.map.dims()
    }
    fn relinearize_impl(&mut self, x: &[S], theta: &[S], fx: Option<&mut [S]>) -> Result<bool> {
        let sel = &self.map.sel;
        self.z.clear();
        self.z.extend_from_slice(x);
        self.z.extend_from_slice(theta);
        let tol = self.map.tol.unwrap_or_else(Tolerance::default_for::<S>);
        self.dense.smooth = sel.active_jacobians(&self.z, &tol)?.len() == 1;
        let j = sel.ad_jacobian(&self.z)?;
        let (n, m) = self.map.dims();
        if j.shape() != (n, n + m) {
            return Err(Error::DimensionMismatch {
                op: "SelectionMap: AD Jacobian of the selection",
                left: (n, n + m),
                right: j.shape(),
            });
        }
        let (a, b) = j.split_cols(n)?;
        (self.dense.a, self.dense.b) = (a, b);
        if let Some(f) = fx {
            let v = sel.eval(&self.z)?;
            check_len("Selection output", f.len(), v.len())?;
            f.clone_from_slice(&v);
        }
        Ok(true)
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        self.dense.a_mul_impl(v, out);
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        self.dense.at_mul_impl(w, out);
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        self.dense.b_mul_impl(v, out);
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        self.dense.bt_mul_impl(w, out);
    }
    fn is_smooth_point(&self) -> bool {
        self.dense.smooth
    }
}

/// A linearization holding dense `A` and `B` (for small maps; it cannot move to
/// another point by itself).
pub struct DenseLinearization<S> {
    /// `A` (`n × n`).
    pub a: Matrix<S>,
    /// `B` (`n × m`).
    pub b: Matrix<S>,
    /// Whether the point was decided smooth.
    pub smooth: bool,
}

impl<S: Scalar> Linearization<S> for DenseLinearization<S> {
    fn dims(&self) -> (usize, usize) {
        (self.a.rows(), self.b.cols())
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        mat_vec_into(&self.a, v, out);
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        mat_tr_vec_into(&self.a, w, out);
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        mat_vec_into(&self.b, v, out);
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        mat_tr_vec_into(&self.b, w, out);
    }
    fn is_smooth_point(&self) -> bool {
        self.smooth
    }
}
