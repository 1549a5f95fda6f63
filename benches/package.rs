//! The SDK-free packager's speed targets: `examples/hello-pwa` and a 10 MB web bundle to an
//! APK on disk, unsigned and then signed (v2 + v3 with the debug key), and to an App Bundle
//! (signed with JAR signing), each well under a second — Gradle's `bundleRelease` takes tens
//! of seconds (criterion: `cargo bench --bench package`).
//!
//! The 10 MB bundle is generated deterministically: ~7 MB of JavaScript-like text in 120
//! files (deflated in parallel) and ~3 MB of incompressible binary in 30 `.webp` files (stored),
//! with a Next.js-style `_next/` layout.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nativiweb::android::keystore::debug_identity_at;
use nativiweb::android::package::{
    package_apk, package_apk_with, package_with, Format, PackageOptions,
};
use nativiweb::android::sign::signer::{ApkSigner, JarSigner};
use nativiweb::core::config::{AppConfig, PartialAppConfig};

fn hello_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hello-pwa")
}

/// A deterministic pseudo-random generator (xorshift), so the bundle is the same every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Writes a ~10 MB bundle under `root` and returns its total size.
pub fn ten_mb_bundle(root: &Path) -> u64 {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut total = 0u64;
    let mut put = |rel: String, data: Vec<u8>| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        total += data.len() as u64;
        std::fs::write(p, data).unwrap();
    };
    put("index.html".into(), b"<!doctype html><div id=root></div><script type=module src=/_next/static/chunks/main-0.js></script>".to_vec());
    let words = [
        "const",
        "function",
        "return",
        "export",
        "import",
        "useState",
        "props",
        "children",
        "className",
        "await",
        "async",
        "=>",
        "{",
        "}",
        "(",
        ")",
        ";",
        "null",
        "undefined",
        "document",
        "window",
        "fetch",
        "JSON",
        "map",
        "filter",
        "reduce",
        "value",
        "key",
    ];
    for i in 0..120 {
        let mut text = String::with_capacity(60_000);
        while text.len() < 58_000 {
            let w = words[(rng.next() % words.len() as u64) as usize];
            text.push_str(w);
            text.push(if rng.next().is_multiple_of(9) {
                '\n'
            } else {
                ' '
            });
            if rng.next().is_multiple_of(5) {
                text.push_str(&format!("v{} ", rng.next() % 10_000));
            }
        }
        put(
            format!("_next/static/chunks/main-{i}.js"),
            text.into_bytes(),
        );
    }
    for i in 0..30 {
        let data: Vec<u8> = (0..100_000 / 8)
            .flat_map(|_| rng.next().to_le_bytes())
            .collect();
        put(format!("images/photo-{i}.webp"), data);
    }
    total
}

fn app(toml: &str, root: &Path) -> AppConfig {
    let p = PartialAppConfig::from_toml(toml, Path::new("nativiweb.toml")).unwrap();
    AppConfig::load(root, p).unwrap()
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("package");
    group.sample_size(20);

    // The key is made once, outside the timings (like the per-user debug keystore).
    let (identity, _) = debug_identity_at(&tmp.path().join("debug.p12")).unwrap();
    let signer = ApkSigner::new(identity.clone());
    let jar_signer = JarSigner::new(identity);

    let hello = hello_dir();
    let hello_app = app("", &hello);
    let out = tmp.path().join("hello-unsigned.apk");
    let signed = tmp.path().join("hello.apk");
    group.bench_function("hello-pwa", |b| {
        b.iter(|| package_apk(&hello_app, Some(&hello), &hello, &out).unwrap())
    });
    group.bench_function("hello-pwa+sign", |b| {
        b.iter(|| {
            package_apk(&hello_app, Some(&hello), &hello, &out).unwrap();
            signer.sign_file(&out, &signed).unwrap()
        })
    });

    let aab = tmp.path().join("hello-unsigned.aab");
    let signed_aab = tmp.path().join("hello.aab");
    let package_aab = |web: &Path, app: &AppConfig, project: &Path, out: &Path| {
        package_with(
            Format::Aab,
            app,
            Some(web),
            project,
            out,
            &PackageOptions::default(),
            &|| false,
        )
        .unwrap()
    };
    group.bench_function("hello-pwa-aab", |b| {
        b.iter(|| package_aab(&hello, &hello_app, &hello, &aab))
    });
    group.bench_function("hello-pwa-aab+sign", |b| {
        b.iter(|| {
            package_aab(&hello, &hello_app, &hello, &aab);
            jar_signer.sign_file(&aab, &signed_aab).unwrap()
        })
    });

    let web = tmp.path().join("web");
    let size = ten_mb_bundle(&web);
    let big_app = app("id = \"com.example.big\"\nname = \"Big\"\n", tmp.path());
    let out = tmp.path().join("big-unsigned.apk");
    let signed = tmp.path().join("big.apk");
    let package = || {
        package_apk_with(
            &big_app,
            Some(&web),
            tmp.path(),
            &out,
            &PackageOptions::default(),
            &|| false,
        )
        .unwrap()
    };
    group.throughput(Throughput::Bytes(size));
    group.bench_function("10mb-bundle", |b| b.iter(package));
    group.bench_function("10mb-bundle+sign", |b| {
        b.iter(|| {
            package();
            signer.sign_file(&out, &signed).unwrap()
        })
    });
    let big_aab = tmp.path().join("big-unsigned.aab");
    group.bench_function("10mb-bundle-aab", |b| {
        b.iter(|| package_aab(&web, &big_app, tmp.path(), &big_aab))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
