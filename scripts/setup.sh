#!/usr/bin/env bash
# Installs what the build needs on a fresh Debian machine: m4 (GMP/MPFR are built
# from source by gmp-mpfr-sys for rug and inari) and a C compiler.
set -euo pipefail
need=()
command -v m4 >/dev/null 2>&1 || need+=(m4)
command -v cc >/dev/null 2>&1 || need+=(build-essential)
command -v make >/dev/null 2>&1 || need+=(make)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${need[@]}"
fi
