//! `proptest` strategies and `quickcheck` `Arbitrary` implementations for the crate's
//! types, for users' own property tests (cargo feature `testing`).
//!
//! Scalars are small rationals `p/q` (`|p| ≤ 8`, `q ∈ {1, 2, 3, 4, 8}` by default),
//! so exact arithmetic stays fast and ties (kinks) occur often.

use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use proptest::prelude::*;
use rug::Rational;

/// Small rationals `p/q` with `|p| ≤ max_num`, `q ∈ {1, 2, 3, 4, 8}`.
pub fn small_rational(max_num: i64) -> impl Strategy<Value = Rational> + Clone {
    let m = max_num.max(0);
    (-m..=m, prop::sample::select(vec![1i64, 2, 3, 4, 8])).prop_map(|(p, q)| Rational::from((p, q)))
}

/// The default scalar strategy: [`small_rational`]`(8)`.
pub fn rational() -> impl Strategy<Value = Rational> + Clone {
    small_rational(8)
}

/// Vectors of `len` small rationals.
pub fn rational_vec(len: usize) -> impl Strategy<Value = Vec<Rational>> {
    prop::collection::vec(rational(), len)
}

/// `rows × cols` matrices of small rationals.
pub fn matrix(rows: usize, cols: usize) -> impl Strategy<Value = Matrix<Rational>> + Clone {
    prop::collection::vec(rational(), rows * cols)
        .prop_map(move |data| Matrix::from_fn(rows, cols, |i, j| data[i + j * rows].clone()))
}

/// Matrices with dimensions in `1..=max_dim`.
pub fn any_matrix(max_dim: usize) -> impl Strategy<Value = Matrix<Rational>> {
    let d = max_dim.max(1);
    (1..=d, 1..=d).prop_flat_map(|(r, c)| matrix(r, c))
}

/// Matrix sets of shape `rows × cols` of every variant (`Finite`, `Hull` with 1..=4
/// members, `Box` with `lo ≤ hi`, `DiagBox` with `q_lo ≤ q_hi`).
pub fn matrix_set(rows: usize, cols: usize) -> impl Strategy<Value = MatrixSet<Rational>> {
    let members = prop::collection::vec(matrix(rows, cols), 1..=4);
    prop_oneof![
        members
            .clone()
            .prop_filter_map("valid set", |ms| MatrixSet::finite(ms).ok()),
        members.prop_filter_map("valid set", |ms| MatrixSet::hull(ms).ok()),
        (matrix(rows, cols), matrix(rows, cols)).prop_filter_map("valid set", |(a, b)| {
            let lo = Matrix::from_fn(a.rows(), a.cols(), |i, j| {
                a[(i, j)].clone().min(b[(i, j)].clone())
            });
            let hi = Matrix::from_fn(a.rows(), a.cols(), |i, j| {
                a[(i, j)].clone().max(b[(i, j)].clone())
            });
            MatrixSet::interval_box(lo, hi).ok()
        }),
        (
            prop::collection::vec((rational(), rational()), rows),
            matrix(rows, cols),
            matrix(rows, cols)
        )
            .prop_filter_map("valid set", |(q, m, offset)| {
                let (q_lo, q_hi) = q
                    .into_iter()
                    .map(|(a, b)| if a <= b { (a, b) } else { (b, a) })
                    .unzip();
                MatrixSet::diag_box(q_lo, q_hi, m, offset).ok()
            }),
    ]
}

/// A (point, direction) pair in `R^n` for line searches, direction nonzero.
pub fn line(n: usize) -> impl Strategy<Value = (Vec<Rational>, Vec<Rational>)> {
    (rational_vec(n), rational_vec(n))
        .prop_filter("nonzero direction", |(_, d)| d.iter().any(|x| *x != 0))
}

/// A small rational for `quickcheck` (`p/q`, `|p| ≤ 8`, `q ∈ {1, 2, 3, 4, 8}`);
/// shrinks toward 0 and toward integers.
#[derive(Clone, Debug, PartialEq)]
pub struct SmallRational(pub Rational);

impl quickcheck::Arbitrary for SmallRational {
    fn arbitrary(g: &mut quickcheck::Gen) -> Self {
        let p = i64::from(qc::<i8>(g) % 9);
        let q = *g.choose(&[1i64, 2, 3, 4, 8]).unwrap_or(&1);
        SmallRational(Rational::from((p, q)))
    }
    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        let x = self.0.clone();
        let mut out = Vec::new();
        if x != 0 {
            out.push(SmallRational(Rational::new()));
            let t = Rational::from(x.trunc_ref());
            if t != x {
                out.push(SmallRational(t));
            }
        }
        Box::new(out.into_iter())
    }
}

