//! # piggyback-kernel: the trusted checker
//!
//! Everything a piggyback verdict depends on lives in this crate, and this crate
//! depends on nothing but `rug` (exact integers and rationals), `serde` and
//! `serde_json`. Finders, solvers and the command line live in the main crate and
//! may be as clever as they like; a certificate they write is only believed after the
//! functions here have re-derived and re-checked it.
//!
//! | module | role |
//! |---|---|
//! | [`number`] | exact number text (the project's one parser), with caps |
//! | [`matrix`] | a small exact rational matrix: products, exact definiteness, determinants |
//! | [`cost`], [`budget`] | the cost model and the work/memory budget every check is charged to first |
//! | [`certificate`] | the certificate formats (version 2) |
//! | [`problem`] | embedded problems: exact data → the family, witness points |
//! | [`pwa`], [`lp`] | is a piecewise-affine list a continuous, everywhere defined map (exact LP) |
//! | [`check`] | checker of norm bounds, refutations, invertibility |
//! | [`fixed_point`] | checker of forward–backward fixed-point certificates |
//! | [`verdict`] | the typed verdict: subject, claim, norm, number |
//!
//! Work is bounded: every check replays itself on sizes, charges the total to a
//! [`Budget`] and refuses with [`budget::OverBudget`] before starting, instead of
//! running for minutes or exhausting memory. There is no `f64` in this crate.
#![deny(missing_docs)]

pub mod budget;
pub mod certificate;
pub mod check;
pub mod cost;
pub mod error;
pub mod fixed_point;
pub mod lp;
pub mod matrix;
pub mod number;
pub mod problem;
pub mod pwa;
pub mod verdict;

pub use budget::{Budget, OverBudget};
pub use error::CheckFailure;
pub use verdict::Verdict;

/// Check any certificate text (either format) with the default budget.
pub fn check_json(text: &str) -> Result<Verdict, CheckFailure> {
    check_json_within(text, &mut Budget::default())
}

/// Check any certificate text (either format) within `budget`.
pub fn check_json_within(text: &str, budget: &mut Budget) -> Result<Verdict, CheckFailure> {
    let (format, _) = certificate::format_of(text)?;
    if format == certificate::FIXED_POINT_FORMAT {
        fixed_point::check_fixed_point(&fixed_point::fixed_point_from_json(text)?, budget)
    } else {
        check::check(&certificate::from_json(text)?, budget)
    }
}
