//! The command line end to end: certify the shipped problems, re-check the files,
//! make sure tampered or truncated certificates are rejected with the right status,
//! and one test per command-line convention (help, version, stderr, exit codes,
//! JSON, no silent overwrite, unknown flags, quiet).

mod cli_support;

use cli_support::{json, run_cli, s, tmpdir};
use piggyback::cli::{EXIT_INPUT, EXIT_OK, EXIT_REFUTED, EXIT_REJECTED, EXIT_UNDECIDED};
use serde_json::Value;
use std::path::Path;

/// Run the real binary: (exit status, stdout, stderr).
fn run_bin(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_piggyback"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs");
    (
        o.status.code().expect("exited, not killed"),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A problem whose Jacobian is the single matrix [[1]]: spectral radius exactly 1, so
/// no norm bound below 1 exists and no product has spectral radius above 1.
const UNDECIDABLE: &str = r#"{"piggyback_problem": 1, "name": "identity",
  "map": {"kind": "piecewise_affine", "pieces": [{"a": [["1"]]}]}}"#;

#[test]
fn relu_layer_is_certified_at_nine_tenths_and_tampering_is_caught() {
    let dir = tmpdir("cli", "relu");
    let cert = dir.join("relu.cert.json");
    let (code, out, _) = run_cli(&[
        "certify",
        "examples/problems/relu_layer.json",
        "-o",
        s(&cert),
    ]);
    assert_eq!(code, EXIT_OK, "{out}");
    // ‖W‖₂ = 9/10 exactly (W is 9/10 times a rotation) and the all-active piece is W,
    // so 9/10 is the smallest possible bound: the finder must hit it exactly.
    assert!(out.contains("9/10"), "{out}");
    let (code, out, _) = run_cli(&["check", s(&cert)]);
    assert_eq!(code, EXIT_OK, "{out}");

    let original = std::fs::read_to_string(&cert).unwrap();
    // Claiming a smaller constant is false: 0.89 < ‖W‖₂.
    let tampered = original.replace("\"9/10\"", "\"89/100\"");
    assert_ne!(tampered, original);
    std::fs::write(&cert, &tampered).unwrap();
    let (code, out, _) = run_cli(&["check", s(&cert)]);
    assert_eq!(code, EXIT_REJECTED, "{out}");
    assert!(out.contains("INVALID"), "{out}");

    // Truncated file: malformed, not a panic.
    std::fs::write(&cert, &original[..original.len() / 2]).unwrap();
    let (code, _, _) = run_cli(&["check", s(&cert)]);
    assert_eq!(code, EXIT_INPUT);
}

#[test]
fn heavy_ball_is_refuted_and_a_wrong_word_is_rejected() {
    let dir = tmpdir("cli", "hb");
    let cert = dir.join("hb.cert.json");
    let (code, out, _) = run_cli(&[
        "certify",
        "examples/problems/heavy_ball.json",
        "-o",
        s(&cert),
    ]);
    assert_eq!(code, EXIT_REFUTED, "{out}");
    assert!(out.contains("REFUTED"), "{out}");
    // A valid refutation re-checks with the refutation status too.
    assert_eq!(run_cli(&["check", s(&cert)]).0, EXIT_REFUTED);
    let original = std::fs::read_to_string(&cert).unwrap();
    let value: Value = serde_json::from_str(&original).unwrap();
    // M₁ alone has spectral radius √3/2 < 1: a refutation built on the word [0] is false.
    let mut wrong = value.clone();
    wrong["claim"]["word"] = serde_json::json!([0]);
    wrong["claim"]["points"] = serde_json::json!([["1", "0"]]);
    std::fs::write(&cert, serde_json::to_string(&wrong).unwrap()).unwrap();
    let (code, out, _) = run_cli(&["check", s(&cert)]);
    assert_eq!(code, EXIT_REJECTED, "{out}");
}

