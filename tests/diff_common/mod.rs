//! Small fixed-point maps written in the tests (independent of `src/maps`), so the
//! differentiation engines are tested against hand-checkable references.
#![allow(dead_code, clippy::needless_range_loop)]

use piggyback::linalg::Matrix;
use piggyback::maps::{FixedPointMap, Linearization};
use piggyback::matset::MatrixSet;
use piggyback::{Error, Result, Scalar};
use std::cmp::Ordering;

/// `F(x, θ) = M x + N θ` (smooth everywhere).
pub struct Affine<S> {
    pub m: Matrix<S>,
    pub n: Matrix<S>,
}

pub struct AffineLin<'a, S> {
    pub m: &'a Matrix<S>,
    pub n: &'a Matrix<S>,
}

impl<S: Scalar> Linearization<S> for AffineLin<'_, S> {
    fn dims(&self) -> (usize, usize) {
        (self.m.rows(), self.n.cols())
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        out.clone_from_slice(&self.m.mul_vec(v).unwrap());
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        out.clone_from_slice(&self.m.tr_mul_vec(w).unwrap());
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        out.clone_from_slice(&self.n.mul_vec(v).unwrap());
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        out.clone_from_slice(&self.n.tr_mul_vec(w).unwrap());
    }
    fn is_smooth_point(&self) -> bool {
        true
    }
}

impl<S: Scalar> FixedPointMap<S> for Affine<S> {
    fn dims(&self) -> (usize, usize) {
        (self.m.rows(), self.n.cols())
    }
    fn apply(&self, x: &[S], theta: &[S]) -> Result<Vec<S>> {
        let a = self.m.mul_vec(x)?;
        let b = self.n.mul_vec(theta)?;
        Ok(a.iter().zip(&b).map(|(u, v)| u.add(v)).collect())
    }
    fn linearize(&self, _x: &[S], _theta: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        Ok(Box::new(AffineLin {
            m: &self.m,
            n: &self.n,
        }))
    }
    fn conservative_jacobian(&self, _x: &[S], _theta: &[S]) -> Result<MatrixSet<S>> {
        MatrixSet::singleton(self.m.hstack(&self.n)?)
    }
}

/// LASSO forward–backward map `F(x, λ) = S_{γλ}(x − γ Aᵀ(A x − b))`, `θ = λ` (raw).
/// AD convention: soft-threshold derivative 0 at the threshold.
pub struct LassoFb<S> {
    pub a: Matrix<S>,
    pub b: Vec<S>,
    pub gamma: S,
    pub ata: Matrix<S>,
}

impl<S: Scalar> LassoFb<S> {
    pub fn new(a: Matrix<S>, b: Vec<S>, gamma: S) -> Self {
        let ata = a.transpose().matmul(&a).unwrap();
        LassoFb { a, b, gamma, ata }
    }
    /// `z = x − γ Aᵀ(Ax − b)`.
    pub fn z(&self, x: &[S]) -> Vec<S> {
        let r: Vec<S> = self
            .a
            .mul_vec(x)
            .unwrap()
            .iter()
            .zip(&self.b)
            .map(|(u, v)| u.sub(v))
            .collect();
        let g = self.a.tr_mul_vec(&r).unwrap();
        x.iter()
            .zip(&g)
            .map(|(xi, gi)| xi.sub(&self.gamma.mul(gi)))
            .collect()
    }
    /// Per coordinate: (q lower, q upper, sign z) with ties giving [0, 1].
    pub fn pattern(&self, x: &[S], lambda: &S) -> Vec<(S, S, S)> {
        let t = self.gamma.mul(lambda);
        self.z(x)
            .iter()
            .map(|zi| {
                let s = match zi.sign() {
                    Some(Ordering::Greater) => S::one(),
                    Some(Ordering::Less) => S::one().neg(),
                    _ => S::zero(),
                };
                match zi.abs().cmp3(&t) {
                    Some(Ordering::Greater) => (S::one(), S::one(), s),
                    Some(Ordering::Less) => (S::zero(), S::zero(), s),
                    _ => (S::zero(), S::one(), s),
                }
            })
            .collect()
    }
    /// `[A_q, B_q]` for a given q.
    pub fn element(&self, q: &[S], s: &[S]) -> (Matrix<S>, Matrix<S>) {
        let n = q.len();
        let i_minus = Matrix::identity(n)
            .sub(&self.ata.scale(&self.gamma))
            .unwrap();
        let a = i_minus.scale_rows(q).unwrap();
        let b = Matrix::from_fn(n, 1, |i, _| q[i].mul(&self.gamma).mul(&s[i]).neg());
        (a, b)
    }
}

pub struct DenseLin<S> {
    pub a: Matrix<S>,
    pub b: Matrix<S>,
    pub smooth: bool,
}

