//! Figure 2 of Grazzi, Pontil & Salzo (ICML 2024): stochastic implicit differentiation
//! (NSID with constant and decreasing steps, the biased SID, and AID-FP) against
//! epochs, on (a) a synthetic elastic net with correlated informative features and
//! (b) data poisoning of a multiclass elastic-net logistic regression on the 8×8
//! digits (or MNIST IDX files with `--mnist DIR`), differentiated in reverse mode with
//! respect to the noise `U`.
//!
//! ```text
//! cargo run --release --example paper_fig2 -- [--out DIR] [--panels ab] [--seed N]
//!     [--runs R] [--max-epochs E] [--batch-frac F] [--eta-const H] [--dec-c C]
//!     [--repeats Q] [--targets T1,T2] [--n-train N] [--n-val N] [--features P] [--informative K]
//!     [--enet-lambda A:B] [--mnist DIR] [--limit N] [--train-frac F]
//!     [--poison-frac F] [--poison-lambda A:B] [--step-factor S] [--noise-std S]
//!     [--clip C]
//! ```
//! Writes `DIR/fig2a.csv`, `DIR/fig2b.csv`, `DIR/fig2.svg`, `DIR/fig2.png` (default
//! `DIR = target/paper`) and prints the fitted NSID slope and epochs to the target.

use clap::Parser;
use piggyback::experiments::data::{poisoning_split, sparse_regression, RegressionSpec};
use piggyback::experiments::poisoning::{poisoning_problem, PoisoningSpec};
use piggyback::experiments::stochastic::{
    enet_problem, epoch_grid, figure2_chart, run_figure2, Fig2Result, Fig2Spec,
};
use piggyback::io::digits::load_bundled_digits;
use piggyback::io::idx::load_mnist_train;
use piggyback::plot::{write_figure, Figure, Panel};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(about = "Figure 2: NSID, SID and AID-FP against epochs")]
struct Args {
    /// Output directory.
    #[arg(long, default_value = "target/paper")]
    out: PathBuf,
    /// Which panels: a (elastic net), b (data poisoning), or ab.
    #[arg(long, default_value = "ab")]
    panels: String,
    /// Base seed (run r uses seed + r).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Independent runs per panel.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Largest number of epochs (grid 1, 2, 4, …).
    #[arg(long, default_value_t = 256)]
    max_epochs: usize,
    /// Minibatch size as a fraction of the training set.
    #[arg(long, default_value_t = 0.1)]
    batch_frac: f64,
    /// Constant step of NSID-const and SID-const.
    #[arg(long, default_value_t = 0.5)]
    eta_const: f64,
    /// Decreasing steps η_k = a/(k + a) with a = C/(1 − ρ̂).
    #[arg(long, default_value_t = 2.0)]
    dec_c: f64,
    /// Minibatch streams per run and point (averaged).
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Target relative RMS errors for "epochs to reach", comma-separated.
    #[arg(long, default_value = "0.1,0.03,0.01")]
    targets: String,
    /// (a) training examples.
    #[arg(long, default_value_t = 10_000)]
    n_train: usize,
    /// (a) validation examples.
    #[arg(long, default_value_t = 20_000)]
    n_val: usize,
    /// (a) features.
    #[arg(long, default_value_t = 100)]
    features: usize,
    /// (a) informative features.
    #[arg(long, default_value_t = 30)]
    informative: usize,
    /// (a) λ₁:λ₂.
    #[arg(long, default_value = "0.02:0.01")]
    enet_lambda: String,
    /// (b) MNIST directory (IDX files) instead of the bundled 8×8 digits.
    #[arg(long)]
    mnist: Option<PathBuf>,
    /// (b) use at most this many images.
    #[arg(long)]
    limit: Option<usize>,
    /// (b) fraction of the images used for training (the rest validates).
    #[arg(long, default_value_t = 0.6)]
    train_frac: f64,
    /// (b) fraction of the training images corrupted.
    #[arg(long, default_value_t = 0.4)]
    poison_frac: f64,
    /// (b) λ₁:λ₂.
    #[arg(long, default_value = "0.001:0.05")]
    poison_lambda: String,
    /// (b) step factor: γ = S/(L + λ₂) with L = λ_max(AᵀA)/(2N). S < 2 is the proven
    /// contraction; that bound is conservative, and like the paper we take a multiple
    /// (the run prints the estimated contraction ρ̂ of the adjoint iteration).
    #[arg(long, default_value_t = 10.0)]
    step_factor: f64,
    /// (b) standard deviation of the initial noise.
    #[arg(long, default_value_t = 1.0)]
    noise_std: f64,
    /// (b) noise components projected onto [−clip, clip].
    #[arg(long, default_value_t = 1.0)]
    clip: f64,
}

