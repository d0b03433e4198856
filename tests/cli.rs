//! The command line end to end: certify the shipped problems, re-check the files,
//! and make sure tampered or truncated certificates are rejected with the right status.

use piggyback::cli::{run, EXIT_INPUT, EXIT_OK, EXIT_REJECTED};
use std::path::PathBuf;

fn run_cli(args: &[&str]) -> (i32, String) {
    let mut out = Vec::new();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let code = run(&args, &mut out);
    (code, String::from_utf8_lossy(&out).into_owned())
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("piggyback-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn relu_layer_is_certified_at_nine_tenths_and_tampering_is_caught() {
    let dir = tmpdir("relu");
    let cert = dir.join("relu.cert.json");
    let (code, text) = run_cli(&[
        "certify",
        "examples/problems/relu_layer.json",
        "-o",
        cert.to_str().unwrap(),
    ]);
    assert_eq!(code, EXIT_OK, "{text}");
    // ‖W‖₂ = 9/10 exactly (W is 9/10 times a rotation) and the all-active piece is W,
    // so 9/10 is the smallest possible bound: the finder must hit it exactly.
    assert!(text.contains("9/10"), "{text}");
    let (code, text) = run_cli(&["check", cert.to_str().unwrap()]);
    assert_eq!(code, EXIT_OK, "{text}");

    let original = std::fs::read_to_string(&cert).unwrap();
    // Claiming a smaller constant is false: 0.89 < ‖W‖₂.
    let tampered = original.replace("\"9/10\"", "\"89/100\"");
    assert_ne!(tampered, original);
    std::fs::write(&cert, &tampered).unwrap();
    let (code, text) = run_cli(&["check", cert.to_str().unwrap()]);
    assert_eq!(code, EXIT_REJECTED, "{text}");
    assert!(text.contains("INVALID"), "{text}");

    // Truncated file: malformed, not a panic.
    std::fs::write(&cert, &original[..original.len() / 2]).unwrap();
    let (code, _) = run_cli(&["check", cert.to_str().unwrap()]);
    assert_eq!(code, EXIT_INPUT);
}

#[test]
fn heavy_ball_is_refuted_and_a_wrong_word_is_rejected() {
    let dir = tmpdir("hb");
    let cert = dir.join("hb.cert.json");
    let (code, text) = run_cli(&[
        "certify",
        "examples/problems/heavy_ball.json",
        "-o",
        cert.to_str().unwrap(),
    ]);
    assert_eq!(code, EXIT_OK, "{text}");
    assert!(text.contains("REFUTED"), "{text}");
    let original = std::fs::read_to_string(&cert).unwrap();
    let value: serde_json::Value = serde_json::from_str(&original).unwrap();
    // M₁ alone has spectral radius √3/2 < 1: a refutation built on the word [0] is false.
    let mut wrong = value.clone();
    wrong["claim"]["word"] = serde_json::json!([0]);
    wrong["claim"]["points"] = serde_json::json!([["1", "0"]]);
    std::fs::write(&cert, serde_json::to_string(&wrong).unwrap()).unwrap();
    let (code, text) = run_cli(&["check", cert.to_str().unwrap()]);
    assert_eq!(code, EXIT_REJECTED, "{text}");
}

#[test]
fn elastic_net_is_certified_at_its_analytic_rate() {
    // AᵀA = [[52/25, −36/25], [−36/25, 73/25]] has trace 5 and determinant 4, so its
    // eigenvalues are L = 4, μ = 1. With γ = 2/(L + μ) = 2/5 and λ₂ = 0 the family is
    // {diag(q)(I − γAᵀA)}, q ∈ [0,1]², whose largest norm (q = 1) is
    // max |1 − γσ| = 3/5 = (L − μ)/(L + μ).
    let dir = tmpdir("enet");
    let cert = dir.join("enet.cert.json");
    let (code, text) = run_cli(&[
        "certify",
        "examples/problems/elastic_net.json",
        "-o",
        cert.to_str().unwrap(),
    ]);
    assert_eq!(code, EXIT_OK, "{text}");
    assert!(text.contains("≤ 3/5"), "{text}");
    assert_eq!(run_cli(&["check", cert.to_str().unwrap()]).0, EXIT_OK);
    // The forward–backward problem also gets a fixed-point certificate, checked exactly;
    // tampering with its radius (down to 0) is rejected.
    let fp = dir.join("enet.fixed-point.cert.json");
    let (code, text) = run_cli(&["check", fp.to_str().unwrap()]);
    assert_eq!(code, EXIT_OK, "{text}");
    assert!(text.contains("FIXED POINT"), "{text}");
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fp).unwrap()).unwrap();
    value["center"][0] = serde_json::json!("1000");
    std::fs::write(&fp, value.to_string()).unwrap();
    assert_eq!(run_cli(&["check", fp.to_str().unwrap()]).0, EXIT_REJECTED);
}

