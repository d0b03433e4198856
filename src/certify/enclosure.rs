//! Enclosure of every derivative any AD system could return at the fixed point, and
//! rigorous a-posteriori error bounds for a computed derivative (see `docs/kernel.md`).
//!
//! Setting: an interval matrix `[A]` (`n × n`) and `[B]` (`n × m`) containing every
//! `[A, B]` of the conservative Jacobian (e.g. its hull over a box enclosing `x̄`, see
//! [`crate::certify::fixed_point`]). With `ρ ≥ sup ‖A‖ < 1` (interval bound) in the
//! induced ∞-norm or, if that one is `≥ 1` or larger, the spectral norm (bounded by
//! [`two_norm_upper`]); written for ∞ below, the same holds for the 2-norm
//! since `|Jᵢⱼ| ≤ ‖J‖₂` too:
//! - **Enclosure.** Every `J` of the fixed set `fix 𝒥` satisfies `J = AJ + B` for some
//!   `[A, B]`, so `‖J‖_∞ ≤ ρ‖J‖_∞ + ‖B‖_∞`, i.e. `‖J‖_∞ ≤ β = sup‖[B]‖_∞/(1 − ρ)`:
//!   the box `𝒳₀ = [−β, β]^{n×m}` contains `fix 𝒥`. If `fix 𝒥 ⊆ 𝒳` then
//!   `fix 𝒥 = 𝒥(fix 𝒥) ⊆ [A]𝒳 + [B]`, so `𝒳_{k+1} = ([A]𝒳_k + [B]) ∩ 𝒳_k` keeps it.
//!   Before iterating, `𝒳₀` is intersected with the centred box `J̃ ± sup‖AJ̃ + B − J̃‖
//!   /(1 − ρ)` around the f64 solution `J̃ = (I − mid A)⁻¹ mid B` (every `J ∈ fix 𝒥`
//!   lies in it, since `J − J̃ = A(J − J̃) + (AJ̃ + B − J̃)`): this keeps the enclosure
//!   tight when the plain interval iteration suffers from wrapping (`ρ(|A|) ≥ 1`).
//! - **Error bound.** For a computed `Ĵ`, `d(Ĵ, fix 𝒥) ≤ sup ‖AĴ + B − Ĵ‖_∞/(1 − ρ)`
//!   (contraction of the set map in the Hausdorff distance), evaluated with outward
//!   rounding over `[A]`, `[B]`.
//!
//! Norms of `n × m` matrices are the induced ones (∞: largest row sum), for which
//! `‖AJ‖ ≤ ‖A‖‖J‖` and every entry satisfies `|Jᵢⱼ| ≤ ‖J‖`.

use crate::error::{Error, Result};
use crate::linalg::norms::Norm;
use crate::linalg::Matrix;
use crate::scalar::{Enclosure, Interval, Scalar};

/// An enclosure of the fixed set of `J ↦ AJ + B` over an interval family.
#[derive(Clone, Debug)]
pub struct DerivativeEnclosure {
    /// A box containing every element of `fix 𝒥` (every AD derivative).
    pub j: Matrix<Interval>,
    /// The contraction bound `ρ ≥ sup ‖A‖` used, `< 1`.
    pub rho: f64,
    /// The norm of `rho` ([`Norm::Inf`] or [`Norm::Two`]).
    pub norm: Norm,
}

/// Sound upper bound of `sup ‖M‖₂` over an interval matrix: the smaller of the
/// closed-form bound `min(√(‖·‖₁‖·‖_∞), ‖·‖_F)` and the verified
/// `ρ²I − MᵀM ≻ 0` bound ([`crate::linalg::verified::verified_spectral_norm_upper`]).
pub fn two_norm_upper(m: &Matrix<Interval>) -> f64 {
    let closed = crate::linalg::norms::spectral_norm_upper(m).sup();
    // Both are sound upper bounds; the verified one may be unavailable (None).
    crate::linalg::verified::verified_spectral_norm_upper(m).map_or(closed, |v| v.min(closed))
}

/// `sup ‖M‖` over an interval matrix, rounded up: the interval value's `sup` for the
/// 1-, ∞- and Frobenius norms, [`two_norm_upper`] for the spectral norm.
pub fn interval_norm_upper(norm: Norm, m: &Matrix<Interval>) -> f64 {
    match norm {
        Norm::Two => two_norm_upper(m),
        _ => norm.of_matrix(m).sup(),
    }
}

fn contraction(a: &Matrix<Interval>) -> Result<(f64, Norm)> {
    if !a.is_square() {
        return Err(Error::DimensionMismatch {
            op: "derivative enclosure",
            left: a.shape(),
            right: a.shape(),
        });
    }
    a.check_finite("interval Jacobian block A")?;
    let (inf, two) = (
        interval_norm_upper(Norm::Inf, a),
        interval_norm_upper(Norm::Two, a),
    );
    let (rho, name) = if inf <= two {
        (inf, Norm::Inf)
    } else {
        (two, Norm::Two)
    };
    if rho.is_nan() || rho >= 1.0 {
        return Err(Error::NotContractive {
            rho,
            context: "sup ‖[A]‖ of the interval Jacobian (∞- and 2-norm bounds)".into(),
        });
    }
    Ok((rho, name))
}

