//! The experiments of Grazzi, Pontil & Salzo, "Nonsmooth Implicit Differentiation:
//! Deterministic and Stochastic Convergence Rates" (ICML 2024), section 7 and appendix
//! F, rebuilt on this crate's engines — and the one thing the paper could not do:
//! measure the approximation error against a **proven** enclosure of the true
//! hypergradient instead of a long AID-FP run.
//!
//! | module | what |
//! |---|---|
//! | [`data`] | synthetic sparse regression (appendix F.3, F.4), image sets for data poisoning |
//! | [`rates`] | fitted linear rates and log–log slopes |
//! | [`reference`](mod@reference) | certified enclosure of the elastic-net hypergradient; rigorous error bands |
//! | [`deterministic`] | Figure 1: ITD, AID-FP, AID-CG, AID-GMRES against iterations |
//! | [`stochastic`] | Figure 2: NSID (constant, decreasing steps), SID, AID-FP against epochs |
//! | [`pictures`] | the pictures of `piggyback plot`: ITD vs AID-FP, heavy ball's set-valued divergence, a hypergradient-descent path |
//! | [`poisoning`] | data poisoning of a multiclass logistic regression: the map and its VJPs in any scalar |
//!
//! Every run is seeded (ChaCha8) and reproducible; sizes are parameters. The
//! commands are `cargo run --release --example paper_fig1` and `… paper_fig2`
//! (`docs/paper-experiments.md` lists every choice and deviation from the paper).

// `!(x > 0.0)` is the deliberate NaN-rejecting form of the input checks.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod data;
pub mod deterministic;
pub mod pictures;
pub mod poisoning;
pub mod rates;
pub mod reference;
pub mod stochastic;

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// A table of numbers with named columns, written as CSV (full precision).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows (same length as `columns`); `NaN` is written as an empty cell.
    pub rows: Vec<Vec<f64>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: &[&str]) -> Self {
        Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: vec![],
        }
    }
    /// Append a row (its length must match the columns).
    pub fn push(&mut self, row: Vec<f64>) -> Result<()> {
        if row.len() != self.columns.len() {
            return Err(Error::DimensionMismatch {
                op: "Table::push",
                left: (1, self.columns.len()),
                right: (1, row.len()),
            });
        }
        self.rows.push(row);
        Ok(())
    }
    /// The CSV text (header line, then shortest round-trip numbers).
    pub fn to_csv(&self) -> String {
        let mut s = self.columns.join(",");
        s.push('\n');
        for r in &self.rows {
            let cells: Vec<String> = r
                .iter()
                .map(|v| {
                    if v.is_nan() {
                        String::new()
                    } else {
                        format!("{v:e}")
                    }
                })
                .collect();
            s.push_str(&cells.join(","));
            s.push('\n');
        }
        s
    }
    /// Write the CSV to `path`.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut f =
            std::fs::File::create(path).map_err(|e| Error::io("write", path.display(), &e))?;
        f.write_all(self.to_csv().as_bytes())
            .map_err(|e| Error::io("write", path.display(), &e))
    }
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let j = self.columns.iter().position(|c| c == name)?;
        Some(self.rows.iter().map(|r| r[j]).collect())
    }
}
