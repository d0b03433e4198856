//! The long soundness campaign: `N` generated certificates through the kernel, every
//! acceptance re-decided by the independent oracle (`tests/kernel_oracle/mod.rs`).
//!
//! `nice -n 10 cargo run --release --example soundness_campaign -- 1000000 [SEED]`
//! prints the cases, acceptances, confirmations, inconclusive ones and the unsound ones
//! (which must be 0).

#[path = "../tests/kernel_oracle/mod.rs"]
mod kernel_oracle;

use kernel_oracle::{generate, Source, Stats};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let mut stats = Stats::default();
    let start = std::time::Instant::now();
    for k in 0..n {
        let text = generate(&mut Source::seeded(
            seed.wrapping_mul(1_000_003).wrapping_add(k),
        ));
        stats.run(&text);
        if (k + 1) % 100_000 == 0 {
            eprintln!(
                "{} cases, {} accepted, {} confirmed, {} inconclusive, {} unsound ({:.0} s)",
                stats.cases,
                stats.accepted,
                stats.confirmed,
                stats.inconclusive,
                stats.unsound.len(),
                start.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "cases {}  accepted {}  confirmed {}  inconclusive {}  unsound {}  ({:.0} s)",
        stats.cases,
        stats.accepted,
        stats.confirmed,
        stats.inconclusive,
        stats.unsound.len(),
        start.elapsed().as_secs_f64()
    );
    for (kind, [cases, accepted, confirmed]) in &stats.by_kind {
        println!("  {kind:28} cases {cases:>9}  accepted {accepted:>9}  confirmed {confirmed:>9}");
    }
    for (why, text) in &stats.unsound {
        println!("UNSOUND: {why}\n{text}");
    }
    if !stats.unsound.is_empty() {
        std::process::exit(1);
    }
}
