//! Fitted rates: a linear rate `r` from `err_t ≈ C rᵗ` (least squares on `ln err`), and
//! the slope of `ln y` against `ln x` (for `O(1/k)`: slope `−1`).

/// Least-squares slope of `y` against `x` (`None` with fewer than two distinct `x`).
pub fn slope(x: &[f64], y: &[f64]) -> Option<f64> {
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let k = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / k;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / k;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if !(sxx > 0.0) {
        return None;
    }
    Some(pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx)
}

/// Linear rate `r = exp(slope of ln err against t)` over the points with `err` in
/// `(lo, hi)` (positive errors only).
pub fn linear_rate(t: &[f64], err: &[f64], lo: f64, hi: f64) -> Option<f64> {
    let (x, y): (Vec<f64>, Vec<f64>) = t
        .iter()
        .zip(err)
        .filter(|(_, e)| **e > lo && **e < hi && **e > 0.0)
        .map(|(a, e)| (*a, e.ln()))
        .unzip();
    slope(&x, &y).map(f64::exp)
}

/// Slope of `ln y` against `ln x` over positive pairs.
pub fn loglog_slope(x: &[f64], y: &[f64]) -> Option<f64> {
    let (a, b): (Vec<f64>, Vec<f64>) = x
        .iter()
        .zip(y)
        .filter(|(a, b)| **a > 0.0 && **b > 0.0)
        .map(|(a, b)| (a.ln(), b.ln()))
        .unzip();
    slope(&a, &b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_exact_rates() {
        let t: Vec<f64> = (0..40).map(f64::from).collect();
        let e: Vec<f64> = t.iter().map(|t| 3.0 * 0.8f64.powf(*t)).collect();
        let r = linear_rate(&t, &e, 0.0, f64::INFINITY).unwrap();
        assert!((r - 0.8).abs() < 1e-12);
        let k: Vec<f64> = (1..50).map(f64::from).collect();
        let m: Vec<f64> = k.iter().map(|k| 5.0 / k).collect();
        assert!((loglog_slope(&k, &m).unwrap() + 1.0).abs() < 1e-12);
        assert!(slope(&[1.0], &[2.0]).is_none());
        assert!(slope(&[1.0, 1.0], &[2.0, 3.0]).is_none());
    }
}
