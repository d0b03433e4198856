//! The elastic-net / LASSO fast path (`piggyback::diff::enet`): coordinate-descent
//! solve, kink report, restricted-formula hypergradient with every vertex of the
//! conservative Jacobian when it is set-valued, and the outer loop on `log λ`
//! (`piggyback::diff::hypergrad::tune_enet`).

use crate::arrays::{indices, matrix_col_major, pairs, to_numpy1, to_numpy2_col_major, vector};
use crate::errors::{input_error, shape_error, IntoPy};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyUntypedArrayMethods};
use piggyback::diff::enet::{CdOptions, CdSolution, Enet, RestrictedSolver};
use piggyback::diff::hypergrad::{self, CrossEntropy, OuterLoss, SquaredError, TuneOptions};
use piggyback::{Error, Matrix};
use pyo3::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Identifies an `ElasticNet` so that a solution is never used with another problem.
static NEXT_PROBLEM_ID: AtomicU64 = AtomicU64::new(1);

/// `scale`: `"mean"` (`1/n`, scikit-learn), `"sum"` (`1`, the problem files'
/// `½‖Xw − y‖²`), or a positive number.
fn parse_scale(py: Python<'_>, scale: Option<&Bound<'_, PyAny>>, n: usize) -> PyResult<f64> {
    let Some(s) = scale else {
        return Ok(1.0 / n.max(1) as f64);
    };
    if let Ok(name) = s.extract::<String>() {
        return match name.as_str() {
            "mean" => Ok(1.0 / n.max(1) as f64),
            "sum" => Ok(1.0),
            other => Err(input_error(
                py,
                format!("scale must be \"mean\", \"sum\" or a number > 0, got {other:?}"),
            )),
        };
    }
    let v: f64 = s.extract().map_err(|_| {
        input_error(
            py,
            "scale must be \"mean\", \"sum\" or a number > 0".to_string(),
        )
    })?;
    if !(v > 0.0 && v.is_finite()) {
        return Err(input_error(
            py,
            format!("scale must be finite and > 0, got {v}"),
        ));
    }
    Ok(v)
}

fn parse_solver(py: Python<'_>, name: &str, p: usize) -> PyResult<RestrictedSolver> {
    match name {
        "auto" => Ok(RestrictedSolver::Auto),
        "cholesky" => Ok(RestrictedSolver::Cholesky),
        "cg" => Ok(RestrictedSolver::ConjugateGradient {
            rel_tol: 1e-12,
            max_iter: 10 * p + 100,
        }),
        other => Err(input_error(
            py,
            format!("solver must be \"auto\", \"cholesky\" or \"cg\", got {other:?}"),
        )),
    }
}

fn cd_options(py: Python<'_>, tol: f64, max_outer: usize, max_inner: usize) -> PyResult<CdOptions> {
    if !(tol > 0.0 && tol.is_finite()) {
        return Err(input_error(
            py,
            format!("tol must be finite and > 0, got {tol}"),
        ));
    }
    if max_outer == 0 || max_inner == 0 {
        return Err(input_error(
            py,
            "max_outer and max_inner must be ≥ 1".to_string(),
        ));
    }
    Ok(CdOptions {
        tol,
        max_outer,
        max_inner,
        ..CdOptions::default()
    })
}

fn check_lambdas(py: Python<'_>, l1: f64, l2: f64) -> PyResult<()> {
    if !(l1 >= 0.0 && l1.is_finite() && l2 >= 0.0 && l2.is_finite()) {
        return Err(input_error(
            py,
            format!("need finite l1 ≥ 0 and l2 ≥ 0, got l1 = {l1}, l2 = {l2}"),
        ));
    }
    Ok(())
}

/// The elastic net `min_w (s/2)‖Xw − y‖² + l1‖w‖₁ + (l2/2)‖w‖²`.
#[pyclass(frozen, module = "piggyback._native", name = "ElasticNet")]
pub struct PyElasticNet {
    inner: Enet,
    id: u64,
}

