//! Detection speed and memory: a typical app, and generated pnpm monorepos of ~20 000 files
//! with node_modules folders.
//!
//! Targets (issue 3): under 200 µs for a typical app, under 5 ms for the monorepo, and memory
//! independent of node_modules size. The monorepo is generated three times with node_modules
//! of different sizes (the project files stay the same): detection time and peak memory must
//! not follow the node_modules size. Peak heap during one detection is measured with a counting
//! allocator and printed before the timings.
//!
//! `cargo bench --bench detect --no-default-features`

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use nativiweb::core::detect::{detect, ProjectKind};

/// Counts live heap bytes and their peak (a few relaxed atomics per allocation).
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded to the system allocator with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak heap bytes above the starting level while `f` runs.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

fn write(root: &Path, rel: &str, text: &str) -> usize {
    let p = root.join(rel);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(p, text).unwrap();
    1
}

/// A node_modules folder with `packages` packages of three files each.
fn node_modules(dir: &Path, packages: usize) -> usize {
    let mut n = 0;
    for i in 0..packages {
        let pkg = if i % 5 == 0 {
            format!("node_modules/@scope{}/pkg-{i}", i % 17)
        } else {
            format!("node_modules/pkg-{i}")
        };
        n += write(
            dir,
            &format!("{pkg}/package.json"),
            &format!("{{\"name\":\"pkg-{i}\",\"version\":\"1.0.{i}\",\"main\":\"index.js\"}}"),
        );
        n += write(dir, &format!("{pkg}/index.js"), "module.exports = 1;\n");
        n += write(dir, &format!("{pkg}/lib/util.js"), "exports.x = 1;\n");
    }
    n
}

fn typical_app(root: &Path) -> usize {
    let mut n = 0;
    let deps: Vec<String> = (0..25)
        .map(|i| format!("\"dep-{i}\": \"^{i}.0.0\""))
        .collect();
    let dev: Vec<String> = (0..15)
        .map(|i| format!("\"dev-{i}\": \"^{i}.2.0\""))
        .collect();
    n += write(
        root,
        "package.json",
        &format!(
            "{{\n  \"name\": \"@acme/hello\",\n  \"version\": \"1.4.2\",\n  \"private\": true,\n  \"type\": \"module\",\n  \"scripts\": {{ \"dev\": \"vite\", \"build\": \"tsc -b && vite build\", \"lint\": \"eslint .\", \"preview\": \"vite preview\" }},\n  \"dependencies\": {{ \"react\": \"^19.0.0\", \"react-dom\": \"^19.0.0\", {} }},\n  \"devDependencies\": {{ \"vite\": \"^7.0.0\", \"@vitejs/plugin-react\": \"^5.0.0\", \"typescript\": \"~5.8.0\", {} }}\n}}\n",
            deps.join(", "),
            dev.join(", ")
        ),
    );
    n += write(root, "vite.config.ts", "import { defineConfig } from 'vite'\nimport react from '@vitejs/plugin-react'\n\nexport default defineConfig({\n  plugins: [react()],\n  build: { outDir: 'dist', sourcemap: true },\n})\n");
    n += write(root, "index.html", "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"UTF-8\" />\n    <link rel=\"icon\" type=\"image/svg+xml\" href=\"/vite.svg\" />\n    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\" />\n    <link rel=\"manifest\" href=\"/manifest.webmanifest\" />\n    <title>Hello</title>\n  </head>\n  <body>\n    <div id=\"root\"></div>\n    <script type=\"module\" src=\"/src/main.tsx\"></script>\n  </body>\n</html>\n");
    n += write(root, "public/manifest.webmanifest", "{\"name\":\"Hello App\",\"short_name\":\"Hello\",\"start_url\":\"/\",\"display\":\"standalone\",\"theme_color\":\"#0d6efd\",\"background_color\":\"#ffffff\",\"icons\":[{\"src\":\"/icons/192.png\",\"sizes\":\"192x192\",\"type\":\"image/png\"},{\"src\":\"/icons/512.png\",\"sizes\":\"512x512\",\"type\":\"image/png\"}]}\n");
    n += write(root, "public/icons/192.png", "png");
    n += write(root, "public/icons/512.png", "png");
    n += write(root, "tsconfig.json", "{ \"files\": [] }\n");
    n += write(root, "README.md", "# hello\n");
    n += write(root, ".gitignore", "node_modules\ndist\n");
    n += write(
        root,
        "pnpm-lock.yaml",
        &"lockfileVersion: '9.0'\n".repeat(2000),
    );
    for i in 0..40 {
        n += write(
            root,
            &format!("src/components/C{i}.tsx"),
            "export const C = () => null;\n",
        );
    }
    n + node_modules(root, 1500)
}

