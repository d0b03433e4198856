//! Problem files: a JSON description of a fixed-point map with its data, read by the
//! `piggyback` command line. The format is described in `docs/problem-format.md`.
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
//! Matrices are given inline as rows, or as `{"csv": "path"}`, `{"npy": "path"}` or
//! `{"npz": "path", "array": "name"}`, relative to the problem file.
//!
//! Every error names the file and the field by its path (`lasso.json: map.design[1][0]:
//! …`, `lasso.json: map.design has 3 rows but map.response has 2 entries`): fields
//! through `serde_path_to_error`, shapes when the data are loaded.

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::maps::{
    AffinePiece, Design, FixedPointMap, ForwardBackward, Penalty, PiecewiseAffine, ReluLayer,
    Splitting, StepRule,
};
use crate::scalar::{parse_rational, ArithmeticKind, Scalar};
use piggyback_kernel::{pwa, Budget};
use rug::Rational;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// Current problem-file version.
pub const PROBLEM_VERSION: u32 = 1;

/// An exact number in a problem file: a JSON integer or a string (checked when read).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Num {
    /// A JSON integer.
    Int(i64),
    /// A string `"p/q"`, integer or decimal (or a JSON integer beyond `i64`), read
    /// exactly.
    Text(String),
}

impl Num {
    /// The exact value.
    pub fn rational(&self) -> Result<Rational> {
        match self {
            Num::Int(i) => Ok(Rational::from(*i)),
            Num::Text(s) => parse_rational(s),
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an exact number: an integer, or a string such as \"3/4\" or \"0.1\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Num, E> {
                Ok(Num::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Num, E> {
                Ok(i64::try_from(v).map_or_else(|_| Num::Text(v.to_string()), Num::Int))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Num, E> {
                Err(E::custom(format!(
                    "JSON float {v} is ambiguous: write it as a string (\"{v}\") or a ratio \"p/q\""
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Num, E> {
                parse_rational(v).map_err(|e| E::custom(e.plain()))?;
                Ok(Num::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A matrix given inline or by a data file.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum MatrixData {
    /// Rows of exact numbers.
    Inline(Vec<Vec<Num>>),
    /// A CSV file (cells read as exact decimals).
    Csv {
        /// Path, relative to the problem file.
        csv: PathBuf,
    },
    /// An `.npy` file (each element taken at its exact value).
    Npy {
        /// Path, relative to the problem file.
        npy: PathBuf,
    },
    /// One array of an `.npz` archive.
    Npz {
        /// Path, relative to the problem file.
        npz: PathBuf,
        /// The array's name in the archive.
        array: String,
    },
}

/// The object form of a data reference (exactly one of `csv`, `npy`, `npz`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRef {
    csv: Option<PathBuf>,
    npy: Option<PathBuf>,
    npz: Option<PathBuf>,
    array: Option<String>,
}

impl FileRef {
    fn into_data<E: de::Error>(self) -> std::result::Result<MatrixData, E> {
        match (self.csv, self.npy, self.npz, self.array) {
            (Some(csv), None, None, None) => Ok(MatrixData::Csv { csv }),
            (None, Some(npy), None, None) => Ok(MatrixData::Npy { npy }),
            (None, None, Some(npz), Some(array)) => Ok(MatrixData::Npz { npz, array }),
            (None, None, Some(_), None) => Err(E::custom(
                "an .npz reference needs the array's name: {\"npz\": \"file.npz\", \"array\": \"X\"}",
            )),
            _ => Err(E::custom(
                "a data file is one of {\"csv\": path}, {\"npy\": path}, {\"npz\": path, \"array\": name}",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for MatrixData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MatrixData;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a matrix: rows of exact numbers, or {\"csv\": path}, {\"npy\": path}, {\"npz\": path, \"array\": name}")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut rows: Vec<Vec<Num>> = Vec::new();
                while let Some(row) = seq.next_element::<Vec<Num>>()? {
                    if let Some(first) = rows.first() {
                        if first.len() != row.len() {
                            return Err(de::Error::custom(format!(
                                "row {} has {} entries but row 0 has {}",
                                rows.len(),
                                row.len(),
                                first.len()
                            )));
                        }
                    }
                    rows.push(row);
                }
                Ok(MatrixData::Inline(rows))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                FileRef::deserialize(de::value::MapAccessDeserializer::new(map))?.into_data()
            }
        }
        d.deserialize_any(V)
    }
}

/// A vector given inline or by a one-column (or one-row) data file.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum VectorData {
    /// Exact numbers.
    Inline(Vec<Num>),
    /// A matrix file read as a single column (or row).
    File(MatrixData),
}

impl<'de> Deserialize<'de> for VectorData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = VectorData;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a vector: exact numbers, or {\"csv\": path}, {\"npy\": path}, {\"npz\": path, \"array\": name}")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                Vec::<Num>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(VectorData::Inline)
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                FileRef::deserialize(de::value::MapAccessDeserializer::new(map))?
                    .into_data()
                    .map(VectorData::File)
            }
        }
        d.deserialize_any(V)
    }
}

/// One piece of a piecewise-affine map (see [`crate::maps::PiecewiseAffine`]).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PieceSpec {
    /// `∂ₓ` block, `n × n`.
    pub a: MatrixData,
    /// `∂_θ` block, `n × m` (default: 0).
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
#[non_exhaustive]
pub enum StepSpec {
    /// `γ = 1/L̂` (f64 estimate of `λ_max(AᵀA)`).
    #[default]
    InverseLipschitz,
    /// `γ = 2/(L̂ + μ̂)`.
    Optimal,
    /// `γ = 1/‖A‖_F²` (provably admissible).
    Frobenius,
}

/// The map of a problem file (the JSON object `map`, dispatched on its `kind`).
#[derive(Clone, Debug)]
#[non_exhaustive]
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
        step: Option<Num>,
        /// Step rule when `step` is absent.
        step_rule: StepSpec,
    },
    /// Forward–backward for the elastic net `+ λ₁‖x‖₁ + (λ₂/2)‖x‖²`, `θ = (λ₁, λ₂)`.
    ElasticNet {
        /// Design matrix `A`.
        design: MatrixData,
        /// Response `b`.
        response: VectorData,
        /// Exact step `γ` (overrides `step_rule`).
        step: Option<Num>,
        /// Step rule when `step` is absent.
        step_rule: StepSpec,
        /// Where the ridge term goes (default: the prox).
        splitting: Splitting,
    },
    /// The ReLU layer `x = relu(W x + U θ + b)`.
    ReluLayer {
        /// `W` (`n × n`).
        w: MatrixData,
        /// `U` (`n × m`; default: 0).
        u: Option<MatrixData>,
        /// Bias `b` (default 0).
        b: Option<Vec<Num>>,
    },
}

impl MapSpec {
    /// The `kind` string of the map.
    pub fn kind(&self) -> &'static str {
        match self {
            MapSpec::PiecewiseAffine { .. } => "piecewise_affine",
            MapSpec::Lasso { .. } => "lasso",
            MapSpec::ElasticNet { .. } => "elastic_net",
            MapSpec::ReluLayer { .. } => "relu_layer",
        }
    }
}

/// The `kind`s, for messages.
const KINDS: &str = "lasso, elastic_net, relu_layer, piecewise_affine";

/// The fields of a `lasso` / `elastic_net` map.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FbFields {
    #[allow(dead_code)] // read to accept the key; dispatch already used it
    kind: String,
    design: MatrixData,
    response: VectorData,
    #[serde(default)]
    step: Option<Num>,
    #[serde(default)]
    step_rule: StepSpec,
    #[serde(default)]
    splitting: Option<Splitting>,
}

/// The fields of a `relu_layer` map.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReluFields {
    #[allow(dead_code)] // read to accept the key; dispatch already used it
    kind: String,
    w: MatrixData,
    #[serde(default)]
    u: Option<MatrixData>,
    #[serde(default)]
    b: Option<Vec<Num>>,
}

/// The fields of a `piecewise_affine` map.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PwaFields {
    #[allow(dead_code)] // read to accept the key; dispatch already used it
    kind: String,
    pieces: Vec<PieceSpec>,
}

