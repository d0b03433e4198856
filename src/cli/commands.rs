//! The commands: the work as library functions with small signatures
//! ([`certify_problem`], [`check_certificate`], [`solve_problem`]), and their text and
//! JSON reports.

use super::progress::Progress;
use super::report::{
    finite, CertificateEntry, CertifyReport, CheckReport, FixedPointEntry, FixedPointSummary,
    LevelTwoEstimate, ProofJson, SolveJson, REPORT_FORMAT, REPORT_VERSION,
};
use super::{
    ensure_not_input, ensure_writable, io_err, write_file, Ctx, EXIT_INPUT, EXIT_OK, EXIT_REFUTED,
    EXIT_REJECTED, EXIT_UNDECIDED,
};
use crate::certify::forward_backward::{certify_fixed_point_with_verdict, FbProblem};
use crate::certify::level2::{self, FpCertified, Placement};
pub use crate::certify::problem::{Certified, Outcome};
use crate::certify::{self, CheckFailure, Claim, FixedPointCertificate, Verdict};
use crate::error::{Error, Result};
use crate::io::problem::{MapSpec, Problem};
use crate::io::resolve::Purpose;
use crate::scalar::{Enclosure, Interval, Rational};
use crate::FixedPointMap;
use crate::Matrix;
use piggyback_kernel::verdict::Claim as Proven;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The exit status of a `certify` outcome: 0 a contraction, 4 a refutation (of the map,
/// its field or a family: the verdict says which), 2 undecided.
pub fn outcome_exit_code(o: &Outcome) -> i32 {
    match o {
        Outcome::Certified(c) if c.verdict.is_refutation() => EXIT_REFUTED,
        Outcome::Certified(_) => EXIT_OK,
        Outcome::Undecided(_) => EXIT_UNDECIDED,
    }
}

/// `"contraction"`, `"refuted"` or `"undecided"` (the JSON `outcome`).
pub fn outcome_label(o: &Outcome) -> &'static str {
    match o {
        Outcome::Certified(c) => verdict_label(&c.verdict),
        Outcome::Undecided(_) => "undecided",
    }
}

/// What a verdict proves, as one word: `"contraction"` (a norm bound below 1),
/// `"norm_bound"` (a bound ≥ 1: not a contraction), `"refuted"`, `"invertible"`,
/// `"fixed_point"`.
pub fn verdict_label(v: &Verdict) -> &'static str {
    match &v.claim {
        Proven::NormBound { .. } if v.is_contraction() => "contraction",
        Proven::NormBound { .. } => "norm_bound",
        Proven::Refuted { .. } => "refuted",
        Proven::Invertible => "invertible",
        Proven::FixedPoint { .. } => "fixed_point",
    }
}

/// What a verdict is about: `"family"`, `"field"` or `"map"`.
pub fn subject_label(v: &Verdict) -> &'static str {
    match v.subject {
        piggyback_kernel::verdict::Subject::WrittenFamily => "family",
        piggyback_kernel::verdict::Subject::Field(_) => "field",
        piggyback_kernel::verdict::Subject::Map(_) => "map",
    }
}

/// Certify a problem: a contraction of its map in the spectral, ∞-, 1- or a weighted
/// norm; failing that, a refutation of the map (or of its conservative field); each
/// checked by the kernel ([`crate::certify::problem::certify_problem`]).
pub fn certify_problem(problem: &Problem) -> Result<Outcome> {
    certify_with_progress(problem, &Progress::hidden())
}

fn certify_with_progress(problem: &Problem, progress: &Progress) -> Result<Outcome> {
    crate::certify::problem::certify_problem_with(problem, &|s| progress.step(s.to_string()))
}

/// For `lasso` / `elastic_net` problems: solve in f64, then certify the fixed point
/// (ball, signs, exact derivative in `λ₁`), with the kernel's verdict; `None` for
/// other kinds.
pub fn fixed_point_certificate(
    problem: &Problem,
) -> Result<Option<(FixedPointCertificate, Verdict)>> {
    problem.check_size(Purpose::Certify)?;
    let (Some(fb), Some(fbf)) = (
        problem.forward_backward_map::<Rational>()?,
        problem.forward_backward_map::<f64>()?,
    ) else {
        return Ok(None);
    };
    let theta = problem.theta::<Rational>()?;
    // λ₂ = 0 for the lasso; a missing λ₁ is an error, never a default.
    if theta.len() != fb.penalty().num_params() {
        return Err(Error::DimensionMismatch {
            op: "certify fixed point: θ vs penalty parameters",
            left: (theta.len(), 1),
            right: (fb.penalty().num_params(), 1),
        });
    }
    let (lambda1, lambda2) = fb.penalty().params(&theta, "certify fixed point")?;
    let (n, _) = fbf.dims();
    let x = crate::diff::fixed_point::solve_fixed_point(
        &fbf,
        &problem.x0::<f64>(n)?,
        &problem.theta::<f64>()?,
        &inner_solve(1e-15),
        crate::linalg::norms::Norm::Inf,
    )?
    .x;
    let data = FbProblem {
        a: fb.design().to_dense(),
        b: fb.response().to_vec(),
        gamma: fb.gamma().clone(),
        lambda1,
        lambda2,
        penalty: fb.penalty(),
        splitting: fb.splitting(),
    };
    certify_fixed_point_with_verdict(&data, &x).map(Some)
}

