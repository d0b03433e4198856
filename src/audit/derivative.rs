//! Exact one-sided derivatives of piecewise-polynomial functions along a line, from
//! rational evaluations only (no access to the function's code).
//!
//! `φ(t) = F(z + t·d)` is sampled at `t = k·h`, `k = 0..=K`. If every coordinate's
//! forward-difference table vanishes from order `p + 1` to `K` with `p ≤ K − 2`, the
//! samples lie on one polynomial of degree `≤ p`, and its derivative at 0 is
//! `φ'(0⁺) = (1/h) Σ_{j=1}^{p} (−1)^{j+1} Δʲφ(0) / j` (Newton's forward formula),
//! exact in rational arithmetic. The same value must come out of a second grid
//! `h' = 3h/5` and a 1024× finer one; otherwise `h` is divided by 4 and the search
//! repeats (a kink inside the window makes the differences not vanish).
//!
//! **Degree.** `K = degree + 2`, starting from [`DerivativeConfig::degree`]. When no
//! window is found at any step size, the search is repeated once at
//! [`DerivativeConfig::degree_limit`]; the window found there certifies the degree of
//! the piece, which the audit then starts from for the rest of the run. Three grids make a false acceptance
//! impossible for polynomial pieces of degree `< 3K`: a polynomial of lower degree
//! through the `3K` distinct samples is the piece itself.
//!
//! **Room.** When the caller knows the distance to the nearest breakpoint on the
//! sampled side (e.g. a located kink), the first window is shrunk to fit inside it.

use crate::error::Result;
use rug::Rational;

/// Tuning of the derivative search.
#[derive(Clone, Debug)]
pub struct DerivativeConfig {
    /// Polynomial degree the search starts with along a line (raised when needed).
    pub degree: usize,
    /// Largest degree tried; beyond it a derivative is reported as undecided
    /// ("degree too high or not polynomial").
    pub degree_limit: usize,
    /// First step `h` (in units of the line parameter).
    pub h0: Rational,
    /// How many times `h` may be divided by 4.
    pub refinements: usize,
}

impl Default for DerivativeConfig {
    fn default() -> Self {
        DerivativeConfig {
            degree: 1,
            degree_limit: 12,
            h0: Rational::from((1, 64)),
            refinements: 10,
        }
    }
}

/// The polynomial `φ` on a window: Newton forward differences `Δʲφ(0)` for each
/// output coordinate, at step `h` from the window's base.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// Step of the difference table.
    pub h: Rational,
    /// `diffs[i][j] = Δʲφ_i(0)`, `j = 0..=degree`.
    pub diffs: Vec<Vec<Rational>>,
    /// `φ'(0⁺)`.
    pub slope: Vec<Rational>,
}

impl Window {
    /// Degree of the polynomial (largest over coordinates).
    pub fn degree(&self) -> usize {
        self.diffs
            .iter()
            .map(|c| c.len().saturating_sub(1))
            .max()
            .unwrap_or(0)
    }

    /// `φ(s)`: the polynomial's value at offset `s` from the window's base
    /// (Newton's forward formula `Σ_j Δʲφ(0)·C(s/h, j)`).
    pub fn value_at(&self, s: &Rational) -> Vec<Rational> {
        let u = Rational::from(s / &self.h);
        self.diffs
            .iter()
            .map(|col| {
                let mut acc = Rational::new();
                let mut binom = Rational::from(1);
                for (j, dj) in col.iter().enumerate() {
                    if j > 0 {
                        // C(u, j) = C(u, j − 1)·(u − j + 1)/j.
                        binom *= Rational::from(&u - (j as u64 - 1));
                        binom /= j as u64;
                    }
                    acc += Rational::from(dj * &binom);
                }
                acc
            })
            .collect()
    }
}

/// Why no derivative came out of the window search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoWindow {
    /// Every step size failed at every degree up to the limit.
    DegreeTooHigh,
    /// Evaluations failed at every step size (outside the domain).
    Domain,
}