/// A whole problem file with the map's fields of one kind.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOf<M> {
    piggyback_problem: u32,
    #[serde(default)]
    name: Option<String>,
    map: M,
    #[serde(default)]
    theta: Vec<Num>,
    #[serde(default)]
    x0: Option<Vec<Num>>,
}

/// A whole problem file.
#[derive(Clone, Debug)]
pub struct ProblemFile {
    /// Format version (must be [`PROBLEM_VERSION`]).
    pub piggyback_problem: u32,
    /// A name used in reports and certificates.
    pub name: Option<String>,
    /// The map.
    pub map: MapSpec,
    /// Parameter value `θ`.
    pub theta: Vec<Num>,
    /// Starting point of the iteration (default 0).
    pub x0: Option<Vec<Num>>,
}

impl ProblemFile {
    /// Parse problem JSON; errors name `source` (the file) and the field's path.
    pub fn parse(text: &str, source: &str) -> Result<Self> {
        let at = |msg: String| Error::malformed(source, msg);
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| at(format!("not valid JSON: {e}")))?;
        let Some(top) = value.as_object() else {
            return Err(at("expected a JSON object (a problem file)".into()));
        };
        let kind = match top.get("map") {
            None => return Err(at("missing field `map`".into())),
            Some(m) => match m.as_object().map(|o| o.get("kind")) {
                None => return Err(at("map: expected an object".into())),
                Some(None) => {
                    return Err(at(format!("map: missing field `kind` (one of {KINDS})")))
                }
                Some(Some(k)) => k
                    .as_str()
                    .ok_or_else(|| at(format!("map.kind: expected a string (one of {KINDS})")))?
                    .to_string(),
            },
        };
        let file = match kind.as_str() {
            "lasso" | "elastic_net" => {
                let f: FileOf<FbFields> = with_path(value, source)?;
                let m = f.map;
                if kind == "lasso" && m.splitting.is_some() {
                    return Err(at(
                        "map.splitting: only an elastic_net has a splitting (the LASSO has no λ₂)"
                            .into(),
                    ));
                }
                let map = if kind == "lasso" {
                    MapSpec::Lasso {
                        design: m.design,
                        response: m.response,
                        step: m.step,
                        step_rule: m.step_rule,
                    }
                } else {
                    MapSpec::ElasticNet {
                        design: m.design,
                        response: m.response,
                        step: m.step,
                        step_rule: m.step_rule,
                        splitting: m.splitting.unwrap_or_default(),
                    }
                };
                ProblemFile::from_parts(f.piggyback_problem, f.name, map, f.theta, f.x0)
            }
            "relu_layer" => {
                let f: FileOf<ReluFields> = with_path(value, source)?;
                let m = f.map;
                let map = MapSpec::ReluLayer {
                    w: m.w,
                    u: m.u,
                    b: m.b,
                };
                ProblemFile::from_parts(f.piggyback_problem, f.name, map, f.theta, f.x0)
            }
            "piecewise_affine" => {
                let f: FileOf<PwaFields> = with_path(value, source)?;
                let map = MapSpec::PiecewiseAffine {
                    pieces: f.map.pieces,
                };
                ProblemFile::from_parts(f.piggyback_problem, f.name, map, f.theta, f.x0)
            }
            other => {
                return Err(at(format!(
                    "map.kind: unknown kind {other:?} (one of {KINDS})"
                )))
            }
        };
        file.validate(source)?;
        Ok(file)
    }

    fn from_parts(
        piggyback_problem: u32,
        name: Option<String>,
        map: MapSpec,
        theta: Vec<Num>,
        x0: Option<Vec<Num>>,
    ) -> Self {
        ProblemFile {
            piggyback_problem,
            name,
            map,
            theta,
            x0,
        }
    }

    /// What can be checked without the data files: the version, θ for the
    /// forward–backward kinds (count, λ₁ > 0, λ₂ ≥ 0), a given step > 0.
    fn validate(&self, source: &str) -> Result<()> {
        let at = |msg: String| Error::malformed(source, msg);
        if self.piggyback_problem != PROBLEM_VERSION {
            return Err(at(format!(
                "piggyback_problem: version {} is not supported (expected {PROBLEM_VERSION})",
                self.piggyback_problem
            )));
        }
        let (want, params, step) = match &self.map {
            MapSpec::Lasso { step, .. } => (1, "(λ)", step),
            MapSpec::ElasticNet { step, .. } => (2, "(λ₁, λ₂)", step),
            _ => return Ok(()),
        };
        if self.theta.len() != want {
            return Err(at(format!(
                "theta has {} entries but a {} problem takes {want}: θ = {params}",
                self.theta.len(),
                self.map.kind()
            )));
        }
        // invariant: every Num was checked when parsed, so `rational` cannot fail here;
        // a failure is reported rather than assumed away.
        let q = |n: &Num| n.rational().map_err(|e| at(e.plain()));
        if q(&self.theta[0])? <= 0 {
            return Err(at("theta[0]: λ₁ must be > 0".into()));
        }
        if want == 2 && q(&self.theta[1])? < 0 {
            return Err(at("theta[1]: λ₂ must be ≥ 0".into()));
        }
        if let Some(g) = step {
            if q(g)? <= 0 {
                return Err(at("map.step: the step γ must be > 0".into()));
            }
        }
        Ok(())
    }
}

