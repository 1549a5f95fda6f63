//! Web frameworks: which one a project uses, how it builds, where its bundle lands by default.

use serde::{Deserialize, Serialize};

use super::fsutil::Listing;
use super::package_json::PackageJson;

/// The web framework (or tool) that builds a project's web bundle. Serializes to the names
/// `detect --json` prints (`nextjs`, `create-react-app`, `ionic-angular`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Framework {
    /// Next.js (`next`); must use `output: 'export'` to be packaged.
    Nextjs,
    /// Nuxt (`nuxt`), built with `nuxt generate`.
    Nuxt,
    /// SvelteKit (`@sveltejs/kit`), packaged with adapter-static.
    Sveltekit,
    /// Remix (`@remix-run/dev`).
    Remix,
    /// React Router v7 framework mode (`@react-router/dev`).
    ReactRouter,
    /// Astro (`astro`).
    Astro,
    /// Gatsby (`gatsby`).
    Gatsby,
    /// Angular CLI (`@angular/core`).
    Angular,
    /// Create React App (`react-scripts`).
    CreateReactApp,
    /// Vue CLI (`@vue/cli-service`).
    VueCli,
    /// Preact CLI (`preact-cli`).
    PreactCli,
    /// Vite (`vite`) on its own.
    Vite,
    /// Parcel (`parcel`).
    Parcel,
    /// Stencil (`@stencil/core`).
    Stencil,
    /// Ember (`ember-cli`).
    Ember,
    /// Eleventy (`@11ty/eleventy`).
    Eleventy,
    /// Docusaurus (`@docusaurus/core`).
    Docusaurus,
    /// VitePress (`vitepress`).
    Vitepress,
    /// SolidStart (`@solidjs/start`).
    SolidStart,
    /// Qwik (`@builder.io/qwik-city`).
    Qwik,
    /// Quasar CLI (`@quasar/app-vite`, `@quasar/app-webpack`).
    Quasar,
    /// Ionic on Angular (`@ionic/angular`).
    IonicAngular,
    /// Ionic on React (`@ionic/react`).
    IonicReact,
    /// Ionic on Vue (`@ionic/vue`).
    IonicVue,
    /// Expo's web export (`expo export -p web`).
    Expo,
    /// Flutter web (`flutter build web`).
    Flutter,
    /// A plain static site: an index.html and no build.
    Static,
}

/// Dependency names that identify each framework, in priority order: Ionic (which wraps a
/// framework) first, then meta-frameworks before the bundlers they run on (they all depend on
/// vite or webpack), bundlers last. Names are matched exactly, so `preact` is not `react` and
/// `nextra` is not `next`.
const BY_DEPENDENCY: &[(Framework, &[&str])] = &[
    (Framework::Nextjs, &["next"]),
    (Framework::Nuxt, &["nuxt", "nuxt3", "nuxt-edge"]),
    (Framework::Remix, &["@remix-run/dev"]),
    (Framework::ReactRouter, &["@react-router/dev"]),
    (Framework::Sveltekit, &["@sveltejs/kit"]),
    (Framework::SolidStart, &["@solidjs/start", "solid-start"]),
    (
        Framework::Qwik,
        &[
            "@builder.io/qwik-city",
            "@builder.io/qwik",
            "@qwik.dev/router",
            "@qwik.dev/core",
        ],
    ),
    (
        Framework::Quasar,
        &["@quasar/app-vite", "@quasar/app-webpack", "@quasar/app"],
    ),
    (Framework::Astro, &["astro"]),
    (Framework::Gatsby, &["gatsby"]),
    (Framework::Docusaurus, &["@docusaurus/core"]),
    (Framework::Vitepress, &["vitepress"]),
    (Framework::Angular, &["@angular/core", "@angular/cli"]),
    (Framework::Stencil, &["@stencil/core"]),
    (Framework::Ember, &["ember-cli", "ember-source"]),
    (Framework::Eleventy, &["@11ty/eleventy"]),
    (Framework::PreactCli, &["preact-cli"]),
    (Framework::CreateReactApp, &["react-scripts"]),
    (Framework::VueCli, &["@vue/cli-service"]),
    (Framework::Parcel, &["parcel", "parcel-bundler"]),
    (Framework::Vite, &["vite"]),
];

