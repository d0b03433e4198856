//! Where the audit looks: generic points, structured points on likely kinks, and
//! kinks located exactly along lines.

use super::check::Probe;
use super::derivative::along;
use rand::seq::SliceRandom;
use rand::Rng;
use rug::Rational;

/// Denominators of generic points: primes, so that generic coordinates avoid the
/// simple rationals where kinks of typical maps sit.
const GENERIC_DENOMS: [i64; 4] = [997, 1009, 4093, 8191];

/// A rational in about `[−2, 2]` with a large prime denominator.
pub(crate) fn generic_scalar(rng: &mut impl Rng) -> Rational {
    let den = *GENERIC_DENOMS.choose(rng).unwrap_or(&997);
    Rational::from((rng.gen_range(-2 * den..=2 * den), den))
}

/// A generic point of `R^n`.
pub(crate) fn generic_point(rng: &mut impl Rng, n: usize) -> Vec<Rational> {
    (0..n).map(|_| generic_scalar(rng)).collect()
}

/// A parameter in `(0, 1)` with a large denominator.
pub(crate) fn generic_fraction(rng: &mut impl Rng) -> Rational {
    Rational::from((rng.gen_range(1..1009), 1009))
}

/// A point whose coordinates are simple rationals (`0, ±1/2, ±1, ±3/2, ±2`) or
/// `±` hints, so that ties (`z_i = 0`, `z_i = z_j`, `|z_i| = λ`) happen often.
pub(crate) fn structured_point(rng: &mut impl Rng, n: usize, hints: &[Rational]) -> Vec<Rational> {
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
    let mut z: Vec<Rational> = (0..n)
        .map(|_| pool.choose(rng).cloned().unwrap_or_default())
        .collect();
    // Sometimes repeat a coordinate (ties between inputs, e.g. for max).
    if n >= 2 && rng.gen_bool(0.5) {
        let i = rng.gen_range(0..n);
        let j = rng.gen_range(0..n);
        z[j] = z[i].clone();
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

/// Kinks of `t ↦ F(z + t d)` on a grid of `[−2, 2]`, located exactly as the crossing
/// of the affine pieces on both sides (verified: the one-sided derivatives differ
/// there). Returns the kink points `z + t* d` (at most 4).
pub(crate) fn locate_kinks(
    probe: &Probe<'_>,
    z: &[Rational],
    d: &[Rational],
) -> Vec<Vec<Rational>> {
    let offset = Rational::from((7, 131));
    let ts: Vec<Rational> = (-4..=4).map(|k| Rational::from((k, 2)) + &offset).collect();
    let nd: Vec<Rational> = d.iter().map(|x| Rational::from(-x)).collect();
    // (value, right slope, left slope) at each grid point.
    let mut fits = Vec::with_capacity(ts.len());
    for t in &ts {
        let p = along(z, d, t);
        let v = probe.eval_point(&p).ok();
        let r = probe.one_sided(&p, d).ok().flatten();
        let l = probe
            .one_sided(&p, &nd)
            .ok()
            .flatten()
            .map(|l| l.into_iter().map(|x| -x).collect::<Vec<_>>());
        fits.push((v, r, l));
    }
    let mut kinks: Vec<Rational> = Vec::new();
    for w in 0..ts.len() - 1 {
        let (a, b) = (&ts[w], &ts[w + 1]);
        let (Some(va), Some(sa), _) = &fits[w] else {
            continue;
        };
        let (Some(vb), _, Some(sb)) = &fits[w + 1] else {
            continue;
        };
        for i in 0..va.len() {
            let den = Rational::from(&sa[i] - &sb[i]);
            if den == 0 {
                continue;
            }
            // va + sa (t − a) = vb + sb (t − b)  ⇒  t = (vb − va + sa a − sb b) / (sa − sb).
            let num = Rational::from(&vb[i] - &va[i]) + Rational::from(&sa[i] * a)
                - Rational::from(&sb[i] * b);
            let t = num / &den;
            if &t <= a || &t >= b || kinks.contains(&t) {
                continue;
            }
            let p = along(z, d, &t);
            let r = probe.one_sided(&p, d).ok().flatten();
            let l = probe.one_sided(&p, &nd).ok().flatten();
            if let (Some(r), Some(l)) = (r, l) {
                let l: Vec<Rational> = l.into_iter().map(|x| -x).collect();
                if r != l {
                    kinks.push(t);
                }
            }
        }
        if kinks.len() >= 4 {
            break;
        }
    }
    kinks.into_iter().map(|t| along(z, d, &t)).collect()
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
        let r = probe.one_sided(z, &e).ok().flatten();
        e[k] = Rational::from(-1);
        let l = probe.one_sided(z, &e).ok().flatten();
        jumps.push(match (r, l) {
            (Some(r), Some(l)) => Some(
                r.iter()
                    .zip(&l)
                    .map(|(a, b)| Rational::from(a + b))
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