/// What the solver's accuracy says about kinks at the solution.
#[pyclass(frozen, module = "piggyback._native", name = "KinkReport")]
pub struct PyKinkReport {
    /// Coordinates with `w_j ≠ 0` (sorted).
    #[pyo3(get)]
    support: Py<PyArray1<i64>>,
    /// The (possible) equicorrelation set `E ⊇ support` (sorted).
    #[pyo3(get)]
    equicorrelation: Py<PyArray1<i64>>,
    /// `E = support`: the derivative is single-valued.
    #[pyo3(get)]
    single_valued: bool,
    /// `max_j (s|X_jᵀr| − l1)₊` over `w_j = 0`.
    #[pyo3(get)]
    max_violation: f64,
}

#[pymethods]
impl PyKinkReport {
    /// Coordinates of `E` outside the support: possibly at a kink.
    #[getter]
    fn at_kink(&self, py: Python<'_>) -> PyResult<Py<PyArray1<i64>>> {
        let s = self.support.bind(py).readonly();
        let e = self.equicorrelation.bind(py).readonly();
        let s = s.as_slice()?;
        let out: Vec<usize> = e
            .as_slice()?
            .iter()
            .filter(|j| s.binary_search(j).is_err())
            .map(|&j| j as usize)
            .collect();
        Ok(indices(py, &out))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "KinkReport(single_valued={}, support={}, equicorrelation={}, max_violation={:e})",
            if self.single_valued { "True" } else { "False" },
            self.support.bind(py).len(),
            self.equicorrelation.bind(py).len(),
            self.max_violation
        )
    }
}

/// A solution of [`PyElasticNet::solve`].
#[pyclass(frozen, module = "piggyback._native", name = "EnetSolution")]
pub struct PyEnetSolution {
    /// The coefficients.
    #[pyo3(get)]
    w: Py<PyArray1<f64>>,
    /// The `l1` it solves for.
    #[pyo3(get)]
    l1: f64,
    /// The `l2` it solves for.
    #[pyo3(get)]
    l2: f64,
    /// Final duality gap.
    #[pyo3(get)]
    gap: f64,
    /// Outer iterations.
    #[pyo3(get)]
    outer_iterations: usize,
    /// Coordinate-descent epochs.
    #[pyo3(get)]
    epochs: usize,
    /// The kink report.
    #[pyo3(get)]
    kinks: Py<PyKinkReport>,
    sol: CdSolution,
    problem_id: u64,
}

#[pymethods]
impl PyEnetSolution {
    fn __repr__(&self) -> String {
        format!(
            "EnetSolution(l1={}, l2={}, gap={:e}, nnz={}, single_valued={})",
            self.l1,
            self.l2,
            self.gap,
            self.sol.kkt.support.len(),
            if self.sol.kkt.single_valued {
                "True"
            } else {
                "False"
            }
        )
    }
}

/// A hypergradient `(∂L/∂l1, ∂L/∂l2)` with the conservative Jacobian's vertices.
#[pyclass(frozen, module = "piggyback._native", name = "Hypergradient")]
pub struct PyHypergradient {
    /// `(∂L/∂l1, ∂L/∂l2)` by the restricted formula on the support.
    #[pyo3(get)]
    grad: Py<PyArray1<f64>>,
    /// Whether the derivative is single-valued at the solution.
    #[pyo3(get)]
    single_valued: bool,
    /// Every vertex's hypergradient (`k × 2`; one row when single-valued), or `None`
    /// when there are more than `max_vertices` (see `vertices_note`).
    #[pyo3(get)]
    vertices: Option<Py<PyArray2<f64>>>,
    /// Why `vertices` is `None`.
    #[pyo3(get)]
    vertices_note: Option<String>,
    /// Iterations of the restricted solve (1 for Cholesky).
    #[pyo3(get)]
    iterations: usize,
    /// Residual of the restricted solve.
    #[pyo3(get)]
    residual: f64,
}

