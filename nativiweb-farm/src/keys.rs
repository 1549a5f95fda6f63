//! Where the farm keeps things in Redis. Every key starts with the farm's namespace (`nw` by
//! default), so several farms can share one Redis.
//!
//! | key | type | holds |
//! |---|---|---|
//! | `{ns}:q:{platform}:{priority}` | stream, group `workers` | one entry (`id`) per job waiting or running |
//! | `{ns}:b:{id}` | hash | `job` (JSON), `record` (JSON), `status`, `attempt` (the fencing counter), `failures`, `cancel`, `stream`, `entry` |
//! | `{ns}:b:{id}:ev` | stream (capped) | the build's events and status changes, for live logs |
//! | `{ns}:dead` | stream (capped) | jobs that exhausted their retries |
//! | `{ns}:stats` | hash | counters: builds by platform and status, reclaimed jobs, duration histograms |
//! | `{ns}:workers` | hash | each worker's heartbeat (JSON: busy, queues, certificates) |

use nativiweb_core::model::Platform;

use crate::job::Priority;

/// The consumer group every worker reads the queues with.
pub const GROUP: &str = "workers";

/// Key names under one namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    ns: String,
}

impl Default for Keys {
    fn default() -> Self {
        Keys::new("nw")
    }
}

impl Keys {
    /// Keys under `namespace`.
    pub fn new(namespace: impl Into<String>) -> Self {
        Keys {
            ns: namespace.into(),
        }
    }

    /// A platform's queue stream at a priority.
    pub fn queue(&self, platform: Platform, priority: Priority) -> String {
        format!("{}:q:{}:{}", self.ns, platform.as_str(), priority.as_str())
    }

    /// A build's hash.
    pub fn build(&self, id: &str) -> String {
        format!("{}:b:{id}", self.ns)
    }

    /// A build's event stream.
    pub fn events(&self, id: &str) -> String {
        format!("{}:b:{id}:ev", self.ns)
    }

    /// The dead-letter stream.
    pub fn dead(&self) -> String {
        format!("{}:dead", self.ns)
    }

    /// The counters hash.
    pub fn stats(&self) -> String {
        format!("{}:stats", self.ns)
    }

    /// The workers' heartbeat hash.
    pub fn workers(&self) -> String {
        format!("{}:workers", self.ns)
    }
}
