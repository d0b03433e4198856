//! Excess, gap and Hausdorff distance between sets of matrices (MATH.md §4).
