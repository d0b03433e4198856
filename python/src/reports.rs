//! `certify`, `check` and `solve` on problems and certificates given as files or in
//! memory. Each returns the JSON report of the command line's `--json`
//! (`piggyback::cli::report`: exact numbers as `"p/q"` strings, f64 numbers in
//! shortest round-trip form); the Python half turns the exact strings into
//! `fractions.Fraction`.

use crate::errors::{input_error, IntoPy};
use piggyback::cli::{self, check_certificate};
use piggyback::io::problem::Problem;
use pyo3::prelude::*;
use std::path::{Path, PathBuf};

/// The problem from a file, or from JSON text whose relative data paths are resolved
/// against `base_dir` (default: the current directory).
fn load_problem(
    py: Python<'_>,
    text: Option<&str>,
    path: Option<&Path>,
    base_dir: Option<&Path>,
) -> PyResult<Problem> {
    match (text, path) {
        (Some(t), None) => {
            Problem::parse_named(t, base_dir.unwrap_or(Path::new(".")), "problem dict").py_err(py)
        }
        (None, Some(p)) => Problem::read(p).py_err(py),
        _ => Err(input_error(
            py,
            "give exactly one of a problem text or a problem path".to_string(),
        )),
    }
}

fn json<T: serde::Serialize>(py: Python<'_>, value: &T) -> PyResult<String> {
    serde_json::to_string(value)
        .map_err(|e| input_error(py, format!("cannot serialise the report: {e}")))
}

/// `certify`: the report, the certificate's text and the fixed-point certificate's
/// text (nothing is written). GIL released while certifying.
#[pyfunction]
#[pyo3(signature = (text = None, path = None, base_dir = None))]
pub fn certify_json(
    py: Python<'_>,
    text: Option<&str>,
    path: Option<PathBuf>,
    base_dir: Option<PathBuf>,
) -> PyResult<(String, Option<String>, Option<String>)> {
    let problem = load_problem(py, text, path.as_deref(), base_dir.as_deref())?;
    let label = path.as_deref();
    let done = py
        .detach(|| cli::certify_in_memory(&problem, label))
        .py_err(py)?;
    Ok((
        json(py, &done.report)?,
        done.certificate,
        done.fixed_point_certificate,
    ))
}

/// `check`: re-verify a certificate (text or file) in exact arithmetic; the report.
#[pyfunction]
#[pyo3(signature = (text = None, path = None))]
pub fn check_json(py: Python<'_>, text: Option<String>, path: Option<PathBuf>) -> PyResult<String> {
    let body = match (text, &path) {
        (Some(t), None) => t,
        (None, Some(p)) => std::fs::read_to_string(p)
            .map_err(|e| input_error(py, format!("cannot read {}: {e}", p.display())))?,
        _ => {
            return Err(input_error(
                py,
                "give exactly one of a certificate text or a certificate path".to_string(),
            ))
        }
    };
    let outcome = py.detach(|| check_certificate(&body));
    json(py, &cli::check_report(path.as_deref(), &outcome))
}

/// `solve`: f64 solve and derivative, then their interval proof; the report.
#[pyfunction]
#[pyo3(signature = (text = None, path = None, base_dir = None))]
pub fn solve_json(
    py: Python<'_>,
    text: Option<&str>,
    path: Option<PathBuf>,
    base_dir: Option<PathBuf>,
) -> PyResult<String> {
    let problem = load_problem(py, text, path.as_deref(), base_dir.as_deref())?;
    let r = py.detach(|| cli::solve_problem(&problem)).py_err(py)?;
    json(py, &cli::solve_report(path.as_deref(), &problem, &r))
}
