//! The level-2 check of `sup_{A∈𝒟} ‖A‖₂ ≤ ρ` for the family the exact kernel derives
//! (`docs/kernel.md`): `{c·diag(q)M' : q ∈ [0, 1]ᵖ}` for forward–backward and
//! `{diag(q)W : q ∈ [0, 1]ⁿ}` for a ReLU layer. `D = I` is in the family and
//! `‖diag(q)M‖₂ ≤ ‖M‖₂` for `|q| ≤ 1`, so the supremum is `c‖M'‖₂` (resp. `‖W‖₂`).
//!
//! * forward–backward: `M' = dI − γG`, `G = AᵀA` symmetric, so `c‖M'‖₂ ≤ ρ` iff every
//!   eigenvalue of `G` lies in `[(d − t)/γ, (d + t)/γ]`, `t = ρ/c`: the two tests
//!   `αI − G ⪰ 0` with `α = (d + t)/γ` and `G − βI ⪰ 0` with `β = (d − t)/γ` (void when
//!   `β ≤ 0`, as `G ⪰ 0`);
//! * ReLU: `‖W‖₂ ≤ ρ` iff `ρ²I − WᵀW ⪰ 0`.
//!
//! `α`, `β` are exact rationals, rounded to binary64 in the safe direction; the tests
//! are [`crate::fp::psd_shifted`] on `Ĝ = fl(ÃᵀÃ)` with
//! `‖G − Ĝ‖₂ ≤ γ_n‖Ã‖_F² + pnη + 2e‖Ã‖_F + e²` (rounding of the product, and the data
//! radius `‖A − Ã‖_F ≤ e` of inline numbers that are not binary64 values).

use crate::data::{self, Data};
use crate::format::{FpCertificate, FpMap, FpSubject, FORMAT, VERSION};
use crate::fp::{self, add_up, mul_up, Psd};
use crate::{FpFailure, FpVerdict, Limits};
use piggyback_kernel::budget::OverBudget;
use piggyback_kernel::certificate::{num, nums, Claim, NormSpec};
use piggyback_kernel::error::{bad_data, reject, CheckFailure};
use piggyback_kernel::problem::{Kind, Splitting};
use piggyback_kernel::verdict::{self, Norm, ProblemSummary, Verdict};
use rug::float::Round;
use rug::{Float, Rational};
use std::cmp::Ordering;
use std::path::Path;

fn to_f64(q: &Rational, round: Round) -> f64 {
    Float::with_val_round(53, q, round).0.to_f64_round(round)
}

fn charge(limits: &Limits, what: &str, work: u128) -> Result<(), CheckFailure> {
    if work > limits.max_work {
        return Err(CheckFailure::TooLarge(OverBudget {
            what: format!("level 2: {what}"),
            needed: work,
            limit: limits.max_work,
        }));
    }
    Ok(())
}

fn want_shape(got: (usize, usize), want: (usize, usize), at: &str) -> Result<(), CheckFailure> {
    if got != want {
        return Err(bad_data(
            at,
            format!("{}x{} where {}x{} is needed", got.0, got.1, want.0, want.1),
        ));
    }
    Ok(())
}

/// One `psd_shifted` test as a step of the check.
fn test(g: &[f64], p: usize, a: f64, upper: bool, eps: f64, step: &str) -> Result<(), FpFailure> {
    match fp::psd_shifted(g, p, a, upper, eps) {
        Psd::Proven => Ok(()),
        Psd::NotProven(reason) => Err(FpFailure::NotVerified {
            step: step.to_string(),
            reason,
        }),
    }
}

