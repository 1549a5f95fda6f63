//! The nativiweb command line as an example of the umbrella crate, for CI pipelines that run
//! `cargo run --release --example nativiweb -- …`. It is the `nativiweb-cli` crate's command
//! (`cargo install --path nativiweb-cli` installs it as `nativiweb`); running it through the
//! example also compiles the workspace's dev-dependencies, so a first run is slower than
//! `cargo run --release -p nativiweb-cli`.

fn main() -> std::process::ExitCode {
    nativiweb_cli::main()
}
