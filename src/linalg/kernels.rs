//! Vector kernels shared by the matrix–vector products: a dot product with eight
//! independent accumulators (so that in f64 the compiler keeps eight SIMD lanes busy
//! instead of one serial chain) and an `axpy`. Generic over the scalar: exact over
//! rationals, enclosures over intervals (the summation order changes nothing there),
//! and in f64 a different, equally accurate, rounding order than a serial loop.
//!
//! Callers guarantee equal lengths (checked at the public boundary).

use crate::scalar::Scalar;

/// Number of independent accumulators of [`dot`].
const LANES: usize = 8;

/// `Σ aᵢ bᵢ` over the common length.
pub(crate) fn dot<S: Scalar>(a: &[S], b: &[S]) -> S {
    debug_assert_eq!(a.len(), b.len());
    let len = a.len().min(b.len());
    let split = len / LANES * LANES;
    let mut acc: [S; LANES] = std::array::from_fn(|_| S::zero());
    for (x, y) in a[..split]
        .chunks_exact(LANES)
        .zip(b[..split].chunks_exact(LANES))
    {
        for k in 0..LANES {
            acc[k] = acc[k].mul_add(&x[k], &y[k]);
        }
    }
    let mut tail = S::zero();
    for (x, y) in a[split..len].iter().zip(&b[split..len]) {
        tail = tail.mul_add(x, y);
    }
    // Pairwise combination of the lanes.
    let [a0, a1, a2, a3, a4, a5, a6, a7] = acc;
    let s = a0
        .add(&a4)
        .add(&a1.add(&a5))
        .add(&a2.add(&a6).add(&a3.add(&a7)));
    s.add(&tail)
}

/// `y ← y + α x` over the common length.
pub(crate) fn axpy<S: Scalar>(alpha: &S, x: &[S], y: &mut [S]) {
    debug_assert_eq!(x.len(), y.len());
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi = yi.mul_add(xi, alpha);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scalar::Rational;

    #[test]
    fn dot_and_axpy_are_exact_over_rationals() {
        // Σ_{i<19} i·(i+1)/2 = ½ Σ (i² + i) = ½ (18·19·37/6 + 18·19/2) = 1140.
        let a: Vec<Rational> = (0..19).map(Rational::from).collect();
        let b: Vec<Rational> = (0..19).map(|i| Rational::from((i + 1, 2))).collect();
        assert_eq!(dot(&a, &b), Rational::from(1140));
        let mut y = b.clone();
        axpy(&Rational::from(2), &a, &mut y);
        assert!(y
            .iter()
            .enumerate()
            .all(|(i, v)| *v == Rational::from((5 * i as i64 + 1, 2))));
    }
}
