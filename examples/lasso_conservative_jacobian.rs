//! Forward–backward for a small LASSO: solve in f64, then look at the fixed point in
//! exact rationals — the AD element of the conservative Jacobian and the whole set.
//!
//! Run: `cargo run --example lasso_conservative_jacobian`

use piggyback::diff::fixed_point::solve_fixed_point;
use piggyback::diff::IterOptions;
use piggyback::linalg::norms::Norm;
use piggyback::maps::{Design, ForwardBackward, Penalty, StepRule};
use piggyback::matset::MatrixSetView;
use piggyback::{FixedPointMap, Matrix, Result};
use rug::Rational;

fn main() -> Result<()> {
    let rows = [[2, 1, 0], [1, 3, 1], [0, 1, 2], [1, 0, 1], [1, 1, 1]];
    let b = [3, 1, -2, 2, 1];
    // f64: γ = 1/L̂ from the data.
    let af = Matrix::<f64>::from_fn(5, 3, |i, j| rows[i][j] as f64);
    let fb = ForwardBackward::lasso(af, b.iter().map(|&v| v as f64).collect())?;
    println!(
        "L ≈ {:.6}, μ ≈ {:.6}, γ = {:.6}",
        fb.lipschitz(),
        fb.strong_convexity(),
        fb.gamma()
    );
    for lambda in [2.0, 1.0] {
        let (x, iters) = solve_fixed_point(
            &fb,
            &[0.0; 3],
            &[lambda],
            &IterOptions {
                max_iter: 100_000,
                tol: 1e-15,
                ..Default::default()
            },
            Norm::Inf,
        )
        .map(|s| (s.x, s.report.iterations))?;
        println!("λ = {lambda}: x̂ ≈ {x:?} after {iters} steps");
    }
    // Exact: γ = 1/‖A‖_F²; at λ = 1 the point x̂ = (3/2, 0, −1/2) is degenerate (a tie).
    let ar = Matrix::<Rational>::from_fn(5, 3, |i, j| Rational::from(rows[i][j]));
    let br: Vec<Rational> = b.iter().map(|&v| Rational::from(v)).collect();
    let fbq = ForwardBackward::new(
        Design::Dense(ar),
        br,
        Penalty::Lasso,
        StepRule::FrobeniusBound,
    )?;
    let xq = vec![
        Rational::from((3, 2)),
        Rational::new(),
        Rational::from((-1, 2)),
    ];
    let th = [Rational::from(1)];
    println!("exact fixed point: {}", fbq.apply(&xq, &th)? == xq);
    let (a, bm) = fbq.jacobian(&xq, &th)?;
    println!(
        "AD element (soft-threshold' = 0 at the threshold):\nA = {:?}\nB = {:?}",
        a.to_f64(),
        bm.to_f64()
    );
    if let MatrixSetView::DiagBox { q_lo, q_hi, .. } = fbq.conservative_jacobian(&xq, &th)?.view() {
        println!("conservative Jacobian: diag(q)·M + C with q ∈ [{q_lo:?}, {q_hi:?}]");
    }
    Ok(())
}
