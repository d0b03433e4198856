//! The audit of a user's Jacobian code: Python callables `f(x)` and a claimed
//! Jacobian or JVP wrapped as the crate's f64 target (`piggyback::audit::float`) and
//! run through the crate's audit engine (its sampler, kink locator, confirmation rule,
//! shrinking and report). Only the conversion between NumPy and `&[f64]` is here.
//!
//! Exceptions in the user's code: `piggyback.OutsideDomain` marks a point outside the
//! domain (counted as undecided, as the engine does for `Err` from a closure); any
//! other exception, a wrong output shape, or Ctrl-C stops the audit and is raised.

use crate::arrays::{array_row_major, shape_string, to_numpy1};
use crate::errors::{input_error, shape_error, IntoPy};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1};
use piggyback::audit::float::FloatTarget;
use piggyback::audit::{
    audit, AuditConfig, AuditReport, Conventions, Counterexample, Verdict, ViolationKind,
};
use piggyback::scalar::{rational_to_f64, Rational};
use piggyback::selection::Tolerance;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::cell::RefCell;
use std::rc::Rc;

/// The first error that stops the audit (kept to be raised when the engine returns).
type Abort = Rc<RefCell<Option<PyErr>>>;

/// Which outputs a callable must return.
#[derive(Clone, Copy)]
enum Output {
    /// A vector of length `n` (a scalar when `n = 1`).
    Vector(usize),
    /// An `n × nz` matrix (a vector when one of them is 1, a scalar when both are).
    Matrix(usize, usize),
}

impl Output {
    fn accepts(self, shape: &[usize]) -> bool {
        match (self, shape) {
            (Output::Vector(n), []) => n == 1,
            (Output::Vector(n), [m]) => *m == n,
            (Output::Matrix(n, nz), []) => n == 1 && nz == 1,
            (Output::Matrix(n, nz), [m]) => (n == 1 && *m == nz) || (nz == 1 && *m == n),
            (Output::Matrix(n, nz), [a, b]) => *a == n && *b == nz,
            _ => false,
        }
    }
    fn expected(self) -> String {
        match self {
            Output::Vector(n) => format!("({n},)"),
            Output::Matrix(n, nz) => format!("({n}, {nz})"),
        }
    }
}

/// Calls one user callable with NumPy arrays and converts what it returns.
struct Caller {
    func: Py<PyAny>,
    what: &'static str,
    out: Output,
    abort: Abort,
    outside_domain: Option<Py<PyAny>>,
}

impl Caller {
    fn call(&self, args: &[&[f64]]) -> Result<Vec<f64>, String> {
        if self.abort.borrow().is_some() {
            return Err("audit stopped".into());
        }
        Python::attach(|py| match self.call_py(py, args) {
            Ok(v) => Ok(v),
            Err((e, domain)) => {
                let msg = e.to_string();
                if !domain {
                    self.abort.borrow_mut().get_or_insert(e);
                }
                Err(msg)
            }
        })
    }

    /// `Err((error, is_outside_domain))`.
    fn call_py(&self, py: Python<'_>, args: &[&[f64]]) -> Result<Vec<f64>, (PyErr, bool)> {
        py.check_signals().map_err(|e| (e, false))?;
        let arrays: Vec<Bound<'_, PyArray1<f64>>> =
            args.iter().map(|a| PyArray1::from_slice(py, a)).collect();
        let called = match arrays.as_slice() {
            [x] => self.func.bind(py).call1((x,)),
            [x, v] => self.func.bind(py).call1((x, v)),
            // Callers pass `[x]` (f, jacobian) or `[x, v]` (jvp); anything else is a bug
            // here, reported as an error rather than a panic across the FFI boundary.
            _ => Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                "piggyback internal error: a callable was given {} arrays (1 or 2 expected)",
                arrays.len()
            ))),
        };
        let value = called.map_err(|e| {
            let domain = self
                .outside_domain
                .as_ref()
                .is_some_and(|cls| e.is_instance(py, cls.bind(py)));
            (e, domain)
        })?;
        let (shape, data) = array_row_major(&value, self.what).map_err(|e| (e, false))?;
        if !self.out.accepts(&shape) {
            return Err((
                shape_error(
                    py,
                    format!(
                        "{} returned an array of shape {}, expected {}",
                        self.what,
                        shape_string(&shape),
                        self.out.expected()
                    ),
                ),
                false,
            ));
        }
        Ok(data)
    }
}

fn conventions(py: Python<'_>, name: &str) -> PyResult<Conventions> {
    match name {
        "clarke" => Ok(Conventions::Clarke),
        "conservative" => Ok(Conventions::Conservative),
        other => Err(input_error(
            py,
            format!("conventions must be \"clarke\" or \"conservative\", got {other:?}"),
        )),
    }
}

