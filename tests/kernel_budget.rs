//! The work budget against the shipped examples: every example problem still certifies,
//! and its certificates cost a small fraction of the default budget (the figures quoted
//! in `docs/kernel.md`; run with `--nocapture` to see them).

use piggyback::certify::problem::{certify_problem, Outcome};
use piggyback::cli::fixed_point_certificate;
use piggyback::io::problem::Problem;
use piggyback_kernel::budget::DEFAULT_LIMIT;
use piggyback_kernel::Budget;

#[test]
fn shipped_examples_certify_well_within_the_budget() {
    let mut names: Vec<_> = std::fs::read_dir("examples/problems")
        .expect("examples")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    assert!(names.len() >= 5);
    for path in names {
        let problem = Problem::read(&path).expect("a valid problem");
        let Outcome::Certified(c) = certify_problem(&problem).expect("certify") else {
            panic!("{}: undecided", path.display());
        };
        let mut budget = Budget::default();
        let verdict = piggyback_kernel::check::check(&c.certificate, &mut budget).expect("valid");
        eprintln!("{}: {} units — {verdict}", path.display(), budget.spent());
        assert!(
            budget.spent() * 100 < DEFAULT_LIMIT,
            "{} costs {}",
            path.display(),
            budget.spent()
        );
        if let Some((fp, _)) = fixed_point_certificate(&problem).expect("fixed point") {
            let mut budget = Budget::default();
            piggyback_kernel::fixed_point::check_fixed_point(&fp, &mut budget).expect("valid");
            eprintln!("{} (fixed point): {} units", path.display(), budget.spent());
            assert!(budget.spent() * 100 < DEFAULT_LIMIT);
        }
    }
}

/// A budget too small for a check refuses it as too large, never as false.
#[test]
fn a_tiny_budget_refuses_as_too_large() {
    let problem =
        Problem::read(std::path::Path::new("examples/problems/relu_layer.json")).expect("problem");
    let Outcome::Certified(c) = certify_problem(&problem).expect("certify") else {
        panic!("undecided")
    };
    let r = piggyback_kernel::check::check(&c.certificate, &mut Budget::new(10));
    assert!(
        matches!(r, Err(piggyback_kernel::CheckFailure::TooLarge(_))),
        "{r:?}"
    );
}
