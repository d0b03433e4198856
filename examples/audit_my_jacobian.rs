//! Audit conservative-Jacobian code: every built-in primitive and map of the crate
//! (they must all pass); a user's own map, written once over any scalar, audited in
//! one call (the buggy version is reported as a small exact counterexample); and
//! Jacobian code written in f64 (what the Python audit runs).
//!
//! Run: `cargo run --release --example audit_my_jacobian`

use piggyback::audit::builtin::builtin_targets;
use piggyback::audit::float::FloatTarget;
use piggyback::audit::{audit, audit_map, AuditConfig, ClaimMode, Conventions};
use piggyback::maps::selection_map::DenseLinearization;
use piggyback::{FixedPointMap, Linearization, Matrix, MatrixSet, Result, Scalar};
use std::cmp::Ordering;
use std::time::Instant;

/// The user's map: one projected-gradient step for `min ½xᵀQx − θᵀx` over the box
/// `[0, 1]²`, `F(x, θ) = clip(x − γ(Qx − θ), 0, 1)` with `γ = 1/2`,
/// `Q = [[1, 1/2], [1/2, 1]]`. Its Jacobian: with `u = x − γ(Qx − θ)` and
/// `q_i = 1` inside the box, 0 outside, `[0, 1]` on the boundary,
/// `[A, B] = diag(q)[I − γQ, γI]`.
struct BoxQp {
    /// The bug: the user forgot that clipping also kills the `θ`-derivative.
    buggy: bool,
}

impl BoxQp {
    fn u<S: Scalar>(&self, x: &[S], th: &[S]) -> Result<Vec<S>> {
        let half = S::from_ratio(1, 2)?;
        // Qx = (x₀ + x₁/2, x₀/2 + x₁); u = x − (Qx − θ)/2.
        let qx = [x[0].add(&x[1].mul(&half)), x[0].mul(&half).add(&x[1])];
        Ok((0..2)
            .map(|i| x[i].sub(&qx[i].sub(&th[i]).mul(&half)))
            .collect())
    }
    fn block<S: Scalar>() -> Result<Matrix<S>> {
        // [I − γQ, γI] = [[1/2, −1/4, 1/2, 0], [−1/4, 1/2, 0, 1/2]].
        Matrix::from_ratio_rows(&[
            vec![(1, 2), (-1, 4), (1, 2), (0, 1)],
            vec![(-1, 4), (1, 2), (0, 1), (1, 2)],
        ])
    }
}

impl<S: Scalar> FixedPointMap<S> for BoxQp {
    fn dims(&self) -> (usize, usize) {
        (2, 2)
    }
    fn apply(&self, x: &[S], th: &[S]) -> Result<Vec<S>> {
        self.check_input(x, th)?;
        Ok(self
            .u(x, th)?
            .iter()
            .map(|u| u.max(&S::zero()).min(&S::one()))
            .collect())
    }
    fn linearize(&self, x: &[S], th: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        // AD convention: q = 1 only strictly inside the box.
        let q: Vec<S> = self
            .u(x, th)?
            .iter()
            .map(|u| {
                let inside = u.sign() == Some(Ordering::Greater)
                    && u.cmp3(&S::one()) == Some(Ordering::Less);
                if inside {
                    S::one()
                } else {
                    S::zero()
                }
            })
            .collect();
        let (a, b) = Self::block::<S>()?.split_cols(2)?;
        let b = if self.buggy { b } else { b.scale_rows(&q)? };
        // The crate's dense linearization: nothing more to write for a small map.
        Ok(Box::new(DenseLinearization {
            a: a.scale_rows(&q)?,
            b,
            smooth: false,
        }))
    }
    fn conservative_jacobian(&self, x: &[S], th: &[S]) -> Result<MatrixSet<S>> {
        let u = self.u(x, th)?;
        let inside = |u: &S, strict: bool| {
            let lo = u.sign();
            let hi = u.cmp3(&S::one());
            if strict {
                lo == Some(Ordering::Greater) && hi == Some(Ordering::Less)
            } else {
                lo != Some(Ordering::Less) && hi != Some(Ordering::Greater)
            }
        };
        let q_lo = u
            .iter()
            .map(|u| if inside(u, true) { S::one() } else { S::zero() });
        let q_hi = u.iter().map(|u| {
            if inside(u, false) {
                S::one()
            } else {
                S::zero()
            }
        });
        let (m, offset) = if self.buggy {
            // The same bug: the θ-block is not scaled by q.
            let (a, b) = Self::block::<S>()?.split_cols(2)?;
            (
                a.hstack(&Matrix::zeros(2, 2))?,
                Matrix::zeros(2, 2).hstack(&b)?,
            )
        } else {
            (Self::block::<S>()?, Matrix::zeros(2, 4))
        };
        MatrixSet::diag_box(q_lo.collect(), q_hi.collect(), m, offset)
    }
}

fn main() -> Result<()> {
    let cfg = AuditConfig::default();
    println!("== built-in primitives and maps (seed {:#x})", cfg.seed);
    let mut all_pass = true;
    for t in builtin_targets()? {
        let start = Instant::now();
        let r = audit(&t, &cfg)?;
        all_pass &= r.passed();
        println!(
            "{:<62} {:>5} chain-rule checks, {:>4} undecided, {:>3} kinks ({} exact), {:>6.3}s: {:?}",
            t.name(),
            r.chain_rule_decided,
            r.undecided.total(),
            r.kinks_located,
            r.kinks_exact,
            start.elapsed().as_secs_f64(),
            r.verdict()
        );
        if !r.passed() {
            println!("{r}");
        }
    }
    println!();

    println!("== the user's map: projected gradient on a box, audited in one call");
    for buggy in [false, true] {
        let map = BoxQp { buggy };
        for mode in [ClaimMode::Element, ClaimMode::Set] {
            let name = if buggy {
                "box QP step (buggy B)"
            } else {
                "box QP step"
            };
            println!("{}", audit_map(name, &map, mode, &cfg)?);
        }
    }
    println!();

    println!("== Jacobian code in f64 (as from Python): Clarke conventions at kinks");
    let clarke = AuditConfig {
        conventions: Conventions::Clarke,
        ..AuditConfig::default()
    };
    for at0 in [0.0, 2.0] {
        let relu = FloatTarget::with_jacobian(
            &format!("relu with relu'(0) = {at0}"),
            1,
            1,
            |x: &[f64]| Ok(vec![x[0].max(0.0)]),
            move |x: &[f64]| {
                Ok(vec![if x[0] > 0.0 {
                    1.0
                } else if x[0] < 0.0 {
                    0.0
                } else {
                    at0
                }])
            },
        );
        println!("{}", audit(&relu, &clarke)?);
    }
    // Soft-thresholding S(u, λ) with the sign of ∂S/∂λ flipped on the active set.
    let soft = FloatTarget::with_jvp(
        "soft-threshold, wrong sign of ∂λ",
        1,
        2,
        |x: &[f64]| {
            if x[1] <= 0.0 {
                return Err("λ must be > 0".into());
            }
            Ok(vec![x[0].signum() * (x[0].abs() - x[1]).max(0.0)])
        },
        |x: &[f64], v: &[f64]| {
            let active = x[0].abs() > x[1];
            Ok(vec![if active {
                v[0] + x[0].signum() * v[1]
            } else {
                0.0
            }])
        },
    );
    println!("{}", audit(&soft, &cfg)?);

    if !all_pass {
        eprintln!("a built-in map failed its audit");
        std::process::exit(1);
    }
    Ok(())
}