fn rational(py: Python<'_>, x: f64, what: &str) -> PyResult<Rational> {
    Rational::from_f64(x).ok_or_else(|| input_error(py, format!("{what} must be finite, got {x}")))
}

/// The sampling box: one `(lo, hi)` per input, `lo < hi`, finite.
fn parse_bounds(
    py: Python<'_>,
    bounds: Vec<(f64, f64)>,
    n_in: usize,
) -> PyResult<Vec<(Rational, Rational)>> {
    if bounds.len() != n_in {
        return Err(shape_error(
            py,
            format!(
                "bounds has {} (lo, hi) pairs but f takes {n_in} inputs",
                bounds.len()
            ),
        ));
    }
    bounds
        .into_iter()
        .enumerate()
        .map(|(i, (lo, hi))| {
            let (a, b) = (rational(py, lo, "bounds")?, rational(py, hi, "bounds")?);
            if a >= b {
                return Err(input_error(
                    py,
                    format!("bounds[{i}] = ({lo}, {hi}) is empty: lo must be < hi"),
                ));
            }
            Ok((a, b))
        })
        .collect()
}

fn kind_name(k: ViolationKind) -> &'static str {
    match k {
        ViolationKind::ChainRule => "chain_rule",
        ViolationKind::OneSidedDerivative => "one_sided_derivative",
        ViolationKind::ClosedGraph => "closed_graph",
        ViolationKind::NotLocallyBounded => "not_locally_bounded",
        ViolationKind::OutsideClarke => "outside_clarke",
        ViolationKind::InconsistentClaim => "inconsistent_claim",
        // `ViolationKind` is non-exhaustive: a kind added later keeps a generic name.
        _ => "other",
    }
}

fn f64s(v: &[Rational]) -> Vec<f64> {
    v.iter().map(rational_to_f64).collect()
}

fn counterexample<'py>(py: Python<'py>, c: &Counterexample) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("kind", kind_name(c.kind))?;
    d.set_item("seed", c.seed)?;
    d.set_item("point", to_numpy1(py, c.point_f64()))?;
    d.set_item("direction", to_numpy1(py, c.direction_f64()))?;
    d.set_item("t", to_numpy1(py, f64s(&c.t)))?;
    d.set_item("expected", to_numpy1(py, c.expected_f64()))?;
    d.set_item("claimed", to_numpy1(py, c.claimed_f64()))?;
    let element = match &c.element {
        Some(a) => {
            let (r, k) = a.shape();
            let data: Vec<f64> = (0..r)
                .flat_map(|i| a.row(i).iter().map(rational_to_f64).collect::<Vec<_>>())
                .collect();
            let m = Array2::from_shape_vec((r, k), data)
                .map_err(|e| input_error(py, format!("internal shape error: {e}")))?;
            Some(m.into_pyarray(py).unbind())
        }
        None => None,
    };
    d.set_item("element", element)?;
    d.set_item("detail", &c.detail)?;
    d.set_item("shrink_steps", c.shrink_steps)?;
    d.set_item("estimated", c.estimated)?;
    d.set_item("text", c.to_string())?;
    Ok(d)
}

fn report<'py>(py: Python<'py>, r: &AuditReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(
        "verdict",
        match r.verdict() {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
        },
    )?;
    d.set_item("target", &r.target)?;
    d.set_item("seed", r.seed)?;
    d.set_item("passed_checks", r.passed_checks)?;
    d.set_item("forgiven", r.forgiven)?;
    d.set_item("chain_rule_decided", r.chain_rule_decided)?;
    d.set_item("min_decided", r.min_decided)?;
    let u = &r.undecided;
    let und = PyDict::new(py);
    for (k, v) in [
        ("kink", u.kink),
        ("domain", u.domain),
        ("claim", u.claim),
        ("no_limit", u.no_limit),
        ("noise", u.noise),
        ("isolated", u.isolated),
        ("degree_too_high", u.degree_too_high),
        ("no_exact_derivative", u.no_exact_derivative),
    ] {
        und.set_item(k, v)?;
    }
    d.set_item("undecided", und)?;
    d.set_item("kinks_located", r.kinks_located)?;
    d.set_item("kinks_exact", r.kinks_exact)?;
    d.set_item("evaluations", r.evaluations)?;
    d.set_item("claims", r.claims)?;
    d.set_item("reasons", r.reasons())?;
    let v = PyList::empty(py);
    for c in &r.violations {
        v.append(counterexample(py, c)?)?;
    }
    d.set_item("violations", v)?;
    d.set_item("text", r.to_string())?;
    Ok(d)
}