/// A pnpm monorepo: 8 apps and 40 packages with sources, node_modules at the root and in
/// every member (`root_nm` and `member_nm` packages).
fn monorepo(root: &Path, root_nm: usize, member_nm: usize) -> usize {
    let mut n = 0;
    n += write(root, "package.json", "{\"name\":\"acme\",\"private\":true,\"devDependencies\":{\"turbo\":\"^2\",\"typescript\":\"^5\",\"vite\":\"^7\"}}\n");
    n += write(
        root,
        "pnpm-workspace.yaml",
        "packages:\n  - 'apps/*'\n  - 'packages/*'\n  - '!**/test/**'\n",
    );
    n += write(
        root,
        "pnpm-lock.yaml",
        &"lockfileVersion: '9.0'\n".repeat(5000),
    );
    n += write(root, "turbo.json", "{\"tasks\":{\"build\":{}}}\n");
    let apps = [
        ("web", "\"vite\":\"^7\"", "vite.config.ts"),
        ("site", "\"next\":\"15\"", "next.config.mjs"),
        ("docs", "\"astro\":\"5\"", "astro.config.mjs"),
        ("admin", "\"@angular/core\":\"19\"", "angular.json"),
        (
            "mobile",
            "\"@capacitor/core\":\"7\",\"vite\":\"7\"",
            "capacitor.config.json",
        ),
        ("shop", "\"nuxt\":\"3\"", "nuxt.config.ts"),
        ("blog", "\"gatsby\":\"5\"", "gatsby-config.js"),
        ("native", "\"expo\":\"53\"", "app.json"),
    ];
    for (name, deps, config) in apps {
        let dir = root.join("apps").join(name);
        n += write(&dir, "package.json", &format!("{{\"name\":\"@acme/{name}\",\"scripts\":{{\"build\":\"x\"}},\"dependencies\":{{{deps},\"@acme/ui\":\"workspace:*\"}}}}"));
        n += write(&dir, config, "{}\n");
        for i in 0..60 {
            n += write(&dir, &format!("src/pages/p{i}.tsx"), "export default 1;\n");
        }
        n += node_modules(&dir, member_nm);
    }
    for p in 0..40 {
        let dir = root.join("packages").join(format!("lib{p}"));
        n += write(&dir, "package.json", &format!("{{\"name\":\"@acme/lib{p}\",\"version\":\"0.0.{p}\",\"dependencies\":{{\"react\":\"catalog:\"}}}}"));
        n += write(&dir, "tsconfig.json", "{}\n");
        for i in 0..25 {
            n += write(&dir, &format!("src/m{i}.ts"), "export const x = 1;\n");
        }
        n += node_modules(&dir, member_nm);
    }
    n + node_modules(root, root_nm)
}

fn bench(c: &mut Criterion) {
    let app = tempfile::tempdir().unwrap();
    let app_files = typical_app(app.path());
    let small = tempfile::tempdir().unwrap();
    let small_files = monorepo(small.path(), 300, 20);
    let mono = tempfile::tempdir().unwrap();
    let mono_files = monorepo(mono.path(), 2400, 80);
    let big = tempfile::tempdir().unwrap();
    let big_files = monorepo(big.path(), 12000, 400);

    let (d, app_peak) = peak_during(|| detect(app.path()).unwrap());
    assert_eq!(
        (d.kind, d.framework.as_deref()),
        (ProjectKind::Web, Some("vite"))
    );
    eprintln!("typical app: {app_files} files, peak heap during detect {app_peak} bytes");
    for (label, dir, files) in [
        ("monorepo, small node_modules", &small, small_files),
        ("monorepo", &mono, mono_files),
        ("monorepo, 5x node_modules", &big, big_files),
    ] {
        let (d, peak) = peak_during(|| detect(dir.path()).unwrap());
        assert_eq!(d.kind, ProjectKind::Workspace);
        assert_eq!(d.workspace.as_ref().unwrap().members.len(), 48);
        eprintln!("{label}: {files} files, peak heap during detect {peak} bytes");
    }

    c.bench_function("detect typical app", |b| {
        b.iter(|| detect(app.path()).unwrap())
    });
    c.bench_function(&format!("detect monorepo ({mono_files} files)"), |b| {
        b.iter(|| detect(mono.path()).unwrap())
    });
    c.bench_function(
        &format!("detect monorepo, small node_modules ({small_files} files)"),
        |b| b.iter(|| detect(small.path()).unwrap()),
    );
    c.bench_function(
        &format!("detect monorepo, 5x node_modules ({big_files} files)"),
        |b| b.iter(|| detect(big.path()).unwrap()),
    );
    let member = mono.path().join("apps/web");
    c.bench_function("detect a monorepo member (climbs to the root)", |b| {
        b.iter(|| detect(&member).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
