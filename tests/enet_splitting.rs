//! The two elastic-net splittings (λ₂ in the prox, λ₂ in the smooth part): each is
//! certified at its analytic contraction factor, compared in exact rationals with the
//! closed form; the kernel binds a certificate to its splitting; both maps have the
//! same fixed point.
//!
//! Data: `A = diag(2, 1)·Q` with the rational rotation `Q = [[3/5, 4/5], [−4/5, 3/5]]`,
//! so `AᵀA = Qᵀdiag(4, 1)Q` has `L = 4`, `μ = 1` exactly, and `λ₂ = 1`.
//! Closed forms (`ρ` of the `A`-block in the Euclidean norm, every `q ∈ [0, 1]ᵖ`):
//! prox `max(|1 − γμ|, |1 − γL|)/(1 + γλ₂)`, smooth `max(|1 − γ(μ + λ₂)|, |1 − γ(L + λ₂)|)`.

use piggyback::certify::contraction::certified_rho;
use piggyback::certify::forward_backward::{certify_fixed_point_with_verdict, FbProblem};
use piggyback::certify::problem::{certify_problem, Outcome};
use piggyback::certify::{check_json, to_json};
use piggyback::diff::fixed_point::solve_fixed_point;
use piggyback::diff::IterOptions;
use piggyback::io::problem::Problem;
use piggyback::linalg::norms::Norm;
use piggyback::maps::{Design, ForwardBackward, Penalty, Splitting, StepRule};
use piggyback::scalar::{parse_rational, Rational};
use piggyback::MatrixSetView;
use piggyback::{FixedPointMap, Matrix, Scalar};
use serde_json::{json, Value};
use std::path::Path;

const DESIGN: [[&str; 2]; 2] = [["6/5", "8/5"], ["-4/5", "3/5"]];
const RESPONSE: [&str; 2] = ["3", "-1"];

fn r(s: &str) -> Rational {
    parse_rational(s).unwrap()
}

fn abs(x: Rational) -> Rational {
    Scalar::abs(&x)
}

/// The closed-form contraction factor at step `γ` (L = 4, μ = 1, λ₂ = 1).
fn closed_form(splitting: Splitting, gamma: &Rational) -> Rational {
    let (l, mu, l2) = (r("4"), r("1"), r("1"));
    let one = r("1");
    match splitting {
        Splitting::Prox => {
            let m = Scalar::max(
                &abs(one.sub(&gamma.mul(&mu))),
                &abs(one.sub(&gamma.mul(&l))),
            );
            m.div(&one.add(&gamma.mul(&l2))).unwrap()
        }
        Splitting::Smooth => Scalar::max(
            &abs(one.sub(&gamma.mul(&mu.add(&l2)))),
            &abs(one.sub(&gamma.mul(&l.add(&l2)))),
        ),
    }
}

fn problem_json(splitting: Option<&str>, step: Value) -> String {
    let mut map = json!({"kind": "elastic_net", "design": DESIGN, "response": RESPONSE});
    // An exact number is a step; a word is a step rule.
    match step.as_str() {
        Some(s) if s.starts_with(|c: char| c.is_ascii_alphabetic()) => map["step_rule"] = step,
        Some(_) => map["step"] = step,
        None => {}
    }
    if let Some(s) = splitting {
        map["splitting"] = json!(s);
    }
    json!({"piggyback_problem": 1, "map": map, "theta": ["1/2", "1"]}).to_string()
}

fn certify(text: &str) -> (Rational, String) {
    let problem = Problem::parse(text, Path::new(".")).unwrap();
    match certify_problem(&problem).unwrap() {
        Outcome::Certified(c) => (
            certified_rho(&c.certificate).expect("a norm bound"),
            to_json(&c.certificate),
        ),
        Outcome::Undecided(why) => panic!("not certified: {why}"),
        other => panic!("unexpected outcome {other:?}"),
    }
}

/// `ρ ≥ closed form` (sound) and `ρ ≤ closed form + 10⁻⁶` (tight: the search states
/// `ρ` with at most 6 decimals), exactly.
fn assert_at_closed_form(rho: &Rational, want: &Rational) {
    assert!(
        rho >= want,
        "certified ρ = {rho} below the true factor {want}"
    );
    let slack = r("1/1000000");
    assert!(
        *rho <= want.add(&slack),
        "certified ρ = {rho} not within 1e-6 of {want}"
    );
}