#[test]
fn elastic_net_is_certified_at_its_analytic_rate() {
    // AᵀA = [[52/25, −36/25], [−36/25, 73/25]] has trace 5 and determinant 4, so its
    // eigenvalues are L = 4, μ = 1. With γ = 2/(L + μ) = 2/5 and λ₂ = 0 the family is
    // {diag(q)(I − γAᵀA)}, q ∈ [0,1]², whose largest norm (q = 1) is
    // max |1 − γσ| = 3/5 = (L − μ)/(L + μ).
    let dir = tmpdir("cli", "enet");
    let cert = dir.join("enet.cert.json");
    let (code, out, _) = run_cli(&[
        "certify",
        "examples/problems/elastic_net.json",
        "-o",
        s(&cert),
    ]);
    assert_eq!(code, EXIT_OK, "{out}");
    assert!(out.contains("≤ 3/5"), "{out}");
    assert_eq!(run_cli(&["check", s(&cert)]).0, EXIT_OK);
    // The forward–backward problem also gets a fixed-point certificate, checked exactly;
    // tampering with its center is rejected.
    let fp = dir.join("enet.fixed-point.cert.json");
    let (code, out, _) = run_cli(&["check", s(&fp)]);
    assert_eq!(code, EXIT_OK, "{out}");
    assert!(out.contains("FIXED POINT"), "{out}");
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(&fp).unwrap()).unwrap();
    value["center"][0] = serde_json::json!("1000");
    std::fs::write(&fp, value.to_string()).unwrap();
    assert_eq!(run_cli(&["check", s(&fp)]).0, EXIT_REJECTED);
}

#[test]
fn help_on_every_command_goes_to_stdout_with_status_0() {
    for args in [
        vec!["--help"],
        vec!["-h"],
        vec!["help"],
        vec!["certify", "--help"],
        vec!["check", "--help"],
        vec!["solve", "--help"],
        vec!["demo", "--help"],
        vec!["help", "certify"],
        vec!["help", "demo"],
        vec!["plot", "--help"],
        vec!["help", "plot"],
    ] {
        let (code, out, err) = run_cli(&args);
        assert_eq!(code, EXIT_OK, "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
        assert!(out.contains("Usage: piggyback"), "{args:?}: {out}");
        // Every help page documents the exit statuses, the refutation one included.
        assert!(out.contains("4  refuted"), "{args:?}: {out}");
    }
    let (_, out, _) = run_cli(&["certify", "--help"]);
    for flag in ["--output", "--json", "--force", "--quiet"] {
        assert!(out.contains(flag), "certify --help lacks {flag}: {out}");
    }
    // `demo --help` used to create a directory named `--help`: run the binary in an
    // empty directory and look.
    let dir = tmpdir("cli", "demo-help");
    let (code, out, _) = run_bin(&["demo", "--help"], &dir);
    assert_eq!(code, EXIT_OK);
    assert!(out.contains("Usage: piggyback demo"), "{out}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "demo --help wrote files"
    );
}

#[test]
fn version_is_printed_by_the_program_and_every_command() {
    let v = env!("CARGO_PKG_VERSION");
    for (args, expected) in [
        (vec!["--version"], format!("piggyback {v}\n")),
        (vec!["-V"], format!("piggyback {v}\n")),
        (vec!["solve", "--version"], format!("piggyback-solve {v}\n")),
        (vec!["check", "-V"], format!("piggyback-check {v}\n")),
    ] {
        let (code, out, err) = run_cli(&args);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (EXIT_OK, expected.as_str(), "")
        );
    }
}

#[test]
fn errors_go_to_stderr_and_nothing_to_stdout() {
    let dir = tmpdir("cli", "stderr");
    for args in [
        vec!["certify", "no/such/file.json"],
        vec!["solve", "no/such/file.json"],
        vec!["check", "no/such/file.json"],
    ] {
        let (code, out, err) = run_bin(&args, Path::new(env!("CARGO_MANIFEST_DIR")));
        assert_eq!(code, EXIT_INPUT, "{args:?}");
        assert!(out.is_empty(), "{args:?}: stdout {out:?}");
        assert!(
            err.starts_with("error: invalid input: cannot read no/such/file.json: "),
            "{args:?}: {err}"
        );
    }
    // No arguments at all: the help, on stderr, as a usage error.
    let (code, out, err) = run_bin(&[], &dir);
    assert_eq!(code, EXIT_INPUT);
    assert!(out.is_empty() && err.contains("Usage: piggyback"), "{err}");
}