/// Deserialize with the path of a failing field in the message
/// (`source: map.design[1][0]: …`).
fn with_path<T: serde::de::DeserializeOwned>(value: serde_json::Value, source: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        Error::Malformed {
            file: source.to_string(),
            at: if path == "." { String::new() } else { path },
            reason: inner.to_string(),
        }
    })
}

/// Say where an error happened: in the problem file `source` at `field` (empty: the
/// file as a whole). A data file's own name and location follow the field.
fn located(e: Error, source: &str, field: &str) -> Error {
    let join = |a: &str, b: &str| match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}: {b}"),
    };
    let at = join(source, field);
    match e {
        Error::Malformed { file, at, reason } => Error::Malformed {
            file: source.to_string(),
            at: join(field, &join(&file, &at)),
            reason,
        },
        Error::NonFinite { context } => Error::NonFinite {
            context: format!("{at}: {context}"),
        },
        Error::DivisionByZero { context } => Error::DivisionByZero {
            context: format!("{at}: {context}"),
        },
        Error::TooLarge { context } => Error::TooLarge {
            context: format!("{at}: {context}"),
        },
        other => Error::Malformed {
            file: source.to_string(),
            at: field.to_string(),
            reason: other.plain(),
        },
    }
}

/// A parsed problem with the directory its relative paths refer to.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The file's contents.
    pub file: ProblemFile,
    /// Directory for relative data paths.
    pub base: PathBuf,
    /// Where the problem came from (the file name as given), for messages.
    pub source: String,
}

