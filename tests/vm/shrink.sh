#!/usr/bin/env bash
# `kdump-setup shrink` on the real Debian kernel under QEMU, then the whole capture:
# the guest boots with crashkernel=512M, the real binary shrinks the reservation to
# what the estimate policy says the capture needs (recommend --policy estimate, sized
# on the host for the very capture.img the guest loads) on the way: a plain shrink to
# 256M, a refusal (exit 3) once a crash kernel is loaded, then --reload (unload,
# shrink, load through a kdump-config that runs kexec); the guest reports
# kexec_crash_size and /proc/iomem after it and runs `verify`, then loads the capture
# kernel (kexec -p) into the shrunken region, crashes (sysrq c), and the capture
# kernel writes the dump to the virtio disk; the host checks the dump.
#
# It reuses the e2e capture path (scripts/e2e/build-initramfs.sh, crash-boot.sh,
# init.sh): the shrink runs in init.sh's hook step (/kde-hook, appended to first.img).
#
# Usage: tests/vm/shrink.sh KDUMP_SETUP_BINARY
# Env: KDUMP_SKIP_E2E=1 skips (exit 77); KDUMP_VM_BUILD_DIR (default build/vm);
#      KDUMP_SHRINK_MEM guest RAM (default 2G).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
bin=$(readlink -f "${1:?usage: $0 KDUMP_SETUP_BINARY}")
if [[ ${KDUMP_SKIP_E2E:-0} == 1 ]]; then echo "SKIP: KDUMP_SKIP_E2E=1"; exit 77; fi
for t in qemu-system-x86_64 makedumpfile kexec cpio jq; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
work=${KDUMP_VM_BUILD_DIR:-$repo_root/build/vm}/shrink
mem=${KDUMP_SHRINK_MEM:-2G}
reserve=512M
mkdir -p "$work"
kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sort -V | tail -n 1)
[[ -n $kernel ]] || { echo "SKIP: no /boot/vmlinuz-*"; exit 77; }
release=${kernel#vmlinuz-}
t0=$SECONDS

# The e2e images with the binary inside (its own directory: other tests build theirs).
"$repo_root/scripts/e2e/build-initramfs.sh" --out "$work/base" --kdump-setup "$bin" >/dev/null

# What the estimate says this guest needs: a tree whose capture initramfs is the
# capture.img the guest loads, where Debian's kdump-tools keeps it.
tree=$work/tree
rm -rf "$tree"
mkdir -p "$tree/proc/sys/kernel" "$tree/var/lib/kdump"
echo "$release" >"$tree/proc/sys/kernel/osrelease"
cp "$work/base/capture.img" "$tree/var/lib/kdump/initrd.img-$release"
rec=$("$bin" --root "$tree" --json recommend --policy estimate --memory "$mem" --arch x86_64)
target=$(jq -r .bytes_for_this_machine <<<"$rec")
echo "estimate for $mem with capture.img ($(stat -c %s "$work/base/capture.img") bytes): $target bytes"

# The hook init.sh sources before kexec -p. The same capture.img is also where
# kdump-tools keeps it, so `shrink --dry-run` (auto) in the guest finds it too.
stage=$work/hook
rm -rf "$stage"
mkdir -p "$stage/var/lib/kdump"
ln -s /capture.img "$stage/var/lib/kdump/initrd.img-$release"
cat >"$stage/kde-hook" <<EOF
/kdump-setup --json shrink --dry-run >/tmp/auto.json 2>&1
out shrink_auto_rc "\$?"
out shrink_auto_requested "\$(sed -n 's/^ *"requested_bytes": \\([0-9]*\\).*/\\1/p' /tmp/auto.json)"
# 1. No crash kernel loaded: a plain shrink, to 256M first.
/kdump-setup shrink --to 256M >/tmp/first.txt 2>&1
out shrink_first_rc "\$?"
out shrink_first_size "\$(cat /sys/kernel/kexec_crash_size)"
# 2. Loaded: refused, nothing changed.
kexec -p /vmlinuz --initrd=/capture.img --append="\$(capture_append)" >/dev/null 2>&1
out shrink_loaded "\$(cat /sys/kernel/kexec_crash_loaded)"
/kdump-setup shrink --to $target >/tmp/refused.txt 2>&1
out shrink_refused_rc "\$?"
out shrink_refused_size "\$(cat /sys/kernel/kexec_crash_size)"
while IFS= read -r line; do out shrink_refused "\$line"; done </tmp/refused.txt
# 3. --reload: unloaded and loaded again through the kdump service's command. The guest
# has no kdump-tools; this kdump-config does what its unload and load do, with kexec.
mkdir -p /kde-bin
printf '#!/bin/sh\ncase "\$1" in\n  unload) exec kexec -p -u ;;\n  load) exec kexec -p /vmlinuz --initrd=/capture.img --append="%s" ;;\nesac\nexit 2\n' "\$(capture_append)" >/kde-bin/kdump-config
chmod +x /kde-bin/kdump-config
PATH=/kde-bin:\$PATH /kdump-setup --json shrink --to $target --reload >/tmp/shrink.json 2>&1
out shrink_rc "\$?"
while IFS= read -r line; do out shrink "\$line"; done </tmp/shrink.json
out shrunk_loaded "\$(cat /sys/kernel/kexec_crash_loaded)"
out shrunk_crash_size "\$(cat /sys/kernel/kexec_crash_size)"
while IFS= read -r line; do out shrunk_iomem "\$line"; done </proc/iomem
/kdump-setup --json verify >/tmp/verify2.json 2>&1
out shrunk_verify_rc "\$?"
while IFS= read -r line; do out shrunk_verify "\$line"; done </tmp/verify2.json
EOF
mkdir -p "$work/images"
cp "$work/base/capture.img" "$work/images/capture.img"
cp "$work/base/first.img" "$work/images/first.img"
# A second, uncompressed archive after the first (at a 4-byte offset): the kernel
# unpacks it over the first one (init/initramfs.c).
truncate -s $((($(stat -c %s "$work/images/first.img") + 3) / 4 * 4)) "$work/images/first.img"
(cd "$stage" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
    cpio --null --create --format=newc --owner=0:0 --quiet) >>"$work/images/first.img"

rc=0
out=$("$repo_root/scripts/e2e/crash-boot.sh" -m "$mem" -t 400 --images "$work/images" \
    --dir "$work/run" "crashkernel=$reserve") || rc=$?
printf '%s\n' "$out" | grep -v -e makedumpfile_log -e '^KDE:shrunk_iomem' -e '^KDE:verify ' | sed 's/^/   | /'
kv() { awk -v k="KDE:$1 " 'index($0, k) == 1 && !f { print substr($0, length(k) + 1); f = 1 }' <<<"$out"; }
lines() { awk -v k="KDE:$1 " 'index($0, k) == 1 { print substr($0, length(k) + 1) }' <<<"$out"; }
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }

before=$(kv kexec_crash_size)
check "booted with crashkernel=$reserve: kexec_crash_size $before" '[[ $before == $((512 << 20)) ]]'
before_region=$(lines iomem_crash | head -n 1 | sed 's/^ *//; s/ :.*//')
check "auto (estimate) in the guest = the host's estimate ($(kv shrink_auto_requested))" \
    '[[ $(kv shrink_auto_rc) == 0 && $(kv shrink_auto_requested) == "$target" ]]'
check "no crash kernel loaded: shrink --to 256M exited 0, kexec_crash_size $(kv shrink_first_size)" \
    '[[ $(kv shrink_first_rc) == 0 && $(kv shrink_first_size) == $((256 << 20)) ]]'
check "loaded ($(kv shrink_loaded)): shrink --to $target refused, exit 3, size unchanged" \
    '[[ $(kv shrink_loaded) == 1 && $(kv shrink_refused_rc) == 3 && $(kv shrink_refused_size) == $((256 << 20)) ]]'
check "the refusal says how" 'lines shrink_refused | grep -q "kdump-config unload"'
shrink_json=$(lines shrink)
check "shrink --to $target --reload exited 0" '[[ $(kv shrink_rc) == 0 ]]'
check "shrink --json: 256M -> $target, changed, through kdump-config unload + load" \
    '[[ $(jq -r "[.before_bytes, .after_bytes, .changed, (.commands | map(.argv | join(\" \")) | join(\",\"))] | join(\" \")" <<<"$shrink_json") == "$((256 << 20)) $target true kdump-config unload,kdump-config load" ]]'
check "the crash kernel is loaded again after --reload" '[[ $(kv shrunk_loaded) == 1 ]]'
check "kexec_crash_size reads $target after the shrink" '[[ $(kv shrunk_crash_size) == "$target" ]]'
crash_after=$(lines shrunk_iomem | grep ' : Crash kernel$' | sed 's/^ *//; s/ :.*//')
start=$((16#${before_region%-*}))
check "/proc/iomem: one Crash kernel region $crash_after, same start as $before_region, $target bytes" \
    '[[ $(wc -l <<<"$crash_after") == 1 && $((16#${crash_after%-*})) == $start && $((16#${crash_after#*-} - 16#${crash_after%-*} + 1)) == "$target" ]]'
# The freed tails: System RAM lines beside the region, from right after its end to
# where the region ended at boot (one per shrink: two here).
tails=$(lines shrunk_iomem | awk '/ : Crash kernel$/ { f = 1; next } f && /^  [0-9a-f]+-[0-9a-f]+ : System RAM$/ { print; next } { f = 0 }' | sed 's/^ *//; s/ :.*//')
first_tail=$(head -n 1 <<<"$tails") last_tail=$(tail -n 1 <<<"$tails")
check "/proc/iomem: the freed tails are System RAM from right after it to the boot end ($(tr '\n' ' ' <<<"$tails"))" \
    '[[ -n $tails && $((16#${first_tail%-*})) == $((16#${crash_after#*-} + 1)) && $((16#${last_tail#*-})) == $((16#${before_region#*-})) ]]'
verify_json=$(lines shrunk_verify)
check "verify after the shrink: ok, shrunk_from_bytes 512M ($(jq -r .message <<<"$verify_json"))" \
    '[[ $(kv shrunk_verify_rc) == 0 && $(jq -r "[.status, .reserved_bytes, .shrunk_from_bytes] | join(\" \")" <<<"$verify_json") == "ok $target $((512 << 20))" ]]'
check "init.sh's kexec -p (re)loaded the capture kernel into the shrunken region" '[[ $(kv kexec_load_rc) == 0 && $(kv kexec_crash_loaded) == 1 ]]'
check "the capture kernel wrote the dump" '[[ $(kv makedumpfile_rc) == 0 ]] && grep -q "^KDE:capture-end" <<<"$out"'
check "makedumpfile -R on the host: kdump-compressed, $(kv host-dump_bytes) bytes" '[[ $(kv host-dump_format) == kdump-compressed && $(kv host-dump_bytes) -gt 1000000 ]]'
check "crash-boot verdict: captured (exit $rc)" '((rc == 0)) && [[ $(kv host-result) == captured ]]'
echo "wall: $((SECONDS - t0)) s (guest $(kv host-wall_s) s)"
((failures == 0)) || { echo "shrink vm: $failures failure(s)"; exit 1; }
echo "shrink vm: passed"
