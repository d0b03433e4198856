//! Certificates: contraction, refutation, invertibility, fixed point, derivative enclosure (MATH.md §7).