impl Problem {
    /// Parse problem JSON; `base` resolves relative data paths. Errors name the
    /// source as "problem file".
    pub fn parse(text: &str, base: &Path) -> Result<Self> {
        Self::parse_named(text, base, "problem file")
    }

    /// Parse problem JSON that came from `source` (named in every error).
    pub fn parse_named(text: &str, base: &Path, source: &str) -> Result<Self> {
        let problem = Problem {
            file: ProblemFile::parse(text, source)?,
            base: base.to_path_buf(),
            source: source.to_string(),
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
            Ok(Some(defect)) => Err(Error::Malformed {
                file: self.source.clone(),
                at: "map.pieces".into(),
                reason: format!(
                    "the pieces do not define a continuous map on all of (x, θ) space: {defect} \
                     (pieces numbered from 0 in file order, z = (x, θ))"
                ),
            }),
            Err(e) => Err(Error::TooLarge {
                context: format!(
                    "{}: deciding whether the pieces define a continuous map: {e}",
                    self.source
                ),
            }),
        }
    }

    /// Read a problem file.
    pub fn read(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::io("read", path.display(), &e))?;
        Self::parse_named(
            &text,
            path.parent().unwrap_or(Path::new(".")),
            &path.display().to_string(),
        )
    }

    /// The problem's name (`name`, else the file's stem, else "problem").
    pub fn name(&self) -> String {
        self.file.name.clone().unwrap_or_else(|| {
            Path::new(&self.source)
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|s| !s.is_empty() && *s != "problem file")
                .unwrap_or("problem")
                .to_string()
        })
    }

    fn shape_error(&self, msg: String) -> Error {
        Error::malformed(&self.source, msg)
    }

    /// A matrix in scalar `S` (exact for rationals, enclosed for intervals, nearest for
    /// f64 — read by the fast f64 readers, without rationals).
    pub fn matrix<S: Scalar>(&self, data: &MatrixData) -> Result<Matrix<S>> {
        if S::KIND == ArithmeticKind::Rounded && !matches!(data, MatrixData::Inline(_)) {
            return Matrix::from_f64_matrix(&self.matrix_f64(data)?);
        }
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
            MatrixData::Npy { npy } => super::npy::read_matrix(&self.base.join(npy)),
            MatrixData::Npz { npz, array } => {
                super::npy::read_npz_matrix(&self.base.join(npz), array)
            }
        }
    }

    /// A matrix as f64 (nearest doubles), read without rationals: the reader for
    /// large designs.
    pub fn matrix_f64(&self, data: &MatrixData) -> Result<Matrix<f64>> {
        match data {
            MatrixData::Inline(_) => self.matrix::<f64>(data),
            MatrixData::Csv { csv } => super::csv::read_matrix_f64(&self.base.join(csv)),
            MatrixData::Npy { npy } => super::npy::read_matrix_f64(&self.base.join(npy)),
            MatrixData::Npz { npz, array } => {
                super::npy::read_npz_matrix_f64(&self.base.join(npz), array)
            }
        }
    }

    /// A vector in scalar `S`.
    pub fn vector<S: Scalar>(&self, data: &VectorData) -> Result<Vec<S>> {
        match data {
            VectorData::Inline(xs) => self.numbers(xs),
            VectorData::File(m) => as_vector(self.matrix::<S>(m)?),
        }
    }

    /// A vector as f64 (fast readers for data files).
    pub fn vector_f64(&self, data: &VectorData) -> Result<Vec<f64>> {
        match data {
            VectorData::Inline(xs) => self.numbers(xs),
            VectorData::File(m) => as_vector(self.matrix_f64(m)?),
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
            Some(x0) if x0.len() != n => Err(self.shape_error(format!(
                "x0 has {} entries but the map's state has {n}",
                x0.len()
            ))),
            Some(x0) => self.numbers(x0),
            None => Ok(vec![S::zero(); n]),
        }
    }

    pub(crate) fn matrix_at<S: Scalar>(&self, data: &MatrixData, field: &str) -> Result<Matrix<S>> {
        self.matrix(data)
            .map_err(|e| located(e, &self.source, field))
    }

    fn vector_at<S: Scalar>(&self, data: &VectorData, field: &str) -> Result<Vec<S>> {
        self.vector(data)
            .map_err(|e| located(e, &self.source, field))
    }
}

