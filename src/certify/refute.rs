//! Refutations: a product of vertices whose spectral radius exceeds `r^len` proves
//! that the joint spectral radius exceeds `r`, so **no** norm gives `sup ‖A‖ ≤ r`
//! (see `docs/kernel.md`). Products are scored in f64; the best are proven exactly
//! through the characteristic polynomial
//! ([`crate::linalg::spectral::spectral_radius_exceeds`]).

use super::{
    accepted, family_subject, num_text, set_to_rug, to_rug, Certificate, Claim, Letter,
    RadiusWitness,
};
use crate::error::{Error, Result};
use crate::linalg::spectral::{self, spectral_radius_estimate, spectral_radius_exceeds};
use crate::linalg::Matrix;
use crate::matset::{MatrixSet, MatrixSetView};
use crate::scalar::{Exact, Rational, Scalar};

/// Largest number of words scored in f64.
pub const MAX_WORDS: usize = 100_000;
/// How many of the best-scoring words are tried exactly.
const EXACT_TRIES: usize = 16;

fn witness_text(w: &spectral::RadiusWitness<Rational>) -> RadiusWitness {
    match w {
        spectral::RadiusWitness::RealRoot { lo, hi } => RadiusWitness::RealRoot {
            lo: num_text(lo),
            hi: num_text(hi),
        },
        spectral::RadiusWitness::Determinant => RadiusWitness::Determinant {},
        spectral::RadiusWitness::TracePower { k } => RadiusWitness::TracePower { k: *k as u64 },
    }
}

/// Search products `A_{w₀}⋯A_{w_{L−1}}` of the vertices of `set` (a finite set or a
/// hull), `L ≤ max_len`, for one with `ρ(product) > r^L`, proven exactly.
///
/// `Ok(Some(certificate))`: refuted (checked by the trusted kernel). `Ok(None)`: no
/// refutation found among these words, which proves nothing. Errors on sets that are
/// not given by vertices, on `r < 0`, and when the word count exceeds [`MAX_WORDS`].
pub fn find_refutation<S: Exact>(
    set: &MatrixSet<S>,
    r: &S,
    max_len: usize,
) -> Result<Option<Certificate>> {
    let (set, r) = (&set_to_rug(set)?, &r.to_rational());
    let vs = match set.view() {
        MatrixSetView::Finite(v) | MatrixSetView::Hull(v) => v,
        _ => return Err(Error::Unsupported {
            what:
                "refutation of a box or DiagBox (it needs a set given by vertices: finite or hull)"
                    .into(),
        }),
    };
    if *r < 0 {
        return Err(Error::parameter("refutation threshold r", r, ">= 0"));
    }
    let words = scored_words(vs, r, max_len)?;
    let Some((word, witness)) = proven_words(vs, words, r)?.into_iter().next() else {
        return Ok(None);
    };
    let claim = Claim::Refutation {
        r: num_text(r),
        word: word.into_iter().map(Letter::Index).collect(),
        witness,
        points: None,
    };
    accepted(family_subject(set)?, claim).map(Some)
}

/// Words (vertex indices, best first) whose product is proven to have spectral radius
/// `> r^len`, with the witness, among the first 16 of `words`.
pub fn proven_words<S: Exact>(
    vs: &[Matrix<S>],
    words: impl IntoIterator<Item = Vec<usize>>,
    r: &S,
) -> Result<Vec<(Vec<usize>, RadiusWitness)>> {
    let vs: Vec<Matrix<Rational>> = vs.iter().map(to_rug).collect();
    let r = &r.to_rational();
    let mut out = Vec::new();
    for word in words.into_iter().take(EXACT_TRIES) {
        if word.is_empty() || word.iter().any(|&i| i >= vs.len()) {
            continue;
        }
        let mut prod = vs[word[0]].clone();
        for &i in &word[1..] {
            prod = prod.matmul(&vs[i])?;
        }
        let threshold = (0..word.len()).fold(Rational::from(1), |acc, _| acc.mul(r));
        if let Some(w) = spectral_radius_exceeds(&prod, &threshold)? {
            out.push((word, witness_text(&w)));
        }
    }
    Ok(out)
}

/// Words over `m` letters of length `≤ max_len`, best growth rate `ρ(product)^{1/L}`
/// first (f64 estimates), keeping those whose rate exceeds `r` (up to rounding).
pub fn scored_words<S: Exact>(vs: &[Matrix<S>], r: &S, max_len: usize) -> Result<Vec<Vec<usize>>> {
    let m = vs.len();
    let total: usize = (1..=max_len)
        .try_fold(0usize, |acc, l| {
            m.checked_pow(l as u32).and_then(|c| acc.checked_add(c))
        })
        .unwrap_or(usize::MAX);
    if total > MAX_WORDS {
        return Err(Error::TooLarge {
            context: format!("{total} words of length <= {max_len} (cap {MAX_WORDS})"),
        });
    }
    let vf: Vec<Matrix<f64>> = vs.iter().map(|v| v.to_f64()).collect();
    let rf = r.to_f64();
    let mut scored: Vec<(f64, Vec<usize>)> = Vec::new();
    let mut frontier: Vec<(Vec<usize>, Matrix<f64>)> =
        (0..m).map(|i| (vec![i], vf[i].clone())).collect();
    for len in 1..=max_len {
        for (w, p) in &frontier {
            let rho = spectral_radius_estimate(p)?;
            let rate = rho.powf(1.0 / len as f64);
            if rate > rf * (1.0 - 1e-9) {
                scored.push((rate, w.clone()));
            }
        }
        if len == max_len {
            break;
        }
        let mut next = Vec::with_capacity(frontier.len() * m);
        for (w, p) in &frontier {
            for (i, v) in vf.iter().enumerate() {
                let mut w2 = w.clone();
                w2.push(i);
                next.push((w2, p.matmul(v)?));
            }
        }
        frontier = next;
    }
    scored.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.len().cmp(&b.1.len()))
    });
    Ok(scored.into_iter().map(|(_, w)| w).collect())
}
