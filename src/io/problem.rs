//! Problem files: a JSON description of a fixed-point map with its data, read by the
//! `piggyback` command line.
//!
//! ```json
//! { "piggyback_problem": 1,
//!   "name": "clarke",
//!   "map": { "kind": "piecewise_affine",
//!            "pieces": [ { "a": [["1","1"],["2","1"]], "g": [["-1","0"],["0","-1"]], "h": ["0","0"] } ] },
//!   "theta": [] }
//! ```
//!
//! Numbers are exact: JSON integers, or strings `"p/q"`, `"0.125"`, `"1e-3"` (a JSON
//! float such as `0.1` is refused, since its binary value is not the number written).
//! Matrices are given inline as rows, or as `{"csv": "path"}` / `{"npy": "path"}`
//! relative to the problem file.

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::maps::{
    AffinePiece, Design, FixedPointMap, ForwardBackward, Penalty, PiecewiseAffine, ReluLayer,
    StepRule,
};
use crate::scalar::{parse_rational, Scalar};
use piggyback_kernel::{pwa, Budget};
use rug::Rational;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Current problem-file version.
pub const PROBLEM_VERSION: u32 = 1;

/// An exact number in a problem file.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Num {
    /// A JSON integer.
    Int(i64),
    /// A string `"p/q"`, integer or decimal, read exactly.
    Text(String),
    /// A JSON float: refused when read (its binary value is not what was written).
    Float(f64),
}

impl Num {
    /// The exact value.
    pub fn rational(&self) -> Result<Rational> {
        match self {
            Num::Int(i) => Ok(Rational::from(*i)),
            Num::Text(s) => parse_rational(s),
            Num::Float(x) => Err(Error::InvalidInput(format!(
                "JSON float {x} is ambiguous: write it as a string (\"{x}\") or a ratio \"p/q\""
            ))),
        }
    }
}

/// A matrix given inline or by a data file.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum MatrixData {
    /// Rows of exact numbers.
    Inline(Vec<Vec<Num>>),
    /// A CSV file (cells read as exact decimals).
    Csv {
        /// Path, relative to the problem file.
        csv: PathBuf,
    },
    /// An `.npy` file of f64 (each double taken at its exact binary value).
    Npy {
        /// Path, relative to the problem file.
        npy: PathBuf,
    },
}

/// A vector given inline or by a one-column data file.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum VectorData {
    /// Exact numbers.
    Inline(Vec<Num>),
    /// A matrix file read as a single column (or row).
    File(MatrixData),
}

/// One piece of a piecewise-affine map (see [`crate::maps::PiecewiseAffine`]).
#[derive(Clone, Debug, Deserialize)]
pub struct PieceSpec {
    /// `∂ₓ` block, `n × n`.
    pub a: MatrixData,
    /// `∂_θ` block, `n × m` (default: no parameters).
    #[serde(default)]
    pub b: Option<MatrixData>,
    /// Offset (default 0).
    #[serde(default)]
    pub c: Option<Vec<Num>>,
    /// Region constraints `G z ≤ h` on `z = (x, θ)` (default: everywhere).
    #[serde(default)]
    pub g: Option<MatrixData>,
    /// Right-hand sides of the region constraints.
    #[serde(default)]
    pub h: Option<Vec<Num>>,
}

/// How a forward–backward problem chooses its step (see
/// [`crate::maps::StepRule`]); an exact `"step": "p/q"` overrides it.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StepSpec {
    /// `γ = 1/L̂` (f64 estimate of `λ_max(AᵀA)`).
    #[default]
    InverseLipschitz,
    /// `γ = 2/(L̂ + μ̂)`.
    Optimal,
    /// `γ = 1/‖A‖_F²` (provably admissible).
    Frobenius,
}

/// The map of a problem file.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum MapSpec {
    /// A continuous piecewise-affine map given by its pieces.
    PiecewiseAffine {
        /// The pieces.
        pieces: Vec<PieceSpec>,
    },
    /// Forward–backward for the LASSO `½‖Ax − b‖² + λ‖x‖₁`, `θ = (λ)`.
    Lasso {
        /// Design matrix `A`.
        design: MatrixData,
        /// Response `b`.
        response: VectorData,
        /// Exact step `γ` (overrides `step_rule`).
        #[serde(default)]
        step: Option<Num>,
        /// Step rule when `step` is absent.
        #[serde(default)]
        step_rule: StepSpec,
    },
    /// Forward–backward for the elastic net `+ λ₁‖x‖₁ + (λ₂/2)‖x‖²`, `θ = (λ₁, λ₂)`.
    ElasticNet {
        /// Design matrix `A`.
        design: MatrixData,
        /// Response `b`.
        response: VectorData,
        /// Exact step `γ` (overrides `step_rule`).
        #[serde(default)]
        step: Option<Num>,
        /// Step rule when `step` is absent.
        #[serde(default)]
        step_rule: StepSpec,
    },
    /// The ReLU layer `x = relu(W x + U θ + b)`.
    ReluLayer {
        /// `W` (`n × n`).
        w: MatrixData,
        /// `U` (`n × m`; default: no input, `m = 0`).
        #[serde(default)]
        u: Option<MatrixData>,
        /// Bias `b` (default 0).
        #[serde(default)]
        b: Option<Vec<Num>>,
    },
}

