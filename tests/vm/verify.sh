#!/usr/bin/env bash
# The real binary's `verify --json` inside a QEMU guest running the real Debian
# kernel (scripts/vm/build-verify-initramfs.sh): the status it gives, and that its
# reserved_bytes is what the guest's /sys/kernel/kexec_crash_size reads.
#
# Usage: tests/vm/verify.sh KDUMP_SETUP_BINARY
# Five boots of 2 GiB guests, two at a time. KDUMP_SKIP_VM=1 skips (exit 0).
# KDUMP_VM_TIMEOUT: seconds per boot (default 90).
# Output: one line per case, then "N passed, M failed".
set -uo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
build_dir=${KDUMP_VM_BUILD_DIR:-$repo_root/build/vm}
bin=${1:?usage: $0 KDUMP_SETUP_BINARY}
timeout=${KDUMP_VM_TIMEOUT:-90}

if [[ ${KDUMP_SKIP_VM:-0} = 1 ]]; then echo "skipped (KDUMP_SKIP_VM=1)"; exit 0; fi

work=$build_dir/verify
mkdir -p "$work"
initramfs=$("$repo_root/scripts/vm/build-verify-initramfs.sh" "$bin" "$build_dir/verify-initramfs.cpio.gz") || exit 1

# id | kernel parameters | expected status | a word the message must contain
cases=(
  "ok|crashkernel=256M kds_configured=256M|ok|in effect"
  "no-range|crashkernel=4G-:256M kds_configured=4G-:256M|not-reserved|no range"
  "rejected|crashkernel=2G-1G:64M kds_configured=2G-1G:64M|not-reserved|end <= start"
  "pending|crashkernel=256M kds_configured=384M|pending-reboot|reboot"
  "too-large|crashkernel=3G kds_configured=3G|not-reserved|too large"
)

boot() {  # boot ID PARAMS: the guest's KDS lines into $work/ID.kds
  local id=$1 params=$2 try
  for try in 1 2; do  # a host busy compiling can time a boot out: retry once
    # shellcheck disable=SC2086
    "$repo_root/scripts/vm/boot.sh" -m 2G -t "$timeout" --initramfs "$initramfs" \
      --log "$work/$id.serial" -- $params >"$work/$id.kds" 2>"$work/$id.boot-err" && return 0
  done
  return 1
}

pids=()
for c in "${cases[@]}"; do
  IFS='|' read -r id params _ _ <<<"$c"
  boot "$id" "$params" &
  pids+=($!)
  if ((${#pids[@]} >= 2)); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
wait

passed=0 failed=0
for c in "${cases[@]}"; do
  IFS='|' read -r id params want word <<<"$c"
  kds=$work/$id.kds
  sed -n 's/^KDS:json //p' "$kds" >"$work/$id.json"
  sysfs=$(sed -n 's/^KDS:kexec_crash_size //p' "$kds")
  code=$(sed -n 's/^KDS:verify_exit //p' "$kds")
  want_code=1; [[ $want = ok ]] && want_code=0
  verdict=$(python3 - "$work/$id.json" "$want" "$word" "$sysfs" "$code" "$want_code" <<'PY'
import json, sys
path, want, word, sysfs, code, want_code = sys.argv[1:]
try:
    j = json.load(open(path))
except Exception as e:
    print(f"no JSON from the guest ({e})"); sys.exit()
keys = ["status", "configured", "running", "expected_bytes", "reserved_bytes",
        "crash_regions", "kernel_release", "memory_bytes", "loaded", "message"]
problems = [f"missing key {k}" for k in keys if k not in j]
if j.get("status") != want: problems.append(f"status {j.get('status')!r}, want {want!r}")
if sysfs == "missing" or str(j.get("reserved_bytes")) != sysfs:
    problems.append(f"reserved_bytes {j.get('reserved_bytes')} != sysfs {sysfs}")
if word not in j.get("message", ""): problems.append(f"message lacks {word!r}: {j.get('message')!r}")
if code != want_code: problems.append(f"exit {code}, want {want_code}")
if j.get("backend") != "grub2" or j.get("configured") is None:
    problems.append(f"configured value not read from the guest's grub2 tree: {j.get('configured')!r}")
print("; ".join(problems) if problems else "ok")
PY
)
  if [[ $verdict = ok ]]; then
    passed=$((passed + 1))
    echo "PASS $id: $(python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(j['status'], j['reserved_bytes'], '-', j['message'])" "$work/$id.json")"
  else
    failed=$((failed + 1))
    echo "FAIL $id: $verdict (guest log: $work/$id.serial)"
    sed -n 's/^KDS:stderr /  stderr: /p' "$kds"
  fi
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
