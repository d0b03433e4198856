//! Building blocks of the paper's experiments at small size, each against an
//! independent computation:
//! - the data-poisoning map's VJPs (with respect to the noise `U` and the weights `W`)
//!   against interval mean-value bounds of exact difference quotients;
//! - the elastic-net hypergradient (the stochastic reference and the proven enclosure
//!   of Figure 1) against the closed-form implicit derivative on the support, solved
//!   by nalgebra;
//! - NSID with decreasing steps: mean-square error decreasing like `1/k` (fixed seeds);
//! - CG and the budget GMRES against dense solves; CG's refusals.

use nalgebra::{DMatrix, DVector};
use piggyback::diff::aid::gmres_fixed_budget;
use piggyback::diff::cg::{cg, CgOptions};
use piggyback::experiments::data::{sparse_regression, PoisoningData, Regression, RegressionSpec};
use piggyback::experiments::deterministic::{run_figure1, Fig1Spec};
use piggyback::experiments::poisoning::Poisoning;
use piggyback::experiments::reference::error_band;
use piggyback::experiments::stochastic::{enet_problem, epoch_grid, run_figure2, Fig2Spec};
use piggyback::linalg::Matrix;
use piggyback::scalar::{Enclosure, Interval, Scalar};
use piggyback::Error;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

// ---------------------------------------------------------------- data poisoning

/// 6 samples, 3 pixels, 3 classes, rows 1 and 4 poisoned.
fn tiny_poisoning() -> (Poisoning, Vec<f64>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let x = Matrix::from_fn(6, 3, |_, _| rng.gen_range(-1.0..1.0));
    let data = PoisoningData {
        x_train: x.clone(),
        labels_train: vec![0, 1, 2, 1, 0, 2],
        x_val: x,
        labels_val: vec![0; 6],
        classes: 3,
        poisoned: vec![1, 4],
    };
    let map = Poisoning::new(&data, [0.01, 0.1], 0.7).unwrap();
    let w: Vec<f64> = (0..9).map(|_| rng.gen_range(-2.0..2.0)).collect();
    let u: Vec<f64> = (0..6).map(|_| rng.gen_range(-0.5..0.5)).collect();
    (map, w, u)
}

fn iv(x: f64) -> Interval {
    Interval::from_f64(x).unwrap()
}

fn idot(a: &[Interval], b: &[Interval]) -> Interval {
    a.iter()
        .zip(b)
        .fold(Interval::zero(), |acc, (x, y)| acc.add(&x.mul(y)))
}

/// Mean-value check of a VJP: with `φ(s) = ⟨ū, T(P + sE)⟩` (P the perturbed argument),
/// `(φ(h) − φ(0))/h = φ'(ξ)` for some `ξ ∈ (0, h)`, and `φ'(ξ) = ⟨VJP(P + ξE), E⟩`.
/// Returns (difference quotient enclosure, enclosure of `⟨VJP(box), E⟩`, f64 VJP·E).
type Tmap<'a> = dyn Fn(&[Interval]) -> Vec<Interval> + 'a;
fn mean_value(
    t: &Tmap<'_>,
    vjp_i: &Tmap<'_>,
    vjp_f: &dyn Fn(&[f64]) -> Vec<f64>,
    point: &[f64],
    dir: &[f64],
    ubar: &[f64],
    h: f64,
) -> (Interval, Interval, f64) {
    let ub: Vec<Interval> = ubar.iter().map(|v| iv(*v)).collect();
    let p0: Vec<Interval> = point.iter().map(|v| iv(*v)).collect();
    let ih = iv(h);
    let ph: Vec<Interval> = point
        .iter()
        .zip(dir)
        .map(|(p, d)| iv(*p).add(&ih.mul(&iv(*d))))
        .collect();
    let dq = idot(&ub, &t(&ph))
        .sub(&idot(&ub, &t(&p0)))
        .div(&ih)
        .unwrap();
    let s = Interval::from_bounds(0.0, h).unwrap();
    let pbox: Vec<Interval> = point
        .iter()
        .zip(dir)
        .map(|(p, d)| iv(*p).add(&s.mul(&iv(*d))))
        .collect();
    let di: Vec<Interval> = dir.iter().map(|v| iv(*v)).collect();
    let slope = idot(&vjp_i(&pbox), &di);
    let f = vjp_f(point).iter().zip(dir).map(|(a, b)| a * b).sum();
    (dq, slope, f)
}

