//! The detection guarantee of the module docs, measured over many seeds.
//!
//! Per line with `m` strata, a band of relative width `w` on which the claim is wrong
//! is missed with probability at most `(1 − wm/2)²` (0 once `wm ≥ 2`). In one
//! dimension every chord is the whole box `[−2, 2]`, so a band of absolute width `4w`
//! has relative width `w` on every line. The map is `F(x) = x/2` with the claimed slope
//! `1` on the band `(c, c + 4w)` (`c` random per seed) and `1/2` elsewhere: the only
//! way to catch it is to sample the band.

use piggyback::audit::{audit, AuditConfig, Claim, FnTarget, Verdict};
use piggyback::Matrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rug::Rational;

fn band_target(lo: Rational, hi: Rational) -> impl piggyback::audit::AuditTarget {
    FnTarget::new(
        "x/2 with a wrong band",
        1,
        1,
        |z: &[Rational]| Ok(vec![Rational::from(&z[0] / 2)]),
        move |z: &[Rational]| {
            let g = if z[0] > lo && z[0] < hi {
                (1, 1)
            } else {
                (1, 2)
            };
            Ok(Claim::Element(Matrix::from_ratio_rows(&[vec![g]])?))
        },
    )
}

/// A band of relative width `w = num/den` at a random place inside the box.
fn random_band(rng: &mut ChaCha8Rng, num: i64, den: i64) -> (Rational, Rational) {
    let width = Rational::from((4 * num, den));
    // c ∈ [−2, 2 − width], with a large prime denominator.
    let u = Rational::from((rng.gen_range(0..100_003i64), 100_003));
    let c = (Rational::from(4) - &width) * u - 2;
    let hi = Rational::from(&c + &width);
    (c, hi)
}

/// One scanned line, nothing else: the per-line guarantee.
fn one_line(seed: u64) -> AuditConfig {
    AuditConfig {
        seed,
        lines: 1,
        structured_lines: 0,
        kink_points: 0,
        samples_per_line: 200,
        shrink: false,
        min_decided: 0,
        ..AuditConfig::default()
    }
}

fn detection_rate(seeds: u64, num: i64, den: i64, cfg: impl Fn(u64) -> AuditConfig) -> f64 {
    let mut caught = 0;
    for seed in 0..seeds {
        let mut rng = ChaCha8Rng::seed_from_u64(1000 + seed);
        let (lo, hi) = random_band(&mut rng, num, den);
        let r = audit(&band_target(lo, hi), &cfg(seed)).unwrap();
        if r.verdict() == Verdict::Fail {
            caught += 1;
        }
    }
    caught as f64 / seeds as f64
}

#[test]
fn per_line_guarantee_over_seeds() {
    let seeds = 200;
    // w = 1/100, m = 200: wm = 2, certain.
    let r = detection_rate(seeds, 1, 100, one_line);
    println!("one line, m = 200, w = 1e-2: caught {r:.3} (bound 1)");
    assert_eq!(r, 1.0);
    // w = 1/200: wm = 1, miss ≤ 1/4, so caught ≥ 3/4; 200 seeds, 3 standard deviations.
    let r = detection_rate(seeds, 1, 200, one_line);
    println!("one line, m = 200, w = 5e-3: caught {r:.3} (bound ≥ 0.75)");
    assert!(r >= 0.75 - 3.0 * (0.1875f64 / seeds as f64).sqrt(), "{r}");
    // w = 1/400: wm = 1/2, caught ≥ 1 − (3/4)² = 0.4375.
    let r = detection_rate(seeds, 1, 400, one_line);
    println!("one line, m = 200, w = 2.5e-3: caught {r:.3} (bound ≥ 0.4375)");
    assert!(r >= 0.4375 - 3.0 * (0.25f64 / seeds as f64).sqrt(), "{r}");
}

#[test]
fn default_budget_guarantee_over_seeds() {
    // Absolute width 1e-2 on [−2, 2] (relative 2.5e-3 on each of the 24 lines): the
    // bound on missing is (9/16)^24 < 1e-5.
    let default = |seed| AuditConfig {
        seed,
        shrink: false,
        ..AuditConfig::default()
    };
    let r = detection_rate(100, 1, 400, default);
    println!("default budget, absolute width 1e-2: caught {r:.3}");
    assert_eq!(r, 1.0);
}

#[test]
fn bands_touching_a_kink_are_caught_however_narrow() {
    // relu with slope 2 on (0, w): the kink at 0 is located exactly and probed down to
    // 1e-12 of the line, so even w = 1e-10 is caught on every seed, with one line.
    for k in [4u32, 8, 10] {
        let w = Rational::from((1, 10i64.pow(k)));
        for seed in 0..20 {
            let wc = w.clone();
            let t = FnTarget::new(
                "relu with a band",
                1,
                1,
                |z: &[Rational]| {
                    Ok(vec![if z[0] > 0 {
                        z[0].clone()
                    } else {
                        Rational::new()
                    }])
                },
                move |z: &[Rational]| {
                    let g = if z[0] > 0 && z[0] < wc {
                        2
                    } else {
                        i64::from(z[0] > 0)
                    };
                    Ok(Claim::Element(Matrix::from_ratio_rows(&[vec![(g, 1)]])?))
                },
            );
            let r = audit(&t, &one_line(seed)).unwrap();
            assert_eq!(r.verdict(), Verdict::Fail, "w = 1e-{k}, seed {seed}: {r}");
            assert_eq!(r.kinks_exact, 1, "{r}");
            let c = &r.violations[0];
            assert!(c.point[0] > 0 && c.point[0] < w, "{c}");
        }
    }
}
