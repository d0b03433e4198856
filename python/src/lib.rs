//! Python bindings of piggyback: the module `piggyback._native`.
//!
//! The Python package (`python/piggyback/`) re-exports these and adds the parts that
//! are Python by nature (exception classes, `fractions.Fraction` for exact numbers,
//! encoding problem dicts). Every computation is the crate's: nothing is
//! reimplemented here.

mod arrays;
mod enet;
mod errors;
mod reports;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<enet::PyElasticNet>()?;
    m.add_class::<enet::PyEnetSolution>()?;
    m.add_class::<enet::PyKinkReport>()?;
    m.add_class::<enet::PyHypergradient>()?;
    m.add_class::<enet::PyTunePath>()?;
    m.add_function(wrap_pyfunction!(enet::tune_enet, m)?)?;
    m.add_function(wrap_pyfunction!(reports::certify_json, m)?)?;
    m.add_function(wrap_pyfunction!(reports::check_json, m)?)?;
    m.add_function(wrap_pyfunction!(reports::solve_json, m)?)?;
    Ok(())
}
