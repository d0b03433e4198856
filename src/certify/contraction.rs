//! Finding norm-bound certificates `sup_{A ∈ 𝒜} ‖A‖ ≤ ρ` (a contraction when `ρ < 1`;
//! see `docs/kernel.md`).
//!
//! Every finder comes in two forms: about a written family (`find_norm_bound`, …) and
//! about any [`Subject`] whose family the caller passes for the search (`…_for`), e.g.
//! the map of an embedded problem, whose family the kernel re-derives.
//!
//! - Unweighted norms: the 1- and ∞-norm bounds are computed exactly (they are sums).
//!   For the spectral norm an f64 estimate `σ̂` of the largest singular value over the
//!   extreme points proposes short rationals (continued-fraction convergents of `σ̂`
//!   and decimal round-ups `⌈σ̂·10ᵏ⌉/10ᵏ`), ending with a sound upper bound; a binary
//!   search over that sorted list finds the smallest one that passes the exact test
//!   `ρ²I − AᵀA ⪰ 0` at every extreme point ([`find_norm_bound`]).
//! - Weighted norms `‖A‖_P` (which can certify families whose Euclidean norm exceeds
//!   1): for a target `ρ`, iterate `P ← I + Σᵢ AᵢᵀPAᵢ/ρ²` in f64. At its fixed point
//!   `ρ²P − AᵢᵀPAᵢ = ρ²I + Σ_{j≠i} AⱼᵀPAⱼ ≻ 0`, a margin that survives rounding `P`
//!   to short decimals; the rounded `P` is then verified exactly. The sum runs over an
//!   *active set* of vertices (start with the largest norm, add the most violated
//!   vertex, repeat), so a few dominant vertices do not have to pay for all `m`. The
//!   iteration converges when the spectral radius of `X ↦ Σ_{active} AᵢᵀXAᵢ/ρ²` is
//!   `< 1`, which is sufficient but not necessary for the existence of a `P` (a
//!   stated limit: no SDP solver). [`find_weighted_bound`] bisects on `ρ` over short
//!   decimals.

use super::{
    accepted, family_subject, norm_spec, num_text, rows_text, set_to_rug, Certificate, Claim,
    NormSpec, Subject,
};
use crate::error::{Error, Result};
use crate::linalg::exact::gram_exact;
use crate::linalg::ldlt::positive_semidefinite;
use crate::linalg::norms::{spectral_norm_upper, Norm};
use crate::linalg::Matrix;
use crate::matset::{MatrixSet, MatrixSetView};
use crate::scalar::{parse_rational, Exact, Rational, Scalar};
use rug::Integer;

/// Search settings.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// Largest number of decimal digits in a proposed `ρ` (default 6).
    pub max_digits: u32,
    /// Bisection steps on `ρ` for weighted norms (default 14).
    pub bisection_steps: usize,
    /// Iteration budget of the f64 weight iteration (default 5000).
    pub max_iter: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            max_digits: 6,
            bisection_steps: 14,
            max_iter: 5000,
        }
    }
}

/// The bound `ρ` stated in a contraction (or Neumann) certificate, if any.
pub fn certified_rho(c: &Certificate) -> Option<Rational> {
    match &c.claim {
        Claim::NormBound { rho, .. } => parse_rational(rho).ok(),
        Claim::Invertible {
            witness: super::InvertWitness::Neumann { rho, .. },
        } => parse_rational(rho).ok(),
        _ => None,
    }
}

/// `⌈x·10ᵏ⌉/10ᵏ`, exactly.
pub fn decimal_ceil(x: &Rational, k: u32) -> Rational {
    let scale = Integer::from(Integer::u_pow_u(10, k));
    let up = Rational::from(x * &scale).ceil();
    Rational::from((up.numer().clone(), scale))
}

