#!/usr/bin/env bash
# nativiweb-ios's test oracles (nativiweb-ios/tests/oracles.rs), which check the generated
# Xcode project with parsers that are not ours:
#   - tree-sitter + tree-sitter-swift (PyPI): the Swift sources parse without error nodes;
#   - pbxproj (PyPI) and xcode (npm, into ~/.cache/nativiweb-test-node, which the tests put on
#     NODE_PATH): two independent readers of project.pbxproj.
# Python's plistlib and XML parser come with python3; node and npm from scripts/test.sh's Debian
# list. Each step is skipped when already done, and a failure only makes those tests skip
# (or fail under NATIVIWEB_REQUIRE_TOOLS=1).
set -uo pipefail

if ! python3 -c "import tree_sitter, tree_sitter_swift, pbxproj" >/dev/null 2>&1; then
  echo "installing Python packages: tree-sitter tree-sitter-swift pbxproj" >&2
  python3 -m pip install -q tree-sitter tree-sitter-swift pbxproj \
    || echo "pip install tree-sitter tree-sitter-swift pbxproj failed (the Swift and pbxproj oracle tests will skip)" >&2
fi

node_prefix="${HOME}/.cache/nativiweb-test-node"
if [[ ! -f "$node_prefix/node_modules/xcode/package.json" ]]; then
  if command -v npm >/dev/null 2>&1; then
    echo "installing npm package: xcode (into $node_prefix)" >&2
    mkdir -p "$node_prefix"
    npm install --silent --no-audit --no-fund --prefix "$node_prefix" xcode \
      || echo "npm install xcode failed (the npm pbxproj oracle test will skip)" >&2
  else
    echo "npm is missing: the npm pbxproj oracle test will skip" >&2
  fi
fi
exit 0
