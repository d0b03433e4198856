use piggyback::linalg::Matrix;
use piggyback::maps::Design;
use std::time::Instant;
fn dot4(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 16];
    let ca = a.chunks_exact(16);
    let cb = b.chunks_exact(16);
    for (x, y) in ca.zip(cb) {
        for k in 0..16 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum()
}
fn main() {
    let (n, p) = (2000, 5000);
    let m = Matrix::<f64>::from_fn(n, p, |i, j| ((i * 31 + j * 17) % 13) as f64 - 6.0);
    let d = Design::Dense(m.clone());
    let w: Vec<f64> = (0..n).map(|i| (i % 7) as f64).collect();
    let mut out = vec![0.0; p];
    for _ in 0..3 {
        d.tr_mul_vec_into(&w, &mut out).unwrap();
    }
    let t = Instant::now();
    for _ in 0..50 {
        d.tr_mul_vec_into(&w, &mut out).unwrap();
    }
    println!(
        "generic tr_mul: {:.3} ms",
        t.elapsed().as_secs_f64() * 1e3 / 50.0
    );
    let t = Instant::now();
    for _ in 0..50 {
        for j in 0..p {
            out[j] = dot4(m.column(j), &w);
        }
    }
    println!(
        "16-acc plain: {:.3} ms",
        t.elapsed().as_secs_f64() * 1e3 / 50.0
    );
    let t = Instant::now();
    for _ in 0..50 {
        let (a, b) = out.split_at_mut(p / 2);
        std::thread::scope(|s| {
            s.spawn(|| {
                for (j, o) in a.iter_mut().enumerate() {
                    *o = dot4(m.column(j), &w);
                }
            });
            for (j, o) in b.iter_mut().enumerate() {
                *o = dot4(m.column(j + p / 2), &w);
            }
        });
    }
    println!(
        "2 threads: {:.3} ms",
        t.elapsed().as_secs_f64() * 1e3 / 50.0
    );
}
