//! The `piggyback` command line: `certify`, `check`, `demo`. Kept in the library so
//! that every command is testable; `src/bin/piggyback.rs` only forwards `argv`.

use crate::certify::{self, contraction, refute, Certificate, Claim};
use crate::error::{Error, Result};
use crate::io::problem::{MapSpec, Problem};
use crate::maps::{AffinePiece, PiecewiseAffine};
use crate::matset::MatrixSet;
use crate::scalar::Rational;
use crate::Matrix;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Exit status: the command succeeded (a certificate or refutation was written and
/// checked, or a checked certificate is valid).
pub const EXIT_OK: i32 = 0;
/// Exit status: a certificate was rejected by the checker.
pub const EXIT_REJECTED: i32 = 1;
/// Exit status: nothing could be certified or refuted (undecided, not false).
pub const EXIT_UNDECIDED: i32 = 2;
/// Exit status: bad input (unreadable or malformed file, bad arguments).
pub const EXIT_INPUT: i32 = 3;

const USAGE: &str = "\
piggyback: certified nonsmooth implicit differentiation

usage:
  piggyback certify PROBLEM.json [-o OUT.json]   prove the map contracts, or refute it
  piggyback check CERTIFICATE.json               re-verify a certificate in exact arithmetic
  piggyback demo [DIR]                           run the built-in examples (writes into DIR)
  piggyback help

exit status: 0 ok, 1 certificate rejected, 2 undecided (neither proved nor refuted), 3 bad input";

/// Run the command line with `args` (without the program name), writing to `out`;
/// returns the exit status.
pub fn run(args: &[String], out: &mut dyn Write) -> i32 {
    let result = match args.first().map(String::as_str) {
        Some("certify") => cmd_certify(&args[1..], out),
        Some("check") => cmd_check(&args[1..], out),
        Some("demo") => cmd_demo(&args[1..], out),
        Some("help") | Some("--help") | Some("-h") | None => {
            let _ = writeln!(out, "{USAGE}");
            Ok(EXIT_OK)
        }
        Some(other) => Err(Error::InvalidInput(format!(
            "unknown command {other:?}\n{USAGE}"
        ))),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
            EXIT_INPUT
        }
    }
}

/// What `certify` concluded.
#[derive(Debug)]
pub enum Outcome {
    /// A checked certificate of the claim it contains.
    Certified(Certificate),
    /// Neither a contraction certificate nor a refutation was found.
    Undecided(String),
}

/// The set containing every `A = ∂ₓF` block the map's conservative Jacobian can take,
/// at any point (so a bound over it is global).
pub fn state_jacobian_family(problem: &Problem) -> Result<MatrixSet<Rational>> {
    match &problem.file.map {
        MapSpec::PiecewiseAffine { .. } => {
            let map = piecewise_affine(problem)?;
            MatrixSet::hull(map.pieces().iter().map(|p| p.a.clone()).collect())
        }
    }
}

/// Build the piecewise-affine map of a problem in exact arithmetic.
pub fn piecewise_affine(problem: &Problem) -> Result<PiecewiseAffine<Rational>> {
    let MapSpec::PiecewiseAffine { pieces } = &problem.file.map;
    let m = problem.file.theta.len();
    let mut out = Vec::new();
    for p in pieces {
        let a: Matrix<Rational> = problem.matrix(&p.a)?;
        let n = a.rows();
        let b = match &p.b {
            Some(b) => problem.matrix(b)?,
            None => Matrix::zeros(n, m),
        };
        let c = match &p.c {
            Some(c) => problem.numbers(c)?,
            None => vec![Rational::new(); n],
        };
        let (g, h) = match (&p.g, &p.h) {
            (Some(g), Some(h)) => (problem.matrix(g)?, problem.numbers(h)?),
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

/// Certify a problem: the smallest short-rational contraction constant in the
/// spectral norm, else the ∞- or 1-norm, else a weighted norm; failing all, a
/// refutation (a product of vertices with spectral radius > 1).
pub fn certify_problem(problem: &Problem) -> Result<Outcome> {
    let family = state_jacobian_family(problem)?;
    let opts = contraction::SearchOptions::default();
    let one = Rational::from(1);
    let mut best: Option<Certificate> = None;
    for norm in [
        contraction::NormKind::Two,
        contraction::NormKind::Inf,
        contraction::NormKind::One,
    ] {
        if let Ok(c) = contraction::find_norm_bound(&family, norm, &opts) {
            let better = match (&best, contraction::certified_rho(&c)) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(b), Some(r)) => contraction::certified_rho(b).is_some_and(|rb| r < rb),
            };
            if better {
                best = Some(c);
            }
        }
    }
    if let Some(c) = best.filter(|c| contraction::certified_rho(c).is_some_and(|r| r < one)) {
        return Ok(Outcome::Certified(c));
    }
    if let Ok(c) = contraction::find_weighted_bound(&family, &opts) {
        if contraction::certified_rho(&c).is_some_and(|r| r < one) {
            return Ok(Outcome::Certified(c));
        }
    }
    let vertex_family = match family {
        MatrixSet::Finite(_) | MatrixSet::Hull(_) => Some(family),
        other => crate::matset::MatrixSet::vertices(&other, 1 << 10)
            .ok()
            .map(MatrixSet::Hull),
    };
    if let Some(vf) = vertex_family {
        if let Some(c) = refute::find_refutation(&vf, &one, 6)? {
            return Ok(Outcome::Certified(c));
        }
    }
    Ok(Outcome::Undecided(
        "no norm bound below 1 and no product with spectral radius > 1 was found".into(),
    ))
}

/// A one-line human summary of a certificate's claim.
pub fn describe(c: &Certificate) -> String {
    match &c.claim {
        Claim::Contraction { norm, rho } => format!("CONTRACTION: sup ‖A‖ ≤ {rho} in the {norm:?} norm"),
        Claim::Refutation { r, word, .. } => format!(
            "REFUTED: the product of vertices {word:?} has spectral radius > {r}^{} — no norm makes the map contract",
            word.len()
        ),
        Claim::Invertible { .. } => "INVERTIBLE: I − A is invertible for every A in the set".into(),
    }
}

fn arg_value(args: &[String], flag: &str) -> Option<PathBuf> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
}

