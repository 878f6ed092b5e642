#!/usr/bin/env bash
# reserve/remove with the systemd-boot backend through the built binary: detection,
# exit codes (docs/contract.md §5), the UKI refusal, nothing changed by a dry run or a refusal.
source "$(dirname "$0")/lib.sh"
G=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/golden/systemd-boot

cp -a "$G/loader-heptasean-default-without-suffix/root" "$SCRATCH/t"
before=$(cd "$SCRATCH/t" && find . -type f -exec sha256sum {} + | sort)

run --json --root "$SCRATCH/t" reserve 256M --kernel default --dry-run
check "dry run exit 0" [ "$code" = 0 ]
check "auto picks systemd-boot" [ "$(json "j['backend']")" = systemd-boot ]
check "only the loader.conf default" [ "$(json "[f['path'] for f in j['files'] if f['changed']]")" \
  = "['/efi/loader/entries/arch-default.conf']" ]
check "dry run changes nothing" [ "$(cd "$SCRATCH/t" && find . -type f -exec sha256sum {} + | sort)" = "$before" ]

run --root "$SCRATCH/t" reserve 256M --kernel default
check "reserve exit 0" [ "$code" = 0 ]
check "entry written" grep -q '^options root=/dev/sda2 rw crashkernel=256M$' "$SCRATCH/t/efi/loader/entries/arch-default.conf"
check "other entries untouched" grep -q '^options root=/dev/sda2 rw$' "$SCRATCH/t/efi/loader/entries/arch-lts.conf"
run --root "$SCRATCH/t" reserve 256M --kernel default
check "second reserve exit 0" [ "$code" = 0 ]
run --root "$SCRATCH/t" remove --kernel default
check "remove exit 0" [ "$code" = 0 ]
check "remove gives back the bytes" [ "$(cd "$SCRATCH/t" && find . -type f -exec sha256sum {} + | sort)" = "$before" ]

cp -a "$G/uki-only/root" "$SCRATCH/u"
run --root "$SCRATCH/u" reserve 512M
check "UKI-only exit 3" [ "$code" = 3 ]
check "UKI not a PE image: file and offset" grep -q 'arch-linux.efi: .*byte offset' "$SCRATCH/err"

# A UKI built by ukify (systemd 257): reserve installs kdump-setup's add-on, status sees
# it in the effective command line, remove gives back every file byte for byte.
cp -a "$G/uki-arch-mkinitcpio-default/root" "$SCRATCH/k"
before=$(cd "$SCRATCH/k" && find . -type f -exec sha256sum {} + | sort)
run --root "$SCRATCH/k" reserve 256M --dry-run
check "UKI dry-run exit 0" [ "$code" = 0 ]
check "UKI dry-run shows the add-on" grep -q "^create /efi/EFI/Linux/arch-linux.efi.extra.d/kdump-setup-crashkernel.addon.efi (3072 bytes, .cmdline 'crashkernel=256M')$" "$SCRATCH/out"
run --root "$SCRATCH/k" reserve 256M
check "UKI reserve exit 0" [ "$code" = 0 ]
check "UKI add-on written" [ -s "$SCRATCH/k/efi/EFI/Linux/arch-linux.efi.extra.d/kdump-setup-crashkernel.addon.efi" ]
run --root "$SCRATCH/k" status
check "UKI status sees the add-on" grep -q '^configured  crashkernel=256M$' "$SCRATCH/out"
run --root "$SCRATCH/k" remove
check "UKI remove exit 0" [ "$code" = 0 ]
check "UKI remove gives back the bytes" [ "$(cd "$SCRATCH/k" && find . -type f -exec sha256sum {} + | sort)" = "$before" ]
check "UKI cmdline untouched" [ "$(cat "$SCRATCH/u/etc/kernel/cmdline")" = "root=/dev/sda2 rw" ]

run --root "$SCRATCH/t" reserve 256M --kernel 9.9-nonexistent
check "unknown release exit 2" [ "$code" = 2 ]

finish
