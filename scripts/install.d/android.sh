#!/usr/bin/env bash
# nativiweb-android's Gradle project generator oracles (nativiweb-android/tests/gradle_generate.rs):
#   - tree-sitter + tree-sitter-java + tree-sitter-kotlin (PyPI): the generated Java sources and
#     .gradle.kts scripts parse without ERROR or MISSING nodes.
# aapt2 and framework-res.apk (which compile and link the generated manifest and res/) come from
# scripts/test.sh's Debian list. Skipped when already installed; a failure only makes those tests
# skip (or fail under NATIVIWEB_REQUIRE_TOOLS=1).
set -uo pipefail

if ! python3 -c "import tree_sitter, tree_sitter_java, tree_sitter_kotlin" >/dev/null 2>&1; then
  echo "installing Python packages: tree-sitter tree-sitter-java tree-sitter-kotlin" >&2
  python3 -m pip install -q tree-sitter tree-sitter-java tree-sitter-kotlin \
    || echo "pip install tree-sitter tree-sitter-java tree-sitter-kotlin failed (the Java/Kotlin parse test will skip)" >&2
fi
exit 0
