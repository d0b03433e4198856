//! Shrinking counterexamples to short rationals, while the same violation
//! (re-checked in full, with its confirmations) persists.
//!
//! A chain-rule violation holds on an interval, so each coordinate can move to the
//! *simplest* rational (smallest denominator, then numerator) in a window around it
//! where the violation persists. The simplest rational in `[lo, hi]` comes from the
//! Stern–Brocot tree (continued fractions of the two ends); windows of half-width
//! `2^{-k}·(1 + |x|)`, `k = 0, 1, …`, are tried from wide to narrow, so the first
//! candidate that still fails is the simplest at that resolution. Directions are
//! simplified too: fewer nonzeros, then simplest entries, then signs.

use super::check::{Outcome, Probe};
use super::report::Counterexample;
use rug::{Integer, Rational};

/// Bits needed to write `q` (numerator and denominator).
fn size(q: &Rational) -> u32 {
    q.numer().significant_bits() + q.denom().significant_bits()
}

fn total_size(z: &[Rational], d: &[Rational]) -> u64 {
    let nnz = d.iter().filter(|x| **x != 0).count() as u64;
    z.iter().chain(d).map(|q| u64::from(size(q))).sum::<u64>() + 8 * nnz
}

/// `⌊x⌋`.
fn floor(x: &Rational) -> Integer {
    let (_, fl) = x.clone().fract_floor(Integer::new());
    fl
}

/// The simplest rational in the closed interval `[lo, hi]` (smallest denominator;
/// among those, smallest absolute numerator), by descending the Stern–Brocot tree
/// with continued fractions.
pub fn simplest_in(lo: &Rational, hi: &Rational) -> Rational {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if *lo <= 0 && *hi >= 0 {
        return Rational::new();
    }
    if *hi < 0 {
        return -simplest_in(&Rational::from(-hi), &Rational::from(-lo));
    }
    simplest_positive(lo.clone(), hi.clone())
}

/// Simplest rational in `[lo, hi]`, `0 < lo ≤ hi`.
fn simplest_positive(lo: Rational, hi: Rational) -> Rational {
    // Iterative continued-fraction descent: x = a0 + 1/(a1 + 1/(…)).
    let mut terms: Vec<Integer> = Vec::new();
    let (mut lo, mut hi) = (lo, hi);
    loop {
        let fl = floor(&lo);
        if lo == fl {
            terms.push(fl);
            break;
        }
        // An integer in (lo, hi]: the smallest one, ⌊lo⌋ + 1.
        let next = Integer::from(&fl + 1);
        if next <= hi {
            terms.push(next);
            break;
        }
        // Same integer part: recurse on the reciprocals of the fractional parts.
        terms.push(fl.clone());
        let lo_f = Rational::from(&lo - &fl);
        let hi_f = Rational::from(&hi - &fl);
        // 1/x reverses the order.
        lo = hi_f.recip();
        hi = lo_f.recip();
        if terms.len() > 4096 {
            break;
        }
    }
    let mut it = terms.into_iter().rev();
    let mut x = Rational::from(it.next().unwrap_or_default());
    for a in it {
        x = Rational::from(a) + x.recip();
    }
    x
}

