#!/usr/bin/env bash
# Run the peers benchmark (/work/shared/bench/peers) with our Rust Megatest beside the floors
# (xargs, make) and, with --peers, Snakemake and ReFrame. See bench/README.md.
#
# Usage: bench/run-peers.sh [options]
#   --peers            also run snakemake and reframe (makes/uses a venv; minutes per run)
#   --no-big           skip the N=10000 run of xargs and megatest-rs
#   --only-big         only the N=10000 run
#   --ns "100 1000"    N values of the main run (default "100 1000")
#   --big N            N of the big run (default 10000)
#   --reps R           repetitions of the main run (default 3); the big run does 1
#   --peer-reps R      repetitions of snakemake/reframe (default 1: ReFrame needs ~130 s at N=1000)
#   --shapes "items tests"   megatest-rs shapes to measure (default both)
#   --dir DIR          scratch dir (default /tmp/peers-bench); the shared folder is copied there
#   --no-build         do not run `cargo build --release -p megatest` first
#   -t SECONDS         per-run time limit (default 600 for the main run, 1800 for the big one)
# Environment: MEGATEST_BIN (default /work/main/target/release/megatest), BENCH_VENV.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
SHARED=/work/shared/bench/peers
DIR=/tmp/peers-bench
NS="100 1000"; BIGN=10000; REPS=3; PREPS=1; PEERS=0; BIG=1; MAIN=1; BUILD=1; SHAPES="items tests"; LIMIT=""
while [ $# -gt 0 ]; do
  case $1 in
    --peers) PEERS=1 ;;
    --no-big) BIG=0 ;;
    --only-big) MAIN=0 ;;
    --ns) NS=$2; shift ;;
    --big) BIGN=$2; shift ;;
    --reps) REPS=$2; shift ;;
    --peer-reps) PREPS=$2; shift ;;
    --shapes) SHAPES=$2; shift ;;
    --dir) DIR=$2; shift ;;
    --no-build) BUILD=0 ;;
    -t) LIMIT=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; sed -n '2,17p' "$0"; exit 2 ;;
  esac
  shift
done
export MEGATEST_BIN=${MEGATEST_BIN:-$REPO/target/release/megatest}

if [ "$BUILD" = 1 ]; then
  echo "== building $MEGATEST_BIN"
  (cd "$REPO" && cargo build --release -p megatest)
fi
[ -x "$MEGATEST_BIN" ] || { echo "no megatest binary at $MEGATEST_BIN" >&2; exit 1; }

# A writable copy of the shared harness (the shared folder is read-only); keep an existing
# .venv, start results and work dirs clean. An old work dir is moved aside and deleted only
# after the measurements: on a file system without journal, inodes deleted in the last
# minute make every new one slow to allocate, and our runner creates ten per test.
mkdir -p "$DIR"
cp -r "$SHARED"/. "$DIR"/
chmod -R u+w "$DIR"
[ -d "$DIR/work" ] && mv "$DIR/work" "$DIR/old-work.$(date +%s%N)"
[ -d "$DIR/results" ] && mv "$DIR/results" "$DIR/results.prev.$(date +%s)"
install -m 0755 "$HERE/peers/megatest-rs.sh" "$DIR/systems/megatest-rs.sh"
# The N-tests shape as its own system name, so both shapes land in one results table.
cat > "$DIR/systems/megatest-rs-tests.sh" <<'EOF'
#!/usr/bin/env bash
# megatest-rs with N separate tests instead of one test with N items.
MTRS_SHAPE=tests exec "$(dirname "$0")/megatest-rs.sh" "$@"
EOF
chmod 0755 "$DIR/systems/megatest-rs-tests.sh"

OURS=""
for s in $SHAPES; do
  case $s in
    items) OURS="$OURS megatest-rs" ;;
    tests) OURS="$OURS megatest-rs-tests" ;;
    *) echo "unknown shape $s" >&2; exit 2 ;;
  esac
done

SYSTEMS="xargs make$OURS"
if [ "$PEERS" = 1 ]; then
  VENV=${BENCH_VENV:-$DIR/.venv}
  if [ ! -x "$VENV/bin/reframe" ] || [ ! -x "$VENV/bin/snakemake" ]; then
    echo "== creating $VENV (reframe-hpc 4.10.4, snakemake 9.27.1)"
    if python3 -m venv "$VENV" &&
       "$VENV/bin/pip" install --no-cache-dir -q reframe-hpc==4.10.4 snakemake==9.27.1; then
      :
    else
      echo "WARNING: could not build the venv; snakemake and reframe are skipped" >&2
      PEERS=0
    fi
  fi
  export BENCH_VENV=$VENV
fi

echo "== machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$MAIN" = 1 ]; then
  echo "== main run: N=$NS reps=$REPS systems: $SYSTEMS"
  (cd "$DIR" && ./bench.sh -n "$NS" -r "$REPS" -s "$SYSTEMS" -p 2 -t "${LIMIT:-600}") > "$DIR/main.log" 2>&1 ||
    { cat "$DIR/main.log"; exit 1; }
  grep -E '^[a-z]' "$DIR/main.log" | grep -v '^|' || true
  if [ "$PEERS" = 1 ]; then
    echo "== peers: N=$NS reps=$PREPS systems: snakemake reframe"
    (cd "$DIR" && ./bench.sh -n "$NS" -r "$PREPS" -s "snakemake reframe" -p 2 -t "${LIMIT:-600}") > "$DIR/peers.log" 2>&1 ||
      { cat "$DIR/peers.log"; exit 1; }
    grep -E '^[a-z]' "$DIR/peers.log" | grep -v '^|' || true
  fi
  mkdir -p "$DIR/results-main"
  cp "$DIR/results/results.csv" "$DIR/results-main/results.csv"
  python3 "$DIR/summarize.py" "$DIR/results-main/results.csv" > "$DIR/results-main/summary.md"
  rm -rf "$DIR/results"
fi
if [ "$BIG" = 1 ]; then
  echo "== big run: N=$BIGN, 1 rep, systems: xargs$OURS"
  (cd "$DIR" && ./bench.sh -n "$BIGN" -r 1 -s "xargs$OURS" -p 2 -t "${LIMIT:-1800}") > "$DIR/big.log" 2>&1 ||
    { cat "$DIR/big.log"; exit 1; }
  grep -E '^[a-z]' "$DIR/big.log" | grep -v '^|' || true
  mkdir -p "$DIR/results-big"
  cp "$DIR/results/results.csv" "$DIR/results-big/results.csv"
  python3 "$DIR/summarize.py" "$DIR/results-big/results.csv" > "$DIR/results-big/summary.md"
  rm -rf "$DIR/results"
fi
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"

ARGS=()
[ "$MAIN" = 1 ] && ARGS+=("$DIR/results-main/results.csv")
[ "$BIG" = 1 ] && ARGS+=("$DIR/results-big/results.csv")
python3 "$HERE/ratios.py" "${ARGS[@]}" | tee "$DIR/summary.md"
[ "$MAIN" = 1 ] && { echo; echo "### peers summary (summarize.py, main run)"; cat "$DIR/results-main/summary.md"; } | tee -a "$DIR/summary.md"
[ "$BIG" = 1 ] && { echo; echo "### peers summary (summarize.py, big run)"; cat "$DIR/results-big/summary.md"; } | tee -a "$DIR/summary.md"
echo
echo "summary: $DIR/summary.md"
rm -rf "$DIR"/old-work.*