/// A small matrix (dimensions `1..=4`) of [`SmallRational`] entries.
impl quickcheck::Arbitrary for Matrix<Rational> {
    fn arbitrary(g: &mut quickcheck::Gen) -> Self {
        let r = 1 + qc::<usize>(g) % 4;
        let c = 1 + qc::<usize>(g) % 4;
        Matrix::from_fn(r, c, |_, _| SmallRational::arbitrary(g).0)
    }
    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        // Zero one nonzero entry at a time.
        let m = self.clone();
        let nz: Vec<(usize, usize)> = (0..m.rows())
            .flat_map(|i| (0..m.cols()).map(move |j| (i, j)))
            .filter(|&(i, j)| m[(i, j)] != 0)
            .collect();
        Box::new(nz.into_iter().map(move |(i, j)| {
            let mut s = m.clone();
            s[(i, j)] = Rational::new();
            s
        }))
    }
}

/// A matrix set of every variant with small members.
impl quickcheck::Arbitrary for MatrixSet<Rational> {
    fn arbitrary(g: &mut quickcheck::Gen) -> Self {
        let r = 1 + qc::<usize>(g) % 3;
        let c = 1 + qc::<usize>(g) % 3;
        let mat =
            |g: &mut quickcheck::Gen| Matrix::from_fn(r, c, |_, _| SmallRational::arbitrary(g).0);
        // Every branch builds valid data (one shape, rational entries, lo ≤ hi).
        let set = match qc::<u8>(g) % 4 {
            0 | 1 => {
                let k = 1 + qc::<usize>(g) % 3;
                let ms = (0..k).map(|_| mat(g)).collect();
                MatrixSet::finite_or_hull(ms, qc::<u8>(g) % 2 == 0)
            }
            2 => {
                let a = mat(g);
                let b = mat(g);
                let lo = Matrix::from_fn(r, c, |i, j| a[(i, j)].clone().min(b[(i, j)].clone()));
                let hi = Matrix::from_fn(r, c, |i, j| a[(i, j)].clone().max(b[(i, j)].clone()));
                MatrixSet::interval_box(lo, hi)
            }
            _ => {
                let (q_lo, q_hi): (Vec<Rational>, Vec<Rational>) = (0..r)
                    .map(|_| {
                        let a = SmallRational::arbitrary(g).0;
                        let b = SmallRational::arbitrary(g).0;
                        if a <= b {
                            (a, b)
                        } else {
                            (b, a)
                        }
                    })
                    .unzip();
                let (m, offset) = (mat(g), mat(g));
                MatrixSet::diag_box(q_lo, q_hi, m, offset)
            }
        };
        // Cannot fail: every branch above passes one shape, finite (rational) entries
        // and ordered bounds, which is all the constructors check. `Arbitrary` has no
        // error channel, so a failure here would be a bug in this generator.
        set.expect("valid by construction")
    }
}

/// `T::arbitrary` from quickcheck (proptest's trait of the same name is in scope too).
fn qc<T: quickcheck::Arbitrary>(g: &mut quickcheck::Gen) -> T {
    T::arbitrary(g)
}

/// A one-input primitive of `crate::selection` chosen at random (for generated
/// selections): `abs`, `relu`, `hinge`, or the piecewise-quadratic derivative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnyPrimitive {
    /// `|z|`.
    Abs,
    /// `max(z, 0)`.
    Relu,
    /// `max(0, 1 − z)`.
    Hinge,
    /// `z (z ≥ 0), z/4 (z < 0)`.
    PwQuadraticDerivative,
}

