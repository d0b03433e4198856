//! Level-2 certificates: contraction bounds in the spectral norm at scale, re-checked in
//! verified floating point by the crate `piggyback-kernel-fp` (see `docs/kernel.md`,
//! "Level 2").
//!
//! For a `lasso` / `elastic_net` map the family is `{c·diag(q)M'}`, `M' = dI − γAᵀA`, and
//! its spectral-norm supremum is `c·max(|d − γλ_min|, |d − γλ_max|)` over the eigenvalues
//! of `AᵀA`; for a ReLU layer it is `‖W‖₂ = √λ_max(WᵀW)`. The finder computes these in
//! f64 (a Gram product and a symmetric eigensolver), proposes `ρ` a few `10⁻⁷` above the
//! estimate, rounded up to nine significant digits, and returns the certificate only
//! after level 2 accepted it, widening the margin (up to `10⁻³`) when level 2 leaves a
//! claim unverified at binary64 precision.
//!
//! Data: binary64 values (`.npy`/`.npz` files) are written next to the certificate as
//! `.npy` files bound by SHA-256, or inline as exact numbers when small or when no
//! directory is given; data that are not binary64 values (decimals, rationals) are
//! written inline exactly (level 2 encloses them with directed rounding).

use super::num_text;
use crate::error::{Error, Result};
use crate::io::problem::{MapSpec, MatrixData, Problem, StepSpec, VectorData};
use crate::linalg::Matrix;
use piggyback_kernel::certificate::{Claim, NormSpec};
use piggyback_kernel::problem::Splitting;
use piggyback_kernel_fp::format::{FileRef, FpCertificate, FpMap, FpProblem, FpSubject, MatrixRef};
use piggyback_kernel_fp::{FpFailure, FpVerdict, Limits};
use rug::{Integer, Rational};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Data matrices with more entries than this go to `.npy` files when a directory is
/// given (smaller ones are written inline, exactly).
pub const INLINE_ENTRIES: usize = 1 << 16;

/// Relative margins `ρ/estimate − 1` tried in turn.
pub const MARGINS: [f64; 5] = [3e-7, 1e-6, 1e-5, 1e-4, 1e-3];

/// Where the data files of a certificate go: `DIR/STEM.FIELD.npy`.
#[derive(Clone, Debug)]
pub struct Placement {
    /// The certificate's directory.
    pub dir: PathBuf,
    /// The file-name stem.
    pub stem: String,
    /// Replace existing data files.
    pub force: bool,
}

/// A level-2 certificate accepted by `piggyback-kernel-fp`.
#[derive(Clone, Debug)]
pub struct FpCertified {
    /// The certificate.
    pub certificate: FpCertificate,
    /// Level 2's verdict.
    pub verdict: FpVerdict,
    /// The f64 estimate of `sup ‖A‖₂` over the family.
    pub estimate: f64,
    /// The certified `ρ` (exact).
    pub rho: Rational,
    /// Data files written for the certificate.
    pub files: Vec<PathBuf>,
    /// Seconds spent finding (reading data, Gram product, eigenvalues).
    pub find_seconds: f64,
    /// Seconds spent in level 2's checks (all margins tried).
    pub check_seconds: f64,
}

impl FpCertified {
    /// `ρ/estimate − 1`.
    pub fn relative_gap(&self) -> f64 {
        self.rho.to_f64() / self.estimate - 1.0
    }
}

/// Whether `problem` has a map level 2 knows (`lasso`, `elastic_net`, `relu_layer`).
pub fn supports(problem: &Problem) -> bool {
    matches!(
        problem.file.map,
        MapSpec::Lasso { .. } | MapSpec::ElasticNet { .. } | MapSpec::ReluLayer { .. }
    )
}

struct Writer<'a> {
    place: Option<&'a Placement>,
    files: Vec<PathBuf>,
}