/// Where `certify` writes the fixed-point certificate that goes with the certificate
/// at `target`: `STEM.fixed-point.cert.json` next to it.
pub fn fixed_point_path(target: &Path) -> PathBuf {
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

/// The stem of a certificate path (`X` of `X.cert.json`), for its data files.
fn certificate_stem(target: &Path) -> String {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("problem.cert.json");
    name.strip_suffix(".cert.json")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(name)
        .to_string()
}

/// The default certificate path of a problem file: `PROBLEM.cert.json`.
fn default_certificate_path(problem: &Path) -> PathBuf {
    problem.with_extension("cert.json")
}

/// Which checker level `certify` uses (`--level`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    /// The exact kernel (rational arithmetic); refuses what its budget cannot finish.
    Exact,
    /// Level 2 (verified floating point): spectral-norm bounds of `lasso`,
    /// `elastic_net` and `relu_layer` maps.
    Float,
    /// The exact kernel when the problem fits its budget, level 2 otherwise.
    #[default]
    Auto,
}

/// Largest state dimension for which `--level auto` tries the exact kernel first (beyond
/// it the exact spectral-norm check cannot fit the kernel's budget).
pub const AUTO_EXACT_MAX_DIM: usize = 200;

/// What `certify` did, for the reports.
struct Done {
    /// The exact outcome (`Undecided` when level 2 decided: see `fp`).
    outcome: Outcome,
    /// `"exact"` or `"float"`.
    level: &'static str,
    /// A level-2 certificate and where it was written.
    fp: Option<(Option<PathBuf>, Box<FpCertified>)>,
    /// Where the certificate was written (`None`: kept in memory).
    target: Option<PathBuf>,
    /// The fixed-point certificate, its verdict, and where it was written.
    fixed_point: Option<(Option<PathBuf>, FixedPointCertificate, Verdict)>,
    fixed_point_failure: Option<String>,
}

/// `lasso` / `elastic_net`: the kinds that also get a fixed-point certificate (decided
/// from the map kind, without loading the data).
fn is_forward_backward(problem: &Problem) -> bool {
    matches!(
        problem.file.map,
        MapSpec::Lasso { .. } | MapSpec::ElasticNet { .. }
    )
}

/// Certify `problem` without writing anything: the outcome, and for `lasso` /
/// `elastic_net` problems whose contraction was certified, the fixed-point certificate
/// (or why it could not be made).
fn certify_work(
    problem: &Problem,
    progress: &Progress,
    level: Level,
    place: Option<&Placement>,
) -> Result<Done> {
    let is_fb = is_forward_backward(problem);
    let small = problem
        .declared_dims()
        .is_ok_and(|(n, _)| n <= AUTO_EXACT_MAX_DIM);
    let exact = match level {
        Level::Float => None,
        Level::Auto if !small && level2::supports(problem) => None,
        Level::Exact => Some(certify_with_progress(problem, progress)?),
        Level::Auto => match certify_with_progress(problem, progress) {
            Err(Error::TooLarge { .. }) if level2::supports(problem) => None,
            other => Some(other?),
        },
    };
    let Some(outcome) = exact else {
        return certify_float(problem, progress, place);
    };
    let mut done = Done {
        outcome,
        level: "exact",
        fp: None,
        target: None,
        fixed_point: None,
        fixed_point_failure: None,
    };
    if is_fb && matches!(done.outcome, Outcome::Certified(_)) {
        progress.step("fixed-point certificate: f64 solve, then exact ball, signs and derivative");
        match fixed_point_certificate(problem) {
            Ok(Some((fp, verdict))) => done.fixed_point = Some((None, fp, verdict)),
            Ok(None) => {}
            Err(e) => done.fixed_point_failure = Some(e.to_string()),
        }
    }
    Ok(done)
}

/// Level 2: a spectral-norm bound found in f64 and checked in verified floating point
/// (no fixed-point certificate: that one is exact only).
fn certify_float(
    problem: &Problem,
    progress: &Progress,
    place: Option<&Placement>,
) -> Result<Done> {
    progress
        .step("level 2: f64 Gram product and eigenvalues, then the verified floating-point check");
    let mut done = Done {
        outcome: Outcome::Undecided(String::new()),
        level: "float",
        fp: None,
        target: None,
        fixed_point: None,
        fixed_point_failure: None,
    };
    match level2::certify_level2(problem, place) {
        Ok(c) if c.verdict.verdict.is_contraction() => done.fp = Some((None, Box::new(c))),
        Ok(c) => {
            for f in &c.files {
                let _ = std::fs::remove_file(f);
            }
            done.outcome = Outcome::Undecided(format!(
                "level 2 proved only the spectral-norm bound ρ = {} ≥ 1, not a contraction \
                 (level 2 has no weighted norms and no refutations)",
                certify::num_text(&c.rho)
            ));
        }
        Err(Error::CouldNotVerify { reason }) => done.outcome = Outcome::Undecided(reason),
        Err(e) => return Err(e),
    }
    if is_forward_backward(problem) && done.fp.is_some() {
        done.fixed_point_failure = Some(
            "the fixed-point certificate is exact only (level 1); `piggyback solve` proves the \
             solution in verified floating point at this size"
                .into(),
        );
    }
    Ok(done)
}

/// The exit status of what `certify` did.
fn done_exit_code(done: &Done) -> i32 {
    if done.fp.is_some() {
        EXIT_OK
    } else {
        outcome_exit_code(&done.outcome)
    }
}

