//! The floating-point tools of level 2: the arithmetic check, upward-rounded scalar
//! bounds, the Gram product and the Cholesky test with their a-priori error bounds.
//!
//! Notation: `u = 2⁻⁵³`, `η = 2⁻¹⁰⁷⁴` (smallest subnormal), `γ_k = ku/(1 − ku)`. The
//! model: `fl(a ∘ b) = (a ∘ b)(1 + δ) + e` with `|δ| ≤ u`, `|e| ≤ η/2`, and `e = 0` for
//! `±` (a sum that lands in the subnormal range is exact) — true of IEEE-754 binary64
//! rounded to nearest with gradual underflow, which [`check_arithmetic`] tests first.
//! The derivations are in `docs/kernel.md` ("Level 2").

// `!(x > t)` is deliberate: it is also true for NaN, which must be refused.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

/// Unit roundoff `u = 2⁻⁵³`.
pub const U: f64 = f64::EPSILON / 2.0;
/// Smallest positive subnormal `η = 2⁻¹⁰⁷⁴`.
pub const ETA: f64 = 5e-324;

/// Whether the arithmetic is the one this crate trusts: round to nearest (ties not
/// tested) and gradual underflow (no flush-to-zero, no denormals-are-zero). `Err`
/// names the property that failed.
pub fn check_arithmetic() -> Result<(), &'static str> {
    use std::hint::black_box;
    let one = black_box(1.0f64);
    let e = black_box(f64::EPSILON);
    let nearest = one + 0.75 * e == 1.0 + e
        && one + 0.25 * e == 1.0
        && -one - 0.75 * e == -(1.0 + e)
        && -one - 0.25 * e == -1.0;
    if !nearest {
        return Err("the floating-point unit does not round to nearest");
    }
    let tiny = black_box(f64::MIN_POSITIVE);
    let sub = tiny / black_box(4.0);
    if !(sub != 0.0 && sub * black_box(4.0) == tiny && black_box(ETA) * 2.0 > 0.0) {
        return Err("subnormal numbers are flushed to zero (FTZ/DAZ)");
    }
    if black_box(2.0f64).sqrt() != std::f64::consts::SQRT_2 {
        return Err("sqrt is not correctly rounded");
    }
    Ok(())
}

/// The smallest float `> x`: an upper bound of any real within half an ulp of `x`
/// (`+∞` and NaN are returned unchanged and make every later test fail).
pub fn up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == 0.0 {
        return ETA;
    }
    let b = x.to_bits();
    f64::from_bits(if x > 0.0 { b + 1 } else { b - 1 })
}

/// Upper bound of `a + b`.
pub fn add_up(a: f64, b: f64) -> f64 {
    up(a + b)
}

/// Upper bound of `a·b` for `a, b ≥ 0`.
pub fn mul_up(a: f64, b: f64) -> f64 {
    up(a * b)
}

/// Upper bound of `γ_k` (`+∞` when `ku ≥ 1/2`).
pub fn gamma(k: usize) -> f64 {
    let ku = k as f64 * U; // exact for k < 2⁵³
    if !(ku < 0.5) {
        return f64::INFINITY;
    }
    up(up(ku) / -up(-(1.0 - ku)))
}

/// Upper bound of a true sum `A` of `m` non-negative exact terms (floats or exact
/// products of floats) from its computed value `â` in any order:
/// `|â − A| ≤ γ_{m}A + mη` gives `A ≤ (â + mη)/(1 − γ_m)`.
pub fn sum_upper(a_hat: f64, m: usize) -> f64 {
    let g = gamma(m);
    if !(g < 1.0) || !(a_hat >= 0.0) {
        return f64::INFINITY;
    }
    up(add_up(a_hat, mul_up(m as f64, ETA)) / -up(-(1.0 - g)))
}

/// `Σ aᵢbᵢ` with eight independent accumulators (any order is covered by the bounds).
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// `Ĝ = fl(X̃ᵀX̃)` (`p × p`, row-major, symmetric) of the column-major `x` (`n` rows,
/// `p` columns), with an upper bound of `‖X̃ᵀX̃ − Ĝ‖₂`: entrywise
/// `|Ĝ − X̃ᵀX̃| ≤ γ_n|X̃|ᵀ|X̃| + nη`, a non-negative bound whose 2-norm is at most
/// `γ_n‖|X̃|‖₂² + pnη ≤ γ_n‖X̃‖_F² + pnη`. Also returns an upper bound of `‖X̃‖_F`.
pub fn gram(x: &[f64], n: usize, p: usize) -> (Vec<f64>, f64, f64) {
    let mut g = vec![0.0; p * p];
    // Blocks of columns stay in cache while every later column passes by once.
    const B: usize = 16;
    for i0 in (0..p).step_by(B) {
        for j in i0..p {
            let cj = &x[j * n..(j + 1) * n];
            for i in i0..(i0 + B).min(j + 1) {
                let v = dot(&x[i * n..(i + 1) * n], cj);
                g[i * p + j] = v;
                g[j * p + i] = v;
            }
        }
    }
    let fro2 = sum_upper(dot(x, x), n * p);
    let err = add_up(
        mul_up(gamma(n.max(1)), fro2),
        mul_up(mul_up(p as f64, n as f64), ETA),
    );
    (g, err, up(fro2.sqrt()))
}