/// Continued-fraction convergents of `x` (at most `terms`).
fn convergents(x: &Rational, terms: usize) -> Vec<Rational> {
    let mut out = Vec::new();
    let (mut h0, mut h1) = (Integer::from(0), Integer::from(1));
    let (mut k0, mut k1) = (Integer::from(1), Integer::from(0));
    let mut rest = x.clone();
    for _ in 0..terms {
        let a = rest.clone().floor();
        let ai = a.numer().clone();
        let h2 = Integer::from(&ai * &h1) + &h0;
        let k2 = Integer::from(&ai * &k1) + &k0;
        out.push(Rational::from((h2.clone(), k2.clone())));
        let frac = Rational::from(&rest - &a);
        if frac == 0 {
            break;
        }
        rest = frac.recip();
        (h0, h1, k0, k1) = (h1, h2, k1, k2);
    }
    out
}

/// The matrices whose norms bound the sup over the set, exactly as the checker
/// reduces it (see [`super::check`]): vertices, `max(|lo|, |hi|)` for a box,
/// `M` for a zero-offset diag box with `|q| ≤ 1`, else every extreme point
/// ([`MatrixSet::vertices`], at most the checker's cap).
fn targets(set: &MatrixSet<Rational>, weighted: bool) -> Result<Vec<Matrix<Rational>>> {
    match set.view() {
        MatrixSetView::Finite(_) | MatrixSetView::Hull(_) => Ok(set.members()?.to_vec()),
        MatrixSetView::Box { lo, hi } if !weighted => {
            Ok(vec![lo.zip_with(hi, "box bound", |a, b| {
                Scalar::max(&Scalar::abs(a), &Scalar::abs(b))
            })?])
        }
        MatrixSetView::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } if !weighted
            && offset.as_slice().iter().all(|x| *x == 0)
            && q_lo.iter().chain(q_hi).all(|q| q.clone().abs() <= 1) =>
        {
            Ok(vec![m.clone()])
        }
        _ => set.vertices(MAX_VERTICES),
    }
}

/// Largest number of extreme points a search enumerates.
pub const MAX_VERTICES: usize = 1 << 12;

/// Certify `sup_{A∈set} ‖A‖ ≤ ρ` for a given `ρ` (checked by the trusted kernel).
pub fn certify_norm_bound<S: Exact>(
    set: &MatrixSet<S>,
    norm: Norm,
    rho: &S,
) -> Result<Certificate> {
    certify_norm_bound_for(&family_subject(set)?, norm, rho)
}

/// [`certify_norm_bound`] about `subject` (whose family the kernel derives).
pub fn certify_norm_bound_for<S: Exact>(
    subject: &Subject,
    norm: Norm,
    rho: &S,
) -> Result<Certificate> {
    accepted(
        subject.clone(),
        Claim::NormBound {
            norm: norm_spec(norm)?,
            rho: num_text(&rho.to_rational()),
        },
    )
}

/// Certify `sup_{A∈set} ‖A‖_P ≤ ρ` for a given weight `P ≻ 0`.
pub fn certify_weighted_bound<S: Exact>(
    set: &MatrixSet<S>,
    p: &Matrix<S>,
    rho: &S,
) -> Result<Certificate> {
    certify_weighted_bound_for(&family_subject(set)?, p, rho)
}

/// [`certify_weighted_bound`] about `subject`.
pub fn certify_weighted_bound_for<S: Exact>(
    subject: &Subject,
    p: &Matrix<S>,
    rho: &S,
) -> Result<Certificate> {
    accepted(
        subject.clone(),
        Claim::NormBound {
            norm: NormSpec::Weighted {
                p: rows_text(&super::to_rug(p)),
            },
            rho: num_text(&rho.to_rational()),
        },
    )
}

fn sigma_max(m: &Matrix<f64>) -> Result<f64> {
    m.check_finite("f64 image of a rational matrix")?;
    Ok(crate::linalg::norms::largest_singular_value(m))
}