#[test]
fn unknown_flags_and_commands_are_refused() {
    for (args, needle) in [
        (
            vec!["certify", "examples/problems/relu_layer.json", "--bogus"],
            "unexpected argument '--bogus'",
        ),
        (
            vec!["solve", "examples/problems/lasso.json", "--frobnicate"],
            "unexpected argument '--frobnicate'",
        ),
        (vec!["check"], "required arguments were not provided"),
        (vec!["frobnicate"], "unrecognized subcommand 'frobnicate'"),
        (
            vec!["solve", "a.json", "b.json"],
            "unexpected argument 'b.json'",
        ),
    ] {
        let (code, out, err) = run_cli(&args);
        assert_eq!(code, EXIT_INPUT, "{args:?}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn every_exit_status() {
    let dir = tmpdir("cli", "exit");
    // 0: a contraction certified.
    let c0 = dir.join("relu.cert.json");
    let args = ["certify", "examples/problems/relu_layer.json", "-o", s(&c0)];
    assert_eq!(run_cli(&args).0, EXIT_OK);
    // 4: a refutation certified.
    let c4 = dir.join("hb.cert.json");
    let args = ["certify", "examples/problems/heavy_ball.json", "-o", s(&c4)];
    assert_eq!(run_cli(&args).0, EXIT_REFUTED);
    // 2: undecided (spectral radius exactly 1); nothing is written.
    let p2 = dir.join("identity.json");
    std::fs::write(&p2, UNDECIDABLE).unwrap();
    let (code, out, _) = run_cli(&["certify", s(&p2)]);
    assert_eq!(code, EXIT_UNDECIDED, "{out}");
    assert!(out.contains("identity: UNDECIDED"), "{out}");
    assert!(!dir.join("identity.cert.json").exists());
    // solve: I − A is singular, so even the f64 derivative fails — on valid input.
    let (code, out, err) = run_cli(&["solve", s(&p2)]);
    assert_eq!(code, EXIT_UNDECIDED, "{out}");
    assert_eq!(err, "error: singular system: zero pivot in column 0\n");
    // solve: f64 results, but no proof (heavy ball's pieces are not all contractive).
    let (code, out, _) = run_cli(&["solve", "examples/problems/heavy_ball.json"]);
    assert_eq!(code, EXIT_UNDECIDED, "{out}");
    assert!(out.contains("NOT PROVED"), "{out}");
    // 1: a rejected certificate (claims ρ = 1/2 for the 9/10 layer).
    let text = std::fs::read_to_string(&c0).unwrap();
    let c1 = dir.join("forged.cert.json");
    std::fs::write(&c1, text.replace("\"9/10\"", "\"1/2\"")).unwrap();
    assert_eq!(run_cli(&["check", s(&c1)]).0, EXIT_REJECTED);
    // 3: bad input.
    assert_eq!(run_cli(&["check", "no/such/file.json"]).0, EXIT_INPUT);
    // The same statuses through the real binary (the process exit code).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(run_bin(&["check", s(&c0)], root).0, EXIT_OK);
    assert_eq!(run_bin(&["check", s(&c1)], root).0, EXIT_REJECTED);
    assert_eq!(run_bin(&["certify", s(&p2)], root).0, EXIT_UNDECIDED);
    assert_eq!(run_bin(&["check", "nope.json"], root).0, EXIT_INPUT);
    assert_eq!(run_bin(&["check", s(&c4)], root).0, EXIT_REFUTED);
}

#[test]
fn certify_json_report_has_the_documented_fields() {
    let dir = tmpdir("cli", "json-certify");
    let cert = dir.join("enet.cert.json");
    let (code, out, _) = run_cli(&[
        "certify",
        "examples/problems/elastic_net.json",
        "-o",
        s(&cert),
        "--json",
    ]);
    assert_eq!(code, EXIT_OK);
    let v = json(&out);
    assert_eq!(v["report"], "piggyback-report");
    assert_eq!(v["version"], 1);
    assert_eq!(v["command"], "certify");
    assert_eq!(v["problem"], "examples/problems/elastic_net.json");
    assert_eq!(v["outcome"], "contraction");
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["certificate"]["path"], s(&cert));
    // The claim is exactly the one in the certificate file (exact strings).
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&cert).unwrap()).unwrap();
    assert_eq!(v["certificate"]["claim"], file["claim"]);
    assert_eq!(v["certificate"]["claim"]["rho"], "3/5");
    let fp = &v["fixed_point"];
    assert_eq!(fp["path"], s(&dir.join("enet.fixed-point.cert.json")));
    assert!(fp["summary"]["radius"].is_string());
    assert_eq!(fp["summary"]["center"].as_array().unwrap().len(), 2);
    assert!(v["reason"].is_null());

    let (code, out, _) = run_cli(&[
        "certify",
        "examples/problems/heavy_ball.json",
        "-o",
        s(&dir.join("hb.json")),
        "--json",
    ]);
    assert_eq!(code, EXIT_REFUTED);
    let v = json(&out);
    assert_eq!(
        (v["outcome"].as_str(), v["exit_code"].as_i64()),
        (Some("refuted"), Some(4))
    );
    assert_eq!(v["certificate"]["claim"]["kind"], "refutation");
    assert!(v["fixed_point"].is_null());
}

