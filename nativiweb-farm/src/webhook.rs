//! Webhooks: on every status change, the record is POSTed to each configured URL, signed with
//! HMAC-SHA256 over the body (`X-Nativiweb-Signature: sha256=<hex>`, the scheme GitHub uses),
//! retried with exponential backoff, from a background task: a slow or dead endpoint never
//! holds a build up. A receiver verifies with its copy of the secret:
//! `hmac_sha256(secret, body) == hex(header without "sha256=")`, compared in constant time.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::record::DeploymentRecord;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Nativiweb-Signature";

/// How many deliveries may wait before new ones are dropped (and logged).
const QUEUE: usize = 10_000;

/// One endpoint.
#[derive(Clone)]
pub struct Webhook {
    /// Where to POST.
    pub url: String,
    /// The HMAC key.
    pub secret: SecretString,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// `sha256=<hex>` of `body` under `secret`.
pub fn sign(secret: &SecretString, body: &[u8]) -> String {
    // HMAC accepts keys of any length.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a `sha256=<hex>` signature of `body`, in constant time.
pub fn verify(secret: &SecretString, body: &[u8], signature: &str) -> bool {
    let Some(hex_sig) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The sender: cheap to clone, never blocks.
#[derive(Debug, Clone)]
pub struct Webhooks {
    tx: Option<mpsc::Sender<Delivery>>,
    pending: Arc<tokio::sync::Notify>,
    inflight: Arc<std::sync::atomic::AtomicUsize>,
}

#[derive(Debug)]
struct Delivery {
    body: Vec<u8>,
}

impl Webhooks {
    /// No endpoints.
    pub fn none() -> Self {
        Webhooks {
            tx: None,
            pending: Arc::default(),
            inflight: Arc::default(),
        }
    }

    /// Delivers to `hooks` with up to `retries` retries each (backoff 0.5 s, 1 s, 2 s, …).
    /// Must be called inside a tokio runtime.
    pub fn new(hooks: Vec<Webhook>, retries: u32) -> Self {
        if hooks.is_empty() {
            return Webhooks::none();
        }
        let (tx, mut rx) = mpsc::channel::<Delivery>(QUEUE);
        let pending = Arc::new(tokio::sync::Notify::new());
        let inflight = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        let hooks = Arc::new(hooks);
        let (p, n) = (pending.clone(), inflight.clone());
        tokio::spawn(async move {
            while let Some(d) = rx.recv().await {
                let body = Arc::new(d.body);
                for hook in hooks.iter() {
                    let (client, hook, body, p, n) = (
                        client.clone(),
                        hook.clone(),
                        body.clone(),
                        p.clone(),
                        n.clone(),
                    );
                    n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    tokio::spawn(async move {
                        deliver(&client, &hook, &body, retries).await;
                        n.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                        p.notify_waiters();
                    });
                }
                n.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                p.notify_waiters();
            }
        });
        Webhooks {
            tx: Some(tx),
            pending,
            inflight,
        }
    }

    /// Queues a POST of `record` to every endpoint.
    pub fn send(&self, record: &DeploymentRecord) {
        let Some(tx) = &self.tx else { return };
        let body = serde_json::to_vec(record).unwrap_or_default();
        self.inflight
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if tx.try_send(Delivery { body }).is_err() {
            self.inflight
                .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            tracing::warn!(
                "webhook queue full: a status change of {} was not delivered",
                record.id
            );
        }
    }

    /// Waits up to `limit` for queued deliveries to finish (a worker shutting down).
    pub async fn flush(&self, limit: Duration) {
        let _ = tokio::time::timeout(limit, async {
            while self.inflight.load(std::sync::atomic::Ordering::SeqCst) > 0 {
                let notified = self.pending.notified();
                if self.inflight.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                    break;
                }
                let _ = tokio::time::timeout(Duration::from_millis(100), notified).await;
            }
        })
        .await;
    }
}

async fn deliver(client: &reqwest::Client, hook: &Webhook, body: &[u8], retries: u32) {
    let signature = sign(&hook.secret, body);
    let mut wait = Duration::from_millis(500);
    for attempt in 0..=retries {
        let sent = client
            .post(&hook.url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, &signature)
            .header("user-agent", "nativiweb-farm")
            .body(body.to_vec())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => return,
            Ok(r) => tracing::warn!(
                "webhook {}: HTTP {} (attempt {})",
                hook.url,
                r.status(),
                attempt + 1
            ),
            Err(e) => tracing::warn!("webhook {}: {e} (attempt {})", hook.url, attempt + 1),
        }
        if attempt < retries {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(60));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_tampering_fails() {
        let secret = SecretString::from("k3y".to_owned());
        let sig = sign(&secret, b"{\"a\":1}");
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert!(verify(&secret, b"{\"a\":1}", &sig));
        assert!(!verify(&secret, b"{\"a\":2}", &sig));
        assert!(!verify(
            &SecretString::from("other".to_owned()),
            b"{\"a\":1}",
            &sig
        ));
        assert!(!format!(
            "{:?}",
            Webhook {
                url: "u".into(),
                secret
            }
        )
        .contains("k3y"));
    }
}
