#!/usr/bin/env bash
# Build the two initramfs images of the end-to-end crash test (scripts/e2e/init.sh):
#
#   OUT/capture.img  what the capture kernel boots: busybox-static, kexec, makedumpfile
#                    (their shared libraries copied as ldd lists them), the virtio
#                    block modules of the kernel, and the same /init.
#   OUT/first.img    what the first kernel boots: the same files plus /vmlinuz (the
#                    kernel to load with kexec -p) and /capture.img.
#
# Usage: scripts/e2e/build-initramfs.sh [--out DIR] [--kernel VMLINUZ] [--pad-mb N]
#                                       [--kdump-setup BIN] [--base-initramfs F]
#   --out DIR        default $KDUMP_E2E_BUILD_DIR or <repo>/build/e2e
#   --kernel F       default: newest /boot/vmlinuz-* (its modules come from
#                    /lib/modules/<release>)
#   --pad-mb N       add N MiB of incompressible random data to capture.img (the
#                    calibration bench measures what a bigger capture initramfs costs)
#   --base-initramfs F  put the initramfs F (e.g. a distribution's mkinitramfs image)
#                    in front of capture.img as its first segment: the capture kernel
#                    unpacks all of F, then our archive over it, so our /init runs with
#                    F's whole tree in memory (the calibration bench measures what a
#                    real distribution capture initramfs costs)
#   --kdump-setup B  put B into both images as /kdump-setup: the hook in init.sh then
#                    runs `kdump-setup verify --json` in the first boot. The binary must
#                    run there (static, or its libraries are copied via ldd like kexec's;
#                    libefivar.so.1, which it dlopen()s, too).
#
# first.img also has the FAT, NLS and efivarfs modules: init.sh mounts the ESP and the
# EFI variables when the test appends a /kde-esp to it (tests/e2e/lib.sh, guest_initrd).
#
# Prints the two paths. Archives are byte-reproducible for the same inputs (fixed
# mtimes, sorted names, gzip -n), except for --pad-mb, whose data is random.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)

die() { echo "e2e/build-initramfs: $*" >&2; exit 1; }
# shellcheck source=scripts/vm/lib.sh
. "$script_dir/../vm/lib.sh"


# Copy a dynamically linked program and every library ldd names, at the same paths.
copy_with_libs() {
    local stage=$1 prog=$2 lib
    install -D -m 0755 "$prog" "$stage$prog"
    while read -r lib; do
        [[ -n $lib && -e $lib ]] || continue
        install -D -m 0755 "$(readlink -f "$lib")" "$stage$lib"
    done < <(ldd "$prog" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }')
}

# Kernel modules (plain or .ko.xz) from DIR into the image's flat /lib/modules. A module
# the kernel has built in (its modules.builtin, e.g. virtio on 6.12) is skipped: init.sh
# loads only the files that are there.
copy_modules() {
    local stage=$1 dir=$2 m f builtin
    builtin=${dir%%/kernel/*}/modules.builtin
    shift 2
    for m in "$@"; do
        f=$dir/$m.ko
        [[ -f $f ]] || f=$dir/$m.ko.xz
        if [[ ! -f $f && -f $builtin ]] && grep -qx "kernel/${dir#*/kernel/}/$m.ko" "$builtin"; then
            continue
        fi
        [[ -f $f ]] || die "module $m not found under $dir"
        if [[ $f == *.xz ]]; then
            xz -dc "$f" >"$stage/lib/modules/${m##*/}.ko"
        else
            cp "$f" "$stage/lib/modules/${m##*/}.ko"
        fi
    done
}


main() {
    local out=${KDUMP_E2E_BUILD_DIR:-$repo_root/build/e2e} kernel="" pad_mb=0 kds="" base=""
    while (($#)); do
        case $1 in
            --out) out=${2:?}; shift 2 ;;
            --kernel) kernel=${2:?}; shift 2 ;;
            --pad-mb) pad_mb=${2:?}; shift 2 ;;
            --kdump-setup) kds=${2:?}; shift 2 ;;
            --base-initramfs) base=${2:?}; shift 2 ;;
            -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; return 0 ;;
            *) die "unknown argument $1" ;;
        esac
    done
    [[ -n $kernel ]] || kernel=$(newest_kernel)
    local release=${kernel##*/vmlinuz-}
    local busybox=/bin/busybox kexec=/usr/sbin/kexec mdf=/usr/bin/makedumpfile
    [[ -x $busybox ]] || die "$busybox missing (install busybox-static)"
    file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || die "$busybox is not static (install busybox-static)"
    [[ -x $kexec ]] || die "$kexec missing (install kexec-tools)"
    [[ -x $mdf ]] || die "$mdf missing (install makedumpfile)"
    local moddir=/lib/modules/$release/kernel/drivers
    [[ -d $moddir ]] || die "$moddir missing: modules of $kernel are not installed"

    mkdir -p "$out"
    stage=$(mktemp -d "$out/stage.XXXXXX")
    trap 'rm -rf "${stage:-}"' EXIT
    mkdir -p "$stage"/{bin,dev,proc,sys,tmp,lib/modules}
    cp "$busybox" "$stage/bin/busybox"
    ln -s busybox "$stage/bin/sh"
    install -m 0755 "$script_dir/init.sh" "$stage/init"
    mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
    copy_with_libs "$stage" "$kexec"
    copy_with_libs "$stage" "$mdf"
    if [[ -n $kds ]]; then
        # A RelWithDebInfo binary is ~60 MB, mostly DWARF: the guest needs only the code.
        copy_with_libs "$stage" "$(readlink -f "$kds")"
        strip --strip-debug "$stage$(readlink -f "$kds")" 2>/dev/null || true
        ln -sf "$(readlink -f "$kds")" "$stage/kdump-setup"
    fi
    copy_modules "$stage" "$moddir" virtio/virtio_ring virtio/virtio virtio/virtio_pci_legacy_dev \
        virtio/virtio_pci_modern_dev virtio/virtio_pci block/virtio_blk
    if ((pad_mb > 0)); then
        # Random bytes do not compress: the image grows by the full amount.
        head -c $((pad_mb << 20)) /dev/urandom >"$stage/padding"
    fi
    pack_initramfs "$stage" "$out/capture.img" 6
    if [[ -n $base ]]; then
        # The kernel unpacks concatenated archives in order, later entries replacing
        # earlier ones (init/initramfs.c; Documentation/driver-api/early-userspace).
        [[ -s $base ]] || die "--base-initramfs $base: no such file or empty"
        local joined
        joined=$(mktemp "$out/capture.img.XXXXXX")
        cat "$base" "$out/capture.img" >"$joined"
        chmod 0644 "$joined"
        mv -f "$joined" "$out/capture.img"
    fi
    rm -f "$stage/padding"
    # The first kernel may mount the ESP it was booted from (init.sh, /kde-esp): FAT
    # and efivarfs modules, in first.img only, so capture.img stays what the
    # calibration bench measured.
    copy_modules "$stage" "/lib/modules/$release/kernel/fs" fat/fat fat/vfat nls/nls_cp437 \
        nls/nls_ascii nls/nls_utf8 efivarfs/efivarfs
    cp "$kernel" "$stage/vmlinuz"
    cp "$out/capture.img" "$stage/capture.img"
    pack_initramfs "$stage" "$out/first.img" 6
    echo "$out/capture.img"
    echo "$out/first.img"
}

main "$@"
