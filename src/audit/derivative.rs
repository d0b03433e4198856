//! Exact one-sided derivatives of piecewise-polynomial functions along a line, from
//! rational evaluations only (no access to the function's code).
//!
//! `φ(t) = F(z + t·d)` is sampled at `t = k·h`, `k = 0..=K`. If every coordinate's
//! forward-difference table vanishes from order `p + 1` to `K` with `p ≤ K − 2`, the
//! samples lie on one polynomial of degree `≤ p`, and its derivative at 0 is
//! `φ'(0⁺) = (1/h) Σ_{j=1}^{p} (−1)^{j+1} Δʲφ(0) / j` (Newton's forward formula),
//! exact in rational arithmetic. The same value must come out of a second grid
//! `h' = 3h/5`; otherwise `h` is divided by 4 and the search repeats (a kink inside the
//! window makes the differences not vanish). When `φ` is polynomial of degree
//! `≤ max_degree` on `[0, K·h]` for the first accepted `h`, the result is exact.

use crate::error::Result;
use rug::Rational;

/// Tuning of the derivative search.
#[derive(Clone, Debug)]
pub struct DerivativeConfig {
    /// Largest polynomial degree of the pieces along a line (`K = max_degree + 2`).
    pub max_degree: usize,
    /// First step `h`.
    pub h0: Rational,
    /// How many times `h` may be divided by 4.
    pub refinements: usize,
}

impl Default for DerivativeConfig {
    fn default() -> Self {
        DerivativeConfig {
            max_degree: 3,
            h0: Rational::from((1, 16)),
            refinements: 8,
        }
    }
}

/// Forward-difference derivative from samples `f[k] = φ(k h)`, `k = 0..=K`, if the
/// differences certify a polynomial of degree `≤ K − 2`.
fn newton_derivative(samples: &[Vec<Rational>], h: &Rational) -> Option<Vec<Rational>> {
    let kk = samples.len().checked_sub(1)?;
    let dim = samples.first()?.len();
    let mut out = Vec::with_capacity(dim);
    for i in 0..dim {
        let mut col: Vec<Rational> = samples.iter().map(|s| s[i].clone()).collect();
        // diffs[j] = Δʲφ(0).
        let mut diffs = Vec::with_capacity(kk + 1);
        diffs.push(col[0].clone());
        for _ in 1..=kk {
            col = col
                .windows(2)
                .map(|w| Rational::from(&w[1] - &w[0]))
                .collect();
            diffs.push(col[0].clone());
        }
        // The last column has one entry per level; check the whole table's tail:
        // a polynomial of degree p has Δʲ ≡ 0 for j > p at every offset.
        let degree = lowest_vanishing(samples, i, kk)?;
        if degree + 2 > kk {
            return None;
        }
        let mut d = Rational::new();
        for (j, dj) in diffs.iter().enumerate().take(degree + 1).skip(1) {
            let term = dj / Rational::from(j as u64);
            if j % 2 == 1 {
                d += term;
            } else {
                d -= term;
            }
        }
        out.push(Rational::from(&d / h));
    }
    Some(out)
}

/// Smallest `p` such that all differences of order `> p` of coordinate `i` vanish at
/// every offset (`None` if even order `K` does not vanish).
fn lowest_vanishing(samples: &[Vec<Rational>], i: usize, kk: usize) -> Option<usize> {
    let mut col: Vec<Rational> = samples.iter().map(|s| s[i].clone()).collect();
    let mut zero_from: Option<usize> = None;
    for j in 1..=kk {
        col = col
            .windows(2)
            .map(|w| Rational::from(&w[1] - &w[0]))
            .collect();
        let all_zero = col.iter().all(|x| *x == 0);
        match (all_zero, zero_from) {
            (true, None) => zero_from = Some(j),
            (false, Some(_)) => zero_from = None,
            _ => {}
        }
    }
    zero_from.map(|j| j - 1)
}

fn point_on_line(z: &[Rational], d: &[Rational], t: &Rational) -> Vec<Rational> {
    z.iter()
        .zip(d)
        .map(|(a, b)| Rational::from(t * b) + a)
        .collect()
}

/// `z + t·d`.
pub fn along(z: &[Rational], d: &[Rational], t: &Rational) -> Vec<Rational> {
    point_on_line(z, d, t)
}

fn samples_at(
    eval: &mut dyn FnMut(&[Rational]) -> Result<Vec<Rational>>,
    z: &[Rational],
    d: &[Rational],
    f0: &[Rational],
    h: &Rational,
    kk: usize,
) -> Result<Vec<Vec<Rational>>> {
    let mut s = Vec::with_capacity(kk + 1);
    s.push(f0.to_vec());
    for k in 1..=kk {
        let t = h * Rational::from(k as u64);
        let v = eval(&point_on_line(z, d, &t))?;
        if v.len() != f0.len() {
            return Err(crate::error::Error::DimensionMismatch {
                op: "derivative samples: F(z + t d) vs F(z)",
                left: (f0.len(), 1),
                right: (v.len(), 1),
            });
        }
        s.push(v);
    }
    Ok(s)
}