fn as_vector<S: Scalar>(m: Matrix<S>) -> Result<Vec<S>> {
    if m.cols() == 1 || m.rows() == 1 {
        Ok(m.into_vec())
    } else {
        Err(Error::malformed(
            "",
            format!(
                "expected a vector (one column or one row), found a {}x{} matrix",
                m.rows(),
                m.cols()
            ),
        ))
    }
}

/// The data of a `lasso` / `elastic_net` problem in f64, for the fast path
/// ([`crate::diff::enet`] and [`crate::certify::enet_proof`]): no exact rationals are
/// built for the design, so files of any size the machine holds can be read.
#[derive(Clone, Debug)]
pub struct EnetInput {
    /// Rows of the design.
    pub n: usize,
    /// Columns of the design.
    pub p: usize,
    /// The design, column-major (`x[j·n + i]`).
    pub x: Vec<f64>,
    /// The response.
    pub y: Vec<f64>,
    /// How far the exact data may be from these floats: exact for `.npy` (binary64
    /// values are the data), rounded decimals for CSV and inline numbers.
    pub data: crate::linalg::vfp::DataRadius,
    /// `λ₁` (enclosed: an exact rational need not be a float).
    pub lambda1: inari::Interval,
    /// `λ₂` (`[0, 0]` for the LASSO).
    pub lambda2: inari::Interval,
    /// Whether the problem is an elastic net (`θ = (λ₁, λ₂)`) rather than a LASSO
    /// (`θ = (λ)`).
    pub elastic: bool,
    /// The starting point when the file gives one.
    pub x0: Option<Vec<f64>>,
}

