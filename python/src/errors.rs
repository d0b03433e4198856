//! The crate's typed errors as Python exceptions (classes defined in
//! `piggyback/errors.py`, so that they can derive from both `PiggybackError` and the
//! matching built-in: `ValueError` for bad input, `RuntimeError` for computations).

use piggyback::Error;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// The Python exception class for a crate error.
fn class_name(e: &Error) -> &'static str {
    match e {
        Error::DimensionMismatch { .. } => "ShapeError",
        Error::NonFinite { .. }
        | Error::DivisionByZero { .. }
        | Error::InvalidParameter { .. }
        | Error::Empty { .. }
        | Error::IndexOutOfRange { .. }
        | Error::Io { .. }
        | Error::Malformed { .. }
        | Error::BoundsOutOfOrder { .. }
        | Error::NotSymmetric { .. }
        | Error::OutsideDomain { .. }
        | Error::Unsupported { .. }
        | Error::InvalidInput(_) => "InputError",
        Error::TooLarge { .. } => "TooLargeError",
        Error::NotConverged { .. } => "NotConvergedError",
        Error::Singular { .. } | Error::NotPositiveDefinite { .. } => "SingularError",
        Error::NotContractive { .. } => "NotContractiveError",
        Error::CouldNotVerify { .. } => "UndecidedError",
        // `Error` is non-exhaustive: a kind added later is at least a PiggybackError.
        _ => "PiggybackError",
    }
}

/// An exception of class `name` from `piggyback.errors` with `message`.
pub fn py_error(py: Python<'_>, name: &str, message: String) -> PyErr {
    let made = py
        .import("piggyback.errors")
        .and_then(|m| m.getattr(name))
        .and_then(|cls| cls.call1((message.clone(),)));
    match made {
        Ok(exc) => PyErr::from_value(exc),
        // The Python half of the package is missing (the extension imported alone).
        Err(_) => PyRuntimeError::new_err(message),
    }
}

/// Convert a crate error (with what was being done) into a Python exception.
pub fn to_py(py: Python<'_>, e: Error) -> PyErr {
    py_error(py, class_name(&e), e.to_string())
}

/// `Result` of the crate → `PyResult`.
pub trait IntoPy<T> {
    /// Map the error to its Python exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for piggyback::Result<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}

/// A bad argument (`InputError`, a `ValueError`).
pub fn input_error(py: Python<'_>, message: String) -> PyErr {
    py_error(py, "InputError", message)
}

/// A bad shape (`ShapeError`, a `ValueError`).
pub fn shape_error(py: Python<'_>, message: String) -> PyErr {
    py_error(py, "ShapeError", message)
}
