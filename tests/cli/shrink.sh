#!/usr/bin/env bash
# shrink through the built binary on fake roots: the sysfs file rewritten (rounded up to
# the page), --to auto = recommend --policy estimate, refusals (loaded: exit 3, larger:
# exit 2, file unchanged), --dry-run changes nothing, JSON keys pinned; then verify on
# the iomem a real shrink leaves (tests/vm/shrink.sh records it from the 6.1 kernel).
source "$(dirname "$0")/lib.sh"
src=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

# mkroot NAME CRASH_SIZE LOADED: a 6.1 x86_64 machine with 4 GiB booted with
# crashkernel=512M (region 5f000000-7effffff), /etc/default/grub saying the same.
mkroot() {
  local r="$SCRATCH/$1"
  mkdir -p "$r/proc/sys/kernel" "$r/sys/kernel" "$r/etc/default" "$r/boot/grub"
  echo x86_64 >"$r/proc/sys/kernel/arch"
  echo 6.1.0-56-amd64 >"$r/proc/sys/kernel/osrelease"
  echo "root=/dev/vda crashkernel=512M" >"$r/proc/cmdline"
  printf '00001000-0009ffff : System RAM\n00100000-ffffffff : System RAM\n  01000000-01ffffff : Kernel code\n  5f000000-7effffff : Crash kernel\n' >"$r/proc/iomem"
  echo "$2" >"$r/sys/kernel/kexec_crash_size"
  echo "$3" >"$r/sys/kernel/kexec_crash_loaded"
  echo 'GRUB_CMDLINE_LINUX="quiet crashkernel=512M"' >"$r/etc/default/grub"
  printf 'menuentry x {\n  linux /vmlinuz root=/dev/vda\n}\n' >"$r/boot/grub/grub.cfg"
  R=$r
}
size() { cat "$R/sys/kernel/kexec_crash_size"; }

KEYS="['after_bytes', 'before_bytes', 'changed', 'commands', 'dry_run', 'exit_code', 'exit_meaning', 'freed_bytes', 'loaded', 'message', 'policy', 'rationale', 'reload', 'requested_bytes', 'schema_version', 'service', 'sysfs', 'to', 'verb']"

# An explicit size: written, rounded up to the page, read back.
mkroot explicit 536870912 0
run --root "$R" --json shrink --to 200000001
check "explicit exits 0" [ "$code" = 0 ]
check "json keys" [ "$(json "sorted(j)")" = "$KEYS" ]
# The kernel rounds up to KEXEC_CRASH_MEM_ALIGN (4 KiB here); shrink writes it rounded.
check "written rounded up to 4 KiB" [ "$(size)" = 200003584 ]
check "json sizes" [ "$(json "j['before_bytes'], j['requested_bytes'], j['after_bytes'], j['freed_bytes'], j['changed'], j['dry_run']")" \
  = "536870912 200000001 200003584 336867328 True False" ]
mkroot mib 536870912 0
run --root "$R" shrink --to 192M
check "192M written" [ "$(size)" = 201326592 ]
check "text says given back" grep -q '^shrunk .*kexec_crash_size from 512 MiB to 192 MiB (201326592 bytes), 320 MiB given back' "$SCRATCH/out"
run --root "$R" --json shrink --to 192M
check "same size: nothing to do" [ "$(json "j['changed'], j['freed_bytes']")" = "False 0" ]
check "same size exits 0" [ "$code" = 0 ]

# --dry-run: the prediction, nothing written.
mkroot dry 536870912 0
run --root "$R" --json shrink --to 100M --dry-run
check "dry-run exits 0" [ "$code" = 0 ]
check "dry-run unchanged" [ "$(size)" = 536870912 ]
check "dry-run predicts" [ "$(json "j['after_bytes'], j['freed_bytes'], j['changed'], j['dry_run']")" = "104857600 432013312 False True" ]
run --root "$R" --json shrink --to 100000 --dry-run
check "dry-run rounds to the page" [ "$(json "j['after_bytes']")" = 102400 ]

# Never grow: exit 2, file unchanged.
mkroot grow 268435456 0
run --root "$R" shrink --to 512M
check "grow exits 2" [ "$code" = 2 ]
check "grow unchanged" [ "$(size)" = 268435456 ]
check "grow says only shrinks" grep -q 'only shrinks' "$SCRATCH/err"
run --root "$R" shrink --to 0
check "zero exits 2" [ "$code" = 2 ]
run --root "$R" shrink --to 12X
check "bad size exits 2" [ "$code" = 2 ]
check "bad size names --to" grep -q -- "--to: '12X' is not a size" "$SCRATCH/err"
check "still unchanged" [ "$(size)" = 268435456 ]

