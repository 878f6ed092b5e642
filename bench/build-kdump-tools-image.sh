#!/usr/bin/env bash
# Build the capture initramfs Debian's kdump-tools would build for a kernel, the way
# its /etc/kernel/postinst.d/kdump-tools does (kdump-tools 1:1.8.1): a copy of
# /etc/initramfs-tools, MODULES=most switched to MODULES=dep (conf.d/zzz-kdump), KDUMP=y
# appended to initramfs.conf, then `mkinitramfs -d COPY -o OUT RELEASE`.
#
# Usage: bench/build-kdump-tools-image.sh [--boot] RELEASE OUT [ROOT]
#   --boot  the boot initramfs instead (update-initramfs's: /etc/initramfs-tools as it
#         is, MODULES=most by default), which kdump-config loads without KDUMP_KERNEL
#   ROOT  a directory holding usr/lib/modules/RELEASE and boot/config-RELEASE of a
#         kernel that is not installed (scripts/vm/fetch-kernels.sh --modules unpacks
#         them under build/kernels/x86_64-SUITE/root). mkinitramfs reads both from
#         fixed places, so it runs in a private mount namespace where /usr/lib/modules
#         and /boot are overlays of the host's and ROOT's: the host is never changed.
#         Without ROOT: the host's installed kernel RELEASE.
set -euo pipefail

die() { echo "build-kdump-tools-image: $*" >&2; exit 1; }
conf=""
trap '[[ -z $conf ]] || rm -rf "$conf"' EXIT

main() {
    local boot=0
    if [[ ${1:-} == --boot ]]; then boot=1; shift; fi
    [[ $# -ge 2 && $# -le 3 ]] || die "usage: $0 [--boot] RELEASE OUT [ROOT]"
    local release=$1 out root=${3:-}
    out=$(readlink -f "$2")
    command -v mkinitramfs >/dev/null || die "mkinitramfs not found (install initramfs-tools)"
    conf=$(mktemp -d "${TMPDIR:-/tmp}/kdump-tools-conf.XXXXXX")
    cp -pr /etc/initramfs-tools "$conf/initramfs-tools"
    local dir=$conf/initramfs-tools modules=most f
    # The postinst's own reading of MODULES: initramfs.conf, then conf.d/* in order.
    modules=$(sh -c '. "$1/initramfs.conf"; for f in "$1"/conf.d/*; do [ -f "$f" ] && . "$f"; done; echo "${MODULES-most}"' sh "$dir")
    if ((!boot)); then
        if [[ $modules == most ]]; then
            mkdir -p "$dir/conf.d"
            echo MODULES=dep >"$dir/conf.d/zzz-kdump"
        fi
        echo KDUMP=y >>"$dir/initramfs.conf"
    fi
    mkdir -p "$(dirname "$out")"
    if [[ -z $root ]]; then
        mkinitramfs -d "$dir" -o "$out" "$release"
    else
        root=$(readlink -f "$root")
        [[ -d $root/usr/lib/modules/$release && -f $root/boot/config-$release ]] ||
            die "$root has no usr/lib/modules/$release or boot/config-$release (scripts/vm/fetch-kernels.sh --modules)"
        unshare -m sh -euc '
            mount --make-rprivate /
            mount -t overlay overlay -o "lowerdir=/usr/lib/modules:$1/usr/lib/modules" /usr/lib/modules
            mount -t overlay overlay -o "lowerdir=/boot:$1/boot" /boot
            mkinitramfs -d "$2" -o "$3" "$4"' sh "$root" "$dir" "$out" "$release"
    fi
    echo "$out"
}

main "$@"