#[test]
fn each_splitting_is_certified_at_its_closed_form_rho() {
    // The smooth splitting at its optimal step 2/(L + μ + 2λ₂) = 2/7: ρ = 3/7.
    let (rho, _) = certify(&problem_json(Some("smooth"), json!("2/7")));
    assert_eq!(closed_form(Splitting::Smooth, &r("2/7")), r("3/7"));
    assert_at_closed_form(&rho, &r("3/7"));
    // The prox splitting at its step 2/(L + μ) = 2/5: ρ = (3/5)/(7/5) = 3/7.
    let (rho, _) = certify(&problem_json(None, json!("2/5")));
    assert_eq!(closed_form(Splitting::Prox, &r("2/5")), r("3/7"));
    assert_at_closed_form(&rho, &r("3/7"));
    // At one step γ = 1/4 the two maps differ (prox 3/5, smooth 1/2): each is
    // certified at its own value.
    for (s, name) in [(Splitting::Prox, "prox"), (Splitting::Smooth, "smooth")] {
        let (rho, _) = certify(&problem_json(Some(name), json!("1/4")));
        assert_at_closed_form(&rho, &closed_form(s, &r("1/4")));
    }
    assert_ne!(
        closed_form(Splitting::Prox, &r("1/4")),
        closed_form(Splitting::Smooth, &r("1/4"))
    );
}

#[test]
fn the_optimal_step_rule_follows_the_splitting() {
    for (s, name, gamma_ideal) in [
        (Splitting::Smooth, "smooth", 2.0 / 7.0),
        (Splitting::Prox, "prox", 2.0 / 5.0),
    ] {
        let text = problem_json(Some(name), json!("optimal"));
        let problem = Problem::parse(&text, Path::new(".")).unwrap();
        let fb = problem.forward_backward_map::<Rational>().unwrap().unwrap();
        assert_eq!(fb.splitting(), s);
        let gamma = fb.gamma().clone();
        assert!(
            (gamma.to_f64() - gamma_ideal).abs() < 1e-9,
            "{name}: γ = {gamma}"
        );
        // Certified at the closed form of the γ actually used (an f64 estimate).
        let (rho, _) = certify(&text);
        assert_at_closed_form(&rho, &closed_form(s, &gamma));
        assert!((rho.to_f64() - 3.0 / 7.0).abs() < 1e-6);
    }
}

/// The certificate's embedded problem with its splitting replaced.
fn with_splitting(cert: &str, splitting: Option<&str>) -> String {
    let mut v: Value = serde_json::from_str(cert).unwrap();
    let map = v["subject"]["problem"]["map"]
        .as_object_mut()
        .expect("a map subject");
    match splitting {
        Some(s) => map.insert("splitting".into(), json!(s)),
        None => map.remove("splitting"),
    };
    v.to_string()
}

#[test]
fn a_certificate_for_one_splitting_does_not_verify_for_the_other() {
    // Smooth at γ = 2/7: ρ = 3/7; the prox map at that γ has 5/9.
    let (_, smooth) = certify(&problem_json(Some("smooth"), json!("2/7")));
    assert!(
        smooth.contains("\"splitting\":\"smooth\"") || smooth.contains("\"splitting\": \"smooth\"")
    );
    assert!(check_json(&smooth).is_ok());
    assert_eq!(closed_form(Splitting::Prox, &r("2/7")), r("5/9"));
    assert!(check_json(&with_splitting(&smooth, None)).is_err());
    assert!(check_json(&with_splitting(&smooth, Some("prox"))).is_err());
    // Prox at γ = 1/2: ρ = 2/3; the smooth map at that γ is not even a contraction.
    let (_, prox) = certify(&problem_json(None, json!("1/2")));
    assert!(!prox.contains("splitting"), "the default is not written");
    assert!(check_json(&prox).is_ok());
    assert_eq!(closed_form(Splitting::Smooth, &r("1/2")), r("3/2"));
    assert!(check_json(&with_splitting(&prox, Some("smooth"))).is_err());
    // An unknown splitting is malformed.
    assert!(check_json(&with_splitting(&prox, Some("ridge"))).is_err());
}

fn fb_problem(splitting: Splitting, gamma: &str) -> FbProblem {
    let a = Matrix::from_rows(
        &DESIGN
            .iter()
            .map(|row| row.iter().map(|s| r(s)).collect())
            .collect::<Vec<Vec<Rational>>>(),
    )
    .unwrap();
    FbProblem {
        a,
        b: RESPONSE.iter().map(|s| r(s)).collect(),
        gamma: r(gamma),
        lambda1: r("1/2"),
        lambda2: r("1"),
        penalty: Penalty::ElasticNet,
        splitting,
    }
}

