//! Prometheus metrics of the whole farm, kept in Redis so that the server and every worker
//! export the same numbers: queue depths (from the consumer groups), builds by platform and
//! status, build and step duration histograms (cumulative buckets in the stats hash), busy and
//! idle workers (their heartbeats), jobs reclaimed from dead workers, jobs dead-lettered, and
//! the days until each worker's signing certificates and profiles expire.
//!
//! The text format is written here rather than with a metrics crate: the numbers live in
//! Redis, not in this process's registry, and the format is a few lines.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use nativiweb_core::model::Platform;
use redis::Value;
use time::OffsetDateTime;

use crate::error::{FarmError, Result};
use crate::farm::{value_map, Farm};
use crate::record::DeploymentRecord;

/// Histogram bucket bounds, seconds.
pub const BUCKETS: [f64; 15] = [
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 2700.0,
];

/// A worker heartbeat older than this is a worker gone.
const WORKER_STALE_SECS: i64 = 30;

/// Adds a finished build's duration and step durations to the histograms.
pub async fn observe_build(farm: &Farm, record: &DeploymentRecord) {
    let Some(ms) = record.duration_ms else { return };
    let mut pipe = redis::pipe();
    let stats = farm.keys.stats();
    let platform = record.platform.as_str();
    observe(&mut pipe, &stats, &format!("build:{platform}"), ms);
    for step in &record.steps {
        observe(
            &mut pipe,
            &stats,
            &format!("step:{}", step.step.as_str()),
            step.duration_ms,
        );
    }
    let mut con = farm.con.clone();
    let _: redis::RedisResult<()> = pipe.query_async(&mut con).await;
}

fn observe(pipe: &mut redis::Pipeline, stats: &str, name: &str, ms: u64) {
    let secs = ms as f64 / 1000.0;
    for b in BUCKETS {
        if secs <= b {
            pipe.cmd("HINCRBY")
                .arg(stats)
                .arg(format!("h:{name}:le:{b}"))
                .arg(1)
                .ignore();
        }
    }
    pipe.cmd("HINCRBY")
        .arg(stats)
        .arg(format!("h:{name}:count"))
        .arg(1)
        .ignore();
    pipe.cmd("HINCRBY")
        .arg(stats)
        .arg(format!("h:{name}:sum_ms"))
        .arg(ms)
        .ignore();
}

