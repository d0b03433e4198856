//! The `piggyback` command line: `certify`, `check`, `demo`. Kept in the library so
//! that every command is testable; `src/bin/piggyback.rs` only forwards `argv`.

use crate::certify::check_fixed_point::{self, FixedPointCertificate};
use crate::certify::forward_backward::{certify_fixed_point, FbProblem};
use crate::certify::{self, contraction, refute, Certificate, Claim};
use crate::error::{Error, Result};
use crate::io::problem::Problem;
use crate::matset::MatrixSet;
use crate::scalar::{Enclosure, Interval, Rational};
use crate::FixedPointMap;
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
  piggyback solve PROBLEM.json                   f64 fixed point and derivative, then an interval
                                                 proof: fixed-point box, active pieces, enclosure
                                                 of every AD derivative, error bound of the f64 one
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
        Some("solve") => cmd_solve(&args[1..], out),
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

/// Certify a problem: the smallest short-rational contraction constant in the
/// spectral norm, else the ∞- or 1-norm, else a weighted norm; failing all, a
/// refutation (a product of vertices with spectral radius > 1).
pub fn certify_problem(problem: &Problem) -> Result<Outcome> {
    let map = problem.build_map::<Rational>()?;
    let family = map.state_jacobian_family(&problem.theta::<Rational>()?)?;
    let opts = contraction::SearchOptions::default();
    let one = Rational::from(1);
    let mut best: Option<Certificate> = None;
    for norm in [
        crate::linalg::norms::Norm::Two,
        crate::linalg::norms::Norm::Inf,
        crate::linalg::norms::Norm::One,
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

/// What `solve` found: the f64 estimates and what interval arithmetic proved.
#[derive(Debug)]
pub struct SolveReport {
    /// f64 fixed point.
    pub x: Vec<f64>,
    /// f64 derivative `∂x̄/∂θ` (AID by dense solve with the map's AD convention).
    pub jacobian: Matrix<f64>,
    /// Iterations of the f64 fixed-point iteration.
    pub iterations: usize,
    /// The proof, or why it could not be made.
    pub proof: std::result::Result<SolveProof, Error>,
}

/// What interval arithmetic proved about a solve.
#[derive(Debug)]
pub struct SolveProof {
    /// A box containing the unique fixed point.
    pub x: Vec<Interval>,
    /// Contraction bound on the proof domain and its norm.
    pub rho: (f64, crate::linalg::norms::Norm),
    /// Coordinates proven nonzero (`Some(true)`), proven zero (`Some(false)`), or undecided.
    pub nonzero: Vec<Option<bool>>,
    /// Whether the derivative is proven single-valued (one selection piece at `x̄`).
    pub single_valued: bool,
    /// A box containing every derivative any AD system could return.
    pub derivative: Matrix<Interval>,
    /// Rigorous bound on the distance from the f64 derivative to that set, and its norm.
    pub error_bound: (f64, crate::linalg::norms::Norm),
}

/// Solve a problem in f64, then prove what can be proven in interval arithmetic.
pub fn solve_problem(problem: &Problem) -> Result<SolveReport> {
    let map = problem.build_map::<f64>()?;
    let theta = problem.theta::<f64>()?;
    let (n, _) = map.dims();
    let x0 = match &problem.file.x0 {
        Some(x0) => problem.numbers::<f64>(x0)?,
        None => vec![0.0; n],
    };
    let (x, iterations) =
        crate::maps::iterate::iterate(map.as_ref(), &x0, &theta, 1e-14, 1_000_000)?;
    let lin = map.linearize(&x, &theta)?;
    let m = theta.len();
    let jacobian = crate::diff::aid::solve_dense(lin.as_ref(), &Matrix::identity(m))?.derivative;
    let proof = prove(problem, &x, &jacobian);
    Ok(SolveReport {
        x,
        jacobian,
        iterations,
        proof,
    })
}

fn prove(problem: &Problem, x: &[f64], jacobian: &Matrix<f64>) -> Result<SolveProof> {
    use crate::certify::{enclosure, fixed_point};
    let map = problem.build_map::<Interval>()?;
    let theta = problem.theta::<Interval>()?;
    let e = fixed_point::enclose_fixed_point(map.as_ref(), x, &theta, 1e-9, &Default::default())?;
    let nonzero =
        e.x.iter()
            .map(|v| {
                if v.inf() > 0.0 || v.sup() < 0.0 {
                    Some(true)
                } else if v.inf() == 0.0 && v.sup() == 0.0 {
                    Some(false)
                } else {
                    None
                }
            })
            .collect();
    let d = fixed_point::enclose_derivative(map.as_ref(), &e, &theta, 100)?;
    let (a, b) = fixed_point::jacobian_hull(map.as_ref(), &e.x, &theta)?;
    let error_bound = enclosure::derivative_error_bound(&a, &b, jacobian)?;
    Ok(SolveProof {
        x: e.x,
        rho: (e.rho, e.norm),
        nonzero,
        single_valued: e.single_valued,
        derivative: d.j,
        error_bound,
    })
}

fn cmd_solve(args: &[String], out: &mut dyn Write) -> Result<i32> {
    let path = args
        .first()
        .filter(|a| !a.starts_with('-'))
        .ok_or_else(|| Error::InvalidInput("solve needs a problem file".into()))?;
    let problem = Problem::read(Path::new(path))?;
    let r = solve_problem(&problem)?;
    let io_err = |e: std::io::Error| Error::InvalidInput(format!("cannot write: {e}"));
    writeln!(out, "{}", problem.name()).map_err(io_err)?;
    writeln!(out, "  f64: fixed point after {} iterations", r.iterations).map_err(io_err)?;
    for (i, xi) in r.x.iter().enumerate() {
        let row: Vec<String> = (0..r.jacobian.cols())
            .map(|j| format!("{:+.6e}", r.jacobian[(i, j)]))
            .collect();
        writeln!(
            out,
            "    x[{i}] = {xi:+.10e}   dx/dθ = [{}]",
            row.join(", ")
        )
        .map_err(io_err)?;
    }
    match &r.proof {
        Ok(p) => {
            let width = p.x.iter().map(|v| v.wid()).fold(0.0, f64::max);
            writeln!(out, "  PROVED (interval arithmetic):").map_err(io_err)?;
            writeln!(out, "    unique fixed point in a box of width {width:.3e}; contraction ρ ≤ {:.6} ({}-norm)", p.rho.0, p.rho.1)
                .map_err(io_err)?;
            let (nz, z) = (
                p.nonzero.iter().filter(|v| **v == Some(true)).count(),
                p.nonzero.iter().filter(|v| **v == Some(false)).count(),
            );
            writeln!(
                out,
                "    {nz} coordinates proven nonzero, {z} proven zero, {} undecided",
                p.nonzero.len() - nz - z
            )
            .map_err(io_err)?;
            writeln!(
                out,
                "    derivative {}: every AD derivative lies in a box of width {:.3e}",
                if p.single_valued {
                    "single-valued (one selection piece at the fixed point)"
                } else {
                    "possibly set-valued (a kink is possibly active)"
                },
                p.derivative
                    .as_slice()
                    .iter()
                    .map(|v| v.wid())
                    .fold(0.0, f64::max)
            )
            .map_err(io_err)?;
            writeln!(
                out,
                "    the f64 derivative is within {:.3e} ({}-norm) of that set",
                p.error_bound.0, p.error_bound.1
            )
            .map_err(io_err)?;
            Ok(EXIT_OK)
        }
        Err(e) => {
            writeln!(out, "  NOT PROVED: {e}").map_err(io_err)?;
            Ok(EXIT_UNDECIDED)
        }
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
            if let Some(fp) = fixed_point_certificate(problem)? {
                let fp_target = fixed_point_path(target);
                std::fs::write(&fp_target, check_fixed_point::fixed_point_to_json(&fp)).map_err(
                    |e| Error::InvalidInput(format!("cannot write {}: {e}", fp_target.display())),
                )?;
                writeln!(out, "{}: {}", problem.name(), describe_fixed_point(&fp))
                    .map_err(io_err)?;
                writeln!(out, "  certificate written to {}", fp_target.display())
                    .map_err(io_err)?;
            }
            Ok(EXIT_OK)
        }
        Outcome::Undecided(why) => {
            writeln!(out, "{}: UNDECIDED: {why}", problem.name()).map_err(io_err)?;
            Ok(EXIT_UNDECIDED)
        }
    }
}

/// For `lasso` / `elastic_net` problems: solve in f64, then certify the fixed point
/// (ball, signs, exact derivative in `λ₁`); `None` for other kinds.
pub fn fixed_point_certificate(problem: &Problem) -> Result<Option<FixedPointCertificate>> {
    let (Some(fb), Some(fbf)) = (
        problem.forward_backward_map::<Rational>()?,
        problem.forward_backward_map::<f64>()?,
    ) else {
        return Ok(None);
    };
    let theta = problem.theta::<Rational>()?;
    let (n, _) = fbf.dims();
    let (x, _) = crate::maps::iterate::iterate(
        &fbf,
        &vec![0.0; n],
        &problem.theta::<f64>()?,
        1e-15,
        1_000_000,
    )?;
    let data = FbProblem {
        a: fb.design().to_dense(),
        b: fb.response().to_vec(),
        gamma: fb.gamma().clone(),
        lambda1: theta.first().cloned().unwrap_or_default(),
        lambda2: theta.get(1).cloned().unwrap_or_default(),
    };
    certify_fixed_point(&data, &x).map(Some)
}

/// A one-line summary of a fixed-point certificate.
pub fn describe_fixed_point(c: &FixedPointCertificate) -> String {
    let proven = c.signs.iter().filter(|s| s.is_some()).count();
    let approx = |t: &str| crate::scalar::parse_rational(t).map_or(f64::NAN, |q| q.to_f64());
    format!(
        "FIXED POINT: unique, within ≈{:.2e} of the center (ρ ≤ ≈{:.6}); {proven}/{} signs proven{}",
        approx(&c.radius),
        approx(&c.rho),
        c.signs.len(),
        if c.derivative.is_some() { "; exact ∂x̄/∂λ₁ included" } else { "" }
    )
}

fn fixed_point_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("problem.cert.json");
    let stem = name
        .strip_suffix(".cert.json")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(name);
    target.with_file_name(format!("{stem}.fixed-point.cert.json"))
}

