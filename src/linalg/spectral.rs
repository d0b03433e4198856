//! Small exact spectral helpers for certificates: the characteristic polynomial of a
//! rational matrix and checkable proofs that its spectral radius exceeds `r`.
//!
//! A proof that `ρ(M) > r` (for `r ≥ 0`) is a [`RadiusWitness`], checked exactly by
//! [`check_radius_witness`]:
//! - [`RadiusWitness::RealRoot`]: a rational interval `[lo, hi]` lying entirely in
//!   `(r, ∞)` or in `(−∞, −r)` on which `p(λ) = det(λI − M)` has an exact root
//!   (`lo = hi`, `p(lo) = 0`) or changes sign (`p(lo)·p(hi) < 0`, so a real root lies
//!   strictly inside by the intermediate value theorem).
//! - [`RadiusWitness::Determinant`]: `|det M| > rⁿ`; since `|det M| = Π|λᵢ| ≤ ρ(M)ⁿ`.
//! - [`RadiusWitness::TracePower`]: `|tr(Mᵏ)| > n·rᵏ`; since `tr(Mᵏ) = Σλᵢᵏ`, whose
//!   modulus is at most `n·ρ(M)ᵏ`. This catches complex eigenvalues outside the disk
//!   once `k` is large enough for them to dominate.
//!
//! Limits (documented, not hidden): a real eigenvalue of even multiplicity that is
//! irrational gives no sign change, and complex eigenvalues are only caught by the
//! determinant or trace-power tests. [`spectral_radius_exceeds`] returning `None`
//! therefore means "no proof found", never "`ρ(M) ≤ r`".

use crate::error::{Error, Result};
use crate::linalg::exact::matmul_exact;
use crate::linalg::Matrix;
use crate::scalar::{Exact, Scalar};
use std::cmp::Ordering;

/// Coefficients `[c₀, c₁, …, cₙ]` (low to high, `cₙ = 1`) of the characteristic
/// polynomial `p(λ) = det(λI − M) = Σ cₖ λᵏ`, computed exactly by the
/// Faddeev–LeVerrier recursion: `M₀ = 0`, `Mₖ = M Mₖ₋₁ + cₙ₋ₖ₊₁ I`,
/// `cₙ₋ₖ = −tr(M Mₖ)/k`. Cost `O(n⁴)`: meant for small matrices.
pub fn char_poly<S: Exact>(m: &Matrix<S>) -> Result<Vec<S>> {
    if !m.is_square() {
        return Err(Error::DimensionMismatch {
            op: "char_poly",
            left: m.shape(),
            right: m.shape(),
        });
    }
    let n = m.rows();
    let mut c = vec![S::zero(); n + 1];
    c[n] = S::one();
    // am = M·Mₖ₋₁ (M·M₀ = 0).
    let mut am: Matrix<S> = Matrix::zeros(n, n);
    for k in 1..=n {
        // Mₖ = M Mₖ₋₁ + cₙ₋ₖ₊₁ I
        let mut mk = am;
        for i in 0..n {
            mk[(i, i)] = mk[(i, i)].add(&c[n - k + 1]);
        }
        am = matmul_exact(m, &mk)?;
        let tr = (0..n).fold(S::zero(), |acc, i| acc.add(&am[(i, i)]));
        // k ≥ 1, so the exact division by k never errors.
        c[n - k] = tr
            .neg()
            .div(&S::from_i64(k as i64))
            .ok_or_else(|| Error::DivisionByZero {
                context: format!("char_poly: trace / {k}"),
            })?;
    }
    Ok(c)
}

/// `p(x)` by Horner's rule (exact for exact scalars).
pub fn poly_eval<S: Scalar>(p: &[S], x: &S) -> S {
    p.iter().rev().fold(S::zero(), |acc, c| acc.mul(x).add(c))
}

/// An exactly checkable proof that the spectral radius of a matrix exceeds `r`
/// (see the module documentation for the three kinds).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RadiusWitness<S> {
    /// A real eigenvalue in `[lo, hi]`, an interval beyond `±r`.
    RealRoot {
        /// Left end.
        lo: S,
        /// Right end (`= lo` for an exact rational eigenvalue).
        hi: S,
    },
    /// `|det M| > rⁿ`.
    Determinant,
    /// `|tr(Mᵏ)| > n·rᵏ`.
    TracePower {
        /// The power `k ≥ 1`.
        k: usize,
    },
}

fn pow<S: Scalar>(x: &S, k: usize) -> S {
    (0..k).fold(S::one(), |acc, _| acc.mul(x))
}

fn trace<S: Scalar>(m: &Matrix<S>) -> S {
    (0..m.rows().min(m.cols())).fold(S::zero(), |acc, i| acc.add(&m[(i, i)]))
}

