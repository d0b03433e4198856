#!/usr/bin/env bash
# All of piggyback's tests with one command: the Rust workspace (tests, then clippy, rustfmt
# and rustdoc with warnings as errors), then the Python package built from this checkout
# into a fresh virtual environment, then pytest.
#
#   bash scripts/test.sh            # everything
#   SKIP_RUST=1 bash scripts/test.sh  # only the Python half (after a cargo test)
#
# The wheel is built with the `dev` profile into the same target/ directory, so it
# reuses what `cargo test` compiled (the `test` and `dev` profiles share target/debug);
# `pip install ./python` (users) builds an optimised release wheel instead.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/python-test-venv
python=${PYTHON:-python3}

# The venv first: its interpreter is the one pyo3 is configured for in both builds.
rm -rf "$venv"
"$python" -m venv "$venv"
py="$PWD/$venv/bin/python"
# What maturin sets when it builds the extension; set here too so that cargo test's
# build of pyo3 (a workspace member's dependency) is the one maturin reuses.
export PYO3_PYTHON="$py" PYTHON_SYS_EXECUTABLE="$py" PYO3_BUILD_EXTENSION_MODULE=1
PYO3_ENVIRONMENT_SIGNATURE="$("$py" - <<'PY'
import platform, struct, sys
bits = struct.calcsize("P") * 8
print(f"{platform.python_implementation().lower()}-{sys.version_info[0]}.{sys.version_info[1]}-{bits}bit")
PY
)"
export PYO3_ENVIRONMENT_SIGNATURE

phase() { echo "scripts/test.sh: $1 ($((SECONDS - start)) s)"; start=$SECONDS; }
start=$SECONDS
if [[ -z "${SKIP_RUST:-}" ]]; then
    cargo test --workspace --all-features
    phase "Rust tests done"
    # Lints and documentation are part of the test: warnings fail the run.
    cargo clippy --workspace --all-targets --all-features -- -D warnings
    cargo fmt --all -- --check
    RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --all-features
    phase "clippy, rustfmt and rustdoc clean"
fi

"$py" -m pip install --quiet --disable-pip-version-check "maturin>=1.7,<2"
# The package from the checkout, with its test dependencies (pytest, scikit-learn, mypy).
PATH="$PWD/$venv/bin:$PATH" "$py" -m pip install --quiet --disable-pip-version-check \
    --no-build-isolation --config-settings=build-args='--profile dev' "./python[test]"
phase "Python package built and installed"
# Run from outside python/ so that `import piggyback` is the installed package.
(cd python/tests && "$py" -m pytest -q -p no:cacheprovider)
phase "Python tests done"
