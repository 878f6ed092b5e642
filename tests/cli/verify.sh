#!/usr/bin/env bash
# status/verify through the built binary on fake roots: every status, both sysfs file
# names, two iomem regions, unreadable iomem; exit codes and JSON keys pinned.
source "$(dirname "$0")/lib.sh"

# mkroot NAME CMDLINE CRASH_SIZE [CONFIGURED]: a root of a 6.1 x86_64 machine with 4 GiB
# (iomem "System RAM" 0x100000-0x100000000), booted with CMDLINE; CRASH_SIZE "-" leaves
# the sysfs file out; CONFIGURED (value or "none") adds /etc/default/grub + grub.cfg and
# the running kernel's /boot/vmlinuz (without a kernel, no GRUB entry exists and which value
# the next boot gets is unknown: see "next-boot-unknown" below).
mkroot() {
  local r="$SCRATCH/$1"
  mkdir -p "$r/proc/sys/kernel" "$r/sys/kernel"
  echo x86_64 >"$r/proc/sys/kernel/arch"
  echo 6.1.0-56-amd64 >"$r/proc/sys/kernel/osrelease"
  echo "$2" >"$r/proc/cmdline"
  printf '00001000-0009ffff : System RAM\n00100000-ffffffff : System RAM\n  01000000-01ffffff : Kernel code\n' >"$r/proc/iomem"
  if [ "$3" != - ]; then echo "$3" >"$r/sys/kernel/kexec_crash_size"; echo 0 >"$r/sys/kernel/kexec_crash_loaded"; fi
  if [ $# -ge 4 ]; then
    mkdir -p "$r/etc/default" "$r/boot/grub"
    if [ "$4" = none ]; then echo 'GRUB_CMDLINE_LINUX="quiet"' >"$r/etc/default/grub"
    else echo "GRUB_CMDLINE_LINUX=\"quiet crashkernel=$4\"" >"$r/etc/default/grub"; fi
    printf '# generated\nmenuentry x {\n  linux /vmlinuz root=/dev/vda\n}\n' >"$r/boot/grub/grub.cfg"
    : >"$r/boot/vmlinuz-6.1.0-56-amd64"
  fi
  R=$r
}
region() {  # region START END: adds a "Crash kernel" line under System RAM
  sed -i "2a\\  $1-$2 : Crash kernel" "$R/proc/iomem"
}

KEYS="['configured', 'crash_regions', 'expected_bytes', 'kernel_release', 'loaded', 'memory_bytes', 'message', 'reserved_bytes', 'running', 'status']"

# ok: 256M reserved, one region, grub2 configured the same.
mkroot ok "root=/dev/vda crashkernel=256M" 268435456 256M
region 6f000000 7effffff
run --root "$R" --json verify
check "ok exits 0" [ "$code" = 0 ]
check "json keys" [ "$(json "sorted(k for k in j if k in $KEYS)")" = "$KEYS" ]
check "ok values" [ "$(json "j['status'], j['configured'], j['running'], j['expected_bytes'], j['reserved_bytes'], j['loaded'], j['backend']")" \
  = "ok 256M 256M 268435456 268435456 False grub2" ]
check "ok region" [ "$(json "j['crash_regions']")" = "[{'bytes': 268435456, 'end': 2130706431, 'start': 1862270976}]" ]
check "ok memory and release" [ "$(json "j['memory_bytes'], j['kernel_release']")" = "4294569984 6.1.0-56-amd64" ]
run --root "$R" verify
check "ok text one sentence" grep -q '^ok: crashkernel=256M is in effect: 256 MiB reserved' "$SCRATCH/out"
run --root "$R" status
check "status exits 0 on ok" [ "$code" = 0 ]
check "status table configured" grep -q '^configured  crashkernel=256M$' "$SCRATCH/out"
check "status table region" grep -q '^regions     6f000000-7effffff 256 MiB$' "$SCRATCH/out"
check "status table file" grep -q '^file        /etc/default/grub GRUB_CMDLINE_LINUX: crashkernel=256M$' "$SCRATCH/out"

# The newer sysfs name /sys/kernel/kexec/crash_size.
mkroot newname "crashkernel=256M" - 256M
mkdir -p "$R/sys/kernel/kexec"; echo 268435456 >"$R/sys/kernel/kexec/crash_size"; echo 1 >"$R/sys/kernel/kexec/crash_loaded"
region 6f000000 7effffff
run --root "$R" --json verify
check "new sysfs name ok" [ "$(json "j['status'], j['reserved_bytes'], j['loaded'], j['crash_size_source'].endswith('/sys/kernel/kexec/crash_size')")" = "ok 268435456 True True" ]

# Two regions: ,high plus the default low 256M (6.1 x86: kexec_crash_size counts only main).
mkroot high "crashkernel=512M,high" 536870912 512M,high
echo '100000000-17fffffff : System RAM' >>"$R/proc/iomem"
region 10000000 1fffffff
echo '  160000000-17fffffff : Crash kernel' >>"$R/proc/iomem"
run --root "$R" --json verify
check "two regions ok" [ "$(json "j['status'], len(j['crash_regions']), j['crash_regions'][0]['start'] < j['crash_regions'][1]['start']")" = "ok 2 True" ]
# Regions that do not add up to main + low: mismatch.
sed -i '/10000000-1fffffff/d' "$R/proc/iomem"
run --root "$R" --json verify
check "missing low region is a mismatch" [ "$(json "j['status']")" = mismatch ]
check "mismatch exits 1" [ "$code" = 1 ]

# Unreadable iomem (addresses hidden as for a non-root reader): regions null, still ok.
mkroot hidden "crashkernel=256M" 268435456 256M
printf '00000000-00000000 : System RAM\n  00000000-00000000 : Crash kernel\n' >"$R/proc/iomem"
mkdir -p "$R/sys/firmware/memmap/0"; echo 0x100000 >"$R/sys/firmware/memmap/0/start"
echo 0xffffffff >"$R/sys/firmware/memmap/0/end"; echo 'System RAM' >"$R/sys/firmware/memmap/0/type"
run --root "$R" --json verify
check "hidden iomem: regions null" [ "$(json "j['crash_regions'], j['status']")" = "None ok" ]
check "hidden iomem said" [ "$(json "any('run as root' in d for d in j['details'])")" = True ]

# pending-reboot: next boot differs from this boot.
mkroot pending "crashkernel=256M" 268435456 384M
run --root "$R" --json verify
check "pending exits 1" [ "$code" = 1 ]
check "pending values" [ "$(json "j['status'], j['configured'], j['running']")" = "pending-reboot 384M 256M" ]
mkroot pending2 "root=/dev/vda" 0 256M
run --root "$R" --json verify
check "configured, not booted: pending" [ "$(json "j['status'], j['running']")" = "pending-reboot None" ]

# pending-reboot names the entry that boots next; the status table lists every entry.
run --root "$SCRATCH/pending" --json verify
check "pending names the entry" [ "$(json "j['next_boot']['id'], j['next_boot']['crashkernel'], 'simple' in j['message']")" = "simple 384M True" ]
check "pending entries" [ "$(json "[(e['id'], e['crashkernel'], e['next_boot']) for e in j['entries']]")" = \
  "[('simple', '384M', True), ('advanced-6.1.0-56-amd64', '384M', False), ('recovery-6.1.0-56-amd64', '384M', False)]" ]
# next-boot-unknown: the files configure another value, but no kernel is installed, so no
# GRUB entry exists and pending-reboot cannot be claimed.
mkroot nokernel "crashkernel=256M" 268435456 384M
rm "$R"/boot/vmlinuz-*
run --root "$R" --json verify
check "no kernel: next-boot-unknown, exit 1" [ "$(json "j['status'], j['configured'], j['next_boot']['known']")" = "next-boot-unknown 384M False" ] && [ "$code" = 1 ]
check "no kernel: says why" [ "$(json "'no grub2 boot entry exists' in j['message']")" = True ]

# not-configured: nowhere.
mkroot none "root=/dev/vda" 0 none
run --root "$R" --json verify
check "not-configured" [ "$(json "j['status'], j['configured'], j['running'], j['backend']")" = "not-configured None None grub2" ]
check "not-configured exits 1" [ "$code" = 1 ]
# No boot loader: configured null and said, not an error.
mkroot noloader "root=/dev/vda" 0
run --root "$R" --json verify
check "no loader: not an error" [ "$code" = 1 ]
check "no loader: configured null" [ "$(json "j['status'], j['configured'], j['backend']")" = "not-configured None None" ]
check "no loader: said" [ "$(json "'no boot loader' in j['backend_reason']")" = True ]

# not-reserved: no range matches 4 GiB.
mkroot norange "crashkernel=8G-:512M" 0 8G-:512M
run --root "$R" --json verify
check "no range: not-reserved" [ "$(json "j['status'], j['expected_bytes'], j['reserved_bytes']")" = "not-reserved 0 0" ]
check "no range: says why" [ "$(json "'no range' in j['message'] and '4 GiB as the kernel rounds' in j['message']")" = True ]
# not-reserved: rejected value, with the kernel's message.
mkroot rejected "crashkernel=2G-1G:64M" 0 2G-1G:64M
echo '[    0.000000] crashkernel: end <= start' >"$R/var_log_dmesg"; mkdir -p "$R/var/log"; mv "$R/var_log_dmesg" "$R/var/log/dmesg"
run --root "$R" --json verify
check "rejected: not-reserved" [ "$(json "j['status']")" = not-reserved ]
check "rejected: kernel message" [ "$(json "'end <= start' in j['message']")" = True ]
check "rejected: log line in details" [ "$(json "any(d.endswith('crashkernel: end <= start') for d in j['details'])")" = True ]
# not-reserved: too large for RAM.
mkroot large "crashkernel=8G" 0 8G
run --root "$R" --json verify
check "too large: not-reserved" [ "$(json "j['status'], 'too large' in j['message'] or 'cannot' in j['message']")" = "not-reserved True" ]

# mismatch: shrunk at runtime.
mkroot shrunk "crashkernel=256M" 134217728 256M
run --root "$R" --json verify
check "shrunk: mismatch" [ "$(json "j['status'], j['expected_bytes'], j['reserved_bytes']")" = "mismatch 268435456 134217728" ]
check "shrunk: says shrunk" [ "$(json "'shrunk' in j['message']")" = True ]

# unsupported: no sysfs file at all.
mkroot unsup "crashkernel=256M" - 256M
run --root "$R" --json verify
check "unsupported" [ "$(json "j['status'], j['reserved_bytes']")" = "unsupported None" ]
check "unsupported exits 1" [ "$code" = 1 ]
run --root "$R" verify
check "unsupported text" grep -q '^unsupported: .*no kexec crash support' "$SCRATCH/out"

# cannot act: RAM unknown while a value must be judged.
mkroot noram "crashkernel=256M" 268435456
rm "$R/proc/iomem"
run --root "$R" verify
check "RAM unknown exits 3" [ "$code" = 3 ]
check "RAM unknown names --memory" grep -q -- '--memory' "$SCRATCH/err"

# status --json is the same object; -q prints nothing but keeps the exit code.
mkroot st "crashkernel=256M" 268435456 384M
run --root "$R" --json status
check "status json keys" [ "$(json "sorted(k for k in j if k in $KEYS)")" = "$KEYS" ]
check "status json pending" [ "$(json "j['status']")" = pending-reboot ]
check "status exits 1 when not ok" [ "$code" = 1 ]
run --root "$R" -q verify
check "quiet: no output, exit 1" [ -z "$out" ] && [ "$code" = 1 ]

# An offline image (no proc/, no sys/): offline-image, not "no kexec support", and what
# the entry that boots next carries.
mkroot image x - 512M
rm -r "$R/proc" "$R/sys"
run --root "$R" --json status
check "image: offline-image, exit 1" [ "$(json "j['status'], j['offline_image'], j['configured']")" = "offline-image True 512M" ] && [ "$code" = 1 ]
check "image: not kexec" [ "$(json "'kexec crash support' not in j['message'] and 'offline image' in j['message'] and \"'simple', carries crashkernel=512M\" in j['message']")" = True ]
run --root "$R" status
check "image table: entries" grep -q "^entry       \* simple (/etc/default/grub, 6.1.0-56-amd64): crashkernel=512M$" "$SCRATCH/out"
check "image table: status" grep -q "^status      offline-image$" "$SCRATCH/out"

run verify --bogus
check "bad usage exits 2" [ "$code" = 2 ]
finish
