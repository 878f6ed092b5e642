#!/usr/bin/env bash
# The capture chain alone, booted directly (-kernel, SeaBIOS): crashkernel=256M on the
# command line, kexec -p of the same kernel, sysrq c, capture kernel, makedumpfile to
# a virtio disk, makedumpfile -R on the host, "KDUMP   " signature. When this passes
# and tests/e2e/grub2.sh fails, the boot loader leg is the culprit.
#
# Usage: tests/e2e/capture.sh [BIN]   (BIN: kdump-setup, for the explain check)
# Env: KDUMP_SKIP_E2E=1 skips (exit 77); KDUMP_E2E_BUILD_DIR as in scripts/e2e/.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
bin=${1:-}
if [[ ${KDUMP_SKIP_E2E:-0} == 1 ]]; then echo "SKIP: KDUMP_SKIP_E2E=1"; exit 77; fi
for t in qemu-system-x86_64 makedumpfile kexec cpio; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
build=${KDUMP_E2E_BUILD_DIR:-$repo_root/build/e2e}
value=256M
rc=0
out=$("$repo_root/scripts/e2e/crash-boot.sh" -m 1G -t 240 --images "$build/images" \
    --dir "$build/capture-run" "crashkernel=$value") || rc=$?
printf '%s\n' "$out" | grep -v makedumpfile_log | sed 's/^/   | /'
kv() { sed -n "s/^KDE:$1 //p" <<<"$out" | head -n 1; }
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }
check "kexec_crash_size is $value" '[[ $(kv kexec_crash_size) == $((256 << 20)) ]]'
if [[ -n $bin ]]; then
    predicted=$("$bin" --json explain --cmdline "$(kv cmdline)" --memory "$(kv system_ram_bytes)" \
        --arch x86_64 | jq -r .kexec_crash_size)
    check "explain predicts the same ($predicted)" '[[ $predicted == $(kv kexec_crash_size) ]]'
fi
check "kexec -p loaded the capture kernel" '[[ $(kv kexec_load_rc) == 0 && $(kv kexec_crash_loaded) == 1 ]]'
check "the capture kernel saw /proc/vmcore and wrote the dump" '[[ $(kv makedumpfile_rc) == 0 ]] && grep -q "^KDE:capture-end" <<<"$out"'
check "makedumpfile -R gives a kdump-compressed file" '[[ $(kv host-dump_format) == kdump-compressed && $(kv host-dump_bytes) -gt 1000000 ]]'
check "crash-boot verdict: captured (exit $rc)" '((rc == 0)) && [[ $(kv host-result) == captured ]]'
((failures == 0)) || { echo "capture e2e: $failures failure(s)"; exit 1; }
echo "capture e2e: passed"