/// Exact test `ρ²I − G ⪰ 0` for the Gram matrices `G = AᵀA`.
fn passes_two(grams: &[Matrix<Rational>], rho: &Rational) -> Result<bool> {
    let r2 = Scalar::square(rho);
    for g in grams {
        let gap = Matrix::from_fn(g.rows(), g.cols(), |i, j| {
            if i == j {
                r2.sub(&g[(i, j)])
            } else {
                g[(i, j)].neg()
            }
        });
        if !positive_semidefinite(&gap)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Find the smallest certifiable `ρ` among short rationals for `sup ‖A‖ ≤ ρ`.
///
/// 1- and ∞-norms: the exact maximum over the reduced matrices (no search). Spectral
/// norm: binary search (see the module documentation); the result is within a
/// factor `1 + 10^{−max_digits}` of the f64 estimate of the true sup whenever the
/// estimate is accurate, and is exact when the sup is a short rational. `Frobenius`
/// is refused ([`super::norm_spec`]): certificates state operator norms.
pub fn find_norm_bound<S: Exact>(
    set: &MatrixSet<S>,
    norm: Norm,
    opts: &SearchOptions,
) -> Result<Certificate> {
    let set = &set_to_rug(set)?;
    norm_bound_search(&family_subject(set)?, set, norm, opts)
}

/// [`find_norm_bound`] about `subject`, searching on `set` (the family the kernel
/// derives from the subject). The kernel is asked first at the sound upper bound, so an
/// input too large to check is refused ([`Error::TooLarge`]) before the search.
pub fn find_norm_bound_for<S: Exact>(
    subject: &Subject,
    set: &MatrixSet<S>,
    norm: Norm,
    opts: &SearchOptions,
) -> Result<Certificate> {
    norm_bound_search(subject, &set_to_rug(set)?, norm, opts)
}

/// [`find_norm_bound_for`] on a `rug::Rational` family.
fn norm_bound_search(
    subject: &Subject,
    set: &MatrixSet<Rational>,
    norm: Norm,
    opts: &SearchOptions,
) -> Result<Certificate> {
    let ts = targets(set, false)?;
    let rho = match norm {
        Norm::Frobenius | Norm::Max => return Err(super::no_operator_norm_certificate()),
        Norm::One => ts
            .iter()
            .map(|a| a.norm_1())
            .fold(Rational::new(), |m, x| Scalar::max(&m, &x)),
        Norm::Inf => ts
            .iter()
            .map(|a| a.norm_inf())
            .fold(Rational::new(), |m, x| Scalar::max(&m, &x)),
        Norm::Two => {
            let grams: Vec<Matrix<Rational>> = ts.iter().map(gram_exact).collect::<Result<_>>()?;
            let est = ts
                .iter()
                .map(|a| sigma_max(&a.to_f64()))
                .collect::<Result<Vec<f64>>>()?
                .into_iter()
                .fold(0.0, f64::max);
            let upper = ts
                .iter()
                .map(spectral_norm_upper)
                .fold(Rational::new(), |m, x| Scalar::max(&m, &x));
            // Candidates only (each is verified exactly below): fallbacks are harmless.
            let est_q = Rational::from_f64(est).unwrap_or_else(|| upper.clone());
            let floor = Rational::from_f64(est * (1.0 - 1e-9)).unwrap_or_default();
            // Short convergents only: denominators up to 10^max_digits.
            let max_den = Integer::from(Integer::u_pow_u(10, opts.max_digits));
            let mut cands: Vec<Rational> = convergents(&est_q, 64);
            cands.retain(|c| *c.denom() <= max_den);
            cands.extend((0..=opts.max_digits).map(|k| decimal_ceil(&est_q, k)));
            cands.retain(|c| *c >= floor && *c < upper);
            // Refuse early what the kernel could not check (it refuses before working).
            if let Err(e @ Error::TooLarge { .. }) = certify_norm_bound_for(subject, norm, &upper) {
                return Err(e);
            }
            cands.push(upper);
            cands.sort();
            cands.dedup();
            // Smallest passing candidate; the last (a sound upper bound) passes.
            let (mut lo, mut hi) = (0usize, cands.len() - 1);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if passes_two(&grams, &cands[mid])? {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            cands[hi].clone()
        }
    };
    certify_norm_bound_for(subject, norm, &rho)
}

/// f64 weight for target `ρ` with an active set of vertices: start from the vertex of
/// largest norm, solve the sum iteration ([`sum_weight`]) on the active set, add the
/// vertex most violating `ρ²P − AᵀPA ≻ 0` (smallest eigenvalue, f64), repeat. With
/// few dominant vertices this succeeds where the sum over all `m` vertices (which
/// needs `ρ(Σ Aᵢ ⊗ Aᵢ) < ρ²`) cannot. `None` when no weight is found.
fn weight_for(
    ts: &[nalgebra::DMatrix<f64>],
    rho: f64,
    max_iter: usize,
) -> Option<nalgebra::DMatrix<f64>> {
    let norm2 =
        |a: &nalgebra::DMatrix<f64>| a.singular_values().iter().copied().fold(0.0, f64::max);
    let first = (0..ts.len()).max_by(|&i, &j| norm2(&ts[i]).total_cmp(&norm2(&ts[j])))?;
    let mut active = vec![first];
    let r2 = rho * rho;
    loop {
        let sub: Vec<nalgebra::DMatrix<f64>> = active.iter().map(|&i| ts[i].clone()).collect();
        let p = sum_weight(&sub, rho, max_iter)?;
        let pmin = p.clone().symmetric_eigenvalues().min();
        // Most violated inactive vertex, relative to the size of P.
        let worst = (0..ts.len())
            .filter(|i| !active.contains(i))
            .map(|i| {
                let gap = &p * r2 - ts[i].transpose() * &p * &ts[i];
                (i, gap.symmetric_eigenvalues().min())
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        match worst {
            Some((i, v)) if v.is_nan() || v <= 1e-9 * r2 * pmin.abs() => active.push(i),
            _ => return Some(p),
        }
    }
}

/// The fixed point of `P ← I + Σ AᵢᵀPAᵢ/ρ²`, scaled to max entry 1; `None` if the
/// iteration diverges or stalls.
fn sum_weight(
    ts: &[nalgebra::DMatrix<f64>],
    rho: f64,
    max_iter: usize,
) -> Option<nalgebra::DMatrix<f64>> {
    let n = ts.first()?.nrows();
    let id = nalgebra::DMatrix::<f64>::identity(n, n);
    let mut p = id.clone();
    let r2 = rho * rho;
    for _ in 0..max_iter {
        let mut next = id.clone();
        for a in ts {
            next += a.transpose() * &p * a / r2;
        }
        let scale = next.amax();
        if !scale.is_finite() || scale > 1e14 {
            return None;
        }
        let diff = (&next - &p).amax() / scale;
        p = next;
        if diff < 1e-14 {
            return Some(&p / scale);
        }
    }
    None
}

/// Round a symmetric f64 matrix to the grid `10^{−d}` (symmetrised exactly).
fn round_symmetric(p: &nalgebra::DMatrix<f64>, d: u32) -> Option<Matrix<Rational>> {
    let n = p.nrows();
    let scale = Rational::from(Integer::from(Integer::u_pow_u(10, d)));
    let mut out = Matrix::zeros(n, n);
    for j in 0..n {
        for i in j..n {
            let v = Rational::from_f64(0.5 * (p[(i, j)] + p[(j, i)]))?;
            let r = Rational::from(&v * &scale).round();
            let q = Rational::from(&r / &scale);
            out[(i, j)] = q.clone();
            out[(j, i)] = q;
        }
    }
    Some(out)
}

/// Certify `sup ‖A‖_P ≤ ρ` for a given `ρ` by searching a weight `P` (see the module
/// documentation). [`Error::CouldNotVerify`] when no weight is found.
pub fn certify_weighted_at<S: Exact>(
    set: &MatrixSet<S>,
    rho: &S,
    opts: &SearchOptions,
) -> Result<Certificate> {
    let set = &set_to_rug(set)?;
    weighted_at_search(&family_subject(set)?, set, &rho.to_rational(), opts)
}

/// [`certify_weighted_at`] about `subject`, searching on `set`.
pub fn certify_weighted_at_for<S: Exact>(
    subject: &Subject,
    set: &MatrixSet<S>,
    rho: &S,
    opts: &SearchOptions,
) -> Result<Certificate> {
    weighted_at_search(subject, &set_to_rug(set)?, &rho.to_rational(), opts)
}

/// [`certify_weighted_at_for`] on a `rug::Rational` family.
fn weighted_at_search(
    subject: &Subject,
    set: &MatrixSet<Rational>,
    rho: &Rational,
    opts: &SearchOptions,
) -> Result<Certificate> {
    let ts = targets(set, true)?;
    let tf: Vec<nalgebra::DMatrix<f64>> = ts.iter().map(|a| a.to_f64().to_nalgebra()).collect();
    let p = weight_for(&tf, rho.to_f64(), opts.max_iter).ok_or_else(|| Error::CouldNotVerify {
        reason: format!(
            "no weight found for rho = {} (iteration P = I + Σ AᵢᵀPAᵢ/ρ² did not converge)",
            num_text(rho)
        ),
    })?;
    let mut last = None;
    for d in [4, 8, 12, 16] {
        let Some(pq) = round_symmetric(&p, d) else {
            continue;
        };
        match certify_weighted_bound_for(subject, &pq, rho) {
            Ok(c) => return Ok(c),
            Err(e @ Error::TooLarge { .. }) => return Err(e),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| Error::CouldNotVerify {
        reason: "weight not representable".into(),
    }))
}

/// Bisection on `ρ` over short decimals for the smallest weighted-norm bound, between
/// the largest spectral radius of the extreme points (no norm can beat it) and the
/// certified spectral norm bound (where `P = I` works).
pub fn find_weighted_bound<S: Exact>(
    set: &MatrixSet<S>,
    opts: &SearchOptions,
) -> Result<Certificate> {
    let set = &set_to_rug(set)?;
    weighted_bound_search(&family_subject(set)?, set, opts)
}

/// [`find_weighted_bound`] about `subject`, searching on `set`.
pub fn find_weighted_bound_for<S: Exact>(
    subject: &Subject,
    set: &MatrixSet<S>,
    opts: &SearchOptions,
) -> Result<Certificate> {
    weighted_bound_search(subject, &set_to_rug(set)?, opts)
}

/// [`find_weighted_bound_for`] on a `rug::Rational` family.
fn weighted_bound_search(
    subject: &Subject,
    set: &MatrixSet<Rational>,
    opts: &SearchOptions,
) -> Result<Certificate> {
    let ts = targets(set, true)?;
    let mut lo = 0.0f64;
    for a in &ts {
        lo = lo.max(crate::linalg::spectral::spectral_radius_estimate(
            &a.to_f64(),
        )?);
    }
    let two = norm_bound_search(subject, set, Norm::Two, opts)?;
    let n = set.shape().0;
    let hi_rho = certified_rho(&two).ok_or_else(|| Error::CouldNotVerify {
        reason: "no spectral bound".into(),
    })?;
    let mut best = certify_weighted_bound_for(subject, &Matrix::identity(n), &hi_rho)?;
    let mut hi = hi_rho.to_f64();
    for _ in 0..opts.bisection_steps {
        if hi - lo <= 1e-6 * hi {
            break;
        }
        let mid = 0.5 * (lo + hi);
        let Some(mq) = Rational::from_f64(mid) else {
            break;
        };
        // Short decimal at or above mid, below hi.
        let cand = (1..=opts.max_digits)
            .map(|k| decimal_ceil(&mq, k))
            .find(|c| c.to_f64() < hi)
            .unwrap_or(mq);
        match weighted_at_search(subject, set, &cand, opts) {
            Ok(c) => {
                hi = cand.to_f64();
                best = c;
            }
            Err(_) => lo = mid,
        }
    }
    Ok(best)
}

/// Certify the contraction constant of an exact map at a point: the smallest
/// certifiable `ρ ≥ sup ‖A‖` over the `A`-blocks of its whole conservative Jacobian
/// at `(x, θ)` (every tie decided exactly by the map), via [`find_norm_bound`].
pub fn certify_map_contraction<S: Exact, M: crate::maps::FixedPointMap<S> + ?Sized>(
    map: &M,
    x: &[S],
    theta: &[S],
    norm: Norm,
    opts: &SearchOptions,
) -> Result<Certificate> {
    let (n, _) = map.dims();
    let set = map.conservative_jacobian(x, theta)?.leading_cols(n)?;
    find_norm_bound(&set, norm, opts)
}
