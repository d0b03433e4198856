//! The README's library example: a LASSO fixed point and its derivative by AID.
use piggyback::linalg::norms::Norm;
use piggyback::maps::{Design, ForwardBackward, Penalty, StepRule};
use piggyback::{diff, FixedPointMap, Matrix};

fn main() -> piggyback::Result<()> {
    let a = Matrix::from_f64_rows(&[vec![1.0, 0.5], vec![0.0, 1.0], vec![1.0, -1.0]])?;
    let fb = ForwardBackward::new(
        Design::Dense(a),
        vec![1.0, 2.0, 0.5],
        Penalty::Lasso,
        StepRule::InverseLipschitz,
    )?;
    let theta = [0.1];
    let opts = diff::IterOptions {
        tol: 1e-14,
        max_iter: 100_000,
        ..Default::default()
    };
    let x = diff::fixed_point::solve_fixed_point(&fb, &[0.0, 0.0], &theta, &opts, Norm::Inf)?.x;
    let mut lin = fb.linearize(&x, &theta)?; // one conservative-Jacobian element
    let d = diff::aid::solve_dense(lin.as_mut(), &Matrix::identity(1))?; // ∂x̄/∂λ by AID
    println!("x̄ = {x:?}");
    println!(
        "∂x̄/∂λ = {:?} (smooth point: {})",
        d.derivative.as_slice(),
        d.report.smooth
    );
    Ok(())
}
