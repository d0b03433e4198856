//! # piggyback-kernel: the trusted checker
//!
//! Everything a piggyback verdict depends on lives in this crate, and this crate
//! depends on nothing but `rug` (exact integers and rationals), `serde` and
//! `serde_json`. Finders, solvers and the command line live in the main crate and
//! may be as clever as they like; a certificate they write is only believed after the
//! functions here have re-derived and re-checked it.
//!
//! Work is bounded: every check is charged against a [`Budget`] before (or while) it
//! runs, and refuses with [`budget::OverBudget`] instead of running for minutes or
//! exhausting memory.
#![deny(missing_docs)]

pub mod budget;
pub mod lp;
pub mod pwa;

pub use budget::{Budget, OverBudget};
