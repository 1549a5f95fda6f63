//! The iOS credential check from the library, timed.
//!
//! ```text
//! NATIVIWEB_CERTIFICATE_PASSWORD=... cargo run --release -p nativiweb-ios --example credentials_check -- \
//!     CERT.p12 PROFILE.mobileprovision BUNDLE_ID [EXPORT_METHOD] [--runs N] [--json]
//! ```
//!
//! Reads the `.p12` (password from `NATIVIWEB_CERTIFICATE_PASSWORD`, never argv) and the
//! profile, checks them against the bundle id, prints the problems and warnings (or the JSON
//! report), and how long one whole check took: reading both files and checking. With
//! `--runs N` it repeats the whole check N times and prints the fastest and the median.
//! Exits 2 when there is a problem, 0 when all holds.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use nativiweb_ios::credentials::{self, CheckRequest, P12Identity, ProvisioningProfile};
use nativiweb_ios::ExportMethod;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut positional = Vec::new();
    let mut runs = 1usize;
    let mut json = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().ok_or("--runs needs a number")?.parse()?,
            "--json" => json = true,
            _ => positional.push(arg),
        }
    }
    let [p12, profile, bundle_id, rest @ ..] = positional.as_slice() else {
        return Err("usage: credentials_check CERT.p12 PROFILE.mobileprovision BUNDLE_ID [EXPORT_METHOD] [--runs N] [--json]".into());
    };
    let mut request = CheckRequest::new(bundle_id.as_str());
    if let Some(method) = rest.first() {
        let method = ExportMethod::parse(method).ok_or_else(|| {
            format!("unknown export method {method:?} (app-store-connect, release-testing, enterprise, debugging)")
        })?;
        request = request.export_method(method);
    }
    let password = credentials::password_from_env()?;
    let (p12, profile) = (PathBuf::from(p12), PathBuf::from(profile));

    let mut times = Vec::with_capacity(runs);
    let mut report = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let identity = P12Identity::open(&p12, &password)?;
        let profile = ProvisioningProfile::open(&profile)?;
        let r = credentials::check(&identity, &profile, &request)?;
        times.push(start.elapsed());
        report = Some(r);
    }
    let report = report.ok_or("no run")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for warning in &report.warnings {
            println!("warning: {warning}");
        }
        for problem in &report.problems {
            println!("error: {problem}");
        }
        if report.is_ok() {
            println!(
                "ok: \"{}\" and \"{}\" ({}) sign {}",
                report.certificate.name(),
                report.profile.name,
                report.profile.kind,
                report.bundle_id
            );
        }
    }
    let first = times[0];
    times.sort();
    let median = times[times.len() / 2];
    eprintln!(
        "check took {} (first run); fastest {}, median {} over {} runs",
        ms(first),
        ms(times[0]),
        ms(median),
        times.len()
    );
    if !report.is_ok() {
        std::process::exit(2);
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
