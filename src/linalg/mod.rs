//! Dense linear algebra over any [`Scalar`](crate::scalar::Scalar).

mod matrix;

pub use matrix::Matrix;
