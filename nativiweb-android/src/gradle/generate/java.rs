//! The shell's Java sources: the same program as the SDK-free shell's smali
//! ([`crate::shell`]), class for class, for projects Gradle builds. Framework APIs only (no
//! androidx), so the app module needs no dependency.

/// The package of the shell's classes (the manifest's activity is
/// [`crate::package::manifest::ACTIVITY_CLASS`]).
pub const PACKAGE_DIR: &str = "app/src/main/java/app/nativiweb/shell";

/// The Java sources `(file name, text)`.
pub const JAVA_SOURCES: &[(&str, &str)] = &[
    ("Assets.java", include_str!("java/Assets.java")),
    ("BackCallback.java", include_str!("java/BackCallback.java")),
    ("Insets.java", include_str!("java/Insets.java")),
    ("MainActivity.java", include_str!("java/MainActivity.java")),
    ("Permissions.java", include_str!("java/Permissions.java")),
    ("ShellChrome.java", include_str!("java/ShellChrome.java")),
    ("ShellClient.java", include_str!("java/ShellClient.java")),
    ("SwClient.java", include_str!("java/SwClient.java")),
];
