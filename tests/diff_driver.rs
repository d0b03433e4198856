//! The loop driver: stopping rule, termination reasons, observers, divergence, and the
//! engines that run through it (fixed-point iteration, AID-FP, GMRES, ITD, piggyback),
//! against closed-form fixed points of a small affine map.
#![allow(clippy::needless_range_loop)]

mod diff_common;

use diff_common::*;
use piggyback::diff::aid::{self, AidFp, Gmres, GmresOptions};
use piggyback::diff::driver::{Control, Driver, Observer, Progress, Report, Termination};
use piggyback::diff::fixed_point::{solve_fixed_point, FixedPointIteration};
use piggyback::diff::itd::ItdForward;
use piggyback::diff::piggyback::Piggyback;
use piggyback::diff::IterOptions;
use piggyback::linalg::norms::Norm;
use piggyback::linalg::Matrix;
use piggyback::maps::FixedPointMap;
use piggyback::matset::SetOptions;
use piggyback::Error;

/// `F(x, θ) = M x + N θ` with `M = [[1/2, 1/4], [0, 1/3]]`, `N = [1, 1]ᵀ`.
/// Fixed point at `θ = 1`, by hand: `x₂ = 1/(1 − 1/3) = 3/2`,
/// `x₁ = (1 + x₂/4)/(1 − 1/2) = 11/4`; it is also `dx/dθ` (the map is linear in θ).
fn contraction() -> Affine<f64> {
    Affine {
        m: Matrix::from_f64_rows(&[vec![0.5, 0.25], vec![0.0, 1.0 / 3.0]]).unwrap(),
        n: Matrix::from_f64_rows(&[vec![1.0], vec![1.0]]).unwrap(),
    }
}
const FIXED: [f64; 2] = [11.0 / 4.0, 3.0 / 2.0];

fn tol(t: f64) -> IterOptions {
    IterOptions {
        tol: t,
        max_iter: 10_000,
        ..Default::default()
    }
}

/// Records every progress and the final report.
#[derive(Default)]
struct Recorder {
    seen: Vec<(usize, f64)>,
    stop_after: Option<usize>,
    finished: Option<Report>,
}

impl Observer for Recorder {
    fn observe(&mut self, p: &Progress<'_>) -> Control {
        self.seen.push((p.iteration, p.residual));
        match self.stop_after {
            Some(k) if p.iteration >= k => Control::Stop,
            _ => Control::Continue,
        }
    }
    fn finish(&mut self, report: &Report) {
        self.finished = Some(report.clone());
    }
}

#[test]
fn fixed_point_iteration_converges_to_the_closed_form() {
    let map = contraction();
    let mut rec = Recorder::default();
    let step = FixedPointIteration::new(&map, &[0.0, 0.0], &[1.0], Norm::Inf).unwrap();
    let out = Driver::new(&tol(1e-13))
        .observe(&mut rec)
        .run(step)
        .unwrap();
    for i in 0..2 {
        assert!((out.x[i] - FIXED[i]).abs() < 1e-12, "{:?}", out.x);
    }
    assert_eq!(out.report.termination, Termination::Converged);
    assert!(out.report.residual <= 1e-13);
    // The observer saw every iteration, numbered 1, 2, …, and the final report.
    assert_eq!(rec.seen.len(), out.report.iterations);
    assert!(rec.seen.iter().enumerate().all(|(k, &(i, _))| i == k + 1));
    assert_eq!(rec.seen.last().unwrap().1, out.report.residual);
    assert_eq!(rec.finished.as_ref(), Some(&out.report));
}

#[test]
fn residual_is_measured_in_the_chosen_norm() {
    // One step from 0 gives x₁ = N θ = (1, 1)·θ: residual ‖(2, 2)‖ at θ = 2.
    let map = contraction();
    let one = IterOptions::fixed(1);
    for (norm, expected) in [(Norm::Inf, 2.0), (Norm::One, 4.0), (Norm::Two, 8f64.sqrt())] {
        let out = solve_fixed_point(&map, &[0.0, 0.0], &[2.0], &one, norm).unwrap();
        assert_eq!(out.x, vec![2.0, 2.0]);
        assert_eq!(out.report.termination, Termination::Budget);
        assert_eq!(out.report.iterations, 1);
        assert!((out.report.residual - expected).abs() < 1e-15, "{norm:?}");
    }
}

#[test]
fn an_observer_stops_the_run_and_the_result_says_so() {
    let map = contraction();
    let mut rec = Recorder {
        stop_after: Some(3),
        ..Default::default()
    };
    let step = FixedPointIteration::new(&map, &[0.0, 0.0], &[1.0], Norm::Two).unwrap();
    let out = Driver::new(&tol(1e-14))
        .observe(&mut rec)
        .run(step)
        .unwrap();
    assert_eq!(out.report.termination, Termination::Stopped);
    assert_eq!(out.report.iterations, 3);
    assert_eq!(rec.seen.len(), 3);
    // Three steps of x ← Mx + N from 0, by hand: x₁ = (1, 1),
    // x₂ = (1/2 + 1/4 + 1, 1/3 + 1) = (7/4, 4/3), x₃ = (7/8 + 1/3 + 1, 4/9 + 1).
    let x3 = [7.0 / 8.0 + 1.0 / 3.0 + 1.0, 4.0 / 9.0 + 1.0];
    assert!((out.x[0] - x3[0]).abs() < 1e-15 && (out.x[1] - x3[1]).abs() < 1e-15);
    // Not converged: the report's residual shows it.
    assert!(out.report.residual > 1e-2);
}

#[test]
fn two_observers_both_see_every_step() {
    let map = contraction();
    let mut a = Recorder::default();
    let mut count = 0usize;
    let mut b = |_: &Progress<'_>| {
        count += 1;
        Control::Continue
    };
    let step = FixedPointIteration::new(&map, &[0.0, 0.0], &[1.0], Norm::Two).unwrap();
    let out = Driver::new(&IterOptions::fixed(7))
        .observe(&mut a)
        .observe(&mut b)
        .run(step)
        .unwrap();
    assert_eq!(out.report.termination, Termination::Budget);
    assert_eq!((a.seen.len(), count), (7, 7));
}

#[test]
fn budget_exhausted_with_a_tolerance_is_not_converged() {
    let map = contraction();
    let opts = IterOptions {
        tol: 1e-14,
        max_iter: 5,
        ..Default::default()
    };
    let err = solve_fixed_point(&map, &[0.0, 0.0], &[1.0], &opts, Norm::Two).unwrap_err();
    match err {
        Error::NotConverged { iterations, .. } => assert_eq!(iterations, 5),
        e => panic!("expected NotConverged, got {e:?}"),
    }
}

#[test]
fn an_expanding_map_is_not_contractive() {
    // x ← 2x: residuals double; the driver's growth monitor reports ρ ≈ 2.
    let map = Affine {
        m: Matrix::from_f64_rows(&[vec![2.0, 0.0], vec![0.0, 2.0]]).unwrap(),
        n: Matrix::from_f64_rows(&[vec![0.0], vec![0.0]]).unwrap(),
    };
    let opts = IterOptions {
        divergence_factor: 100.0,
        ..tol(1e-12)
    };
    let err = solve_fixed_point(&map, &[1.0, 1.0], &[0.0], &opts, Norm::Two).unwrap_err();
    match err {
        Error::NotContractive { rho, .. } => assert!((rho - 2.0).abs() < 1e-9, "ρ = {rho}"),
        e => panic!("expected NotContractive, got {e:?}"),
    }
    // Bad options are typed errors, before any step.
    let bad = IterOptions {
        tol: f64::NAN,
        ..Default::default()
    };
    assert!(matches!(
        solve_fixed_point(&map, &[1.0, 1.0], &[0.0], &bad, Norm::Two),
        Err(Error::InvalidParameter { ref name, .. }) if name.starts_with("IterOptions")
    ));
}

#[test]
fn aid_fp_and_itd_run_through_the_driver_with_observers() {
    let map = contraction();
    let mut lin = map.linearize(&FIXED, &[1.0]).unwrap();
    let mut rec = Recorder::default();
    let out = Driver::new(&tol(1e-13))
        .observe(&mut rec)
        .run(AidFp::new(lin.as_mut(), &Matrix::identity(1)).unwrap())
        .unwrap();
    for i in 0..2 {
        assert!((out.derivative[(i, 0)] - FIXED[i]).abs() < 1e-12);
    }
    assert_eq!(out.report.termination, Termination::Converged);
    assert_eq!(rec.seen.len(), out.report.iterations);

    // ITD forward from x₀ = 0: x_t and dx_t/dθ both tend to FIXED (θ = 1, linear map).
    let mut rec = Recorder::default();
    let itd = ItdForward::new(&map, &[0.0, 0.0], &[1.0], Matrix::identity(1)).unwrap();
    let out = Driver::new(&tol(1e-13)).observe(&mut rec).run(itd).unwrap();
    for i in 0..2 {
        assert!((out.x[i] - FIXED[i]).abs() < 1e-12);
        assert!((out.derivative[(i, 0)] - FIXED[i]).abs() < 1e-12);
    }
    assert_eq!(rec.seen.len(), out.report.iterations);
    assert!(out.report.smooth);
}

