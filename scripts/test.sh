#!/usr/bin/env bash
# Runs every check CI runs: installs the external tools the tests use as oracles when they are
# missing, then rustfmt, clippy (-D warnings), rustdoc (-D warnings) and the whole test suite.
#
# Tests that need a missing tool skip with a message; with NATIVIWEB_REQUIRE_TOOLS=1 (as
# .ci/run sets) they fail instead, so CI never passes without its oracles.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*" >&2; }

# --- external tools -------------------------------------------------------------------------
# command-or-file : Debian package
apt_needs=(
  "git:git"
  "apksigner:apksigner"
  "aapt:aapt"
  "zipalign:zipalign"
  "dexdump:dexdump"
  "/usr/share/android-framework-res/framework-res.apk:android-framework-res"
  "/usr/share/java/smali.jar:libsmali-java"
  "/usr/share/java/baksmali.jar:libsmali-java"
  "aapt2:aapt"
  "java:default-jdk-headless"
  "keytool:default-jdk-headless"
  "jarsigner:default-jdk-headless"
  "protoc:protobuf-compiler"
  "groovy:groovy"
  "zip:zip"
  "7z:p7zip-full"
  "sha256sum:coreutils"
  "openssl:openssl"
  "node:nodejs"
  "npm:npm"
  "bwrap:bubblewrap"
  "clamscan:clamav"
  "curl:curl"
  "redis-server:redis-server"
  "/usr/bin/python3:python3"
)
missing_pkgs=()
for need in "${apt_needs[@]}"; do
  what=${need%%:*}
  pkg=${need##*:}
  if [[ $what == /* ]]; then
    [[ -e $what ]] && continue
  else
    command -v "$what" >/dev/null 2>&1 && continue
  fi
  [[ " ${missing_pkgs[*]-} " == *" $pkg "* ]] || missing_pkgs+=("$pkg")
done
if ((${#missing_pkgs[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian packages: ${missing_pkgs[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null
  else
    log "missing Debian packages (tests needing them will skip): ${missing_pkgs[*]}"
  fi
fi

pip_needs=(androguard)
for mod in "${pip_needs[@]}"; do
  if ! python3 -c "import $mod" >/dev/null 2>&1; then
    log "installing Python package: $mod"
    python3 -m pip install -q "$mod" || log "pip install $mod failed (tests needing it will skip)"
  fi
done

for f in scripts/install.d/*.sh; do
  [[ -e $f ]] || continue
  log "running $f"
  bash "$f"
done

# --- checks ---------------------------------------------------------------------------------
log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

log "cargo doc (warnings are errors, every link placed): scripts/doc.sh"
bash scripts/doc.sh

log "cargo test --workspace"
cargo test --workspace
