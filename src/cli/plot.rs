//! `piggyback plot KIND`: the pictures of [`crate::experiments::pictures`], written as
//! SVG or PNG (by the extension of `-o`), with a text (or `--json`) report of the
//! numbers behind them.

use super::report::{finite, REPORT_FORMAT, REPORT_VERSION};
use super::{ensure_writable, io_err, Ctx, EXIT_OK};
use crate::diff::enet::Enet;
use crate::diff::hypergrad::SquaredError;
use crate::error::{Error, Result};
use crate::experiments::deterministic::run_figure1;
use crate::experiments::pictures::{
    heavy_ball_charts, heavy_ball_run, hypergrad_chart, hypergrad_landscape, itd_aid_chart,
    itd_aid_spec, EnetTask,
};
use crate::io::problem::Problem;
use crate::linalg::Matrix;
use crate::plot::{write_figure, Figure, Format, Panel};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The pictures `piggyback plot` draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlotKind {
    /// Hypergradient error of ITD and AID-FP against iterations on a small elastic net
    /// (Figure 1 of the paper), with proven error bands.
    ItdAid,
    /// Heavy ball at its kink: the set-valued piggyback iterates diverge while each
    /// single Jacobian's recursion converges.
    HeavyBall,
    /// Validation loss over (log λ₁, log λ₂) with the path of hypergradient descent.
    HypergradPath,
}

impl PlotKind {
    /// The kind's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            PlotKind::ItdAid => "itd-aid",
            PlotKind::HeavyBall => "heavy-ball",
            PlotKind::HypergradPath => "hypergrad-path",
        }
    }
    /// The default output file: `KIND.svg`.
    pub fn default_output(self) -> PathBuf {
        PathBuf::from(format!("{}.svg", self.name()))
    }
    /// Every kind, in the order of the demo.
    pub const ALL: [PlotKind; 3] = [
        PlotKind::ItdAid,
        PlotKind::HeavyBall,
        PlotKind::HypergradPath,
    ];
}

/// The options of one picture (`None`: the kind's default; a flag given for a kind it
/// does not apply to is refused).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlotOptions {
    /// Seed of the built-in data (`itd-aid`, `hypergrad-path`).
    pub seed: Option<u64>,
    /// Iterations (`itd-aid`: 300, `heavy-ball`: 200).
    pub iterations: Option<usize>,
    /// Also draw AID-CG and AID-GMRES (`itd-aid`).
    pub all_methods: bool,
    /// Extreme points kept per step by the set-valued recursion (`heavy-ball`: 64).
    pub keep: Option<usize>,
    /// Accepted descent steps (`hypergrad-path`: 20).
    pub steps: Option<usize>,
    /// Grid points per axis of the heat map (`hypergrad-path`: 40).
    pub grid: Option<usize>,
    /// A `lasso` / `elastic_net` problem file instead of the built-in data
    /// (`hypergrad-path`).
    pub problem: Option<PathBuf>,
}

impl PlotOptions {
    /// Refuse flags that do not apply to `kind`.
    fn check(&self, kind: PlotKind) -> Result<()> {
        let given: [(&str, bool, &[PlotKind]); 7] = [
            (
                "--seed",
                self.seed.is_some(),
                &[PlotKind::ItdAid, PlotKind::HypergradPath],
            ),
            (
                "--iterations",
                self.iterations.is_some(),
                &[PlotKind::ItdAid, PlotKind::HeavyBall],
            ),
            ("--all-methods", self.all_methods, &[PlotKind::ItdAid]),
            ("--keep", self.keep.is_some(), &[PlotKind::HeavyBall]),
            ("--steps", self.steps.is_some(), &[PlotKind::HypergradPath]),
            ("--grid", self.grid.is_some(), &[PlotKind::HypergradPath]),
            (
                "--problem",
                self.problem.is_some(),
                &[PlotKind::HypergradPath],
            ),
        ];
        for (flag, present, kinds) in given {
            if present && !kinds.contains(&kind) {
                let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                return Err(Error::Unsupported {
                    what: format!(
                        "{flag} applies to {} only, not to {}",
                        names.join(" and "),
                        kind.name()
                    ),
                });
            }
        }
        if self.seed.is_some() && self.problem.is_some() {
            return Err(Error::Unsupported {
                what: "--seed chooses the built-in data; it cannot be combined with --problem"
                    .into(),
            });
        }
        // (flag, value, smallest, largest, what is counted).
        let ranges = [
            ("--iterations", self.iterations, 1, 100_000, ""),
            ("--steps", self.steps, 1, 10_000, ""),
            ("--keep", self.keep, 2, 4096, " extreme points per step"),
            ("--grid", self.grid, 2, 400, " points per axis"),
        ];
        for (flag, v, lo, hi, unit) in ranges {
            if let Some(v) = v.filter(|v| !(lo..=hi).contains(v)) {
                return Err(Error::parameter(
                    flag,
                    v,
                    format!("at least {lo} and at most {hi}{unit}"),
                ));
            }
        }
        Ok(())
    }
}

