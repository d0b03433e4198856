//! Audit conservative-Jacobian code: every built-in primitive and map of the crate
//! (they must all pass), then a user's own map with a deliberate bug, which the audit
//! reports as a small exact counterexample.
//!
//! Run: `cargo run --example audit_my_jacobian`

use piggyback::audit::builtin::builtin_targets;
use piggyback::audit::{audit, AuditConfig, ClaimMode, Dual, MapTarget};
use piggyback::{FixedPointMap, Linearization, Matrix, MatrixSet, Result, Scalar};
use rug::Rational;
use std::cmp::Ordering;

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

struct Dense<S> {
    a: Matrix<S>,
    b: Matrix<S>,
}

impl<S: Scalar> Linearization<S> for Dense<S> {
    fn dims(&self) -> (usize, usize) {
        (2, 2)
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        for (o, r) in out.iter_mut().zip(self.a.mul_vec(v).unwrap_or_default()) {
            *o = r;
        }
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        for (o, r) in out.iter_mut().zip(self.a.tr_mul_vec(w).unwrap_or_default()) {
            *o = r;
        }
    }
    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        for (o, r) in out.iter_mut().zip(self.b.mul_vec(v).unwrap_or_default()) {
            *o = r;
        }
    }
    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        for (o, r) in out.iter_mut().zip(self.b.tr_mul_vec(w).unwrap_or_default()) {
            *o = r;
        }
    }
    fn is_smooth_point(&self) -> bool {
        false
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
        Ok(Box::new(Dense {
            a: a.scale_rows(&q)?,
            b,
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
        Ok(MatrixSet::DiagBox {
            q_lo: q_lo.collect(),
            q_hi: q_hi.collect(),
            m,
            offset,
        })
    }
}

fn main() -> Result<()> {
    let cfg = AuditConfig::default();
    println!("== built-in primitives and maps (seed {:#x})", cfg.seed);
    let mut all_pass = true;
    for t in builtin_targets()? {
        let r = audit(&t, &cfg)?;
        all_pass &= r.passed();
        println!(
            "{:<62} {:>5} checks passed, {:>4} inconclusive: {}",
            t.name(),
            r.passed_checks,
            r.inconclusive,
            if r.passed() { "ok" } else { "VIOLATION" }
        );
        if !r.passed() {
            println!("{r}");
        }
    }
    println!();

    println!("== the user's map: projected gradient on a box");
    for buggy in [false, true] {
        let map = BoxQp { buggy };
        let dual = BoxQp { buggy };
        let q: &dyn FixedPointMap<Rational> = &map;
        let d: &dyn FixedPointMap<Dual> = &dual;
        for mode in [ClaimMode::Element, ClaimMode::Set] {
            let name = if buggy {
                "box QP step (buggy B)"
            } else {
                "box QP step"
            };
            let t = MapTarget::new(name, q, mode).with_dual(d);
            let r = audit(&t, &cfg)?;
            println!("{r}");
        }
    }
    if !all_pass {
        eprintln!("a built-in map failed its audit");
        std::process::exit(1);
    }
    Ok(())
}
