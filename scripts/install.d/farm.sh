#!/usr/bin/env bash
# The farm's and the S3 sink's test servers: a real S3-compatible server, `moto_server` from
# PyPI's moto[server] (redis-server comes from scripts/test.sh's Debian list). Tests start
# both on free loopback ports through nativiweb_core::testing::LocalServer and stop them after.
set -euo pipefail
if ! command -v moto_server >/dev/null 2>&1; then
  echo "installing Python package: moto[server]" >&2
  python3 -m pip install -q "moto[server]" \
    || echo "pip install moto[server] failed (the S3 tests will skip)" >&2
fi
