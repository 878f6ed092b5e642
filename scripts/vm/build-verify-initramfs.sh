#!/usr/bin/env bash
# Build the initramfs in which the guest runs the real kdump-setup binary
# (scripts/vm/verify-init.sh as /init, busybox-static, the binary stripped of debug
# info, and the shared libraries ldd names, at their paths).
#
# Usage: scripts/vm/build-verify-initramfs.sh KDUMP_SETUP_BINARY [OUT.cpio.gz]
#   OUT defaults to $KDUMP_VM_BUILD_DIR/verify-initramfs.cpio.gz
#   (KDUMP_VM_BUILD_DIR defaults to <repo>/build/vm).
# The image is rebuilt every time: the binary changes with every build.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
build_dir=${KDUMP_VM_BUILD_DIR:-$repo_root/build/vm}
busybox=${KDUMP_VM_BUSYBOX:-/bin/busybox}

die() { echo "build-verify-initramfs: $*" >&2; exit 1; }
# shellcheck source=scripts/vm/lib.sh
. "$script_dir/lib.sh"

bin=${1:?usage: $0 KDUMP_SETUP_BINARY [OUT.cpio.gz]}
out=${2:-$build_dir/verify-initramfs.cpio.gz}
[[ -x $bin ]] || die "$bin is not an executable"
[[ -x $busybox ]] || die "$busybox not found (install busybox-static)"
if command -v file >/dev/null && ! file -L "$busybox" | grep -q 'statically linked'; then
    die "$busybox is not statically linked (install busybox-static)"
fi

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "$(dirname "$out")/verify-initramfs.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,dev,proc,sys,usr/sbin,tmp}
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
install -m 0755 "$script_dir/verify-init.sh" "$stage/init"
# Debug info is most of the RelWithDebInfo binary (52 MB; the stripped image is ~4 MB
# gzipped). objcopy is in binutils, which g++ pulls in.
objcopy --strip-debug "$bin" "$stage/usr/sbin/kdump-setup" || install -m 0755 "$bin" "$stage/usr/sbin/kdump-setup"
# Every library the dynamic loader will map, and the loader itself, at the same path.
ldd "$bin" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }' |
    while read -r lib; do
        mkdir -p "$stage$(dirname "$lib")"
        cp -L "$lib" "$stage$lib"
    done
# The libraries' canonical locations (/lib -> usr/lib on merged-/usr Debian).
[[ -e $stage/lib64 ]] || die "no dynamic loader found by ldd in $bin"
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true

pack_initramfs "$stage" "$out" 6
echo "$out"
