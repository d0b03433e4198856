//! The `piggyback` command line: `certify`, `check`, `solve`, `plot`, `demo`.
//!
//! Everything is in the library so that every command is testable: [`run`] takes the
//! arguments and the two output streams and returns the exit status;
//! `src/bin/piggyback.rs` only forwards `argv`, stdout and stderr (and says whether
//! stderr is a terminal, for the progress display).
//!
//! Conventions (each one has a test in `tests/cli.rs`):
//! - `--help` on every command, `--version`; unknown flags are refused (exit 3);
//! - reports go to stdout, errors and progress to stderr; `--quiet` keeps only errors
//!   (and the JSON asked for with `--json`);
//! - `certify`, `check` and `solve` print a JSON report with `--json` (schema in
//!   `docs/cli.md`; exact numbers are `"p/q"` strings, f64 numbers are JSON numbers in
//!   shortest round-trip form, so nothing is lost);
//! - every command that writes takes `-o`; an existing file is never replaced unless
//!   `--force` is given (the command then fails with exit 3 before writing anything);
//! - exit status: [`EXIT_OK`], [`EXIT_REJECTED`], [`EXIT_UNDECIDED`], [`EXIT_INPUT`],
//!   [`EXIT_REFUTED`].

mod commands;
pub mod plot;
pub mod progress;
pub mod report;

pub use commands::{
    builtin_examples, certify_in_memory, certify_problem, check_certificate, check_certificate_at,
    check_report, fixed_point_certificate, fixed_point_path, level_of, outcome_exit_code,
    solve_problem, solve_report, subject_label, trusts_of, verdict_label, Certified, CertifyResult,
    CheckOutcome, Level, Outcome, SolveProof, SolveReport,
};

use crate::error::{Error, Result};
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Exit status: success — a contraction (or fixed-point, or invertibility) certificate
/// was written and checked, a checked certificate is valid, or `solve` proved
/// everything it reports.
pub const EXIT_OK: i32 = 0;
/// Exit status: a certificate was rejected by the checker (its claim was not verified).
pub const EXIT_REJECTED: i32 = 1;
/// Exit status: nothing could be proved or refuted (undecided — never "false"), or a
/// computation failed on valid input (no convergence, a singular system).
pub const EXIT_UNDECIDED: i32 = 2;
/// Exit status: bad input — unreadable or malformed file, bad arguments, an output
/// file that exists without `--force`.
pub const EXIT_INPUT: i32 = 3;
/// Exit status: a refutation was written and checked, or a checked certificate is a
/// valid refutation — of the map, of its conservative field or of a written family
/// (the verdict says which; only a refutation of the map says the map contracts in no
/// norm).
pub const EXIT_REFUTED: i32 = 4;

const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  ok: proved (certificate written and checked, certificate valid, solve proved);
     plot: the picture was written
  1  rejected: the checker rejected a certificate
  2  undecided: neither proved nor refuted (never means false), a level-2 certificate
     not verified at binary64 precision, or the f64 solve failed on valid input (no
     convergence, singular I − A)
  3  bad input: unreadable or malformed file, bad arguments, output exists without --force,
     a problem that is not a map, or input too large for the work budget
  4  refuted: a checked refutation (of the map, of its conservative field, or of a
     written family: the verdict names its subject)";

/// Certified nonsmooth implicit differentiation: prove (or refute) that a fixed-point
/// map contracts, re-check certificates in exact arithmetic, and solve with a proof.
#[derive(Debug, Parser)]
#[command(
    name = "piggyback",
    version,
    propagate_version = true,
    arg_required_else_help = true,
    after_help = EXIT_STATUS_HELP,
    max_term_width = 100
)]
struct Cli {
    /// Print only errors (and the JSON report asked for with --json); no progress display.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Prove that the problem's map contracts (a checked certificate), or refute it.
    ///
    /// Writes the certificate (a contraction bound, or a refutation: a product of
    /// Jacobian vertices with spectral radius > 1). For `lasso` and `elastic_net`
    /// problems it also writes a fixed-point certificate (a ball around the solution,
    /// proven signs and the exact derivative in λ₁) next to it, named
    /// STEM.fixed-point.cert.json.
    #[command(after_help = EXIT_STATUS_HELP)]
    Certify(CertifyArgs),
    /// Re-verify a certificate: in exact rational arithmetic (no f64, no solver), or, for
    /// a level-2 certificate (format piggyback-fp-certificate), in verified floating point.
    ///
    /// Prints the verdict with its subject (a written family, the conservative field of
    /// the embedded problem, or its map), the level that checked it and what that level
    /// trusts. Exit 0 if it is valid (a contraction, a norm bound, a fixed point or an
    /// invertibility); 4 if it is a valid refutation; 1 if it is rejected; 2 if level 2
    /// could not verify it at binary64 precision (not accepted); 3 if it is malformed,
    /// its problem is not a map, or it is too large for the work budget.
    #[command(after_help = EXIT_STATUS_HELP)]
    Check(CheckArgs),
    /// Solve in f64 (fixed point and derivative ∂x̄/∂θ), then prove in interval arithmetic.
    ///
    /// The proof: a box holding the unique fixed point, the coordinates proven nonzero
    /// or zero, a box holding every derivative any AD system could return, and a bound
    /// on the distance of the f64 derivative to that set. Exit 0 when proved, 2 when
    /// the proof could not be made (the f64 results are still reported).
    #[command(after_help = EXIT_STATUS_HELP)]
    Solve(SolveArgs),
    /// Draw a picture (SVG or PNG, by the extension of -o) and print the numbers behind it.
    ///
    /// Kinds: itd-aid (hypergradient error of ITD and AID-FP against iterations, with
    /// proven error bands), heavy-ball (the set-valued piggyback iterates of heavy ball
    /// at its kink diverge while each single Jacobian's recursion converges),
    /// hypergrad-path (validation loss over (log λ₁, log λ₂) with the path of
    /// hypergradient descent). docs/cli.md describes each picture.
    #[command(after_help = EXIT_STATUS_HELP)]
    Plot(PlotArgs),
    /// Run the built-in examples: certify each, re-check every certificate, solve a LASSO,
    /// draw the three pictures of `plot`.
    ///
    /// Writes the example problems, their data, the certificates and the pictures
    /// (DIR/figures/*.png) into the output directory.
    #[command(after_help = EXIT_STATUS_HELP)]
    Demo(DemoArgs),
}