impl Problem {
    /// The f64 data of a `lasso` / `elastic_net` problem (`None` for other kinds).
    ///
    /// Errors: unreadable or malformed data, a non-vector response, a response whose
    /// length is not the design's row count, a `θ` of the wrong length.
    pub fn enet_input(&self) -> Result<Option<EnetInput>> {
        use crate::linalg::vfp::DataRadius;
        let (design, response, elastic) = match &self.file.map {
            MapSpec::Lasso {
                design, response, ..
            } => (design, response, false),
            MapSpec::ElasticNet {
                design, response, ..
            } => (design, response, true),
            _ => return Ok(None),
        };
        // Binary floats are read exactly; decimal text and large integers are rounded
        // to the nearest double, which the proof's data radius accounts for.
        let radius = |exact: bool| {
            if exact {
                DataRadius::EXACT
            } else {
                DataRadius::DECIMAL
            }
        };
        let read = |m: &MatrixData, field: &str| -> Result<(Matrix<f64>, DataRadius)> {
            let at = |e| located(e, &self.source, field);
            Ok(match m {
                MatrixData::Npy { npy } => {
                    let (m, exact) =
                        super::npy::read_matrix_f64_exactness(&self.base.join(npy)).map_err(at)?;
                    (m, radius(exact))
                }
                MatrixData::Npz { npz, array } => {
                    let bytes = std::fs::read(self.base.join(npz))
                        .map_err(|e| Error::io("read", npz.display(), &e))
                        .and_then(|zip| super::npy::npz_member(&zip, array))
                        .map_err(at)?;
                    let (m, exact) = super::npy::parse_matrix_f64_exactness(&bytes).map_err(at)?;
                    (m, radius(exact))
                }
                MatrixData::Csv { .. } | MatrixData::Inline(_) => {
                    (self.matrix_f64(m).map_err(at)?, DataRadius::DECIMAL)
                }
            })
        };
        let (x, rx) = read(design, "map.design")?;
        let (y, ry) = match response {
            VectorData::Inline(v) => (self.numbers::<f64>(v)?, DataRadius::DECIMAL),
            VectorData::File(m) => {
                let (m, r) = read(m, "map.response")?;
                if m.cols() != 1 && m.rows() != 1 {
                    return Err(self.shape_error(format!(
                        "map.response: expected a vector, found a {}x{} matrix",
                        m.rows(),
                        m.cols()
                    )));
                }
                (m.into_vec(), r)
            }
        };
        let (n, p) = x.shape();
        if y.len() != n {
            return Err(Error::DimensionMismatch {
                op: "problem design vs response",
                left: (n, p),
                right: (y.len(), 1),
            });
        }
        let theta: Vec<Rational> = self
            .file
            .theta
            .iter()
            .map(Num::rational)
            .collect::<Result<_>>()?;
        let want = if elastic { 2 } else { 1 };
        if theta.len() != want {
            return Err(self.shape_error(format!(
                "theta: a {} problem needs θ with {want} entries, found {}",
                if elastic { "elastic_net" } else { "lasso" },
                theta.len()
            )));
        }
        let enclose = crate::scalar::enclose_rational;
        let data = if rx == DataRadius::EXACT && ry == DataRadius::EXACT {
            DataRadius::EXACT
        } else {
            DataRadius::DECIMAL
        };
        let x0 = match &self.file.x0 {
            Some(_) => Some(self.x0::<f64>(p)?),
            None => None,
        };
        Ok(Some(EnetInput {
            n,
            p,
            x: x.into_vec(),
            y,
            data,
            lambda1: enclose(&theta[0]),
            lambda2: theta
                .get(1)
                .map_or_else(|| enclose(&Rational::new()), enclose),
            elastic,
            x0,
        }))
    }
}

