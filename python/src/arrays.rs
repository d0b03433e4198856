//! NumPy arrays in and out.
//!
//! In: anything `numpy.asarray(·, dtype=float64)` accepts (no copy for a `float64`
//! array, C or Fortran order, contiguous or strided); complex arrays are refused
//! rather than silently dropping the imaginary part; shapes and finiteness are checked
//! with messages that name the argument. The design is copied once, into the
//! column-major layout the solver keeps (a plain memory copy for Fortran-ordered
//! arrays). Out: vectors are moved into NumPy arrays (no copy).

use crate::errors::{input_error, shape_error};
use numpy::ndarray::{Array2, ArrayView2, Ix1, Ix2, ShapeBuilder};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// `numpy.asarray(obj, dtype=float64)`, refusing complex input.
fn as_float_array<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
    let py = obj.py();
    if let Ok(dtype) = obj.getattr("dtype") {
        if let Ok(kind) = dtype.getattr("kind").and_then(|k| k.extract::<String>()) {
            if kind == "c" {
                return Err(PyTypeError::new_err(format!(
                    "{name} is a complex array; piggyback works with real (float64) arrays"
                )));
            }
        }
    }
    static AS_ARRAY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let as_array = AS_ARRAY
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(py.import("numpy")?.getattr("asarray")?.unbind())
        })?
        .bind(py);
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("dtype", numpy::dtype::<f64>(py))?;
    let arr = as_array.call((obj,), Some(&kwargs)).map_err(|e| {
        PyTypeError::new_err(format!(
            "{name} cannot be read as a float64 array: {}",
            e.value(py)
        ))
    })?;
    arr.cast_into::<PyArrayDyn<f64>>()
        .map_err(|_| PyTypeError::new_err(format!("{name} cannot be read as a float64 array")))
}

fn shape_text(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A 1-D float vector (copied out of the array), every entry finite.
pub fn vector(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<f64>> {
    let py = obj.py();
    let arr = as_float_array(obj, name)?;
    if arr.ndim() != 1 {
        return Err(shape_error(
            py,
            format!(
                "{name} must be a 1-D array, got shape {}",
                shape_text(arr.shape())
            ),
        ));
    }
    let ro = arr.readonly();
    let view = ro
        .as_array()
        .into_dimensionality::<Ix1>()
        .map_err(|e| shape_error(py, format!("{name}: {e}")))?;
    let v: Vec<f64> = view.iter().copied().collect();
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(input_error(
            py,
            format!("{name} contains {} at index {i}", v[i]),
        ));
    }
    Ok(v)
}

/// A 2-D float matrix as `(rows, cols, column-major data)`, every entry finite.
pub fn matrix_col_major(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<(usize, usize, Vec<f64>)> {
    let py = obj.py();
    let arr = as_float_array(obj, name)?;
    if arr.ndim() != 2 {
        return Err(shape_error(
            py,
            format!(
                "{name} must be a 2-D array (samples × features), got shape {}",
                shape_text(arr.shape())
            ),
        ));
    }
    let ro = arr.readonly();
    let view: ArrayView2<'_, f64> = ro
        .as_array()
        .into_dimensionality::<Ix2>()
        .map_err(|e| shape_error(py, format!("{name}: {e}")))?;
    let (n, p) = view.dim();
    let data: Vec<f64> = if let Some(s) = view.t().as_slice() {
        // Fortran order: the transposed view is C-contiguous, a single memory copy.
        s.to_vec()
    } else if let Some(s) = view.as_slice() {
        transpose_blocked(s, n, p)
    } else {
        let mut d = Vec::with_capacity(n * p);
        for col in view.columns() {
            d.extend(col.iter().copied());
        }
        d
    };
    if let Some(k) = data.iter().position(|x| !x.is_finite()) {
        return Err(input_error(
            py,
            format!(
                "{name} contains {} at [{}, {}]",
                data[k],
                k % n.max(1),
                k / n.max(1)
            ),
        ));
    }
    Ok((n, p, data))
}

/// The column-major copy of a row-major `n × p` buffer, tile by tile so that reads
/// and writes both stay in cache (a column-by-column gather strides through the
/// whole array once per column).
fn transpose_blocked(src: &[f64], n: usize, p: usize) -> Vec<f64> {
    const TILE: usize = 32;
    let mut out = vec![0.0; n * p];
    for i0 in (0..n).step_by(TILE) {
        for j0 in (0..p).step_by(TILE) {
            for i in i0..(i0 + TILE).min(n) {
                let row = &src[i * p..(i + 1) * p];
                for j in j0..(j0 + TILE).min(p) {
                    out[j * n + i] = row[j];
                }
            }
        }
    }
    out
}

/// A vector moved into a NumPy array (no copy).
pub fn to_numpy1(py: Python<'_>, v: Vec<f64>) -> Py<PyArray1<f64>> {
    PyArray1::from_vec(py, v).unbind()
}

/// Indices as an `int64` NumPy array.
pub fn indices(py: Python<'_>, v: &[usize]) -> Py<PyArray1<i64>> {
    // invariant: indices of arrays that exist in memory fit in i64.
    PyArray1::from_vec(py, v.iter().map(|&j| j as i64).collect()).unbind()
}

/// A column-major `rows × cols` buffer moved into a Fortran-ordered NumPy array (no copy).
pub fn to_numpy2_col_major(
    py: Python<'_>,
    rows: usize,
    cols: usize,
    data: Vec<f64>,
) -> PyResult<Py<PyArray2<f64>>> {
    let a = Array2::from_shape_vec((rows, cols).f(), data)
        .map_err(|e| input_error(py, format!("internal shape error: {e}")))?;
    Ok(a.into_pyarray(py).unbind())
}

/// Rows of pairs as a `k × 2` NumPy array.
pub fn pairs(py: Python<'_>, rows: &[[f64; 2]]) -> PyResult<Py<PyArray2<f64>>> {
    let flat: Vec<f64> = rows.iter().flat_map(|r| r.iter().copied()).collect();
    Array2::from_shape_vec((rows.len(), 2), flat)
        .map(|a| a.into_pyarray(py).unbind())
        .map_err(|e| input_error(py, format!("internal shape error: {e}")))
}