/// Arguments of `piggyback plot`.
#[derive(Debug, Args)]
struct PlotArgs {
    /// Which picture.
    #[arg(value_enum)]
    kind: plot::PlotKind,
    /// Picture file, .svg or .png [default: KIND.svg].
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print the report as JSON (schema in docs/cli.md).
    #[arg(long)]
    json: bool,
    /// Replace an existing picture file.
    #[arg(short, long)]
    force: bool,
    /// Seed of the built-in data (itd-aid, hypergrad-path) [default: 3].
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Iterations (itd-aid [default: 300], heavy-ball [default: 200]).
    #[arg(long, value_name = "T")]
    iterations: Option<usize>,
    /// Also draw AID-CG and AID-GMRES (itd-aid).
    #[arg(long)]
    all_methods: bool,
    /// Extreme points kept per step by the set-valued recursion (heavy-ball) [default: 64].
    #[arg(long, value_name = "N")]
    keep: Option<usize>,
    /// Accepted steps of hypergradient descent (hypergrad-path) [default: 20].
    #[arg(long, value_name = "N")]
    steps: Option<usize>,
    /// Grid points per axis of the heat map (hypergrad-path) [default: 40].
    #[arg(long, value_name = "N")]
    grid: Option<usize>,
    /// A lasso or elastic_net problem file instead of the built-in data (hypergrad-path;
    /// every third row is held out for validation).
    #[arg(long, value_name = "PROBLEM")]
    problem: Option<PathBuf>,
}

/// Arguments of `piggyback certify`.
#[derive(Debug, Args)]
struct CertifyArgs {
    /// Problem file (JSON; the format is described in docs/problem-format.md).
    problem: PathBuf,
    /// Certificate file [default: the problem file with extension .cert.json].
    #[arg(short, long, value_name = "CERT")]
    output: Option<PathBuf>,
    /// Print the report as JSON (schema in docs/cli.md).
    #[arg(long)]
    json: bool,
    /// Replace existing output files.
    #[arg(short, long)]
    force: bool,
    /// Checker level: the exact kernel, level 2 (verified floating point; spectral-norm
    /// bounds of lasso, elastic_net and relu_layer maps at scale), or auto (exact when
    /// the problem fits its budget, level 2 otherwise).
    #[arg(long, value_enum, default_value = "auto")]
    level: commands::Level,
}

/// Arguments of `piggyback check`.
#[derive(Debug, Args)]
struct CheckArgs {
    /// Certificate file written by `piggyback certify`.
    certificate: PathBuf,
    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print the report as JSON (schema in docs/cli.md).
    #[arg(long)]
    json: bool,
    /// Replace an existing report file.
    #[arg(short, long)]
    force: bool,
}

/// Arguments of `piggyback solve`.
#[derive(Debug, Args)]
struct SolveArgs {
    /// Problem file (JSON; the format is described in docs/problem-format.md).
    problem: PathBuf,
    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print the report as JSON (schema in docs/cli.md).
    #[arg(long)]
    json: bool,
    /// Replace an existing report file.
    #[arg(short, long)]
    force: bool,
}

/// Arguments of `piggyback demo`.
#[derive(Debug, Args)]
struct DemoArgs {
    /// Directory for the example problems, their data and the certificates.
    #[arg(short, long, value_name = "DIR", default_value = "target/demo")]
    output: PathBuf,
    /// Replace files left by an earlier run.
    #[arg(short, long)]
    force: bool,
}