fn cmd_check(args: &[String], out: &mut dyn Write) -> Result<i32> {
    let path = args
        .first()
        .ok_or_else(|| Error::InvalidInput("check needs a certificate file".into()))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::InvalidInput(format!("cannot read {path}: {e}")))?;
    let io_err = |e: std::io::Error| Error::InvalidInput(format!("cannot write: {e}"));
    if text.contains(check_fixed_point::FIXED_POINT_FORMAT) {
        let verdict = check_fixed_point::fixed_point_from_json(&text)
            .and_then(|c| check_fixed_point::check_fixed_point(&c).map(|()| c));
        return Ok(match verdict {
            Ok(c) => {
                writeln!(out, "{path}: VALID: {}", describe_fixed_point(&c)).map_err(io_err)?;
                EXIT_OK
            }
            Err(f) => {
                writeln!(out, "{path}: INVALID: {f}").map_err(io_err)?;
                if matches!(f, certify::CheckFailure::Rejected { .. }) {
                    EXIT_REJECTED
                } else {
                    EXIT_INPUT
                }
            }
        });
    }
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
            "elastic_net.json",
            include_str!("../examples/problems/elastic_net.json").to_string(),
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
            for file in [target.clone(), fixed_point_path(&target)] {
                if file.exists() {
                    worst = worst.max(cmd_check(&[file.display().to_string()], out)?);
                }
            }
        }
        writeln!(out).map_err(io_err)?;
    }
    let lasso = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/problems/lasso.json");
    if lasso.exists() {
        writeln!(
            out,
            "production path: f64 solve and derivative, then their proof"
        )
        .map_err(io_err)?;
        worst = worst.max(cmd_solve(&[lasso.display().to_string()], out)?);
    }
    Ok(worst)
}
