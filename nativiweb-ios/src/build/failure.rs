//! What went wrong in a failed xcodebuild (or pod, npx, flutter) run, in a few lines: the
//! `error:` lines of its output (not the whole log, which went out line by line as events),
//! with a sentence of advice for the failures everybody meets.

use std::fmt;

/// How many trailing output lines are kept to look for `error:` lines (xcodebuild prints
/// thousands of lines of build commands before them).
pub const FAILURE_SCAN_LINES: usize = 4000;

/// At most this many `error:` lines are shown (a Swift error can repeat for every file).
pub const MAX_ERROR_LINES: usize = 12;

/// How many last lines stand in for the error lines when a tool printed none.
pub const FALLBACK_TAIL_LINES: usize = 15;

/// A failed tool run, summarised.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct XcodeFailure {
    /// The command (no secret: passwords never reach argv but the one-time keychain one,
    /// which the build's redactor masks).
    pub command: String,
    /// How it ended (`exit status 65`).
    pub status: String,
    /// The `error:` lines, in order, without repeats (or the last lines of output when there
    /// were none).
    pub errors: Vec<String>,
    /// Whether `errors` are the last lines of output rather than `error:` lines.
    pub tail_only: bool,
    /// Advice for known causes.
    pub advice: Vec<&'static str>,
}

impl fmt::Display for XcodeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` failed ({})", self.command, self.status)?;
        if self.tail_only {
            write!(f, "; last lines of output:")?;
        } else {
            write!(f, ":")?;
        }
        for line in &self.errors {
            write!(f, "\n  {line}")?;
        }
        for advice in &self.advice {
            write!(f, "\nAdvice: {advice}")?;
        }
        Ok(())
    }
}

impl std::error::Error for XcodeFailure {}

/// Known failures: a pattern (all of its parts must be in one error line, case-insensitive)
/// and the advice.
const KNOWN: &[(&[&str], &str)] = &[
    (
        &["no signing certificate"],
        "xcodebuild found no usable signing certificate: the .p12 must hold the distribution (or development) certificate with its private key, of the team the project builds for; check it with `nativiweb credentials check` and export it again from Keychain Access (My Certificates) if the key is missing",
    ),
    (
        &["0 valid identities"],
        "the keychain holds no valid signing identity: the certificate's private key is missing from the .p12, or the certificate expired or was revoked; export it again with its key from Keychain Access, and check that Apple's WWDR intermediate certificate is installed on the Mac",
    ),
    (
        &["doesn't include signing certificate"],
        "the provisioning profile does not list this certificate: add the certificate to the profile in the Apple Developer portal (Profiles > Edit), download the profile again, and check the pair with `nativiweb credentials check`",
    ),
    (
        &["doesn't match"],
        "the provisioning profile does not fit the app (bundle id, team or entitlements): use a profile made for this bundle id with the app's capabilities, and check it with `nativiweb credentials check`",
    ),
    (
        &["does not support provisioning profiles"],
        "a target that is not the app (a CocoaPods or Swift package target) was given the app's provisioning profile: set the signing for the app target in the project (Signing & Capabilities, manual signing with this profile) rather than for every target",
    ),
    (
        &["requires a provisioning profile"],
        "a target needs a provisioning profile it was not given: check that the profile's bundle id is the app target's PRODUCT_BUNDLE_IDENTIFIER, and that extensions (widgets, notification services) have profiles of their own",
    ),
    (
        &["unable to open base configuration reference file", "pods-"],
        "the CocoaPods files are missing: run `pod install` in the folder with the Podfile (the build does it when it finds one), and commit the Podfile.lock",
    ),
    (
        &["sandbox is not in sync with the podfile.lock"],
        "the installed Pods do not match Podfile.lock: run `pod install` in the folder with the Podfile (the build does it when it finds one)",
    ),
    (
        &["no such module"],
        "a Swift module is missing: for CocoaPods projects build the .xcworkspace after `pod install`; for Swift packages let Xcode resolve them (xcodebuild -resolvePackageDependencies) and check Package.resolved",
    ),
    (
        &["does not contain a scheme named"],
        "the scheme is not shared: in Xcode, Product > Scheme > Manage Schemes, tick Shared for the app's scheme and commit xcshareddata/",
    ),
];

/// Summarises a failed run from its last output `lines`.
pub fn parse(command: &str, status: &str, lines: &[String]) -> XcodeFailure {
    let mut errors: Vec<String> = Vec::new();
    for line in lines {
        let trimmed = line.trim();
        if is_error_line(trimmed) && !errors.iter().any(|e| e == trimmed) {
            errors.push(trimmed.to_owned());
        }
    }
    let mut advice: Vec<&'static str> = Vec::new();
    for (parts, text) in KNOWN {
        let hit = lines.iter().any(|line| {
            let lower = line.to_ascii_lowercase();
            parts.iter().all(|p| lower.contains(p))
        });
        if hit && !advice.contains(text) {
            advice.push(text);
        }
    }
    let tail_only = errors.is_empty();
    if tail_only {
        let start = lines.len().saturating_sub(FALLBACK_TAIL_LINES);
        errors = lines[start..].to_vec();
    } else if errors.len() > MAX_ERROR_LINES {
        let more = errors.len() - MAX_ERROR_LINES;
        errors.truncate(MAX_ERROR_LINES);
        errors.push(format!("… and {more} more error lines in the log"));
    }
    XcodeFailure {
        command: command.to_owned(),
        status: status.to_owned(),
        errors,
        tail_only,
        advice,
    }
}

/// `error: …`, `file.swift:1:2: error: …`, `xcodebuild: error: …`, `[!] …` (CocoaPods),
/// `❌ …` (xcbeautify-style), `Error: …` (Flutter, npm).
fn is_error_line(line: &str) -> bool {
    line.starts_with("error:")
        || line.contains(": error:")
        || line.starts_with("[!] ")
        || line.starts_with("❌")
        || line.starts_with("Error: ")
        || line.starts_with("Error (Xcode):")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_are_kept_once_and_in_order() {
        let lines: Vec<String> = [
            "CompileSwift normal arm64 /p/App/A.swift",
            "/p/App/A.swift:3:5: error: cannot find 'x' in scope",
            "note: something",
            "/p/App/A.swift:3:5: error: cannot find 'x' in scope",
            "error: No signing certificate \"iOS Distribution\" found",
            "** ARCHIVE FAILED **",
        ]
        .map(String::from)
        .to_vec();
        let f = parse("xcodebuild archive", "exit status 65", &lines);
        assert_eq!(f.errors.len(), 2, "{f}");
        assert!(!f.tail_only);
        assert_eq!(f.advice.len(), 1);
        assert!(f
            .to_string()
            .contains("Advice: xcodebuild found no usable signing certificate"));
    }

    #[test]
    fn without_error_lines_the_tail_is_shown() {
        let lines: Vec<String> = (0..40).map(|i| format!("line {i}")).collect();
        let f = parse("pod install", "exit status 1", &lines);
        assert!(f.tail_only);
        assert_eq!(f.errors.len(), FALLBACK_TAIL_LINES);
        assert_eq!(f.errors.last().map(String::as_str), Some("line 39"));
    }
}
