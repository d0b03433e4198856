//! Work budgets: a check refuses, in well under a second, what it could not finish
//! within its limit, instead of running for minutes or aborting on allocation.
//!
//! A [`Budget`] counts abstract work units. Callers charge an upper bound on the work
//! of a step *before* doing it (computed from declared sizes: dimensions, vertex
//! counts, digit lengths, word lengths), so an oversized input is refused before any
//! large allocation or long computation starts.

use std::fmt;

/// The default limit of a [`Budget`] in work units (about a few seconds of exact
/// arithmetic on one core; see the cost models of the individual checks).
pub const DEFAULT_LIMIT: u128 = 4_000_000_000;

/// The default largest single object a check may build, in 64-bit limbs (2²⁵ limbs =
/// 256 MiB): the work limit alone would allow far more memory than a machine has.
pub const DEFAULT_MEMORY_LIMIT: u128 = 1 << 25;

/// A work budget: `spent ≤ limit` units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    limit: u128,
    spent: u128,
    memory_limit: u128,
}

/// A step would exceed the budget: the input is too large to check within the limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverBudget {
    /// The step that was refused (starting with [`MEMORY`] when its largest object, not
    /// its work, is over the limit; `needed` and `limit` are then in 64-bit limbs).
    pub what: String,
    /// Units the step needs (an upper bound) plus those already spent.
    pub needed: u128,
    /// The budget's limit.
    pub limit: u128,
}

/// The prefix of [`OverBudget::what`] for a refusal on memory rather than work.
pub const MEMORY: &str = "memory: ";

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.what.strip_prefix(MEMORY) {
            Some(what) => write!(
                f,
                "too large: {what} needs an object of up to {} limbs (64-bit words), above the \
                 memory limit of {}",
                self.needed, self.limit
            ),
            None => write!(
                f,
                "too large: {} needs up to {} work units, above the budget of {}",
                self.what, self.needed, self.limit
            ),
        }
    }
}

impl std::error::Error for OverBudget {}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(DEFAULT_LIMIT)
    }
}

impl Budget {
    /// A budget of `limit` units.
    pub fn new(limit: u128) -> Self {
        Budget {
            limit,
            spent: 0,
            memory_limit: DEFAULT_MEMORY_LIMIT,
        }
    }

    /// The same budget with another limit on the largest single object (in limbs).
    pub fn with_memory_limit(mut self, limbs: u128) -> Self {
        self.memory_limit = limbs;
        self
    }

    /// The limit on the largest single object, in 64-bit limbs.
    pub fn memory_limit(&self) -> u128 {
        self.memory_limit
    }

    /// Refuse a step whose largest object would need more than the memory limit
    /// (`limbs` 64-bit words). Spends nothing.
    pub fn check_memory(&self, what: &str, limbs: u128) -> Result<(), OverBudget> {
        if limbs > self.memory_limit {
            return Err(OverBudget {
                what: format!("{MEMORY}{what}"),
                needed: limbs,
                limit: self.memory_limit,
            });
        }
        Ok(())
    }

    /// Units spent so far.
    pub fn spent(&self) -> u128 {
        self.spent
    }

    /// The limit.
    pub fn limit(&self) -> u128 {
        self.limit
    }

    /// Units still available.
    pub fn remaining(&self) -> u128 {
        self.limit - self.spent
    }

    /// Reserve `units` for the step `what`; refuses (spending nothing) if the total
    /// would exceed the limit.
    pub fn charge(&mut self, what: &str, units: u128) -> Result<(), OverBudget> {
        let needed = self.spent.saturating_add(units);
        if needed > self.limit {
            return Err(OverBudget {
                what: what.to_string(),
                needed,
                limit: self.limit,
            });
        }
        self.spent = needed;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_accumulate_and_refuse_past_the_limit() {
        let mut b = Budget::new(10);
        assert!(b.charge("a", 4).is_ok());
        assert!(b.charge("b", 6).is_ok());
        assert_eq!(b.remaining(), 0);
        let e = b.charge("c", 1).unwrap_err();
        assert_eq!(e.needed, 11);
        assert_eq!(b.spent(), 10, "a refused charge spends nothing");
        assert!(b.charge("huge", u128::MAX).is_err(), "no overflow");
    }

    #[test]
    fn memory_is_limited_per_object() {
        let b = Budget::new(10).with_memory_limit(100);
        assert!(b.check_memory("small", 100).is_ok());
        let e = b.check_memory("big", 101).unwrap_err();
        assert!(
            e.to_string().contains("101 limbs") && e.to_string().contains("memory limit of 100")
        );
        assert_eq!(Budget::default().memory_limit(), DEFAULT_MEMORY_LIMIT);
    }
}