/// Certify `problem` and write the certificate(s); nothing is written when an output
/// exists and `force` is not set, or when nothing is decided.
fn certify_to_files(
    problem: &Problem,
    target: &Path,
    force: bool,
    level: Level,
    progress: &Progress,
) -> Result<Done> {
    let fp_target = fixed_point_path(target);
    if is_forward_backward(problem) {
        ensure_writable(&[target, &fp_target], force)?;
    } else {
        ensure_writable(&[target], force)?;
    }
    let place = Placement {
        dir: target.parent().unwrap_or(Path::new(".")).to_path_buf(),
        stem: certificate_stem(target),
        force,
    };
    let mut done = certify_work(problem, progress, level, Some(&place))?;
    if let Some((path, c)) = &mut done.fp {
        write_file(
            target,
            piggyback_kernel_fp::format::to_json(&c.certificate).as_bytes(),
        )?;
        *path = Some(target.to_path_buf());
        done.target = Some(target.to_path_buf());
        return Ok(done);
    }
    let Outcome::Certified(c) = &done.outcome else {
        return Ok(done);
    };
    write_file(target, certify::to_json(&c.certificate).as_bytes())?;
    done.target = Some(target.to_path_buf());
    if let Some((path, fp, _)) = &mut done.fixed_point {
        write_file(&fp_target, certify::to_json(fp).as_bytes())?;
        *path = Some(fp_target);
    }
    Ok(done)
}

/// What `certify` produces, computed in memory (nothing is written): the `--json`
/// report, with `null` file paths, and the texts of the certificate files `certify`
/// would write.
#[derive(Debug)]
pub struct CertifyResult {
    /// The report (as `certify --json` prints it; paths `null`).
    pub report: CertifyReport,
    /// The certificate file's text (absent when undecided).
    pub certificate: Option<String>,
    /// The fixed-point certificate file's text (`lasso` / `elastic_net` problems).
    pub fixed_point_certificate: Option<String>,
}

/// Certify a problem in memory (see [`CertifyResult`]); `problem_path` is the file
/// the problem came from, if any (the report's `problem`).
pub fn certify_in_memory(problem: &Problem, problem_path: Option<&Path>) -> Result<CertifyResult> {
    let done = certify_work(problem, &Progress::hidden(), Level::Auto, None)?;
    let certificate = match (&done.fp, &done.outcome) {
        (Some((_, c)), _) => Some(piggyback_kernel_fp::format::to_json(&c.certificate)),
        (None, Outcome::Certified(c)) => Some(certify::to_json(&c.certificate)),
        (None, Outcome::Undecided(_)) => None,
    };
    let fixed_point_certificate = done
        .fixed_point
        .as_ref()
        .map(|(_, fp, _)| certify::to_json(fp));
    Ok(CertifyResult {
        report: certify_json(problem_path, problem, &done),
        certificate,
        fixed_point_certificate,
    })
}

fn certify_text(problem: &Problem, done: &Done) -> String {
    let name = problem.name();
    let mut s = String::new();
    if let Some((target, c)) = &done.fp {
        let _ = writeln!(s, "{name}: {}", c.verdict);
        let _ = writeln!(
            s,
            "  level 2: ρ = {} is {:.1e} above the f64 estimate {:.9e} of the optimal bound",
            certify::num_text(&c.rho),
            c.relative_gap(),
            c.estimate
        );
        if let Some(target) = target {
            let _ = writeln!(s, "  certificate written to {}", target.display());
        }
        for f in &c.files {
            let _ = writeln!(s, "  data written to {}", f.display());
        }
        if let Some(why) = &done.fixed_point_failure {
            let _ = writeln!(s, "{name}: FIXED POINT not certified: {why}");
        }
        return s;
    }
    match &done.outcome {
        Outcome::Certified(c) => {
            let _ = writeln!(s, "{name}: {}", c.verdict);
            if let Some(target) = &done.target {
                let _ = writeln!(s, "  certificate written to {}", target.display());
            }
            if let Some((path, _, verdict)) = &done.fixed_point {
                let _ = writeln!(s, "{name}: {verdict}");
                if let Some(path) = path {
                    let _ = writeln!(s, "  certificate written to {}", path.display());
                }
            }
            if let Some(why) = &done.fixed_point_failure {
                let _ = writeln!(s, "{name}: FIXED POINT not certified: {why}");
            }
        }
        Outcome::Undecided(why) => {
            let _ = writeln!(s, "{name}: UNDECIDED ({} level): {why}", done.level);
        }
    }
    s
}

fn display_path(p: &Path) -> String {
    p.display().to_string()
}

fn certify_json(problem_path: Option<&Path>, problem: &Problem, done: &Done) -> CertifyReport {
    let (certificate, reason) = match (&done.fp, &done.outcome) {
        (Some((path, c)), _) => (
            Some(CertificateEntry {
                path: path.as_deref().map(display_path),
                subject: subject_label(&c.verdict.verdict),
                verdict: c.verdict.to_string(),
                claim: c.certificate.claim.clone(),
            }),
            None,
        ),
        (None, Outcome::Certified(c)) => (
            Some(CertificateEntry {
                path: done.target.as_deref().map(display_path),
                subject: subject_label(&c.verdict),
                verdict: c.verdict.to_string(),
                claim: c.certificate.claim.clone(),
            }),
            None,
        ),
        (None, Outcome::Undecided(why)) => (None, Some(why.clone())),
    };
    let outcome = match &done.fp {
        Some((_, c)) => verdict_label(&c.verdict.verdict),
        None => outcome_label(&done.outcome),
    };
    CertifyReport {
        report: REPORT_FORMAT,
        version: REPORT_VERSION,
        command: "certify",
        problem: problem_path.map(display_path),
        name: problem.name(),
        outcome,
        exit_code: done_exit_code(done),
        level: done.level,
        estimate: done.fp.as_ref().map(|(_, c)| LevelTwoEstimate {
            estimate: c.estimate,
            relative_gap: c.relative_gap(),
            data_files: c.files.iter().map(|f| display_path(f)).collect(),
        }),
        certificate,
        fixed_point: done.fixed_point.as_ref().map(|(p, fp, v)| FixedPointEntry {
            path: p.as_deref().map(display_path),
            verdict: v.to_string(),
            summary: FixedPointSummary::from(fp),
        }),
        fixed_point_failure: done.fixed_point_failure.clone(),
        reason,
    }
}

