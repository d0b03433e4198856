#!/usr/bin/env bash
# Set up a fresh machine and run piggyback's main job on the built-in examples.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --bin piggyback
bin=target/release/piggyback
"$bin" demo --force
