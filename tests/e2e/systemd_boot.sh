#!/usr/bin/env bash
# End to end through systemd-boot: kdump-setup edits an ESP tree
# (the corpus entry arch-patricol: tabs, a trailing blank line, two initrd lines, an
# /etc/kernel/cmdline), Debian's real systemd-boot under OVMF boots the entry file
# exactly as reserve left it, the kernel reserves what explain predicted, `verify` in
# the guest reads the same ESP and agrees, and the crash -> capture kernel ->
# makedumpfile chain brings a dump back.
#
# Usage: tests/e2e/systemd_boot.sh BIN [CASE...]
#   CASE: auto (reserve auto, default policy, --memory of the guest) and/or an explicit
#         value such as 224M. Default: "auto 224M".
# Env: KDUMP_SKIP_E2E=1 skips (exit 77, ctest SKIP); KDUMP_E2E_BUILD_DIR (images and
#      work files; default <repo>/build/e2e); KDUMP_E2E_MEM (guest RAM, default 2G).
#
# What each case asserts (the boot part is run_case in tests/e2e/lib.sh):
#   1. reserve exits 0; every file of the tree that names crashkernel= (the entry,
#      /etc/kernel/cmdline) names it once, as the value (the expression `recommend`
#      gives for auto), and the entry's options give the kernel exactly that one;
#   2. the ESP's loader/entries/*.conf are the tree's, byte for byte (cmp);
#   3. the guest's /proc/cmdline carries it once (systemd-boot passed it);
#   4. /sys/kernel/kexec_crash_size == `explain --json` .kexec_crash_size for the
#      guest's cmdline, System RAM and kernel release;
#   5. `verify --json` in the guest (the ESP mounted at /efi, efivarfs mounted, the
#      tree's /etc): exit 0, status ok, backend systemd-boot found through the
#      LoaderInfo EFI variable systemd-boot set, configured == running;
#   6. the dump came back valid (crash-boot.sh: captured), the capture kernel powered off.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
backend=systemd-boot
guest_backend=systemd-boot
guest_reason="LoaderInfo 'systemd-boot"  # the loader itself says so, through efivarfs
e2e_setup "${1:-}" systemd_boot cpio
shift
cases=("$@")
((${#cases[@]})) || cases=(auto 224M)
[[ -r $sdboot_efi ]] || skip "$sdboot_efi missing (systemd-boot-efi)"

golden=$repo_root/golden/systemd-boot/entry-arch-patricol-tabs-trailing-blank/root
entry=efi/loader/entries/arch-patricol-tabs-trailing-blank.conf

# The golden tree, with: the admin's serial console on the entry's options line (it
# must survive the edit), `timeout 0` in loader.conf (no menu wait), and the files the
# entry names: the real kernel as /vmlinuz-linux, first.img as /initramfs-linux.img,
# and /intel-ucode.img as an empty cpio archive (a microcode image with no microcode).
make_tree() {
    local tree=$1
    rm -rf "$tree"
    cp -a "$golden" "$tree"
    sed -i 's/^\(options\t.*\)$/\1 console=ttyS0 nokaslr panic=-1/' "$tree/$entry"
    sed -i 's/^timeout .*/timeout 0/' "$tree/efi/loader/loader.conf"
    grep -q 'console=ttyS0' "$tree/$entry" || { echo "$golden changed: cannot add console=ttyS0"; exit 1; }
    cp "/boot/$kernel" "$tree/efi/vmlinuz-linux"
    cp "$images/first.img" "$tree/efi/initramfs-linux.img"
    cpio --create --format=newc --quiet </dev/null >"$tree/efi/intel-ucode.img"
}

check_written() { check_tree_value "$1" "$2" "$entry"; }

# The ESP: systemd-boot and the tree's efi/ as it is (lib.sh, sdboot_esp); the guest
# mounts it at /efi and reads the EFI variables (LoaderInfo names systemd-boot).
make_boot_media() { sdboot_esp "$1" "$2" efi "initramfs-linux.img" "/efi efivarfs"; }

for c in "${cases[@]}"; do run_case "$c"; done
e2e_finish