/// Difference table of coordinate `i` if it certifies a polynomial of degree
/// `≤ K − 2`: `Δʲφ_i(0)` for `j = 0..=p`.
fn certified_diffs(samples: &[Vec<Rational>], i: usize) -> Option<Vec<Rational>> {
    let kk = samples.len().checked_sub(1)?;
    let mut col: Vec<Rational> = samples.iter().map(|s| s[i].clone()).collect();
    let mut heads = vec![col[0].clone()];
    // Smallest p such that every difference of order > p vanishes at every offset.
    let mut zero_from: Option<usize> = None;
    for j in 1..=kk {
        col = col
            .windows(2)
            .map(|w| Rational::from(&w[1] - &w[0]))
            .collect();
        heads.push(col[0].clone());
        let all_zero = col.iter().all(|x| *x == 0);
        match (all_zero, zero_from) {
            (true, None) => zero_from = Some(j),
            (false, Some(_)) => zero_from = None,
            _ => {}
        }
    }
    let p = zero_from? - 1;
    if p + 2 > kk {
        return None;
    }
    heads.truncate(p + 1);
    Some(heads)
}

/// The window through `samples[k] = φ(k h)` if the differences certify it.
fn window_from(samples: &[Vec<Rational>], h: &Rational) -> Option<Window> {
    let dim = samples.first()?.len();
    let mut diffs = Vec::with_capacity(dim);
    let mut slope = Vec::with_capacity(dim);
    for i in 0..dim {
        let heads = certified_diffs(samples, i)?;
        let mut d = Rational::new();
        for (j, dj) in heads.iter().enumerate().skip(1) {
            let term = Rational::from(dj / j as u64);
            if j % 2 == 1 {
                d += term;
            } else {
                d -= term;
            }
        }
        slope.push(Rational::from(&d / h));
        diffs.push(heads);
    }
    Some(Window {
        h: h.clone(),
        diffs,
        slope,
    })
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

type Eval<'e> = dyn FnMut(&[Rational]) -> Result<Vec<Rational>> + 'e;

fn samples_at(
    eval: &mut Eval<'_>,
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

/// The line `z + t d` and `F(z)`.
struct Base<'b> {
    z: &'b [Rational],
    d: &'b [Rational],
    f0: &'b [Rational],
}

/// One pass over the step sizes at a fixed degree.
fn search_at_degree(
    eval: &mut Eval<'_>,
    base: &Base<'_>,
    h_first: &Rational,
    refinements: usize,
    degree: usize,
    domain_errors: &mut usize,
) -> Option<Window> {
    let Base { z, d, f0 } = *base;
    let kk = degree + 2;
    let mut h = h_first.clone();
    for _ in 0..=refinements {
        // An evaluation error (e.g. leaving the domain) means: try a smaller window.
        match samples_at(eval, z, d, f0, &h, kk) {
            Err(_) => *domain_errors += 1,
            Ok(s1) => {
                if let Some(w) = window_from(&s1, &h) {
                    // Accepted only if a second grid and a 1024× finer one give the same
                    // value: kinks near 0 can make F(z) lie exactly on the extension of
                    // a farther piece (their offsets cancel), which fools a single
                    // scale; a finite piecewise-polynomial F cannot do so at every scale
                    // below its nearest kink, where refinement then lands.
                    let mut agrees = |hh: Rational| {
                        samples_at(eval, z, d, f0, &hh, kk)
                            .ok()
                            .and_then(|s| window_from(&s, &hh))
                            .is_some_and(|w2| w2.slope == w.slope)
                    };
                    if agrees(&h * Rational::from((3, 5))) && agrees(&h * Rational::from((1, 1024)))
                    {
                        return Some(w);
                    }
                }
            }
        }
        h /= 4;
    }
    None
}

/// The exact right derivative `φ'(0⁺)` of `φ(t) = F(z + t d)` with its polynomial
/// window, given `f0 = F(z)`. `degree` is the degree to start from; on success it
/// holds the degree that worked. `room`, if known, is the distance (in `t`) to the
/// nearest breakpoint on this side: the first window fits inside it.
pub fn right_window(
    eval: &mut Eval<'_>,
    z: &[Rational],
    d: &[Rational],
    f0: &[Rational],
    cfg: &DerivativeConfig,
    degree: &mut usize,
    room: Option<&Rational>,
) -> std::result::Result<Window, NoWindow> {
    let deg = (*degree).max(1).min(cfg.degree_limit.max(1));
    let mut h = cfg.h0.clone();
    if let Some(r) = room {
        // Window [0, K·h] strictly inside [0, room), for the largest K used.
        let fit = Rational::from(r / (cfg.degree_limit.max(deg) as u64 + 3));
        if fit > 0 && fit < h {
            h = fit;
        }
    }
    let mut domain_errors = 0;
    let base = Base { z, d, f0 };
    if let Some(w) = search_at_degree(eval, &base, &h, cfg.refinements, deg, &mut domain_errors) {
        *degree = deg;
        return Ok(w);
    }
    let tries = cfg.refinements + 1;
    if domain_errors == tries {
        return Err(NoWindow::Domain);
    }
    if deg >= cfg.degree_limit {
        return Err(NoWindow::DegreeTooHigh);
    }
    // Search once at the limit: the window found certifies the pieces' degree, and the
    // following searches start from it (`K = degree + 2` samples, no more).
    let lim = cfg.degree_limit;
    match search_at_degree(eval, &base, &h, cfg.refinements, lim, &mut domain_errors) {
        Some(w) => {
            *degree = w.degree().max(deg + 1).min(lim);
            Ok(w)
        }
        None if domain_errors == 2 * tries => Err(NoWindow::Domain),
        None => Err(NoWindow::DegreeTooHigh),
    }
}

/// The exact right derivative `φ'(0⁺)` of `φ(t) = F(z + t d)` given `f0 = F(z)`, or
/// `None` when no polynomial window was found up to the degree limit.
pub fn right_derivative(
    eval: &mut Eval<'_>,
    z: &[Rational],
    d: &[Rational],
    f0: &[Rational],
    cfg: &DerivativeConfig,
) -> Result<Option<Vec<Rational>>> {
    let mut degree = cfg.degree;
    Ok(right_window(eval, z, d, f0, cfg, &mut degree, None)
        .ok()
        .map(|w| w.slope))
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
    fn cubic_derivative_is_exact_and_degree_adapts() {
        // φ(t) = (1 + t)^3 along z = 1, d = 1: φ'(0) = 3. Starting at degree 1, the
        // search must raise the degree to at least 3.
        let mut f = |z: &[Rational]| -> Result<Vec<Rational>> {
            Ok(vec![Rational::from(&z[0] * &z[0]) * &z[0]])
        };
        let z = vec![q(1, 1)];
        let f0 = vec![q(1, 1)];
        let cfg = DerivativeConfig::default();
        let mut deg = 1;
        let w = right_window(&mut f, &z, &[q(1, 1)], &f0, &cfg, &mut deg, None).unwrap();
        assert_eq!(w.slope, vec![q(3, 1)]);
        assert!(deg >= 3);
        // The window's polynomial reproduces φ away from the window: φ(2) = 27.
        assert_eq!(w.value_at(&q(2, 1)), vec![q(27, 1)]);
        // A degree limit below 3 reports the degree as too high.
        let low = DerivativeConfig {
            degree_limit: 2,
            ..DerivativeConfig::default()
        };
        let mut deg = 1;
        let r = right_window(&mut f, &z, &[q(1, 1)], &f0, &low, &mut deg, None);
        assert_eq!(r, Err(NoWindow::DegreeTooHigh));
    }

    #[test]
    fn rational_function_has_no_window() {
        // 1/(1 + t) is not a polynomial on any window.
        let mut f = |z: &[Rational]| -> Result<Vec<Rational>> {
            Ok(vec![Rational::from(1) / (Rational::from(1) + &z[0])])
        };
        let mut deg = 1;
        let r = right_window(
            &mut f,
            &[q(0, 1)],
            &[q(1, 1)],
            &[q(1, 1)],
            &DerivativeConfig::default(),
            &mut deg,
            None,
        );
        assert_eq!(r, Err(NoWindow::DegreeTooHigh));
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
    fn kink_near_point_needs_refinement_or_room() {
        // relu(x − 1/10^9) at x = 0 along +1: the kink at t = 1e-9 is inside every
        // window the default refinements reach; with the room known it is avoided.
        let mut f = |z: &[Rational]| -> Result<Vec<Rational>> {
            let v = &z[0] - q(1, 1_000_000_000);
            Ok(vec![if v > 0 { v } else { Rational::new() }])
        };
        let cfg = DerivativeConfig::default();
        let mut deg = 1;
        let room = q(1, 1_000_000_000);
        let w = right_window(
            &mut f,
            &[q(0, 1)],
            &[q(1, 1)],
            &[q(0, 1)],
            &cfg,
            &mut deg,
            Some(&room),
        )
        .unwrap();
        assert_eq!(w.slope, vec![q(0, 1)]);
        // A nearer kink (1/1000) is found by refinement alone.
        let mut g = |z: &[Rational]| -> Result<Vec<Rational>> {
            let v = &z[0] - q(1, 1000);
            Ok(vec![if v > 0 { v } else { Rational::new() }])
        };
        let r = right_derivative(&mut g, &[q(0, 1)], &[q(1, 1)], &[q(0, 1)], &cfg).unwrap();
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
