//! The crate's built-in primitives and maps as audit targets, each in both claim
//! modes (the AD element and the whole conservative set), with the same instance over
//! [`Dual`] numbers for exact directional derivatives. Used by
//! `examples/audit_my_jacobian.rs` and the mutant corpus.
//!
//! Not included: the maps that need `exp`/`log` (Sinkhorn, the entropic Bregman
//! prox, logistic regression, the `log λ` wrapper) exist only over `f64` and
//! intervals, and the audit's derivatives are exact rational computations.

use super::adapter::{ClaimMode, MapTarget, SelectionTarget};
use super::dual::Dual;
use super::AuditTarget;
use crate::error::Result;
use crate::linalg::Matrix;
use crate::maps::{
    Admm, Design, DouglasRachford, FixedPointMap, ForwardBackward, HeavyBall, Penalty, ReluLayer,
    SelectionMap, StepRule,
};
use crate::scalar::Scalar;
use crate::selection::primitives::{
    Abs, Clip, ElasticNetProx, Hinge, Max, PwQuadraticDerivative, Relu, SoftThreshold,
};
use crate::selection::{Affine, Compose, Coordinatewise, Lift, Selection, Stack};
use rug::Rational;

/// A boxed audit target.
pub type Target = Box<dyn AuditTarget>;

fn r<S: Scalar>(p: i64, q: i64) -> Result<S> {
    S::from_ratio(p, q)
}

/// The small LASSO instance `A = [[1, 1], [0, 1]]`, `b = (1, 1/2)`.
fn lasso_data<S: Scalar>() -> Result<(Design<S>, Vec<S>)> {
    let a = Matrix::from_ratio_rows(&[vec![(1, 1), (1, 1)], vec![(0, 1), (1, 1)]])?;
    Ok((Design::Dense(a), vec![S::one(), r(1, 2)?]))
}

fn relu_layer<S: Scalar>() -> Result<ReluLayer<S>> {
    ReluLayer::new(
        Matrix::from_ratio_rows(&[vec![(1, 2), (1, 4)], vec![(-1, 3), (1, 2)]])?,
        Matrix::from_ratio_rows(&[vec![(1, 1)], vec![(-1, 1)]])?,
        vec![S::zero(), r(1, 4)?],
    )
}

fn fb<S: Scalar>(penalty: Penalty) -> Result<ForwardBackward<S>> {
    let (a, b) = lasso_data()?;
    ForwardBackward::new(a, b, penalty, StepRule::FrobeniusBound)
}

fn dr<S: Scalar>() -> Result<DouglasRachford<S>> {
    let (a, b) = lasso_data()?;
    DouglasRachford::new(a, b, StepRule::Given(r(1, 2)?))
}

fn admm<S: Scalar>() -> Result<Admm<S>> {
    let (a, b) = lasso_data()?;
    Admm::new(a, b, S::one())
}

/// `max(|x − y|, |x + y|)` (= `|x| + |y|`) as a composition of selections.
fn max_abs_composite<S: Scalar>() -> Result<impl Selection<S>> {
    let inner = Affine::linear(Matrix::from_ratio_rows(&[
        vec![(1, 1), (-1, 1)],
        vec![(1, 1), (1, 1)],
    ])?);
    let abs = Coordinatewise {
        primitive: Abs,
        n: 2,
    };
    Ok(Compose {
        inner: Compose { inner, outer: abs },
        outer: Lift(Max(2)),
    })
}

/// Clarke's example `F(x, y) = (|x| + y, 2x + |y|)` (docs/mathematics.md §5) as a
/// [`SelectionMap`]: `[[1, 0, 0, 1], [0, 1, 2, 0]]·(|x|, |y|, x, y)`, no parameters.
fn clarke<S: Scalar>() -> Result<SelectionMap<impl Selection<S> + Clone>> {
    let abs = Coordinatewise {
        primitive: Abs,
        n: 2,
    };
    let id = Affine::linear(Matrix::<S>::identity(2));
    let outer = Affine::linear(Matrix::from_ratio_rows(&[
        vec![(1, 1), (0, 1), (0, 1), (1, 1)],
        vec![(0, 1), (1, 1), (2, 1), (0, 1)],
    ])?);
    SelectionMap::new(
        Compose {
            inner: Stack(abs, id),
            outer,
        },
        0,
    )
}

fn both_modes_map(
    name: &str,
    q: impl Fn() -> Result<Box<dyn FixedPointMap<Rational>>>,
    d: impl Fn() -> Result<Box<dyn FixedPointMap<Dual>>>,
) -> Result<Vec<Target>> {
    let mut out: Vec<Target> = Vec::new();
    for mode in [ClaimMode::Element, ClaimMode::Set] {
        out.push(Box::new(
            MapTarget::owned(name, q()?, mode).with_dual_owned(d()?),
        ));
    }
    Ok(out)
}