impl<S: Scalar> Linearization<S> for DenseLin<S> {
    fn dims(&self) -> (usize, usize) {
        (self.a.rows(), self.b.cols())
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        out.clone_from_slice(&self.a.mul_vec(v).unwrap());
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        out.clone_from_slice(&self.a.tr_mul_vec(w).unwrap());
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        out.clone_from_slice(&self.b.mul_vec(v).unwrap());
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        out.clone_from_slice(&self.b.tr_mul_vec(w).unwrap());
    }
    fn is_smooth_point(&self) -> bool {
        self.smooth
    }
}

impl<S: Scalar> FixedPointMap<S> for LassoFb<S> {
    fn dims(&self) -> (usize, usize) {
        (self.a.cols(), 1)
    }
    fn apply(&self, x: &[S], theta: &[S]) -> Result<Vec<S>> {
        let t = self.gamma.mul(&theta[0]);
        Ok(self
            .z(x)
            .iter()
            .map(|zi| {
                let m = zi.abs().sub(&t).max(&S::zero());
                match zi.sign() {
                    Some(Ordering::Less) => m.neg(),
                    _ => m,
                }
            })
            .collect())
    }
    fn linearize(&self, x: &[S], theta: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        let pat = self.pattern(x, &theta[0]);
        let smooth = pat
            .iter()
            .all(|(lo, hi, _)| lo.cmp3(hi) == Some(Ordering::Equal));
        let q: Vec<S> = pat.iter().map(|p| p.0.clone()).collect();
        let s: Vec<S> = pat.iter().map(|p| p.2.clone()).collect();
        let (a, b) = self.element(&q, &s);
        Ok(Box::new(DenseLin { a, b, smooth }))
    }
    fn conservative_jacobian(&self, x: &[S], theta: &[S]) -> Result<MatrixSet<S>> {
        let pat = self.pattern(x, &theta[0]);
        let ones = vec![S::one(); pat.len()];
        let s: Vec<S> = pat.iter().map(|p| p.2.clone()).collect();
        let (a, b) = self.element(&ones, &s);
        let m = a.hstack(&b)?;
        let (r, c) = m.shape();
        MatrixSet::diag_box(
            pat.iter().map(|p| p.0.clone()).collect(),
            pat.iter().map(|p| p.1.clone()).collect(),
            m,
            Matrix::zeros(r, c),
        )
    }
}

/// Gaussian elimination written independently of the crate (tests only): solves `M x = r`.
pub fn ref_solve<S: Scalar>(m: &Matrix<S>, r: &[S]) -> Vec<S> {
    let n = r.len();
    let mut a: Vec<Vec<S>> = (0..n).map(|i| m.row(i)).collect();
    let mut b = r.to_vec();
    for c in 0..n {
        let p = (c..n)
            .find(|&i| !a[i][c].is_zero().is_true())
            .expect("singular in test");
        a.swap(c, p);
        b.swap(c, p);
        for i in 0..n {
            if i != c {
                let f = a[i][c].div(&a[c][c]).unwrap();
                for j in 0..n {
                    a[i][j] = a[i][j].sub(&f.mul(&a[c][j]));
                }
                b[i] = b[i].sub(&f.mul(&b[c]));
            }
        }
    }
    (0..n).map(|i| b[i].div(&a[i][i]).unwrap()).collect()
}

/// The small LASSO instance of the tests (hand-built so the KKT conditions hold):
/// `A` columns `(1,0,0,1)`, `(0,1,0,1)`, `(1,1,1,0)`; `x̂ = (2, −3, 0)`, `λ = 1`,
/// residual `r = b − A x̂ = (1, −1, r₃, 0)`, so `A₀ᵀr = 1 = λ`, `A₁ᵀr = −1 = −λ`,
/// `A₂ᵀr = r₃`. `r₃ = 1/2` is non-degenerate (`E = S = {0, 1}`); `r₃ = 1` puts
/// coordinate 2 in the equicorrelation set (`E = {0,1,2} ⊋ S`).
pub fn lasso_instance<S: Scalar>(r3: (i64, i64)) -> (Matrix<S>, Vec<S>, Vec<S>, S) {
    let a = Matrix::from_ratio_rows(&[
        vec![(1, 1), (0, 1), (1, 1)],
        vec![(0, 1), (1, 1), (1, 1)],
        vec![(0, 1), (0, 1), (1, 1)],
        vec![(1, 1), (1, 1), (0, 1)],
    ])
    .unwrap();
    let xhat = vec![S::from_i64(2), S::from_i64(-3), S::zero()];
    let ax = a.mul_vec(&xhat).unwrap();
    let r = [
        S::one(),
        S::one().neg(),
        S::from_ratio(r3.0, r3.1).unwrap(),
        S::zero(),
    ];
    let b = ax.iter().zip(&r).map(|(u, v)| u.add(v)).collect();
    (a, b, xhat, S::one())
}

pub fn err_kind(e: &Error) -> &'static str {
    match e {
        Error::NotConverged { .. } => "NotConverged",
        Error::NotContractive { .. } => "NotContractive",
        Error::Singular { .. } => "Singular",
        _ => "other",
    }
}