impl<S: crate::scalar::Scalar> crate::selection::PiecewiseScalar<S> for AnyPrimitive {
    fn arity(&self) -> usize {
        1
    }
    fn value(&self, x: &[S]) -> crate::Result<S> {
        use crate::selection::primitives as p;
        match self {
            AnyPrimitive::Abs => p::Abs.value(x),
            AnyPrimitive::Relu => p::Relu.value(x),
            AnyPrimitive::Hinge => p::Hinge.value(x),
            AnyPrimitive::PwQuadraticDerivative => p::PwQuadraticDerivative.value(x),
        }
    }
    fn active_gradients(
        &self,
        x: &[S],
        tol: &crate::selection::Tolerance,
    ) -> crate::Result<Vec<Vec<S>>> {
        use crate::selection::primitives as p;
        match self {
            AnyPrimitive::Abs => p::Abs.active_gradients(x, tol),
            AnyPrimitive::Relu => p::Relu.active_gradients(x, tol),
            AnyPrimitive::Hinge => p::Hinge.active_gradients(x, tol),
            AnyPrimitive::PwQuadraticDerivative => {
                p::PwQuadraticDerivative.active_gradients(x, tol)
            }
        }
    }
    fn ad_gradient(&self, x: &[S]) -> crate::Result<Vec<S>> {
        use crate::selection::primitives as p;
        match self {
            AnyPrimitive::Abs => p::Abs.ad_gradient(x),
            AnyPrimitive::Relu => p::Relu.ad_gradient(x),
            AnyPrimitive::Hinge => p::Hinge.ad_gradient(x),
            AnyPrimitive::PwQuadraticDerivative => p::PwQuadraticDerivative.ad_gradient(x),
        }
    }
}

/// A small network `z ↦ M₂ σ(M₁ z + c₁) + c₂` built from the crate's selections
/// (`σ` one [`AnyPrimitive`] applied coordinatewise): a random piecewise-affine
/// selection with a known conservative Jacobian (the chain rule).
pub type SmallNetwork = crate::selection::Compose<
    crate::selection::Compose<
        crate::selection::Affine<Rational>,
        crate::selection::Coordinatewise<AnyPrimitive>,
    >,
    crate::selection::Affine<Rational>,
>;

fn network_from(
    m1: Matrix<Rational>,
    c1: Vec<Rational>,
    sigma: AnyPrimitive,
    m2: Matrix<Rational>,
    c2: Vec<Rational>,
) -> SmallNetwork {
    use crate::selection::{Affine, Compose, Coordinatewise};
    let hidden = m1.rows();
    Compose {
        inner: Compose {
            inner: Affine { m: m1, c: c1 },
            outer: Coordinatewise {
                primitive: sigma,
                n: hidden,
            },
        },
        outer: Affine { m: m2, c: c2 },
    }
}

/// One of the [`AnyPrimitive`]s.
pub fn primitive() -> impl Strategy<Value = AnyPrimitive> + Clone {
    prop::sample::select(vec![
        AnyPrimitive::Abs,
        AnyPrimitive::Relu,
        AnyPrimitive::Hinge,
        AnyPrimitive::PwQuadraticDerivative,
    ])
}

/// Random [`SmallNetwork`] selections `R^inputs → R^outputs` with `hidden` units.
pub fn network(
    inputs: usize,
    hidden: usize,
    outputs: usize,
) -> impl Strategy<Value = SmallNetwork> {
    (
        matrix(hidden, inputs),
        rational_vec(hidden),
        primitive(),
        matrix(outputs, hidden),
        rational_vec(outputs),
    )
        .prop_map(|(m1, c1, s, m2, c2)| network_from(m1, c1, s, m2, c2))
}

/// A quickcheck-generated [`SmallNetwork`] with 1..=3 inputs, hidden units and outputs.
#[derive(Clone, Debug)]
pub struct ArbitraryNetwork(pub SmallNetwork);

impl quickcheck::Arbitrary for ArbitraryNetwork {
    fn arbitrary(g: &mut quickcheck::Gen) -> Self {
        let (d, h, r) = (
            1 + qc::<usize>(g) % 3,
            1 + qc::<usize>(g) % 3,
            1 + qc::<usize>(g) % 3,
        );
        let mut mat = |rows: usize, cols: usize| {
            Matrix::from_fn(rows, cols, |_, _| SmallRational::arbitrary(g).0)
        };
        let m1 = mat(h, d);
        let m2 = mat(r, h);
        let c1 = (0..h).map(|_| SmallRational::arbitrary(g).0).collect();
        let c2 = (0..r).map(|_| SmallRational::arbitrary(g).0).collect();
        let sigma = *g
            .choose(&[
                AnyPrimitive::Abs,
                AnyPrimitive::Relu,
                AnyPrimitive::Hinge,
                AnyPrimitive::PwQuadraticDerivative,
            ])
            .unwrap_or(&AnyPrimitive::Relu);
        ArbitraryNetwork(network_from(m1, c1, sigma, m2, c2))
    }
}