/// A whole problem file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProblemFile {
    /// Format version (must be [`PROBLEM_VERSION`]).
    pub piggyback_problem: u32,
    /// A name used in reports and certificates.
    #[serde(default)]
    pub name: Option<String>,
    /// The map.
    pub map: MapSpec,
    /// Parameter value `θ`.
    #[serde(default)]
    pub theta: Vec<Num>,
    /// Starting point of the iteration (default 0).
    #[serde(default)]
    pub x0: Option<Vec<Num>>,
}

/// A parsed problem with the directory its relative paths refer to.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The file's contents.
    pub file: ProblemFile,
    /// Directory for relative data paths.
    pub base: PathBuf,
}

impl Problem {
    /// Parse problem JSON; `base` resolves relative data paths.
    pub fn parse(text: &str, base: &Path) -> Result<Self> {
        let file: ProblemFile = serde_json::from_str(text)
            .map_err(|e| Error::InvalidInput(format!("problem file: {e}")))?;
        if file.piggyback_problem != PROBLEM_VERSION {
            return Err(Error::InvalidInput(format!(
                "problem file version {} is not supported (expected {PROBLEM_VERSION})",
                file.piggyback_problem
            )));
        }
        let problem = Problem {
            file,
            base: base.to_path_buf(),
        };
        problem.check_piecewise_affine()?;
        Ok(problem)
    }

    /// A `piecewise_affine` map must be one: regions with interior that cover the
    /// whole `(x, θ)` space, pieces that agree where regions meet. Decided exactly by
    /// the kernel (see `docs/piecewise-affine.md`); a failure is bad input naming the
    /// pieces and a witness point, or a refusal when the check exceeds its budget.
    fn check_piecewise_affine(&self) -> Result<()> {
        let MapSpec::PiecewiseAffine { pieces } = &self.file.map else {
            return Ok(());
        };
        let map = self.piecewise_affine::<Rational>(pieces)?;
        let (n, m) = map.dims();
        let mut exact = Vec::new();
        for p in map.pieces() {
            let ab = p.a.hstack(&p.b)?;
            exact.push(pwa::Piece {
                a: (0..n).map(|i| ab.row(i)).collect(),
                c: p.c.clone(),
                g: (0..p.g.rows()).map(|i| p.g.row(i)).collect(),
                h: p.h.clone(),
            });
        }
        match pwa::validate(&exact, n, m, &mut Budget::default()) {
            Ok(None) => Ok(()),
            Ok(Some(defect)) => Err(Error::InvalidInput(format!(
                "the pieces do not define a continuous map on all of (x, θ) space: {defect} \
                 (pieces numbered from 0 in file order, z = (x, θ))"
            ))),
            Err(e) => Err(Error::TooLarge {
                context: format!("deciding whether the pieces define a continuous map: {e}"),
            }),
        }
    }

    /// Read a problem file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::InvalidInput(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text, path.parent().unwrap_or(Path::new(".")))
    }

    /// The problem's name (file name when not given).
    pub fn name(&self) -> String {
        self.file.name.clone().unwrap_or_else(|| "problem".into())
    }

    /// A matrix in scalar `S` (exact for rationals, enclosed for intervals).
    pub fn matrix<S: Scalar>(&self, data: &MatrixData) -> Result<Matrix<S>> {
        match data {
            MatrixData::Inline(rows) => {
                let rows: Result<Vec<Vec<S>>> = rows
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(|x| Ok(S::from_rational(&x.rational()?)))
                            .collect()
                    })
                    .collect();
                Matrix::from_rows(&rows?)
            }
            MatrixData::Csv { csv } => super::csv::read_matrix(&self.base.join(csv)),
            MatrixData::Npy { npy } => {
                Matrix::from_f64_matrix(&super::npy::read(&self.base.join(npy))?)
            }
        }
    }

    /// A vector in scalar `S`.
    pub fn vector<S: Scalar>(&self, data: &VectorData) -> Result<Vec<S>> {
        match data {
            VectorData::Inline(xs) => self.numbers(xs),
            VectorData::File(m) => {
                let m = self.matrix::<S>(m)?;
                if m.cols() == 1 || m.rows() == 1 {
                    Ok(m.into_vec())
                } else {
                    Err(Error::InvalidInput(format!(
                        "expected a vector, found a {}x{} matrix",
                        m.rows(),
                        m.cols()
                    )))
                }
            }
        }
    }

    /// Exact numbers converted to `S`.
    pub fn numbers<S: Scalar>(&self, xs: &[Num]) -> Result<Vec<S>> {
        xs.iter()
            .map(|x| Ok(S::from_rational(&x.rational()?)))
            .collect()
    }

    /// `θ` in scalar `S`.
    pub fn theta<S: Scalar>(&self) -> Result<Vec<S>> {
        self.numbers(&self.file.theta)
    }

    /// The starting point `x0` for a state of dimension `n` (0 when not given).
    pub fn x0<S: Scalar>(&self, n: usize) -> Result<Vec<S>> {
        match &self.file.x0 {
            Some(x0) if x0.len() != n => Err(Error::InvalidInput(format!(
                "x0 has {} entries but the map's state has {n}",
                x0.len()
            ))),
            Some(x0) => self.numbers(x0),
            None => Ok(vec![S::zero(); n]),
        }
    }
}

