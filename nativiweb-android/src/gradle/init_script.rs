//! The Gradle init script that gives the app the build's version without editing the user's
//! files: passed with `--init-script`, it sets every application variant's `versionCode` and
//! `versionName` through the Android Gradle Plugin's variant API.

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

/// The init script setting `versionCode` to `version_code` and `versionName` to
/// `version_name` on every variant of every `com.android.application` project.
///
/// AGP 7 and newer get `androidComponents.onVariants` (outputs' `versionCode` and
/// `versionName` properties); older ones, which lack that API, the legacy
/// `applicationVariants` overrides. Groovy, so it works whatever DSL the project uses.
pub fn init_script(version_code: u64, version_name: &str) -> String {
    let name = groovy_string(version_name);
    format!(
        r#"// Written by nativiweb for one build: sets the app's version without editing the project.
def nativiwebVersionCode = {version_code}
def nativiwebVersionName = {name}

gradle.allprojects {{ p ->
    p.plugins.withId('com.android.application') {{
        def components = p.extensions.findByName('androidComponents')
        if (components != null) {{
            components.onVariants(components.selector().all(), {{ variant ->
                variant.outputs.each {{ output ->
                    output.versionCode.set(nativiwebVersionCode as Integer)
                    output.versionName.set(nativiwebVersionName)
                }}
            }} as org.gradle.api.Action)
        }} else {{
            p.android.applicationVariants.all {{ variant ->
                variant.outputs.all {{ output ->
                    output.versionCodeOverride = nativiwebVersionCode as Integer
                    output.versionNameOverride = nativiwebVersionName
                }}
            }}
        }}
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
        let s = init_script(42, "1.2.0");
        assert!(s.contains("def nativiwebVersionCode = 42\n"));
        assert!(s.contains("def nativiwebVersionName = '1.2.0'\n"));
        assert!(s.contains("output.versionCode.set(nativiwebVersionCode as Integer)"));
        assert!(s.contains("androidComponents"));
        let s = init_script(1, "1.0 'beta' ${System.exit(1)} \\");
        assert!(
            s.contains(r"def nativiwebVersionName = '1.0 \'beta\' ${System.exit(1)} \\'"),
            "{s}"
        );
        // Braces balance (the format string escapes them).
        assert_eq!(s.matches('{').count(), s.matches('}').count());
    }
}
