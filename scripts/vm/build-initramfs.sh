#!/usr/bin/env bash
# Build the tiny busybox initramfs used to ask the real kernel what it reserved.
#
# Usage: scripts/vm/build-initramfs.sh [OUT.cpio.gz]
#   OUT defaults to $KDUMP_VM_BUILD_DIR/initramfs.cpio.gz
#   (KDUMP_VM_BUILD_DIR defaults to <repo>/build/vm).
#
# Idempotent: the image is rebuilt only when /init, this script or busybox is
# newer than it, and the archive is byte-reproducible (fixed mtimes, sorted
# names, gzip -n), so a rebuild of the same inputs gives the same bytes.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
build_dir=${KDUMP_VM_BUILD_DIR:-$repo_root/build/vm}
busybox=${KDUMP_VM_BUSYBOX:-/bin/busybox}
init_src=$script_dir/init.sh

stage=
cleanup() { [[ -z $stage ]] || rm -rf "$stage"; }
trap cleanup EXIT

die() { echo "build-initramfs: $*" >&2; exit 1; }
# shellcheck source=scripts/vm/lib.sh
. "$script_dir/lib.sh"

check_busybox() {
    [[ -x $busybox ]] || die "$busybox not found (install busybox-static)"
    # A dynamically linked busybox would need its libraries in the image.
    if command -v file >/dev/null && ! file -L "$busybox" | grep -q 'statically linked'; then
        die "$busybox is not statically linked (install busybox-static)"
    fi
}

up_to_date() {
    local out=$1 dep
    [[ -s $out ]] || return 1
    for dep in "$init_src" "${BASH_SOURCE[0]}" "$busybox"; do
        [[ $dep -nt $out ]] && return 1
    done
    return 0
}

build() {
    local out=$1
    mkdir -p "$(dirname "$out")"
    # Stage next to the output (never in the source tree); removed on exit.
    stage=$(mktemp -d "$(dirname "$out")/initramfs.stage.XXXXXX")

    mkdir -p "$stage"/{bin,dev,proc,sys}
    cp "$busybox" "$stage/bin/busybox"
    ln -s busybox "$stage/bin/sh"
    install -m 0755 "$init_src" "$stage/init"
    # The kernel opens /dev/console for /init's stdio before devtmpfs exists.
    # Creating the node needs root; without it /init reopens the console
    # itself once devtmpfs is mounted.
    mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true

    pack_initramfs "$stage" "$out" 9
}

main() {
    local out=${1:-$build_dir/initramfs.cpio.gz}
    [[ $# -le 1 ]] || die "usage: $0 [OUT.cpio.gz]"
    check_busybox
    if up_to_date "$out"; then
        echo "$out (up to date)"
        return 0
    fi
    build "$out"
    echo "$out"
}

main "$@"
