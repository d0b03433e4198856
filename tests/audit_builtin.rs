//! The crate's built-in primitives and maps pass the audit in both claim modes, and
//! systematic mutations of their claims are caught (fixed seed, default budget).

use piggyback::audit::builtin::builtin_targets;
use piggyback::audit::{audit, AuditConfig, AuditTarget, Mutant, Mutation};
use rug::Rational;
use std::time::Instant;

#[test]
fn builtins_pass() {
    let cfg = AuditConfig::default();
    let mut failures = Vec::new();
    for t in builtin_targets().unwrap() {
        let start = Instant::now();
        let r = audit(&t, &cfg).unwrap();
        println!(
            "[{:.3}s] {:<60} {} checks, {} undecided, {}",
            start.elapsed().as_secs_f64(),
            t.name(),
            r.passed_checks,
            r.undecided.total(),
            if r.passed() { "pass" } else { "VIOLATION" }
        );
        if !r.passed() {
            failures.push(format!("{r}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Mutations that are wrong on a set of positive measure (or at the kinks every
/// set claim must cover) for the target at hand.
fn mutations_for(name: &str, dims: (usize, usize)) -> Vec<Mutation> {
    let mut ms = vec![
        Mutation::Scale(Rational::from((1001, 1000))),
        Mutation::Shift(0, 0, Rational::from((1, 1000))),
        Mutation::ZeroColumn(0),
    ];
    if dims.0 > 1 {
        ms.push(Mutation::TransposeSquareBlock);
    }
    if name.contains("conservative set") {
        ms.push(Mutation::KeepFirst);
    } else {
        ms.push(Mutation::ElementAsSet);
    }
    ms
}

#[test]
fn builtin_mutants_are_caught() {
    let cfg = AuditConfig::default();
    let (mut caught, mut total) = (0, 0);
    let mut missed = Vec::new();
    let start = Instant::now();
    for inner in builtin_targets().unwrap() {
        let name = inner.name();
        let dims = inner.dims();
        let muts = mutations_for(&name, dims);
        let inner = std::rc::Rc::new(inner);
        for m in muts {
            total += 1;
            let t = Mutant {
                inner: RcTarget(inner.clone()),
                mutation: m.clone(),
            };
            let r = audit(&t, &cfg).unwrap();
            if r.passed() {
                missed.push(format!("{name}: {m:?}"));
            } else {
                caught += 1;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "built-in mutants: {caught}/{total} caught, {:.3}s per mutant",
        secs / total as f64
    );
    for m in &missed {
        println!("  missed: {m}");
    }
    assert!(missed.is_empty());
}

struct RcTarget(std::rc::Rc<Box<dyn AuditTarget>>);

impl AuditTarget for RcTarget {
    fn name(&self) -> String {
        self.0.name()
    }
    fn dims(&self) -> (usize, usize) {
        self.0.dims()
    }
    fn eval(&self, z: &[Rational]) -> piggyback::Result<Vec<Rational>> {
        self.0.eval(z)
    }
    fn claimed(&self, z: &[Rational]) -> piggyback::Result<piggyback::audit::Claim> {
        self.0.claimed(z)
    }
    fn directional(
        &self,
        z: &[Rational],
        d: &[Rational],
    ) -> Option<piggyback::Result<Vec<Rational>>> {
        self.0.directional(z, d)
    }
    fn hints(&self) -> Vec<Rational> {
        self.0.hints()
    }
}
