//! Building Android projects with their own tools (Gradle, and the Capacitor, Cordova, Expo
//! and Flutter CLIs around it). This part: finding, before anything runs, the JDK and Android
//! SDK a project's Gradle build needs ([`toolchain::Discovery`]), from what its files say
//! ([`project::GradleProject`]) and the compatibility tables ([`compat`]).

pub mod compat;
pub mod jdk;
pub mod project;
mod script;
pub mod sdk;
pub mod toolchain;
pub mod version;

pub use jdk::{Jdk, JdkSource};
pub use project::GradleProject;
pub use sdk::{AndroidSdk, SdkSource};
pub use toolchain::{Discovery, Toolchain, ToolchainError};
pub use version::Version;
