//! Where the audit looks: chords of the sampling box through generic points (with
//! one sample per stratum), structured points on likely kinks, and directions.

use super::check::Probe;
use rand::seq::SliceRandom;
use rand::Rng;
use rug::Rational;

/// The default sampling box `[−2, 2]` in every coordinate.
pub(crate) fn default_bounds(n: usize) -> Vec<(Rational, Rational)> {
    vec![(Rational::from(-2), Rational::from(2)); n]
}

/// A rational in `[lo, hi]` with a large prime denominator.
pub(crate) fn generic_in(rng: &mut impl Rng, lo: &Rational, hi: &Rational) -> Rational {
    let den = *GENERIC_DENOMS.choose(rng).unwrap_or(&997);
    let u = Rational::from((rng.gen_range(1..den), den));
    Rational::from(hi - lo) * u + lo
}

/// A generic point of the box.
pub(crate) fn generic_point_in(
    rng: &mut impl Rng,
    bounds: &[(Rational, Rational)],
) -> Vec<Rational> {
    bounds
        .iter()
        .map(|(lo, hi)| generic_in(rng, lo, hi))
        .collect()
}

/// A generic direction: every coordinate nonzero in `[−1, 1]`.
pub(crate) fn generic_direction(rng: &mut impl Rng, n: usize) -> Vec<Rational> {
    (0..n)
        .map(|_| {
            let den = *GENERIC_DENOMS.choose(rng).unwrap_or(&997);
            let mut p = rng.gen_range(-den..=den);
            if p == 0 {
                p = 1;
            }
            Rational::from((p, den))
        })
        .collect()
}

/// The chord of the box through `p` along `d`: `(a, b − a)` with `a`, `b` on the
/// boundary, so the line is `a + t (b − a)`, `t ∈ [0, 1]`. `None` if `d = 0` or `p`
/// is outside the box.
pub(crate) fn chord(
    p: &[Rational],
    d: &[Rational],
    bounds: &[(Rational, Rational)],
) -> Option<(Vec<Rational>, Vec<Rational>)> {
    let mut s_min: Option<Rational> = None;
    let mut s_max: Option<Rational> = None;
    for ((pi, di), (lo, hi)) in p.iter().zip(d).zip(bounds) {
        if *di == 0 {
            if pi < lo || pi > hi {
                return None;
            }
            continue;
        }
        let u = Rational::from(lo - pi) / di;
        let v = Rational::from(hi - pi) / di;
        let (u, v) = if u <= v { (u, v) } else { (v, u) };
        if s_min.as_ref().map_or(true, |m| u > *m) {
            s_min = Some(u);
        }
        if s_max.as_ref().map_or(true, |m| v < *m) {
            s_max = Some(v);
        }
    }
    let (s0, s1) = (s_min?, s_max?);
    if s0 >= s1 {
        return None;
    }
    let a: Vec<Rational> = p
        .iter()
        .zip(d)
        .map(|(pi, di)| Rational::from(di * &s0) + pi)
        .collect();
    let span = Rational::from(&s1 - &s0);
    let dir: Vec<Rational> = d.iter().map(|di| Rational::from(di * &span)).collect();
    Some((a, dir))
}

/// Stratified parameters: one generic point in each of `m` equal strata of `[0, 1]`.
pub(crate) fn strata(rng: &mut impl Rng, m: usize) -> Vec<Rational> {
    (0..m)
        .map(|k| (Rational::from(k as u64) + generic_fraction(rng)) / m as u64)
        .collect()
}

/// Denominators of generic points: primes, so that generic coordinates avoid the
/// simple rationals where kinks of typical maps sit.
const GENERIC_DENOMS: [i64; 4] = [997, 1009, 4093, 8191];

/// A parameter in `(0, 1)` with a large denominator.
pub(crate) fn generic_fraction(rng: &mut impl Rng) -> Rational {
    Rational::from((rng.gen_range(1..1009), 1009))
}

