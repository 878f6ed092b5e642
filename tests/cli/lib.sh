# Helpers for the CLI tests: each test script sources this and gets $BIN, a scratch
# directory, and assertions that print what differed. Ends with "N passed, M failed".
set -uo pipefail
BIN=${1:?usage: $0 KDUMP_SETUP_BINARY}
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
passed=0
failed=0

# run ARGS...: runs the binary, keeping stdout, stderr and the exit code.
run() {
  "$BIN" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
  code=$?
  out=$(cat "$SCRATCH/out")
  err=$(cat "$SCRATCH/err")
}

check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    printf 'FAIL %s\n  exit %s\n  stdout: %s\n  stderr: %s\n' "$name" "$code" "$out" "$err"
  fi
}

json() {  # json EXPR: evaluates a Python expression over the JSON on stdout as `j`
  python3 -c "import json,sys; j=json.load(open('$SCRATCH/out')); print($1)"
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
