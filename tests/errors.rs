//! Every typed error variant comes from a bad input, with the fields a user needs
//! (the file, the field or entry, the parameter and its value), and the CLI and the
//! Python layer classify it as bad input.

use piggyback::certify::refute::find_refutation;
use piggyback::cli::error_exit_code;
use piggyback::linalg::ldlt::ldlt;
use piggyback::maps::{AffinePiece, PiecewiseAffine};
use piggyback::scalar::{Interval, Rational};
use piggyback::{Enclosure, Error, FixedPointMap, Matrix, MatrixSet};
use std::path::Path;

fn q(p: i64, d: i64) -> Rational {
    Rational::from((p, d))
}

fn mat(rows: &[Vec<(i64, i64)>]) -> Matrix<Rational> {
    Matrix::from_ratio_rows(rows).unwrap()
}

/// Bad input leaves the CLI with status 3 and is an input error.
fn is_input(e: &Error) {
    assert!(e.is_input(), "{e:?}");
    assert_eq!(error_exit_code(e), 3, "{e:?}");
    if !matches!(e, Error::NonFinite { .. }) {
        assert!(e.to_string().starts_with("invalid input: "), "{e}");
    }
}

#[test]
fn empty_list_names_the_constructor() {
    let e = MatrixSet::<Rational>::finite(vec![]).unwrap_err();
    assert_eq!(
        e,
        Error::Empty {
            what: "the list given to MatrixSet::finite".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "invalid input: the list given to MatrixSet::finite is empty"
    );
    is_input(&e);
    assert!(matches!(
        MatrixSet::<Rational>::hull(vec![]),
        Err(Error::Empty { .. })
    ));
    assert!(matches!(
        PiecewiseAffine::<Rational>::new(vec![]),
        Err(Error::Empty { .. })
    ));
}

#[test]
fn non_finite_entries_are_located() {
    let mut m = Matrix::<f64>::zeros(2, 2);
    m[(0, 1)] = f64::NAN;
    let ok = Matrix::<f64>::zeros(2, 2);
    let e = MatrixSet::finite(vec![ok.clone(), m.clone()]).unwrap_err();
    assert_eq!(
        e,
        Error::NonFinite {
            context: "MatrixSet::finite: matrix 1, entry (0, 1)".into()
        }
    );
    is_input(&e);
    let e = MatrixSet::interval_box(ok.clone(), m).unwrap_err();
    assert_eq!(
        e,
        Error::NonFinite {
            context: "MatrixSet::interval_box: hi, entry (0, 1)".into()
        }
    );
    let e = MatrixSet::singleton(Matrix::from_col_major(1, 1, vec![f64::INFINITY]).unwrap());
    assert!(matches!(e, Err(Error::NonFinite { .. })));
    let e = ok
        .clone()
        .map(|x| if *x == 0.0 { f64::NAN } else { *x })
        .check_finite("design")
        .unwrap_err();
    assert_eq!(
        e,
        Error::NonFinite {
            context: "design, entry (0, 0)".into()
        }
    );
}

#[test]
fn bounds_out_of_order_give_the_entry() {
    let lo = mat(&[vec![(0, 1), (0, 1)], vec![(2, 1), (0, 1)]]);
    let hi = mat(&[vec![(1, 1), (1, 1)], vec![(1, 1), (1, 1)]]);
    let e = MatrixSet::interval_box(lo, hi).unwrap_err();
    assert_eq!(
        e,
        Error::BoundsOutOfOrder {
            what: "MatrixSet::interval_box".into(),
            entry: (1, 0)
        }
    );
    is_input(&e);
    let m = Matrix::<Rational>::zeros(2, 2);
    let e = MatrixSet::diag_box(
        vec![q(0, 1), q(1, 1)],
        vec![q(1, 1), q(1, 2)],
        m.clone(),
        m.clone(),
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::BoundsOutOfOrder { entry: (1, 0), .. }),
        "{e:?}"
    );
    let e = Interval::from_bounds(1.0, 0.0).unwrap_err();
    assert!(matches!(e, Error::BoundsOutOfOrder { .. }), "{e:?}");
}

#[test]
fn shapes_are_reported_with_both_sides() {
    let e = MatrixSet::finite(vec![
        Matrix::<Rational>::zeros(2, 2),
        Matrix::<Rational>::zeros(2, 3),
    ])
    .unwrap_err();
    assert_eq!(
        e,
        Error::DimensionMismatch {
            op: "MatrixSet::finite",
            left: (2, 2),
            right: (2, 3)
        }
    );
    let m = Matrix::<Rational>::zeros(2, 2);
    let e = MatrixSet::diag_box(vec![q(0, 1)], vec![q(1, 1)], m.clone(), m).unwrap_err();
    assert!(matches!(
        e,
        Error::DimensionMismatch {
            op: "MatrixSet::diag_box",
            ..
        }
    ));
}

