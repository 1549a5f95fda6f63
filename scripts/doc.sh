#!/usr/bin/env bash
# Builds the workspace's API docs with warnings as errors, and checks that no page shows a
# link as literal text.
#
# Why the order: rustdoc links to another crate's items only when that crate's docs already
# exist in target/doc when it starts; `cargo doc --workspace` runs the crates' rustdoc in
# parallel, so a crate documented before nativiweb-core shows `[Builder]` as plain text (and
# rustdoc does not warn). Documenting nativiweb-core first, then the rest, links every item.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTDOCFLAGS="${RUSTDOCFLAGS:-} -D warnings"
cargo doc -p nativiweb-core --no-deps --quiet
cargo doc -p nativiweb-android -p nativiweb-ios -p nativiweb-store --no-deps --quiet
cargo doc --workspace --no-deps --quiet

# A link rustdoc could not place renders as `[<code>Name</code>]`. Third-party docs shown on
# our pages are not ours to fix: clap's derived trait impls, tokio-util's CancellationToken,
# tracing's blanket `Instrument`/`WithSubscriber` impls, reqwest's redirect policy.
third_party='Command|ArgMatches|FromArgMatches::[a-z_]+|ArgGroup::id|DropGuard|DropGuardRef|Span|WithDispatch|Action::Follow'
if grep -rhoE "\[<code>[A-Za-z_:]+</code>\]" target/doc/nativiweb* --include=*.html \
  | grep -vE "\[<code>(${third_party})</code>\]" | sort | uniq -c | grep .; then
  echo "error: the doc pages above show links as literal text; fix the link or its path" >&2
  exit 1
fi
