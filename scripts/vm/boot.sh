#!/usr/bin/env bash
# Boot the newest installed kernel under QEMU with the test initramfs and print
# what it reported: the "KDS:" lines of scripts/vm/init.sh, on stdout.
#
# Usage: scripts/vm/boot.sh [-m SIZE] [-t SECONDS] [--log FILE]
#                           [--kernel VMLINUZ] [--initramfs FILE] [--] [APPEND...]
#   -m SIZE        guest memory as QEMU takes it (2G, 1793M; bare number = MiB). Default 2G.
#   -t SECONDS     hard timeout for the whole boot. Default 90.
#   --log FILE     keep the full serial log there (default: a temp file, removed).
#   --kernel F     default: newest /boot/vmlinuz-* (or $KDUMP_VM_KERNEL).
#   --initramfs F  default: built (if needed) by build-initramfs.sh under
#                  $KDUMP_VM_BUILD_DIR (default <repo>/build/vm).
#   --arch A       x86_64 (default: the "pc" machine, SeaBIOS, console ttyS0) or
#                  aarch64 (qemu-system-aarch64 -machine virt, direct -kernel boot,
#                  console ttyAMA0; needs --kernel and --initramfs of that arch).
#   APPEND...      extra kernel parameters, e.g. 'crashkernel=1G-:128M'. They go
#                  after our fixed ones, so a test can still override them.
#
# Always added to the command line: console=ttyS0 (aarch64: ttyAMA0; we read the serial port),
# nokaslr (crash placement depends on where KASLR put the kernel; see
# tests/vm/QEMU.md) and panic=-1 (a panic reboots, and -no-reboot turns that
# into a QEMU exit instead of a hang until the timeout).
#
# Exit status: 0 when the guest reported "KDS:end"; 124 on timeout; 1 otherwise.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Stop the guest when the host gets short of memory: a lazily backed guest
# larger than the host only touches ~1.6 % of its RAM, but that is still a lot
# at the top end, and two guests run at once.
min_host_avail_kib=${KDUMP_VM_MIN_HOST_AVAIL_KIB:-524288}

die() { echo "boot.sh: $*" >&2; exit 1; }
# shellcheck source=scripts/vm/lib.sh
. "$script_dir/lib.sh"
log() { echo "boot.sh: $*" >&2; }


# QEMU's -m syntax in bytes: optional K/M/G/T suffix, bare number = MiB.
size_to_bytes() {
    local s=$1 n unit
    [[ $s =~ ^([0-9]+)([KkMmGgTt]?)[Bb]?$ ]] || die "bad memory size: $s"
    n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]^^}
    case $unit in
        K) echo $((n << 10)) ;;
        M | "") echo $((n << 20)) ;;
        G) echo $((n << 30)) ;;
        T) echo $((n << 40)) ;;
    esac
}

host_mem_avail_bytes() {
    awk '/^MemAvailable:/ { printf "%d\n", $2 * 1024 }' /proc/meminfo
}

# KVM only when it really works: /dev/kvm must open, and the CPU must show
# hardware virtualisation. On these machines /dev/kvm exists without vmx/svm
# and a KVM guest hangs after the setup code.
kvm_usable() {
    (exec 3<>/dev/kvm) 2>/dev/null && grep -qwE 'vmx|svm' /proc/cpuinfo
}

# Kill the guest (through its timeout wrapper) if the host runs low on memory.
watch_host_memory() {
    local pid=$1 avail_kib
    while kill -0 "$pid" 2>/dev/null; do
        avail_kib=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
        if ((avail_kib < min_host_avail_kib)); then
            log "host MemAvailable ${avail_kib} KiB below ${min_host_avail_kib} KiB: stopping guest"
            kill "$pid" 2>/dev/null || true
            return 0
        fi
        sleep 1
    done
}

