//! What went wrong in a failed Gradle (or npx, cordova, flutter) run: Gradle's own
//! "What went wrong" block and the failing task, not the whole log, plus a sentence of advice
//! for the causes people hit most.

/// A failed tool run, as the user needs to see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildFailure {
    /// What ran (`./gradlew :app:bundleRelease …`), without secrets (none go into argv).
    pub command: String,
    /// How it ended (`exit status 1`).
    pub status: String,
    /// The task that failed (`:app:compileReleaseJavaWithJavac`), when Gradle named one.
    pub task: Option<String>,
    /// Gradle's "What went wrong" blocks, one per failure, as printed (without the heading).
    pub what_went_wrong: Vec<String>,
    /// Advice for known causes (an SDK license not accepted, a missing platform, a JDK
    /// mismatch, out of memory).
    pub advice: Vec<String>,
    /// The last lines of output, when Gradle printed no "What went wrong" block (npx,
    /// cordova's own checks).
    pub tail: Vec<String>,
}

impl std::fmt::Display for BuildFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` failed ({})", self.command, self.status)?;
        if let Some(task) = &self.task {
            write!(f, " in task {task}")?;
        }
        if !self.what_went_wrong.is_empty() {
            f.write_str("\nWhat went wrong:")?;
            for block in &self.what_went_wrong {
                for line in block.lines() {
                    write!(f, "\n  {line}")?;
                }
            }
        } else if !self.tail.is_empty() {
            f.write_str("\nLast lines of output:")?;
            for line in &self.tail {
                write!(f, "\n  {line}")?;
            }
        }
        for advice in &self.advice {
            write!(f, "\nAdvice: {advice}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildFailure {}

/// How many lines of output a failure without a "What went wrong" block shows.
pub const FAILURE_TAIL_LINES: usize = 25;

/// Lines that end a "What went wrong" block.
fn ends_block(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("* Try:")
        || t.starts_with("* Exception is:")
        || t.starts_with("* Get more help")
        || t.starts_with("* What went wrong:")
        || t.starts_with("BUILD FAILED")
        || t.starts_with("FAILURE:")
        || t.starts_with("=====")
        || (t.len() > 1 && t.bytes().all(|b| b == b'-'))
}

/// Gradle's "What went wrong" blocks in `lines`, each trimmed of blank lines around it.
pub fn what_went_wrong(lines: &[String]) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start().starts_with("* What went wrong:") {
            let mut block = Vec::new();
            i += 1;
            while i < lines.len() && !ends_block(&lines[i]) {
                block.push(lines[i].trim_end().to_owned());
                i += 1;
            }
            while block.last().is_some_and(|l| l.trim().is_empty()) {
                block.pop();
            }
            while block.first().is_some_and(|l| l.trim().is_empty()) {
                block.remove(0);
            }
            if !block.is_empty() {
                blocks.push(block.join("\n"));
            }
        } else {
            i += 1;
        }
    }
    blocks
}

/// The failing task: named in a block (`Execution failed for task ':app:x'.`) or by a
/// `> Task :app:x FAILED` line.
pub fn failed_task(lines: &[String], blocks: &[String]) -> Option<String> {
    // `Execution failed for task ':app:x'.`, `Could not determine the dependencies of task ':app:x'.`
    for block in blocks {
        if let Some(pos) = block.find("task '") {
            let rest = &block[pos + "task '".len()..];
            if let Some(end) = rest.find('\'').filter(|e| rest[..*e].starts_with(':')) {
                return Some(rest[..end].to_owned());
            }
        }
    }
    lines.iter().find_map(|l| {
        let t = l.trim();
        t.strip_prefix("> Task ")
            .and_then(|r| r.strip_suffix(" FAILED"))
            .map(|task| task.trim().to_owned())
    })
}

/// Advice for the causes we recognize in `text` (the blocks, or the whole tail).
pub fn advice(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut say = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    let lower = text.to_ascii_lowercase();
    if lower.contains("licences have not been accepted")
        || lower.contains("licenses have not been accepted")
        || lower.contains("not accepted the license agreements")
        || lower.contains("license for package")
    {
        say("the Android SDK license is not accepted, so Gradle cannot install what the project needs: run `yes | sdkmanager --licenses` once for this SDK (or accept them in Android Studio's SDK Manager)".into());
    }
    for marker in [
        "failed to find target with hash string '",
        "failed to find platform sdk with path: platforms;",
        "failed to find target with hash string \"",
    ] {
        if let Some(pos) = lower.find(marker) {
            let rest = &text[pos + marker.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
                .collect();
            if !name.is_empty() {
                say(format!("the SDK platform `platforms;{name}` (compileSdk) is not installed: run `sdkmanager \"platforms;{name}\"`"));
            }
        }
    }
    if let Some(pos) = lower.find("failed to find build tools revision ") {
        let rest = &text[pos + "failed to find build tools revision ".len()..];
        let v: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let v = v.trim_end_matches('.');
        say(format!(
            "the build tools {v} are not installed: run `sdkmanager \"build-tools;{v}\"`"
        ));
    }
    if lower.contains("sdk location not found") {
        say("Gradle found no Android SDK: set ANDROID_HOME (or sdk.dir in local.properties) to the SDK's folder".into());
    }
    if let Some(pos) = lower.find("unsupported class file major version ") {
        let digits: String = text[pos + "unsupported class file major version ".len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let java = digits
            .parse::<u32>()
            .ok()
            .filter(|m| *m > 44)
            .map(|m| format!("Java {}", m - 44))
            .unwrap_or_else(|| "a newer Java".into());
        say(format!("the JDK is newer than this project's Gradle (or a plugin) can read: class files of {java} were found. Build with an older JDK (set JAVA_HOME), or upgrade the Gradle wrapper (`./gradlew wrapper --gradle-version <newer>`)"));
    }
    if lower.contains("android gradle plugin requires java")
        || lower.contains("requires java 17 to run")
        || lower.contains("requires java 11 to run")
        || lower.contains("compiled by a more recent version of the java runtime")
        || lower.contains("unsupportedclassversionerror")
    {
        let need = ["17", "11", "21"]
            .iter()
            .find(|v| lower.contains(&format!("requires java {v}")))
            .map(|v| format!("JDK {v}"))
            .unwrap_or_else(|| "a newer JDK".into());
        say(format!("the JDK Gradle runs on is too old for this project: install {need} and set JAVA_HOME (or org.gradle.java.home in gradle.properties) to it"));
    }
    if lower.contains("no matching toolchains found")
        || lower.contains("cannot find a java installation on your machine matching")
    {
        let lang = lower
            .find("languageversion=")
            .map(|p| {
                lower[p + "languageversion=".len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .filter(|s| !s.is_empty());
        say(match lang {
            Some(v) => format!("the project asks for a Java {v} toolchain (jvmToolchain / java.toolchain) that is not installed: install JDK {v}, or let Gradle download it (the foojay-resolver plugin)"),
            None => "the project asks for a Java toolchain that is not installed: install the JDK its jvmToolchain / java.toolchain names".into(),
        });
    }
    if lower.contains("outofmemoryerror")
        || lower.contains("java heap space")
        || lower.contains("gc overhead limit exceeded")
        || lower.contains("daemon disappeared unexpectedly")
        || lower.contains("expiring daemon because jvm heap space is exhausted")
    {
        say("Gradle ran out of memory: give it more heap with `org.gradle.jvmargs=-Xmx4g -XX:MaxMetaspaceSize=1g` in gradle.properties (or the GRADLE_OPTS environment variable), and make sure the machine has that much free".into());
    }
    if let Some(pos) = lower.find("minimum supported gradle version is ") {
        let v: String = text[pos + "minimum supported gradle version is ".len()..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let v = v.trim_end_matches('.');
        say(format!("the Android Gradle Plugin needs Gradle {v} or newer: run `./gradlew wrapper --gradle-version {v}`"));
    }
    if lower.contains("could not resolve all")
        || lower.contains("could not get '")
        || lower.contains("could not head '")
        || lower.contains("unknownhostexception")
    {
        say("Gradle could not download dependencies: check network access to the repositories (google(), mavenCentral()), or build offline (`--offline`) with a GRADLE_USER_HOME that already holds them".into());
    }
    if lower.contains("could not determine executable to run")
        || lower.contains("npx canceled due to missing packages")
    {
        say("the project's own CLI is not installed in node_modules (npx is not allowed to download one): add it to devDependencies and let the web build install the dependencies".into());
    }
    if lower.contains("could not find an installed version of gradle") {
        say("cordova-android needs a Gradle on PATH to create its wrapper: install Gradle (https://gradle.org/install, `sdk install gradle`, `brew install gradle`)".into());
    }
    if lower.contains("keystore") && (lower.contains("password") || lower.contains("was tampered"))
    {
        say("the project's own signingConfig failed to open its keystore: leave release builds unsigned (nativiweb signs them with your key afterwards), or give the project the keystore it expects".into());
    }
    out
}

/// Builds the failure report for a run that printed `lines` (its last lines, in order).
pub fn parse(command: &str, status: &str, lines: &[String]) -> BuildFailure {
    let blocks = what_went_wrong(lines);
    let task = failed_task(lines, &blocks);
    let advice_text = if blocks.is_empty() {
        lines.join("\n")
    } else {
        // The block names the cause; the log around it sometimes says more (OOM in a worker).
        format!("{}\n{}", blocks.join("\n"), lines.join("\n"))
    };
    let tail = if blocks.is_empty() {
        let start = lines.len().saturating_sub(FAILURE_TAIL_LINES);
        lines[start..].to_vec()
    } else {
        Vec::new()
    };
    BuildFailure {
        command: command.to_owned(),
        status: status.to_owned(),
        task,
        what_went_wrong: blocks,
        advice: advice(&advice_text),
        tail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn the_block_and_the_task_not_the_log() {
        let mut out = lines("> Task :app:preBuild UP-TO-DATE\n> Task :app:compileReleaseJavaWithJavac FAILED\n\nFAILURE: Build failed with an exception.\n\n* What went wrong:\nExecution failed for task ':app:compileReleaseJavaWithJavac'.\n> Compilation failed; see the compiler error output for details.\n\n* Try:\n> Run with --info or --debug option to get more log output.\n\n* Exception is:\norg.gradle.api.tasks.TaskExecutionException: Execution failed");
        for i in 0..300 {
            out.push(format!("\tat org.gradle.Frame{i}(Frame.java:{i})"));
        }
        out.extend(lines(
            "\nBUILD FAILED in 3s\n12 actionable tasks: 1 executed",
        ));
        let f = parse("./gradlew :app:assembleRelease", "exit status 1", &out);
        assert_eq!(f.task.as_deref(), Some(":app:compileReleaseJavaWithJavac"));
        assert_eq!(
            f.what_went_wrong,
            ["Execution failed for task ':app:compileReleaseJavaWithJavac'.\n> Compilation failed; see the compiler error output for details."]
        );
        let text = f.to_string();
        assert!(text.contains("What went wrong:"), "{text}");
        assert!(!text.contains("Frame12"), "{text}");
        assert!(f.tail.is_empty());
    }

    #[test]
    fn several_failures() {
        let out = lines("FAILURE: Build completed with 2 failures.\n\n1: Task failed with an exception.\n-----------\n* What went wrong:\nfirst\n\n* Try:\n> x\n==============================================================================\n\n2: Task failed with an exception.\n-----------\n* What went wrong:\nsecond\n\n* Try:\n> y\n");
        assert_eq!(what_went_wrong(&out), ["first", "second"]);
    }

    #[test]
    fn known_causes_get_advice() {
        let a = advice("Failed to install the following Android SDK packages as some licences have not been accepted.\n     platforms;android-35 Android SDK Platform 35");
        assert!(a[0].contains("sdkmanager --licenses"), "{a:?}");
        let a = advice("Failed to find target with hash string 'android-35' in: /sdk");
        assert!(a[0].contains("platforms;android-35"), "{a:?}");
        let a = advice("BUG! exception in phase 'semantic analysis' in source unit '_BuildScript_' Unsupported class file major version 65");
        assert!(a[0].contains("Java 21"), "{a:?}");
        let a = advice("An exception occurred applying plugin request [id: 'com.android.application']\n> Failed to apply plugin 'com.android.internal.application'.\n   > Android Gradle plugin requires Java 17 to run. You are currently using Java 11.");
        assert!(a.iter().any(|s| s.contains("install JDK 17")), "{a:?}");
        let a = advice("Execution failed for task ':app:mergeDexRelease'.\n> java.lang.OutOfMemoryError: Java heap space");
        assert!(a[0].contains("org.gradle.jvmargs"), "{a:?}");
        let a = advice("Minimum supported Gradle version is 8.9. Current version is 8.7.");
        assert!(a[0].contains("--gradle-version 8.9"), "{a:?}");
        let a = advice("Failed to find Build Tools revision 34.0.0");
        assert!(a[0].contains("build-tools;34.0.0"), "{a:?}");
        assert!(advice("> Compilation failed; see the compiler error output").is_empty());
    }

    #[test]
    fn tools_without_a_block_show_their_last_lines() {
        let out: Vec<String> = (0..40).map(|i| format!("line {i}")).collect();
        let f = parse("npx --no cap sync android", "exit status 1", &out);
        assert_eq!(f.tail.len(), FAILURE_TAIL_LINES);
        assert_eq!(f.tail.last().unwrap(), "line 39");
        assert!(f.to_string().contains("Last lines of output:\n  line 15"));
    }
}
