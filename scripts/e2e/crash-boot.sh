#!/usr/bin/env bash
# Run the whole crash path in one QEMU guest and check the dump on the host:
# first kernel -> kexec -p -> sysrq c -> capture kernel -> makedumpfile -> disk.
#
# Usage: scripts/e2e/crash-boot.sh [options] [--] [APPEND...]
#   -m SIZE          guest RAM as QEMU takes it (default 1G)
#   -t SECONDS       hard timeout for both boots together (default 240)
#   --dir DIR        where to put the dump disk, serial log, reassembled dump
#                    (default: a new temp dir; kept, its path is printed as KDE:dir)
#   --images DIR     holds first.img and capture.img (scripts/e2e/build-initramfs.sh);
#                    default $KDUMP_E2E_BUILD_DIR or <repo>/build/e2e, built if missing
#   --kernel F       kernel for direct boot (default newest /boot/vmlinuz-*)
#   --esp IMG        boot through firmware instead: OVMF + this FAT image (a boot
#                    loader as \EFI\BOOT\BOOTX64.EFI that loads kernel and first.img).
#                    APPEND is then ignored: the boot loader's config decides.
#   --ovmf-code F    default /usr/share/OVMF/OVMF_CODE.fd
#   APPEND...        extra kernel parameters for direct boot (e.g. crashkernel=256M)
#
# Direct boot always adds console=ttyS0 nokaslr panic=-1 (see scripts/vm/boot.sh).
# Prints the guest's KDE: lines (scripts/e2e/init.sh), then the host's verdict:
#   KDE:host-dump_format <kdump-compressed|elf|none>   after makedumpfile -R
#   KDE:host-dump_bytes <n>
#   KDE:host-result <captured|no-reservation|kexec-failed|capture-failed|timeout|...>
#   KDE:host-wall_s <seconds>
# Exit status: 0 when a valid dump came back and the capture kernel powered off;
# 2 when the guest ran to its end but no dump was captured (the calibration bench
# treats that as "too small"); 124 on timeout; 1 on other errors.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)

die() { echo "crash-boot: $*" >&2; exit 1; }
# shellcheck source=scripts/vm/lib.sh
. "$script_dir/../vm/lib.sh"
log() { echo "crash-boot: $*" >&2; }

kvm_usable() { (exec 3<>/dev/kvm) 2>/dev/null && grep -qwE 'vmx|svm' /proc/cpuinfo; }


# The kdump-compressed header starts with the 8 bytes "KDUMP   " (makedumpfile's
# diskdump_mod.h, KDUMP_SIGNATURE); an ELF dump with "\x7fELF".
dump_format() {
    local f=$1 magic
    [[ -s $f ]] || { echo none; return; }
    magic=$(head -c 8 "$f" | od -An -c | tr -d ' \n')
    case $magic in
        KDUMP*) echo kdump-compressed ;;
        177ELF*) echo elf ;;
        *) echo unknown ;;
    esac
}

