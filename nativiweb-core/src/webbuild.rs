//! The web build step: install dependencies with the detected package manager, run the build,
//! check the output. (Contract; the full step is being written for issue 3.)

use std::path::PathBuf;

use crate::config::AppConfig;
use crate::context::BuildContext;
use crate::detect::Detection;
use crate::error::{Error, Result};

/// Produces the web bundle and returns its absolute directory, or `None` when the app has no
/// bundle to package (a remote `start_url`). With `skip`, uses the output as it is.
pub async fn build_web(
    ctx: &BuildContext,
    detection: &Detection,
    app: &AppConfig,
    skip: bool,
) -> Result<Option<PathBuf>> {
    let _ = skip;
    let rel = app
        .web_dir
        .clone()
        .or_else(|| detection.output_dir.clone())
        .ok_or_else(|| Error::InvalidInput("no web bundle directory: set `web_dir` in nativiweb.toml".into()))?;
    let dir = detection.root.join(rel);
    if dir.join("index.html").is_file() {
        ctx.info(format!("using the web bundle in {}", dir.display()));
        Ok(Some(dir))
    } else {
        Err(Error::InvalidInput(format!("{} has no index.html", dir.display())))
    }
}
