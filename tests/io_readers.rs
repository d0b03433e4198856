//! Data files (CSV, `.npy`, `.npz`) and problem files: values read exactly, and every
//! malformed input refused with a message that names the file, the field or the line.
//! The `.npy`/`.npz` fixtures in `tests/data/npy/` were written by NumPy
//! (`scripts/make_npy_fixtures.py`); the expected values below are written out by hand.

use piggyback::io::problem::Problem;
use piggyback::io::{csv, npy};
use piggyback::scalar::rational_to_f64;
use piggyback::{Error, Matrix};
use proptest::prelude::*;
use rug::{Integer, Rational};
use std::path::{Path, PathBuf};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("piggyback-io-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/npy")
        .join(name)
}

fn q(p: i64, d: i64) -> Rational {
    Rational::from((p, d))
}

fn message<T>(r: piggyback::Result<T>) -> String {
    match r {
        Ok(_) => panic!("must be refused"),
        Err(e) => e.to_string(),
    }
}

// ---------------------------------------------------------------- CSV

#[test]
fn csv_empty_cell_is_an_error_naming_file_line_and_column() {
    // `1,,2` used to be read as the row (1, 2).
    let dir = tmpdir("csv-empty");
    let f = dir.join("a.csv");
    std::fs::write(&f, "x,y,z\n1,,2\n").unwrap();
    let expected = format!(
        "invalid input: {}: line 2, column 2: empty cell",
        f.display()
    );
    assert_eq!(message(csv::read_matrix::<Rational>(&f)), expected);
    assert_eq!(message(csv::read_matrix_f64(&f)), expected);
}

#[test]
fn csv_ragged_row_names_its_line() {
    let dir = tmpdir("csv-ragged");
    let f = dir.join("r.csv");
    std::fs::write(&f, "1,2,3\n4,5,6\n# note\n7,8\n").unwrap();
    assert_eq!(
        message(csv::read_matrix::<f64>(&f)),
        format!(
            "invalid input: {}: line 4: 2 cells, but line 1 has 3 (every row needs the same number)",
            f.display()
        )
    );
}

#[test]
fn csv_quoted_cells_are_numbers_and_values_are_exact() {
    let m: Matrix<Rational> =
        csv::parse_matrix("\"a\",\"b\"\n\"0.1\",\"-3/4\"\n  2e-3 ,\"7\"\n").unwrap();
    assert_eq!(m.shape(), (2, 2));
    assert_eq!(m[(0, 0)], q(1, 10));
    assert_eq!(m[(0, 1)], q(-3, 4));
    assert_eq!(m[(1, 0)], q(1, 500));
    assert_eq!(m[(1, 1)], q(7, 1));
    // A quoted cell holding the separator is one (malformed) cell, not two.
    assert_eq!(
        message(csv::parse_matrix::<f64>("1,\"2,3\"\n")),
        "invalid input: CSV: line 1, column 2: not an exact number \"2,3\": expected digits"
    );
}

#[test]
fn csv_a_missing_file_is_named() {
    let e = message(csv::read_matrix_f64(Path::new("no/such.csv")));
    assert!(
        e.starts_with("invalid input: cannot read no/such.csv: "),
        "{e}"
    );
}