/// `piggyback certify`.
pub(crate) fn cmd_certify(
    problem_path: &Path,
    output: Option<&Path>,
    json: bool,
    force: bool,
    level: Level,
    ctx: &mut Ctx,
) -> Result<i32> {
    let problem = Problem::read(problem_path)?;
    let target = output.map_or_else(|| default_certificate_path(problem_path), Path::to_path_buf);
    ensure_not_input(&target, problem_path)?;
    ensure_not_input(&fixed_point_path(&target), problem_path)?;
    let progress = ctx.progress();
    let done = certify_to_files(&problem, &target, force, level, &progress)?;
    progress.finish();
    if json {
        let report = certify_json(Some(problem_path), &problem, &done);
        writeln!(ctx.out, "{}", to_json_text(&report)?).map_err(io_err)?;
    } else if !ctx.quiet {
        write!(ctx.out, "{}", certify_text(&problem, &done)).map_err(io_err)?;
    }
    Ok(done_exit_code(&done))
}

/// What `check` found.
// One value per checked file: the size difference between the variants is irrelevant.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
#[non_exhaustive]
pub enum CheckOutcome {
    /// Accepted by the kernel.
    Valid {
        /// The certificate's format.
        format: &'static str,
        /// What it proves, about which subject.
        verdict: Verdict,
        /// The claim of a `piggyback-certificate` (for the JSON report).
        claim: Option<Claim>,
        /// A fixed-point certificate (for the JSON report).
        fixed_point: Option<Box<FixedPointCertificate>>,
        /// Level 2: `(field, SHA-256)` of the data files the verdict is about.
        data_files: Vec<(String, String)>,
    },
    /// Level 2 could not verify the claim at binary64 precision: not accepted.
    NotVerified {
        /// The step that could not be verified.
        step: String,
        /// Why.
        reason: String,
    },
    /// Rejected, malformed, not a map, or too large.
    Failed {
        /// The format the file claims, when recognised.
        format: Option<&'static str>,
        /// Why.
        failure: CheckFailure,
    },
}

impl CheckOutcome {
    /// The exit status: 0 valid, 4 a valid refutation, 1 rejected, 2 not verified at
    /// binary64 precision (level 2), 3 malformed, not a map, or too large to check
    /// within the budget.
    pub fn exit_code(&self) -> i32 {
        match self {
            CheckOutcome::NotVerified { .. } => EXIT_UNDECIDED,
            CheckOutcome::Valid { verdict, .. } if verdict.is_refutation() => EXIT_REFUTED,
            CheckOutcome::Valid { .. } => EXIT_OK,
            CheckOutcome::Failed { failure, .. } if failure.is_rejection() => EXIT_REJECTED,
            CheckOutcome::Failed { .. } => EXIT_INPUT,
        }
    }
}

/// Check the text of a certificate file with the trusted kernel (either format), with
/// the kernel's default work budget; a level-2 certificate goes to level 2, with data
/// files named relative to the current directory ([`check_certificate_at`]).
pub fn check_certificate(text: &str) -> CheckOutcome {
    check_certificate_at(text, Path::new("."))
}

/// The checker level of a certificate format: `"float"` for level 2, else `"exact"`.
pub fn level_of(format: &str) -> &'static str {
    if format == piggyback_kernel_fp::FORMAT {
        "float"
    } else {
        "exact"
    }
}

/// What a level trusts besides the mathematics.
pub fn trusts_of(level: &str) -> &'static str {
    if level == "float" {
        piggyback_kernel_fp::TRUSTS
    } else {
        "rug/GMP exact integer and rational arithmetic; serde_json and the kernel's number parser"
    }
}

/// [`check_certificate`] with level-2 data files named relative to `base` (the
/// certificate's directory).
pub fn check_certificate_at(text: &str, base: &Path) -> CheckOutcome {
    use piggyback_kernel::certificate::{format_of, FIXED_POINT_FORMAT, FORMAT};
    use piggyback_kernel_fp::FpFailure;
    let mut budget = piggyback_kernel::Budget::default();
    let format = match format_of(text) {
        Ok((f, _)) if f == piggyback_kernel_fp::FORMAT => {
            return match piggyback_kernel_fp::check_json(text, base) {
                Ok(v) => CheckOutcome::Valid {
                    format: piggyback_kernel_fp::FORMAT,
                    verdict: v.verdict,
                    claim: piggyback_kernel_fp::format::from_json(text)
                        .ok()
                        .map(|c| c.claim),
                    fixed_point: None,
                    data_files: v.data_files,
                },
                Err(FpFailure::NotVerified { step, reason }) => {
                    CheckOutcome::NotVerified { step, reason }
                }
                Err(FpFailure::Failed(failure)) => CheckOutcome::Failed {
                    format: Some(piggyback_kernel_fp::FORMAT),
                    failure,
                },
            };
        }
        Ok((f, _)) if f == FIXED_POINT_FORMAT => FIXED_POINT_FORMAT,
        Ok((f, _)) if f == FORMAT => FORMAT,
        Ok(_) | Err(_) => {
            let failure = piggyback_kernel::check_json(text)
                .err()
                .unwrap_or_else(|| CheckFailure::Malformed("unknown format".into()));
            return CheckOutcome::Failed {
                format: None,
                failure,
            };
        }
    };
    let result = if format == FIXED_POINT_FORMAT {
        certify::fixed_point_from_json(text).and_then(|c| {
            piggyback_kernel::fixed_point::check_fixed_point(&c, &mut budget)
                .map(|v| (v, None, Some(Box::new(c))))
        })
    } else {
        certify::from_json(text).and_then(|c| {
            piggyback_kernel::check::check(&c, &mut budget).map(|v| (v, Some(c.claim), None))
        })
    };
    match result {
        Ok((verdict, claim, fixed_point)) => CheckOutcome::Valid {
            format,
            verdict,
            claim,
            fixed_point,
            data_files: Vec::new(),
        },
        Err(failure) => CheckOutcome::Failed {
            format: Some(format),
            failure,
        },
    }
}

