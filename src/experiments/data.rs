//! Data of the experiments: the synthetic sparse regression of appendix F.3/F.4 and the
//! train/validation/poisoned split of an image set for data poisoning.

use crate::error::{Error, Result};
use crate::io::idx::LabelledImages;
use crate::linalg::Matrix;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// Sizes and noise of a synthetic sparse regression.
#[derive(Clone, Debug, PartialEq)]
pub struct RegressionSpec {
    /// Training examples.
    pub n_train: usize,
    /// Validation examples.
    pub n_val: usize,
    /// Features.
    pub p: usize,
    /// Informative features (the first ones): `w_j = |N(0, 1)|` there, `0` elsewhere.
    pub informative: usize,
    /// Standard deviation of the Gaussian noise on `y`.
    pub noise: f64,
    /// Random population covariance on the informative block (appendix F.4); identity
    /// otherwise (F.3).
    pub correlated: bool,
    /// Seed.
    pub seed: u64,
}

impl RegressionSpec {
    /// Figure 1 (appendix F.3): 100 training and 200 validation examples, 100 features,
    /// 30 informative, noise 0.1, identity covariance.
    pub fn figure1(seed: u64) -> Self {
        RegressionSpec {
            n_train: 100,
            n_val: 200,
            p: 100,
            informative: 30,
            noise: 0.1,
            correlated: false,
            seed,
        }
    }
    /// Figure 2a (appendix F.4): 10 000 training and 20 000 validation examples, 100
    /// features, 30 informative with a random covariance, noise 0.01.
    pub fn figure2(seed: u64) -> Self {
        RegressionSpec {
            n_train: 10_000,
            n_val: 20_000,
            p: 100,
            informative: 30,
            noise: 0.01,
            correlated: true,
            seed,
        }
    }
}

/// A regression data set with its generating coefficients.
#[derive(Clone, Debug, PartialEq)]
pub struct Regression {
    /// Training design (`n_train × p`).
    pub x_train: Matrix<f64>,
    /// Training responses.
    pub y_train: Vec<f64>,
    /// Validation design.
    pub x_val: Matrix<f64>,
    /// Validation responses.
    pub y_val: Vec<f64>,
    /// The coefficients `y` was generated from.
    pub w_true: Vec<f64>,
}