/// Candidates for `x`: the simplest rationals in the windows `[x − r, x + r]`,
/// `[x − r, x]` and `[x, x + r]`, `r = 2^{-k}(1 + |x|)` (one-sided windows step around
/// a bad point such as a kink on one side), each simpler than `x`, simplest first.
fn simpler(x: &Rational) -> Vec<Rational> {
    let scale = Rational::from(x.abs_ref()) + 1u32;
    let mut out: Vec<Rational> = Vec::new();
    for k in 0..64u32 {
        let r = Rational::from(&scale >> k);
        let (lo, hi) = (Rational::from(x - &r), Rational::from(x + &r));
        let mut any = false;
        for (a, b) in [(&lo, &hi), (&lo, x), (x, &hi)] {
            let c = simplest_in(a, b);
            if size(&c) < size(x) {
                any = true;
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        if !any {
            break;
        }
    }
    // Stable: among equally short candidates the widest window's comes first.
    out.sort_by_key(size);
    out
}

/// Greedy shrinking with a bounded number of re-checks.
pub(crate) fn shrink(probe: &Probe<'_>, mut best: Counterexample) -> Counterexample {
    const MAX_ATTEMPTS: usize = 160;
    let mut attempts = 0;
    let mut steps = 0;
    'outer: loop {
        let n = best.point.len();
        let mut candidates: Vec<(Vec<Rational>, Vec<Rational>)> = Vec::new();
        // Fewer nonzeros in the direction.
        let nnz = best.direction.iter().filter(|x| **x != 0).count();
        for i in 0..n {
            if best.direction[i] != 0 && nnz > 1 {
                let mut d = best.direction.clone();
                d[i] = Rational::new();
                candidates.push((best.point.clone(), d));
            }
        }
        // Signs, then simpler entries.
        for i in 0..n {
            let s = Rational::from(best.direction[i].signum_ref());
            if s != 0 && s != best.direction[i] {
                let mut d = best.direction.clone();
                d[i] = s;
                candidates.push((best.point.clone(), d));
            }
            for c in simpler(&best.direction[i]).into_iter().filter(|c| *c != 0) {
                let mut d = best.direction.clone();
                d[i] = c;
                candidates.push((best.point.clone(), d));
            }
        }
        // Simpler coordinates of the point (simplest first).
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

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> Rational {
        Rational::from((n, d))
    }

    #[test]
    fn simplest_rationals() {
        assert_eq!(simplest_in(&q(1, 3), &q(1, 2)), q(1, 2));
        assert_eq!(simplest_in(&q(3, 10), &q(4, 10)), q(1, 3));
        assert_eq!(simplest_in(&q(-5, 2), &q(1, 7)), q(0, 1));
        assert_eq!(simplest_in(&q(-4, 10), &q(-3, 10)), q(-1, 3));
        assert_eq!(simplest_in(&q(7, 2), &q(7, 2)), q(7, 2));
        assert_eq!(simplest_in(&q(31, 10), &q(32, 10)), q(16, 5));
        // A window of ±10⁻⁴ around 2539112899/8239924843 holds 45/146 (checked by hand:
        // 45/146 − x ≈ 7.2·10⁻⁵, and no fraction with a smaller denominator is that
        // close, see the brute-force test below).
        let x = q(2539112899, 8239924843);
        let r = q(1, 10_000);
        let s = simplest_in(&Rational::from(&x - &r), &Rational::from(&x + &r));
        assert_eq!(s, q(45, 146));
        assert_eq!(s, brute(&Rational::from(&x - &r), &Rational::from(&x + &r)));
        assert!(Rational::from(&s - &x).abs() <= r);
    }

    /// Brute force over denominators: the simplest rational in [lo, hi].
    fn brute(lo: &Rational, hi: &Rational) -> Rational {
        for den in 1u32..=400 {
            let first = Rational::from(lo * den).ceil();
            if Rational::from(&first / den) <= *hi {
                // Smallest |numerator| in range.
                let last = Rational::from(hi * den).floor();
                let (f, l) = (first.numer().clone(), last.numer().clone());
                let num = if f <= 0 && l >= 0 {
                    Integer::new()
                } else if f > 0 {
                    f
                } else {
                    l
                };
                return Rational::from((num, Integer::from(den)));
            }
        }
        unreachable!("an interval of positive width holds a fraction with denominator ≤ 400")
    }

    #[test]
    fn simplest_matches_brute_force() {
        for a in -40i64..40 {
            for w in [1i64, 3, 7, 20] {
                let lo = q(a, 17);
                let hi = q(a * 7 + w, 119);
                if lo > hi {
                    continue;
                }
                assert_eq!(simplest_in(&lo, &hi), brute(&lo, &hi), "[{lo}, {hi}]");
            }
        }
    }
}