fn both_modes_sel(
    name: &str,
    q: impl Fn() -> Result<Box<dyn Selection<Rational>>>,
    d: impl Fn() -> Result<Box<dyn Selection<Dual>>>,
    hints: &[(i64, i64)],
) -> Result<Vec<Target>> {
    let hints: Vec<Rational> = hints.iter().map(|&h| Rational::from(h)).collect();
    let mut out: Vec<Target> = Vec::new();
    for mode in [ClaimMode::Element, ClaimMode::Set] {
        out.push(Box::new(
            SelectionTarget::owned(name, q()?, mode)
                .with_dual_owned(d()?)
                .with_hints(hints.clone()),
        ));
    }
    Ok(out)
}

macro_rules! sel {
    ($name:expr, $make:expr, $hints:expr) => {
        both_modes_sel(
            $name,
            || Ok(Box::new($make) as Box<dyn Selection<Rational>>),
            || Ok(Box::new($make) as Box<dyn Selection<Dual>>),
            $hints,
        )?
    };
}

/// Every built-in primitive (as a selection) and map (as `z = (x, θ) ↦ F(x, θ)`),
/// each as an AD-element target and a conservative-set target.
pub fn builtin_targets() -> Result<Vec<Target>> {
    let mut t: Vec<Target> = Vec::new();
    t.extend(sel!("abs", Lift(Abs), &[]));
    t.extend(sel!("relu", Lift(Relu), &[]));
    t.extend(sel!("max of 3", Lift(Max(3)), &[]));
    t.extend(sel!("soft-threshold (z, τ)", Lift(SoftThreshold), &[]));
    t.extend(both_modes_sel(
        "elastic-net prox (z, λ₁, λ₂), γ = 1/2",
        || {
            Ok(Box::new(Lift(ElasticNetProx {
                gamma: r::<Rational>(1, 2)?,
            })))
        },
        || {
            Ok(Box::new(Lift(ElasticNetProx {
                gamma: r::<Dual>(1, 2)?,
            })))
        },
        &[],
    )?);
    t.extend(both_modes_sel(
        "clip to [-1, 1]",
        || {
            Ok(Box::new(Lift(Clip {
                lo: r::<Rational>(-1, 1)?,
                hi: r(1, 1)?,
            })))
        },
        || {
            Ok(Box::new(Lift(Clip {
                lo: r::<Dual>(-1, 1)?,
                hi: r(1, 1)?,
            })))
        },
        &[(1, 1)],
    )?);
    t.extend(sel!("hinge", Lift(Hinge), &[(1, 1)]));
    t.extend(sel!(
        "pw-quadratic derivative",
        Lift(PwQuadraticDerivative),
        &[]
    ));
    t.extend(both_modes_sel(
        "max(|x − y|, |x + y|) (composition)",
        || Ok(Box::new(max_abs_composite::<Rational>()?)),
        || Ok(Box::new(max_abs_composite::<Dual>()?)),
        &[],
    )?);
    t.extend(both_modes_map(
        "heavy ball (x, y; α, β)",
        || Ok(Box::new(HeavyBall::seeds())),
        || Ok(Box::new(HeavyBall::seeds())),
    )?);
    t.extend(both_modes_map(
        "Clarke's example (|x| + y, 2x + |y|) as a SelectionMap",
        || Ok(Box::new(clarke::<Rational>()?)),
        || Ok(Box::new(clarke::<Dual>()?)),
    )?);
    t.extend(both_modes_map(
        "ReLU layer",
        || Ok(Box::new(relu_layer::<Rational>()?)),
        || Ok(Box::new(relu_layer::<Dual>()?)),
    )?);
    t.extend(both_modes_map(
        "forward–backward LASSO",
        || Ok(Box::new(fb::<Rational>(Penalty::Lasso)?)),
        || Ok(Box::new(fb::<Dual>(Penalty::Lasso)?)),
    )?);
    t.extend(both_modes_map(
        "forward–backward elastic net",
        || Ok(Box::new(fb::<Rational>(Penalty::ElasticNet)?)),
        || Ok(Box::new(fb::<Dual>(Penalty::ElasticNet)?)),
    )?);
    t.extend(both_modes_map(
        "Douglas–Rachford LASSO",
        || Ok(Box::new(dr::<Rational>()?)),
        || Ok(Box::new(dr::<Dual>()?)),
    )?);
    t.extend(both_modes_map(
        "ADMM LASSO",
        || Ok(Box::new(admm::<Rational>()?)),
        || Ok(Box::new(admm::<Dual>()?)),
    )?);
    Ok(t)
}