fn cmd_certify(args: &[String], out: &mut dyn Write) -> Result<i32> {
    let path = args
        .first()
        .filter(|a| !a.starts_with('-'))
        .ok_or_else(|| Error::InvalidInput("certify needs a problem file".into()))?;
    let path = Path::new(path);
    let problem = Problem::read(path)?;
    let target = arg_value(args, "-o").unwrap_or_else(|| path.with_extension("cert.json"));
    certify_to_file(&problem, &target, out)
}

fn certify_to_file(problem: &Problem, target: &Path, out: &mut dyn Write) -> Result<i32> {
    let io_err = |e: std::io::Error| Error::InvalidInput(format!("cannot write: {e}"));
    match certify_problem(problem)? {
        Outcome::Certified(c) => {
            std::fs::write(target, certify::to_json(&c)).map_err(|e| {
                Error::InvalidInput(format!("cannot write {}: {e}", target.display()))
            })?;
            writeln!(out, "{}: {}", problem.name(), describe(&c)).map_err(io_err)?;
            writeln!(out, "  certificate written to {}", target.display()).map_err(io_err)?;
            Ok(EXIT_OK)
        }
        Outcome::Undecided(why) => {
            writeln!(out, "{}: UNDECIDED: {why}", problem.name()).map_err(io_err)?;
            Ok(EXIT_UNDECIDED)
        }
    }
}

fn cmd_check(args: &[String], out: &mut dyn Write) -> Result<i32> {
    let path = args
        .first()
        .ok_or_else(|| Error::InvalidInput("check needs a certificate file".into()))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::InvalidInput(format!("cannot read {path}: {e}")))?;
    let io_err = |e: std::io::Error| Error::InvalidInput(format!("cannot write: {e}"));
    let parsed = match certify::from_json(&text) {
        Ok(c) => c,
        Err(f) => {
            writeln!(out, "{path}: INVALID: {f}").map_err(io_err)?;
            return Ok(EXIT_INPUT);
        }
    };
    match certify::check(&parsed) {
        Ok(()) => {
            writeln!(out, "{path}: VALID: {}", describe(&parsed)).map_err(io_err)?;
            Ok(EXIT_OK)
        }
        Err(f) => {
            writeln!(out, "{path}: INVALID: {f}").map_err(io_err)?;
            Ok(match f {
                certify::CheckFailure::Rejected { .. } => EXIT_REJECTED,
                _ => EXIT_INPUT,
            })
        }
    }
}

/// The built-in example problems: `(file name, JSON text)`.
pub fn builtin_examples() -> Vec<(&'static str, String)> {
    vec![
        (
            "heavy_ball.json",
            include_str!("../examples/problems/heavy_ball.json").to_string(),
        ),
        (
            "relu_layer.json",
            include_str!("../examples/problems/relu_layer.json").to_string(),
        ),
        (
            "clarke.json",
            include_str!("../examples/problems/clarke.json").to_string(),
        ),
    ]
}

fn cmd_demo(args: &[String], out: &mut dyn Write) -> Result<i32> {
    let dir = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/demo"));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::InvalidInput(format!("cannot create {}: {e}", dir.display())))?;
    let io_err = |e: std::io::Error| Error::InvalidInput(format!("cannot write: {e}"));
    writeln!(
        out,
        "piggyback demo: certify the built-in problems, then re-check every certificate\n"
    )
    .map_err(io_err)?;
    let mut worst = EXIT_OK;
    for (name, text) in builtin_examples() {
        let problem = Problem::parse(&text, &dir)?;
        let target = dir.join(name.replace(".json", ".cert.json"));
        let code = certify_to_file(&problem, &target, out)?;
        if code == EXIT_OK {
            let checked = cmd_check(&[target.display().to_string()], out)?;
            worst = worst.max(checked);
        }
        writeln!(out).map_err(io_err)?;
    }
    Ok(worst)
}
