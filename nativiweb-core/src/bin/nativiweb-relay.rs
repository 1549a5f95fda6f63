//! `nativiweb-relay`: the first process of a sandbox whose network goes through nativiweb's
//! allowlisting proxy; see `nativiweb_core::sandbox::relay`. Started by the sandbox, not by hand.

fn main() -> std::process::ExitCode {
    nativiweb_core::sandbox::relay::relay_main(std::env::args_os().skip(1).collect())
}