/// Config files that identify a framework when package.json says nothing (a project whose
/// dependencies live in a workspace root, say). Checked in the same priority order.
const BY_CONFIG_FILE: &[(Framework, &[&str])] = &[
    (
        Framework::Nextjs,
        &[
            "next.config.js",
            "next.config.mjs",
            "next.config.ts",
            "next.config.cjs",
        ],
    ),
    (
        Framework::Nuxt,
        &["nuxt.config.ts", "nuxt.config.js", "nuxt.config.mjs"],
    ),
    (Framework::Remix, &["remix.config.js", "remix.config.mjs"]),
    (
        Framework::ReactRouter,
        &["react-router.config.ts", "react-router.config.js"],
    ),
    (
        Framework::Sveltekit,
        &["svelte.config.js", "svelte.config.ts"],
    ),
    (
        Framework::Quasar,
        &["quasar.config.js", "quasar.config.ts", "quasar.conf.js"],
    ),
    (
        Framework::Astro,
        &[
            "astro.config.mjs",
            "astro.config.ts",
            "astro.config.js",
            "astro.config.mts",
        ],
    ),
    (
        Framework::Gatsby,
        &["gatsby-config.js", "gatsby-config.ts", "gatsby-config.mjs"],
    ),
    (
        Framework::Docusaurus,
        &["docusaurus.config.js", "docusaurus.config.ts"],
    ),
    (Framework::Angular, &["angular.json"]),
    (
        Framework::Stencil,
        &["stencil.config.ts", "stencil.config.js"],
    ),
    (Framework::Ember, &["ember-cli-build.js"]),
    (
        Framework::Eleventy,
        &[
            ".eleventy.js",
            "eleventy.config.js",
            "eleventy.config.mjs",
            "eleventy.config.cjs",
        ],
    ),
    (Framework::VueCli, &["vue.config.js"]),
    (
        Framework::Vite,
        &[
            "vite.config.ts",
            "vite.config.js",
            "vite.config.mjs",
            "vite.config.mts",
            "vite.config.cjs",
            "vite.config.cts",
        ],
    ),
];

/// Vite config file names, in the order Vite itself looks for them.
pub(crate) const VITE_CONFIGS: &[&str] = &[
    "vite.config.js",
    "vite.config.mjs",
    "vite.config.ts",
    "vite.config.cjs",
    "vite.config.mts",
    "vite.config.cts",
];

impl Framework {
    /// The name `detect --json` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::Nextjs => "nextjs",
            Framework::Nuxt => "nuxt",
            Framework::Sveltekit => "sveltekit",
            Framework::Remix => "remix",
            Framework::ReactRouter => "react-router",
            Framework::Astro => "astro",
            Framework::Gatsby => "gatsby",
            Framework::Angular => "angular",
            Framework::CreateReactApp => "create-react-app",
            Framework::VueCli => "vue-cli",
            Framework::PreactCli => "preact-cli",
            Framework::Vite => "vite",
            Framework::Parcel => "parcel",
            Framework::Stencil => "stencil",
            Framework::Ember => "ember",
            Framework::Eleventy => "eleventy",
            Framework::Docusaurus => "docusaurus",
            Framework::Vitepress => "vitepress",
            Framework::SolidStart => "solid-start",
            Framework::Qwik => "qwik",
            Framework::Quasar => "quasar",
            Framework::IonicAngular => "ionic-angular",
            Framework::IonicReact => "ionic-react",
            Framework::IonicVue => "ionic-vue",
            Framework::Expo => "expo",
            Framework::Flutter => "flutter",
            Framework::Static => "static",
        }
    }

    /// Every framework, in the order above.
    pub const ALL: &'static [Framework] = &[
        Framework::Nextjs,
        Framework::Nuxt,
        Framework::Sveltekit,
        Framework::Remix,
        Framework::ReactRouter,
        Framework::Astro,
        Framework::Gatsby,
        Framework::Angular,
        Framework::CreateReactApp,
        Framework::VueCli,
        Framework::PreactCli,
        Framework::Vite,
        Framework::Parcel,
        Framework::Stencil,
        Framework::Ember,
        Framework::Eleventy,
        Framework::Docusaurus,
        Framework::Vitepress,
        Framework::SolidStart,
        Framework::Qwik,
        Framework::Quasar,
        Framework::IonicAngular,
        Framework::IonicReact,
        Framework::IonicVue,
        Framework::Expo,
        Framework::Flutter,
        Framework::Static,
    ];

    /// The program and arguments that build the bundle when package.json has no `build`
    /// script (run through the package manager's exec). `None` for a static site.
    pub fn default_build(self) -> Option<&'static [&'static str]> {
        Some(match self {
            Framework::Nextjs => &["next", "build"],
            Framework::Nuxt => &["nuxt", "generate"],
            Framework::Sveltekit | Framework::Vite => &["vite", "build"],
            Framework::Remix => &["remix", "vite:build"],
            Framework::ReactRouter => &["react-router", "build"],
            Framework::Astro => &["astro", "build"],
            Framework::Gatsby => &["gatsby", "build"],
            Framework::Angular | Framework::IonicAngular => &["ng", "build"],
            Framework::CreateReactApp => &["react-scripts", "build"],
            Framework::VueCli => &["vue-cli-service", "build"],
            Framework::PreactCli => &["preact", "build"],
            Framework::Parcel => &["parcel", "build"],
            Framework::Stencil => &["stencil", "build"],
            Framework::Ember => &["ember", "build", "--environment=production"],
            Framework::Eleventy => &["eleventy"],
            Framework::Docusaurus => &["docusaurus", "build"],
            Framework::Vitepress => &["vitepress", "build"],
            Framework::SolidStart => &["vinxi", "build"],
            Framework::Qwik => &["qwik", "build"],
            Framework::Quasar => &["quasar", "build"],
            Framework::Expo => &["expo", "export", "-p", "web"],
            Framework::Flutter => &["flutter", "build", "web"],
            Framework::IonicReact | Framework::IonicVue => &["vite", "build"],
            Framework::Static => return None,
        })
    }

    /// Where the bundle lands when the project's config does not say.
    pub fn default_output(self) -> &'static str {
        match self {
            Framework::Nextjs => "out",
            Framework::Nuxt | Framework::SolidStart => ".output/public",
            Framework::Sveltekit | Framework::CreateReactApp | Framework::PreactCli => "build",
            Framework::Docusaurus => "build",
            Framework::Remix | Framework::ReactRouter => "build/client",
            Framework::Gatsby => "public",
            Framework::Angular => "dist",
            Framework::IonicAngular | Framework::Stencil => "www",
            Framework::Eleventy => "_site",
            Framework::Vitepress => ".vitepress/dist",
            Framework::Quasar => "dist/spa",
            Framework::Flutter => "build/web",
            Framework::Static => ".",
            Framework::Astro
            | Framework::VueCli
            | Framework::Vite
            | Framework::Parcel
            | Framework::Ember
            | Framework::Qwik
            | Framework::IonicReact
            | Framework::IonicVue
            | Framework::Expo => "dist",
        }
    }
}