/// The arguments of a claim `ρ(M) > r`: `M` square, `r ≥ 0`.
fn check_radius_args<S: Exact>(m: &Matrix<S>, r: &S, op: &'static str) -> Result<()> {
    if !m.is_square() {
        return Err(Error::DimensionMismatch {
            op,
            left: m.shape(),
            right: m.shape(),
        });
    }
    if r.sign() == Some(Ordering::Less) {
        return Err(Error::parameter(
            "spectral radius threshold r",
            format!("{r:?}"),
            ">= 0",
        ));
    }
    Ok(())
}

/// Exact check of a [`RadiusWitness`] for `ρ(M) > r`. `Ok(false)` means the witness
/// does not prove the claim; errors on non-square `M` or `r < 0`.
pub fn check_radius_witness<S: Exact>(m: &Matrix<S>, r: &S, w: &RadiusWitness<S>) -> Result<bool> {
    check_radius_args(m, r, "check_radius_witness")?;
    let n = m.rows();
    match w {
        RadiusWitness::RealRoot { lo, hi } => {
            let beyond =
                lo.cmp_exact(r) == Ordering::Greater || hi.cmp_exact(&r.neg()) == Ordering::Less;
            if lo.cmp_exact(hi) == Ordering::Greater || !beyond {
                return Ok(false);
            }
            let p = char_poly(m)?;
            let (plo, phi) = (poly_eval(&p, lo), poly_eval(&p, hi));
            if lo == hi {
                Ok(plo.sign() == Some(Ordering::Equal))
            } else {
                Ok(plo.mul(&phi).sign() == Some(Ordering::Less))
            }
        }
        RadiusWitness::Determinant => {
            let p = char_poly(m)?;
            // det M = (−1)ⁿ p(0) = ±c₀. invariant: p has n + 1 ≥ 1 coefficients.
            Ok(p[0].abs().cmp_exact(&pow(r, n)) == Ordering::Greater)
        }
        RadiusWitness::TracePower { k } => {
            if *k == 0 || n == 0 {
                return Ok(false);
            }
            let mut mk = m.clone();
            for _ in 1..*k {
                mk = matmul_exact(&mk, m)?;
            }
            let bound = S::from_i64(n as i64).mul(&pow(r, *k));
            Ok(trace(&mk).abs().cmp_exact(&bound) == Ordering::Greater)
        }
    }
}

/// f64 *estimate* of the spectral radius (largest eigenvalue modulus, from
/// nalgebra's Schur decomposition). Not a bound. Errors on non-square or NaN input.
pub fn spectral_radius_estimate(m: &Matrix<f64>) -> Result<f64> {
    if !m.is_square() {
        return Err(Error::DimensionMismatch {
            op: "spectral_radius_estimate",
            left: m.shape(),
            right: m.shape(),
        });
    }
    m.check_finite("spectral_radius_estimate")?;
    if m.rows() == 0 {
        return Ok(0.0);
    }
    Ok(m.to_nalgebra()
        .complex_eigenvalues()
        .iter()
        .map(|z| z.norm())
        .fold(0.0, f64::max))
}

/// Continued-fraction convergents of an exact rational (at most `max_terms`).
fn convergents(x: &rug::Rational, max_terms: usize) -> Vec<rug::Rational> {
    let mut out = Vec::new();
    let (mut h0, mut h1) = (rug::Integer::from(0), rug::Integer::from(1));
    let (mut k0, mut k1) = (rug::Integer::from(1), rug::Integer::from(0));
    let mut rest = x.clone();
    for _ in 0..max_terms {
        let a = rest.floor_ref().into();
        let a: rug::Rational = a;
        let a_int = a.numer().clone();
        let h2 = rug::Integer::from(&a_int * &h1) + &h0;
        let k2 = rug::Integer::from(&a_int * &k1) + &k0;
        out.push(rug::Rational::from((h2.clone(), k2.clone())));
        let frac = rug::Rational::from(&rest - &a);
        if frac == 0 {
            break;
        }
        rest = frac.recip();
        (h0, h1, k0, k1) = (h1, h2, k1, k2);
    }
    out
}

