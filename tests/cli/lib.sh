# Helpers for the CLI tests: each test script sources this and gets $BIN, a scratch
# directory, and assertions that print what differed. Ends with "N passed, M failed".
set -uo pipefail
BIN=${1:?usage: $0 KDUMP_SETUP_BINARY}
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
passed=0
failed=0

# The published JSON contract every --json output is checked against.
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JSON_SCHEMA=${KDUMP_SOURCE_DIR:-$LIB_DIR/../..}/docs/kdump-setup.schema.json

# run ARGS...: runs the binary, keeping stdout, stderr and the exit code. A run with
# --json must print one object that validates against the schema (a failed check
# otherwise), whatever the test asserts next.
run() {
  "$BIN" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
  code=$?
  out=$(cat "$SCRATCH/out")
  err=$(cat "$SCRATCH/err")
  local a
  for a in "$@"; do
    [ "$a" = -- ] && break
    if [ "$a" = --json ]; then validate_json "$SCRATCH/out" "$*"; break; fi
  done
}

# validate_json FILE [NAME]: FILE holds one JSON object valid under docs/kdump-setup.schema.json,
# checked by Debian's python3-jsonschema (/usr/bin/python3: not a pyenv or venv one).
# Also checks that exit_code in the object is the exit status seen ($code), when set.
validate_json() {
  local file=$1 name=${2:-$1} problems
  problems=$(/usr/bin/python3 "$LIB_DIR/validate_json.py" "$JSON_SCHEMA" "$file" 2>&1)
  if [ -z "$problems" ] && [ -n "${code:-}" ]; then
    problems=$(/usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1]));
print('' if j['exit_code'] == int(sys.argv[2]) else 'exit_code %s but the exit status was %s' % (j['exit_code'], sys.argv[2]))" "$file" "$code" 2>&1)
  fi
  if [ -z "$problems" ]; then
    passed=$((passed + 1)); json_validated=$((json_validated + 1))
  else
    failed=$((failed + 1))
    printf 'FAIL json schema: %s\n%s\n' "$name" "$problems"
  fi
}
json_validated=0

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
  [ "$json_validated" -gt 0 ] && echo "$json_validated --json outputs valid under $(basename "$JSON_SCHEMA")"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