#[test]
fn parameters_carry_name_value_and_requirement() {
    let set = MatrixSet::singleton(Matrix::<Rational>::identity(2)).unwrap();
    let e = find_refutation(&set, &q(-1, 2), 3).unwrap_err();
    assert_eq!(
        e,
        Error::InvalidParameter {
            name: "refutation threshold r".into(),
            value: "-1/2".into(),
            expected: ">= 0".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "invalid input: refutation threshold r must be >= 0, got -1/2"
    );
    is_input(&e);
}

#[test]
fn unsupported_operations_say_what_to_use() {
    let m = Matrix::<Rational>::identity(2);
    let boxed = MatrixSet::interval_box(m.clone(), m).unwrap();
    let e = find_refutation(&boxed, &q(1, 1), 3).unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported { what } if what.contains("finite or hull")),
        "{e:?}"
    );
    is_input(&e);
    assert!(matches!(boxed.members(), Err(Error::Unsupported { .. })));
}

#[test]
fn a_non_symmetric_matrix_names_the_entry() {
    let m = mat(&[vec![(2, 1), (1, 1)], vec![(0, 1), (2, 1)]]);
    let e = ldlt(&m).err().unwrap();
    assert_eq!(e, Error::NotSymmetric { row: 1, col: 0 });
    is_input(&e);
}

#[test]
fn a_point_outside_every_region_is_outside_the_domain() {
    // One piece on x ≤ −1 (z = (x, θ)); x = 0 lies in no region.
    let piece = AffinePiece {
        a: mat(&[vec![(1, 2)]]),
        b: mat(&[vec![(1, 1)]]),
        c: vec![q(0, 1)],
        g: mat(&[vec![(1, 1), (0, 1)]]),
        h: vec![q(-1, 1)],
    };
    let map = PiecewiseAffine::new(vec![piece]).unwrap();
    let e = map.apply(&[q(0, 1)], &[q(0, 1)]).unwrap_err();
    assert!(matches!(e, Error::OutsideDomain { .. }), "{e:?}");
    is_input(&e);
}

