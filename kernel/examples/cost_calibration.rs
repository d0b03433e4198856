//! How the default budget was chosen: run checks of growing size with an unlimited
//! budget and print the model's work units next to the measured time, so the ratio
//! (nanoseconds per unit) can be read off.
//!
//! `cargo run --release -p piggyback-kernel --example cost_calibration`

use piggyback_kernel::certificate::{from_json, to_json};
use piggyback_kernel::check::check;
use piggyback_kernel::Budget;
use std::time::Instant;

/// A deterministic pseudo-random small rational text.
fn entry(seed: &mut u64, digits: u32) -> String {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let m = 10u64.pow(digits.min(18));
    let p = (*seed >> 11) % m;
    let q = ((*seed >> 3) % m).max(1);
    format!("{}{p}/{q}", if *seed & 1 == 0 { "-" } else { "" })
}

fn matrix(n: usize, digits: u32, seed: &mut u64) -> serde_json::Value {
    (0..n)
        .map(|_| (0..n).map(|_| entry(seed, digits)).collect::<Vec<_>>())
        .collect()
}

fn run(label: &str, v: serde_json::Value) {
    let c = from_json(&v.to_string()).expect("well-formed");
    let mut b = Budget::new(u128::MAX).with_memory_limit(u128::MAX);
    let t = Instant::now();
    let r = check(&c, &mut b);
    let s = t.elapsed().as_secs_f64();
    println!(
        "{label:40} units {:>14}  time {:>9.4} s  ns/unit {:>8.4}  ({})",
        b.spent(),
        s,
        s * 1e9 / b.spent().max(1) as f64,
        if r.is_ok() { "accepted" } else { "rejected" }
    );
    let _ = to_json(&c);
}

fn main() {
    let mut seed = 7u64;
    let sizes: Vec<(usize, u32)> = std::env::args().nth(1).map_or(
        vec![
            (10, 3),
            (20, 3),
            (40, 3),
            (80, 3),
            (40, 12),
            (120, 2),
            (200, 1),
        ],
        |a| vec![(a.parse().unwrap(), 3)],
    );
    for (n, digits) in sizes {
        // Spectral-norm bound claim on a single written matrix (true or false: the work is
        // the same Gram product and one elimination).
        let v = serde_json::json!({"format":"piggyback-certificate","version":2,
            "subject":{"type":"family","family":{"type":"finite","vertices":[matrix(n, digits, &mut seed)]}},
            "claim":{"kind":"norm_bound","norm":{"type":"two"},"rho":"1000000"}});
        run(&format!("2-norm, n = {n}, {digits} digits"), v);
        // Determinant witness (one elimination of the product, here a single letter).
        let v = serde_json::json!({"format":"piggyback-certificate","version":2,
            "subject":{"type":"family","family":{"type":"finite","vertices":[matrix(n, digits, &mut seed)]}},
            "claim":{"kind":"refutation","r":"1/1000000","word":[0],"witness":{"type":"determinant"}}});
        run(&format!("determinant, n = {n}, {digits} digits"), v);
    }
    for (n, len, digits) in [(3, 16, 30), (3, 64, 30), (6, 32, 6), (3, 64, 300)] {
        let word: Vec<usize> = (0..len).map(|k| k % 2).collect();
        let v = serde_json::json!({"format":"piggyback-certificate","version":2,
            "subject":{"type":"family","family":{"type":"finite","vertices":[matrix(n, digits, &mut seed), matrix(n, digits, &mut seed)]}},
            "claim":{"kind":"refutation","r":"1/1000000","word":word,"witness":{"type":"trace_power","k":4}}});
        run(&format!("word {len}, n = {n}, {digits} digits, tr^4"), v);
    }
}