fn overlaps(a: &Interval, b: &Interval) -> bool {
    a.inf() <= b.sup() && b.inf() <= a.sup()
}

#[test]
fn poisoning_vjp_in_u_satisfies_interval_mean_value_bounds() {
    let (map, w, u) = tiny_poisoning();
    let batch = [0usize, 1, 3, 4];
    let wi: Vec<Interval> = w.iter().map(|v| iv(*v)).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for trial in 0..10 {
        let dir: Vec<f64> = (0..u.len()).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let ubar: Vec<f64> = (0..w.len()).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let ubi: Vec<Interval> = ubar.iter().map(|v| iv(*v)).collect();
        let t = |uu: &[Interval]| map.inner_generic(&wi, uu, &batch);
        let vi = |uu: &[Interval]| map.vjp_u_generic(&wi, uu, &batch, &ubi);
        let vf = |uu: &[f64]| map.vjp_u_generic(&w, uu, &batch, &ubar);
        let (dq, slope, f) = mean_value(&t, &vi, &vf, &u, &dir, &ubar, 1e-6);
        assert!(
            overlaps(&dq, &slope),
            "trial {trial}: difference quotient {dq:?} vs VJP over the segment {slope:?}"
        );
        // The check has teeth: both enclosures are narrow…
        assert!(
            slope.width() < 1e-4 && dq.width() < 1e-6,
            "{slope:?} {dq:?}"
        );
        // …the f64 VJP lies in them (up to its own rounding)…
        assert!(f >= slope.inf() - 1e-12 && f <= slope.sup() + 1e-12);
        // …and a VJP off by 1e-3 (relative) would be rejected.
        let bad = iv(f * (1.0 + 1e-3) + 1e-3);
        assert!(!overlaps(
            &dq,
            &bad.add(&Interval::from_bounds(-1e-5, 1e-5).unwrap())
        ));
    }
    // Clean rows contribute nothing to ∂_U: a batch without poisoned rows gives 0.
    let zero = map.vjp_u_generic(&w, &u, &[0, 2, 3], &[1.0; 9]);
    assert!(zero.iter().all(|v| *v == 0.0));
}

#[test]
fn poisoning_vjp_in_w_satisfies_interval_mean_value_bounds() {
    let (map, w, u) = tiny_poisoning();
    let batch = [0usize, 1, 2, 4, 5];
    let ui: Vec<Interval> = u.iter().map(|v| iv(*v)).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    for trial in 0..10 {
        let dir: Vec<f64> = (0..w.len()).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let ubar: Vec<f64> = (0..w.len()).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let ubi: Vec<Interval> = ubar.iter().map(|v| iv(*v)).collect();
        let t = |ww: &[Interval]| map.inner_generic(ww, &ui, &batch);
        let vi = |ww: &[Interval]| map.vjp_w_generic(ww, &ui, &batch, &ubi);
        let vf = |ww: &[f64]| map.vjp_w_generic(ww, &u, &batch, &ubar);
        let (dq, slope, f) = mean_value(&t, &vi, &vf, &w, &dir, &ubar, 1e-6);
        assert!(overlaps(&dq, &slope), "trial {trial}: {dq:?} vs {slope:?}");
        assert!(slope.width() < 1e-4 && dq.width() < 1e-6);
        assert!(f >= slope.inf() - 1e-12 && f <= slope.sup() + 1e-12);
    }
}

#[test]
fn poisoning_rejects_bad_settings() {
    let (_, _, _) = tiny_poisoning();
    let x = Matrix::from_fn(2, 2, |i, j| (i + j) as f64);
    let mut data = PoisoningData {
        x_train: x.clone(),
        labels_train: vec![0, 1],
        x_val: x,
        labels_val: vec![0, 1],
        classes: 2,
        poisoned: vec![1, 1],
    };
    assert!(matches!(
        Poisoning::new(&data, [0.1, 0.1], 0.5),
        Err(Error::InvalidParameter { ref name, ref value, .. })
            if name == "poisoning: poisoned rows" && value == "row 1 twice"
    ));
    data.poisoned = vec![2];
    assert_eq!(
        Poisoning::new(&data, [0.1, 0.1], 0.5).err(),
        Some(Error::IndexOutOfRange {
            what: "poisoning: poisoned rows".into(),
            index: 2,
            len: 2
        })
    );
    data.poisoned = vec![0];
    assert!(Poisoning::new(&data, [0.1, 0.1], f64::NAN).is_err());
    assert!(Poisoning::new(&data, [-0.1, 0.1], 0.5).is_err());
    data.labels_train = vec![0, 2];
    assert!(Poisoning::new(&data, [0.1, 0.1], 0.5).is_err());
}

// ------------------------------------------------------------- elastic net references

/// Closed-form hypergradient of the elastic net `(1/2N)‖Xw − y‖² + λ₁‖w‖₁ + (λ₂/2)‖w‖²`
/// at the solution `w` (support `S = {w ≠ 0}`), validation loss `‖X_v w − y_v‖²/(2n_v)`:
/// `∂w_S/∂λ₁ = −H⁻¹sign(w_S)`, `∂w_S/∂λ₂ = −H⁻¹w_S`, `H = X_SᵀX_S/N + λ₂I`.
fn closed_form(d: &Regression, w: &[f64], l2: f64) -> [f64; 2] {
    let s: Vec<usize> = (0..w.len()).filter(|&i| w[i] != 0.0).collect();
    let (n, k) = (d.x_train.rows(), s.len());
    let h = DMatrix::from_fn(k, k, |a, b| {
        (0..n)
            .map(|r| d.x_train[(r, s[a])] * d.x_train[(r, s[b])])
            .sum::<f64>()
            / n as f64
            + if a == b { l2 } else { 0.0 }
    });
    let nv = d.x_val.rows();
    let resid: Vec<f64> = (0..nv)
        .map(|r| (0..w.len()).map(|j| d.x_val[(r, j)] * w[j]).sum::<f64>() - d.y_val[r])
        .collect();
    let g = DVector::from_fn(k, |a, _| {
        (0..nv).map(|r| d.x_val[(r, s[a])] * resid[r]).sum::<f64>() / nv as f64
    });
    let hinv_g = h.lu().solve(&g).unwrap();
    let sign = DVector::from_fn(k, |a, _| w[s[a]].signum());
    let ws = DVector::from_fn(k, |a, _| w[s[a]]);
    [-hinv_g.dot(&sign), -hinv_g.dot(&ws)]
}

fn small_regression(seed: u64) -> Regression {
    sparse_regression(&RegressionSpec {
        n_train: 200,
        n_val: 100,
        p: 8,
        informative: 3,
        noise: 0.1,
        correlated: true,
        seed,
    })
    .unwrap()
}

#[test]
fn stochastic_reference_matches_the_closed_form() {
    let d = small_regression(4);
    let lambda = [0.02, 0.05];
    let prob = enet_problem(&d, lambda).unwrap();
    assert!(prob.fixed_point_residual < 1e-12);
    let want = closed_form(&d, &prob.x, lambda[1]);
    let scale = want[0].abs().max(want[1].abs());
    for j in 0..2 {
        assert!(
            (prob.reference[j] - want[j]).abs() <= 1e-9 * scale,
            "{:?} vs {want:?}",
            prob.reference
        );
    }
    assert!(prob.rho > 0.0 && prob.rho < 1.0);
}

#[test]
fn nsid_decreasing_steps_mse_falls_like_one_over_k() {
    let d = small_regression(7);
    let prob = enet_problem(&d, [0.02, 0.05]).unwrap();
    let spec = Fig2Spec {
        title: "test".into(),
        epochs: epoch_grid(128),
        batch_frac: 0.05,
        eta_const: 0.5,
        dec_c: 2.0,
        runs: 8,
        repeats: 3,
        targets: vec![1e-2],
    };
    // Same data, fresh minibatch seeds in each run.
    let res = run_figure2(&spec, |_| Ok(prob.clone())).unwrap();
    let slope = res.nsid_dec_slope.unwrap();
    assert!(
        (-1.45..=-0.7).contains(&slope),
        "NSID-dec MSE slope {slope} (theory −1)"
    );
    let mse = res.table.column("NSID-dec_mse").unwrap();
    assert!(mse[mse.len() - 1] < mse[3] / 4.0, "{mse:?}");
    // AID-FP (deterministic) converges linearly: far below NSID after 128 epochs.
    let fp = res.table.column("AID-FP_mse").unwrap();
    assert!(fp[fp.len() - 1] < 1e-12, "{fp:?}");
    // The constant step stalls at a noise floor: its last halving gains little.
    let c = res.table.column("NSID-const_mse").unwrap();
    let n = c.len();
    assert!(c[n - 1] > c[n - 2] / 4.0, "{c:?}");
}

