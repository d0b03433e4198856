//! CSV and `.npy` readers: the fast f64 path against the exact one (every cell through
//! an exact rational). `cargo bench --bench io_readers`.

use criterion::{criterion_group, criterion_main, Criterion};
use piggyback::io::{csv, npy};
use piggyback::Matrix;
use rand::{Rng, SeedableRng};
use rug::Rational;
use std::hint::black_box;

/// A `rows × cols` CSV of decimals with 6 significant digits, and the same matrix.
fn data(rows: usize, cols: usize) -> (String, Matrix<f64>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let values: Vec<f64> = (0..rows * cols)
        .map(|_| (rng.gen_range(-1.0f64..1.0) * 1e5).round() / 1e5)
        .collect();
    let text = values
        .chunks(cols)
        .map(|r| {
            r.iter()
                .map(|v| format!("{v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let m = Matrix::from_fn(rows, cols, |i, j| values[i * cols + j]);
    (text, m)
}

fn readers(c: &mut Criterion) {
    let (text, m) = data(500, 200);
    let mut g = c.benchmark_group("csv 500x200");
    g.sample_size(10);
    g.bench_function("parse_matrix_f64 (fast)", |b| {
        b.iter(|| csv::parse_matrix_f64(black_box(&text)).unwrap())
    });
    g.bench_function("parse_matrix::<f64> (exact, then nearest)", |b| {
        b.iter(|| csv::parse_matrix::<f64>(black_box(&text)).unwrap())
    });
    g.bench_function("parse_matrix::<Rational>", |b| {
        b.iter(|| csv::parse_matrix::<Rational>(black_box(&text)).unwrap())
    });
    g.finish();
    let bytes = npy::to_bytes(&m);
    let mut g = c.benchmark_group("npy 500x200");
    g.sample_size(10);
    g.bench_function("parse_matrix_f64", |b| {
        b.iter(|| npy::parse_matrix_f64(black_box(&bytes)).unwrap())
    });
    g.bench_function("parse_matrix::<Rational>", |b| {
        b.iter(|| npy::parse_matrix::<Rational>(black_box(&bytes)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, readers);
criterion_main!(benches);