impl std::fmt::Display for Framework {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Framework {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Framework::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| format!("unknown framework `{s}`"))
    }
}

/// The framework package.json's dependencies name, ignoring Ionic.
fn base_from_deps(pkg: &PackageJson) -> Option<Framework> {
    BY_DEPENDENCY
        .iter()
        .find(|(_, names)| names.iter().any(|n| pkg.has_dep(n)))
        .map(|(f, _)| *f)
}

/// The framework a config file in the listing names.
pub(crate) fn from_config_files(listing: &Listing) -> Option<Framework> {
    BY_CONFIG_FILE
        .iter()
        .find(|(_, names)| listing.first_file(names).is_some())
        .map(|(f, _)| *f)
}

/// The framework of a project, and (for Ionic) the framework it runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameworkMatch {
    /// What `detect` reports.
    pub framework: Framework,
    /// What actually builds: the same, or for Ionic the framework underneath (`None` when
    /// Ionic runs on something we do not know).
    pub builder: Option<Framework>,
}

/// Detects the framework from package.json (exact dependency names), then from config file
/// names.
pub(crate) fn detect(pkg: Option<&PackageJson>, listing: &Listing) -> Option<FrameworkMatch> {
    let base = pkg
        .and_then(base_from_deps)
        .or_else(|| from_config_files(listing));
    if let Some(pkg) = pkg {
        let ionic = [
            ("@ionic/angular", "@angular/core", Framework::IonicAngular),
            ("@ionic/react", "react", Framework::IonicReact),
            ("@ionic/vue", "vue", Framework::IonicVue),
        ];
        for (ionic_dep, base_dep, framework) in ionic {
            if pkg.has_dep(ionic_dep) && pkg.has_dep(base_dep) {
                return Some(FrameworkMatch {
                    framework,
                    builder: base,
                });
            }
        }
    }
    base.map(|framework| FrameworkMatch {
        framework,
        builder: Some(framework),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn names_round_trip_and_match_serde() {
        for f in Framework::ALL {
            assert_eq!(Framework::from_str(f.as_str()), Ok(*f));
            assert_eq!(
                serde_json::to_value(f).unwrap(),
                serde_json::Value::String(f.as_str().into())
            );
        }
    }
}