#[pymethods]
impl PyHypergradient {
    fn __repr__(&self, py: Python<'_>) -> String {
        let g = self.grad.bind(py).to_vec().unwrap_or_default();
        format!(
            "Hypergradient(grad={g:?}, single_valued={}, vertices={})",
            if self.single_valued { "True" } else { "False" },
            match &self.vertices {
                Some(v) => v.bind(py).shape()[0].to_string(),
                None => "None".into(),
            }
        )
    }
}

/// The path of the outer loop (one row per accepted step; the first is the start).
#[pyclass(frozen, module = "piggyback._native", name = "TunePath")]
pub struct PyTunePath {
    /// `(l1, l2)` per step (`k × 2`).
    #[pyo3(get)]
    lambdas: Py<PyArray2<f64>>,
    /// Validation loss per step.
    #[pyo3(get)]
    val_loss: Py<PyArray1<f64>>,
    /// `∂L/∂(l1, l2)` per step (`k × 2`).
    #[pyo3(get)]
    grad: Py<PyArray2<f64>>,
    /// `∂L/∂(log l1, log l2) = λ ⊙ ∂L/∂λ` per step (`k × 2`).
    #[pyo3(get)]
    grad_log: Py<PyArray2<f64>>,
    /// Whether the derivative was single-valued at each step.
    #[pyo3(get)]
    single_valued: Py<PyArray1<bool>>,
    best: [f64; 2],
    steps: usize,
}

#[pymethods]
impl PyTunePath {
    /// `(l1, l2)` with the lowest validation loss (the last accepted step).
    #[getter]
    fn best_lambda(&self) -> (f64, f64) {
        (self.best[0], self.best[1])
    }
    fn __len__(&self) -> usize {
        self.steps
    }
    fn __repr__(&self) -> String {
        format!(
            "TunePath(steps={}, best_lambda=({}, {}))",
            self.steps, self.best[0], self.best[1]
        )
    }
}

fn solution_of<'a>(
    py: Python<'_>,
    problem: &PyElasticNet,
    s: &'a PyEnetSolution,
) -> PyResult<&'a PyEnetSolution> {
    if s.problem_id != problem.id {
        return Err(input_error(
            py,
            "this solution belongs to another ElasticNet problem".to_string(),
        ));
    }
    Ok(s)
}

