#!/usr/bin/env bash
# End to end through the BLS backend: kdump-setup edits a Fedora 39
# tree (golden/bls/fedora39: literal options in every entry, a rescue entry, one with a
# stale machine-id, /etc/kernel/cmdline, GRUB_CMDLINE_LINUX), a real boot loader boots
# the Type #1 entry exactly as reserve left it, the kernel reserves what explain
# predicted, `verify` in the guest reads the same files and agrees, and the crash ->
# capture kernel -> makedumpfile chain brings a dump back.
#
# The boot loader: Fedora boots these entries with GRUB's blscfg module, which Debian's
# GRUB 2.06 does not have (no /usr/lib/grub/x86_64-efi/blscfg.mod in
# grub-efi-amd64-bin 2.06-13+deb12u2; its command.lst lists no blscfg). Debian's
# systemd-boot reads the same Type #1 entries natively (the Boot Loader
# Specification), so it boots them here, from an ESP that is the tree's /boot.
#
# Usage: tests/e2e/bls.sh BIN [CASE...]
#   CASE: auto (reserve auto, default policy, --memory of the guest) and/or an explicit
#         value such as 224M. Default: "auto 224M".
# Env: KDUMP_SKIP_E2E=1 skips (exit 77, ctest SKIP); KDUMP_E2E_BUILD_DIR (images and
#      work files; default <repo>/build/e2e); KDUMP_E2E_MEM (guest RAM, default 2G).
#
# What each case asserts (the boot part is run_case in tests/e2e/lib.sh):
#   1. reserve exits 0; every file of the tree that names crashkernel= (each entry,
#      /etc/kernel/cmdline, /etc/default/grub) names it once, as the value (the
#      expression `recommend` gives for auto), and the booted entry gives the kernel
#      exactly that one;
#   2. the ESP's loader/entries/*.conf are the tree's, byte for byte (cmp);
#   3. the guest's /proc/cmdline carries it once;
#   4. /sys/kernel/kexec_crash_size == `explain --json` .kexec_crash_size for the
#      guest's cmdline, System RAM and kernel release;
#   5. `verify --json` in the guest (the ESP mounted at /boot, the tree's /etc; no
#      efivarfs, so no LoaderInfo names systemd-boot and the guest looks like the GRUB
#      machine it stands for): exit 0, status ok, backend bls, configured == running;
#   6. the dump came back valid (crash-boot.sh: captured), the capture kernel powered off.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
backend=bls
guest_backend=bls
e2e_setup "${1:-}" bls cpio grub-editenv
shift
cases=("$@")
((${#cases[@]})) || cases=(auto 224M)
[[ -r $sdboot_efi ]] || skip "$sdboot_efi missing (systemd-boot-efi)"

golden=$repo_root/golden/bls/fedora39/root
golden_version=6.5.6-300.fc39.x86_64

# The golden tree with its newest entry turned into one for the real kernel, as
# kernel-install would have written it (the same lines, this release, and the admin's
# serial console on the options line; it must survive the edit), the kernel and
# first.img at the paths the entry names, and grubenv's saved_entry pointing at it.
# systemd-boot, without a loader.conf, boots the first entry in its order (ids
# compared as versions, descending): this one.
make_tree() {
    local tree=$1 mid id
    rm -rf "$tree"
    cp -a "$golden" "$tree"
    mid=$(cat "$tree/etc/machine-id")
    id=$mid-$release
    local old=$tree/boot/loader/entries/$mid-$golden_version.conf
    [[ -f $old ]] || { echo "$golden changed: no $mid-$golden_version.conf"; exit 1; }
    sed -e "s/$golden_version/$release/g" -e 's/^options .*$/& console=ttyS0 nokaslr panic=-1/' "$old" \
        >"$tree/boot/loader/entries/$id.conf"
    rm "$old"
    grub-editenv "$tree/boot/grub2/grubenv" set "saved_entry=$id"
    cp "/boot/$kernel" "$tree/boot/vmlinuz-$release"
    cp "$images/first.img" "$tree/boot/initramfs-$release.img"
    entry=boot/loader/entries/$id.conf
}

check_written() { check_tree_value "$1" "$2" "$entry"; }

# The ESP: systemd-boot and the tree's boot/ as it is (the entries, grub2/, kernel,
# initramfs; lib.sh, sdboot_esp); the guest mounts it at /boot, without efivarfs.
make_boot_media() { sdboot_esp "$1" "$2" boot "initramfs-$release.img" "/boot"; }

for c in "${cases[@]}"; do run_case "$c"; done
e2e_finish