#[test]
fn check_json_report_has_the_documented_fields() {
    let dir = tmpdir("cli", "json-check");
    let cert = dir.join("relu.cert.json");
    let args = [
        "certify",
        "examples/problems/relu_layer.json",
        "-o",
        s(&cert),
    ];
    assert_eq!(run_cli(&args).0, EXIT_OK);
    let (code, out, _) = run_cli(&["check", s(&cert), "--json"]);
    assert_eq!(code, EXIT_OK);
    let v = json(&out);
    assert_eq!(v["command"], "check");
    assert_eq!(v["certificate"], s(&cert));
    assert_eq!(v["format"], "piggyback-certificate");
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["outcome"], "contraction");
    assert_eq!(v["claim"]["rho"], "9/10");
    assert!(v["failure"].is_null());
    assert_eq!(v["exit_code"], 0);
    // Rejected.
    let text = std::fs::read_to_string(&cert).unwrap();
    std::fs::write(&cert, text.replace("\"9/10\"", "\"89/100\"")).unwrap();
    let (code, out, _) = run_cli(&["check", s(&cert), "--json"]);
    assert_eq!(code, EXIT_REJECTED);
    let v = json(&out);
    assert_eq!(
        (v["verdict"].as_str(), v["exit_code"].as_i64()),
        (Some("rejected"), Some(1))
    );
    assert!(v["failure"].as_str().is_some_and(|f| !f.is_empty()));
    assert!(v["claim"].is_null());
    // Malformed.
    std::fs::write(&cert, "{").unwrap();
    let (code, out, _) = run_cli(&["check", s(&cert), "--json"]);
    assert_eq!(code, EXIT_INPUT);
    assert_eq!(json(&out)["verdict"], "malformed");
}