/// Check a parsed level-2 certificate; data files are read relative to `base`.
pub fn check(c: &FpCertificate, base: &Path, limits: &Limits) -> Result<FpVerdict, FpFailure> {
    fp::check_arithmetic().map_err(|why| FpFailure::NotVerified {
        step: "startup: the IEEE-754 arithmetic level 2 trusts".into(),
        reason: why.into(),
    })?;
    if c.format != FORMAT || c.version != VERSION {
        return Err(
            CheckFailure::Malformed(format!("expected {FORMAT:?} version {VERSION}")).into(),
        );
    }
    let Claim::NormBound {
        norm: NormSpec::Two {},
        rho,
    } = &c.claim
    else {
        return Err(CheckFailure::Malformed(
            "level 2 checks norm_bound claims in the spectral norm (two) only".into(),
        )
        .into());
    };
    let rho = num(rho, "claim.rho")?;
    if rho.cmp0() == Ordering::Less {
        return Err(reject("precondition: ρ ≥ 0", format!("ρ = {rho}")).into());
    }
    let (FpSubject::Map { problem } | FpSubject::Field { problem }) = &c.subject;
    let theta = nums(&problem.theta, "subject.problem.theta")?;
    let at = |f: &str| format!("subject.problem.map.{f}");
    let mut hashes = Vec::new();
    let mut keep = |d: &Data, f: &str| {
        if let Some(h) = &d.sha256 {
            hashes.push((at(f), h.clone()));
        }
    };
    let (kind, dim) = match &problem.map {
        FpMap::Lasso {
            design,
            response,
            step,
        }
        | FpMap::ElasticNet {
            design,
            response,
            step,
            ..
        } => {
            let (kind, splitting) = match &problem.map {
                FpMap::ElasticNet { splitting, .. } => (Kind::ElasticNet, *splitting),
                _ => (Kind::Lasso, Splitting::Prox),
            };
            let want = if kind == Kind::Lasso { 1 } else { 2 };
            if theta.len() != want {
                return Err(
                    bad_data("subject.problem.theta", format!("needs {want} entries")).into(),
                );
            }
            let gamma = num(step, &at("step"))?;
            let (l1, l2) = (theta[0].clone(), theta.get(1).cloned().unwrap_or_default());
            if gamma.cmp0() != Ordering::Greater {
                return Err(reject("precondition: step γ > 0", format!("γ = {gamma}")).into());
            }
            if l1.cmp0() != Ordering::Greater {
                return Err(reject("precondition: λ₁ > 0", format!("λ₁ = {l1}")).into());
            }
            if l2.cmp0() == Ordering::Less {
                return Err(reject("precondition: λ₂ ≥ 0", format!("λ₂ = {l2}")).into());
            }
            let (n, p) = data::shape(design, base, &at("design"))?;
            let (n128, p128) = (n as u128, p as u128);
            charge(
                limits,
                "Gram product and two Cholesky factorisations",
                n128 * p128 * (p128 + 1) / 2 + p128 * p128 * p128 / 3,
            )?;
            want_shape(
                data::shape(response, base, &at("response"))?,
                (n, 1),
                &at("response"),
            )?;
            let a = data::load(design, base, &at("design"))?;
            want_shape((a.rows, a.cols), (n, p), &at("design"))?;
            keep(&a, "design");
            keep(&data::load(response, base, &at("response"))?, "response");
            let (g, round, fro) = fp::gram(&a.x, n, p);
            let e = a.rad_fro;
            let eps = add_up(round, add_up(mul_up(2.0, mul_up(e, fro)), mul_up(e, e)));
            let ridge = Rational::from(&gamma * &l2);
            let (d, c) = match splitting {
                Splitting::Prox => (Rational::from(1), Rational::from(1) / (ridge + 1u32)),
                Splitting::Smooth => (Rational::from(1) - ridge, Rational::from(1)),
            };
            let t = Rational::from(&rho / &c);
            let alpha = Rational::from(&d + &t) / &gamma;
            let beta = (d - t) / &gamma;
            if alpha.cmp0() == Ordering::Less {
                return Err(reject(
                    "‖M'‖₂ ≤ ρ/c needs λ_max(AᵀA) ≤ (d + ρ/c)/γ",
                    "the bound is negative",
                )
                .into());
            }
            let upper = "‖M'‖₂ ≤ ρ/c, upper side: (d + ρ/c)/γ·I − AᵀA ⪰ 0";
            test(&g, p, to_f64(&alpha, Round::Down), true, eps, upper)?;
            if beta.cmp0() == Ordering::Greater {
                let lower = "‖M'‖₂ ≤ ρ/c, lower side: AᵀA − (d − ρ/c)/γ·I ⪰ 0";
                test(&g, p, to_f64(&beta, Round::Up), false, eps, lower)?;
            }
            (kind, p)
        }
        FpMap::ReluLayer { w, u, b } => {
            let (n, m) = data::shape(w, base, &at("w"))?;
            want_shape((n, m), (n, n), &at("w"))?;
            want_shape(data::shape(b, base, &at("b"))?, (n, 1), &at("b"))?;
            if let Some(u) = u {
                want_shape(data::shape(u, base, &at("u"))?, (n, theta.len()), &at("u"))?;
            }
            let n128 = n as u128;
            charge(
                limits,
                "Gram product and a Cholesky factorisation",
                n128 * n128 * (n128 + 1) / 2 + n128 * n128 * n128 / 6,
            )?;
            let wd = data::load(w, base, &at("w"))?;
            want_shape((wd.rows, wd.cols), (n, n), &at("w"))?;
            keep(&wd, "w");
            keep(&data::load(b, base, &at("b"))?, "b");
            if let Some(u) = u {
                keep(&data::load(u, base, &at("u"))?, "u");
            }
            let (g, round, fro) = fp::gram(&wd.x, n, n);
            let e = wd.rad_fro;
            let eps = add_up(round, add_up(mul_up(2.0, mul_up(e, fro)), mul_up(e, e)));
            let r2 = Rational::from(&rho * &rho);
            test(
                &g,
                n,
                to_f64(&r2, Round::Down),
                true,
                eps,
                "‖W‖₂ ≤ ρ: ρ²I − WᵀW ⪰ 0",
            )?;
            (Kind::ReluLayer, n)
        }
    };
    let summary = ProblemSummary {
        kind,
        n: dim,
        theta,
    };
    let subject = match &c.subject {
        FpSubject::Map { .. } => verdict::Subject::Map(summary),
        FpSubject::Field { .. } => verdict::Subject::Field(summary),
    };
    Ok(FpVerdict {
        verdict: Verdict {
            subject,
            claim: verdict::Claim::NormBound {
                norm: Norm::Two,
                rho,
            },
        },
        data_files: hashes,
    })
}
