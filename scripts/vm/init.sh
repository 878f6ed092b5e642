#!/bin/sh
# /init of the kdump-setup test initramfs (busybox-static, no network).
#
# Reports what the booted kernel decided about crashkernel= as machine-readable
# lines on the console, then powers the guest off. Every such line starts with
# the tag "KDS:" so the host can pick them out of the serial stream, where
# kernel messages may be interleaved. Format: "KDS:<key> <value>".
#
#   KDS:begin                    first line; the host knows the guest reached /init
#   KDS:release <uname -r>
#   KDS:cmdline <contents of /proc/cmdline>
#   KDS:kexec_crash_size <bytes> contents of /sys/kernel/kexec_crash_size (or "missing")
#   KDS:iomem_crash <line>       each "Crash kernel" line of /proc/iomem, verbatim
#   KDS:crash_regions_bytes <n>  sum over those lines of end-start+1
#   KDS:system_ram_bytes <n>     sum over TOP-LEVEL "System RAM" lines of end-start+1
#   KDS:iomem <line>             each top-level "System RAM" line and each "Kernel ..." line
#                                of /proc/iomem, verbatim: the memory map explain is given
#   KDS:cma_total_kb <n>         CmaTotal of /proc/meminfo (0 when absent)
#   KDS:dmesg <line>             each kernel log line matching "crash" (any case)
#   KDS:end                      last line; everything above is complete

/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# If the image was built without a /dev/console node (non-root build), the
# kernel started us without stdio: take the console now.
[ -t 1 ] || exec </dev/console >/dev/console 2>&1

# Keep kernel messages off the console while we print, so no line of ours is
# split by a printk.
dmesg -n 1

out() { echo "KDS:$1 $2"; }

out begin ""
out release "$(uname -r)"
out cmdline "$(cat /proc/cmdline)"

if [ -r /sys/kernel/kexec_crash_size ]; then
    out kexec_crash_size "$(cat /sys/kernel/kexec_crash_size)"
else
    out kexec_crash_size missing
fi

# /proc/iomem lines look like "  7d000000-84ffffff : Crash kernel" (end inclusive,
# two spaces of indent per nesting level). busybox ash does 64-bit arithmetic,
# so the sums are exact.
crash_total=0
ram_total=0
while IFS= read -r line; do
    range=${line%% : *}
    name=${line#* : }
    range=${range#"${range%%[! ]*}"}   # strip leading spaces
    start=${range%-*}
    end=${range#*-}
    case "$name" in
        "Crash kernel")
            out iomem_crash "$line"
            crash_total=$((crash_total + 0x$end - 0x$start + 1))
            ;;
        "Kernel "*)
            out iomem "$line"
            ;;
        "System RAM")
            # Top level only: the line has no indent. Nested System RAM does
            # not occur on x86, but would be double counted.
            case "$line" in
                " "*) ;;
                *) ram_total=$((ram_total + 0x$end - 0x$start + 1)); out iomem "$line" ;;
            esac
            ;;
    esac
done < /proc/iomem
out crash_regions_bytes "$crash_total"
cma=$(sed -n 's/^CmaTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo)
out cma_total_kb "${cma:-0}"
out system_ram_bytes "$ram_total"

dmesg | grep -i crash | while IFS= read -r line; do
    out dmesg "$line"
done

out end ""
poweroff -f
