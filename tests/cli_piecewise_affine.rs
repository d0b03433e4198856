//! `certify` and `solve` refuse piecewise-affine files that are not maps (exit 3), with
//! a message naming the pieces and the witness point. Before this check the jump map
//! below was certified "CONTRACTION ρ ≤ 1/2" although it has two fixed points.

use piggyback::cli::{run, EXIT_INPUT, EXIT_OK};
use std::path::PathBuf;

/// Run in-process: (exit status, stdout and stderr together).
fn run_cli(args: &[&str]) -> (i32, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let code = run(&args, &mut out, &mut err);
    let text = String::from_utf8_lossy(&out).into_owned() + &String::from_utf8_lossy(&err);
    (code, text)
}

fn write_problem(name: &str, pieces: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("piggyback-cli-pwa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _ = std::fs::remove_file(dir.join(format!("{name}.cert.json")));
    let path = dir.join(format!("{name}.json"));
    let text = format!(
        "{{\"piggyback_problem\": 1, \"name\": \"{name}\", \"map\": {{\"kind\": \"piecewise_affine\", \"pieces\": [{pieces}]}}}}"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// x/2 + (c, 0) on x₁ ≥ 0, x/2 − (c, 0) on x₁ ≤ 0: fixed points (2c, 0) and (−2c, 0).
fn jump(c: &str) -> String {
    format!(
        "{{\"a\": [[\"1/2\",\"0\"],[\"0\",\"1/2\"]], \"c\": [\"{c}\",\"0\"], \"g\": [[\"-1\",\"0\"]], \"h\": [\"0\"]}},
         {{\"a\": [[\"1/2\",\"0\"],[\"0\",\"1/2\"]], \"c\": [\"-{c}\",\"0\"], \"g\": [[\"1\",\"0\"]], \"h\": [\"0\"]}}"
    )
}

#[test]
fn certify_and_solve_refuse_maps_that_are_not_maps() {
    let cases = [
        ("jump", jump("5"), "pieces 0 and 1 disagree"),
        ("tiny_jump", jump("1e-20"), "pieces 0 and 1 disagree"),
        (
            "gap",
            "{\"a\": [[\"0\"]], \"g\": [[\"-1\"]], \"h\": [\"-1\"]}, {\"a\": [[\"0\"]], \"g\": [[\"1\"]], \"h\": [\"0\"]}".to_string(),
            "lies in no piece's region",
        ),
        (
            "hyperplane",
            format!(
                "{}, {{\"a\": [[\"3\",\"0\"],[\"0\",\"3\"]], \"g\": [[\"1\",\"0\"],[\"-1\",\"0\"]], \"h\": [\"0\",\"0\"]}}",
                jump("0")
            ),
            "region of piece 2 has empty interior",
        ),
    ];
    for (name, pieces, expected) in cases {
        let path = write_problem(name, &pieces);
        let path = path.to_str().unwrap();
        for command in ["certify", "solve"] {
            let (code, text) = run_cli(&[command, path]);
            assert_eq!(code, EXIT_INPUT, "{command} {name}: {text}");
            assert!(text.contains(expected), "{command} {name}: {text}");
            assert!(
                !text.contains("CONTRACTION") && !text.contains("PROVED"),
                "{text}"
            );
        }
    }
    // Without the jump the same pieces are a map, and certify proves ρ = 1/2.
    let path = write_problem("no_jump", &jump("0"));
    let out = path.with_extension("cert.json");
    let (code, text) = run_cli(&[
        "certify",
        path.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, EXIT_OK, "{text}");
}
