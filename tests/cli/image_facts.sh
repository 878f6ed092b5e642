#!/usr/bin/env bash
# An image tree without proc/ tells its architecture and kernel release from its files,
# each with its source; explain of a command line without crashkernel= says it asks
# for no reservation.
source "$(dirname "$0")/lib.sh"
R=$SCRATCH/img
mkdir -p "$R/var/lib/dpkg" "$R/boot" "$R/usr/lib/modules/6.12.0-1-arm64"
echo arm64 >"$R/var/lib/dpkg/arch"
touch "$R/boot/vmlinuz-6.1.0-9-amd64" "$R/boot/vmlinuz-6.1.0-10-amd64"
run --root "$R" --json recommend --memory 8G
check "arch from /var/lib/dpkg/arch" [ "$(json "j['facts']['arch']['value'], j['facts']['arch']['source'].endswith('/var/lib/dpkg/arch')")" = "aarch64 True" ]
check "newest /boot/vmlinuz-*" [ "$(json "j['facts']['kernel_release']['value']")" = 6.1.0-10-amd64 ]

rm "$R/var/lib/dpkg/arch" "$R"/boot/vmlinuz-*
mkdir -p "$R/bin"
cp "$(readlink -f /bin/sh)" "$R/bin/sh"
run --root "$R" --json recommend --memory 8G
check "arch from the ELF header of /bin/sh" grep -q "ELF header" <<<"$(json "j['facts']['arch']['source']")"
check "release from /usr/lib/modules" [ "$(json "j['facts']['kernel_release']['value']")" = 6.12.0-1-arm64 ]

rm "$R/bin/sh"
mkdir -p "$R/boot/efi/EFI/debian"
touch "$R/boot/efi/EFI/debian/grubaa64.efi"
run --root "$R" --json recommend --memory 8G
check "arch from the boot loader's name" [ "$(json "j['facts']['arch']['value']")" = aarch64 ]

rm -rf "$R"/boot/efi "$R"/usr/lib/modules/*
run --root "$R" explain 256M --memory 8G
check "nothing tells: exit 3 naming --arch" bash -c '[ "$1" = 3 ] && grep -q -- --arch "$2"' _ "$code" "$SCRATCH/err"

mkdir -p "$R/proc"
echo "root=/dev/sda1 quiet" >"$R/proc/cmdline"
run --root "$R" --json explain --memory 8G --arch aarch64 --kernel-release 6.12.0
check "no crashkernel=: exit 0" [ "$code" = 0 ]
check "no crashkernel=: valid, not requested, no error" [ "$(json "j['valid'], j['requested'], j['error']")" = "True False None" ]
run --root "$R" explain --memory 8G --arch aarch64 --kernel-release 6.12.0
check "no crashkernel=: says it asks for no reservation" grep -q "asks for no reservation" "$SCRATCH/out"
finish
