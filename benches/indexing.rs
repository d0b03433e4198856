//! The cost of release-mode bounds checks on `Matrix` indexing (issue 11).
//!
//! `m[(i, j)]` asserts `i < rows && j < cols` in release builds too. Each kernel is
//! written three ways over the same column-major data:
//!
//! - `checked`: `a[(i, k)]` in the inner loop (the crate's style in generic code);
//! - `slice`: the columns as slices (`as_slice().chunks_exact(rows)`), iterated, so the
//!   compiler needs no per-entry check;
//! - `unchecked`: `get_unchecked` on the flat slice (the lower bound of what checks
//!   can cost; only here, never in the crate).
//!
//! Kernels: `y = A x` (f64, 256×256), `C = A B` (f64, 64×64, i-k-j order over
//! columns), and `C = A B` over exact rationals (`rug::Rational`, 12×12, same loop
//! order; each iteration also clones a zero matrix), where the arithmetic dominates.
//!
//! Measured (2 shared cores, load ≈ 3.5; medians), checked / slice / unchecked:
//! mat-vec 23.5 / 15.6 / 14.5 µs (1.5×, 1.6×); f64 matmul 564 / 42 / 50 µs (the
//! asserts in the inner loop block vectorisation: 13×); rational matmul 788 / 550 µs
//! (1.4×). The crate's f64 hot paths (the set action, Gram products, dot kernels) run
//! on slices or nalgebra, not on `m[(i, j)]`; checked indexing remains in generic and
//! exact code.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use piggyback::scalar::Rational;
use piggyback::{Matrix, Scalar};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random_f64(rng: &mut ChaCha8Rng, rows: usize, cols: usize) -> Matrix<f64> {
    Matrix::from_fn(rows, cols, |_, _| rng.gen_range(-1.0..1.0))
}

fn random_rational(rng: &mut ChaCha8Rng, rows: usize, cols: usize) -> Matrix<Rational> {
    Matrix::from_fn(rows, cols, |_, _| {
        Rational::from((rng.gen_range(-50i64..50), rng.gen_range(1i64..20)))
    })
}

// ---------------------------------------------------------------- y = A x

fn matvec_checked(a: &Matrix<f64>, x: &[f64], y: &mut [f64]) {
    y.fill(0.0);
    for j in 0..a.cols() {
        let xj = x[j];
        for (i, yi) in y.iter_mut().enumerate() {
            *yi += a[(i, j)] * xj;
        }
    }
}

fn matvec_slice(a: &Matrix<f64>, x: &[f64], y: &mut [f64]) {
    y.fill(0.0);
    for (col, xj) in a.as_slice().chunks_exact(a.rows()).zip(x) {
        for (yi, aij) in y.iter_mut().zip(col) {
            *yi += aij * xj;
        }
    }
}

fn matvec_unchecked(a: &Matrix<f64>, x: &[f64], y: &mut [f64]) {
    let (n, m) = a.shape();
    assert!(x.len() == m && y.len() == n);
    let data = a.as_slice();
    y.fill(0.0);
    for j in 0..m {
        // SAFETY: j < m = x.len(), and i + j n < n m = data.len() for i < n = y.len().
        unsafe {
            let xj = *x.get_unchecked(j);
            for i in 0..n {
                *y.get_unchecked_mut(i) += *data.get_unchecked(i + j * n) * xj;
            }
        }
    }
}

// ---------------------------------------------------------------- C = A B (f64)

fn matmul_checked(a: &Matrix<f64>, b: &Matrix<f64>, c: &mut Matrix<f64>) {
    c.as_mut_slice().fill(0.0);
    for j in 0..b.cols() {
        for k in 0..a.cols() {
            let bkj = b[(k, j)];
            for i in 0..a.rows() {
                c[(i, j)] += a[(i, k)] * bkj;
            }
        }
    }
}

fn matmul_slice(a: &Matrix<f64>, b: &Matrix<f64>, c: &mut Matrix<f64>) {
    let n = a.rows();
    c.as_mut_slice().fill(0.0);
    for (ccol, bcol) in c
        .as_mut_slice()
        .chunks_exact_mut(n)
        .zip(b.as_slice().chunks_exact(b.rows()))
    {
        for (acol, bkj) in a.as_slice().chunks_exact(n).zip(bcol) {
            for (cij, aik) in ccol.iter_mut().zip(acol) {
                *cij += aik * bkj;
            }
        }
    }
}

