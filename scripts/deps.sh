#!/usr/bin/env bash
# Install pdeop's build and test dependencies from Debian's archive (idempotent: a second run
# installs nothing). Used by both README commands and by CI.
set -euo pipefail
# python3-petsc4py is Debian's petsc4py, matching its PETSc 3.18; it is for /usr/bin/python3 (not a
# pyenv or virtualenv python first on PATH) and only tests/cli_petsc4py.sh uses it
# clang-format: tests/cli_format.sh checks every C file against .clang-format (Debian 12's clang-format 14)
packages=(build-essential cmake pkg-config petsc-dev libfftw3-dev libopenblas-dev libcmocka-dev libpng-dev python3-petsc4py clang-format)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