impl Problem {
    /// Build the problem's map in scalar `S` (exact data for rationals, enclosures
    /// for intervals, nearest values for f64). Shapes are checked first, with
    /// messages naming the fields.
    pub fn build_map<S: Scalar>(&self) -> Result<Box<dyn FixedPointMap<S>>> {
        Ok(match &self.file.map {
            MapSpec::PiecewiseAffine { pieces } => Box::new(self.piecewise_affine::<S>(pieces)?),
            MapSpec::Lasso { .. } | MapSpec::ElasticNet { .. } => Box::new(
                self.forward_backward_map::<S>()?
                    .ok_or_else(|| Error::Unsupported {
                        what: "not a forward–backward map".into(),
                    })?,
            ),
            MapSpec::ReluLayer { w, u, b } => {
                let w: Matrix<S> = self.matrix_at(w, "map.w")?;
                let n = w.rows();
                if w.cols() != n {
                    return Err(self.shape_error(format!(
                        "map.w must be square, found {}x{}",
                        n,
                        w.cols()
                    )));
                }
                let m = self.file.theta.len();
                let u = match u {
                    Some(u) => {
                        let u: Matrix<S> = self.matrix_at(u, "map.u")?;
                        if u.rows() != n {
                            return Err(self.shape_error(format!(
                                "map.u has {} rows but map.w has {n}",
                                u.rows()
                            )));
                        }
                        if u.cols() != m {
                            return Err(self.shape_error(format!(
                                "map.u has {} columns but theta has {m} entries",
                                u.cols()
                            )));
                        }
                        u
                    }
                    None => Matrix::zeros(n, m),
                };
                let b = match b {
                    Some(b) if b.len() != n => {
                        return Err(self.shape_error(format!(
                            "map.b has {} entries but map.w has {n} rows",
                            b.len()
                        )))
                    }
                    Some(b) => self.numbers(b)?,
                    None => vec![S::zero(); n],
                };
                Box::new(ReluLayer::new(w, u, b).map_err(|e| located(e, &self.source, ""))?)
            }
        })
    }