/// The `plot --json` report.
#[derive(Clone, Debug, Serialize)]
pub struct PlotReport {
    /// Always `"piggyback-report"`.
    pub report: &'static str,
    /// The schema version.
    pub version: u32,
    /// Always `"plot"`.
    pub command: &'static str,
    /// `"itd-aid"`, `"heavy-ball"` or `"hypergrad-path"`.
    pub kind: &'static str,
    /// The picture file written.
    pub path: String,
    /// `"svg"` or `"png"`.
    pub format: &'static str,
    /// The numbers behind the picture (one line each in the text report).
    pub summary: Vec<SummaryEntry>,
    /// The process exit status.
    pub exit_code: i32,
}

/// One number behind a picture.
#[derive(Clone, Debug, Serialize)]
pub struct SummaryEntry {
    /// What it is.
    pub name: String,
    /// Its value (`null`: not finite, or not available).
    pub value: Option<f64>,
}

fn entry(name: impl Into<String>, value: f64) -> SummaryEntry {
    SummaryEntry {
        name: name.into(),
        value: finite(value),
    }
}

/// A picture and the numbers behind it.
pub struct Picture {
    /// The figure.
    pub figure: Figure,
    /// One line of text (what was drawn).
    pub caption: String,
    /// The numbers.
    pub summary: Vec<SummaryEntry>,
}