#[pymethods]
impl PyElasticNet {
    /// `ElasticNet(X, y, *, scale="mean")`.
    #[new]
    #[pyo3(signature = (x, y, *, scale = None))]
    fn new(
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        y: &Bound<'_, PyAny>,
        scale: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let (n, p, data) = matrix_col_major(x, "X")?;
        let y = vector(y, "y")?;
        if y.len() != n {
            return Err(shape_error(
                py,
                format!("X has {n} rows but y has {} entries", y.len()),
            ));
        }
        if n == 0 || p == 0 {
            return Err(shape_error(
                py,
                format!("X must have at least one row and one column, got ({n}, {p})"),
            ));
        }
        let s = parse_scale(py, scale, n)?;
        let m = Matrix::from_col_major(n, p, data).py_err(py)?;
        let inner = Enet::new(m, y, s).py_err(py)?;
        Ok(PyElasticNet {
            inner,
            id: NEXT_PROBLEM_ID.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// Number of samples `n`.
    #[getter]
    fn n_samples(&self) -> usize {
        self.inner.dims().0
    }
    /// Number of features `p`.
    #[getter]
    fn n_features(&self) -> usize {
        self.inner.dims().1
    }
    /// The loss scale `s`.
    #[getter]
    fn scale(&self) -> f64 {
        self.inner.scale()
    }
    /// `s‖Xᵀy‖_∞`: the smallest `l1` with solution 0 when `l2 = 0`.
    #[getter]
    fn lambda_max(&self) -> f64 {
        self.inner.lambda_max()
    }

    /// The objective at `w`.
    fn objective(&self, py: Python<'_>, w: &Bound<'_, PyAny>, l1: f64, l2: f64) -> PyResult<f64> {
        let w = vector(w, "w")?;
        if w.len() != self.n_features() {
            return Err(shape_error(
                py,
                format!(
                    "w has {} entries but X has {} columns",
                    w.len(),
                    self.n_features()
                ),
            ));
        }
        check_lambdas(py, l1, l2)?;
        Ok(self.inner.objective(&w, l1, l2))
    }

    /// Solve by working-set coordinate descent (GIL released).
    #[pyo3(signature = (l1, l2 = 0.0, *, warm_start = None, tol = 1e-10, max_outer = 200, max_inner = 10_000))]
    #[allow(clippy::too_many_arguments)]
    fn solve(
        &self,
        py: Python<'_>,
        l1: f64,
        l2: f64,
        warm_start: Option<&Bound<'_, PyAny>>,
        tol: f64,
        max_outer: usize,
        max_inner: usize,
    ) -> PyResult<PyEnetSolution> {
        check_lambdas(py, l1, l2)?;
        let opts = cd_options(py, tol, max_outer, max_inner)?;
        let warm = match warm_start {
            Some(w) => {
                let w = vector(w, "warm_start")?;
                if w.len() != self.n_features() {
                    return Err(shape_error(
                        py,
                        format!(
                            "warm_start has {} entries but X has {} columns",
                            w.len(),
                            self.n_features()
                        ),
                    ));
                }
                Some(w)
            }
            None => None,
        };
        let inner = &self.inner;
        let sol = py
            .detach(|| inner.solve(l1, l2, warm.as_deref(), &opts))
            .py_err(py)?;
        self.wrap_solution(py, sol, l1, l2)
    }

    /// `∂w/∂(l1, l2)` (`p × 2`) by the restricted formula on the support.
    #[pyo3(signature = (solution, *, solver = "auto"))]
    fn jacobian(
        &self,
        py: Python<'_>,
        solution: &PyEnetSolution,
        solver: &str,
    ) -> PyResult<Py<PyArray2<f64>>> {
        let s = solution_of(py, self, solution)?;
        let solver = parse_solver(py, solver, self.n_features())?;
        let inner = &self.inner;
        let jac = py
            .detach(|| inner.jacobian(&s.sol, s.l2, solver))
            .py_err(py)?;
        let (rows, cols) = jac.shape();
        to_numpy2_col_major(py, rows, cols, jac.into_vec())
    }

    /// The hypergradient of an outer loss with gradient `v = ∇_w L` at the solution;
    /// when the derivative is set-valued, every vertex's hypergradient too.
    #[pyo3(signature = (solution, v, *, solver = "auto", max_vertices = 4096))]
    fn hypergradient(
        &self,
        py: Python<'_>,
        solution: &PyEnetSolution,
        v: &Bound<'_, PyAny>,
        solver: &str,
        max_vertices: usize,
    ) -> PyResult<PyHypergradient> {
        let s = solution_of(py, self, solution)?;
        let solver = parse_solver(py, solver, self.n_features())?;
        let v = vector(v, "v")?;
        if v.len() != self.n_features() {
            return Err(shape_error(
                py,
                format!(
                    "v has {} entries but X has {} columns",
                    v.len(),
                    self.n_features()
                ),
            ));
        }
        self.hypergradient_of(py, s, &v, solver, max_vertices)
    }

    /// Hypergradient of the held-out squared error `‖X_val w − y_val‖² / (2 n_val)`.
    #[pyo3(signature = (solution, x_val, y_val, *, solver = "auto", max_vertices = 4096))]
    fn validation_hypergradient(
        &self,
        py: Python<'_>,
        solution: &PyEnetSolution,
        x_val: &Bound<'_, PyAny>,
        y_val: &Bound<'_, PyAny>,
        solver: &str,
        max_vertices: usize,
    ) -> PyResult<(f64, PyHypergradient)> {
        let s = solution_of(py, self, solution)?;
        let solver = parse_solver(py, solver, self.n_features())?;
        let loss = self.validation_loss(py, x_val, y_val, "squared")?;
        let v = loss.grad_x(&s.sol.w, &[s.l1, s.l2]).py_err(py)?;
        let value = loss.value(&s.sol.w, &[s.l1, s.l2]).py_err(py)?;
        Ok((
            value,
            self.hypergradient_of(py, s, &v, solver, max_vertices)?,
        ))
    }

    /// Hypergradient descent on `(log l1, log l2)` for a validation loss, warm-started
    /// inner solves, backtracking; returns the path.
    #[pyo3(signature = (x_val, y_val, lambda0 = None, *, loss = "squared", steps = 20, learning_rate = 1.0, tune = None, max_backtracks = 20, tol = 1e-10, max_outer = 200, solver = "auto"))]
    #[allow(clippy::too_many_arguments)]
    fn tune(
        &self,
        py: Python<'_>,
        x_val: &Bound<'_, PyAny>,
        y_val: &Bound<'_, PyAny>,
        lambda0: Option<(f64, f64)>,
        loss: &str,
        steps: usize,
        learning_rate: f64,
        tune: Option<(bool, bool)>,
        max_backtracks: usize,
        tol: f64,
        max_outer: usize,
        solver: &str,
    ) -> PyResult<PyTunePath> {
        let tune = tune.unwrap_or((true, true));
        let solver = parse_solver(py, solver, self.n_features())?;
        let cd = cd_options(py, tol, max_outer, CdOptions::default().max_inner)?;
        let loss = self.validation_loss(py, x_val, y_val, loss)?;
        if !(learning_rate > 0.0 && learning_rate.is_finite()) {
            return Err(input_error(
                py,
                format!("learning_rate must be finite and > 0, got {learning_rate}"),
            ));
        }
        let lmax = self.inner.lambda_max();
        let lambda0 = lambda0.unwrap_or((0.1 * lmax, 0.01 * lmax));
        let opts = TuneOptions {
            steps,
            learning_rate,
            tune: vec![tune.0, tune.1],
            max_backtracks,
        };
        let inner = &self.inner;
        let loss_ref: &(dyn OuterLoss + Sync) = loss.as_ref();
        let hist = py
            .detach(|| {
                hypergrad::tune_enet(inner, loss_ref, [lambda0.0, lambda0.1], &cd, solver, &opts)
            })
            .py_err(py)?;
        let lambdas: Vec<[f64; 2]> = hist.iter().map(|h| [h.lambda[0], h.lambda[1]]).collect();
        let grad_log: Vec<[f64; 2]> = hist
            .iter()
            .map(|h| [h.grad_log[0], h.grad_log[1]])
            .collect();
        // ∂L/∂λ = (λ ∂L/∂λ)/λ; a fixed λ = 0 has no log-gradient information, report 0.
        let grad: Vec<[f64; 2]> = lambdas
            .iter()
            .zip(&grad_log)
            .map(|(l, g)| {
                let d = |k: usize| if l[k] > 0.0 { g[k] / l[k] } else { 0.0 };
                [d(0), d(1)]
            })
            .collect();
        let best = *lambdas
            .last()
            .ok_or_else(|| input_error(py, "the outer loop returned no step".to_string()))?;
        Ok(PyTunePath {
            steps: hist.len(),
            lambdas: pairs(py, &lambdas)?,
            val_loss: to_numpy1(py, hist.iter().map(|h| h.loss).collect()),
            grad: pairs(py, &grad)?,
            grad_log: pairs(py, &grad_log)?,
            single_valued: PyArray1::from_vec(py, hist.iter().map(|h| h.single_valued).collect())
                .unbind(),
            best,
        })
    }

    fn __repr__(&self) -> String {
        let (n, p) = self.inner.dims();
        format!(
            "ElasticNet(n_samples={n}, n_features={p}, scale={})",
            self.inner.scale()
        )
    }
}

impl PyElasticNet {
    fn wrap_solution(
        &self,
        py: Python<'_>,
        sol: CdSolution,
        l1: f64,
        l2: f64,
    ) -> PyResult<PyEnetSolution> {
        let kinks = PyKinkReport {
            support: indices(py, &sol.kkt.support),
            equicorrelation: indices(py, &sol.kkt.equicorrelation),
            single_valued: sol.kkt.single_valued,
            max_violation: sol.kkt.max_violation,
        };
        Ok(PyEnetSolution {
            w: to_numpy1(py, sol.w.clone()),
            l1,
            l2,
            gap: sol.gap,
            outer_iterations: sol.outer_iterations,
            epochs: sol.epochs,
            kinks: Py::new(py, kinks)?,
            sol,
            problem_id: self.id,
        })
    }

    fn hypergradient_of(
        &self,
        py: Python<'_>,
        s: &PyEnetSolution,
        v: &[f64],
        solver: RestrictedSolver,
        max_vertices: usize,
    ) -> PyResult<PyHypergradient> {
        let inner = &self.inner;
        let single = s.sol.kkt.single_valued;
        let (hg, verts) = py
            .detach(|| {
                let hg = inner.hypergradient(&s.sol, s.l2, v, solver)?;
                let verts = if single {
                    Ok(vec![hg.grad])
                } else {
                    inner.conservative_hypergradients(&s.sol, s.l2, v, max_vertices)
                };
                Ok::<_, Error>((hg, verts))
            })
            .py_err(py)?;
        let (vertices, vertices_note) = match verts {
            Ok(v) => (Some(pairs(py, &v)?), None),
            Err(Error::TooLarge { context }) => (
                None,
                Some(format!(
                    "too many vertices to enumerate ({context}); raise max_vertices"
                )),
            ),
            Err(e) => return Err(crate::errors::to_py(py, e)),
        };
        Ok(PyHypergradient {
            grad: to_numpy1(py, hg.grad.to_vec()),
            single_valued: single,
            vertices,
            vertices_note,
            iterations: hg.iterations,
            residual: hg.residual,
        })
    }

    fn validation_loss(
        &self,
        py: Python<'_>,
        x_val: &Bound<'_, PyAny>,
        y_val: &Bound<'_, PyAny>,
        loss: &str,
    ) -> PyResult<Box<dyn OuterLoss + Sync>> {
        let (nv, pv, data) = matrix_col_major(x_val, "X_val")?;
        let yv = vector(y_val, "y_val")?;
        if pv != self.n_features() {
            return Err(shape_error(
                py,
                format!("X_val has {pv} columns but X has {}", self.n_features()),
            ));
        }
        if yv.len() != nv {
            return Err(shape_error(
                py,
                format!("X_val has {nv} rows but y_val has {} entries", yv.len()),
            ));
        }
        let m = Matrix::from_col_major(nv, pv, data).py_err(py)?;
        match loss {
            "squared" => Ok(Box::new(SquaredError::new(m, yv).py_err(py)?)),
            "logistic" => Ok(Box::new(CrossEntropy::new(m, yv).py_err(py)?)),
            other => Err(input_error(
                py,
                format!("loss must be \"squared\" or \"logistic\", got {other:?}"),
            )),
        }
    }
}

/// `tune_enet(X, y, X_val, y_val, lambda0=None, *, scale="mean", …)`: build the
/// problem and run [`PyElasticNet::tune`].
#[pyfunction]
#[pyo3(signature = (x, y, x_val, y_val, lambda0 = None, *, scale = None, loss = "squared", steps = 20, learning_rate = 1.0, tune = None, max_backtracks = 20, tol = 1e-10, max_outer = 200, solver = "auto"))]
#[allow(clippy::too_many_arguments)]
pub fn tune_enet(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    y: &Bound<'_, PyAny>,
    x_val: &Bound<'_, PyAny>,
    y_val: &Bound<'_, PyAny>,
    lambda0: Option<(f64, f64)>,
    scale: Option<&Bound<'_, PyAny>>,
    loss: &str,
    steps: usize,
    learning_rate: f64,
    tune: Option<(bool, bool)>,
    max_backtracks: usize,
    tol: f64,
    max_outer: usize,
    solver: &str,
) -> PyResult<PyTunePath> {
    let problem = PyElasticNet::new(py, x, y, scale)?;
    problem.tune(
        py,
        x_val,
        y_val,
        lambda0,
        loss,
        steps,
        learning_rate,
        tune,
        max_backtracks,
        tol,
        max_outer,
        solver,
    )
}