    fn piecewise_affine<S: Scalar>(&self, pieces: &[PieceSpec]) -> Result<PiecewiseAffine<S>> {
        let m = self.file.theta.len();
        if pieces.is_empty() {
            return Err(self.shape_error("map.pieces: a piecewise-affine map needs a piece".into()));
        }
        let mut out = Vec::new();
        let mut n_first = None;
        for (k, p) in pieces.iter().enumerate() {
            let field = |f: &str| format!("map.pieces[{k}].{f}");
            let a: Matrix<S> = self.matrix_at(&p.a, &field("a"))?;
            let n = a.rows();
            if a.cols() != n {
                return Err(self.shape_error(format!(
                    "{} must be square, found {}x{}",
                    field("a"),
                    n,
                    a.cols()
                )));
            }
            match n_first {
                None => n_first = Some(n),
                Some(n0) if n0 != n => {
                    return Err(self.shape_error(format!(
                        "{} is {n}x{n} but map.pieces[0].a is {n0}x{n0}",
                        field("a")
                    )))
                }
                Some(_) => {}
            }
            let b = match &p.b {
                Some(b) => {
                    let b: Matrix<S> = self.matrix_at(b, &field("b"))?;
                    if b.shape() != (n, m) {
                        return Err(self.shape_error(format!(
                            "{} is {}x{} but must be {n}x{m} (n = rows of a, m = entries of theta)",
                            field("b"),
                            b.rows(),
                            b.cols()
                        )));
                    }
                    b
                }
                None => Matrix::zeros(n, m),
            };
            let c = match &p.c {
                Some(c) if c.len() != n => {
                    return Err(self.shape_error(format!(
                        "{} has {} entries but {} has {n} rows",
                        field("c"),
                        c.len(),
                        field("a")
                    )))
                }
                Some(c) => self.numbers(c)?,
                None => vec![S::zero(); n],
            };
            let (g, h) = match (&p.g, &p.h) {
                (Some(g), Some(h)) => {
                    let g: Matrix<S> = self.matrix_at(g, &field("g"))?;
                    if g.cols() != n + m {
                        return Err(self.shape_error(format!(
                            "{} has {} columns but must have n + m = {} (x then θ)",
                            field("g"),
                            g.cols(),
                            n + m
                        )));
                    }
                    if h.len() != g.rows() {
                        return Err(self.shape_error(format!(
                            "{} has {} entries but {} has {} rows",
                            field("h"),
                            h.len(),
                            field("g"),
                            g.rows()
                        )));
                    }
                    (g, self.numbers(h)?)
                }
                (None, None) => (Matrix::zeros(0, n + m), vec![]),
                _ => {
                    return Err(
                        self.shape_error(format!("map.pieces[{k}]: a region needs both g and h"))
                    )
                }
            };
            out.push(AffinePiece { a, b, c, g, h });
        }
        PiecewiseAffine::new(out).map_err(|e| located(e, &self.source, ""))
    }

    /// The forward–backward map of a `lasso` / `elastic_net` problem (`None` for
    /// other kinds).
    pub fn forward_backward_map<S: Scalar>(&self) -> Result<Option<ForwardBackward<S>>> {
        let (design, response, step, rule, penalty, splitting) = match &self.file.map {
            MapSpec::Lasso {
                design,
                response,
                step,
                step_rule,
            } => (
                design,
                response,
                step,
                *step_rule,
                Penalty::Lasso,
                Splitting::Prox,
            ),
            MapSpec::ElasticNet {
                design,
                response,
                step,
                step_rule,
                splitting,
            } => (
                design,
                response,
                step,
                *step_rule,
                Penalty::ElasticNet,
                *splitting,
            ),
            _ => return Ok(None),
        };
        let a: Matrix<S> = self.matrix_at(design, "map.design")?;
        let b: Vec<S> = self.vector_at(response, "map.response")?;
        if a.rows() != b.len() {
            return Err(self.shape_error(format!(
                "map.design has {} rows but map.response has {} entries",
                a.rows(),
                b.len()
            )));
        }
        let rule = match (step, rule) {
            (Some(g), _) => StepRule::Given(S::from_rational(&g.rational()?)),
            (None, StepSpec::InverseLipschitz) => StepRule::InverseLipschitz,
            (None, StepSpec::Optimal) => StepRule::Optimal,
            (None, StepSpec::Frobenius) => StepRule::FrobeniusBound,
        };
        // The smooth splitting's step rule sees λ₂ of θ (validated: θ = (λ₁, λ₂)).
        let step_lambda2 = match splitting {
            Splitting::Prox => S::zero(),
            Splitting::Smooth => self
                .theta::<S>()?
                .get(1)
                .cloned()
                .ok_or_else(|| self.shape_error("theta: θ needs (λ₁, λ₂)".into()))?,
        };
        ForwardBackward::with_splitting(
            Design::Dense(a),
            b,
            penalty,
            rule,
            splitting,
            &step_lambda2,
        )
        .map(Some)
        .map_err(|e| located(e, &self.source, ""))
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
            "{\"piggyback_problem\": 1, \"map\": {\"kind\": \"piecewise_affine\", \"pieces\": []}, \"theta\": [0.1]}",
        ] {
            assert!(Problem::parse(text, base).is_err(), "{text}");
        }
    }
}
