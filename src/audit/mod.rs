//! Audit: a fuzzing harness for conservative-Jacobian implementations (MATH.md §2).
