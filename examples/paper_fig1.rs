//! Figure 1 of Grazzi, Pontil & Salzo (ICML 2024): ITD, AID-FP, AID-CG and AID-GMRES on
//! a synthetic elastic net, error against iterations, for two choices of `(λ₁, λ₂)` —
//! with the error measured against a **proven** enclosure of the true hypergradient
//! (a band that contains the true error) next to the paper's long-AID-FP reference.
//!
//! ```text
//! cargo run --release --example paper_fig1 -- [--out DIR] [--seed N] [--n-train N]
//!     [--n-val N] [--features P] [--informative K] [--noise S] [--iterations T1,T2]
//!     [--lambdas A1:B1,A2:B2] [--reference-iterations R] [--stride S] [--no-certify]
//! ```
//! Writes `DIR/fig1.csv`, `DIR/fig1.svg`, `DIR/fig1.png` (default `DIR = target/paper`)
//! and prints the fitted rates next to the theory's.

use clap::Parser;
use piggyback::experiments::deterministic::{figure1_chart, run_figure1, Fig1Spec, METHODS};
use piggyback::experiments::Table;
use piggyback::plot::{write_figure, Figure, Panel};
use piggyback::scalar::Enclosure;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(about = "Figure 1: ITD vs AID on a synthetic elastic net, with proven error bands")]
struct Args {
    /// Output directory.
    #[arg(long, default_value = "target/paper")]
    out: PathBuf,
    /// Seed of the data.
    #[arg(long, default_value_t = 3)]
    seed: u64,
    /// Training examples.
    #[arg(long, default_value_t = 100)]
    n_train: usize,
    /// Validation examples.
    #[arg(long, default_value_t = 200)]
    n_val: usize,
    /// Features.
    #[arg(long, default_value_t = 100)]
    features: usize,
    /// Informative features.
    #[arg(long, default_value_t = 30)]
    informative: usize,
    /// Noise standard deviation.
    #[arg(long, default_value_t = 0.1)]
    noise: f64,
    /// (λ₁:λ₂) of each panel, comma-separated.
    #[arg(long, default_value = "0.02:0.002,0.002:0.002")]
    lambdas: String,
    /// Iterations of each panel, comma-separated.
    #[arg(long, default_value = "500,1000")]
    iterations: String,
    /// Length of the paper's reference run.
    #[arg(long, default_value_t = 10_000)]
    reference_iterations: usize,
    /// Evaluate every t ≤ 50, then every STRIDE-th t.
    #[arg(long, default_value_t = 1)]
    stride: usize,
    /// Skip the interval proof of the reference.
    #[arg(long)]
    no_certify: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let lambdas: Vec<[f64; 2]> = args
        .lambdas
        .split(',')
        .map(|p| {
            let (a, b) = p.split_once(':').ok_or("--lambdas: A:B pairs")?;
            Ok::<_, Box<dyn std::error::Error>>([a.parse()?, b.parse()?])
        })
        .collect::<Result<_, _>>()?;
    let iters: Vec<usize> = args
        .iterations
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    if iters.len() != lambdas.len() {
        return Err("--iterations needs one number per λ pair".into());
    }
    std::fs::create_dir_all(&args.out)?;
    let mut panels = vec![];
    let mut csv: Option<Table> = None;
    for (k, (lambda, t)) in lambdas.iter().zip(&iters).enumerate() {
        let mut spec = Fig1Spec::paper(args.seed)[0].clone();
        spec.data.n_train = args.n_train;
        spec.data.n_val = args.n_val;
        spec.data.p = args.features;
        spec.data.informative = args.informative;
        spec.data.noise = args.noise;
        spec.lambda = *lambda;
        spec.iterations = *t;
        spec.reference_iterations = args.reference_iterations;
        spec.stride = args.stride;
        spec.certify = !args.no_certify;
        let res = run_figure1(&spec)?;
        println!(
            "panel {}: λ = {:?}, T = {t}: γ = {:.4}, |S| = {}, support identified at t = {:?}; \
             run {:.1} s, proof {:.1} s",
            k + 1,
            lambda,
            res.gamma,
            res.support_size,
            res.support_identified_at,
            res.seconds.0,
            res.seconds.1
        );
        match (&res.certified, &res.certify_error) {
            (Some(e), _) => println!(
                "  proven reference: solution box width {:.2e}, hypergradient box width {:.2e}, \
                 single-valued {}, {} coordinates proven nonzero, {} proven zero, {} undecided, \
                 ρ ≤ {:.6}",
                e.x.iter().map(|v| v.sup() - v.inf()).fold(0.0, f64::max),
                e.width(),
                e.single_valued,
                e.support.len(),
                e.zeros.len(),
                e.undecided.len(),
                e.rho
            ),
            (None, Some(why)) => println!("  proof failed: {why}"),
            _ => println!("  proof skipped"),
        }
        if let Some((lo, hi)) = res.paper_reference_error {
            println!(
                "  the paper's reference (AID-FP, {} steps) is off by between {lo:.2e} and {hi:.2e}",
                spec.reference_iterations
            );
        }
        println!(
            "  theory: global contraction ρ = {:.6}, on the support ρ_S = {:.6}",
            res.rho_global, res.rho_support
        );
        for f in &res.fitted {
            match f.rate {
                Some(r) => println!(
                    "  fitted rate after identification: {:10} r = {r:.6} ({} points)",
                    f.method, f.points
                ),
                None => println!("  fitted rate: {:10} (too few points)", f.method),
            }
        }
        if res.cg_fallbacks > 0 {
            println!(
                "  AID-CG fell back to GMRES {} times (ties)",
                res.cg_fallbacks
            );
        }
        let last = res.table.rows.last().cloned().unwrap_or_default();
        let cols = &res.table.columns;
        for m in METHODS {
            let j = cols
                .iter()
                .position(|c| *c == format!("{m}_err"))
                .unwrap_or(0);
            println!(
                "  final error {m:10} {:.3e}",
                last.get(j).copied().unwrap_or(f64::NAN)
            );
        }
        // One CSV for both panels: a `panel`, `lambda1`, `lambda2` prefix.
        let table = csv.get_or_insert_with(|| {
            let mut c = vec!["panel", "lambda1", "lambda2"];
            c.extend(res.table.columns.iter().map(String::as_str));
            Table::new(&c)
        });
        for r in &res.table.rows {
            let mut row = vec![(k + 1) as f64, lambda[0], lambda[1]];
            row.extend(r);
            table.push(row)?;
        }
        panels.push(Panel::Line(figure1_chart(&res)));
    }
    if let Some(t) = csv {
        t.write(&args.out.join("fig1.csv"))?;
    }
    let fig = Figure {
        panels,
        columns: 2,
        panel_size: (760, 520),
    };
    for ext in ["svg", "png"] {
        let p = args.out.join(format!("fig1.{ext}"));
        write_figure(&fig, &p)?;
        println!("wrote {}", p.display());
    }
    Ok(())
}