/// Draw a sparse regression problem: rows `x ~ N(0, Σ)`, `y = xᵀw + noise·N(0, 1)`.
///
/// With `correlated`, `Σ` is the identity except on the informative block, where it is
/// `U diag(s/max s) Uᵀ` from the SVD `M = U diag(s) Vᵀ` of a `k × k` standard normal
/// matrix `M` (appendix F.4: eigenvalues normalised by the largest).
pub fn sparse_regression(spec: &RegressionSpec) -> Result<Regression> {
    let (p, k) = (spec.p, spec.informative);
    if k > p || p == 0 || spec.n_train == 0 || spec.n_val == 0 {
        return Err(Error::parameter(
            "sparse regression: (n_train, n_val, p, informative)",
            format!("({}, {}, {p}, {k})", spec.n_train, spec.n_val),
            "0 < n_train, 0 < n_val, 0 < p, informative ≤ p",
        ));
    }
    if !(spec.noise >= 0.0 && spec.noise.is_finite()) {
        return Err(Error::parameter(
            "sparse regression: noise",
            spec.noise,
            "finite and ≥ 0",
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let g = |rng: &mut ChaCha8Rng| -> f64 { rng.sample(StandardNormal) };
    let w_true: Vec<f64> = (0..p)
        .map(|j| if j < k { g(&mut rng).abs() } else { 0.0 })
        .collect();
    // Square root of the informative covariance, U diag(√(s/max s)).
    let root = if spec.correlated && k > 0 {
        let m = nalgebra::DMatrix::from_fn(k, k, |_, _| g(&mut rng));
        let svd = m.svd(true, false);
        let u = svd.u.ok_or(Error::NotConverged {
            what: "covariance: SVD",
            iterations: 0,
            residual: f64::NAN,
        })?;
        let smax = svd.singular_values.max();
        if !(smax > 0.0) {
            return Err(Error::OutsideDomain {
                context: "covariance: zero matrix drawn".into(),
            });
        }
        let d: Vec<f64> = svd
            .singular_values
            .iter()
            .map(|s| (s / smax).sqrt())
            .collect();
        Some(Matrix::from_fn(k, k, |i, j| u[(i, j)] * d[j]))
    } else {
        None
    };
    let draw = |n: usize, rng: &mut ChaCha8Rng| -> (Matrix<f64>, Vec<f64>) {
        let mut rows = vec![0.0; n * p];
        let mut y = vec![0.0; n];
        let mut z = vec![0.0; p];
        for i in 0..n {
            for zj in z.iter_mut() {
                *zj = g(rng);
            }
            if let Some(r) = &root {
                let inf: Vec<f64> = (0..k)
                    .map(|a| (0..k).map(|b| r[(a, b)] * z[b]).sum())
                    .collect();
                z[..k].copy_from_slice(&inf);
            }
            rows[i * p..(i + 1) * p].copy_from_slice(&z);
            y[i] = z.iter().zip(&w_true).map(|(a, b)| a * b).sum::<f64>() + spec.noise * g(rng);
        }
        (Matrix::from_fn(n, p, |i, j| rows[i * p + j]), y)
    };
    let (x_train, y_train) = draw(spec.n_train, &mut rng);
    let (x_val, y_val) = draw(spec.n_val, &mut rng);
    Ok(Regression {
        x_train,
        y_train,
        x_val,
        y_val,
        w_true,
    })
}

/// An image set split for data poisoning.
#[derive(Clone, Debug, PartialEq)]
pub struct PoisoningData {
    /// Training images (`N × p`, one per row).
    pub x_train: Matrix<f64>,
    /// Their classes.
    pub labels_train: Vec<usize>,
    /// Validation images.
    pub x_val: Matrix<f64>,
    /// Their classes.
    pub labels_val: Vec<usize>,
    /// Number of classes.
    pub classes: usize,
    /// Training rows the attacker corrupts (sorted, distinct).
    pub poisoned: Vec<usize>,
}

/// Shuffle `images` (seeded), keep at most `limit`, put the fraction `train_frac` in the
/// training set and the rest in the validation set, and choose `⌊poison_frac·N⌋` distinct
/// training rows to corrupt.
pub fn poisoning_split(
    images: &LabelledImages,
    train_frac: f64,
    poison_frac: f64,
    limit: Option<usize>,
    seed: u64,
) -> Result<PoisoningData> {
    if !(train_frac > 0.0 && train_frac < 1.0 && (0.0..=1.0).contains(&poison_frac)) {
        return Err(Error::parameter(
            "poisoning split: (train_frac, poison_frac)",
            format!("({train_frac}, {poison_frac})"),
            "0 < train_frac < 1 and 0 ≤ poison_frac ≤ 1",
        ));
    }
    let (total, p) = images.x.shape();
    let mut order: Vec<usize> = (0..total).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    order.shuffle(&mut rng);
    order.truncate(limit.unwrap_or(total).min(total));
    let n_train = ((order.len() as f64) * train_frac).round() as usize;
    if n_train == 0 || n_train == order.len() {
        return Err(Error::Empty {
            what: format!(
                "the training or validation set of a poisoning split of {} images",
                order.len()
            ),
        });
    }
    let (tr, va) = order.split_at(n_train);
    let pick = |rows: &[usize]| {
        (
            Matrix::from_fn(rows.len(), p, |i, j| images.x[(rows[i], j)]),
            rows.iter().map(|&r| images.labels[r]).collect::<Vec<_>>(),
        )
    };
    let (x_train, labels_train) = pick(tr);
    let (x_val, labels_val) = pick(va);
    let m = ((n_train as f64) * poison_frac).floor() as usize;
    let mut poisoned: Vec<usize> = rand::seq::index::sample(&mut rng, n_train, m).into_vec();
    poisoned.sort_unstable();
    Ok(PoisoningData {
        x_train,
        labels_train,
        x_val,
        labels_val,
        classes: images.classes,
        poisoned,
    })
}
