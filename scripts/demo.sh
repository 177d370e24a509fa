#!/usr/bin/env bash
# First command of the README: build megatest and run the bundled example area.
# The area is copied to $DEMO_DIR (default /tmp/megatest-demo) so the checkout stays clean.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo build --release -p megatest -p logpro
export PATH="${CARGO_TARGET_DIR:-$PWD/target}/release:$PATH"
demo="${DEMO_DIR:-/tmp/megatest-demo}"
rm -rf "$demo"
cp -r examples/demo "$demo"
cd "$demo"
echo "== megatest -run -target linux/debug -runname demo1 -testpatt % (in $demo)"
megatest -run -target linux/debug -runname demo1 -testpatt % || true
echo
echo "== megatest -list-runs demo1"
megatest -list-runs demo1
echo
echo "The database is $demo/megatest.db; run directories are under $demo/runs, links under $demo/links."
