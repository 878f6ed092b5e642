#!/usr/bin/env bash
# Each boot file is read once per run: the case's `reserve`/`remove` with `--dry-run`, and
# `status` on every golden tree, traced with strace. RootDir reads a file with two
# openat2 calls (an O_PATH look at what it is, then the O_RDONLY open), so "once" is at
# most one O_RDONLY open of each file below the root. Existence checks (O_PATH) and
# directory listings (O_DIRECTORY) are not reads of a file: the owner-tool detector, the
# offline-image facts and the boot model each look at /boot and the ESP directories.
# The root itself (".") and what the facts and crash-state steps read (/proc, /sys,
# /var/log/dmesg) are not boot files.
source "$(dirname "$0")/lib.sh"
G=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/golden

if ! command -v strace >/dev/null || ! strace -f -o /dev/null true 2>/dev/null; then
  echo "SKIP: strace cannot trace here"
  exit 0
fi

# opened_twice TRACE: paths opened more than once with the same kind of open.
opened_twice() {
  python3 - "$1" <<'PY'
import re, sys, collections
n = collections.Counter()
for line in open(sys.argv[1]):
    m = re.search(r'openat2\(\d+, "([^"]*)", \{flags=([^,}]*)', line)
    if not m: continue
    path, flags = m.groups()
    if path == "." or path.startswith(("proc/", "sys/", "var/log/")): continue
    if "O_PATH" in flags or "O_DIRECTORY" in flags: continue
    n[(path, False)] += 1
print(" ".join(sorted(p for (p, _), c in n.items() if c > 1)))
PY
}

cases=0
for dir in "$G"/grub2/*/ "$G"/bls/*/ "$G"/systemd-boot/*/; do
  [ -f "$dir/args" ] || continue
  name=$(basename "$(dirname "$dir")")/$(basename "$dir")
  rm -rf "$SCRATCH/t" && cp -a "$dir/root" "$SCRATCH/t"
  read -r -a args <"$dir/args"
  for verb in "${args[*]}" "status"; do
    extra=(--dry-run)
    [ "$verb" = status ] && extra=()
    # shellcheck disable=SC2086
    strace -f -qq -e trace=openat2 -o "$SCRATCH/trace" "$BIN" --root "$SCRATCH/t" $verb "${extra[@]}" \
      >"$SCRATCH/out" 2>"$SCRATCH/err"
    code=$?; out=$(cat "$SCRATCH/out"); err=$(cat "$SCRATCH/err")
    twice=$(opened_twice "$SCRATCH/trace")
    check "$name: $verb reads each boot file once (read more than once: $twice)" [ -z "$twice" ]
  done
  cases=$((cases + 1))
done
check "every golden tree was traced ($cases)" [ "$cases" -ge 60 ]
finish
