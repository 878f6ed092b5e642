#!/usr/bin/env bash
# Runs every test: unit, golden and CLI tests (ctest), the real kernel under QEMU
# (ctest label vm), and a short libFuzzer pass over every parser.
#   scripts/test.sh                 everything
#   KDUMP_SKIP_VM=1 scripts/test.sh  without booting kernels
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

exclude=()
[ "${KDUMP_SKIP_VM:-0}" = 1 ] && exclude=(-LE vm)
ctest --test-dir build --output-on-failure -j2 "${exclude[@]}"

if [ "${KDUMP_SKIP_FUZZ:-0}" != 1 ]; then
  scripts/fuzz.sh "${KDUMP_FUZZ_SECONDS:-20}"
fi
