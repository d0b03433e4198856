//! The `piggyback` command line (see `piggyback help` and [`piggyback::cli`]).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = piggyback::cli::run(&args, &mut std::io::stdout());
    std::process::exit(code);
}