/// Audit `f` (R^n_in → R^n_out) against a claimed `jacobian(x)` or `jvp(x, v)` in f64;
/// returns the report as a dict (the Python half makes dataclasses of it). The
/// tolerance defaults are `audit::float::DEFAULT_TOLERANCE` written out (a signature
/// default must be a literal for the stubs to match).
#[pyfunction]
#[pyo3(signature = (
    f, n_in, n_out, *, jacobian = None, jvp = None, name = None,
    tol_abs = 1e-6, tol_rel = 1e-6,
    conventions = "clarke", budget = "default", seed = None, lines = None,
    structured_lines = None, samples_per_line = None, kink_points = None,
    min_decided = None, max_violations = 1, shrink = true, bounds = None, hints = None
))]
#[allow(clippy::too_many_arguments)]
pub fn audit_f64<'py>(
    py: Python<'py>,
    f: Py<PyAny>,
    n_in: usize,
    n_out: usize,
    jacobian: Option<Py<PyAny>>,
    jvp: Option<Py<PyAny>>,
    name: Option<String>,
    tol_abs: f64,
    tol_rel: f64,
    conventions: &str,
    budget: &str,
    seed: Option<u64>,
    lines: Option<usize>,
    structured_lines: Option<usize>,
    samples_per_line: Option<usize>,
    kink_points: Option<usize>,
    min_decided: Option<usize>,
    max_violations: usize,
    shrink: bool,
    bounds: Option<Vec<(f64, f64)>>,
    hints: Option<Vec<f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    if n_in == 0 || n_out == 0 {
        return Err(input_error(
            py,
            format!("n_in and n_out must be ≥ 1, got {n_in} and {n_out}"),
        ));
    }
    if max_violations == 0 {
        return Err(input_error(py, "max_violations must be ≥ 1".to_string()));
    }
    let mut cfg = match budget {
        "default" => AuditConfig::default(),
        "quick" => AuditConfig::quick(AuditConfig::default().seed),
        other => {
            return Err(input_error(
                py,
                format!("budget must be \"default\" or \"quick\", got {other:?}"),
            ))
        }
    };
    cfg.conventions = self::conventions(py, conventions)?;
    if let Some(s) = seed {
        cfg.seed = s;
    }
    cfg.lines = lines.unwrap_or(cfg.lines);
    cfg.structured_lines = structured_lines.unwrap_or(cfg.structured_lines);
    cfg.samples_per_line = samples_per_line.unwrap_or(cfg.samples_per_line);
    cfg.kink_points = kink_points.unwrap_or(cfg.kink_points);
    cfg.min_decided = min_decided.unwrap_or(cfg.min_decided);
    cfg.max_violations = max_violations;
    cfg.shrink = shrink;
    if cfg.lines + cfg.structured_lines + cfg.kink_points == 0 {
        return Err(input_error(
            py,
            "lines, structured_lines and kink_points are all 0: nothing would be checked"
                .to_string(),
        ));
    }
    if let Some(b) = bounds {
        cfg.bounds = Some(parse_bounds(py, b, n_in)?);
    }
    let outside_domain = py
        .import("piggyback.errors")
        .and_then(|m| m.getattr("OutsideDomain"))
        .ok()
        .map(Bound::unbind);
    let abort: Abort = Rc::new(RefCell::new(None));
    let caller = |func: Py<PyAny>, what: &'static str, out: Output| Caller {
        func,
        what,
        out,
        abort: Rc::clone(&abort),
        outside_domain: outside_domain.as_ref().map(|c| c.clone_ref(py)),
    };
    let fc = caller(f, "f", Output::Vector(n_out));
    let name = name.unwrap_or_else(|| "f".to_string());
    let target = match (jacobian, jvp) {
        (Some(j), None) => {
            let jc = caller(j, "jacobian", Output::Matrix(n_out, n_in));
            FloatTarget::with_jacobian(
                &name,
                n_out,
                n_in,
                move |x: &[f64]| fc.call(&[x]),
                move |x: &[f64]| jc.call(&[x]),
            )
        }
        (None, Some(j)) => {
            let jc = caller(j, "jvp", Output::Vector(n_out));
            FloatTarget::with_jvp(
                &name,
                n_out,
                n_in,
                move |x: &[f64]| fc.call(&[x]),
                move |x: &[f64], v: &[f64]| jc.call(&[x, v]),
            )
        }
        _ => {
            return Err(input_error(
                py,
                "give exactly one of jacobian= and jvp=".to_string(),
            ))
        }
    };
    let target = target
        .tolerance(Tolerance {
            abs: tol_abs,
            rel: tol_rel,
        })
        .py_err(py)?
        .hints(hints.unwrap_or_default());
    let result = audit(&target, &cfg);
    if let Some(e) = abort.borrow_mut().take() {
        return Err(e);
    }
    report(py, &result.py_err(py)?)
}
