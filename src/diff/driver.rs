//! The engine driver, after argmin's solver/executor split: an engine is a
//! [`Stepper`] (one iteration at a time), and [`Driver::run`] owns the loop — the
//! iteration budget, the tolerance, divergence detection (a residual that grows by
//! [`IterOptions::divergence_factor`] over its minimum), timing,
//! the [`Termination`] reason, the [`Report`], and the [`Observer`]s (progress bars,
//! plots, a stop button) that watch every iteration.
//!
//! ```
//! use piggyback::diff::driver::{Control, Driver, Progress};
//! use piggyback::diff::{fixed_point::FixedPointIteration, IterOptions};
//! use piggyback::linalg::norms::Norm;
//! use piggyback::maps::{Design, ForwardBackward, Penalty, StepRule};
//! use piggyback::Matrix;
//!
//! let a = Matrix::from_f64_rows(&[vec![1.0, 0.5], vec![0.0, 1.0], vec![1.0, -1.0]])?;
//! let fb = ForwardBackward::new(Design::Dense(a), vec![1.0, 2.0, 0.5], Penalty::Lasso, StepRule::InverseLipschitz)?;
//! let mut seen = Vec::new();
//! // An observer: record the residuals, ask to stop after 5 iterations.
//! let mut watch = |p: &Progress<'_>| {
//!     seen.push(p.residual);
//!     if p.iteration >= 5 { Control::Stop } else { Control::Continue }
//! };
//! let step = FixedPointIteration::new(&fb, &[0.0, 0.0], &[0.1], Norm::Two)?;
//! let out = Driver::new(&IterOptions::default()).observe(&mut watch).run(step)?;
//! assert_eq!(out.report.iterations, 5);
//! assert_eq!(out.report.termination, piggyback::diff::Termination::Stopped);
//! assert_eq!(seen.len(), 5);
//! # Ok::<(), piggyback::Error>(())
//! ```

use super::IterOptions;
use crate::error::{Error, Result};
use std::time::{Duration, Instant};

/// Why an engine stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Termination {
    /// The step residual reached the tolerance ([`IterOptions::tol`]).
    Converged,
    /// The iteration budget was used up and no tolerance was asked for (a fixed number
    /// of steps, e.g. ITD with [`IterOptions::fixed`]).
    Budget,
    /// The engine finished by itself: a direct solve, the last term of a series, a
    /// Krylov solve that met its own tolerance.
    Finished,
    /// An [`Observer`] asked to stop. The result is the last iterate, *not* a converged
    /// one: check [`Report::residual`] before using it.
    Stopped,
}

/// What a user needs to trust a derivative an engine returned.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Iterations (or Krylov matrix–vector products, or series terms) performed.
    pub iterations: usize,
    /// Final residual of the engine's own iteration (f64 estimate):
    /// `‖J_{k+1} − J_k‖` for iterations, `‖(I − A)u − r‖` for solves; `∞` when no
    /// step was taken and the engine states no residual of its own.
    pub residual: f64,
    /// Whether every linearization used reported
    /// [`is_smooth_point`](crate::maps::Linearization::is_smooth_point): the run stayed on
    /// one selection piece per step and the derivative is the classical one there.
    pub smooth: bool,
    /// Why the run stopped.
    pub termination: Termination,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
}

impl Report {
    /// The report of a non-iterative engine (a direct solve): one "iteration",
    /// [`Termination::Finished`].
    pub(crate) fn direct(residual: f64, smooth: bool, started: Instant) -> Self {
        Report {
            iterations: 1,
            residual,
            smooth,
            termination: Termination::Finished,
            elapsed: started.elapsed(),
        }
    }
}

/// One iteration as an observer sees it.
#[derive(Clone, Copy, Debug)]
pub struct Progress<'a> {
    /// The engine's name (as in errors: `"ITD forward"`, `"AID-FP adjoint"`, …).
    pub engine: &'a str,
    /// Iterations done so far (`1` after the first step).
    pub iteration: usize,
    /// The residual of the last step (f64 estimate).
    pub residual: f64,
    /// Time since the run started.
    pub elapsed: Duration,
}

/// What an observer wants after an iteration.
///
/// Closed on purpose: an observer either lets the run continue or stops it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Keep iterating.
    Continue,
    /// Stop now; the run ends with [`Termination::Stopped`].
    Stop,
}

