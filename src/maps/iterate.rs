//! Plain fixed-point iteration `x_{k+1} = F(x_k, θ)` (a convenience for tests, examples
//! and warm starts; the differentiation engines own their iterations).

use super::FixedPointMap;
use crate::error::{Error, Result};
use crate::scalar::Scalar;

/// Iterate `F` from `x0` until `‖x_{k+1} − x_k‖_∞ ≤ tol` (measured on f64 estimates) or
/// `max_iter` steps; returns the last iterate and the number of steps taken.
///
/// Errors with [`Error::NotConverged`] when the budget is exhausted, and with
/// [`Error::NonFinite`] if an iterate stops being finite.
pub fn iterate<S: Scalar, M: FixedPointMap<S> + ?Sized>(
    map: &M,
    x0: &[S],
    theta: &[S],
    tol: f64,
    max_iter: usize,
) -> Result<(Vec<S>, usize)> {
    let mut x = x0.to_vec();
    let mut residual = f64::INFINITY;
    for k in 0..max_iter {
        let next = map.apply(&x, theta)?;
        residual = next
            .iter()
            .zip(&x)
            .map(|(a, b)| a.sub(b).abs().to_f64())
            .fold(0.0, f64::max);
        x = next;
        if !residual.is_finite() {
            return Err(Error::NonFinite {
                context: format!("fixed-point iterate {}", k + 1),
            });
        }
        if residual <= tol {
            return Ok((x, k + 1));
        }
    }
    Err(Error::NotConverged {
        what: "fixed-point iteration",
        iterations: max_iter,
        residual,
    })
}

/// Exactly `steps` iterations of `F` from `x0` (no stopping test).
pub fn iterate_n<S: Scalar, M: FixedPointMap<S> + ?Sized>(
    map: &M,
    x0: &[S],
    theta: &[S],
    steps: usize,
) -> Result<Vec<S>> {
    let mut x = x0.to_vec();
    for _ in 0..steps {
        x = map.apply(&x, theta)?;
    }
    Ok(x)
}
