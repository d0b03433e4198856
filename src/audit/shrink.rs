//! Shrinking counterexamples: simpler rationals, fewer nonzeros in the direction,
//! while the same violation (re-checked in full, with its confirmations) persists.

use super::check::{Outcome, Probe};
use super::Counterexample;
use rug::{Integer, Rational};

/// Bits needed to write `q` (numerator and denominator).
fn size(q: &Rational) -> u32 {
    q.numer().significant_bits() + q.denom().significant_bits()
}

fn total_size(z: &[Rational], d: &[Rational]) -> u64 {
    let nnz = d.iter().filter(|x| **x != 0).count() as u64;
    z.iter().chain(d).map(|q| u64::from(size(q))).sum::<u64>() + 8 * nnz
}

/// `round(x·k)/k`.
fn round_to(x: &Rational, k: u32) -> Rational {
    let shifted = Rational::from(x * k) + Rational::from((1, 2));
    let (_, fl) = shifted.fract_floor(Integer::new());
    Rational::from((fl, Integer::from(k)))
}

/// Simpler values to try in place of `x`, simplest first.
fn simpler(x: &Rational) -> Vec<Rational> {
    let mut out = vec![Rational::new()];
    for k in [1u32, 2, 4, 8, 64, 1024] {
        out.push(round_to(x, k));
    }
    out.retain(|c| size(c) < size(x));
    out.dedup();
    out
}

/// Greedy shrinking with a bounded number of re-checks.
pub(crate) fn shrink(probe: &Probe<'_>, mut best: Counterexample) -> Counterexample {
    const MAX_ATTEMPTS: usize = 150;
    let mut attempts = 0;
    let mut steps = 0;
    'outer: loop {
        let n = best.point.len();
        let mut candidates: Vec<(Vec<Rational>, Vec<Rational>)> = Vec::new();
        // Fewer nonzeros in the direction, then unit entries.
        let nnz = best.direction.iter().filter(|x| **x != 0).count();
        for i in 0..n {
            if best.direction[i] != 0 && nnz > 1 {
                let mut d = best.direction.clone();
                d[i] = Rational::new();
                candidates.push((best.point.clone(), d));
            }
        }
        for i in 0..n {
            for c in simpler(&best.direction[i]).into_iter().filter(|c| *c != 0) {
                let mut d = best.direction.clone();
                d[i] = c;
                candidates.push((best.point.clone(), d));
            }
            let s = Rational::from(best.direction[i].signum_ref());
            if s != 0 && s != best.direction[i] {
                let mut d = best.direction.clone();
                d[i] = s;
                candidates.push((best.point.clone(), d));
            }
        }
        for i in 0..n {
            for c in simpler(&best.point[i]) {
                let mut z = best.point.clone();
                z[i] = c;
                candidates.push((z, best.direction.clone()));
            }
        }
        let current = total_size(&best.point, &best.direction);
        for (z, d) in candidates {
            if total_size(&z, &d) >= current {
                continue;
            }
            if attempts >= MAX_ATTEMPTS {
                break 'outer;
            }
            attempts += 1;
            if let Outcome::Fail(c) = probe.recheck(best.kind, &z, &d) {
                steps += 1;
                best = *c;
                continue 'outer;
            }
        }
        break;
    }
    best.shrink_steps = steps;
    best
}
