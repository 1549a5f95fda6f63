#!/usr/bin/env bash
# nativiweb-store's JWT oracle (tests/jwt_oracle.rs): PyJWT with the `cryptography` backend,
# which verifies the RS256 (Google) and ES256 (App Store Connect) tokens independently.
# openssl, the second oracle, comes from scripts/test.sh's Debian list.
set -euo pipefail
if ! python3 -c "import jwt, cryptography" >/dev/null 2>&1; then
  echo "installing Python packages: pyjwt cryptography" >&2
  python3 -m pip install -q pyjwt cryptography \
    || echo "pip install pyjwt cryptography failed (the JWT oracle tests will skip)" >&2
fi