#[test]
fn figure1_certified_box_contains_the_closed_form_hypergradient() {
    let mut spec = Fig1Spec::paper(2)[0].clone();
    spec.data.n_train = 40;
    spec.data.n_val = 30;
    spec.data.p = 12;
    spec.data.informative = 4;
    spec.lambda = [0.05, 0.01];
    spec.iterations = 150;
    spec.reference_iterations = 3000;
    spec.stride = 5;
    let res = run_figure1(&spec).unwrap();
    let enc = res
        .certified
        .as_ref()
        .expect("the proof succeeds on this instance");
    assert!(enc.undecided.is_empty() && enc.single_valued);
    // Independent reference at the certified support: solve with the box midpoint
    // zeroed off the proven support.
    let d = sparse_regression(&spec.data).unwrap();
    let mut w: Vec<f64> = enc.solution_midpoint();
    for &i in &enc.zeros {
        w[i] = 0.0;
    }
    let want = closed_form(&d, &w, spec.lambda[1]);
    for j in 0..2 {
        let b = enc.h[j];
        let slack = 1e-9 * want[j].abs().max(1e-12);
        assert!(
            want[j] >= b.inf() - slack && want[j] <= b.sup() + slack,
            "closed form {want:?} outside the proven box {:?}",
            enc.h
        );
    }
    // A claimed hypergradient off by ten box widths is proven wrong (positive lower
    // bound), while the closed form is not.
    let off: Vec<f64> = want
        .iter()
        .map(|v| v + 10.0 * enc.width().max(1e-12))
        .collect();
    assert!(error_band(&off, &enc.h).0 > 0.0);
    assert!(error_band(&want, &enc.h).0 <= 1e-9 * want[0].abs().max(want[1].abs()));
    // Error bands are ordered and contain the distance to the midpoint.
    for m in ["ITD", "AID-FP", "AID-CG", "AID-GMRES"] {
        let lo = res.table.column(&format!("{m}_lo")).unwrap();
        let hi = res.table.column(&format!("{m}_hi")).unwrap();
        let e = res.table.column(&format!("{m}_err")).unwrap();
        for i in 0..lo.len() {
            assert!(
                lo[i] <= e[i] + 1e-15 && e[i] <= hi[i] + 1e-15,
                "{m} row {i}"
            );
        }
    }
    // Theory: after support identification every method converges; AID at least as
    // fast as ITD at the end.
    assert!(res.support_identified_at.is_some());
    let last = res.table.rows.last().unwrap();
    let col = |name: &str| res.table.columns.iter().position(|c| c == name).unwrap();
    assert!(last[col("AID-FP_hi")] < 1e-6);
    assert!(last[col("AID-CG_err")] <= last[col("ITD_err")] * 1.5 + 1e-12);
}

// ---------------------------------------------------------------- linear solvers

fn spd(n: usize, seed: u64) -> DMatrix<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let m = DMatrix::from_fn(n, n, |_, _| rng.gen_range(-1.0..1.0));
    &m * m.transpose() + DMatrix::identity(n, n) * 0.5
}

#[test]
fn cg_solves_spd_systems_and_refuses_indefinite_ones() {
    let a = spd(12, 1);
    let b: Vec<f64> = (0..12).map(|i| (i as f64).sin()).collect();
    let op = |x: &[f64], o: &mut [f64]| {
        let y = &a * DVector::from_column_slice(x);
        o.copy_from_slice(y.as_slice());
        Ok(())
    };
    let out = cg(op, &b, &CgOptions::default()).unwrap();
    let exact = a
        .clone()
        .lu()
        .solve(&DVector::from_column_slice(&b))
        .unwrap();
    let err = (DVector::from_column_slice(&out.x) - &exact).norm();
    assert!(err < 1e-9 * exact.norm(), "{err}");
    assert!(out.converged);
    let mut ind = a.clone();
    ind[(0, 0)] = -50.0;
    let op2 = |x: &[f64], o: &mut [f64]| {
        let y = &ind * DVector::from_column_slice(x);
        o.copy_from_slice(y.as_slice());
        Ok(())
    };
    let mut e0 = vec![0.0; 12];
    e0[0] = 1.0;
    assert!(matches!(
        cg(op2, &e0, &CgOptions::default()),
        Err(Error::NotPositiveDefinite { .. })
    ));
    assert!(cg(op, &[f64::NAN; 12], &CgOptions::default()).is_err());
}

