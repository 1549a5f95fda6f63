//! nativiweb's build farm: a queue per platform on Redis Streams, workers on as many machines
//! as needed, deployment records, webhooks and Prometheus metrics; an HTTP API behind the
//! `server` feature.
//!
//! **Why Redis Streams and not a bare list or a job framework.** A list (`BRPOP`) loses the
//! job when the worker that popped it dies — PWABuilder's packaging queue lost and timed out
//! jobs under load exactly so. A stream read through a consumer group keeps each entry pending
//! for its worker until acknowledged, `XAUTOCLAIM` hands the entries of a silent worker to
//! another (a visibility timeout that heartbeats extend), and Lua scripts make each transition
//! atomic with a fencing token, so at-least-once delivery gets an exactly-once effect.
//! `apalis-redis` was considered; its guarantees are built on the same primitives, but it
//! owns the job's lifecycle and record, which here must be a deployment record that outlives
//! Redis and is fenced against a stale worker; the primitives are used directly instead.
//!
//! The farm depends on nativiweb-core only: the program running a worker brings the platform
//! builders through [`Backends`].
//!
//! ```no_run
//! use nativiweb_core::model::Platform;
//! use nativiweb_farm::{Farm, JobRequest, JobSource};
//!
//! # async fn run() -> Result<(), nativiweb_farm::FarmError> {
//! let farm = Farm::connect("redis://127.0.0.1:6379").await?;
//! let job = JobRequest::new(
//!     "hello",
//!     Platform::Android,
//!     JobSource::Git { url: "https://github.com/acme/hello.git".into(), reference: Some("main".into()) },
//! );
//! let record = farm.submit(&job).await?;
//! let done = farm.follow(&record.id, |event| println!("{}", event.event)).await?;
//! println!("{:?}: {:?}", done.status, done.artifacts);
//! # Ok(()) }
//! ```

pub mod backends;
pub mod error;
pub mod farm;
pub mod job;
pub mod keys;
pub mod metrics;
pub mod record;
pub mod scripts;
#[cfg(feature = "server")]
pub mod server;
pub mod signing;
pub mod webhook;
pub mod worker;

pub use backends::{Backends, CredentialExpiry};
pub use error::{FarmError, Result};
pub use farm::{CancelOutcome, Farm, FarmEvent, QueueDepth};
pub use job::{BuildId, JobRequest, JobSource, Priority};
pub use record::{DeploymentRecord, RecordArtifact, RecordSource};
pub use signing::{SigningProfile, SigningProfiles};
pub use webhook::{Webhook, Webhooks};
pub use worker::{Worker, WorkerConfig};