#[test]
fn files_that_cannot_be_read_name_the_path_and_kind() {
    let e = piggyback::io::csv::read_matrix::<Rational>(Path::new("no/such/file.csv")).unwrap_err();
    match &e {
        Error::Io {
            action, path, kind, ..
        } => {
            assert_eq!((*action, path.as_str()), ("read", "no/such/file.csv"));
            assert_eq!(*kind, std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Io, got {other:?}"),
    }
    assert!(e
        .to_string()
        .starts_with("invalid input: cannot read no/such/file.csv: "));
    is_input(&e);
}

#[test]
fn malformed_data_names_file_location_and_reason() {
    let e = piggyback::io::csv::parse_matrix::<f64>("1,2\n3\n").unwrap_err();
    assert_eq!(
        e,
        Error::Malformed {
            file: "CSV".into(),
            at: "line 2".into(),
            reason: "1 cells, but line 1 has 2 (every row needs the same number)".into()
        }
    );
    is_input(&e);
    let e = piggyback::io::csv::parse_matrix::<f64>("1,x\n").unwrap_err();
    assert!(
        matches!(&e, Error::Malformed { at, .. } if at == "line 1, column 2"),
        "{e:?}"
    );
}

#[test]
fn set_operations_keep_the_invariants() {
    // Scaling a box by a negative number swaps its bounds instead of building lo > hi;
    // scaling by NaN is refused (f64).
    let lo = Matrix::<f64>::zeros(1, 2);
    let hi = Matrix::from_col_major(1, 2, vec![1.0, 2.0]).unwrap();
    let b = MatrixSet::interval_box(lo, hi).unwrap();
    assert!(b.scale(&-2.0).unwrap().check().is_ok());
    assert!(matches!(b.scale(&f64::NAN), Err(Error::NonFinite { .. })));
    // Products that overflow f64 are refused rather than stored as infinities.
    let big = MatrixSet::singleton(Matrix::from_col_major(1, 1, vec![1e200]).unwrap()).unwrap();
    assert!(matches!(big.product(&big), Err(Error::NonFinite { .. })));
}

/// A problem file in a fresh temporary directory.
fn problem_in(tag: &str, map: &str) -> (std::path::PathBuf, piggyback::io::problem::Problem) {
    let dir = std::env::temp_dir().join(format!("piggyback-errors-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.json");
    let text = format!(r#"{{"piggyback_problem": 1, "map": {map}, "theta": ["1/10"]}}"#);
    std::fs::write(&path, text).unwrap();
    let problem = piggyback::io::problem::Problem::read(&path).unwrap();
    (dir, problem)
}

#[test]
fn plot_options_name_the_flag_and_its_range() {
    use piggyback::cli::plot::{make_picture, PlotKind, PlotOptions};
    let bad = |kind, opts: PlotOptions| make_picture(kind, &opts).err().unwrap();
    let e = bad(
        PlotKind::HeavyBall,
        PlotOptions {
            keep: Some(1),
            ..Default::default()
        },
    );
    assert_eq!(
        e,
        Error::InvalidParameter {
            name: "--keep".into(),
            value: "1".into(),
            expected: "at least 2 and at most 4096 extreme points per step".into()
        }
    );
    is_input(&e);
    let e = bad(
        PlotKind::HeavyBall,
        PlotOptions {
            iterations: Some(0),
            ..Default::default()
        },
    );
    assert_eq!(
        e.to_string(),
        "invalid input: --iterations must be at least 1 and at most 100000, got 0"
    );
    let e = bad(
        PlotKind::HeavyBall,
        PlotOptions {
            grid: Some(5),
            ..Default::default()
        },
    );
    assert!(
        matches!(&e, Error::Unsupported { what }
            if what == "--grid applies to hypergrad-path only, not to heavy-ball"),
        "{e:?}"
    );
    is_input(&e);
    let e = piggyback::experiments::pictures::heavy_ball_run(3, 1).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidParameter { value, .. } if value == "1"),
        "{e:?}"
    );
    is_input(&e);
}

#[test]
fn level2_refusals_are_typed() {
    use piggyback::certify::level2::{certify_level2, round_up_significant, Placement};
    for x in [f64::NAN, -1.0, 0.0] {
        let e = round_up_significant(x, 9).unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { .. }), "{e:?}");
        is_input(&e);
    }
    // A map level 2 does not know, and a step rule it cannot reproduce.
    let clarke = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/problems/clarke.json");
    let problem = piggyback::io::problem::Problem::read(&clarke).unwrap();
    let e = certify_level2(&problem, None).unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported { what } if what.contains("piecewise_affine")
            && what.contains("clarke.json")),
        "{e:?}"
    );
    is_input(&e);
    let (_, problem) = problem_in(
        "frob",
        r#"{"kind": "lasso", "design": [["1", "0"], ["0", "1"]], "response": ["1", "1"],
            "step_rule": "frobenius"}"#,
    );
    let e = certify_level2(&problem, None).unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported { what } if what.contains("frobenius")),
        "{e:?}"
    );
    // A missing .npz: the path and the OS's kind of failure.
    let (dir, problem) = problem_in(
        "npz",
        r#"{"kind": "lasso", "design": {"npz": "gone.npz", "array": "X"}, "response": ["1"],
            "step": "1/2"}"#,
    );
    let e = certify_level2(&problem, None).unwrap_err();
    let gone = dir.join("gone.npz").display().to_string();
    assert!(
        matches!(&e, Error::Io { action: "read", kind: std::io::ErrorKind::NotFound, path, .. }
            if *path == gone),
        "{e:?}"
    );
    is_input(&e);
    // A large binary64 design whose data file exists: refused without `force`, kept.
    let (n, p) = (257, 256);
    let design = Matrix::from_fn(n, p, |i, j| if i == j { 1.0 } else { 0.0 });
    let (dir, problem) = problem_in(
        "exists",
        r#"{"kind": "lasso", "design": {"npy": "x.npy"}, "response": {"npy": "y.npy"},
            "step": "1/2"}"#,
    );
    std::fs::write(dir.join("x.npy"), piggyback::io::npy::to_bytes(&design)).unwrap();
    let y = Matrix::from_fn(n, 1, |_, _| 1.0);
    std::fs::write(dir.join("y.npy"), piggyback::io::npy::to_bytes(&y)).unwrap();
    let taken = dir.join("c.design.npy");
    std::fs::write(&taken, "mine").unwrap();
    let place = Placement {
        dir: dir.clone(),
        stem: "c".into(),
        force: false,
    };
    let e = certify_level2(&problem, Some(&place)).unwrap_err();
    assert!(
        matches!(&e, Error::Io { action: "overwrite", kind: std::io::ErrorKind::AlreadyExists, path, .. }
            if *path == taken.display().to_string()),
        "{e:?}"
    );
    is_input(&e);
    assert_eq!(std::fs::read_to_string(&taken).unwrap(), "mine");
    // Non-finite binary64 data: refused, naming the file (the .npy reader refuses it
    // before level 2 would write the value).
    let mut nan = Matrix::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 0.0 });
    nan[(1, 0)] = f64::NAN;
    std::fs::write(dir.join("x.npy"), piggyback::io::npy::to_bytes(&nan)).unwrap();
    std::fs::write(
        dir.join("y.npy"),
        piggyback::io::npy::to_bytes(&Matrix::from_fn(2, 1, |_, _| 1.0)),
    )
    .unwrap();
    let problem = piggyback::io::problem::Problem::read(&dir.join("p.json")).unwrap();
    let e = certify_level2(&problem, None).unwrap_err();
    assert!(
        matches!(&e, Error::NonFinite { context } if context.contains("x.npy")),
        "{e:?}"
    );
    is_input(&e);
    let _ = std::fs::remove_dir_all(&dir);
}