fn check_text(path: &Path, outcome: &CheckOutcome) -> String {
    let path = path.display();
    match outcome {
        CheckOutcome::Valid {
            verdict,
            format,
            data_files,
            ..
        } => {
            let level = level_of(format);
            let mut s = format!("{path}: VALID: {verdict}\n  checked by the {level} level");
            if level == "float" {
                s.push_str(" (level 2, verified floating point)");
                for (field, hash) in data_files {
                    let _ = write!(s, "\n  {field}: .npy file with SHA-256 {hash}");
                }
            }
            let _ = writeln!(s, "\n  trusts: {}", trusts_of(level));
            s
        }
        CheckOutcome::NotVerified { step, reason } => format!(
            "{path}: NOT VERIFIED at this precision (level 2, not accepted) at step '{step}': {reason}\n"
        ),
        CheckOutcome::Failed { failure, .. } => format!("{path}: INVALID: {failure}\n"),
    }
}

/// The `check --json` report of `outcome`; `path` is the certificate file, if any.
pub fn check_report(path: Option<&Path>, outcome: &CheckOutcome) -> CheckReport {
    let mut r = CheckReport {
        report: REPORT_FORMAT,
        version: REPORT_VERSION,
        command: "check",
        certificate: path.map(display_path),
        format: None,
        level: None,
        trusts: None,
        verdict: "valid",
        outcome: None,
        subject: None,
        statement: None,
        claim: None,
        fixed_point: None,
        failure: None,
        exit_code: outcome.exit_code(),
    };
    match outcome {
        CheckOutcome::Valid {
            format,
            verdict,
            claim,
            fixed_point,
            ..
        } => {
            r.format = Some(format);
            r.level = Some(level_of(format));
            r.trusts = Some(trusts_of(level_of(format)));
            r.outcome = Some(verdict_label(verdict));
            r.subject = Some(subject_label(verdict));
            r.statement = Some(verdict.to_string());
            r.claim = claim.clone();
            r.fixed_point = fixed_point.as_deref().map(FixedPointSummary::from);
        }
        CheckOutcome::NotVerified { step, reason } => {
            r.format = Some(piggyback_kernel_fp::FORMAT);
            r.level = Some("float");
            r.trusts = Some(piggyback_kernel_fp::TRUSTS);
            r.verdict = "not_verified";
            r.failure = Some(format!(
                "not verified at this precision at step '{step}': {reason}"
            ));
        }
        CheckOutcome::Failed { format, failure } => {
            r.format = *format;
            r.level = format.map(level_of);
            r.verdict = match failure {
                CheckFailure::Rejected { .. } => "rejected",
                CheckFailure::TooLarge(_) => "too_large",
                CheckFailure::InvalidProblem(_) => "not_a_map",
                _ => "malformed",
            };
            r.failure = Some(failure.to_string());
        }
    }
    r
}

/// `piggyback check`.
pub(crate) fn cmd_check(
    path: &Path,
    output: Option<&Path>,
    json: bool,
    force: bool,
    ctx: &mut Ctx,
) -> Result<i32> {
    if let Some(o) = output {
        ensure_not_input(o, path)?;
        ensure_writable(&[o], force)?;
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path.display(), &e))?;
    let progress = ctx.progress();
    progress.step("checking the certificate (exact kernel, or level 2 by its format)");
    let base = path.parent().unwrap_or(Path::new("."));
    let outcome = check_certificate_at(&text, base);
    progress.finish();
    let rendered = if json {
        format!("{}\n", to_json_text(&check_report(Some(path), &outcome))?)
    } else {
        check_text(path, &outcome)
    };
    emit(ctx, output, json, &rendered)?;
    Ok(outcome.exit_code())
}

/// What `solve` found: the f64 estimates and what interval arithmetic proved.
#[derive(Debug)]
pub struct SolveReport {
    /// f64 fixed point.
    pub x: Vec<f64>,
    /// f64 derivative `∂x̄/∂θ` (AID by dense solve with the map's AD convention).
    pub jacobian: Matrix<f64>,
    /// Iterations of the f64 fixed-point iteration (coordinate-descent epochs for
    /// LASSO / elastic net).
    pub iterations: usize,
    /// The proof, or why it could not be made.
    pub proof: std::result::Result<SolveProof, Error>,
    /// Wall time of the f64 solve and derivative, in seconds.
    pub solve_seconds: f64,
    /// Wall time of the proof, in seconds.
    pub proof_seconds: f64,
}

impl SolveReport {
    /// The exit status: 0 proved, 2 not proved.
    pub fn exit_code(&self) -> i32 {
        if self.proof.is_ok() {
            EXIT_OK
        } else {
            EXIT_UNDECIDED
        }
    }
}

/// What interval arithmetic proved about a solve.
#[derive(Debug)]
pub struct SolveProof {
    /// A box containing the unique fixed point.
    pub x: Vec<Interval>,
    /// Contraction bound on the proof domain and its norm (interval proofs; `None` for
    /// the LASSO / elastic-net proof, which rests on strong convexity instead).
    pub rho: Option<(f64, crate::linalg::norms::Norm)>,
    /// How the proof was made and what it trusts (one line).
    pub method: String,
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
    solve_with_progress(problem, &Progress::hidden())
}