fn f64_map(s: Splitting, gamma: f64) -> ForwardBackward<f64> {
    let a = Matrix::from_rows(&[vec![1.2, 1.6], vec![-0.8, 0.6]]).unwrap();
    ForwardBackward::with_splitting(
        Design::Dense(a),
        vec![3.0, -1.0],
        Penalty::ElasticNet,
        StepRule::Given(gamma),
        s,
        &1.0,
    )
    .unwrap()
}

/// The exact minimiser by its KKT conditions, computed here independently: with
/// `G = AᵀA + λ₂I` and `c = Aᵀb`, the support `S` and signs `s` of `x̄` satisfy
/// `G_SS x_S = c_S − λ₁s` and `|c_j − (Gx)_j| ≤ λ₁` off `S`.
fn exact_minimiser() -> (Vec<Rational>, Vec<Rational>) {
    let a = fb_problem(Splitting::Prox, "1").a;
    let b: Vec<Rational> = RESPONSE.iter().map(|s| r(s)).collect();
    let g = a
        .transpose()
        .matmul(&a)
        .unwrap()
        .add(&Matrix::identity(2).scale(&r("1")))
        .unwrap();
    let c = a.tr_mul_vec(&b).unwrap();
    let l1 = r("1/2");
    // Try every sign pattern in {−1, 0, 1}²; exactly one satisfies KKT (G ≻ 0).
    let mut found = vec![];
    for s0 in -1i32..=1 {
        for s1 in -1i32..=1 {
            let s = [s0, s1];
            let sup: Vec<usize> = (0..2).filter(|&j| s[j] != 0).collect();
            let mut x = vec![Rational::new(); 2];
            let mut dx = vec![Rational::new(); 2];
            if !sup.is_empty() {
                let gs = g.select(&sup, &sup).unwrap();
                let rhs: Vec<Rational> = sup
                    .iter()
                    .map(|&j| c[j].sub(&l1.mul(&Rational::from(s[j]))))
                    .collect();
                let xs = piggyback::linalg::lu::solve_vec(&gs, &rhs).unwrap();
                let ds = piggyback::linalg::lu::solve_vec(
                    &gs,
                    &sup.iter()
                        .map(|&j| Rational::from(-s[j]))
                        .collect::<Vec<_>>(),
                )
                .unwrap();
                for (k, &j) in sup.iter().enumerate() {
                    x[j] = xs[k].clone();
                    dx[j] = ds[k].clone();
                }
            }
            let gx = g.mul_vec(&x).unwrap();
            let ok = (0..2).all(|j| {
                if s[j] == 0 {
                    abs(c[j].sub(&gx[j])) < l1
                } else {
                    x[j].clone().mul(&Rational::from(s[j])) > Rational::new()
                }
            });
            if ok {
                found.push((x, dx));
            }
        }
    }
    assert_eq!(found.len(), 1, "KKT strictly holds for exactly one pattern");
    found.pop().unwrap()
}

#[test]
fn both_splittings_have_the_same_fixed_point_and_exact_derivative() {
    let (x_exact, dx_exact) = exact_minimiser();
    for (s, gamma) in [(Splitting::Prox, "2/5"), (Splitting::Smooth, "2/7")] {
        let map = f64_map(s, r(gamma).to_f64());
        let opts = IterOptions {
            max_iter: 100_000,
            tol: 1e-15,
            ..Default::default()
        };
        let x = solve_fixed_point(&map, &[0.0, 0.0], &[0.5, 1.0], &opts, Norm::Inf)
            .unwrap()
            .x;
        for (xi, ei) in x.iter().zip(&x_exact) {
            assert!((xi - ei.to_f64()).abs() < 1e-12, "{s:?}: {xi} vs {ei}");
        }
        let (cert, _) = certify_fixed_point_with_verdict(&fb_problem(s, gamma), &x).unwrap();
        assert_eq!(
            cert.problem.map,
            fb_problem(s, gamma).problem_data().map,
            "the splitting is embedded"
        );
        let rho = r(cert.rho.as_deref().expect("a contraction"));
        assert_at_closed_form(&rho, &r("3/7"));
        let d = cert.derivative.clone().expect("every sign proven");
        let d: Vec<Rational> = d.iter().map(|t| r(t)).collect();
        assert_eq!(d, dx_exact, "{s:?}: the exact ∂x̄/∂λ₁");
        // The same certificate under the other splitting: the smooth one claims
        // ρ ≈ 3/7 where the prox map at γ = 2/7 has 5/9, so it fails; the prox one at
        // γ = 2/5 claims 3/7 where the smooth map has max(|1 − 4/5|, |1 − 2|) = 1.
        let mut other = cert.clone();
        other.problem = fb_problem(
            match s {
                Splitting::Prox => Splitting::Smooth,
                Splitting::Smooth => Splitting::Prox,
            },
            gamma,
        )
        .problem_data();
        let text = to_json(&other);
        assert!(
            piggyback::certify::fixed_point_from_json(&text)
                .and_then(|c| piggyback_kernel::fixed_point::check_fixed_point(
                    &c,
                    &mut piggyback::certify::Budget::default()
                ))
                .is_err(),
            "{s:?} certificate accepted for the other splitting"
        );
    }
}