/// The exact right derivative `φ'(0⁺)` of `φ(t) = F(z + t d)` given `f0 = F(z)`, or
/// `None` when no polynomial window was found within the refinement budget.
pub fn right_derivative(
    eval: &mut dyn FnMut(&[Rational]) -> Result<Vec<Rational>>,
    z: &[Rational],
    d: &[Rational],
    f0: &[Rational],
    cfg: &DerivativeConfig,
) -> Result<Option<Vec<Rational>>> {
    let kk = cfg.max_degree + 2;
    let mut h = cfg.h0.clone();
    for _ in 0..=cfg.refinements {
        // An evaluation error (e.g. leaving the domain) means: try a smaller window.
        if let Ok(s1) = samples_at(eval, z, d, f0, &h, kk) {
            if let Some(d1) = newton_derivative(&s1, &h) {
                // A window is accepted only if a second grid and a 1024× finer one give
                // the same value: kinks near 0 can make F(z) lie exactly on the
                // extension of a farther piece (their offsets cancel), which fools a
                // single scale; a finite piecewise-polynomial F cannot do so at every
                // scale below its nearest kink, where refinement then lands.
                let agrees =
                    |hh: &Rational, eval: &mut dyn FnMut(&[Rational]) -> Result<Vec<Rational>>| {
                        samples_at(eval, z, d, f0, hh, kk)
                            .ok()
                            .and_then(|s| newton_derivative(&s, hh))
                            .as_ref()
                            == Some(&d1)
                    };
                let h2 = &h * Rational::from((3, 5));
                let h3 = &h * Rational::from((1, 1024));
                if agrees(&h2, eval) && agrees(&h3, eval) {
                    return Ok(Some(d1));
                }
            }
        }
        h /= 4;
    }
    Ok(None)
}

/// The limit as `t → 0⁺` of a sequence `y_j = y(t_j)` sampled at decreasing `t_j > 0`,
/// when `y` is (locally) a polynomial in `t`: the last three values if equal, else
/// Neville extrapolation to 0 from the last four points, accepted only if the four
/// points before the last give the same value. `None` when inconclusive.
pub fn limit_at_zero(ts: &[Rational], ys: &[Rational]) -> Option<Rational> {
    let k = ys.len();
    if k < 3 || ts.len() != k {
        return None;
    }
    if ys[k - 1] == ys[k - 2] && ys[k - 2] == ys[k - 3] {
        return Some(ys[k - 1].clone());
    }
    if k < 5 {
        return None;
    }
    let a = neville_at_zero(&ts[k - 4..], &ys[k - 4..])?;
    let b = neville_at_zero(&ts[k - 5..k - 1], &ys[k - 5..k - 1])?;
    (a == b).then_some(a)
}

/// Value at 0 of the polynomial interpolating `(t_j, y_j)` (Neville's scheme).
fn neville_at_zero(ts: &[Rational], ys: &[Rational]) -> Option<Rational> {
    let n = ys.len();
    let mut p: Vec<Rational> = ys.to_vec();
    for m in 1..n {
        for i in 0..n - m {
            let den = Rational::from(&ts[i + m] - &ts[i]);
            if den == 0 {
                return None;
            }
            // p_i = (t_{i+m} p_i − t_i p_{i+1}) / (t_{i+m} − t_i)  (evaluated at 0).
            let num = Rational::from(&ts[i + m] * &p[i]) - Rational::from(&ts[i] * &p[i + 1]);
            p[i] = num / den;
        }
    }
    p.into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> Rational {
        Rational::from((n, d))
    }

    #[test]
    fn cubic_derivative_is_exact() {
        // φ(t) = (1 + t)^3 along z = 1, d = 1: φ'(0) = 3.
        let mut f = |z: &[Rational]| -> Result<Vec<Rational>> {
            Ok(vec![Rational::from(&z[0] * &z[0]) * &z[0]])
        };
        let z = vec![q(1, 1)];
        let f0 = vec![q(1, 1)];
        let d = right_derivative(&mut f, &z, &[q(1, 1)], &f0, &DerivativeConfig::default())
            .unwrap()
            .unwrap();
        assert_eq!(d, vec![q(3, 1)]);
    }

    #[test]
    fn one_sided_at_kink() {
        // |x| at 0: right derivative 1 along +1, 1 along −1 (i.e. left derivative −1).
        let mut f = |z: &[Rational]| -> Result<Vec<Rational>> { Ok(vec![z[0].clone().abs()]) };
        let z = vec![q(0, 1)];
        let f0 = vec![q(0, 1)];
        let cfg = DerivativeConfig::default();
        let r = right_derivative(&mut f, &z, &[q(1, 1)], &f0, &cfg).unwrap();
        let l = right_derivative(&mut f, &z, &[q(-1, 1)], &f0, &cfg).unwrap();
        assert_eq!(r, Some(vec![q(1, 1)]));
        assert_eq!(l, Some(vec![q(1, 1)]));
    }

    #[test]
    fn kink_near_point_needs_refinement() {
        // relu(x − 1/1000) at x = 0 along +1: kink at t = 1/1000 inside the first
        // windows; the refined window [0, 5h] must avoid it: derivative 0.
        let mut f = |z: &[Rational]| -> Result<Vec<Rational>> {
            let v = &z[0] - q(1, 1000);
            Ok(vec![if v > 0 { v } else { Rational::new() }])
        };
        let cfg = DerivativeConfig::default();
        let r = right_derivative(&mut f, &[q(0, 1)], &[q(1, 1)], &[q(0, 1)], &cfg).unwrap();
        assert_eq!(r, Some(vec![q(0, 1)]));
    }

    #[test]
    fn limits() {
        // y(t) = 2 + 3t − t² sampled at t = 2^-j: limit 2.
        let ts: Vec<Rational> = (0..8).map(|j| Rational::from((1, 1u64 << j))).collect();
        let ys: Vec<Rational> = ts
            .iter()
            .map(|t| Rational::from(2) + Rational::from(3 * t) - Rational::from(t * t))
            .collect();
        assert_eq!(limit_at_zero(&ts, &ys), Some(q(2, 1)));
        // y(t) = 1/t: no polynomial limit.
        let ys: Vec<Rational> = ts.iter().map(|t| Rational::from(t.recip_ref())).collect();
        assert_eq!(limit_at_zero(&ts, &ys), None);
    }
}
