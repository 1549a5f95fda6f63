//! # nativiweb-core
//!
//! The platform-independent heart of nativiweb: the app model and its config file, the five
//! traits a build is made of ([`ProjectSource`], [`Builder`], [`Signer`], [`ArtifactSink`],
//! [`StoreSubmitter`]), the [`BuildContext`] every step gets, typed [`events`], the process
//! runner, project sources, hashing and the local artifact sink.
//!
//! ```
//! use nativiweb_core::config::{AppConfig, PartialAppConfig};
//!
//! let layer = PartialAppConfig::from_toml(
//!     "id = \"com.example.hello\"\nname = \"Hello\"\nbuild = 42\n",
//!     std::path::Path::new("nativiweb.toml"),
//! )?;
//! let app = AppConfig::resolve(layer, None)?;
//! assert_eq!(app.android.target_sdk, nativiweb_core::config::DEFAULT_TARGET_SDK);
//! # Ok::<(), nativiweb_core::config::ConfigError>(())
//! ```
#![warn(missing_docs)]

pub mod bundle;
pub mod config;
pub mod context;
pub mod detect;
pub mod error;
pub mod events;
pub mod glob;
pub mod hash;
pub mod memory;
pub mod model;
pub mod pipeline;
pub mod process;
pub mod regen;
pub mod sandbox;
pub mod secret;
pub mod shell;
pub mod sink;
pub mod source;
pub mod testing;
pub mod traits;
pub mod webbuild;

/// The attribute macro the traits are written with: put `#[async_trait]` on a backend's
/// `impl` block (re-exported so a custom backend needs no extra dependency).
pub use async_trait::async_trait;
/// The cancellation token a [`Pipeline`] run and every [`BuildContext`] watch (re-exported
/// from `tokio-util`).
pub use tokio_util::sync::CancellationToken;

pub use config::AppConfig;
pub use context::BuildContext;
pub use error::{Error, Result};
pub use events::{Event, EventSender};
pub use model::*;
pub use pipeline::Pipeline;
pub use traits::{
    ArtifactSink, BuildInput, Builder, ProjectSource, Signer, StoreSubmitter, WebNeeds,
};
