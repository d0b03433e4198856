//! f64 matrix-set action and excess on sets of 64 matrices of size 50×50.
//!
//! - `act/m=1`: `J(X)` with `J` = 64 matrices `[A, B]` of size 50×51 (n = 50, m = 1)
//!   and `X` = 64 matrices 50×1: 4096 results `A X + B`.
//! - `act/m=50`: `J` = 64 matrices 50×100 (n = m = 50) and `X` = 64 matrices 50×50:
//!   4096 results of size 50×50.
//! - `excess/finite`: `ex(X, Y)²` between two finite sets of 64 matrices 50×50
//!   (4096 squared Frobenius distances).
//! - `dist/hull64`: distance of a 50×50 matrix to the hull of 64 vertices 50×50
//!   (Wolfe's min-norm point in f64).
//!
//! Entries are uniform in [−1, 1] (A scaled by 1/50) from a seeded ChaCha8 RNG.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use piggyback::excess::{dist_sq, excess_sq};
use piggyback::{Matrix, MatrixSet};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random(rng: &mut ChaCha8Rng, rows: usize, cols: usize, scale: f64) -> Matrix<f64> {
    Matrix::from_fn(rows, cols, |_, _| scale * rng.gen_range(-1.0..1.0))
}

fn family(rng: &mut ChaCha8Rng, k: usize, n: usize, m: usize) -> Vec<Matrix<f64>> {
    (0..k)
        .map(|_| {
            random(rng, n, n, 1.0 / n as f64)
                .hstack(&random(rng, n, m, 1.0))
                .unwrap()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let (k, n) = (64, 50);
    let mut g = c.benchmark_group("matset");
    g.sample_size(10);
    for m in [1usize, 50] {
        let j = MatrixSet::finite(family(&mut rng, k, n, m)).unwrap();
        let x = MatrixSet::finite((0..k).map(|_| random(&mut rng, n, m, 1.0)).collect()).unwrap();
        g.bench_function(format!("act/m={m}"), |b| {
            b.iter(|| black_box(j.act(&x).unwrap()))
        });
    }
    let x = MatrixSet::finite((0..k).map(|_| random(&mut rng, n, n, 1.0)).collect()).unwrap();
    let y = MatrixSet::finite((0..k).map(|_| random(&mut rng, n, n, 1.0)).collect()).unwrap();
    g.bench_function("excess/finite", |b| {
        b.iter(|| black_box(excess_sq(&x, &y).unwrap()))
    });
    let hull = MatrixSet::hull(y.members().unwrap().to_vec()).unwrap();
    let p = random(&mut rng, n, n, 2.0);
    g.bench_function("dist/hull64", |b| {
        b.iter(|| black_box(dist_sq(&p, &hull).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