#[test]
fn solve_json_report_has_the_documented_fields_at_full_precision() {
    use piggyback::cli::solve_problem;
    use piggyback::io::problem::Problem;
    let (code, out, err) = run_cli(&["solve", "examples/problems/lasso.json", "--json"]);
    assert_eq!(code, EXIT_OK, "{err}");
    let v = json(&out);
    assert_eq!(v["command"], "solve");
    assert_eq!(v["proved"], true);
    assert!(v["not_proved"].is_null());
    assert_eq!(v["exit_code"], 0);
    // The f64 numbers parse back to the very same doubles.
    let r =
        solve_problem(&Problem::read(Path::new("examples/problems/lasso.json")).unwrap()).unwrap();
    let xs: Vec<f64> = v["x"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(xs, r.x);
    let jac = v["jacobian"].as_array().unwrap();
    assert_eq!(jac.len(), 8);
    assert_eq!(jac[0].as_array().unwrap().len(), 1);
    for (i, row) in jac.iter().enumerate() {
        assert_eq!(
            row[0].as_f64().unwrap().to_bits(),
            r.jacobian[(i, 0)].to_bits()
        );
    }
    let proof = &v["proof"];
    assert_eq!(proof["x"].as_array().unwrap().len(), 8);
    for (i, pair) in proof["x"].as_array().unwrap().iter().enumerate() {
        let (lo, hi) = (pair[0].as_f64().unwrap(), pair[1].as_f64().unwrap());
        assert!(
            lo <= r.x[i] && r.x[i] <= hi,
            "f64 solution outside its proven box"
        );
    }
    // LASSO goes to the verified-floating-point proof: no contraction constant, a method.
    assert!(proof["rho"].is_null() && proof["rho_norm"].is_null());
    assert!(proof["method"]
        .as_str()
        .unwrap()
        .contains("verified floating point"));
    assert!(v["solve_seconds"].as_f64().unwrap() >= 0.0);
    assert!(v["proof_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(proof["nonzero"].as_array().unwrap().len(), 8);
    assert_eq!(proof["single_valued"], true);
    assert_eq!(proof["derivative"][0][0].as_array().unwrap().len(), 2);
    assert!(proof["error_bound"].as_f64().unwrap() < 1e-10);
    assert!(proof["error_norm"].is_string());
}

#[test]
fn outputs_are_never_overwritten_without_force() {
    let dir = tmpdir("cli", "overwrite");
    let problem = dir.join("enet.json");
    std::fs::copy("examples/problems/elastic_net.json", &problem).unwrap();
    // Default certificate path: next to the problem.
    let cert = dir.join("enet.cert.json");
    let fp = dir.join("enet.fixed-point.cert.json");
    assert_eq!(run_cli(&["certify", s(&problem)]).0, EXIT_OK);
    assert!(cert.exists() && fp.exists());
    // A second run refuses, names the file and writes nothing.
    std::fs::write(&fp, "keep me").unwrap();
    std::fs::remove_file(&cert).unwrap();
    let (code, out, err) = run_cli(&["certify", s(&problem)]);
    assert_eq!(code, EXIT_INPUT);
    assert!(out.is_empty());
    assert_eq!(
        err,
        format!(
            "error: invalid input: cannot overwrite {}: it exists; refusing to overwrite it (use --force to replace it)\n",
            fp.display()
        )
    );
    assert!(!cert.exists(), "a refused certify wrote the other file");
    assert_eq!(std::fs::read_to_string(&fp).unwrap(), "keep me");
    // --force replaces.
    assert_eq!(run_cli(&["certify", s(&problem), "--force"]).0, EXIT_OK);
    assert!(std::fs::read_to_string(&fp)
        .unwrap()
        .contains("piggyback-fixed-point-certificate"));
    // solve -o and check -o: the same rule.
    let report = dir.join("report.txt");
    std::fs::write(&report, "old").unwrap();
    for args in [
        vec![
            "solve",
            "examples/problems/relu_layer.json",
            "-o",
            s(&report),
        ],
        vec!["check", s(&cert), "-o", s(&report)],
    ] {
        let (code, _, err) = run_cli(&args);
        assert_eq!(code, EXIT_INPUT, "{args:?}");
        assert!(err.contains("refusing to overwrite"), "{err}");
        assert_eq!(std::fs::read_to_string(&report).unwrap(), "old");
    }
    let (code, out, _) = run_cli(&["check", s(&cert), "-o", s(&report), "--force", "--json"]);
    assert_eq!((code, out.as_str()), (EXIT_OK, ""));
    assert_eq!(
        json(&std::fs::read_to_string(&report).unwrap())["verdict"],
        "valid"
    );
    // Not even --force replaces the input with an output.
    for args in [
        vec!["certify", s(&problem), "-o", s(&problem), "--force"],
        vec!["solve", s(&problem), "-o", s(&problem), "--force"],
        vec!["check", s(&cert), "-o", s(&cert), "--force"],
    ] {
        let (code, _, err) = run_cli(&args);
        assert_eq!(code, EXIT_INPUT, "{args:?}");
        assert!(err.contains("names the input file"), "{err}");
    }
    assert!(std::fs::read_to_string(&problem)
        .unwrap()
        .contains("piggyback_problem"));
    // demo: a second run into the same directory refuses, --force reruns.
    let demo = dir.join("demo");
    assert_eq!(run_cli(&["demo", "-o", s(&demo), "--quiet"]).0, EXIT_OK);
    let (code, _, err) = run_cli(&["demo", "-o", s(&demo)]);
    assert_eq!(code, EXIT_INPUT);
    assert!(err.contains("refusing to overwrite"), "{err}");
    assert_eq!(
        run_cli(&["demo", "-o", s(&demo), "--force", "-q"]).0,
        EXIT_OK
    );
}

#[test]
fn solve_honours_output_and_json() {
    let dir = tmpdir("cli", "solve-o");
    let report = dir.join("relu.json");
    let (code, out, err) = run_cli(&[
        "solve",
        "examples/problems/relu_layer.json",
        "--json",
        "-o",
        s(&report),
    ]);
    assert_eq!(code, EXIT_OK, "{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err, format!("report written to {}\n", report.display()));
    let v = json(&std::fs::read_to_string(&report).unwrap());
    assert_eq!(v["command"], "solve");
    assert_eq!(v["x"].as_array().unwrap().len(), 2);
    // Text report to a file.
    let text = dir.join("relu.txt");
    let (code, out, _) = run_cli(&[
        "solve",
        "examples/problems/relu_layer.json",
        "-o",
        s(&text),
        "-q",
    ]);
    assert_eq!((code, out.as_str()), (EXIT_OK, ""));
    assert!(std::fs::read_to_string(&text).unwrap().contains("PROVED"));
}

#[test]
fn quiet_prints_nothing_but_keeps_status_and_files() {
    let dir = tmpdir("cli", "quiet");
    let cert = dir.join("relu.cert.json");
    let (code, out, err) = run_cli(&[
        "--quiet",
        "certify",
        "examples/problems/relu_layer.json",
        "-o",
        s(&cert),
    ]);
    assert_eq!((code, out.as_str(), err.as_str()), (EXIT_OK, "", ""));
    assert!(cert.exists());
    let (code, out, err) = run_cli(&["check", s(&cert), "-q"]);
    assert_eq!((code, out.as_str(), err.as_str()), (EXIT_OK, "", ""));
    // JSON asked for is still printed.
    let (code, out, _) = run_cli(&["check", s(&cert), "-q", "--json"]);
    assert_eq!(code, EXIT_OK);
    assert_eq!(json(&out)["verdict"], "valid");
    // Errors are still reported.
    let (code, _, err) = run_cli(&["check", "no/such.json", "-q"]);
    assert_eq!(code, EXIT_INPUT);
    assert!(err.starts_with("error: "), "{err}");
}

#[test]
fn solve_without_theta_is_proved_not_a_panic() {
    // Used to panic (exit 101, "Cannot compute the SVD of an empty matrix"): the
    // derivative ∂x̄/∂θ of a problem without θ is an n × 0 matrix. Here
    // x = relu(W x + b) with W = [[1/2, 1/4], [0, 1/3]], b = (1, 1): x₂ = 3/2,
    // x₁ = 2(1 + 3/8) = 11/4, both positive.
    let dir = tmpdir("cli", "no-theta");
    let p = dir.join("relu.json");
    std::fs::write(
        &p,
        r#"{"piggyback_problem": 1, "map": {"kind": "relu_layer",
            "w": [["1/2", "1/4"], ["0", "1/3"]], "b": ["1", "1"]}}"#,
    )
    .unwrap();
    let (code, out, err) = run_cli(&["solve", s(&p), "--json"]);
    assert_eq!(code, EXIT_OK, "{out}{err}");
    let v = json(&out);
    assert_eq!(v["jacobian"], serde_json::json!([[], []]));
    let x = &v["proof"]["x"];
    assert!(x[0][0].as_f64().unwrap() <= 2.75 && 2.75 <= x[0][1].as_f64().unwrap());
    assert!(x[1][0].as_f64().unwrap() <= 1.5 && 1.5 <= x[1][1].as_f64().unwrap());
    assert_eq!(v["proof"]["nonzero"], serde_json::json!([true, true]));
    // Every shipped problem without θ solves without a panic too.
    for f in ["heavy_ball", "clarke"] {
        let (code, _, err) = run_cli(&["solve", &format!("examples/problems/{f}.json")]);
        assert!(
            code == EXIT_OK || code == EXIT_UNDECIDED,
            "{f}: {code} {err}"
        );
    }
}

#[test]
fn demo_runs_and_every_certificate_checks() {
    let dir = tmpdir("cli", "demo");
    let (code, out, err) = run_cli(&["demo", "-o", s(&dir)]);
    assert_eq!(code, EXIT_OK, "{out}{err}");
    assert_eq!(
        out.matches("VALID").count() - out.matches("INVALID").count(),
        5,
        "{out}"
    );
    // The demo leaves a self-contained copy of its problems and data.
    for f in [
        "problems/lasso.json",
        "data/lasso_X.csv",
        "problems/clarke.json",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let lasso = dir.join("problems/lasso.json");
    assert_eq!(run_cli(&["solve", s(&lasso), "-q"]).0, EXIT_OK);
    // And the three pictures of `plot`, as PNG files.
    for kind in ["itd-aid", "heavy-ball", "hypergrad-path"] {
        let png = std::fs::read(dir.join(format!("figures/{kind}.png"))).unwrap();
        assert!(png.starts_with(PNG_MAGIC), "{kind}");
        assert!(out.contains(&format!("{kind}: ")), "{out}");
    }
}

#[test]
fn solve_proves_the_lasso_support_and_matches_the_closed_form() {
    use piggyback::cli::solve_problem;
    use piggyback::io::problem::Problem;
    use piggyback::linalg::lu::solve_vec;
    use piggyback::scalar::{Enclosure, Rational};
    use piggyback::Matrix;

    let problem = Problem::read(Path::new("examples/problems/lasso.json")).unwrap();
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
    // Independent closed form (raw θ = λ, objective ½‖Ax − b‖² + λ‖x‖₁):
    // ∂x̂_S/∂λ = −(A_SᵀA_S)⁻¹ sign(x̂_S), 0 off S, with A read exactly (decimal CSV
    // cells as rationals).
    let a: Matrix<Rational> =
        piggyback::io::csv::read_matrix(Path::new("examples/data/lasso_X.csv")).unwrap();
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

// ---------------------------------------------------------------------------------------
// `piggyback plot`

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Small sizes, so that the debug binary draws each picture in a few seconds.
fn small_plot_args(kind: &str) -> Vec<&'static str> {
    match kind {
        "itd-aid" => vec!["--iterations", "60"],
        "heavy-ball" => vec!["--iterations", "60"],
        _ => vec!["--grid", "8", "--steps", "5"],
    }
}

/// The texts of an SVG file (parsed as XML: it must be one).
fn svg_texts(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.starts_with("<svg"),
        "{}: {}",
        path.display(),
        &text[..40]
    );
    let doc = roxmltree::Document::parse(&text).expect("valid XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect()
}

#[test]
fn plot_draws_each_kind_as_svg_with_its_labels() {
    let dir = tmpdir("cli", "plot-svg");
    let labels: [(&str, &[&str]); 3] = [
        (
            "itd-aid",
            &[
                "ITD",
                "AID-FP",
                "iteration t",
                "hypergradient error",
                "‖x_t − x*‖",
            ],
        ),
        (
            "heavy-ball",
            &[
                "set-valued piggyback: sup over J_t (lower bound)",
                "AD with M₁ only: ‖J_t‖",
                "AD with M₂ only: ‖J_t‖",
                "M₁ only, limit (1, 1)",
                "(√3/2)^t: their spectral radius",
                "iteration t",
            ],
        ),
        ("hypergrad-path", &["log₁₀ λ₁", "log₁₀ λ₂", "start", "end"]),
    ];
    for (kind, want) in labels {
        let file = dir.join(format!("{kind}.svg"));
        let mut args = vec!["plot", kind, "-o", s(&file)];
        args.extend(small_plot_args(kind));
        let (code, out, err) = run_bin(&args, &dir);
        assert_eq!(code, EXIT_OK, "{kind}: {err}");
        assert!(
            out.contains(&format!("picture written to {}", file.display())),
            "{out}"
        );
        let texts = svg_texts(&file);
        for w in want {
            assert!(
                texts.iter().any(|t| t == w),
                "{kind}: missing {w:?} in {texts:?}"
            );
        }
        // The itd-aid picture shows ITD against AID-FP only, unless asked.
        if kind == "itd-aid" {
            assert!(!texts.iter().any(|t| t == "AID-GMRES"), "{texts:?}");
        }
        if kind == "hypergrad-path" {
            assert!(
                texts.iter().any(|t| t.starts_with("descent on log λ: ")),
                "{texts:?}"
            );
        }
    }
}

#[test]
fn plot_writes_png_by_extension_and_a_json_report() {
    let dir = tmpdir("cli", "plot-png");
    let file = dir.join("hb.PNG");
    let (code, out, err) = run_bin(
        &[
            "plot",
            "heavy-ball",
            "-o",
            s(&file),
            "--iterations",
            "40",
            "--json",
        ],
        &dir,
    );
    assert_eq!(code, EXIT_OK, "{err}");
    assert!(std::fs::read(&file).unwrap().starts_with(PNG_MAGIC));
    let v = json(&out);
    assert_eq!(v["report"], "piggyback-report");
    assert_eq!(v["command"], "plot");
    assert_eq!(v["kind"], "heavy-ball");
    assert_eq!(v["format"], "png");
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["path"], s(&file));
    let summary = v["summary"].as_array().unwrap();
    let get = |name: &str| {
        summary
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {out}"))["value"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(get("iterations"), 40.0);
    // The set's norm grows; each single recursion stays near its limit's norm
    // ‖(1, 1)‖ = √2 and ‖(4, 4)‖ = 4√2.
    assert!(
        get("set: sup norm at t = T (lower bound)") > get("set: sup norm at t = T/2 (lower bound)")
    );
    assert!(
        (get("M₁ only: norm at t = T") - 2f64.sqrt()).abs() < 0.05,
        "{out}"
    );
    assert!(
        (get("M₂ only: norm at t = T") - 32f64.sqrt()).abs() < 0.5,
        "{out}"
    );
}

#[test]
fn plot_defaults_to_kind_svg_and_never_overwrites_without_force() {
    let dir = tmpdir("cli", "plot-force");
    let args = ["plot", "heavy-ball", "--iterations", "30"];
    let (code, _, err) = run_bin(&args, &dir);
    assert_eq!(code, EXIT_OK, "{err}");
    let file = dir.join("heavy-ball.svg");
    assert!(file.exists(), "the default output is KIND.svg");
    std::fs::write(&file, "mine").unwrap();
    let (code, out, err) = run_bin(&args, &dir);
    assert_eq!(code, EXIT_INPUT);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains(
            "cannot overwrite heavy-ball.svg: it exists; refusing to overwrite it \
             (use --force to replace it)"
        ),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(run_bin(&forced, &dir).0, EXIT_OK);
    assert!(std::fs::read_to_string(&file).unwrap().starts_with("<svg"));
}

#[test]
fn plot_refuses_bad_kinds_extensions_and_flags() {
    let dir = tmpdir("cli", "plot-bad");
    let pdf = dir.join("x.pdf");
    let lasso = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/problems/lasso.json");
    for (args, needle) in [
        (vec!["plot", "frobnicate"], "invalid value 'frobnicate'"),
        (vec!["plot"], "required arguments were not provided"),
        (
            vec!["plot", "heavy-ball", "-o", s(&pdf)],
            "must be a name ending in .svg or .png, got",
        ),
        (
            vec!["plot", "heavy-ball", "--bogus"],
            "unexpected argument '--bogus'",
        ),
        (
            vec!["plot", "heavy-ball", "--grid", "5"],
            "--grid applies to hypergrad-path only, not to heavy-ball",
        ),
        (
            vec!["plot", "itd-aid", "--problem", s(&lasso)],
            "--problem applies to hypergrad-path only",
        ),
        (
            vec!["plot", "heavy-ball", "--iterations", "0"],
            "--iterations must be at least 1",
        ),
        (
            vec!["plot", "heavy-ball", "--keep", "1"],
            "--keep must be at least 2 and at most 4096 extreme points per step, got 1",
        ),
        (
            vec!["plot", "hypergrad-path", "--grid", "100000"],
            "--grid must be at least 2 and at most 400 points per axis, got 100000",
        ),
        (
            vec!["plot", "heavy-ball", "--iterations", "-3"],
            "unexpected argument '-3'",
        ),
        (
            vec![
                "plot",
                "hypergrad-path",
                "--problem",
                "no/such/problem.json",
            ],
            "cannot read no/such/problem.json",
        ),
        (
            vec![
                "plot",
                "hypergrad-path",
                "--problem",
                s(&lasso),
                "--seed",
                "1",
            ],
            "cannot be combined with --problem",
        ),
    ] {
        let (code, out, err) = run_bin(&args, &dir);
        assert_eq!(code, EXIT_INPUT, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn plot_hypergrad_path_reads_a_problem_file() {
    // A problem that is not a LASSO / elastic net is refused; an elastic net file is
    // tuned on its own rows.
    let dir = tmpdir("cli", "plot-problem");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let relu = root.join("examples/problems/relu_layer.json");
    let file = dir.join("p.svg");
    let (code, _, err) = run_bin(
        &[
            "plot",
            "hypergrad-path",
            "--problem",
            s(&relu),
            "-o",
            s(&file),
        ],
        &dir,
    );
    assert_eq!(code, EXIT_INPUT, "{err}");
    assert!(
        err.contains("needs a lasso or elastic_net problem"),
        "{err}"
    );
    assert!(!file.exists());
    let lasso = root.join("examples/problems/lasso.json");
    let (code, out, err) = run_bin(
        &[
            "plot",
            "hypergrad-path",
            "--problem",
            s(&lasso),
            "-o",
            s(&file),
            "--grid",
            "6",
            "--steps",
            "3",
        ],
        &dir,
    );
    assert_eq!(code, EXIT_OK, "{err}");
    assert!(out.contains("hypergrad-path: "), "{out}");
    assert!(svg_texts(&file).iter().any(|t| t == "start"));
}