/// The smooth map is affine in `λ₂` off the kinks: its `λ₂`-column (and `λ₁`-column) is
/// the exact difference quotient, and its `x`-block is the exact difference quotient in
/// each coordinate direction.
#[test]
fn smooth_splitting_jacobian_is_the_exact_difference_quotient() {
    let a = fb_problem(Splitting::Smooth, "1").a;
    let b: Vec<Rational> = RESPONSE.iter().map(|s| r(s)).collect();
    let map = ForwardBackward::with_splitting(
        Design::Dense(a),
        b,
        Penalty::ElasticNet,
        StepRule::Given(r("1/5")),
        Splitting::Smooth,
        &r("1"),
    )
    .unwrap();
    let x = vec![r("3/4"), r("-1/3")];
    let theta = vec![r("1/10"), r("1")];
    let f0 = map.apply(&x, &theta).unwrap();
    // Independent evaluation: z = x − γ(Aᵀ(Ax − b) + λ₂x), F = S_τ(z).
    let gamma = r("1/5");
    let a = fb_problem(Splitting::Smooth, "1").a;
    let res: Vec<Rational> = a
        .mul_vec(&x)
        .unwrap()
        .iter()
        .zip(RESPONSE.iter())
        .map(|(u, v)| u.sub(&r(v)))
        .collect();
    let grad = a.tr_mul_vec(&res).unwrap();
    let tau = gamma.mul(&theta[0]);
    for i in 0..2 {
        let z = x[i].sub(&gamma.mul(&grad[i].add(&theta[1].mul(&x[i]))));
        let want = if z > tau {
            z.sub(&tau)
        } else if z < tau.neg() {
            z.add(&tau)
        } else {
            Rational::new()
        };
        assert_eq!(f0[i], want);
    }
    let h = r("1/1000000");
    let jac = map.conservative_jacobian(&x, &theta).unwrap();
    let MatrixSetView::DiagBox {
        q_lo,
        q_hi,
        m,
        offset,
    } = jac.view()
    else {
        panic!("a DiagBox")
    };
    assert_eq!(q_lo, q_hi, "off the kinks the element is single");
    let dir = |k: usize| -> Vec<Rational> {
        let (mut xx, mut tt) = (x.clone(), theta.clone());
        if k < 2 {
            xx[k] = xx[k].add(&h);
        } else {
            tt[k - 2] = tt[k - 2].add(&h);
        }
        map.apply(&xx, &tt).unwrap()
    };
    for k in 0..4 {
        let f1 = dir(k);
        for i in 0..2 {
            let quotient = f1[i].sub(&f0[i]).div(&h).unwrap();
            let entry = q_lo[i].mul(&m[(i, k)]).add(&offset[(i, k)]);
            assert_eq!(quotient, entry, "entry ({i}, {k})");
        }
    }
}

#[test]
fn problem_files_choose_the_splitting() {
    let base = Path::new(".");
    // Default: prox.
    let p = Problem::parse(&problem_json(None, Value::Null), base).unwrap();
    let fb = p.forward_backward_map::<f64>().unwrap().unwrap();
    assert_eq!(fb.splitting(), Splitting::Prox);
    // A LASSO has no splitting; an unknown value is refused.
    let lasso = json!({"piggyback_problem": 1, "map": {"kind": "lasso", "design": DESIGN,
        "response": RESPONSE, "splitting": "smooth"}, "theta": ["1"]})
    .to_string();
    let Err(e) = Problem::parse(&lasso, base) else {
        panic!("a smooth LASSO was accepted")
    };
    let e = e.to_string();
    assert!(e.contains("splitting"), "{e}");
    assert!(Problem::parse(&problem_json(Some("ridge"), Value::Null), base).is_err());
    // The library refuses a smooth LASSO and a negative step λ₂ as well.
    let a = Matrix::from_rows(&[vec![1.0]]).unwrap();
    for (pen, l2) in [(Penalty::Lasso, 0.0), (Penalty::ElasticNet, -1.0)] {
        assert!(ForwardBackward::with_splitting(
            Design::Dense(a.clone()),
            vec![1.0],
            pen,
            StepRule::<f64>::InverseLipschitz,
            Splitting::Smooth,
            &l2,
        )
        .is_err());
    }
}
