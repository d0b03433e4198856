//! Finder of fixed-point certificates for forward–backward (LASSO, elastic net): from
//! an f64 solution, propose the center, radius, sign pattern and exact derivative
//! `∂x̄/∂λ₁`, and return the certificate only if the trusted kernel
//! ([`piggyback_kernel::fixed_point::check_fixed_point`]) accepts it.
//!
//! **Exact when cheap.** Before falling back to the f64 point as centre, the finder
//! guesses the support and signs from it and solves the restricted KKT system
//! `(A_SᵀA_S + λ₂I)x_S = A_Sᵀb − λ₁s_S` exactly (support up to [`EXACT_SUPPORT_LIMIT`]).
//! When that point satisfies the KKT conditions with strict margins (`sign(x_S) = s_S`,
//! `|A_jᵀ(b − Ax)| < λ₁` off `S`) it is the minimiser, hence the fixed point of either
//! splitting, and the certificate states it with radius `0`: a width-0 enclosure whose
//! signs and derivative the kernel re-checks exactly (`F(x̃) = x̃` exactly, strict
//! margins, `(I − A)J = B₁`). A wrong guess costs one solve and changes nothing.

use super::contraction::{certified_rho, decimal_ceil, find_norm_bound_for, SearchOptions};
use super::{kernel_error, num_text, rows_text, FixedPointCertificate, Subject, Verdict};
use crate::error::{Error, Result};
use crate::linalg::lu::solve_vec;
use crate::linalg::norms::Norm;
use crate::linalg::Matrix;
use crate::maps::{Penalty, Splitting};
use crate::matset::MatrixSet;
use crate::scalar::{Rational, Scalar};
use piggyback_kernel::problem::{MapData, ProblemData};

fn sq(x: &Rational) -> Rational {
    Scalar::square(x)
}

/// Largest support for which the finder tries the exact restricted KKT solve (an exact
/// rational elimination of that size; its cost grows fast with the size).
pub const EXACT_SUPPORT_LIMIT: usize = 200;

/// The exact minimiser on the support and signs guessed from `x_hat`, if it satisfies
/// the KKT conditions strictly (see the module documentation); `None` otherwise.
pub fn exact_minimiser_from_guess(problem: &FbProblem, x_hat: &[f64]) -> Option<Vec<Rational>> {
    let FbProblem {
        a,
        b,
        lambda1,
        lambda2,
        ..
    } = problem;
    let p = a.cols();
    if x_hat.len() != p || b.len() != a.rows() || x_hat.iter().any(|v| !v.is_finite()) {
        return None;
    }
    // A coordinate below this is taken as zero (the solve is verified, not trusted).
    let scale = x_hat.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let cut = 1e-9 * scale;
    let support: Vec<usize> = (0..p).filter(|&j| x_hat[j].abs() > cut).collect();
    if support.len() > EXACT_SUPPORT_LIMIT {
        return None;
    }
    let sign = |j: usize| Rational::from(if x_hat[j] > 0.0 { 1 } else { -1 });
    let mut x = vec![Rational::new(); p];
    if !support.is_empty() {
        let rows: Vec<usize> = (0..a.rows()).collect();
        let a_s = a.select(&rows, &support).ok()?;
        let h = a_s
            .transpose()
            .matmul(&a_s)
            .ok()?
            .add(&Matrix::identity(support.len()).scale(lambda2))
            .ok()?;
        let atb = a_s.tr_mul_vec(b).ok()?;
        let rhs: Vec<Rational> = support
            .iter()
            .zip(&atb)
            .map(|(&j, v)| v.sub(&lambda1.mul(&sign(j))))
            .collect();
        let xs = solve_vec(&h, &rhs).ok()?;
        for (&j, v) in support.iter().zip(xs) {
            x[j] = v;
        }
    }
    // Strict KKT: the guessed signs hold, and |A_jᵀ(b − Ax)| < λ₁ off the support.
    let r: Vec<Rational> = a
        .mul_vec(&x)
        .ok()?
        .iter()
        .zip(b)
        .map(|(u, v)| v.sub(u))
        .collect();
    let corr = a.tr_mul_vec(&r).ok()?;
    let on = |j: usize| support.binary_search(&j).is_ok();
    let kkt = (0..p).all(|j| {
        if on(j) {
            x[j].mul(&sign(j)) > Rational::new()
        } else {
            Scalar::abs(&corr[j]) < *lambda1
        }
    });
    kkt.then_some(x)
}