fn pair(s: &str) -> Result<[f64; 2], Box<dyn std::error::Error>> {
    let (a, b) = s.split_once(':').ok_or("expected A:B")?;
    Ok([a.parse()?, b.parse()?])
}

fn report(name: &str, res: &Fig2Result) {
    println!("{name}: {:.1} s", res.seconds);
    for (r, (rho, fp, a)) in res.runs.iter().enumerate() {
        println!("  run {r}: ρ̂ = {rho:.5}, fixed-point step {fp:.1e}, decreasing a = {a:.1}");
    }
    match res.nsid_dec_slope {
        Some(s) => {
            println!("  NSID-dec: log–log slope of the MSE against epochs {s:.3} (theory −1)")
        }
        None => println!("  NSID-dec: slope undefined"),
    }
    for (t, m, e) in &res.epochs_to_target {
        match e {
            Some(e) => println!("  relative RMS error {t}: {m:10} after {e} epochs"),
            None => println!("  relative RMS error {t}: {m:10} not within the grid"),
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.out)?;
    let mut panels = vec![];
    let base = Fig2Spec {
        title: String::new(),
        epochs: epoch_grid(args.max_epochs),
        batch_frac: args.batch_frac,
        eta_const: args.eta_const,
        dec_c: args.dec_c,
        runs: args.runs,
        repeats: args.repeats,
        targets: args
            .targets
            .split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()?,
    };
    if args.panels.contains('a') {
        let lambda = pair(&args.enet_lambda)?;
        let spec = Fig2Spec {
            title: format!(
                "(a) elastic net, N = {}, p = {}, λ = ({}, {})",
                args.n_train, args.features, lambda[0], lambda[1]
            ),
            ..base.clone()
        };
        let res = run_figure2(&spec, |r| {
            let mut d = RegressionSpec::figure2(args.seed + r as u64);
            d.n_train = args.n_train;
            d.n_val = args.n_val;
            d.p = args.features;
            d.informative = args.informative;
            enet_problem(&sparse_regression(&d)?, lambda)
        })?;
        report("panel (a) elastic net", &res);
        res.table.write(&args.out.join("fig2a.csv"))?;
        panels.push(Panel::Line(figure2_chart(&res)));
    }
    if args.panels.contains('b') {
        let images = match &args.mnist {
            Some(dir) => load_mnist_train(dir, args.limit)?,
            None => load_bundled_digits()?,
        };
        let data = poisoning_split(
            &images,
            args.train_frac,
            args.poison_frac,
            args.limit,
            args.seed,
        )?;
        let lambda = pair(&args.poison_lambda)?;
        let (n, p) = data.x_train.shape();
        let m = data.poisoned.len();
        println!(
            "panel (b): {} training images ({m} poisoned), {} validation, {p} pixels, {} classes: U has {} entries, W has {}",
            n,
            data.x_val.rows(),
            data.classes,
            m * p,
            p * data.classes
        );
        let spec = Fig2Spec {
            title: format!(
                "(b) data poisoning, {} images, U ∈ R^{}×{}, λ = ({}, {})",
                n, m, p, lambda[0], lambda[1]
            ),
            ..base
        };
        let res = run_figure2(&spec, |r| {
            let ps = PoisoningSpec {
                lambda,
                step_factor: args.step_factor,
                noise_std: args.noise_std,
                clip: args.clip,
                seed: args.seed + 1000 + r as u64,
                max_iter: 20_000,
            };
            let (prob, acc) = poisoning_problem(&data, &ps)?;
            let nz = prob.x.iter().filter(|v| **v != 0.0).count();
            println!(
                "  run {r}: validation accuracy of the poisoned model {:.3}, {nz}/{} weights nonzero",
                acc,
                prob.x.len()
            );
            Ok(prob)
        })?;
        report("panel (b) data poisoning", &res);
        res.table.write(&args.out.join("fig2b.csv"))?;
        panels.push(Panel::Line(figure2_chart(&res)));
    }
    let fig = Figure {
        panels,
        columns: 2,
        panel_size: (760, 520),
    };
    for ext in ["svg", "png"] {
        let p = args.out.join(format!("fig2.{ext}"));
        write_figure(&fig, &p)?;
        println!("wrote {}", p.display());
    }
    Ok(())
}