/// Watches a run: called after every iteration (progress bars, plots, logging, a stop
/// request) and once at the end. Closures `FnMut(&Progress) -> Control` are observers.
pub trait Observer {
    /// Called after each iteration.
    fn observe(&mut self, progress: &Progress<'_>) -> Control;
    /// Called once when the run ends without an error, with its report.
    fn finish(&mut self, report: &Report) {
        let _ = report;
    }
}

impl<F: FnMut(&Progress<'_>) -> Control> Observer for F {
    fn observe(&mut self, progress: &Progress<'_>) -> Control {
        self(progress)
    }
}

/// One engine as a sequence of steps (the solver half of the split). The driver calls
/// [`init`](Stepper::init) once, then [`next`](Stepper::next) until the tolerance, the
/// budget, [`is_done`](Stepper::is_done) or an observer ends the run, then
/// [`finish`](Stepper::finish) with the report.
pub trait Stepper {
    /// What the engine returns (it includes the [`Report`]).
    type Output;
    /// The engine's name, used in errors and progress.
    fn name(&self) -> &'static str;
    /// Preparation before the first step (default: nothing).
    fn init(&mut self) -> Result<()> {
        Ok(())
    }
    /// One iteration; returns its residual (f64 estimate, `≥ 0`).
    fn next(&mut self) -> Result<f64>;
    /// Whether the engine has finished by itself (default: never).
    fn is_done(&self) -> bool {
        false
    }
    /// Whether every linearization used so far was at a smooth point (default: yes).
    fn smooth(&self) -> bool {
        true
    }
    /// The result, from the final state and the run's report. Engines with their own
    /// convergence criterion refuse a result they did not converge to here.
    fn finish(self, report: Report) -> Result<Self::Output>;
}

/// Runs a [`Stepper`] with a stopping rule and observers (the executor half).
pub struct Driver<'o> {
    opts: IterOptions,
    observers: Vec<&'o mut dyn Observer>,
}

impl<'o> Driver<'o> {
    /// A driver with the stopping rule `opts` and no observers.
    pub fn new(opts: &IterOptions) -> Self {
        Driver {
            opts: opts.clone(),
            observers: Vec::new(),
        }
    }

    /// Add an observer.
    pub fn observe(mut self, observer: &'o mut dyn Observer) -> Self {
        self.observers.push(observer);
        self
    }

    /// Run `engine` to the end.
    ///
    /// Errors: [`Error::InvalidParameter`] for bad options; [`Error::NotConverged`] when
    /// the budget runs out while a tolerance was asked for; [`Error::NotContractive`]
    /// when the residual grows by [`IterOptions::divergence_factor`] over its minimum
    /// (or stops being finite); and every error of the engine's steps.
    pub fn run<E: Stepper>(mut self, mut engine: E) -> Result<E::Output> {
        self.opts.validate()?;
        let opts = &self.opts;
        let started = Instant::now();
        let name = engine.name();
        engine.init()?;
        let mut monitor = GrowthMonitor::new(opts.divergence_factor);
        let mut residual = f64::INFINITY;
        let mut done = 0usize;
        let mut termination = engine.is_done().then_some(Termination::Finished);
        while termination.is_none() && done < opts.max_iter {
            residual = engine.next()?;
            monitor.observe(done, residual, name)?;
            done += 1;
            let progress = Progress {
                engine: name,
                iteration: done,
                residual,
                elapsed: started.elapsed(),
            };
            let mut stop = false;
            for o in self.observers.iter_mut() {
                stop |= o.observe(&progress) == Control::Stop;
            }
            termination = if opts.tol > 0.0 && residual <= opts.tol {
                Some(Termination::Converged)
            } else if engine.is_done() {
                Some(Termination::Finished)
            } else if stop {
                Some(Termination::Stopped)
            } else {
                None
            };
        }
        let termination = termination.unwrap_or(Termination::Budget);
        if termination == Termination::Budget && opts.tol > 0.0 {
            return Err(Error::NotConverged {
                what: name,
                iterations: done,
                residual,
            });
        }
        let report = Report {
            iterations: done,
            residual,
            smooth: engine.smooth(),
            termination,
            elapsed: started.elapsed(),
        };
        for o in self.observers.iter_mut() {
            o.finish(&report);
        }
        engine.finish(report)
    }
}

/// Run `engine` with the stopping rule `opts` and no observers.
pub fn run<E: Stepper>(engine: E, opts: &IterOptions) -> Result<E::Output> {
    Driver::new(opts).run(engine)
}

/// Watches a residual sequence for visible growth (a map that does not contract).
#[derive(Clone, Debug)]
pub(crate) struct GrowthMonitor {
    min: f64,
    min_at: usize,
    factor: f64,
}

impl GrowthMonitor {
    pub(crate) fn new(factor: f64) -> Self {
        GrowthMonitor {
            min: f64::INFINITY,
            min_at: 0,
            factor,
        }
    }
    /// Record residual `r` at iteration `k`; errors when it grew too much.
    pub(crate) fn observe(&mut self, k: usize, r: f64, context: &str) -> Result<()> {
        if !r.is_finite() {
            return Err(Error::NotContractive {
                rho: f64::INFINITY,
                context: format!("{context}: non-finite residual at iteration {k}"),
            });
        }
        if r < self.min {
            self.min = r;
            self.min_at = k;
        } else if self.min > 0.0 && r > self.factor * self.min {
            let steps = (k - self.min_at).max(1) as f64;
            let rho = (r / self.min).powf(1.0 / steps);
            return Err(Error::NotContractive {
                rho,
                context: format!(
                    "{context}: residual grew from {:e} (iteration {}) to {r:e} (iteration {k})",
                    self.min, self.min_at
                ),
            });
        }
        Ok(())
    }
}