main() {
    local mem=1G timeout=240 dir="" images=${KDUMP_E2E_BUILD_DIR:-$repo_root/build/e2e}
    local kernel="" esp="" ovmf_code=/usr/share/OVMF/OVMF_CODE.fd
    local -a extra=()
    while (($#)); do
        case $1 in
            -m) mem=${2:?}; shift 2 ;;
            -t) timeout=${2:?}; shift 2 ;;
            --dir) dir=${2:?}; shift 2 ;;
            --images) images=${2:?}; shift 2 ;;
            --kernel) kernel=${2:?}; shift 2 ;;
            --esp) esp=${2:?}; shift 2 ;;
            --ovmf-code) ovmf_code=${2:?}; shift 2 ;;
            --) shift; extra+=("$@"); break ;;
            -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; return 0 ;;
            -*) die "unknown option $1" ;;
            *) extra+=("$1"); shift ;;
        esac
    done
    command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found"
    if [[ ! -s $images/first.img || ! -s $images/capture.img ]]; then
        "$script_dir/build-initramfs.sh" --out "$images" >/dev/null
    fi
    [[ -n $dir ]] || dir=$(mktemp -d "${TMPDIR:-/tmp}/kdump-e2e.XXXXXX")
    mkdir -p "$dir"
    echo "KDE:dir $dir"

    # The dump disk: sparse, so its nominal size costs nothing. The guest finds
    # it by its virtio serial "kdsdump".
    local disk=$dir/dump.raw serial=$dir/serial.log
    rm -f "$disk" "$dir/vmcore.kdump"
    truncate -s 4G "$disk"

    local -a qemu=(qemu-system-x86_64 -machine pc -nographic -no-reboot -net none -smp 1
        -drive "if=none,id=dump,format=raw,file=$disk"
        -device "virtio-blk-pci,drive=dump,serial=kdsdump")
    # Guests larger than the host can promise: back RAM lazily (tests/vm/QEMU.md).
    local avail_mib mem_mib
    avail_mib=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
    mem_mib=$(numfmt --from=iec "${mem}" 2>/dev/null | awk '{ print int($1 / 1048576) }')
    if [[ -n $mem_mib ]] && ((mem_mib > avail_mib / 2)); then
        qemu+=(-m "$mem" -object "memory-backend-ram,id=ram,size=$mem,reserve=off" -machine memory-backend=ram)
    else
        qemu+=(-m "$mem")
    fi
    if kvm_usable; then qemu+=(-accel kvm -cpu host); else qemu+=(-accel tcg -cpu max); fi
    if [[ -n $esp ]]; then
        [[ -r $ovmf_code ]] || die "$ovmf_code missing (install ovmf)"
        # OVMF 2 MiB build: code read-only, a private copy of the variable store.
        cp /usr/share/OVMF/OVMF_VARS.fd "$dir/OVMF_VARS.fd"
        qemu+=(-drive "if=pflash,format=raw,readonly=on,file=$ovmf_code"
            -drive "if=pflash,format=raw,file=$dir/OVMF_VARS.fd"
            -drive "if=none,id=esp,format=raw,file=$esp"
            -device "virtio-blk-pci,drive=esp,serial=kdsesp,bootindex=0")
    else
        [[ -n $kernel ]] || kernel=$(newest_kernel)
        qemu+=(-kernel "$kernel" -initrd "$images/first.img"
            -append "console=ttyS0 nokaslr panic=-1${extra[*]:+ ${extra[*]}}")
    fi

    # One guest at a time on this shared machine: wait for any other e2e guest
    # (the calibration bench, another test) to finish first.
    exec 9>"${KDUMP_E2E_LOCK:-${TMPDIR:-/tmp}/kdump-e2e-guest.lock}"
    flock 9
    local start rc=0
    start=$(date +%s.%N)
    timeout -k 5 "$timeout" "${qemu[@]}" </dev/null >"$serial" 2>&1 9>&- || rc=$?
    flock -u 9
    local wall
    wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')

    local lines
    lines=$(tr -d '\r' <"$serial" | grep -ao 'KDE:.*' || true)
    [[ -z $lines ]] || echo "$lines"

    # Reassemble the flattened stream; trailing zeros of the disk end it cleanly
    # after the end marker.
    local fmt=none bytes=0
    if grep -q '^KDE:makedumpfile_rc 0' <<<"$lines"; then
        if makedumpfile -R "$dir/vmcore.kdump" <"$disk" >"$dir/reassemble.log" 2>&1; then
            fmt=$(dump_format "$dir/vmcore.kdump")
            bytes=$(stat -c %s "$dir/vmcore.kdump")
        else
            log "makedumpfile -R failed: $(tail -n 3 "$dir/reassemble.log")"
        fi
    fi
    rm -f "$disk"
    echo "KDE:host-dump_format $fmt"
    echo "KDE:host-dump_bytes $bytes"

    local result status
    if ((rc == 124 || rc == 137)); then
        result=timeout status=124
    elif [[ $fmt == kdump-compressed || $fmt == elf ]] && grep -q '^KDE:capture-end' <<<"$lines"; then
        result=captured status=0
    elif grep -q '^KDE:crashing' <<<"$lines"; then
        # Crashed, but the capture kernel did not finish: it ran out of memory,
        # panicked, or makedumpfile failed.
        result=capture-failed status=2
    elif grep -q '^KDE:kexec_crash_size 0$' <<<"$lines"; then
        result=no-reservation status=2
    elif grep -q '^KDE:kexec_load_rc [1-9]' <<<"$lines"; then
        result=kexec-failed status=2
    else
        result=guest-error status=1
    fi
    echo "KDE:host-result $result"
    echo "KDE:host-wall_s $wall"
    ((status == 0 || status == 2)) || log "serial log: $serial"
    return "$status"
}

main "$@"
