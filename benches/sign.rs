//! Signing benchmarks: the v2/v3 chunked content digest, signing an aligned APK to another
//! file (`apk_v2_v3_*`, what `sign --out` does: copy + parallel hash + signing block) and in
//! place (`apk_in_place_v2_v3_*`: one hashing pass, then only the end of the file rewritten
//! and synced), signing with v1 (every entry hashed), AAB JAR signing, and verification.
//! Inputs are a 64 MiB APK-shaped zip (mostly stored, as native libraries and media are)
//! written once per run to a temp dir. In-place signing gets a fresh unsigned copy before each
//! iteration, outside the measured time, synced to disk as an APK at rest would be (else the
//! signer's fsync would be measuring the disk writing the copy).
//!
//! Whole-process figures against apksigner and openssl are in the signing notes; run with
//! `cargo bench --bench sign`.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use nativiweb::android::keystore::keys::{KeyKind, PrivateKey, SigningIdentity};
use nativiweb::android::keystore::self_signed_certificate;
use nativiweb::android::sign::apksign::{sign_apk, sign_jar, SignOptions};
use nativiweb::android::sign::digest::{content_digests, ContentDigest, Section};
use nativiweb::android::sign::verify::verify;
use nativiweb::android::zip::ZipWriter;

const SIZE: usize = 64 << 20;

fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn make_apk(dir: &Path) -> PathBuf {
    let path = dir.join("bench.apk");
    let mut w = ZipWriter::new(std::io::BufWriter::new(
        std::fs::File::create(&path).unwrap(),
    ));
    w.add_deflated("AndroidManifest.xml", b"not parsed: min_sdk is given")
        .unwrap();
    w.add_deflated("classes.dex", &b"dex\n035\0 some code ".repeat(100_000))
        .unwrap();
    w.add_stored("resources.arsc", &noise(1 << 20, 1)).unwrap();
    let per = 4 << 20;
    for i in 0..(SIZE / per) {
        w.add_stored(
            &format!("lib/arm64-v8a/lib{i}.so"),
            &noise(per, i as u32 + 2),
        )
        .unwrap();
    }
    w.finish().unwrap();
    path
}

fn identity(kind: KeyKind) -> SigningIdentity {
    let key = PrivateKey::generate(kind).unwrap();
    let cert = self_signed_certificate(&key, "CN=Bench", 10_000).unwrap();
    SigningIdentity::new("bench", key, vec![cert]).unwrap()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let apk = make_apk(dir.path());
    let len = std::fs::metadata(&apk).unwrap().len();
    let rsa = identity(KeyKind::Rsa(2048));
    let ec = identity(KeyKind::EcP256);

    let mut g = c.benchmark_group("sign");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(len));

    let file = std::fs::File::open(&apk).unwrap();
    for threads in [1usize, 0] {
        g.bench_with_input(
            BenchmarkId::new("content_digest_threads", threads),
            &threads,
            |b, &t| {
                b.iter(|| {
                    let s = [Section {
                        src: &file,
                        start: 0,
                        len,
                        zero_padding: 0,
                    }];
                    content_digests(&s, &[ContentDigest::Sha256], t).unwrap()
                })
            },
        );
    }
    let out = dir.path().join("out.apk");
    let v2v3 = SignOptions {
        min_sdk: Some(24),
        ..SignOptions::default()
    };
    g.bench_function("apk_v2_v3_rsa2048", |b| {
        b.iter(|| sign_apk(&apk, &out, &rsa, &v2v3).unwrap())
    });
    g.bench_function("apk_v2_v3_p256", |b| {
        b.iter(|| sign_apk(&apk, &out, &ec, &v2v3).unwrap())
    });
    let work = dir.path().join("work.apk");
    let fresh_copy = || {
        std::fs::copy(&apk, &work).unwrap();
        std::fs::File::open(&work).unwrap().sync_all().unwrap();
    };
    g.bench_function("apk_in_place_v2_v3_rsa2048", |b| {
        b.iter_batched(
            fresh_copy,
            |()| {
                let r = sign_apk(&work, &work, &rsa, &v2v3).unwrap();
                assert!(r.in_place);
            },
            BatchSize::PerIteration,
        )
    });
    let v1 = SignOptions {
        min_sdk: Some(21),
        ..SignOptions::default()
    };
    g.bench_function("apk_v1_v2_v3_rsa2048", |b| {
        b.iter(|| sign_apk(&apk, &out, &rsa, &v1).unwrap())
    });
    let aab = dir.path().join("out.aab");
    g.bench_function("aab_v1_rsa2048", |b| {
        b.iter(|| sign_jar(&apk, &aab, &rsa).unwrap())
    });
    sign_apk(&apk, &out, &rsa, &v2v3).unwrap();
    g.bench_function("verify_v2_v3", |b| b.iter(|| verify(&out).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