/// Search for a [`RadiusWitness`] that `ρ(M) > r` (`r ≥ 0`): real eigenvalues
/// located in f64 then proven exactly (exact rational root or sign change of the
/// exact characteristic polynomial), then the determinant test, then trace powers
/// up to `k = max(32, 4n)`. Every returned witness has passed
/// [`check_radius_witness`]. `Ok(None)`: no proof found (not a proof of `ρ(M) ≤ r`).
pub fn spectral_radius_exceeds<S: Exact>(m: &Matrix<S>, r: &S) -> Result<Option<RadiusWitness<S>>> {
    check_radius_args(m, r, "spectral_radius_exceeds")?;
    let n = m.rows();
    if n == 0 {
        return Ok(None);
    }
    let mf = m.to_f64();
    let eig = if mf.is_finite() {
        mf.to_nalgebra()
            .complex_eigenvalues()
            .iter()
            .copied()
            .collect()
    } else {
        Vec::new()
    };
    let rf = r.to_f64();
    let scale = eig
        .iter()
        .map(|z: &nalgebra::Complex<f64>| z.norm())
        .fold(1.0f64, f64::max);
    for z in &eig {
        if z.im.abs() > 1e-6 * scale || z.re.abs() <= rf * (1.0 - 1e-12) {
            continue;
        }
        let Some(x) = rug::Rational::from_f64(z.re) else {
            continue;
        };
        // Exact rational eigenvalue near the estimate?
        for q in convergents(&x, 40) {
            let qs = S::from_rational(&q);
            let w = RadiusWitness::RealRoot {
                lo: qs.clone(),
                hi: qs,
            };
            if check_radius_witness(m, r, &w)? {
                return Ok(Some(w));
            }
        }
        // A sign change on a small bracket around it.
        for rel in [1e-13, 1e-10, 1e-7, 1e-4] {
            let d = rel * z.re.abs().max(1.0);
            let (Some(lo), Some(hi)) = (
                rug::Rational::from_f64(z.re - d),
                rug::Rational::from_f64(z.re + d),
            ) else {
                continue;
            };
            let w = RadiusWitness::RealRoot {
                lo: S::from_rational(&lo),
                hi: S::from_rational(&hi),
            };
            if check_radius_witness(m, r, &w)? {
                return Ok(Some(w));
            }
        }
    }
    if check_radius_witness(m, r, &RadiusWitness::Determinant)? {
        return Ok(Some(RadiusWitness::Determinant));
    }
    // Trace powers, computed incrementally (check_radius_witness recomputes Mᵏ; here
    // we test cheaply and let the final check confirm).
    let kmax = 32.max(4 * n);
    let mut mk = m.clone();
    for k in 1..=kmax {
        if k > 1 {
            mk = matmul_exact(&mk, m)?;
        }
        let bound = S::from_i64(n as i64).mul(&pow(r, k));
        if trace(&mk).abs().cmp_exact(&bound) == Ordering::Greater {
            let w = RadiusWitness::TracePower { k };
            if check_radius_witness(m, r, &w)? {
                return Ok(Some(w));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rug::Rational;

    #[test]
    fn heavy_ball_product() -> Result<()> {
        // docs/mathematics.md §5: M₁M₁M₂M₂ = [[−9/8, 81/128], [0, −9/32]] is upper triangular, so its
        // eigenvalues are the diagonal entries −9/8 and −9/32; p(λ) = (λ + 9/8)(λ + 9/32)
        // = λ² + (45/32)λ + 81/256.
        let m: Matrix<Rational> =
            Matrix::from_ratio_rows(&[vec![(-9, 8), (81, 128)], vec![(0, 1), (-9, 32)]])?;
        let p = char_poly(&m)?;
        assert_eq!(
            p,
            vec![
                Rational::from((81, 256)),
                Rational::from((45, 32)),
                Rational::from(1)
            ]
        );
        let w = spectral_radius_exceeds(&m, &Rational::from(1))?;
        let want = RadiusWitness::RealRoot {
            lo: Rational::from((-9, 8)),
            hi: Rational::from((-9, 8)),
        };
        assert_eq!(w, Some(want));
        // ρ = 9/8 does not exceed 9/8.
        assert_eq!(spectral_radius_exceeds(&m, &Rational::from((9, 8)))?, None);
        Ok(())
    }

    #[test]
    fn rotation_needs_trace_or_det() -> Result<()> {
        // 2·R(90°) = [[0,−2],[2,0]]: eigenvalues ±2i, no real root; det = 4 > 1.
        let m: Matrix<Rational> =
            Matrix::from_ratio_rows(&[vec![(0, 1), (-2, 1)], vec![(2, 1), (0, 1)]])?;
        let w = spectral_radius_exceeds(&m, &Rational::from(1))?;
        assert_eq!(w, Some(RadiusWitness::Determinant));
        assert!(check_radius_witness(
            &m,
            &Rational::from(1),
            &RadiusWitness::TracePower { k: 2 }
        )?);
        assert!(!check_radius_witness(
            &m,
            &Rational::from(2),
            &RadiusWitness::TracePower { k: 2 }
        )?);
        Ok(())
    }
}