/// The f64 inner solve of `solve` and `certify`: up to a million steps to `tol` (∞-norm).
fn inner_solve(tol: f64) -> crate::diff::IterOptions {
    crate::diff::IterOptions {
        max_iter: 1_000_000,
        tol,
        ..Default::default()
    }
}

fn solve_with_progress(problem: &Problem, progress: &Progress) -> Result<SolveReport> {
    if let Some(input) = problem.enet_input()? {
        return solve_enet(input, progress);
    }
    problem.check_size(Purpose::Solve)?;
    let t = std::time::Instant::now();
    progress.step("f64 fixed-point iteration");
    let map = problem.build_map::<f64>()?;
    let theta = problem.theta::<f64>()?;
    let (n, _) = map.dims();
    let x0 = problem.x0::<f64>(n)?;
    let iteration = crate::diff::fixed_point::FixedPointIteration::new(
        map.as_ref(),
        &x0,
        &theta,
        crate::linalg::norms::Norm::Inf,
    )?;
    let mut watch = progress.observer();
    let solved = crate::diff::Driver::new(&inner_solve(1e-14))
        .observe(&mut watch)
        .run(iteration)?;
    let (x, iterations) = (solved.x, solved.report.iterations);
    progress.step("f64 derivative (implicit, dense solve)");
    let mut lin = map.linearize(&x, &theta)?;
    let m = theta.len();
    let jacobian = crate::diff::aid::solve_dense(lin.as_mut(), &Matrix::identity(m))?.derivative;
    let solve_seconds = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let proof = prove(problem, &x, &jacobian, progress);
    Ok(SolveReport {
        x,
        jacobian,
        iterations,
        proof,
        solve_seconds,
        proof_seconds: t.elapsed().as_secs_f64(),
    })
}

/// LASSO / elastic net: the fast f64 engine (coordinate descent + restricted implicit
/// formula) and its verified-floating-point proof ([`crate::certify::enet_proof`]), on
/// f64 data of any size (docs/mathematics.md scaling `s = 1`).
fn solve_enet(input: crate::io::problem::EnetInput, progress: &Progress) -> Result<SolveReport> {
    use crate::certify::enet_proof::{solve_and_prove_observed, SolveOptions};
    progress.step(
        "f64 coordinate descent and restricted derivative, then verified floating-point proof",
    );
    let m = if input.elastic { 2 } else { 1 };
    let enet = crate::diff::enet::Enet::from_col_major(input.n, input.p, input.x, input.y, 1.0)?;
    let opts = SolveOptions {
        cd: crate::diff::enet::CdOptions {
            tol: 1e-12,
            ..Default::default()
        },
        ..Default::default()
    };
    let run = solve_and_prove_observed(
        &enet,
        input.data,
        input.lambda1,
        input.lambda2,
        input.x0.as_deref(),
        &opts,
        &mut |k, g| {
            if g <= 1.0 {
                progress.step("restricted derivative, then verified floating-point proof");
            } else {
                progress.iteration_of("coordinate descent", k, "duality gap / target", g);
            }
        },
    )?;
    let jacobian = Matrix::from_fn(input.p, m, |i, j| run.jacobian[(i, j)]);
    let proof = match &run.proof {
        Ok(p) => {
            let hull = p.jacobian_hull();
            let mut nonzero = vec![Some(false); input.p];
            p.support.iter().for_each(|&j| nonzero[j] = Some(true));
            p.undecided.iter().for_each(|&j| nonzero[j] = None);
            // The box holds w*; widened to hold the f64 solution too, so that its width
            // also bounds the f64 error.
            let x = p
                .solution_box()
                .iter()
                .zip(&run.solution.w)
                .map(|(b, &w)| {
                    b.convex_hull(Interval::try_from((w, w)).unwrap_or(Interval::ENTIRE))
                })
                .collect();
            Ok(SolveProof {
                x,
                rho: None,
                method: format!(
                    "verified floating point: strong convexity μ ≥ {:.3e} ({}), KKT residual ≤ {:.2e}, smallest margin {:.2e}; trusts {}",
                    p.curvature, p.curvature_method, p.kkt_residual, p.min_margin, p.trusts
                ),
                nonzero,
                single_valued: p.single_valued,
                derivative: Matrix::from_fn(input.p, m, |i, j| hull[(i, j)]),
                error_bound: (
                    run.error_bound.unwrap_or(f64::INFINITY),
                    crate::linalg::norms::Norm::Max,
                ),
            })
        }
        Err(f) => Err(Error::CouldNotVerify {
            reason: f.to_string(),
        }),
    };
    Ok(SolveReport {
        x: run.solution.w,
        jacobian,
        iterations: run.solution.epochs,
        proof,
        solve_seconds: run.solve_seconds,
        proof_seconds: run.proof_seconds,
    })
}

fn prove(
    problem: &Problem,
    x: &[f64],
    jacobian: &Matrix<f64>,
    progress: &Progress,
) -> Result<SolveProof> {
    use crate::certify::{enclosure, fixed_point};
    progress.step("proof: a box holding the unique fixed point");
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
    progress.step("proof: enclosure of every AD derivative");
    let d = fixed_point::enclose_derivative(map.as_ref(), &e, &theta, 100)?;
    progress.step("proof: error bound of the f64 derivative");
    let (a, b) = fixed_point::jacobian_hull(map.as_ref(), &e.x, &theta)?;
    let error_bound = enclosure::derivative_error_bound(&a, &b, jacobian)?;
    Ok(SolveProof {
        x: e.x,
        rho: Some((e.rho, e.norm)),
        method: "interval arithmetic (inari): contraction of the map on a box".into(),
        nonzero,
        single_valued: e.single_valued,
        derivative: d.j,
        error_bound,
    })
}

