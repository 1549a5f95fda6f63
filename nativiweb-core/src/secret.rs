//! Secrets and the redactor that masks them in every log line and error message.
//!
//! A build knows its secrets (keystore passwords, API keys) by name. They are held as
//! `secrecy::SecretString` (zeroized on drop, never `Debug`-printed) and handed to tools only
//! through environment variables or files, never argv. Every line a tool prints passes through
//! a [`Redactor`] built from the same set, so a tool that echoes its password shows `***`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

/// The mask that replaces a secret value in logs and errors.
pub const MASK: &str = "***";

/// Secrets shorter than this are not masked: masking "a" or "1" would garble every log line and
/// such values are not meaningful secrets. Validation elsewhere rejects passwords this short.
pub const MIN_REDACTED_LEN: usize = 3;

/// A named set of secret values for one build.
///
/// Cloning is cheap (the values are shared). `Debug` prints the names only.
#[derive(Clone, Default)]
pub struct Secrets {
    values: BTreeMap<String, Arc<SecretString>>,
}

impl Secrets {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a secret under `name` (usually the env var a tool reads it from).
    pub fn insert(&mut self, name: impl Into<String>, value: SecretString) {
        self.values.insert(name.into(), Arc::new(value));
    }

    /// Builder-style [`Secrets::insert`].
    pub fn with(mut self, name: impl Into<String>, value: SecretString) -> Self {
        self.insert(name, value);
        self
    }

    /// The secret stored under `name`.
    pub fn get(&self, name: &str) -> Option<&SecretString> {
        self.values.get(name).map(|v| v.as_ref())
    }

    /// Names and values, for injecting into a child's environment.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SecretString)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_ref()))
    }

    /// True when no secret is held.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// A redactor that masks every value in this set.
    pub fn redactor(&self) -> Redactor {
        Redactor::new(self.values.values().map(|v| v.expose_secret().to_owned()))
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("names", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Masks known secret values in text.
///
/// Longer secrets are replaced first, so a secret that contains another is masked whole.
#[derive(Clone, Default)]
pub struct Redactor {
    // Held in a zeroizing wrapper so the copies die with the redactor.
    needles: Arc<Vec<zeroize::Zeroizing<String>>>,
}

impl Redactor {
    /// A redactor for the given values; values shorter than [`MIN_REDACTED_LEN`] are ignored.
    pub fn new<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut needles: Vec<zeroize::Zeroizing<String>> = values
            .into_iter()
            .map(|s| zeroize::Zeroizing::new(s.into()))
            .filter(|s| s.len() >= MIN_REDACTED_LEN)
            .collect();
        // Longest first (so a secret containing another is masked whole); equal values adjacent
        // so `dedup` removes every duplicate.
        needles.sort_by(|a, b| {
            b.len()
                .cmp(&a.len())
                .then_with(|| a.as_str().cmp(b.as_str()))
        });
        needles.dedup_by(|a, b| a.as_str() == b.as_str());
        Redactor {
            needles: Arc::new(needles),
        }
    }

    /// True when there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// `text` with every secret value replaced by [`MASK`].
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for needle in self.needles.iter() {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), MASK);
            }
        }
        out
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} secrets)", self.needles.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_occurrence_longest_first() {
        let r = Redactor::new(["hunter2", "hunter2-extended", "x"]);
        assert_eq!(
            r.redact("pw=hunter2-extended and hunter2, x stays"),
            "pw=*** and ***, x stays"
        );
    }

    #[test]
    fn debug_never_shows_values() {
        let s = Secrets::new().with("NATIVIWEB_KEYSTORE_PASSWORD", SecretString::from("s3cret!"));
        let dbg = format!("{s:?} {:?}", s.redactor());
        assert!(!dbg.contains("s3cret!"), "{dbg}");
        assert!(dbg.contains("NATIVIWEB_KEYSTORE_PASSWORD"));
    }
}