impl Writer<'_> {
    /// The certificate form of a data matrix and its f64 values.
    fn matrix(
        &mut self,
        problem: &Problem,
        data: &MatrixData,
        field: &str,
        column: bool,
    ) -> Result<(MatrixRef, Matrix<f64>)> {
        let base = &problem.base;
        let exact = match data {
            MatrixData::Npy { npy } => {
                Some(crate::io::npy::read_matrix_f64_exactness(&base.join(npy))?)
            }
            MatrixData::Npz { npz, array } => {
                let path = base.join(npz);
                let zip =
                    std::fs::read(&path).map_err(|e| Error::io("read", path.display(), &e))?;
                Some(crate::io::npy::parse_matrix_f64_exactness(
                    &crate::io::npy::npz_member(&zip, array)?,
                )?)
            }
            MatrixData::Inline(_) | MatrixData::Csv { .. } => None,
        };
        let reshape = |m: Matrix<f64>| -> Result<Matrix<f64>> {
            if column && m.cols() != 1 && m.rows() == 1 {
                let n = m.cols();
                Matrix::from_col_major(n, 1, m.into_vec())
            } else {
                Ok(m)
            }
        };
        if let Some((m, true)) = exact {
            let m = reshape(m)?;
            if let Some(place) = self.place.filter(|_| m.rows() * m.cols() > INLINE_ENTRIES) {
                let name = format!("{}.{field}.npy", place.stem);
                let path = place.dir.join(&name);
                if path.exists() && !place.force {
                    return Err(Error::Io {
                        action: "overwrite",
                        path: path.display().to_string(),
                        kind: std::io::ErrorKind::AlreadyExists,
                        message: "it exists; refusing to overwrite it (use --force to replace it)"
                            .into(),
                    });
                }
                let bytes = crate::io::npy::to_bytes(&m);
                std::fs::write(&path, &bytes)
                    .map_err(|e| Error::io("write", path.display(), &e))?;
                self.files.push(path);
                let sha256 = piggyback_kernel_fp::data::sha256_hex(&bytes);
                return Ok((MatrixRef::File(FileRef { npy: name, sha256 }), m));
            }
            let rows = (0..m.rows())
                .map(|i| {
                    (0..m.cols())
                        .map(|j| {
                            f64_text(m[(i, j)]).ok_or_else(|| Error::NonFinite {
                                context: format!(
                                    "{}: map.{field}, entry ({i}, {j})",
                                    problem.source
                                ),
                            })
                        })
                        .collect::<Result<Vec<_>>>()
                })
                .collect::<Result<Vec<_>>>()?;
            return Ok((MatrixRef::Rows(rows), m));
        }
        let q: Matrix<Rational> = problem.matrix(data)?;
        let q = if column && q.cols() != 1 && q.rows() == 1 {
            Matrix::from_col_major(q.cols(), 1, q.into_vec())?
        } else {
            q
        };
        let values = q.map(|x| x.to_f64());
        Ok((MatrixRef::Rows(super::rows_text(&q)), values))
    }

    fn vector(&mut self, problem: &Problem, data: &VectorData, field: &str) -> Result<MatrixRef> {
        match data {
            VectorData::Inline(xs) => Ok(MatrixRef::Vector(
                problem
                    .numbers::<Rational>(xs)?
                    .iter()
                    .map(num_text)
                    .collect(),
            )),
            VectorData::File(m) => Ok(self.matrix(problem, m, field, true)?.0),
        }
    }

    fn discard(&mut self) {
        for f in self.files.drain(..) {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// The exact decimal text of a finite `x` (`None` for NaN and infinities).
fn f64_text(x: f64) -> Option<String> {
    Rational::from_f64(x).map(|q| num_text(&q))
}

/// `⌈x⌉` to `digits` significant decimal digits, exactly (`x > 0`).
pub fn round_up_significant(x: f64, digits: i32) -> Result<Rational> {
    let q = Rational::from_f64(x)
        .filter(|q| q.cmp0().is_gt())
        .ok_or_else(|| Error::parameter("round_up_significant: x", x, "finite and > 0"))?;
    let k = digits - 1 - x.log10().floor() as i32;
    let scale = Rational::from(Integer::from(Integer::u_pow_u(10, k.unsigned_abs())));
    let scale = if k >= 0 { scale } else { scale.recip() };
    let up = Rational::from(&q * &scale).ceil();
    Ok(up / scale)
}

/// Eigenvalues of `XᵀX` (f64) for the column-major `x` (`n × p`): `(min, max)`.
fn gram_extremes(x: &Matrix<f64>) -> (f64, f64) {
    let a = nalgebra::DMatrix::from_column_slice(x.rows(), x.cols(), x.as_slice());
    let ev = a.tr_mul(&a).symmetric_eigenvalues();
    (ev.min(), ev.max())
}

/// Find and level-2-check a spectral-norm contraction bound of `problem`'s map (see the
/// module documentation). Data files go to `place` (`None`: everything inline).
///
/// Errors: [`Error::Unsupported`] for maps level 2 does not know or a step rule it
/// cannot reproduce exactly (`frobenius`: give `step`); [`Error::Io`] for data files that
/// cannot be read or written (or exist, without `force`); [`Error::NonFinite`] for NaN or
/// infinite data; [`Error::CouldNotVerify`] (or [`Error::TooLarge`]) for a certificate
/// level 2 refused, and when no margin up to `10⁻³` was verified.
pub fn certify_level2(problem: &Problem, place: Option<&Placement>) -> Result<FpCertified> {
    let start = Instant::now();
    let mut w = Writer {
        place,
        files: Vec::new(),
    };
    let result = find(problem, &mut w, start);
    if result.is_err() {
        w.discard();
    }
    result
}

fn find(problem: &Problem, w: &mut Writer, start: Instant) -> Result<FpCertified> {
    let theta: Vec<Rational> = problem.theta()?;
    let (map, estimate) = match &problem.file.map {
        MapSpec::Lasso {
            design,
            response,
            step,
            step_rule,
        }
        | MapSpec::ElasticNet {
            design,
            response,
            step,
            step_rule,
            ..
        } => {
            let gamma = match (step, step_rule) {
                (Some(g), _) => g.rational()?,
                (None, StepSpec::Frobenius) => {
                    return Err(Error::Unsupported {
                        what: format!(
                            "{}: map.step_rule frobenius at level 2, which does not reproduce \
                             the exact step 1/‖A‖_F²: give an exact \"step\" (or use the step \
                             rule inverse_lipschitz or optimal)",
                            problem.source
                        ),
                    })
                }
                (None, _) => {
                    let fb = problem.forward_backward_map::<f64>()?.ok_or_else(|| {
                        Error::Unsupported {
                            what: format!(
                                "{}: a {} map is not a forward–backward map",
                                problem.source,
                                problem.file.map.kind()
                            ),
                        }
                    })?;
                    Rational::from_f64(*fb.gamma()).ok_or_else(|| Error::NonFinite {
                        context: format!(
                            "{}: the step γ = {} given by map.step_rule",
                            problem.source,
                            fb.gamma()
                        ),
                    })?
                }
            };
            let (design, values) = w.matrix(problem, design, "design", false)?;
            let response = w.vector(problem, response, "response")?;
            let (lmin, lmax) = gram_extremes(&values);
            let l2 = theta.get(1).cloned().unwrap_or_default();
            let ridge = Rational::from(&gamma * &l2);
            let (splitting, d, c) = match &problem.file.map {
                MapSpec::ElasticNet {
                    splitting: crate::maps::Splitting::Smooth,
                    ..
                } => (
                    Splitting::Smooth,
                    Rational::from(1) - ridge,
                    Rational::from(1),
                ),
                _ => (
                    Splitting::Prox,
                    Rational::from(1),
                    Rational::from(1) / (ridge + 1u32),
                ),
            };
            let (g, d, c) = (gamma.to_f64(), d.to_f64(), c.to_f64());
            let est = c * (d - g * lmin).abs().max((d - g * lmax).abs());
            let step = num_text(&gamma);
            let map = if matches!(problem.file.map, MapSpec::Lasso { .. }) {
                FpMap::Lasso {
                    design,
                    response,
                    step,
                }
            } else {
                FpMap::ElasticNet {
                    design,
                    response,
                    step,
                    splitting,
                }
            };
            (map, est)
        }
        MapSpec::ReluLayer { w: wd, u, b } => {
            let (wr, values) = w.matrix(problem, wd, "w", false)?;
            let n = values.rows();
            let u = match u {
                Some(u) => Some(w.matrix(problem, u, "u", false)?.0),
                None => None,
            };
            let b = match b {
                Some(b) => problem
                    .numbers::<Rational>(b)?
                    .iter()
                    .map(num_text)
                    .collect(),
                None => vec!["0".to_string(); n],
            };
            let (_, lmax) = gram_extremes(&values);
            (
                FpMap::ReluLayer {
                    w: wr,
                    u,
                    b: MatrixRef::Vector(b),
                },
                lmax.max(0.0).sqrt(),
            )
        }
        MapSpec::PiecewiseAffine { .. } => {
            return Err(Error::Unsupported {
                what: format!(
                    "{}: a piecewise_affine map at level 2, which certifies lasso, elastic_net \
                     and relu_layer maps only (use the exact level)",
                    problem.source
                ),
            })
        }
    };
    if !(estimate.is_finite() && estimate > 0.0) {
        return Err(Error::CouldNotVerify {
            reason: format!("the f64 estimate of the norm is {estimate}"),
        });
    }
    let find_seconds = start.elapsed().as_secs_f64();
    let problem_data = FpProblem {
        map,
        theta: theta.iter().map(num_text).collect(),
    };
    let base = w
        .place
        .map_or_else(|| PathBuf::from("."), |p| p.dir.clone());
    let mut last = String::new();
    let checking = Instant::now();
    for margin in MARGINS {
        let rho = round_up_significant(estimate * (1.0 + margin), 9)?;
        let certificate = FpCertificate {
            format: piggyback_kernel_fp::FORMAT.to_string(),
            version: piggyback_kernel_fp::VERSION,
            subject: FpSubject::Map {
                problem: problem_data.clone(),
            },
            claim: Claim::NormBound {
                norm: NormSpec::Two {},
                rho: num_text(&rho),
            },
        };
        match piggyback_kernel_fp::check::check(&certificate, &base, &Limits::default()) {
            Ok(verdict) => {
                return Ok(FpCertified {
                    certificate,
                    verdict,
                    estimate,
                    rho,
                    files: std::mem::take(&mut w.files),
                    find_seconds,
                    check_seconds: checking.elapsed().as_secs_f64(),
                })
            }
            Err(FpFailure::NotVerified { step, reason }) => last = format!("{step}: {reason}"),
            Err(FpFailure::Failed(f)) => return Err(super::kernel_error(f)),
        }
    }
    Err(Error::CouldNotVerify {
        reason: format!(
            "level 2 verified no bound up to 10⁻³ above the f64 estimate {estimate:e} ({last})"
        ),
    })
}

/// Check a level-2 certificate text; data files are named relative to `base`.
pub fn check_fp(text: &str, base: &Path) -> std::result::Result<FpVerdict, FpFailure> {
    piggyback_kernel_fp::check_json(text, base)
}