#[test]
fn gmres_is_a_stepper_with_a_named_solution() {
    // (I − M) u = N: u = FIXED. GMRES on a 2×2 system converges in at most 2 Arnoldi
    // steps; each step is one operator application, and the observer sees each.
    let m = contraction().m;
    let op = |v: &[f64], out: &mut [f64]| {
        let mv = m.mul_vec(v)?;
        for i in 0..2 {
            out[i] = v[i] - mv[i];
        }
        Ok(())
    };
    let opts = GmresOptions {
        rel_tol: 1e-14,
        ..Default::default()
    };
    let mut rec = Recorder::default();
    let budget = IterOptions {
        tol: 0.0,
        max_iter: opts.max_matvec,
        divergence_factor: f64::INFINITY,
    };
    let sol = Driver::new(&budget)
        .observe(&mut rec)
        .run(Gmres::new(op, &[1.0, 1.0], &opts).unwrap())
        .unwrap();
    for i in 0..2 {
        assert!((sol.x[i] - FIXED[i]).abs() < 1e-12, "{:?}", sol.x);
    }
    assert_eq!(sol.report.termination, Termination::Finished);
    assert!(sol.report.residual <= 1e-14 * 2f64.sqrt());
    // Iterations count operator applications (the steps plus the final true residual).
    assert!(sol.report.iterations >= rec.seen.len());
    assert!(sol.report.iterations <= rec.seen.len() + 1);

    // The convenience function gives the same solution.
    let again = aid::gmres(op, &[1.0, 1.0], &opts).unwrap();
    assert_eq!(again.x, sol.x);

    // Stopped after one Arnoldi step: the best x of a 1-D Krylov space, not converged,
    // its true residual reported.
    let mut rec = Recorder {
        stop_after: Some(1),
        ..Default::default()
    };
    let early = Driver::new(&budget)
        .observe(&mut rec)
        .run(Gmres::new(op, &[1.0, 1.0], &opts).unwrap())
        .unwrap();
    assert_eq!(early.report.termination, Termination::Stopped);
    let r = m.mul_vec(&early.x).unwrap();
    let true_res = ((1.0 - early.x[0] + r[0]).powi(2) + (1.0 - early.x[1] + r[1]).powi(2)).sqrt();
    assert!((early.report.residual - true_res).abs() < 1e-12);
    assert!(early.report.residual > 1e-6);

    // A budget too small for the tolerance is NotConverged, not a silent answer.
    let tight = GmresOptions {
        max_matvec: 1,
        ..opts
    };
    assert!(matches!(
        aid::gmres(op, &[1.0, 1.0], &tight),
        Err(Error::NotConverged { .. })
    ));
}

#[test]
fn piggyback_run_returns_a_report() {
    // Smooth affine map: J_t is a singleton converging to [(I − M)⁻¹N] = FIXED.
    let map = contraction();
    let rec = Piggyback::new(&map, &[0.0, 0.0], &[1.0], SetOptions::default()).unwrap();
    let out = rec.run(&tol(1e-12)).unwrap();
    assert_eq!(out.report.termination, Termination::Converged);
    assert!(out.report.smooth, "every D_F was a single matrix");
    assert_eq!(out.norms.len(), out.report.iterations + 1);
    let members = out.set.members().unwrap();
    assert_eq!(members.len(), 1);
    for i in 0..2 {
        assert!((members[0][(i, 0)] - FIXED[i]).abs() < 1e-11);
        assert!((out.x[i] - FIXED[i]).abs() < 1e-11);
    }
    // Watched by an observer that stops it after 2 steps.
    let mut rec2 = Recorder {
        stop_after: Some(2),
        ..Default::default()
    };
    let stepper = Piggyback::new(&map, &[0.0, 0.0], &[1.0], SetOptions::default()).unwrap();
    let out = Driver::new(&tol(1e-12))
        .observe(&mut rec2)
        .run(stepper)
        .unwrap();
    assert_eq!(out.report.termination, Termination::Stopped);
    assert_eq!(out.report.iterations, 2);
    // J₂ = M N + N = (1/2 + 1/4 + 1, 1/3 + 1).
    let j2 = &out.set.members().unwrap()[0];
    assert!((j2[(0, 0)] - 1.75).abs() < 1e-15 && (j2[(1, 0)] - 4.0 / 3.0).abs() < 1e-15);
}
