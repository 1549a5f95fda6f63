//! The relay: the first process of a sandbox whose network goes through nativiweb's
//! allowlisting proxy (see [`crate::sandbox`]).
//!
//! ```text
//! <relay> <LISTEN-ADDR> <UNIX-SOCKET> <PROGRAM> [ARGS...]
//! ```
//!
//! Inside the sandbox's network namespace there is only loopback. The relay listens on
//! `LISTEN-ADDR` (`127.0.0.1:3128`), forwards every connection to the proxy's Unix socket (bound
//! into the sandbox), starts `PROGRAM` with the environment it was given (which points
//! `HTTP_PROXY`/`HTTPS_PROXY` at the relay), waits for it and exits with its status. It uses only
//! the standard library and threads (no async runtime), so it starts in about a millisecond.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitCode};

/// Runs the relay with `args` (`<LISTEN-ADDR> <UNIX-SOCKET> <PROGRAM> [ARGS...]`, without the
/// program name) and returns the tool's exit status. A program that embeds the relay (the CLI,
/// as a hidden subcommand) calls this and points [`super::SandboxPolicy::relay_command`] at
/// itself; `nativiweb-relay` is this function as a binary.
pub fn relay_main(args: Vec<OsString>) -> ExitCode {
    if args.len() < 3 {
        eprintln!("nativiweb-relay: usage: nativiweb-relay <LISTEN-ADDR> <UNIX-SOCKET> <PROGRAM> [ARGS...] (started by nativiweb's sandbox, not by hand)");
        return ExitCode::from(126);
    }
    let listen = args[0].to_string_lossy().into_owned();
    let socket = std::path::PathBuf::from(&args[1]);
    let listener = match TcpListener::bind(&listen) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("nativiweb-relay: cannot listen on {listen}: {e}");
            return ExitCode::from(126);
        }
    };
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(tcp) = conn else { continue };
            let socket = socket.clone();
            std::thread::spawn(move || relay(tcp, &socket));
        }
    });
    let status = match Command::new(&args[2]).args(&args[3..]).status() {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "nativiweb-relay: could not start `{}`: {e}",
                args[2].to_string_lossy()
            );
            return ExitCode::from(127);
        }
    };
    match (status.code(), status.signal()) {
        (Some(code), _) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        (None, Some(sig)) => ExitCode::from(u8::try_from(128 + sig).unwrap_or(255)),
        _ => ExitCode::from(1),
    }
}

/// Copies bytes both ways between a sandbox client and the proxy's Unix socket.
fn relay(tcp: TcpStream, socket: &std::path::Path) {
    let Ok(unix) = UnixStream::connect(socket) else {
        let _ = tcp.shutdown(Shutdown::Both);
        return;
    };
    let (Ok(mut tcp_r), Ok(mut unix_w)) = (tcp.try_clone(), unix.try_clone()) else {
        return;
    };
    let up = std::thread::spawn(move || {
        let _ = copy(&mut tcp_r, &mut unix_w);
        let _ = unix_w.shutdown(Shutdown::Write);
    });
    let (mut unix_r, mut tcp_w) = (unix, tcp);
    let _ = copy(&mut unix_r, &mut tcp_w);
    let _ = tcp_w.shutdown(Shutdown::Write);
    let _ = up.join();
}

fn copy(from: &mut impl Read, to: &mut impl Write) -> std::io::Result<()> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = from.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        to.write_all(&buf[..n])?;
    }
}
