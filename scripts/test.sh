#!/usr/bin/env bash
# Second command of the README (and what CI runs): format and lint checks, then the whole
# test suite, including the end-to-end tests on ../shared/areas when that folder exists.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi
