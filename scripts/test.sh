#!/usr/bin/env bash
# Runs every test: unit, golden and CLI tests (ctest), the real kernel under QEMU
# (ctest label vm), and a short libFuzzer pass over every parser.
#   scripts/test.sh                 everything
#   KDUMP_SKIP_VM=1 scripts/test.sh  without booting kernels
#   KDUMP_SKIP_ASAN=1 / KDUMP_SKIP_FUZZ=1: without the sanitizer build / the fuzz pass
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

exclude=()
[ "${KDUMP_SKIP_VM:-0}" = 1 ] && exclude=(-LE vm)
ctest --test-dir build --output-on-failure -j2 "${exclude[@]}"

# The whole non-VM suite again (the fault sweeps too; not the Ansible run, which drives
# the binary the same way the CLI tests do), built with ASan + UBSan;
# KDUMP_SKIP_ASAN=1 skips it.
if [ "${KDUMP_SKIP_ASAN:-0}" != 1 ]; then
  cmake -S . -B build-asan -G Ninja -DKDUMP_SETUP_SANITIZERS=address,undefined >/dev/null
  ninja -C build-asan
  ctest --test-dir build-asan --output-on-failure -j2 -LE 'vm|pkg|e2e|ansible'
fi

if [ "${KDUMP_SKIP_FUZZ:-0}" != 1 ]; then
  scripts/fuzz.sh "${KDUMP_FUZZ_SECONDS:-15}"
fi
