//! `certify --level` and `check` of level-2 certificates end to end, at moderate sizes
//! (fast in debug builds): the level named in text and JSON, the data files bound by
//! SHA-256, tampering caught, the exact path unchanged for small problems.

mod cli_support;

use cli_support::{json, run_cli, s, tmpdir};
use piggyback::cli::{EXIT_INPUT, EXIT_OK, EXIT_REJECTED, EXIT_UNDECIDED};
use std::path::{Path, PathBuf};

/// A deterministic pseudo-random design (`n × p`, binary64 values) as an `.npy` file.
fn write_design(dir: &Path, name: &str, n: usize, p: usize, seed: u64) {
    let mut x = seed;
    let v: Vec<f64> = (0..n * p)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        })
        .collect();
    let m = piggyback::Matrix::from_col_major(n, p, v).unwrap();
    piggyback::io::npy::write(&dir.join(name), &m).unwrap();
}

fn enet_problem(dir: &Path, p: usize) -> PathBuf {
    let n = 2 * p;
    write_design(dir, "x.npy", n, p, 7);
    write_design(dir, "y.npy", n, 1, 8);
    let path = dir.join("enet.json");
    std::fs::write(
        &path,
        r#"{"piggyback_problem": 1, "map": {"kind": "elastic_net", "design": {"npy": "x.npy"},
            "response": {"npy": "y.npy"}}, "theta": ["1/10", "1/100"]}"#,
    )
    .unwrap();
    path
}

#[test]
fn certify_at_level_two_writes_a_bound_certificate_that_check_accepts() {
    let dir = tmpdir("cli2", "enet");
    let problem = enet_problem(&dir, 260);
    let cert = dir.join("enet.cert.json");
    // auto: the state dimension 260 is beyond the exact path, so level 2 decides.
    let (code, out, err) = run_cli(&["certify", s(&problem), "--json"]);
    assert_eq!(code, EXIT_OK, "{out}{err}");
    let r = json(&out);
    assert_eq!(r["level"], "float");
    assert_eq!(r["outcome"], "contraction");
    assert_eq!(r["certificate"]["subject"], "map");
    let gap = r["estimate"]["relative_gap"].as_f64().unwrap();
    assert!(gap > 0.0 && gap < 1e-6, "{gap}");
    assert!(dir.join("enet.design.npy").exists());
    // check: valid, at level 2, with its trust list and the data hashes.
    let (code, out, _) = run_cli(&["check", s(&cert)]);
    assert_eq!(code, EXIT_OK, "{out}");
    assert!(
        out.contains("level 2") && out.contains("SHA-256") && out.contains("IEEE-754"),
        "{out}"
    );
    let (code, out, _) = run_cli(&["check", s(&cert), "--json"]);
    assert_eq!(code, EXIT_OK);
    let r = json(&out);
    assert_eq!(
        (r["level"].as_str(), r["verdict"].as_str()),
        (Some("float"), Some("valid"))
    );
    assert!(r["trusts"].as_str().unwrap().contains("round"));
    // A false ρ (a tenth below the optimum) is not accepted: exit 2, not verified.
    let text = std::fs::read_to_string(&cert).unwrap();
    let c = json(&text);
    let rho = c["claim"]["rho"].as_str().unwrap().to_string();
    let (num, den) = rho.split_once('/').unwrap_or((&rho, "1"));
    let lower = num.parse::<f64>().unwrap() / den.parse::<f64>().unwrap() * 0.9;
    std::fs::write(&cert, text.replace(&rho, &format!("{lower:.6}"))).unwrap();
    let (code, out, _) = run_cli(&["check", s(&cert), "--json"]);
    assert_eq!(code, EXIT_UNDECIDED, "{out}");
    assert_eq!(json(&out)["verdict"], "not_verified");
    // Restore, then tamper with the data file: rejected at the hash.
    std::fs::write(&cert, &text).unwrap();
    write_design(&dir, "enet.design.npy", 520, 260, 9);
    let (code, out, _) = run_cli(&["check", s(&cert)]);
    assert_eq!(code, EXIT_REJECTED, "{out}");
    assert!(out.contains("SHA-256"), "{out}");
    // An existing certificate is not replaced without --force.
    let (code, _, err) = run_cli(&["certify", s(&problem), "--level", "float"]);
    assert_eq!(code, EXIT_INPUT, "{err}");
    let (code, out, _) = run_cli(&["certify", s(&problem), "--level", "float", "--force"]);
    assert_eq!(code, EXIT_OK, "{out}");
    assert!(
        out.contains("level 2") && out.contains("above the f64 estimate"),
        "{out}"
    );
    assert_eq!(run_cli(&["check", s(&cert)]).0, EXIT_OK);
}

#[test]
fn small_problems_keep_the_exact_path_and_float_is_available() {
    let dir = tmpdir("cli2", "small");
    let problem = Path::new("examples/problems/relu_layer.json");
    let exact = dir.join("exact.cert.json");
    let (code, out, _) = run_cli(&["certify", s(problem), "-o", s(&exact), "--json"]);
    assert_eq!(code, EXIT_OK, "{out}");
    let r = json(&out);
    assert_eq!(r["level"], "exact");
    assert_eq!(r["certificate"]["claim"]["rho"], "9/10");
    let float = dir.join("float.cert.json");
    let (code, out, _) = run_cli(&[
        "certify",
        s(problem),
        "-o",
        s(&float),
        "--level",
        "float",
        "--json",
    ]);
    assert_eq!(code, EXIT_OK, "{out}");
    let r = json(&out);
    assert_eq!(r["level"], "float");
    // ‖W‖₂ = 9/10 exactly: level 2's ρ is just above it.
    let text = r["certificate"]["claim"]["rho"].as_str().unwrap();
    let (num, den) = text.split_once('/').unwrap_or((text, "1"));
    let rho = num.parse::<f64>().unwrap() / den.parse::<f64>().unwrap();
    assert!(rho > 0.9 && rho < 0.9 * (1.0 + 1e-6), "{rho}");
    // Each file goes to its own level, and the exact kernel refuses the level-2 file.
    let (code, out, _) = run_cli(&["check", s(&exact), "--json"]);
    assert_eq!(
        (code, json(&out)["level"].as_str()),
        (EXIT_OK, Some("exact"))
    );
    let (code, out, _) = run_cli(&["check", s(&float), "--json"]);
    assert_eq!(
        (code, json(&out)["level"].as_str()),
        (EXIT_OK, Some("float"))
    );
    let e = piggyback_kernel::check_json(&std::fs::read_to_string(&float).unwrap()).unwrap_err();
    assert!(e.to_string().contains("level-2"), "{e}");
    // Level 2 does not know piecewise-affine maps: a typed error, exit 3.
    let (code, _, err) = run_cli(&[
        "certify",
        "examples/problems/clarke.json",
        "-o",
        s(&dir.join("c.cert.json")),
        "--level",
        "float",
    ]);
    assert_eq!(code, EXIT_INPUT, "{err}");
}