#[test]
fn budget_gmres_residuals_fall_and_reach_the_solution() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let n = 10;
    let m = DMatrix::from_fn(n, n, |i, j| {
        if i == j {
            2.0
        } else {
            0.3 * rng.gen_range(-1.0..1.0)
        }
    });
    let b: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
    let op = |x: &[f64], o: &mut [f64]| {
        let y = &m * DVector::from_column_slice(x);
        o.copy_from_slice(y.as_slice());
        Ok(())
    };
    let exact = m
        .clone()
        .lu()
        .solve(&DVector::from_column_slice(&b))
        .unwrap();
    let mut last = f64::INFINITY;
    for k in 1..=n {
        let x = gmres_fixed_budget(op, &b, k, n).unwrap().x;
        let r = (DVector::from_column_slice(&b) - &m * DVector::from_column_slice(&x)).norm();
        assert!(
            r <= last * (1.0 + 1e-12) + 1e-14,
            "budget {k}: {r} after {last}"
        );
        last = r;
    }
    let x = gmres_fixed_budget(op, &b, n, n).unwrap().x;
    assert!((DVector::from_column_slice(&x) - &exact).norm() < 1e-10 * exact.norm());
    // Restarted cycles still converge with a larger budget.
    let x = gmres_fixed_budget(op, &b, 60, 3).unwrap().x;
    assert!((DVector::from_column_slice(&x) - &exact).norm() < 1e-8 * exact.norm());
    assert!(gmres_fixed_budget(op, &b, 5, 0).is_err());
}

#[test]
fn poisoning_hypergradient_matches_central_differences_of_the_bilevel_objective() {
    use piggyback::experiments::data::poisoning_split;
    use piggyback::experiments::poisoning::{poisoning_problem, validation_loss, PoisoningSpec};
    use piggyback::experiments::stochastic::fixed_point;
    let images = piggyback::io::digits::load_bundled_digits().unwrap();
    let data = poisoning_split(&images, 0.6, 0.3, Some(100), 9).unwrap();
    let spec = PoisoningSpec {
        lambda: [0.001, 0.05],
        step_factor: 10.0,
        noise_std: 1.0,
        clip: 1.0,
        seed: 4,
        max_iter: 50_000,
    };
    let (prob, _) = poisoning_problem(&data, &spec).unwrap();
    assert!(prob.fixed_point_residual < 1e-12);
    let k = data.classes;
    // Outer objective U ↦ L_val(x̄(U)), each x̄ solved to the f64 floor.
    let objective = |u: &[f64]| {
        let x = fixed_point(&prob.map, u, &prob.x, |z| prob.map.outer(z), 50_000, 1e-15)
            .unwrap()
            .x;
        validation_loss(&data.x_val, &data.labels_val, k, &x).0
    };
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let h = 1e-6;
    for _ in 0..3 {
        let dir: Vec<f64> = (0..prob.theta.len())
            .map(|_| rng.gen_range(-1.0..1.0))
            .collect();
        let plus: Vec<f64> = prob
            .theta
            .iter()
            .zip(&dir)
            .map(|(u, d)| u + h * d)
            .collect();
        let minus: Vec<f64> = prob
            .theta
            .iter()
            .zip(&dir)
            .map(|(u, d)| u - h * d)
            .collect();
        let fd = (objective(&plus) - objective(&minus)) / (2.0 * h);
        let an: f64 = prob.reference.iter().zip(&dir).map(|(g, d)| g * d).sum();
        assert!(
            (fd - an).abs() <= 1e-4 * an.abs() + 1e-9,
            "directional derivative: finite differences {fd:e}, reverse mode {an:e}"
        );
    }
}
