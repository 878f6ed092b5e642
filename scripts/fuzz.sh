#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and runs each
# for SECONDS (default 60) on seeds from tests/corpus and tests/fuzz/seeds.
# Prints executions and crashes per target; exits non-zero on a crash.
#   scripts/fuzz.sh [SECONDS]     (per target; KDUMP_FUZZ_TARGETS="fuzz_x fuzz_y" for a subset)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DKDUMP_SETUP_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" >/dev/null
targets=${KDUMP_FUZZ_TARGETS:-$(cd tests/fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')}
# shellcheck disable=SC2086
ninja -C build-fuzz $targets >/dev/null

status=0
for t in $targets; do
  corpus=build-fuzz/corpus/$t
  mkdir -p "$corpus"
  seeds=()
  [ -d "tests/fuzz/seeds/$t" ] && seeds+=("tests/fuzz/seeds/$t")
  seeds+=(tests/corpus/*/)
  log=build-fuzz/$t.log
  if ./build-fuzz/tests/fuzz/$t -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
       "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    result=ok
  else
    result=CRASH; status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  printf 'fuzz %-28s %6ss %10s executions  cov %5s ft %6s  %s\n' "$t" "$seconds" "$execs" "$cov" "$ft" "$result"
  [ "$result" = ok ] || tail -40 "$log"
done
exit $status
