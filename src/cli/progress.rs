//! Progress display for long commands: a spinner with the current step on stderr
//! (indicatif), drawn only when stderr is a terminal and `--quiet` is not given.
//!
//! Commands report coarse steps ([`Progress::step`]: "searching for a contraction
//! certificate", "proving the fixed-point box", …). Iterative engines report through
//! [`Progress::observer`], an [`Observer`] of the engine driver
//! ([`crate::diff::driver`]): the f64 iteration of `solve` shows its iteration count
//! and residual as it runs.

use crate::diff::driver::{Control, Observer, Progress as Step};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::borrow::Cow;
use std::time::Duration;

/// Iterations between two updates of the display by [`Progress::observer`].
pub const OBSERVE_EVERY: usize = 256;

/// A spinner on stderr, or nothing when hidden.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A visible spinner when `enabled` (and stderr is a terminal: indicatif draws
    /// nothing otherwise), else a display that draws nothing.
    pub fn new(enabled: bool) -> Self {
        if !enabled {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} [{elapsed}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar: Some(bar) }
    }

    /// A display that draws nothing.
    pub fn hidden() -> Self {
        Progress { bar: None }
    }

    /// Whether anything is drawn.
    pub fn is_visible(&self) -> bool {
        self.bar.as_ref().is_some_and(|b| !b.is_hidden())
    }

    /// Show the step now being worked on.
    pub fn step(&self, message: impl Into<Cow<'static, str>>) {
        if let Some(bar) = &self.bar {
            bar.set_message(message);
        }
    }

    /// Per-iteration report of an iterative solver (iteration `k`, current residual):
    /// the observer hook for solver engines.
    pub fn iteration(&self, what: &str, k: usize, residual: f64) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{what}: iteration {k}, residual {residual:.3e}"));
        }
    }

    /// An observer for the engine driver that shows the engine's iteration and residual
    /// here every [`OBSERVE_EVERY`] iterations (drawing is not free) and never stops
    /// the run.
    pub fn observer(&self) -> impl Observer + '_ {
        move |p: &Step<'_>| {
            if p.iteration % OBSERVE_EVERY == 0 {
                self.iteration(p.engine, p.iteration, p.residual);
            }
            Control::Continue
        }
    }

    /// Remove the display (before the report is printed).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disabled_display_draws_nothing() {
        for p in [Progress::new(false), Progress::hidden()] {
            assert!(!p.is_visible());
            // Every report is a no-op, never a panic.
            p.step("step");
            p.iteration("f64 iteration", 3, 1e-3);
            let mut o = p.observer();
            let step = Step {
                engine: "test",
                iteration: OBSERVE_EVERY,
                residual: 1.0,
                elapsed: Duration::ZERO,
            };
            assert_eq!(o.observe(&step), Control::Continue);
            p.finish();
        }
    }
}
