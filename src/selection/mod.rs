//! Lipschitz gradient selections: piecewise-smooth functions with their active pieces (MATH.md §2).
