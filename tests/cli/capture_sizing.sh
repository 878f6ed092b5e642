#!/usr/bin/env bash
# Sizing for the capture kernel and the capture initramfs to come: --kernel-release on
# recommend and reserve auto chooses the estimate's kernel generation; a tree with
# Debian's kdump-tools installed and no image yet is sized for the image it will build;
# a tree without any kdump package gets RHEL 7's rule; each says so in its notes.
source "$(dirname "$0")/lib.sh"
R=$SCRATCH/root
cp -r "${KDUMP_SOURCE_DIR:-$LIB_DIR/../..}/examples/debian12-grub" "$R"

run --root "$R" --json recommend
check "no package: RHEL 7's rule in the notes" grep -q "RHEL 7's rule" <<<"$(json "j['notes'][0]")"
# 24 GiB here: 160 MiB + 1.5 MiB, rounded up to 162 MiB.
check "no package: 160 MiB + 64 MiB/TiB, rounded up" [ "$(json "j['policy_bytes']")" = $((162 << 20)) ]

mkdir -p "$R/var/lib/dpkg/info" "$R/etc/initramfs-tools"
echo /usr/sbin/kdump-config >"$R/var/lib/dpkg/info/kdump-tools.list"
printf 'KDUMP_KERNEL=/var/lib/kdump/vmlinuz\nKDUMP_INITRD=/var/lib/kdump/initrd.img\n' >"$R/etc/default/kdump-tools"
echo MODULES=most >"$R/etc/initramfs-tools/initramfs.conf"
for rel in 6.1.0-28-amd64:6.1 6.12.57+deb13-amd64:6.12 7.2.13+deb14-amd64:7.x; do
  run --root "$R" --json recommend --kernel-release "${rel%%:*}"
  check "recommend --kernel-release ${rel%%:*}: exit 0" [ "$code" = 0 ]
  check "recommend --kernel-release ${rel%%:*}: generation ${rel#*:}" [ "$(json "j['calibration_generation']")" = "${rel#*:}" ]
  check "recommend --kernel-release ${rel%%:*}: the planned kdump-tools image" \
    grep -q "initrd.img-${rel%%:*} with MODULES=dep" <<<"$(json "j['notes'][0]")"
  expr=$(json "j['expression']")
  run --root "$R" --json reserve auto --dry-run --no-update --kernel-release "${rel%%:*}"
  check "reserve auto --kernel-release ${rel%%:*}: exit 0" [ "$code" = 0 ]
  check "reserve auto --kernel-release ${rel%%:*}: recommend's value" [ "$(json "j['expression']")" = "$expr" ]
done
run --root "$R" recommend --kernel-release 6.12.57+deb13-amd64
check "text: the note line" grep -q "^note: the capture initramfs does not exist yet: sized for Debian kdump-tools' MODULES=dep image as measured with kernel 6.12 because" "$SCRATCH/out"
run --root "$R" reserve auto --dry-run --kernel-release nope
check "reserve auto --kernel-release nope: exit 2 naming the option" bash -c '[ "$1" = 2 ] && grep -q -- --kernel-release "$2"' _ "$code" "$SCRATCH/err"
run --root "$R" --json recommend --kernel-release 6
check "recommend --kernel-release 6: exit 2" [ "$code" = 2 ]

# reserve auto before kdump-tools built its image sizes for the planned image; once the
# image exists, refresh sizes for it and writes the new value (the value is kdump-setup's).
run --root "$R" --json reserve auto --no-update
check "reserve auto before the image: exit 0" [ "$code" = 0 ]
check "reserve auto before the image: planned" [ "$(json "j['notes'][0]" | grep -c 'not built yet, planned')" = 1 ]
planned=$(json "j['expression']")
mkdir -p "$R/var/lib/kdump"
head -c 40000000 /dev/zero >"$R/var/lib/kdump/initrd.img-6.1.0-99-amd64"
run --root "$R" --json refresh --no-update
check "refresh after the image is built: updated" [ "$(json "j['refresh']['reason']")" = updated ]
check "refresh after the image is built: another value" [ "$(json "j['expression']")" != "$planned" ]
check "refresh after the image is built: sized from the image" \
  grep -q "capture_initramfs = \"/var/lib/kdump/initrd.img-6.1.0-99-amd64\"" "$R/var/lib/kdump-setup/state.toml"
finish