main() {
    local mem=2G timeout=90 serial_log="" kernel=${KDUMP_VM_KERNEL:-} initramfs="" arch=x86_64
    local -a extra=()
    while (($#)); do
        case $1 in
            -m) mem=${2:?}; shift 2 ;;
            -t) timeout=${2:?}; shift 2 ;;
            --log) serial_log=${2:?}; shift 2 ;;
            --kernel) kernel=${2:?}; shift 2 ;;
            --initramfs) initramfs=${2:?}; shift 2 ;;
            --arch) arch=${2:?}; shift 2 ;;
            --) shift; extra+=("$@"); break ;;
            -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; return 0 ;;
            -*) die "unknown option $1" ;;
            *) extra+=("$1"); shift ;;
        esac
    done

    [[ $arch == x86_64 || $arch == aarch64 ]] || die "--arch must be x86_64 or aarch64"
    local qemu_bin=qemu-system-$arch console=ttyS0
    [[ $arch == aarch64 ]] && console=ttyAMA0
    command -v "$qemu_bin" >/dev/null ||
        die "$qemu_bin not found (install $( [[ $arch == aarch64 ]] && echo qemu-system-arm || echo qemu-system-x86))"
    [[ -n $kernel ]] || kernel=$(newest_kernel)
    [[ -r $kernel ]] || die "cannot read $kernel"
    if [[ -z $initramfs ]]; then
        initramfs=$("$script_dir/build-initramfs.sh" | sed 's/ (up to date)$//')
    fi
    [[ -r $initramfs ]] || die "cannot read $initramfs"

    local mem_bytes
    mem_bytes=$(size_to_bytes "$mem")

    local -a qemu
    local cpu
    if [[ $arch == aarch64 ]]; then
        # virt: DRAM from 1 GiB, PL011 console, no firmware (QEMU loads Image and a
        # device tree itself). TCG only; pauth-impdef keeps -cpu max fast under TCG.
        qemu=("$qemu_bin" -machine virt -accel tcg -nographic -no-reboot -net none
            -smp 1 -kernel "$kernel" -initrd "$initramfs")
        cpu=max,pauth-impdef=on
    else
        # The "pc" machine with SeaBIOS: the RAM figure the kernel sees is -m minus
        # 529,408 bytes; q35 or qboot would differ.
        qemu=("$qemu_bin" -machine pc -nographic -no-reboot -net none
            -smp 1 -kernel "$kernel" -initrd "$initramfs")
        cpu=max
        if kvm_usable; then
            qemu+=(-accel kvm)
            cpu=host
        else
            qemu+=(-accel tcg)
        fi
        if ((mem_bytes > 512 << 30)); then
            # RAM above 512 GiB needs more physical address bits than the default.
            cpu+=,phys-bits=48
        fi
    fi
    qemu+=(-cpu "$cpu")
    if ((mem_bytes > $(host_mem_avail_bytes) / 2)); then
        # Larger than the host can promise: plain -m is refused, so back the
        # guest RAM lazily (the RAM layout the guest sees is the same).
        qemu+=(-m "$mem" -object "memory-backend-ram,id=ram,size=$mem,reserve=off"
            -machine memory-backend=ram)
        # Bigger guests take longer to set up their page array.
        timeout=$((timeout + (mem_bytes >> 34)))
    else
        qemu+=(-m "$mem")
    fi
    qemu+=(-append "console=$console nokaslr panic=-1${extra[*]:+ ${extra[*]}}")

    local keep_log=1
    if [[ -z $serial_log ]]; then
        keep_log=0
        serial_log=$(mktemp "${TMPDIR:-/tmp}/kdump-vm-serial.XXXXXX")
    fi

    # stdin from /dev/null: parallel guests must not fight over the terminal,
    # and -nographic would otherwise put a tty into raw mode.
    local rc=0 qpid wpid
    timeout -k 5 "$timeout" "${qemu[@]}" </dev/null >"$serial_log" 2>&1 &
    qpid=$!
    watch_host_memory "$qpid" &
    wpid=$!
    wait "$qpid" || rc=$?
    kill "$wpid" 2>/dev/null || true
    wait "$wpid" 2>/dev/null || true

    # The serial stream has CRLF line ends; a tag may follow a partial kernel
    # line, so match it anywhere.
    tr -d '\r' <"$serial_log" | grep -ao 'KDS:.*' || true

    local status=0
    if ((rc == 124 || rc == 137)); then
        log "timeout after ${timeout}s (serial log: $serial_log)"
        keep_log=1
        status=124
    elif ! tr -d '\r' <"$serial_log" | grep -a '^KDS:end' >/dev/null; then  # not -q: an early exit would SIGPIPE tr (pipefail)
        log "guest did not finish (qemu exit $rc; serial log: $serial_log)"
        keep_log=1
        status=1
    fi
    ((keep_log)) || rm -f "$serial_log"
    return "$status"
}

main "$@"