fn solve_text(problem: &Problem, r: &SolveReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", problem.name());
    let _ = writeln!(
        s,
        "  f64: solution after {} iterations ({:.3e} s; proof {:.3e} s)",
        r.iterations, r.solve_seconds, r.proof_seconds
    );
    // Every coordinate of small problems; the first nonzero ones of large problems.
    let big = r.x.len() > 50;
    let shown: Vec<usize> = if big {
        (0..r.x.len()).filter(|&i| r.x[i] != 0.0).take(20).collect()
    } else {
        (0..r.x.len()).collect()
    };
    for &i in &shown {
        let xi = r.x[i];
        let row: Vec<String> = (0..r.jacobian.cols())
            .map(|j| format!("{:+.6e}", r.jacobian[(i, j)]))
            .collect();
        let _ = writeln!(s, "    x[{i}] = {xi:+.10e}   dx/dθ = [{}]", row.join(", "));
    }
    if big {
        let nz = r.x.iter().filter(|v| **v != 0.0).count();
        let _ = writeln!(
            s,
            "    … {} more nonzero and {} zero coordinates (--json lists all)",
            nz - shown.len(),
            r.x.len() - nz
        );
    }
    match &r.proof {
        Ok(p) => {
            let width = p.x.iter().map(|v| v.wid()).fold(0.0, f64::max);
            let _ = writeln!(s, "  PROVED ({}):", p.method);
            match p.rho {
                Some((rho, norm)) => {
                    let _ = writeln!(
                        s,
                        "    unique fixed point in a box of width {width:.3e}; contraction ρ ≤ {rho:.6} ({norm}-norm)"
                    );
                }
                None => {
                    let _ = writeln!(s, "    unique solution in a box of width {width:.3e}");
                }
            }
            let (nz, z) = (
                p.nonzero.iter().filter(|v| **v == Some(true)).count(),
                p.nonzero.iter().filter(|v| **v == Some(false)).count(),
            );
            let _ = writeln!(
                s,
                "    {nz} coordinates proven nonzero, {z} proven zero, {} undecided",
                p.nonzero.len() - nz - z
            );
            let _ = writeln!(
                s,
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
            );
            let _ = writeln!(
                s,
                "    the f64 derivative is within {:.3e} ({}-norm) of that set",
                p.error_bound.0, p.error_bound.1
            );
        }
        Err(e) => {
            let _ = writeln!(s, "  NOT PROVED: {e}");
        }
    }
    s
}

fn interval_pair(v: &Interval) -> [Option<f64>; 2] {
    [finite(v.inf()), finite(v.sup())]
}

/// The `solve --json` report of `r`; `problem_path` is the problem file, if any.
pub fn solve_report(problem_path: Option<&Path>, problem: &Problem, r: &SolveReport) -> SolveJson {
    let jac = &r.jacobian;
    SolveJson {
        report: REPORT_FORMAT,
        version: REPORT_VERSION,
        command: "solve",
        problem: problem_path.map(display_path),
        name: problem.name(),
        iterations: r.iterations,
        x: r.x.iter().map(|&v| finite(v)).collect(),
        jacobian: (0..jac.rows())
            .map(|i| (0..jac.cols()).map(|j| finite(jac[(i, j)])).collect())
            .collect(),
        proved: r.proof.is_ok(),
        proof: r.proof.as_ref().ok().map(|p| ProofJson {
            x: p.x.iter().map(interval_pair).collect(),
            rho: p.rho.and_then(|r| finite(r.0)),
            rho_norm: p.rho.map(|r| r.1.name()),
            method: p.method.clone(),
            nonzero: p.nonzero.clone(),
            single_valued: p.single_valued,
            derivative: (0..p.derivative.rows())
                .map(|i| {
                    (0..p.derivative.cols())
                        .map(|j| interval_pair(&p.derivative[(i, j)]))
                        .collect()
                })
                .collect(),
            error_bound: finite(p.error_bound.0),
            error_norm: p.error_bound.1.name(),
        }),
        not_proved: r.proof.as_ref().err().map(ToString::to_string),
        solve_seconds: r.solve_seconds,
        proof_seconds: r.proof_seconds,
        exit_code: r.exit_code(),
    }
}

/// `piggyback solve`.
pub(crate) fn cmd_solve(
    problem_path: &Path,
    output: Option<&Path>,
    json: bool,
    force: bool,
    ctx: &mut Ctx,
) -> Result<i32> {
    if let Some(o) = output {
        ensure_not_input(o, problem_path)?;
        ensure_writable(&[o], force)?;
    }
    let problem = Problem::read(problem_path)?;
    let progress = ctx.progress();
    let r = solve_with_progress(&problem, &progress)?;
    progress.finish();
    let rendered = if json {
        format!(
            "{}\n",
            to_json_text(&solve_report(Some(problem_path), &problem, &r))?
        )
    } else {
        solve_text(&problem, &r)
    };
    emit(ctx, output, json, &rendered)?;
    Ok(r.exit_code())
}

/// Send a rendered report to `output` (a file) or to stdout (JSON always, text unless
/// quiet).
fn emit(ctx: &mut Ctx, output: Option<&Path>, json: bool, rendered: &str) -> Result<()> {
    match output {
        Some(path) => {
            write_file(path, rendered.as_bytes())?;
            if !ctx.quiet {
                writeln!(ctx.err, "report written to {}", path.display()).map_err(io_err)?;
            }
        }
        None if json || !ctx.quiet => write!(ctx.out, "{rendered}").map_err(io_err)?,
        None => {}
    }
    Ok(())
}