/// A point whose coordinates are simple rationals (`0, ±1/2, ±1, ±3/2, ±2`) or
/// `±` hints, so that ties (`z_i = 0`, `z_i = z_j`, `|z_i| = λ`) happen often; each
/// coordinate within its bounds (the middle of the bounds when no value fits).
pub(crate) fn structured_point(
    rng: &mut impl Rng,
    bounds: &[(Rational, Rational)],
    hints: &[Rational],
) -> Vec<Rational> {
    let n = bounds.len();
    let mut pool: Vec<Rational> = [
        (0, 1),
        (0, 1),
        (1, 2),
        (-1, 2),
        (1, 1),
        (-1, 1),
        (3, 2),
        (-3, 2),
        (2, 1),
        (-2, 1),
    ]
    .iter()
    .map(|&(p, q)| Rational::from((p, q)))
    .collect();
    for h in hints {
        pool.push(h.clone());
        pool.push(Rational::from(-h));
        pool.push(h.clone());
    }
    let mut z: Vec<Rational> = bounds
        .iter()
        .map(|(lo, hi)| {
            let inside: Vec<&Rational> = pool.iter().filter(|x| lo <= *x && *x <= hi).collect();
            match inside.choose(rng) {
                Some(x) => (*x).clone(),
                None => Rational::from(lo + hi) / 2u32,
            }
        })
        .collect();
    // Sometimes repeat a coordinate (ties between inputs, e.g. for max).
    if n >= 2 && rng.gen_bool(0.5) {
        let i = rng.gen_range(0..n);
        let j = rng.gen_range(0..n);
        if bounds[j].0 <= z[i] && z[i] <= bounds[j].1 {
            z[j] = z[i].clone();
        }
    }
    z
}

/// A nonzero direction in `{−1, 0, 1}^n`; a coordinate axis a third of the time.
pub(crate) fn structured_direction(rng: &mut impl Rng, n: usize) -> Vec<Rational> {
    let mut d = vec![Rational::new(); n];
    if n == 0 {
        return d;
    }
    if rng.gen_bool(1.0 / 3.0) {
        let i = rng.gen_range(0..n);
        d[i] = Rational::from(if rng.gen_bool(0.5) { 1 } else { -1 });
        return d;
    }
    loop {
        for x in d.iter_mut() {
            *x = Rational::from(rng.gen_range(-1..=1));
        }
        if d.iter().any(|x| *x != 0) {
            return d;
        }
    }
}

/// Directions tangent to a kink hyperplane through `z` (exact for a single affine
/// switching surface `ν·(z' − z) = 0` of a piecewise-affine `F`).
///
/// The jump `s(d) = F'(z; d) + F'(z; −d)` is `|ν·d|·c` for one vector `c ≠ 0`. From
/// the jumps `s_k` along the axes, `|ν_k| ∝ s_k[r]` for a coordinate `r` with
/// `c_r ≠ 0`; the tangent direction in the plane of `e_i, e_j` is one of
/// `|ν_j| e_i ± |ν_i| e_j`. Both signs are returned (the wrong one is just another
/// line). Empty when `F` is differentiable at `z` along every axis.
pub(crate) fn tangent_directions(probe: &Probe<'_>, z: &[Rational]) -> Vec<Vec<Rational>> {
    let n = z.len();
    let mut jumps: Vec<Option<Vec<Rational>>> = Vec::with_capacity(n);
    for k in 0..n {
        let mut e = vec![Rational::new(); n];
        e[k] = Rational::from(1);
        let r = probe.side(z, &e, 1, None).ok();
        let l = probe.side(z, &e, -1, None).ok();
        jumps.push(match (r, l) {
            // F'(z; e) + F'(z; −e) = right slope − left slope (both along e).
            (Some(r), Some(l)) => Some(
                r.slope
                    .iter()
                    .zip(&l.slope)
                    .map(|(a, b)| Rational::from(a - b))
                    .collect(),
            ),
            _ => None,
        });
    }
    // A coordinate r where some jump is nonzero.
    let Some(r) = jumps
        .iter()
        .flatten()
        .find_map(|s| s.iter().position(|x| *x != 0))
    else {
        return Vec::new();
    };
    let w: Vec<Option<Rational>> = jumps
        .iter()
        .map(|s| s.as_ref().map(|s| Rational::from(s[r].abs_ref())))
        .collect();
    let mut out = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let (Some(wi), Some(wj)) = (&w[i], &w[j]) else {
                continue;
            };
            if *wi == 0 && *wj == 0 {
                continue;
            }
            for sign in [1, -1] {
                let mut d = vec![Rational::new(); n];
                d[i] = wj.clone();
                d[j] = Rational::from(wi * sign);
                out.push(d);
            }
        }
    }
    // Axes with no jump are tangent too.
    for (k, wk) in w.iter().enumerate() {
        if wk.as_ref().is_some_and(|x| *x == 0) && w.iter().flatten().any(|x| *x != 0) {
            let mut e = vec![Rational::new(); n];
            e[k] = Rational::from(1);
            out.push(e);
        }
    }
    out.truncate(24);
    out
}