/// Exact data of a forward–backward problem.
#[derive(Clone, Debug)]
pub struct FbProblem {
    /// Design `A` (`n × p`).
    pub a: Matrix<Rational>,
    /// Response `b`.
    pub b: Vec<Rational>,
    /// Step `γ`.
    pub gamma: Rational,
    /// `λ₁ > 0`.
    pub lambda1: Rational,
    /// `λ₂ ≥ 0`.
    pub lambda2: Rational,
    /// LASSO (`θ = (λ₁)`, `λ₂ = 0`) or elastic net (`θ = (λ₁, λ₂)`).
    pub penalty: Penalty,
    /// Where the ridge term goes (the map, hence its contraction factor; the fixed
    /// point is the same). Must be [`Splitting::Prox`] for the LASSO.
    pub splitting: Splitting,
}

impl FbProblem {
    /// The problem as the kernel reads it (kind, exact inline data, `γ`, `θ`).
    pub fn problem_data(&self) -> ProblemData {
        let design = rows_text(&self.a);
        let response = self.b.iter().map(num_text).collect();
        let step = num_text(&self.gamma);
        let (map, theta) = match self.penalty {
            Penalty::Lasso => (
                MapData::Lasso {
                    design,
                    response,
                    step,
                },
                vec![num_text(&self.lambda1)],
            ),
            Penalty::ElasticNet => (
                MapData::ElasticNet {
                    design,
                    response,
                    step,
                    splitting: self.splitting,
                },
                vec![num_text(&self.lambda1), num_text(&self.lambda2)],
            ),
        };
        ProblemData { map, theta }
    }
}

/// Certify the fixed point near the f64 estimate `x_hat`: contraction constant, a ball
/// containing the unique fixed point, every sign that can be proven on it, and (when all
/// signs are proven) the exact derivative in `λ₁`.
///
/// Errors: [`Error::NotContractive`] when no Euclidean bound `< 1` is found,
/// [`Error::CouldNotVerify`] when the kernel rejects the proposal, [`Error::TooLarge`]
/// when it is too large to check, input errors.
pub fn certify_fixed_point(problem: &FbProblem, x_hat: &[f64]) -> Result<FixedPointCertificate> {
    certify_fixed_point_with_verdict(problem, x_hat).map(|(c, _)| c)
}