/// What [`psd_shifted`] found.
#[derive(Debug, PartialEq)]
pub enum Psd {
    /// `T ⪰ 0` is proven.
    Proven,
    /// Not proven at this precision: the factorisation failed at this pivot, or the
    /// a-posteriori bound exceeded the shift.
    NotProven(String),
}

/// Prove `T = σ(aI − G) ⪰ 0` for every symmetric `G` with `‖G − Ĝ‖₂ ≤ eps`, where
/// `σ = +1` (`upper`: `aI − G`) or `σ = −1` (`G − aI`), and `a` is any real with
/// `a ≥ a_f` when `upper` (`a ≤ a_f` otherwise). Floating-point Cholesky of
/// `C = fl(σ(a_f I − Ĝ) − sI)` with a shift `s`; if it completes with factor `L̂`,
/// `λ_min(C) ≥ −(γ_{p+1}‖L̂‖_F² + 4p(p+1)η(1 + max l̂ᵢᵢ))` and
/// `λ_min(T) ≥ λ_min(C) + s − eps − maxᵢ|rᵢ|`, `|rᵢ| ≤ u(|fl(σ(a_f − ĝᵢᵢ))| + |cᵢᵢ|)` the
/// rounding of the two diagonal operations; the check is that this is `≥ 0`, in
/// upward-rounded arithmetic.
pub fn psd_shifted(g: &[f64], p: usize, a_f: f64, upper: bool, eps: f64) -> Psd {
    let sigma = if upper { 1.0 } else { -1.0 };
    let diag: Vec<f64> = (0..p).map(|i| sigma * (a_f - g[i * p + i])).collect();
    let trace = diag.iter().fold(0.0, |acc, d| add_up(acc, d.abs()));
    let max_diag = diag.iter().fold(0.0f64, |acc, d| acc.max(d.abs()));
    let pf = p as f64;
    let under = |max_l: f64| mul_up(mul_up(4.0 * pf, pf + 1.0), mul_up(ETA, add_up(1.0, max_l)));
    // A-priori shift: twice the expected bound (‖L̂‖_F² ≈ trace of C ≤ trace).
    let expect = add_up(
        add_up(mul_up(gamma(p + 1), trace), eps),
        add_up(mul_up(2.0 * U, max_diag), under(up(max_diag.sqrt()))),
    );
    let s = mul_up(2.0, expect);
    if !s.is_finite() {
        return Psd::NotProven("the error bounds overflow".into());
    }
    let mut l = vec![0.0f64; p * p];
    let mut r_max = 0.0f64;
    for i in 0..p {
        for j in 0..=i {
            let c = if i == j {
                let c = diag[i] - s;
                r_max = r_max.max(add_up(mul_up(U, diag[i].abs()), mul_up(U, c.abs())));
                c
            } else {
                -sigma * g[i * p + j]
            };
            let t = c - dot(&l[i * p..i * p + j], &l[j * p..j * p + j]);
            if i == j {
                if !(t > 0.0) || !t.is_finite() {
                    return Psd::NotProven(format!(
                        "the Cholesky factorisation of the shifted matrix (shift {s:.3e}) meets \
                         a non-positive pivot at row {i} of {p}"
                    ));
                }
                l[i * p + i] = t.sqrt();
            } else {
                l[i * p + j] = t / l[j * p + j];
            }
        }
    }
    let (mut sq, mut max_l) = (0.0f64, 0.0f64);
    for i in 0..p {
        sq += dot(&l[i * p..i * p + i + 1], &l[i * p..i * p + i + 1]);
        max_l = max_l.max(l[i * p + i]);
    }
    let backward = add_up(
        mul_up(gamma(p + 1), sum_upper(sq, p * (p + 1) / 2)),
        under(max_l),
    );
    let need = add_up(add_up(backward, eps), r_max);
    if need <= s {
        Psd::Proven
    } else {
        Psd::NotProven(format!(
            "a-posteriori Cholesky bound {need:.3e} exceeds the shift {s:.3e}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_and_directed_bounds() {
        check_arithmetic().unwrap();
        for x in [0.0, -0.0, 1.0, -1.0, 1e-310, f64::MAX, 3.5] {
            assert!(up(x) > x, "{x}");
        }
        assert!(gamma(10) > 10.0 * U && gamma(1 << 53).is_infinite());
        assert!(sum_upper(-1.0, 3).is_infinite());
    }

    #[test]
    fn psd_test_accepts_margins_and_refuses_indefinite() {
        // Ĝ = [[2, 1], [1, 2]]: eigenvalues 1 and 3.
        let g = [2.0, 1.0, 1.0, 2.0];
        assert_eq!(psd_shifted(&g, 2, 3.0001, true, 0.0), Psd::Proven);
        assert!(matches!(
            psd_shifted(&g, 2, 2.9999, true, 0.0),
            Psd::NotProven(_)
        ));
        assert_eq!(psd_shifted(&g, 2, 0.9999, false, 0.0), Psd::Proven);
        assert!(matches!(
            psd_shifted(&g, 2, 1.0001, false, 0.0),
            Psd::NotProven(_)
        ));
        // The error radius counts: ‖G − Ĝ‖ ≤ 0.01 forbids a margin of 1e-4.
        assert!(matches!(
            psd_shifted(&g, 2, 3.0001, true, 0.01),
            Psd::NotProven(_)
        ));
        assert!(matches!(
            psd_shifted(&g, 2, f64::NAN, true, 0.0),
            Psd::NotProven(_)
        ));
    }
}
