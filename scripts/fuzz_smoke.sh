#!/usr/bin/env bash
# Smoke-run every cargo-fuzz target under fuzz/ for a short period (default 10 s each),
# including `certificate` (the kernel never panics, round trips) and `kernel_soundness` (every
# certificate the kernel accepts is re-decided by an independent oracle).
#
#   scripts/fuzz_smoke.sh                 # all targets, ASAN, 10 s each
#   FUZZ_SECS=60 scripts/fuzz_smoke.sh matset_ops
#   FUZZ_SANITIZER=none scripts/fuzz_smoke.sh   # skip ASAN: much faster build
#   FUZZ_SEED=1 scripts/fuzz_smoke.sh           # fixed libFuzzer seed (CI), else random
#
# cargo fuzz replaces the rustflags of .cargo/config.toml, so the flags inari needs
# (-Ctarget-cpu=haswell) are passed in the environment; RUSTC_BOOTSTRAP=1 lets the
# stable toolchain accept the sanitizer flags cargo fuzz adds.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS="${FUZZ_SECS:-10}"
SANITIZER="${FUZZ_SANITIZER:-address}"
SEED_ARG=()
if [ -n "${FUZZ_SEED:-}" ]; then
    SEED_ARG=(-seed="$FUZZ_SEED")
fi
TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/fuzz/target}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-Ctarget-cpu=haswell"
unset CARGO_TARGET_DIR

cd fuzz
if [ "$#" -gt 0 ]; then
    targets="$*"
else
    targets="$(cargo fuzz list)"
fi

start=$(date +%s)
for t in $targets; do
    cargo fuzz build -s "$SANITIZER" --target-dir "$TARGET_DIR" "$t"
done
echo "fuzz build: $(( $(date +%s) - start )) s"

for t in $targets; do
    mkdir -p "corpus/$t"
    if [ -d "seeds/$t" ]; then
        cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true
    fi
    echo "== $t (${SECS} s)"
    cargo fuzz run -s "$SANITIZER" --target-dir "$TARGET_DIR" "$t" "corpus/$t" -- \
        -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=20 "${SEED_ARG[@]}"
done
echo "fuzz smoke: all targets ran without a crash ($(( $(date +%s) - start )) s total)"