/// The metrics in Prometheus' text format.
///
/// # Errors
/// Redis errors.
pub async fn render(farm: &Farm) -> Result<String> {
    let mut out = String::new();
    let depths = farm.queue_depths().await?;
    let mut con = farm.con.clone();
    let stats: Value = redis::cmd("HGETALL")
        .arg(farm.keys.stats())
        .query_async(&mut con)
        .await
        .map_err(|e| FarmError::redis("reading the farm's counters", e))?;
    let stats = value_map(&stats);
    let workers: Value = redis::cmd("HGETALL")
        .arg(farm.keys.workers())
        .query_async(&mut con)
        .await
        .map_err(|e| FarmError::redis("reading the workers", e))?;
    let workers = value_map(&workers);
    let num = |k: &str| {
        stats
            .get(k)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };

    out.push_str("# HELP nativiweb_queue_waiting Jobs waiting for a worker.\n# TYPE nativiweb_queue_waiting gauge\n");
    for d in &depths {
        let _ = writeln!(
            out,
            "nativiweb_queue_waiting{{queue=\"{}\",priority=\"{}\"}} {}",
            d.platform.as_str(),
            d.priority.as_str(),
            d.waiting
        );
    }
    out.push_str("# HELP nativiweb_queue_running Jobs held by workers.\n# TYPE nativiweb_queue_running gauge\n");
    for d in &depths {
        let _ = writeln!(
            out,
            "nativiweb_queue_running{{queue=\"{}\",priority=\"{}\"}} {}",
            d.platform.as_str(),
            d.priority.as_str(),
            d.running
        );
    }
    out.push_str("# HELP nativiweb_builds_submitted_total Builds submitted.\n# TYPE nativiweb_builds_submitted_total counter\n");
    for p in [Platform::Android, Platform::Ios] {
        let _ = writeln!(
            out,
            "nativiweb_builds_submitted_total{{platform=\"{}\"}} {}",
            p.as_str(),
            num(&format!("submitted:{}", p.as_str()))
        );
    }
    out.push_str("# HELP nativiweb_builds_total Builds that ended, by status.\n# TYPE nativiweb_builds_total counter\n");
    for p in [Platform::Android, Platform::Ios] {
        for s in ["success", "failed", "cancelled"] {
            let _ = writeln!(
                out,
                "nativiweb_builds_total{{platform=\"{}\",status=\"{s}\"}} {}",
                p.as_str(),
                num(&format!("builds:{}:{s}", p.as_str()))
            );
        }
    }
    out.push_str("# HELP nativiweb_jobs_reclaimed_total Jobs taken over from workers that stopped answering.\n# TYPE nativiweb_jobs_reclaimed_total counter\n");
    let _ = writeln!(out, "nativiweb_jobs_reclaimed_total {}", num("reclaimed"));
    out.push_str("# HELP nativiweb_jobs_dead_lettered_total Jobs that exhausted their retries.\n# TYPE nativiweb_jobs_dead_lettered_total counter\n");
    let _ = writeln!(
        out,
        "nativiweb_jobs_dead_lettered_total {}",
        num("dead_lettered")
    );

    // Histograms: h:{name}:le:{b}, h:{name}:count, h:{name}:sum_ms.
    let mut names: BTreeMap<String, ()> = BTreeMap::new();
    for k in stats.keys() {
        if let Some(rest) = k.strip_prefix("h:") {
            if let Some(name) = rest.strip_suffix(":count") {
                names.insert(name.to_owned(), ());
            }
        }
    }
    out.push_str("# HELP nativiweb_build_duration_seconds Build durations, submit to end of the last run.\n# TYPE nativiweb_build_duration_seconds histogram\n");
    for name in names.keys().filter(|n| n.starts_with("build:")) {
        write_histogram(
            &mut out,
            "nativiweb_build_duration_seconds",
            "platform",
            &name["build:".len()..],
            name,
            &num,
        );
    }
    out.push_str("# HELP nativiweb_step_duration_seconds Pipeline step durations.\n# TYPE nativiweb_step_duration_seconds histogram\n");
    for name in names.keys().filter(|n| n.starts_with("step:")) {
        write_histogram(
            &mut out,
            "nativiweb_step_duration_seconds",
            "step",
            &name["step:".len()..],
            name,
            &num,
        );
    }

    let now = OffsetDateTime::now_utc().unix_timestamp();
    let (mut busy, mut idle) = (0u64, 0u64);
    let mut expiries = Vec::new();
    for line in workers.values() {
        let Ok(w) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if now - w["seen"].as_i64().unwrap_or(0) > WORKER_STALE_SECS {
            continue;
        }
        if w["busy"].as_u64().unwrap_or(0) > 0 {
            busy += 1;
        } else {
            idle += 1;
        }
        if let Some(list) = w["expiries"].as_array() {
            for e in list {
                expiries.push((w["id"].as_str().unwrap_or("").to_owned(), e.clone()));
            }
        }
    }
    out.push_str("# HELP nativiweb_workers Workers seen in the last 30 s, busy or idle.\n# TYPE nativiweb_workers gauge\n");
    let _ = writeln!(out, "nativiweb_workers{{state=\"busy\"}} {busy}");
    let _ = writeln!(out, "nativiweb_workers{{state=\"idle\"}} {idle}");
    out.push_str("# HELP nativiweb_signing_credential_expiry_days Days until a worker's signing certificate or profile expires.\n# TYPE nativiweb_signing_credential_expiry_days gauge\n");
    for (worker, e) in expiries {
        let Some(at) = e["expires_at"].as_str().and_then(|s| {
            OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        }) else {
            continue;
        };
        let days = (at - OffsetDateTime::now_utc()).as_seconds_f64() / 86_400.0;
        let _ = writeln!(
            out,
            "nativiweb_signing_credential_expiry_days{{worker=\"{}\",profile=\"{}\",credential=\"{}\"}} {days:.2}",
            escape(&worker),
            escape(e["profile"].as_str().unwrap_or("")),
            escape(e["what"].as_str().unwrap_or(""))
        );
    }
    Ok(out)
}

fn write_histogram(
    out: &mut String,
    metric: &str,
    label: &str,
    value: &str,
    name: &str,
    num: &dyn Fn(&str) -> u64,
) {
    for b in BUCKETS {
        let _ = writeln!(
            out,
            "{metric}_bucket{{{label}=\"{}\",le=\"{b}\"}} {}",
            escape(value),
            num(&format!("h:{name}:le:{b}"))
        );
    }
    let count = num(&format!("h:{name}:count"));
    let _ = writeln!(
        out,
        "{metric}_bucket{{{label}=\"{}\",le=\"+Inf\"}} {count}",
        escape(value)
    );
    let _ = writeln!(
        out,
        "{metric}_sum{{{label}=\"{}\"}} {}",
        escape(value),
        num(&format!("h:{name}:sum_ms")) as f64 / 1000.0
    );
    let _ = writeln!(
        out,
        "{metric}_count{{{label}=\"{}\"}} {count}",
        escape(value)
    );
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