# A crash kernel is loaded: exit 3, file unchanged, says how.
mkroot loaded 536870912 1
run --root "$R" shrink --to 192M
check "loaded exits 3" [ "$code" = 3 ]
check "loaded unchanged" [ "$(size)" = 536870912 ]
check "loaded says how" grep -q 'kdump-config unload' "$SCRATCH/err"
check "loaded names --reload" grep -q -- '--reload' "$SCRATCH/err"
run --root "$R" shrink --to 192M --reload
check "--reload under --root exits 2" [ "$code" = 2 ]
check "--reload under --root unchanged" [ "$(size)" = 536870912 ]

# Nothing reserved / no kexec support: exit 3.
mkroot zero 0 0
run --root "$R" shrink --to 192M
check "nothing reserved exits 3" [ "$code" = 3 ]
mkroot nosys 536870912 0
rm "$R/sys/kernel/kexec_crash_size"
run --root "$R" shrink --to 192M
check "no sysfs file exits 3" [ "$code" = 3 ]

# --to auto is what recommend --policy estimate says this machine needs.
mkroot auto 536870912 0
mkdir -p "$R/var/lib/kdump"
cp "$src/tests/data/initramfs/main.cpio.gz" "$R/var/lib/kdump/initrd.img-6.1.0-56-amd64"
run --root "$R" --json recommend --policy estimate
want=$(json "j['bytes_for_this_machine']")
run --root "$R" --json shrink
check "auto exits 0" [ "$code" = 0 ]
check "auto = recommend --policy estimate ($want)" [ "$(json "j['to'], j['policy'], j['requested_bytes']")" = "auto estimate $want" ]
check "auto written" [ "$(size)" = "$want" ]
check "auto rationale" [ "$(json "len(j['rationale']) > 0")" = True ]

# auto when less than the estimate is reserved: nothing to give back, exit 0, a warning.
echo 67108864 >"$R/sys/kernel/kexec_crash_size"
run --root "$R" --json shrink
check "auto below the estimate: exit 0" [ "$code" = 0 ]
check "auto below the estimate: unchanged" [ "$(size)" = 67108864 ]
check "auto below the estimate: nothing changed" [ "$(json "j['changed'], j['after_bytes'], j['requested_bytes']")" = "False 67108864 $want" ]
check "auto below the estimate: warns" grep -q 'warning: the 64 MiB reserved now is less than' "$SCRATCH/err"

# auto with the RAM unknown: exit 3, names only options shrink has.
rm "$R/proc/iomem"
echo 536870912 >"$R/sys/kernel/kexec_crash_size"
run --root "$R" shrink
check "auto, RAM unknown: exit 3" [ "$code" = 3 ]
check "auto, RAM unknown: hint --to SIZE, not --memory" bash -c 'grep -q -- "--to SIZE" "$1" && ! grep -q -- "--memory" "$1"' _ "$SCRATCH/err"
check "auto, RAM unknown: unchanged" [ "$(size)" = 536870912 ]

# verify after a shrink: the kernel's trace in /proc/iomem (a "System RAM" tail right
# after the shrunk region, as 6.1's crash_shrink_memory() inserts it) makes it ok.
mkroot after 201326592 0
sed -i 's/  5f000000-7effffff : Crash kernel/  5f000000-6affffff : Crash kernel\n  6b000000-7effffff : System RAM/' "$R/proc/iomem"
run --root "$R" --json verify
check "shrunk verify exits 0" [ "$code" = 0 ]
check "shrunk verify ok" [ "$(json "j['status'], j['expected_bytes'], j['reserved_bytes'], j['shrunk_from_bytes']")" = "ok 536870912 201326592 536870912" ]
check "shrunk verify message" [ "$(json "'shrunk at run time from 512 MiB to 192 MiB' in j['message']")" = True ]
# Without the trace (a tail that does not start right after the region): mismatch.
sed -i 's/  6b000000-7effffff : System RAM/  6c000000-7effffff : System RAM/' "$R/proc/iomem"
run --root "$R" --json verify
check "no trace: mismatch" [ "$(json "j['status'], j['shrunk_from_bytes']")" = "mismatch None" ]
check "no trace exits 1" [ "$code" = 1 ]

finish