#[test]
fn bad_invocations_are_input_errors() {
    assert_eq!(run_cli(&["certify"]).0, EXIT_INPUT);
    assert_eq!(run_cli(&["certify", "no/such/file.json"]).0, EXIT_INPUT);
    assert_eq!(run_cli(&["check", "no/such/file.json"]).0, EXIT_INPUT);
    assert_eq!(run_cli(&["frobnicate"]).0, EXIT_INPUT);
    assert_eq!(run_cli(&["help"]).0, EXIT_OK);
}

#[test]
fn demo_runs_and_every_certificate_checks() {
    let dir = tmpdir("demo");
    let (code, text) = run_cli(&["demo", dir.to_str().unwrap()]);
    assert_eq!(code, EXIT_OK, "{text}");
    assert_eq!(
        text.matches("VALID").count() - text.matches("INVALID").count(),
        5,
        "{text}"
    );
}

#[test]
fn solve_proves_the_lasso_support_and_matches_the_closed_form() {
    use piggyback::cli::solve_problem;
    use piggyback::io::problem::Problem;
    use piggyback::linalg::lu::solve_vec;
    use piggyback::scalar::{Enclosure, Rational};
    use piggyback::Matrix;

    let problem = Problem::read(std::path::Path::new("examples/problems/lasso.json")).unwrap();
    let r = solve_problem(&problem).unwrap();
    let proof = r
        .proof
        .as_ref()
        .expect("the LASSO example must be provable");
    assert!(proof.single_valued);
    let support: Vec<usize> = (0..r.x.len())
        .filter(|&j| proof.nonzero[j] == Some(true))
        .collect();
    assert!(
        proof.nonzero.iter().all(Option::is_some),
        "every coordinate decided"
    );
    // Independent closed form (MATH.md §6, raw θ = λ): ∂x̂_S/∂λ = −(A_SᵀA_S)⁻¹ sign(x̂_S),
    // 0 off S, with A read exactly (decimal CSV cells as rationals).
    let a: Matrix<Rational> =
        piggyback::io::csv::read_matrix(std::path::Path::new("examples/data/lasso_X.csv")).unwrap();
    let rows: Vec<usize> = (0..a.rows()).collect();
    let a_s = a.select(&rows, &support).unwrap();
    let gram = a_s.transpose().matmul(&a_s).unwrap();
    let rhs: Vec<Rational> = support
        .iter()
        .map(|&j| Rational::from(if r.x[j] > 0.0 { -1 } else { 1 }))
        .collect();
    let d_s = solve_vec(&gram, &rhs).unwrap();
    for j in 0..r.x.len() {
        let exact = support
            .iter()
            .position(|&k| k == j)
            .map_or(Rational::new(), |k| d_s[k].clone());
        assert!(
            proof.derivative[(j, 0)].contains_rational(&exact),
            "enclosure misses the exact derivative at {j}"
        );
        assert!(
            (r.jacobian[(j, 0)] - exact.to_f64()).abs() <= 1e-12,
            "f64 derivative at {j}"
        );
    }
    assert!(proof.error_bound.0 < 1e-10);
}
