//! The `piggyback` command line (see `piggyback --help` and [`piggyback::cli`]).

use std::io::IsTerminal;

fn main() {
    // A non-UTF-8 argument is passed on lossily (never a panic); clap then reports it.
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let progress = std::io::stderr().is_terminal();
    let code = piggyback::cli::run_with_progress(
        &args,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
        progress,
    );
    std::process::exit(code);
}
