//! The `nativiweb` command; everything is in the library (`nativiweb_cli`), so the example
//! `cargo run --example nativiweb` runs the same code.

fn main() -> std::process::ExitCode {
    nativiweb_cli::main()
}