/// Compute the picture of `kind` (nothing is written).
pub fn make_picture(kind: PlotKind, opts: &PlotOptions) -> Result<Picture> {
    opts.check(kind)?;
    match kind {
        PlotKind::ItdAid => {
            let spec = itd_aid_spec(opts.seed.unwrap_or(3), opts.iterations.unwrap_or(300));
            let res = run_figure1(&spec)?;
            let last = res.table.rows.last().cloned().unwrap_or_default();
            let col = |name: &str| {
                res.table
                    .columns
                    .iter()
                    .position(|c| c == name)
                    .and_then(|j| last.get(j).copied())
                    .unwrap_or(f64::NAN)
            };
            let mut summary = vec![
                entry("iterations", spec.iterations as f64),
                entry("final ITD error", col("ITD_err")),
                entry("final AID-FP error", col("AID-FP_err")),
                entry(
                    "contraction factor on the support (theory)",
                    res.rho_support,
                ),
                entry(
                    "support identified at t",
                    res.support_identified_at.map_or(f64::NAN, |t| t as f64),
                ),
                entry(
                    "proven reference box width",
                    res.certified.as_ref().map_or(f64::NAN, |e| {
                        use crate::scalar::Enclosure;
                        e.h.iter().map(|v| v.sup() - v.inf()).fold(0.0, f64::max)
                    }),
                ),
            ];
            for f in &res.fitted {
                summary.push(entry(
                    format!("fitted rate {}", f.method),
                    f.rate.unwrap_or(f64::NAN),
                ));
            }
            if !opts.all_methods {
                summary.retain(|e| !e.name.contains("AID-CG") && !e.name.contains("GMRES"));
            }
            Ok(Picture {
                figure: Figure::single(Panel::Line(itd_aid_chart(&res, opts.all_methods))),
                caption: format!(
                    "hypergradient error of ITD and AID-FP against iterations ({}×{} elastic net, \
                     seed {}, {} bands)",
                    spec.data.n_train,
                    spec.data.p,
                    spec.data.seed,
                    if res.certified.is_some() {
                        "with proven"
                    } else {
                        "without (proof failed)"
                    }
                ),
                summary,
            })
        }
        PlotKind::HeavyBall => {
            let run = heavy_ball_run(opts.iterations.unwrap_or(200), opts.keep.unwrap_or(64))?;
            let t = run.iterations;
            let [left, right] = heavy_ball_charts(&run);
            Ok(Picture {
                figure: Figure {
                    panels: vec![Panel::Line(left), Panel::Line(right)],
                    columns: 2,
                    panel_size: (720, 520),
                },
                caption: format!(
                    "heavy ball at its kink, {t} steps: set-valued piggyback iterates against \
                     the single-matrix recursions of M₁ and M₂"
                ),
                summary: vec![
                    entry("iterations", t as f64),
                    entry("extreme points kept", run.cap as f64),
                    entry("set: sup norm at t = T (lower bound)", run.set_norms[t]),
                    entry(
                        "set: sup norm at t = T/2 (lower bound)",
                        run.set_norms[t / 2],
                    ),
                    entry("M₁ only: norm at t = T", run.single_norms[0][t]),
                    entry("M₂ only: norm at t = T", run.single_norms[1][t]),
                    entry(
                        "M₁ only: distance to (I − M₁)⁻¹B at t = T",
                        run.single_errors[0][t],
                    ),
                    entry(
                        "M₂ only: distance to (I − M₂)⁻¹B at t = T",
                        run.single_errors[1][t],
                    ),
                ],
            })
        }
        PlotKind::HypergradPath => {
            let task = match &opts.problem {
                Some(p) => task_from_problem(p)?,
                None => EnetTask::builtin(opts.seed.unwrap_or(3))?,
            };
            let land =
                hypergrad_landscape(&task, opts.steps.unwrap_or(20), opts.grid.unwrap_or(40))?;
            let (first, last) = match (land.path.first(), land.path.last()) {
                (Some(a), Some(b)) => (a.clone(), b.clone()),
                _ => {
                    return Err(Error::Empty {
                        what: "the path returned by hypergradient descent".into(),
                    })
                }
            };
            let grid_min = land
                .loss
                .iter()
                .flatten()
                .copied()
                .fold(f64::INFINITY, f64::min);
            Ok(Picture {
                figure: Figure::single(Panel::Path(hypergrad_chart(&land, &task.description))),
                caption: format!(
                    "validation loss over (log λ₁, log λ₂) on {} with the descent path",
                    task.description
                ),
                summary: vec![
                    entry("accepted steps", (land.path.len() - 1) as f64),
                    entry("start λ₁", first.lambda[0]),
                    entry("start λ₂", first.lambda[1]),
                    entry("start validation loss", first.loss),
                    entry("end λ₁", last.lambda[0]),
                    entry("end λ₂", last.lambda[1]),
                    entry("end validation loss", last.loss),
                    entry("smallest validation loss on the grid", grid_min),
                ],
            })
        }
    }
}

