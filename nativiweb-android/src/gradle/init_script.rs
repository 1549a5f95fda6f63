//! The Gradle init script that gives the app the build's version without editing the user's
//! files: passed with `--init-script`, it sets every application variant's `versionCode` and
//! `versionName` through the Android Gradle Plugin's variant API
//! (`androidComponents.onVariants { it.outputs.forEach { o -> o.versionCode.set(N) … } }`).

/// The init script's file name in the build's work dir.
pub const FILE_NAME: &str = "nativiweb-init.gradle";

/// `s` as a single-quoted Groovy string literal (no `$` interpolation in those).
fn groovy_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Which of the Android Gradle Plugin's variant APIs the script uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantApi {
    /// `androidComponents.onVariants` (AGP 7 and newer; the legacy API is gone by default in
    /// AGP 9), falling back to the legacy API when a project has no `androidComponents`.
    Components,
    /// Only `android.applicationVariants` (AGP older than 7, whose incubating
    /// `androidComponents` API had another shape).
    Legacy,
}

impl VariantApi {
    /// The API for a project's AGP version (unknown: [`VariantApi::Components`]).
    pub fn for_agp(agp: Option<&super::Version>) -> VariantApi {
        match agp {
            Some(v) if !v.at_least(&[7, 0]) => VariantApi::Legacy,
            _ => VariantApi::Components,
        }
    }
}

/// The legacy-API block (`applicationVariants` output overrides).
const LEGACY: &str = r#"p.android.applicationVariants.all { variant ->
                variant.outputs.all { output ->
                    output.versionCodeOverride = nativiwebVersionCode as Integer
                    output.versionNameOverride = nativiwebVersionName
                }
            }"#;

/// The init script setting `versionCode` to `version_code` and `versionName` to
/// `version_name` on every variant of every `com.android.application` project, through `api`.
/// Groovy, so it works whatever DSL the project uses; the values are literals (a version name
/// cannot inject code).
pub fn init_script(version_code: u64, version_name: &str, api: VariantApi) -> String {
    let name = groovy_string(version_name);
    let body = match api {
        VariantApi::Components => format!(
            r#"def components = p.extensions.findByName('androidComponents')
        if (components != null) {{
            components.onVariants(components.selector().all(), {{ variant ->
                variant.outputs.each {{ output ->
                    output.versionCode.set(nativiwebVersionCode as Integer)
                    output.versionName.set(nativiwebVersionName)
                }}
            }} as org.gradle.api.Action)
        }} else {{
            {LEGACY}
        }}"#
        ),
        VariantApi::Legacy => LEGACY.replace("\n    ", "\n"),
    };
    format!(
        r#"// Written by nativiweb for one build: sets the app's version without editing the project.
def nativiwebVersionCode = {version_code}
def nativiwebVersionName = {name}

gradle.allprojects {{ p ->
    p.plugins.withId('com.android.application') {{
        {body}
        p.logger.lifecycle("nativiweb: ${{p.path}} gets versionCode ${{nativiwebVersionCode}}, versionName ${{nativiwebVersionName}}")
    }}
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_literals_that_cannot_break_out() {
        let s = init_script(42, "1.2.0", VariantApi::Components);
        assert!(s.contains("def nativiwebVersionCode = 42\n"));
        assert!(s.contains("def nativiwebVersionName = '1.2.0'\n"));
        assert!(s.contains("output.versionCode.set(nativiwebVersionCode as Integer)"));
        assert!(s.contains("androidComponents") && s.contains("versionCodeOverride"));
        let legacy = init_script(42, "1.2.0", VariantApi::Legacy);
        assert!(!legacy.contains("androidComponents") && legacy.contains("versionCodeOverride"));
        assert_eq!(legacy.matches('{').count(), legacy.matches('}').count());
        let v = |s: &str| super::super::Version::parse(s).unwrap();
        assert_eq!(VariantApi::for_agp(Some(&v("4.2.2"))), VariantApi::Legacy);
        assert_eq!(
            VariantApi::for_agp(Some(&v("7.0.0"))),
            VariantApi::Components
        );
        assert_eq!(VariantApi::for_agp(None), VariantApi::Components);
        let s = init_script(1, "1.0 'beta' ${System.exit(1)} \\", VariantApi::Components);
        assert!(
            s.contains(r"def nativiwebVersionName = '1.0 \'beta\' ${System.exit(1)} \\'"),
            "{s}"
        );
        // Braces balance (the format string escapes them).
        assert_eq!(s.matches('{').count(), s.matches('}').count());
    }
}
