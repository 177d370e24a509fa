//! The `megatest` binary: argument parsing and the mapping of errors to exit codes.
mod args;

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match args::Args::parse(argv) {
        Ok(_) => {}
        Err(e) => {
            eprintln!("ERROR: {e}");
            std::process::exit(2);
        }
    }
}