/// A `lasso` / `elastic_net` problem file as a tuning task: every third row (rows
/// 2, 5, 8, …) is held out for validation, the others train with the file's loss
/// scale `s = 1`; the descent starts at the file's `(λ₁, λ₂)`, with `λ₂ = λ₁` for a
/// LASSO (whose `λ₂ = 0` has no logarithm).
fn task_from_problem(path: &Path) -> Result<EnetTask> {
    let problem = Problem::read(path)?;
    let input = problem.enet_input()?.ok_or_else(|| Error::Unsupported {
        what: format!(
            "{}: a {} map; --problem needs a lasso or elastic_net problem",
            path.display(),
            problem.file.map.kind()
        ),
    })?;
    let (n, p) = (input.n, input.p);
    let val_rows: Vec<usize> = (0..n).filter(|i| i % 3 == 2).collect();
    let train_rows: Vec<usize> = (0..n).filter(|i| i % 3 != 2).collect();
    if val_rows.len() < 2 {
        return Err(Error::parameter(
            format!("{}: the number of data rows", path.display()),
            n,
            "at least 6 (every third row is held out for validation)",
        ));
    }
    let pick = |rows: &[usize]| -> (Matrix<f64>, Vec<f64>) {
        let m = Matrix::from_fn(rows.len(), p, |r, j| input.x[j * n + rows[r]]);
        (m, rows.iter().map(|&i| input.y[i]).collect())
    };
    let (xt, yt) = pick(&train_rows);
    let (xv, yv) = pick(&val_rows);
    let enet = Enet::new(xt, yt, 1.0)?;
    let loss = SquaredError::new(xv, yv)?;
    let l1 = input.lambda1.mid();
    let l2 = if input.elastic {
        input.lambda2.mid()
    } else {
        l1
    };
    if !(l1 > 0.0 && l2 > 0.0) {
        let (name, value) = if input.elastic {
            ("theta (λ₁, λ₂)", format!("({l1}, {l2})"))
        } else {
            ("theta (λ₁)", format!("({l1})"))
        };
        return Err(Error::parameter(
            format!("{}: {name}", path.display()),
            value,
            "> 0 (the descent moves log λ)",
        ));
    }
    Ok(EnetTask {
        problem: enet,
        loss,
        start: [l1, l2],
        description: format!(
            "{} ({} training, {} validation rows)",
            path.file_name().map_or_else(
                || path.display().to_string(),
                |f| f.to_string_lossy().into()
            ),
            train_rows.len(),
            val_rows.len()
        ),
    })
}

/// Draw the picture of `kind` into `path` (SVG or PNG by extension); refuses an
/// existing file unless `force`, and a bad extension, before computing anything.
pub fn write_picture(
    kind: PlotKind,
    opts: &PlotOptions,
    path: &Path,
    force: bool,
) -> Result<Picture> {
    Format::of(path)?;
    opts.check(kind)?;
    ensure_writable(&[path], force)?;
    let pic = make_picture(kind, opts)?;
    write_figure(&pic.figure, path)?;
    Ok(pic)
}

/// A number for the text report: integers as such, moderate magnitudes with six
/// significant digits, others in scientific notation (`--json` has full precision).
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if (1e-3..1e4).contains(&v.abs()) {
        format!("{v:.6}")
    } else {
        format!("{v:.4e}")
    }
}

/// The text report of a written picture.
pub(crate) fn picture_text(kind: PlotKind, path: &Path, pic: &Picture) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}: {}", kind.name(), pic.caption);
    for e in &pic.summary {
        let v = e.value.map_or("n/a".to_string(), number);
        let _ = writeln!(s, "  {}: {v}", e.name);
    }
    let _ = writeln!(s, "  picture written to {}", path.display());
    s
}

/// `piggyback plot`.
pub(crate) fn cmd_plot(
    kind: PlotKind,
    output: Option<&Path>,
    opts: &PlotOptions,
    json: bool,
    force: bool,
    ctx: &mut Ctx,
) -> Result<i32> {
    let path = output.map_or_else(|| kind.default_output(), Path::to_path_buf);
    let progress = ctx.progress();
    progress.step(format!("computing the {} picture", kind.name()));
    let pic = write_picture(kind, opts, &path, force)?;
    progress.finish();
    if json {
        let report = PlotReport {
            report: REPORT_FORMAT,
            version: REPORT_VERSION,
            command: "plot",
            kind: kind.name(),
            path: path.display().to_string(),
            format: match Format::of(&path)? {
                Format::Svg => "svg",
                Format::Png => "png",
            },
            summary: pic.summary,
            exit_code: EXIT_OK,
        };
        let text = serde_json::to_string_pretty(&report).map_err(|e| Error::Io {
            action: "serialise",
            path: "the report".into(),
            kind: std::io::ErrorKind::Other,
            message: e.to_string(),
        })?;
        writeln!(ctx.out, "{text}").map_err(io_err)?;
    } else if !ctx.quiet {
        write!(ctx.out, "{}", picture_text(kind, &path, &pic)).map_err(io_err)?;
    }
    Ok(EXIT_OK)
}