fn matmul_unchecked(a: &Matrix<f64>, b: &Matrix<f64>, c: &mut Matrix<f64>) {
    let (n, p, m) = (a.rows(), a.cols(), b.cols());
    assert!(b.rows() == p && c.shape() == (n, m));
    let (ad, bd) = (a.as_slice(), b.as_slice());
    let cd = c.as_mut_slice();
    cd.fill(0.0);
    for j in 0..m {
        for k in 0..p {
            // SAFETY: k + j p < p m = bd.len(); i + k n < n p = ad.len(); i + j n < n m.
            unsafe {
                let bkj = *bd.get_unchecked(k + j * p);
                for i in 0..n {
                    *cd.get_unchecked_mut(i + j * n) += *ad.get_unchecked(i + k * n) * bkj;
                }
            }
        }
    }
}

// ---------------------------------------------------------------- C = A B (rational)

fn matmul_q_checked(a: &Matrix<Rational>, b: &Matrix<Rational>, c: &mut Matrix<Rational>) {
    for j in 0..b.cols() {
        for k in 0..a.cols() {
            let bkj = &b[(k, j)];
            for i in 0..a.rows() {
                c[(i, j)] = c[(i, j)].add(&a[(i, k)].mul(bkj));
            }
        }
    }
}

fn matmul_q_slice(a: &Matrix<Rational>, b: &Matrix<Rational>, c: &mut Matrix<Rational>) {
    let n = a.rows();
    for (ccol, bcol) in c
        .as_mut_slice()
        .chunks_exact_mut(n)
        .zip(b.as_slice().chunks_exact(b.rows()))
    {
        for (acol, bkj) in a.as_slice().chunks_exact(n).zip(bcol) {
            for (cij, aik) in ccol.iter_mut().zip(acol) {
                *cij = cij.add(&aik.mul(bkj));
            }
        }
    }
}

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut g = c.benchmark_group("indexing");

    let n = 256;
    let a = random_f64(&mut rng, n, n);
    let x: Vec<f64> = (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let mut y = vec![0.0; n];
    let mut reference = vec![0.0; n];
    matvec_checked(&a, &x, &mut reference);
    for f in [matvec_slice, matvec_unchecked] {
        f(&a, &x, &mut y);
        assert_eq!(y, reference, "the three mat-vec kernels agree bit for bit");
    }
    g.bench_function("matvec_f64_256/checked", |b| {
        b.iter(|| matvec_checked(black_box(&a), black_box(&x), &mut y))
    });
    g.bench_function("matvec_f64_256/slice", |b| {
        b.iter(|| matvec_slice(black_box(&a), black_box(&x), &mut y))
    });
    g.bench_function("matvec_f64_256/unchecked", |b| {
        b.iter(|| matvec_unchecked(black_box(&a), black_box(&x), &mut y))
    });

    let n = 64;
    let (a, bm) = (random_f64(&mut rng, n, n), random_f64(&mut rng, n, n));
    let mut cm = Matrix::zeros(n, n);
    let mut reference = Matrix::zeros(n, n);
    matmul_checked(&a, &bm, &mut reference);
    for f in [matmul_slice, matmul_unchecked] {
        f(&a, &bm, &mut cm);
        assert_eq!(cm, reference, "the three matmul kernels agree bit for bit");
    }
    g.bench_function("matmul_f64_64/checked", |b| {
        b.iter(|| matmul_checked(black_box(&a), black_box(&bm), &mut cm))
    });
    g.bench_function("matmul_f64_64/slice", |b| {
        b.iter(|| matmul_slice(black_box(&a), black_box(&bm), &mut cm))
    });
    g.bench_function("matmul_f64_64/unchecked", |b| {
        b.iter(|| matmul_unchecked(black_box(&a), black_box(&bm), &mut cm))
    });

    let n = 12;
    let (a, bm) = (
        random_rational(&mut rng, n, n),
        random_rational(&mut rng, n, n),
    );
    let (mut c1, mut c2) = (Matrix::zeros(n, n), Matrix::zeros(n, n));
    matmul_q_checked(&a, &bm, &mut c1);
    matmul_q_slice(&a, &bm, &mut c2);
    assert_eq!(c1, c2, "the two rational matmul kernels agree exactly");
    let zero = Matrix::<Rational>::zeros(n, n);
    g.bench_function("matmul_rational_12/checked", |b| {
        b.iter(|| {
            let mut c = zero.clone();
            matmul_q_checked(black_box(&a), black_box(&bm), &mut c);
            c
        })
    });
    g.bench_function("matmul_rational_12/slice", |b| {
        b.iter(|| {
            let mut c = zero.clone();
            matmul_q_slice(black_box(&a), black_box(&bm), &mut c);
            c
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