impl Problem {
    /// Build the problem's map in scalar `S` (exact data for rationals, enclosures
    /// for intervals, nearest values for f64).
    pub fn build_map<S: Scalar>(&self) -> Result<Box<dyn FixedPointMap<S>>> {
        Ok(match &self.file.map {
            MapSpec::PiecewiseAffine { pieces } => Box::new(self.piecewise_affine::<S>(pieces)?),
            MapSpec::Lasso {
                design,
                response,
                step,
                step_rule,
            } => Box::new(self.forward_backward::<S>(
                design,
                response,
                step,
                *step_rule,
                Penalty::Lasso,
            )?),
            MapSpec::ElasticNet {
                design,
                response,
                step,
                step_rule,
            } => Box::new(self.forward_backward::<S>(
                design,
                response,
                step,
                *step_rule,
                Penalty::ElasticNet,
            )?),
            MapSpec::ReluLayer { w, u, b } => {
                let w: Matrix<S> = self.matrix(w)?;
                let n = w.rows();
                let u = match u {
                    Some(u) => self.matrix(u)?,
                    None => Matrix::zeros(n, self.file.theta.len()),
                };
                let b = match b {
                    Some(b) => self.numbers(b)?,
                    None => vec![S::zero(); n],
                };
                Box::new(ReluLayer::new(w, u, b)?)
            }
        })
    }

    fn piecewise_affine<S: Scalar>(&self, pieces: &[PieceSpec]) -> Result<PiecewiseAffine<S>> {
        let m = self.file.theta.len();
        let mut out = Vec::new();
        for p in pieces {
            let a: Matrix<S> = self.matrix(&p.a)?;
            let n = a.rows();
            let b = match &p.b {
                Some(b) => self.matrix(b)?,
                None => Matrix::zeros(n, m),
            };
            let c = match &p.c {
                Some(c) => self.numbers(c)?,
                None => vec![S::zero(); n],
            };
            let (g, h) = match (&p.g, &p.h) {
                (Some(g), Some(h)) => (self.matrix(g)?, self.numbers(h)?),
                (None, None) => (Matrix::zeros(0, n + m), vec![]),
                _ => {
                    return Err(Error::InvalidInput(
                        "a piece's region needs both g and h".into(),
                    ))
                }
            };
            out.push(AffinePiece { a, b, c, g, h });
        }
        PiecewiseAffine::new(out)
    }

    /// The forward–backward map of a `lasso` / `elastic_net` problem (`None` for
    /// other kinds).
    pub fn forward_backward_map<S: Scalar>(&self) -> Result<Option<ForwardBackward<S>>> {
        Ok(match &self.file.map {
            MapSpec::Lasso {
                design,
                response,
                step,
                step_rule,
            } => Some(self.forward_backward(design, response, step, *step_rule, Penalty::Lasso)?),
            MapSpec::ElasticNet {
                design,
                response,
                step,
                step_rule,
            } => Some(self.forward_backward(
                design,
                response,
                step,
                *step_rule,
                Penalty::ElasticNet,
            )?),
            _ => None,
        })
    }

    fn forward_backward<S: Scalar>(
        &self,
        design: &MatrixData,
        response: &VectorData,
        step: &Option<Num>,
        rule: StepSpec,
        penalty: Penalty,
    ) -> Result<ForwardBackward<S>> {
        let a: Matrix<S> = self.matrix(design)?;
        let b: Vec<S> = self.vector(response)?;
        let rule = match (step, rule) {
            (Some(g), _) => StepRule::Given(S::from_rational(&g.rational()?)),
            (None, StepSpec::InverseLipschitz) => StepRule::InverseLipschitz,
            (None, StepSpec::Optimal) => StepRule::Optimal,
            (None, StepSpec::Frobenius) => StepRule::FrobeniusBound,
        };
        ForwardBackward::new(Design::Dense(a), b, penalty, rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_problem_files_are_typed_errors() {
        let base = Path::new(".");
        for text in [
            "",
            "{",
            "{\"piggyback_problem\": 2, \"map\": {\"kind\": \"piecewise_affine\", \"pieces\": []}}",
            "{\"piggyback_problem\": 1, \"map\": {\"kind\": \"no_such_map\"}}",
            "{\"piggyback_problem\": 1, \"map\": {\"kind\": \"piecewise_affine\", \"pieces\": []}, \"extra\": 1}",
        ] {
            assert!(Problem::parse(text, base).is_err(), "{text}");
        }
        let p = Problem::parse(
            "{\"piggyback_problem\": 1, \"map\": {\"kind\": \"piecewise_affine\", \"pieces\": [{\"a\": [[\"0\"]]}]}, \"theta\": [0.1]}",
            base,
        )
        .unwrap();
        assert!(p.theta::<Rational>().is_err(), "JSON floats are refused");
    }
}
