#!/usr/bin/env bash
# End to end through GRUB2: kdump-setup edits a Debian-like tree,
# Debian's real grub-mkconfig turns it into grub.cfg, real GRUB (grub-mkstandalone
# x86_64-efi) boots that menu entry under OVMF, the kernel reserves what explain
# predicted, and the crash -> capture kernel -> makedumpfile chain brings a dump back.
#
# Usage: tests/e2e/grub2.sh BIN [CASE...]
#   CASE: auto (reserve auto, default policy, --memory of the guest) and/or an explicit
#         value such as 256M. Default: "auto 224M".
# Env: KDUMP_SKIP_E2E=1 skips (exit 77, ctest SKIP); KDUMP_E2E_BUILD_DIR (images and
#      work files; default <repo>/build/e2e); KDUMP_E2E_MEM (guest RAM, default 2G).
#
# What each case asserts:
#   1. reserve exits 0 and the tree's /etc/default/grub (or a drop-in) changed;
#   2. grub-mkconfig's default entry carries exactly one crashkernel= and it is the
#      value kdump-setup wrote (the expression `recommend` gives for auto);
#   3. the guest's /proc/cmdline carries that crashkernel= word (GRUB passed it);
#   4. /sys/kernel/kexec_crash_size == `explain --json` .kexec_crash_size for the
#      guest's own cmdline, System RAM and kernel release, and is non-zero;
#   5. kexec -p loaded, the capture kernel wrote a dump, makedumpfile -R on the host
#      gives a file with the "KDUMP   " signature, the capture kernel powered off
#      (crash-boot.sh: captured);
#   6. HOOK (verify verb): when `BIN --help` lists verify, the image carries the
#      binary and the guest's `verify --json` must exit 0 with status ok and the
#      kernel's reservation (the guest has no boot files: backend null).
# Backends: this file holds the GRUB2 part (make_tree, check_written, make_boot_media);
# run_case and every boot-side assertion are tests/e2e/lib.sh's, shared with bls.sh and
# systemd_boot.sh (tests/e2e/README.md, "How a backend plugs in").
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
backend=grub2
e2e_setup "${1:-}" grub2 grub-mkstandalone unshare
shift
cases=("$@")
((${#cases[@]})) || cases=(auto 224M)
((EUID == 0)) || skip "not root (grub-mkconfig runs in a private mount namespace)"
[[ -f /usr/lib/grub/x86_64-efi/linux.mod ]] || skip "grub-efi-amd64-bin not installed"
[[ -x /usr/sbin/grub-mkconfig && -f /etc/grub.d/10_linux ]] || skip "grub-mkconfig (grub2-common) not installed"

# The staging tree: examples/debian12-grub with the real kernel and our initramfs
# in /boot, and a serial console on the command line (the admin's own words; they
# must survive the edit).
make_tree() {
    local tree=$1
    rm -rf "$tree"
    cp -a "$repo_root/examples/debian12-grub" "$tree"
    rm -rf "$tree/usr" "$tree/boot/"vmlinuz-* "$tree/boot/"initrd.img-*
    sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT="quiet"$/GRUB_CMDLINE_LINUX_DEFAULT="quiet console=ttyS0 nokaslr panic=-1"/' \
        "$tree/etc/default/grub"
    grep -q 'console=ttyS0' "$tree/etc/default/grub" || { echo "examples/debian12-grub changed: cannot add console=ttyS0"; exit 1; }
    cp "/boot/$kernel" "$tree/boot/"
    cp "$images/first.img" "$tree/boot/initrd.img-$release"
}

# Debian's real grub-mkconfig on the tree: /etc/default and /boot of the tree are
# bind-mounted over the host's in a private mount namespace, so the host is untouched
# (same method as tests/unit/test_backend_grub2.cpp, Grub2RealMkconfig).
run_mkconfig() {
    local tree=$1
    unshare -m --propagation private sh -c \
        'mount --bind "$1/etc/default" /etc/default && mount --bind "$1/boot" /boot && exec /usr/sbin/grub-mkconfig -o "$2"' \
        sh "$tree" "$tree/grub.cfg.generated" 2>"$tree/grub-mkconfig.log"
}

# The first menuentry of grub.cfg (the default entry, GRUB_DEFAULT=0), verbatim.
generated_entry_grub2() {
    awk '/^menuentry / { on = 1 } on { print } on && /^}/ { exit }' "$1"
}

# The ESP: real GRUB as \EFI\BOOT\BOOTX64.EFI with an embedded grub.cfg made of the
# generated entry. Only what ties the entry to the build host's disks is changed:
# search/set root lines go (our own search by a tag file finds the ESP), load_video
# (defined in the header we leave out) goes, and the kernel/initrd paths, which
# grub-mkrelpath resolved through the bind mount, become /boot/<file>.
make_boot_media() {
    local tree=$1 esp=$2 entry=$1/entry cfg=$1/esp-grub.cfg
    {
        echo "set default=0"
        echo "set timeout=0"
        echo "insmod part_gpt"
        echo "insmod fat"
        echo "search --no-floppy --set=root --file /kds-e2e-esp"
        sed -E -e '/^[[:space:]]*(search|set root=|load_video)/d' \
            -e 's#^([[:space:]]*(linux|initrd)[[:space:]]+)[^[:space:]]*/boot/#\1/boot/#' "$entry"
    } >"$cfg"
    grub-mkstandalone -O x86_64-efi -o "$tree/BOOTX64.EFI" \
        --install-modules="linux normal search search_fs_file fat part_msdos part_gpt gzio echo test configfile all_video" \
        --locales= --fonts= --themes= "boot/grub/grub.cfg=$cfg"
    esp_create "$esp" 160
    esp_put "$esp" "$tree/BOOTX64.EFI" /EFI/BOOT/BOOTX64.EFI
    esp_put "$esp" "$tree/boot/$kernel" "/boot/$kernel"
    esp_put "$esp" "$tree/boot/initrd.img-$release" "/boot/initrd.img-$release"
    echo kdump-setup-e2e >"$tree/kds-e2e-esp"
    esp_put "$esp" "$tree/kds-e2e-esp" /kds-e2e-esp
}

# What reserve wrote, as grub-mkconfig turns it into the default entry.
check_written() {
    local tree=$1 value=$2
    grep -rqF -- "$value" "$tree/etc/default" || { fail "$value not written under etc/default"; return 1; }
    run_mkconfig "$tree" || { fail "grub-mkconfig: $(cat "$tree/grub-mkconfig.log")"; return 1; }
    generated_entry_grub2 "$tree/grub.cfg.generated" >"$tree/entry"
    local linux_line n
    linux_line=$(grep -m 1 -E '^[[:space:]]*linux[[:space:]]' "$tree/entry")
    n=$({ grep -o 'crashkernel=[^ ]*' <<<"$linux_line" || true; } | wc -l)  # none: 0, not a pipefail exit
    if ((n == 1)) && grep -qF -- " $value " <<<"$linux_line "; then
        pass "grub-mkconfig default entry carries $value once"
    else
        fail "default entry linux line: $linux_line"; return 1
    fi
}

for c in "${cases[@]}"; do run_case "$c"; done
e2e_finish