fn to_json_text<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value).map_err(|e| Error::Io {
        action: "serialise",
        path: "the report".into(),
        kind: std::io::ErrorKind::Other,
        message: e.to_string(),
    })
}

/// The built-in example problems certified by the demo: `(file name, JSON text)`.
pub fn builtin_examples() -> Vec<(&'static str, String)> {
    vec![
        (
            "heavy_ball.json",
            include_str!("../../examples/problems/heavy_ball.json").to_string(),
        ),
        (
            "relu_layer.json",
            include_str!("../../examples/problems/relu_layer.json").to_string(),
        ),
        (
            "elastic_net.json",
            include_str!("../../examples/problems/elastic_net.json").to_string(),
        ),
        (
            "clarke.json",
            include_str!("../../examples/problems/clarke.json").to_string(),
        ),
    ]
}

/// The demo's LASSO problem and its data files, as paths relative to the demo
/// directory (the problem refers to its data as `../data/…`).
fn demo_lasso_files() -> [(&'static str, &'static str); 3] {
    [
        (
            "problems/lasso.json",
            include_str!("../../examples/problems/lasso.json"),
        ),
        (
            "data/lasso_X.csv",
            include_str!("../../examples/data/lasso_X.csv"),
        ),
        (
            "data/lasso_y.csv",
            include_str!("../../examples/data/lasso_y.csv"),
        ),
    ]
}

/// Where `demo` draws the picture of `kind`: `DIR/figures/KIND.png`.
fn demo_picture_path(dir: &Path, kind: super::plot::PlotKind) -> PathBuf {
    dir.join("figures").join(format!("{}.png", kind.name()))
}

/// `piggyback demo`: write the example problems and data into `dir`, certify each,
/// re-check every certificate, solve the LASSO, and draw the three pictures of
/// `plot` into `dir/figures/`. Exit 0 when every certificate was re-checked valid
/// (refutations included: they are the expected results) and the LASSO solve was
/// proved.
pub(crate) fn cmd_demo(dir: &Path, force: bool, ctx: &mut Ctx) -> Result<i32> {
    let examples = builtin_examples();
    let mut inputs: Vec<(PathBuf, &str)> = examples
        .iter()
        .map(|(name, text)| (dir.join("problems").join(name), text.as_str()))
        .collect();
    inputs.extend(
        demo_lasso_files()
            .iter()
            .map(|(rel, text)| (dir.join(rel), *text)),
    );
    let mut outputs: Vec<PathBuf> = inputs.iter().map(|(p, _)| p.clone()).collect();
    for (name, _) in &examples {
        let target = dir.join(name.replace(".json", ".cert.json"));
        outputs.push(fixed_point_path(&target));
        outputs.push(target);
    }
    let pictures: Vec<(super::plot::PlotKind, PathBuf)> = super::plot::PlotKind::ALL
        .iter()
        .map(|k| (*k, demo_picture_path(dir, *k)))
        .collect();
    outputs.extend(pictures.iter().map(|(_, p)| p.clone()));
    let refs: Vec<&Path> = outputs.iter().map(PathBuf::as_path).collect();
    ensure_writable(&refs, force)?;
    for sub in ["problems", "data", "figures"] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).map_err(|e| Error::io("create", d.display(), &e))?;
    }
    for (path, text) in &inputs {
        write_file(path, text.as_bytes())?;
    }
    let mut say = String::new();
    let _ = writeln!(
        say,
        "piggyback demo: certify the built-in problems, then re-check every certificate\n"
    );
    let mut worst = EXIT_OK;
    let progress = ctx.progress();
    for (name, _) in &examples {
        let problem = Problem::read(&dir.join("problems").join(name))?;
        let target = dir.join(name.replace(".json", ".cert.json"));
        progress.step(format!("certify {name}"));
        let done = certify_to_files(&problem, &target, force, Level::Exact, &progress)?;
        say.push_str(&certify_text(&problem, &done));
        if matches!(done.outcome, Outcome::Undecided(_)) {
            worst = worst.max(EXIT_UNDECIDED);
        }
        let mut written: Vec<PathBuf> = done.target.iter().cloned().collect();
        written.extend(done.fixed_point.iter().filter_map(|(p, _, _)| p.clone()));
        if matches!(done.outcome, Outcome::Certified(_)) {
            for file in written {
                progress.step(format!("check {}", file.display()));
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| Error::io("read", file.display(), &e))?;
                let outcome = check_certificate(&text);
                say.push_str(&check_text(&file, &outcome));
                let code = outcome.exit_code();
                if code != EXIT_OK && code != EXIT_REFUTED {
                    worst = worst.max(code);
                }
            }
        }
        say.push('\n');
    }
    let _ = writeln!(
        say,
        "production path: f64 solve and derivative, then their proof"
    );
    let lasso_path = dir.join("problems/lasso.json");
    let lasso = Problem::read(&lasso_path)?;
    let r = solve_with_progress(&lasso, &progress)?;
    say.push_str(&solve_text(&lasso, &r));
    worst = worst.max(r.exit_code());
    let _ = writeln!(say, "\npictures (piggyback plot KIND)");
    for (kind, path) in &pictures {
        progress.step(format!("picture {}", kind.name()));
        let pic = super::plot::write_picture(*kind, &Default::default(), path, true)?;
        say.push_str(&super::plot::picture_text(*kind, path, &pic));
    }
    progress.finish();
    if !ctx.quiet {
        write!(ctx.out, "{say}").map_err(io_err)?;
    }
    Ok(worst)
}
