//! `nativiweb detect DIR [--json]`.

use std::path::PathBuf;

use clap::Args;

use crate::output::{print_json, CliError};
use crate::OutputArgs;

/// Arguments of `detect`.
#[derive(Debug, Args)]
pub struct DetectArgs {
    /// The project directory.
    pub dir: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `detect`.
pub async fn run(args: DetectArgs) -> Result<(), CliError> {
    let dir = args.dir.clone();
    let detection = tokio::task::spawn_blocking(move || nativiweb::core::detect::detect(&dir))
        .await
        .map_err(|e| CliError::failed(format!("detection crashed: {e}")))?
        .map_err(CliError::input)?;
    if detection.empty {
        let message = format!(
            "{} is empty: there is no project to detect; give the folder that holds your web app (its package.json or index.html)",
            args.dir.display()
        );
        let doc = serde_json::to_value(&detection)
            .map_err(|e| CliError::failed(format!("could not serialize the result: {e}")))?;
        return Err(CliError::input(message).with_json(doc));
    }
    if args.output.json {
        return print_json(&detection);
    }
    let or_none = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
    println!("root:            {}", detection.root.display());
    println!("kind:            {}", detection.kind);
    println!("framework:       {}", or_none(detection.framework.clone()));
    println!(
        "package manager: {}",
        or_none(detection.package_manager.clone())
    );
    println!(
        "build command:   {}",
        or_none(detection.build_command.clone())
    );
    println!(
        "output dir:      {}",
        or_none(
            detection
                .output_dir
                .as_ref()
                .map(|p| p.display().to_string())
        )
    );
    println!(
        "pwa manifest:    {}",
        or_none(
            detection
                .pwa_manifest
                .as_ref()
                .map(|p| p.display().to_string())
        )
    );
    if let Some(ws) = &detection.workspace {
        println!(
            "workspace:       {} ({} members)",
            ws.tool,
            ws.members.len()
        );
        for m in &ws.members {
            println!(
                "  - {} ({}{})",
                m.path.display(),
                m.kind,
                m.framework
                    .as_deref()
                    .map(|f| format!(", {f}"))
                    .unwrap_or_default()
            );
        }
    }
    println!(
        "app:             id={} name={} version={}",
        or_none(detection.app.id.clone()),
        or_none(detection.app.name.clone()),
        or_none(detection.app.version.clone())
    );
    for w in &detection.warnings {
        println!("warning: {w}");
    }
    Ok(())
}
