//! Hashing throughput: one 64 MiB file (reads overlapped with hashing), the same bytes from
//! memory (the SHA-256 speed alone), and eight 16 MiB files hashed in parallel against one by
//! one.
//!
//! `cargo bench --bench hash`. Files live in a temp dir and are read once before measuring, so
//! the figures are for a warm page cache (what a build sees right after writing an artifact).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nativiweb::core::hash;

const BIG: usize = 64 << 20;
const SMALL: usize = 16 << 20;
const FILES: usize = 8;

/// Incompressible, deterministic bytes.
fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn bench_hash(c: &mut Criterion) {
    eprintln!(
        "sha2 uses the CPU's SHA extensions: {}",
        hash::hardware_accelerated()
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let big_bytes = data(BIG, 1);
    let big = tmp.path().join("big.bin");
    std::fs::write(&big, &big_bytes).expect("write big file");
    let small: Vec<PathBuf> = (0..FILES)
        .map(|i| {
            let p = tmp.path().join(format!("part-{i}.bin"));
            std::fs::write(&p, data(SMALL, i as u64 + 2)).expect("write file");
            p
        })
        .collect();
    // Warm the page cache.
    hash::sha256_file(&big).expect("hash");
    for r in hash::sha256_files(&small) {
        r.expect("hash");
    }

    let mut g = c.benchmark_group("sha256");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));

    g.throughput(Throughput::Bytes(BIG as u64));
    g.bench_function("file_64MiB", |b| {
        b.iter(|| hash::sha256_file(black_box(&big)).expect("hash"))
    });
    g.bench_function("memory_64MiB", |b| {
        b.iter(|| hash::sha256_reader(black_box(&big_bytes[..])).expect("hash"))
    });

    g.throughput(Throughput::Bytes((SMALL * FILES) as u64));
    g.bench_function("8_files_16MiB_parallel", |b| {
        b.iter(|| {
            for r in hash::sha256_files(black_box(&small)) {
                r.expect("hash");
            }
        })
    });
    g.bench_function("8_files_16MiB_one_by_one", |b| {
        b.iter(|| {
            for p in black_box(&small) {
                hash::sha256_file(p).expect("hash");
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench_hash);
criterion_main!(benches);