/// [`certify_fixed_point`], with the kernel's verdict.
pub fn certify_fixed_point_with_verdict(
    problem: &FbProblem,
    x_hat: &[f64],
) -> Result<(FixedPointCertificate, Verdict)> {
    let FbProblem {
        a,
        b,
        gamma,
        lambda1,
        lambda2,
        penalty: _,
        splitting,
    } = problem;
    if problem.penalty == Penalty::Lasso && (*lambda2 != 0 || *splitting != Splitting::Prox) {
        return Err(Error::parameter(
            "a LASSO problem's (λ₂, splitting)",
            format!("({lambda2}, {splitting:?})"),
            "λ₂ = 0 and the prox splitting",
        ));
    }
    let data = problem.problem_data();
    let p = a.cols();
    if x_hat.len() != p || b.len() != a.rows() {
        return Err(Error::DimensionMismatch {
            op: "certify_fixed_point",
            left: a.shape(),
            right: (b.len(), x_hat.len()),
        });
    }
    let one = Rational::from(1);
    // F(x) = c·S_τ(M'x + γAᵀb): prox splitting M' = I − γAᵀA, c = 1/(1 + γλ₂);
    // smooth splitting M' = (1 − γλ₂)I − γAᵀA, c = 1.
    let (d, c) = match splitting {
        Splitting::Prox => (
            one.clone(),
            one.div(&one.add(&gamma.mul(lambda2)))
                .ok_or_else(|| Error::DivisionByZero {
                    context: "1 + γλ₂ = 0".into(),
                })?,
        ),
        Splitting::Smooth => (one.sub(&gamma.mul(lambda2)), one.clone()),
    };
    let m_prime = Matrix::identity(p)
        .scale(&d)
        .sub(&a.transpose().matmul(a)?.scale(gamma))?;
    let family = MatrixSet::diag_box(
        vec![Rational::new(); p],
        vec![one.clone(); p],
        m_prime.scale(&c),
        Matrix::zeros(p, p),
    )?;
    let subject = Subject::Map {
        problem: data.clone(),
    };
    let exact = exact_minimiser_from_guess(problem, x_hat);
    let contraction = find_norm_bound_for(&subject, &family, Norm::Two, &SearchOptions::default())
        .and_then(|c| {
            certified_rho(&c).ok_or_else(|| Error::CouldNotVerify {
                reason: "no ρ in certificate".into(),
            })
        })
        .and_then(|rho| {
            if rho >= one {
                Err(Error::NotContractive {
                    rho: rho.to_f64(),
                    context: "forward–backward, Euclidean norm".into(),
                })
            } else {
                Ok(rho)
            }
        });
    // Center (the exact minimiser when the support guess verifies, else the f64 point).
    // Without a contraction, only the exact route remains: uniqueness from the strict
    // KKT conditions and the restricted Gram matrix, checked by the kernel.
    let (rho, x) = match (contraction, exact) {
        (Ok(rho), Some(x)) => (Some(rho), x),
        (Ok(rho), None) => (Some(rho), crate::scalar::vec_from_f64(x_hat)?),
        (Err(Error::NotContractive { .. } | Error::CouldNotVerify { .. }), Some(x)) => (None, x),
        (Err(e), _) => return Err(e),
    };
    let r_vec: Vec<Rational> = a
        .mul_vec(&x)?
        .iter()
        .zip(b)
        .map(|(u, v)| u.sub(v))
        .collect();
    let grad = a.tr_mul_vec(&r_vec)?;
    let tau = gamma.mul(lambda1);
    let z: Vec<Rational> = x
        .iter()
        .zip(&grad)
        .map(|(xi, gi)| d.mul(xi).sub(&gamma.mul(gi)))
        .collect();
    let soft = |zi: &Rational| {
        if *zi > tau {
            zi.sub(&tau)
        } else if *zi < tau.neg() {
            zi.add(&tau)
        } else {
            Rational::new()
        }
    };
    let r2 = z.iter().zip(&x).fold(Rational::new(), |acc, (zi, xi)| {
        acc.add(&sq(&c.mul(&soft(zi)).sub(xi)))
    });
    // R ≥ ‖F(x̃) − x̃‖/(1 − ρ); without ρ the centre is exact and R = 0.
    let radius = match &rho {
        Some(rho) => {
            let bound =
                r2.sqrt_upper()
                    .div(&one.sub(rho))
                    .ok_or_else(|| Error::DivisionByZero {
                        context: "1 − ρ".into(),
                    })?;
            decimal_ceil(&bound, 24)
        }
        None => Rational::new(),
    };

    // Signs that hold with a strict margin over the ball.
    let r_sq = sq(&radius);
    let signs: Vec<Option<i8>> = (0..p)
        .map(|i| {
            let row_sq = (0..p).fold(Rational::new(), |acc, j| acc.add(&sq(&m_prime[(i, j)])));
            let (s, margin) = if z[i] > tau {
                (1, z[i].sub(&tau))
            } else if z[i] < tau.neg() {
                (-1, z[i].neg().sub(&tau))
            } else {
                (0, tau.sub(&Scalar::abs(&z[i])))
            };
            (margin > 0 && sq(&margin) > row_sq.mul(&r_sq)).then_some(s)
        })
        .collect();

    // Exact derivative when the selection is certified: (I − cDM') J = −cγ D s.
    let derivative = if let Some(proven) = signs.iter().copied().collect::<Option<Vec<i8>>>() {
        let d: Vec<Rational> = proven
            .iter()
            .map(|&s| Rational::from(i32::from(s != 0)))
            .collect();
        let a_blk = m_prime.scale(&c).scale_rows(&d)?;
        let lhs = Matrix::identity(p).sub(&a_blk)?;
        let rhs: Vec<Rational> = proven
            .iter()
            .map(|&s| c.mul(gamma).mul(&Rational::from(s)).neg())
            .collect();
        Some(solve_vec(&lhs, &rhs)?.iter().map(num_text).collect())
    } else {
        None
    };

    let texts = |v: &[Rational]| v.iter().map(num_text).collect::<Vec<_>>();
    let cert = FixedPointCertificate {
        format: piggyback_kernel::certificate::FIXED_POINT_FORMAT.into(),
        version: piggyback_kernel::certificate::VERSION,
        problem: data,
        rho: rho.as_ref().map(num_text),
        center: texts(&x),
        radius: num_text(&radius),
        signs,
        derivative,
    };
    let verdict = piggyback_kernel::fixed_point::check_fixed_point(
        &cert,
        &mut piggyback_kernel::Budget::default(),
    )
    .map_err(kernel_error)?;
    Ok((cert, verdict))
}