proptest! {
    /// The fast f64 reader gives exactly the nearest double of the exact value.
    #[test]
    fn csv_fast_reader_is_the_nearest_double_of_the_exact_one(
        cells in prop::collection::vec(
            (any::<i64>(), 0u32..25, -30i32..30, any::<bool>()), 1..12),
        cols in 1usize..4,
    ) {
        let rows = cells.len() / cols;
        prop_assume!(rows > 0);
        let text: String = cells[..rows * cols]
            .chunks(cols)
            .map(|row| {
                row.iter()
                    .map(|&(mant, frac, exp, ratio)| {
                        if ratio {
                            format!("{mant}/{}", u64::from(frac) + 1)
                        } else {
                            let digits = mant.unsigned_abs().to_string();
                            let k = (frac as usize).min(digits.len());
                            let (a, b) = digits.split_at(digits.len() - k);
                            let sign = if mant < 0 { "-" } else { "" };
                            format!("{sign}{a}.{b}e{exp}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect::<Vec<_>>()
            .join("\n");
        let exact: Matrix<Rational> = csv::parse_matrix(&text).unwrap();
        let fast = csv::parse_matrix_f64(&text).unwrap();
        prop_assert_eq!(exact.shape(), fast.shape());
        for (e, f) in exact.as_slice().iter().zip(fast.as_slice()) {
            prop_assert_eq!(rational_to_f64(e).to_bits(), f.to_bits(), "{} in {}", e, text);
        }
    }

    /// The same down in the subnormal range, where a double rounding would show.
    #[test]
    fn csv_fast_reader_agrees_on_subnormals(mant in any::<i64>(), exp in -345i32..-300) {
        let cell = format!("{mant}e{exp}");
        let exact: Matrix<Rational> = csv::parse_matrix(&cell).unwrap();
        let fast = csv::parse_matrix_f64(&cell).unwrap();
        prop_assert_eq!(rational_to_f64(&exact[(0, 0)]).to_bits(), fast[(0, 0)].to_bits(), "{}", cell);
    }

    /// A written matrix reads back as the same doubles.
    #[test]
    fn csv_write_then_read_round_trips(xs in prop::collection::vec(-1e300f64..1e300, 1..20)) {
        let m = Matrix::from_col_major(xs.len(), 1, xs.clone()).unwrap();
        let dir = tmpdir("csv-rt");
        let f = dir.join("m.csv");
        csv::write_matrix(&f, &m).unwrap();
        prop_assert_eq!(csv::read_matrix_f64(&f).unwrap(), m.clone());
        prop_assert_eq!(csv::read_matrix::<f64>(&f).unwrap(), m);
    }
}

// ---------------------------------------------------------------- .npy / .npz

/// The matrix [[1, 2.5, −3], [0.1, 1e-300, 7]] as NumPy wrote it (`0.1` and `1e-300`
/// are their nearest doubles).
fn reference_f8() -> Matrix<f64> {
    Matrix::from_f64_rows(&[vec![1.0, 2.5, -3.0], vec![0.1, 1e-300, 7.0]]).unwrap()
}

#[test]
fn npy_f8_in_c_fortran_and_big_endian_order() {
    for f in ["f8_c.npy", "f8_fortran.npy", "f8_big_endian.npy"] {
        assert_eq!(
            npy::read_matrix_f64(&fixture(f)).unwrap(),
            reference_f8(),
            "{f}"
        );
        // Exact: the double 0.1 is 3602879701896397/2^55, not 1/10.
        let e: Matrix<Rational> = npy::read_matrix(&fixture(f)).unwrap();
        assert_eq!(
            e[(1, 0)],
            Rational::from((
                Integer::from(3602879701896397u64),
                Integer::from(1u64) << 55
            ))
        );
        assert_eq!(e[(0, 1)], q(5, 2));
    }
}

#[test]
fn npy_f32_values_are_exact_rationals() {
    // float32(0.1) = 13421773 / 2^27 exactly; -2.5 is exact.
    let e: Matrix<Rational> = npy::read_matrix(&fixture("f4.npy")).unwrap();
    assert_eq!(e.shape(), (1, 2));
    assert_eq!(e[(0, 0)], q(13421773, 1 << 27));
    assert_eq!(e[(0, 1)], q(-5, 2));
    let f = npy::read_matrix_f64(&fixture("f4.npy")).unwrap();
    assert_eq!(f[(0, 0)], 13421773.0 / 134217728.0);
}

#[test]
fn npy_integers_are_exact_beyond_two_to_the_53() {
    let e: Matrix<Rational> = npy::read_matrix(&fixture("i8.npy")).unwrap();
    assert_eq!(e[(0, 0)], Rational::from((Integer::from(1) << 62) + 1));
    assert_eq!(e[(0, 1)], q(-3, 1));
    // f64: the nearest double of 2^62 + 1 is 2^62.
    assert_eq!(
        npy::read_matrix_f64(&fixture("i8.npy")).unwrap()[(0, 0)],
        2f64.powi(62)
    );
    let u: Matrix<Rational> = npy::read_matrix(&fixture("u8.npy")).unwrap();
    assert_eq!(u.shape(), (2, 1), "1-D arrays are columns");
    assert_eq!(u[(0, 0)], Rational::from(Integer::from(u64::MAX)));
    let be: Matrix<Rational> = npy::read_matrix(&fixture("i4_big_endian.npy")).unwrap();
    assert_eq!(
        (be[(0, 0)].clone(), be[(1, 0)].clone()),
        (q(-7, 1), q(8, 1))
    );
    let b = npy::read_matrix_f64(&fixture("u1.npy")).unwrap();
    assert_eq!(b.as_slice(), &[1.0, 2.0, 255.0]);
    let f = npy::read_matrix_f64(&fixture("i2_fortran.npy")).unwrap();
    assert_eq!(
        f,
        Matrix::from_f64_rows(&[vec![1.0, -2.0], vec![3.0, -4.0], vec![5.0, -6.0]]).unwrap()
    );
}

#[test]
fn npy_unsupported_arrays_are_refused_with_the_reason() {
    let cases = [
        (
            "bool.npy",
            "malformed .npy: unsupported dtype '|b1' (expected f8, f4, i1-i8 or u1-u8)",
        ),
        (
            "c16.npy",
            "malformed .npy: unsupported dtype '<c16' (expected f8, f4, i1-i8 or u1-u8)",
        ),
        (
            "f2.npy",
            "malformed .npy: unsupported dtype '<f2' (expected f8, f4, i1-i8 or u1-u8)",
        ),
        (
            "three_d.npy",
            "malformed .npy: only 1-D and 2-D arrays are supported, found 3 dimensions",
        ),
        (
            "scalar.npy",
            "malformed .npy: only 1-D and 2-D arrays are supported, found 0 dimensions",
        ),
    ];
    for (f, why) in cases {
        let path = fixture(f);
        assert_eq!(
            message(npy::read_matrix_f64(&path)),
            format!("invalid input: {}: {why}", path.display()),
            "{f}"
        );
    }
    let path = fixture("nan.npy");
    assert!(matches!(
        npy::read_matrix::<Rational>(&path),
        Err(Error::NonFinite { .. })
    ));
    assert_eq!(
        message(npy::read_matrix_f64(&path)),
        format!(
            "non-finite number (NaN or infinity) in {}: .npy data (element 1)",
            path.display()
        )
    );
}

#[test]
fn npy_hostile_headers_are_refused_before_npyz_sees_them() {
    let header = |h: &str| {
        let mut h = h.to_string();
        h.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(h.len() as u16).to_le_bytes());
        b.extend_from_slice(h.as_bytes());
        b
    };
    // A shape whose product overflows 64 bits.
    let big =
        header("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }");
    assert_eq!(
        message(npy::parse_matrix_f64(&big)),
        "invalid input: malformed .npy: the header holds 21 digits (at most 19): shape too large"
    );
    // Deep nesting (the header parser recurses).
    let deep = header(&format!("{}{}", "(".repeat(5000), ")".repeat(5000)));
    assert_eq!(
        message(npy::parse_matrix_f64(&deep)),
        "invalid input: malformed .npy: the header nests too deeply"
    );
    // A header length beyond the file.
    let mut short = header("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }");
    short[8] = 0xff;
    short[9] = 0xff;
    assert_eq!(
        message(npy::parse_matrix_f64(&short)),
        "invalid input: malformed .npy: the header is longer than the file"
    );
    // Data shorter than the shape says.
    let mut trunc = header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }");
    trunc.extend_from_slice(&1.0f64.to_le_bytes());
    assert_eq!(
        message(npy::parse_matrix_f64(&trunc)),
        "invalid input: malformed .npy: the shape (2, 1) of '<f8' needs 16 bytes of data, found 8"
    );
}

#[test]
fn npz_arrays_by_name_stored_and_compressed() {
    for f in ["data.npz", "data_compressed.npz"] {
        let path = fixture(f);
        assert_eq!(
            npy::read_npz_matrix_f64(&path, "X").unwrap(),
            reference_f8(),
            "{f}"
        );
        let y: Matrix<Rational> = npy::read_npz_matrix(&path, "y").unwrap();
        assert_eq!(y.as_slice(), &[q(1, 1), q(-1, 1)]);
        assert_eq!(
            message(npy::read_npz_matrix_f64(&path, "Z")),
            format!(
                "invalid input: {} [Z]: no array 'Z' in the archive (it holds: X, y)",
                path.display()
            )
        );
    }
    assert!(npy::read_npz_matrix_f64(&fixture("f8_c.npy"), "X")
        .unwrap_err()
        .to_string()
        .contains("malformed .npz"));
}

#[test]
fn npy_written_files_read_back() {
    let m = reference_f8();
    let dir = tmpdir("npy-rt");
    let f = dir.join("m.npy");
    npy::write(&f, &m).unwrap();
    assert_eq!(npy::read_matrix_f64(&f).unwrap(), m);
    let e: Matrix<Rational> = npy::read_matrix(&f).unwrap();
    assert_eq!(e.map(rational_to_f64), m);
}

// ---------------------------------------------------------------- problem files

/// Write `text` as `dir/name` and read it as a problem: the error message.
fn problem_error(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    match Problem::read(&p) {
        Err(e) => e.to_string(),
        Ok(problem) => message(problem.build_map::<Rational>()),
    }
}

#[test]
fn problem_errors_name_the_file_and_the_field() {
    let dir = tmpdir("problem");
    let f = |name: &str| dir.join(name).display().to_string();
    let lasso = |map: &str, theta: &str| {
        format!(
            r#"{{"piggyback_problem": 1, "map": {{"kind": "lasso", {map}}}, "theta": {theta}}}"#
        )
    };
    let cases: Vec<(&str, String, String)> = vec![
        (
            "shape.json",
            lasso(r#""design": [["1","0"],["0","1"],["1","1"]], "response": ["1","2"]"#, r#"["1"]"#),
            "map.design has 3 rows but map.response has 2 entries".into(),
        ),
        (
            "typo.json",
            lasso(r#""desing": [["1"]], "response": ["1"]"#, r#"["1"]"#),
            "map.desing: unknown field `desing`, expected one of `kind`, `design`, `response`, `step`, `step_rule`, `splitting`".into(),
        ),
        (
            "number.json",
            lasso(r#""design": [["1"],["abc"]], "response": ["1","2"]"#, r#"["1"]"#),
            "map.design[1][0]: not an exact number \"abc\": expected digits".into(),
        ),
        (
            "float.json",
            lasso(r#""design": [["1"]], "response": ["1"]"#, "[0.1]"),
            "theta[0]: JSON float 0.1 is ambiguous: write it as a string (\"0.1\") or a ratio \"p/q\"".into(),
        ),
        (
            "ragged.json",
            lasso(r#""design": [["1","2"],["3"]], "response": ["1","2"]"#, r#"["1"]"#),
            "map.design: row 1 has 1 entries but row 0 has 2".into(),
        ),
        (
            "theta.json",
            lasso(r#""design": [["1"]], "response": ["1"]"#, r#"["1","2"]"#),
            "theta has 2 entries but a lasso problem takes 1: θ = (λ)".into(),
        ),
        (
            "lambda.json",
            lasso(r#""design": [["1"]], "response": ["1"]"#, r#"["-1"]"#),
            "theta[0]: λ₁ must be > 0".into(),
        ),
        (
            "step.json",
            lasso(r#""design": [["1"]], "response": ["1"], "step": "0""#, r#"["1"]"#),
            "map.step: the step γ must be > 0".into(),
        ),
        (
            "rule.json",
            lasso(r#""design": [["1"]], "response": ["1"], "step_rule": "fastest""#, r#"["1"]"#),
            "map.step_rule: unknown variant `fastest`, expected one of `inverse_lipschitz`, `optimal`, `frobenius`".into(),
        ),
        (
            "fileref.json",
            lasso(r#""design": {"csv": "a.csv", "npy": "b.npy"}, "response": ["1"]"#, r#"["1"]"#),
            "map.design: a data file is one of {\"csv\": path}, {\"npy\": path}, {\"npz\": path, \"array\": name}".into(),
        ),
        (
            "npz.json",
            lasso(r#""design": {"npz": "d.npz"}, "response": ["1"]"#, r#"["1"]"#),
            "map.design: an .npz reference needs the array's name: {\"npz\": \"file.npz\", \"array\": \"X\"}".into(),
        ),
        (
            "kind.json",
            r#"{"piggyback_problem": 1, "map": {"kind": "lasso_regression"}}"#.into(),
            "map.kind: unknown kind \"lasso_regression\" (one of lasso, elastic_net, relu_layer, piecewise_affine)".into(),
        ),
        (
            "nokind.json",
            r#"{"piggyback_problem": 1, "map": {"design": []}}"#.into(),
            "map: missing field `kind` (one of lasso, elastic_net, relu_layer, piecewise_affine)".into(),
        ),
        (
            "version.json",
            r#"{"piggyback_problem": 2, "map": {"kind": "piecewise_affine", "pieces": [{"a": [["0"]]}]}}"#.into(),
            "piggyback_problem: version 2 is not supported (expected 1)".into(),
        ),
        (
            "missing.json",
            r#"{"piggyback_problem": 1, "map": {"kind": "elastic_net", "design": [["1"]]}, "theta": ["1", "0"]}"#.into(),
            "map: missing field `response`".into(),
        ),
        (
            "extra.json",
            r#"{"piggyback_problem": 1, "map": {"kind": "piecewise_affine", "pieces": [{"a": [["0"]]}]}, "thetta": []}"#.into(),
            "thetta: unknown field `thetta`, expected one of `piggyback_problem`, `name`, `map`, `theta`, `x0`".into(),
        ),
        (
            "relu_w.json",
            r#"{"piggyback_problem": 1, "map": {"kind": "relu_layer", "w": [["1","0"]]}}"#.into(),
            "map.w must be square, found 1x2".into(),
        ),
        (
            "relu_b.json",
            r#"{"piggyback_problem": 1, "map": {"kind": "relu_layer", "w": [["0"]], "b": ["1","2"]}}"#.into(),
            "map.b has 2 entries but map.w has 1 rows".into(),
        ),
        (
            "relu_u.json",
            r#"{"piggyback_problem": 1, "map": {"kind": "relu_layer", "w": [["0"]], "u": [["1","2"]]}, "theta": ["1"]}"#.into(),
            "map.u has 2 columns but theta has 1 entries".into(),
        ),
        (
            "pwa_b.json",
            r#"{"piggyback_problem": 1, "map": {"kind": "piecewise_affine", "pieces": [{"a": [["0"]], "b": [["1"]]}]}}"#.into(),
            "map.pieces[0].b is 1x1 but must be 1x0 (n = rows of a, m = entries of theta)".into(),
        ),
        (
            "pwa_n.json",
            r#"{"piggyback_problem": 1, "map": {"kind": "piecewise_affine", "pieces": [{"a": [["0"]]}, {"a": [["0","0"],["0","0"]]}]}}"#.into(),
            "map.pieces[1].a is 2x2 but map.pieces[0].a is 1x1".into(),
        ),
        (
            "pwa_gh.json",
            r#"{"piggyback_problem": 1, "map": {"kind": "piecewise_affine", "pieces": [{"a": [["0"]], "g": [["1"]], "h": ["0","1"]}]}}"#.into(),
            "map.pieces[0].h has 2 entries but map.pieces[0].g has 1 rows".into(),
        ),
        (
            "notjson.json",
            "{\"piggyback_problem\": 1,".into(),
            "not valid JSON: EOF while parsing a value at line 1 column 24".into(),
        ),
    ];
    for (name, text, why) in cases {
        assert_eq!(
            problem_error(&dir, name, &text),
            format!("invalid input: {}: {why}", f(name)),
            "{name}"
        );
    }
}

#[test]
fn problem_data_file_errors_name_the_field_and_the_data_file() {
    let dir = tmpdir("problem-data");
    std::fs::write(dir.join("X.csv"), "1,2\n3,,4\n").unwrap();
    std::fs::write(dir.join("y.csv"), "1\n2\n").unwrap();
    let text = r#"{"piggyback_problem": 1, "map": {"kind": "lasso",
        "design": {"csv": "X.csv"}, "response": {"csv": "y.csv"}}, "theta": ["1"]}"#;
    let p = dir.join("p.json");
    std::fs::write(&p, text).unwrap();
    let problem = Problem::read(&p).unwrap();
    let expected = format!(
        "invalid input: {}: map.design: {}: line 2: 3 cells, but line 1 has 2 (every row needs the same number)",
        p.display(),
        dir.join("X.csv").display()
    );
    assert_eq!(message(problem.build_map::<Rational>()), expected);
    assert_eq!(message(problem.build_map::<f64>()), expected);
    // The same through the command line: on stderr, exit 3.
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args = vec!["solve".to_string(), p.display().to_string()];
    assert_eq!(piggyback::cli::run(&args, &mut out, &mut err), 3);
    assert!(out.is_empty());
    assert_eq!(
        String::from_utf8(err).unwrap(),
        format!("error: {expected}\n")
    );
    // A response file that is a matrix.
    std::fs::write(dir.join("X.csv"), "1,2\n3,4\n").unwrap();
    std::fs::write(dir.join("y.csv"), "1,2\n2,3\n").unwrap();
    assert_eq!(
        message(problem.build_map::<f64>()),
        format!(
            "invalid input: {}: map.response: expected a vector (one column or one row), found a 2x2 matrix",
            p.display()
        )
    );
}

#[test]
fn problem_data_from_npy_and_npz_are_exact() {
    // A LASSO whose design is the f32 fixture [[float32(0.1), −2.5]] (1 × 2) and whose
    // response is 1: the exact map sees 13421773/2^27, not 1/10.
    let dir = tmpdir("problem-npy");
    std::fs::copy(fixture("f4.npy"), dir.join("A.npy")).unwrap();
    std::fs::copy(fixture("data.npz"), dir.join("d.npz")).unwrap();
    let p = dir.join("p.json");
    std::fs::write(
        &p,
        r#"{"piggyback_problem": 1, "map": {"kind": "lasso",
            "design": {"npy": "A.npy"}, "response": ["1"], "step": "1/8"}, "theta": ["1"]}"#,
    )
    .unwrap();
    let problem = Problem::read(&p).unwrap();
    let fb = problem.forward_backward_map::<Rational>().unwrap().unwrap();
    assert_eq!(fb.design().to_dense()[(0, 0)], q(13421773, 1 << 27));
    // npz: X is 2 × 3, y has 2 entries.
    std::fs::write(
        &p,
        r#"{"piggyback_problem": 1, "map": {"kind": "elastic_net",
            "design": {"npz": "d.npz", "array": "X"}, "response": {"npz": "d.npz", "array": "y"}},
            "theta": ["1/10", "1"]}"#,
    )
    .unwrap();
    let problem = Problem::read(&p).unwrap();
    let a = problem.matrix_f64(match &problem.file.map {
        piggyback::io::problem::MapSpec::ElasticNet { design, .. } => design,
        _ => unreachable!(),
    });
    assert_eq!(a.unwrap(), reference_f8());
    assert!(problem.build_map::<f64>().is_ok());
}

#[test]
fn x0_of_the_wrong_length_is_refused_by_solve() {
    let dir = tmpdir("x0");
    let p = dir.join("p.json");
    std::fs::write(
        &p,
        r#"{"piggyback_problem": 1, "map": {"kind": "relu_layer", "w": [["1/2"]]}, "x0": ["1", "2"]}"#,
    )
    .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args = vec!["solve".to_string(), p.display().to_string()];
    assert_eq!(piggyback::cli::run(&args, &mut out, &mut err), 3);
    assert_eq!(
        String::from_utf8(err).unwrap(),
        format!(
            "error: invalid input: {}: x0 has 2 entries but the map's state has 1\n",
            p.display()
        )
    );
}

/// An `.npy` of int64 values, version 1.0 header padded to a multiple of 64 bytes.
fn int64_npy(values: &[i64]) -> Vec<u8> {
    let mut header = format!(
        "{{'descr': '<i8', 'fortran_order': False, 'shape': ({},), }}",
        values.len()
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes
}

/// The proof's data radius depends on this flag: integers up to 2⁵³ are doubles
/// exactly, 2⁵³ + 1 is not (it rounds to 2⁵³).
#[test]
fn npy_integers_beyond_2_pow_53_are_flagged_inexact() {
    let (m, exact) = npy::parse_matrix_f64_exactness(&int64_npy(&[3, -(1 << 53)])).unwrap();
    assert!(exact);
    assert_eq!(m.into_vec(), vec![3.0, -9007199254740992.0]);
    let (m, exact) = npy::parse_matrix_f64_exactness(&int64_npy(&[(1 << 53) + 1])).unwrap();
    assert!(!exact);
    assert_eq!(m.into_vec(), vec![9007199254740992.0]);
}
