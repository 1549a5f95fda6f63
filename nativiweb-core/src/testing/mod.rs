//! Helpers for tests of nativiweb and of backends built on it.
//!
//! Tests that need an external tool (apksigner, aapt, git, node) call [`tool`]: it returns the
//! tool's path, or `None` with a message that the test is skipped — except when the
//! environment variable `NATIVIWEB_REQUIRE_TOOLS=1` is set (CI), where a missing tool fails the
//! test instead of letting it pass unchecked.

use std::path::PathBuf;

/// The environment variable that turns "skip when missing" into "fail when missing".
pub const REQUIRE_TOOLS_ENV: &str = "NATIVIWEB_REQUIRE_TOOLS";

/// Finds `program` on `PATH` (or takes it as a path when it contains a `/`).
pub fn which(program: &str) -> Option<PathBuf> {
    crate::process::find_program(program, None)
}

/// True when missing tools must fail tests (`NATIVIWEB_REQUIRE_TOOLS=1`).
pub fn tools_required() -> bool {
    std::env::var(REQUIRE_TOOLS_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The path of `program` for a test, or `None` (after printing why the test skips).
///
/// # Panics
/// When the tool is missing and [`tools_required`] is true: in CI a missing oracle is a failure.
pub fn tool(program: &str) -> Option<PathBuf> {
    match which(program) {
        Some(p) => Some(p),
        None => {
            assert!(
                !tools_required(),
                "{program} is required ({REQUIRE_TOOLS_ENV}=1) but not on PATH; scripts/test.sh installs it"
            );
            eprintln!("skipping: {program} not found on PATH (scripts/test.sh installs it)");
            None
        }
    }
}

/// Like [`tool`], for a condition other than a program on PATH (a Python module, a jar):
/// returns `available`, or panics under `NATIVIWEB_REQUIRE_TOOLS=1` when it is false.
pub fn require(what: &str, available: bool) -> bool {
    if !available {
        assert!(
            !tools_required(),
            "{what} is required ({REQUIRE_TOOLS_ENV}=1) but missing; scripts/test.sh installs it"
        );
        eprintln!("skipping: {what} is missing (scripts/test.sh installs it)");
    }
    available
}

pub mod servers;

pub use servers::{free_port, LocalServer};
