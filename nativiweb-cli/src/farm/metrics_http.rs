//! `farm worker --metrics ADDR`: a minimal HTTP endpoint answering `GET /metrics` with the
//! farm's Prometheus metrics. A worker needs nothing more than this, so it does not need the
//! HTTP server the API is built on.

use nativiweb::farm::{metrics, Farm};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::output::CliError;

/// Serves `/metrics` on `addr` until the process ends.
pub async fn serve(farm: Farm, addr: &str) -> Result<(), CliError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| CliError::input(format!("--metrics {addr}: {e}")))?;
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let farm = farm.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]);
                let (status, body) = if head.starts_with("GET /metrics") {
                    match metrics::render(&farm).await {
                        Ok(text) => ("200 OK", text),
                        Err(e) => ("503 Service Unavailable", format!("{e}\n")),
                    }
                } else {
                    ("404 Not Found", "GET /metrics\n".to_owned())
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
            });
        }
    });
    Ok(())
}