/// An enclosure matrix as `inari` intervals: the same values (the interval views of
/// `crate::scalar`) for `inari::Interval`, else `[inf, sup]` of each entry (the whole
/// line when those bounds do not form an interval; the finiteness checks refuse it).
fn to_inari<S: Enclosure>(m: &Matrix<S>) -> Matrix<Interval> {
    match S::as_intervals(m.as_slice()) {
        Some(v) => Matrix::from_fn(m.rows(), m.cols(), |i, j| v[i + j * m.rows()]),
        None => m.map(|x| Interval::try_from((x.inf(), x.sup())).unwrap_or(Interval::ENTIRE)),
    }
}

/// `sup(x / (1 − ρ))`, rounded up through interval division.
fn over_one_minus(x: f64, rho: f64) -> Result<f64> {
    let den = Interval::one().sub(&Interval::from_f64(rho)?);
    let q = Interval::from_f64(x)?
        .div(&den)
        .ok_or_else(|| Error::DivisionByZero {
            context: "1 − ρ".into(),
        })?;
    Ok(q.sup())
}

/// Enclose `fix 𝒥` for `𝒥 = {[A, B] : A ∈ [A], B ∈ [B]}` (see the module docs),
/// tightening with at most `steps` intersections.
///
/// Errors: [`Error::NotContractive`] unless `sup ‖[A]‖_∞ < 1`; shape and finiteness
/// errors.
pub fn derivative_enclosure<S: Enclosure>(
    a: &Matrix<S>,
    b: &Matrix<S>,
    steps: usize,
) -> Result<DerivativeEnclosure> {
    let (a, b) = (&to_inari(a), &to_inari(b));
    let (rho, norm) = contraction(a)?;
    if b.rows() != a.rows() {
        return Err(Error::DimensionMismatch {
            op: "derivative enclosure",
            left: a.shape(),
            right: b.shape(),
        });
    }
    b.check_finite("interval Jacobian block B")?;
    let beta = over_one_minus(interval_norm_upper(norm, b), rho)?;
    // from_bounds fails only for a non-finite β: the whole line is wider (sound), and
    // the finiteness check below then refuses it with a typed error.
    let mut j = Matrix::from_fn(b.rows(), b.cols(), |_, _| {
        Interval::from_bounds(-beta, beta).unwrap_or(Interval::ENTIRE)
    });
    j.check_finite("initial enclosure")?;
    // Centred box: J̃ = (I − mid A)⁻¹ mid B (f64) and every J ∈ fix 𝒥 has
    // ‖J − J̃‖ ≤ sup‖AJ̃ + B − J̃‖/(1 − ρ) (from J − J̃ = A(J − J̃) + (AJ̃ + B − J̃)),
    // which avoids the wrapping effect of the plain interval iteration.
    let n = a.rows();
    let centre =
        crate::linalg::lu::solve(&Matrix::<f64>::identity(n).sub(&a.to_f64())?, &b.to_f64());
    if let Ok(jt) = centre {
        if let Ok((eb, _)) = derivative_error_bound(a, b, &jt) {
            let ball = Interval::from_bounds(-eb, eb)?;
            for c in 0..j.cols() {
                for r in 0..j.rows() {
                    let w = Interval::from_f64(jt[(r, c)])?.add(&ball);
                    let (lo, hi) = (w.inf().max(j[(r, c)].inf()), w.sup().min(j[(r, c)].sup()));
                    j[(r, c)] =
                        Interval::from_bounds(lo, hi).map_err(|_| Error::CouldNotVerify {
                            reason: "empty intersection in enclosure".into(),
                        })?;
                }
            }
        }
    }
    for _ in 0..steps {
        let next = a.matmul(&j)?.add(b)?;
        let mut shrunk = false;
        let mut out = Matrix::zeros(j.rows(), j.cols());
        for c in 0..j.cols() {
            for r in 0..j.rows() {
                let (u, v) = (&next[(r, c)], &j[(r, c)]);
                let w = Interval::from_bounds(u.inf().max(v.inf()), u.sup().min(v.sup())).map_err(
                    |_| Error::CouldNotVerify {
                        reason: "empty intersection in enclosure".into(),
                    },
                )?;
                shrunk |= w.width() < v.width();
                out[(r, c)] = w;
            }
        }
        j = out;
        if !shrunk {
            break;
        }
    }
    Ok(DerivativeEnclosure { j, rho, norm })
}

/// Rigorous bound `d(Ĵ, fix 𝒥) ≤ sup ‖AĴ + B − Ĵ‖ / (1 − ρ)` (outward rounding) for a
/// computed derivative `Ĵ` (`n × m`, f64), with the norm it is measured in
/// ([`Norm::Inf`] or [`Norm::Two`], the one with the smaller contraction bound, as in
/// [`derivative_enclosure`]).
pub fn derivative_error_bound<S: Enclosure>(
    a: &Matrix<S>,
    b: &Matrix<S>,
    j_hat: &Matrix<f64>,
) -> Result<(f64, Norm)> {
    let (a, b) = (&to_inari(a), &to_inari(b));
    let (rho, norm) = contraction(a)?;
    if b.rows() != a.rows() || j_hat.shape() != b.shape() {
        return Err(Error::DimensionMismatch {
            op: "derivative error bound",
            left: b.shape(),
            right: j_hat.shape(),
        });
    }
    let ji: Matrix<Interval> = Matrix::from_f64_matrix(j_hat)?;
    let resid = a.matmul(&ji)?.add(b)?.sub(&ji)?;
    Ok((
        over_one_minus(interval_norm_upper(norm, &resid), rho)?,
        norm,
    ))
}