/// Where a command's output goes, and how much of it.
pub(crate) struct Ctx<'a> {
    /// Reports.
    pub out: &'a mut dyn Write,
    /// Errors and notes.
    pub err: &'a mut dyn Write,
    /// `--quiet`: no human-readable report, no notes, no progress.
    pub quiet: bool,
    /// Draw the progress display on the process's stderr.
    pub progress: bool,
}

impl Ctx<'_> {
    /// A progress display, hidden unless enabled and not quiet.
    pub fn progress(&self) -> progress::Progress {
        progress::Progress::new(self.progress && !self.quiet)
    }
}

/// Run the command line with `args` (without the program name), writing reports to
/// `out` and errors to `err`; returns the exit status. No progress display is drawn.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    run_with_progress(args, out, err, false)
}

/// As [`run`]; `progress` allows the progress display on the process's stderr (the
/// binary passes "stderr is a terminal"; `--quiet` still turns it off).
pub fn run_with_progress(
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
    progress: bool,
) -> i32 {
    let argv = std::iter::once("piggyback".to_string()).chain(args.iter().cloned());
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e, out, err),
    };
    let mut ctx = Ctx {
        out,
        err,
        quiet: cli.quiet,
        progress,
    };
    let result = match &cli.command {
        Command::Certify(a) => commands::cmd_certify(
            &a.problem,
            a.output.as_deref(),
            a.json,
            a.force,
            a.level,
            &mut ctx,
        ),
        Command::Check(a) => commands::cmd_check(
            &a.certificate,
            a.output.as_deref(),
            a.json,
            a.force,
            &mut ctx,
        ),
        Command::Solve(a) => {
            commands::cmd_solve(&a.problem, a.output.as_deref(), a.json, a.force, &mut ctx)
        }
        Command::Plot(a) => {
            let opts = plot::PlotOptions {
                seed: a.seed,
                iterations: a.iterations,
                all_methods: a.all_methods,
                keep: a.keep,
                steps: a.steps,
                grid: a.grid,
                problem: a.problem.clone(),
            };
            plot::cmd_plot(
                a.kind,
                a.output.as_deref(),
                &opts,
                a.json,
                a.force,
                &mut ctx,
            )
        }
        Command::Demo(a) => commands::cmd_demo(&a.output, a.force, &mut ctx),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(ctx.err, "error: {e}");
            error_exit_code(&e)
        }
    }
}

/// The exit status of a command that failed with `e`: [`EXIT_UNDECIDED`] when a
/// computation could not be completed on valid input (no convergence, a singular
/// system, an inconclusive verification), [`EXIT_INPUT`] otherwise.
pub fn error_exit_code(e: &Error) -> i32 {
    if e.is_input() {
        EXIT_INPUT
    } else {
        EXIT_UNDECIDED
    }
}

/// Help and version go to stdout with status 0; usage errors (and help shown because
/// nothing was asked) to stderr with [`EXIT_INPUT`].
fn clap_exit(e: &clap::Error, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    use clap::error::ErrorKind;
    let text = e.render().to_string();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = write!(out, "{text}");
            EXIT_OK
        }
        _ => {
            let _ = write!(err, "{text}");
            EXIT_INPUT
        }
    }
}

/// Refuse to replace existing files unless `force`: checked for every path before
/// anything is written, so a refused command writes nothing.
pub(crate) fn ensure_writable(paths: &[&Path], force: bool) -> Result<()> {
    if force {
        return Ok(());
    }
    match paths.iter().find(|p| p.exists()) {
        Some(p) => Err(Error::Io {
            action: "overwrite",
            path: p.display().to_string(),
            kind: std::io::ErrorKind::AlreadyExists,
            message: "it exists; refusing to overwrite it (use --force to replace it)".into(),
        }),
        None => Ok(()),
    }
}

/// Refuse an output path that names the input file itself (even with `--force`: a
/// problem or certificate is never replaced by a report).
pub(crate) fn ensure_not_input(output: &Path, input: &Path) -> Result<()> {
    let same = match (output.canonicalize(), input.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(Error::parameter(
            "-o",
            output.display(),
            "a file other than the input (it names the input file)",
        ));
    }
    Ok(())
}

/// Write a whole file (after [`ensure_writable`]).
pub(crate) fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    std::fs::write(path, contents).map_err(|e| Error::io("write", path.display(), &e))
}

/// A failed write to stdout/stderr (e.g. a closed pipe).
pub(crate) fn io_err(e: std::io::Error) -> Error {
    Error::io("write", "the report", &e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hides_the_progress_display() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let ctx = Ctx {
            out: &mut out,
            err: &mut err,
            quiet: true,
            progress: true,
        };
        assert!(!ctx.progress().is_visible());
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
