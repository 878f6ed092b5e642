#!/bin/sh
# /init of the kdump-setup end-to-end initramfs (busybox-static + kexec + makedumpfile).
#
# One script, two roles, chosen by what the running kernel offers:
#   - /proc/vmcore exists, or "kdscapture" on the command line (our marker)
#                          -> we are the capture kernel: write the dump out, power off.
#   - otherwise            -> first boot: report the reservation, load the capture
#                             kernel with `kexec -p`, crash on purpose (sysrq c).
#
# Every machine-readable line on the console starts with "KDE:" (the host greps
# for it; kernel messages may interleave). Format "KDE:<key> <value>".
#
# First boot:
#   KDE:first-begin
#   KDE:cmdline <...>             /proc/cmdline
#   KDE:kexec_crash_size <bytes>  /sys/kernel/kexec_crash_size ("missing" without it)
#   KDE:system_ram_bytes <n>      sum of the top-level "System RAM" lines of /proc/iomem
#   KDE:iomem_crash <line>        each "Crash kernel" line of /proc/iomem
#   KDE:esp_mount <dir> <rc>      only when /kde-esp is in the image (the ESP, read-only)
#   KDE:efivarfs_mount <rc>       only when /kde-esp asks for efivarfs
#   KDE:verify-rc <n> / KDE:verify <line>   only when /kdump-setup is in the image (hook)
#   KDE:hook-begin / KDE:hook-end  only when /kde-hook is in the image (a test's step,
#                                  sourced before the capture kernel is loaded; it
#                                  reports with `out` and report_iomem)
#   KDE:kexec_load_rc <n>         exit status of `kexec -p`
#   KDE:kexec_error <line>        its output, when it failed
#   KDE:kexec_crash_loaded <0|1>
#   KDE:crashing                  right before `echo c > /proc/sysrq-trigger`
#   KDE:first-end                 only when no crash was attempted (kexec failed)
# Capture kernel:
#   KDE:capture-begin
#   KDE:capture_cmdline <...>
#   KDE:vmcore_missing            no /proc/vmcore (then KDE:capture_dmesg lines, KDE:capture-end)
#   KDE:vmcore_bytes <n>          size of /proc/vmcore as ls reports it
#   KDE:dump_disk <dev>           the disk whose virtio serial is "kdsdump"
#   KDE:makedumpfile_rc <n>       status of makedumpfile | dd (pipefail)
#   KDE:capture-end
set -o pipefail 2>/dev/null || true

/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

# The mount points may be missing when the kernel could unpack only part of the
# archive (a capture kernel short of memory: "Initramfs unpacking failed").
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
[ -t 1 ] || exec </dev/console >/dev/console 2>&1
dmesg -n 1

out() { echo "KDE:$1 $2"; }

# /proc/iomem: "  7d000000-84ffffff : Crash kernel" (end inclusive; indent = nesting).
report_iomem() {
    ram=0
    while IFS= read -r line; do
        range=${line%% : *}
        name=${line#* : }
        range=${range#"${range%%[! ]*}"}
        case "$name" in
            "Crash kernel") out iomem_crash "$line" ;;
            "System RAM")
                case "$line" in
                    " "*) ;;
                    *) ram=$((ram + 0x${range#*-} - 0x${range%-*} + 1)) ;;
                esac ;;
        esac
    done </proc/iomem
    out system_ram_bytes "$ram"
}

# The capture kernel's command line: ours without crashkernel= (the capture
# kernel must not reserve again) and without GRUB's BOOT_IMAGE=, plus the
# options every kdump tool adds for a crashed machine's devices.
capture_append() {
    a=
    for w in $(cat /proc/cmdline); do
        case "$w" in
            crashkernel=* | BOOT_IMAGE=* | initrd=*) ;;
            *) a="$a $w" ;;
        esac
    done
    echo "${a# } kdscapture irqpoll nr_cpus=1 reset_devices"
}

first_boot() {
    out first-begin ""
    out cmdline "$(cat /proc/cmdline)"
    if [ -r /sys/kernel/kexec_crash_size ]; then
        out kexec_crash_size "$(cat /sys/kernel/kexec_crash_size)"
    else
        out kexec_crash_size missing
    fi
    report_iomem

    mount_esp

    # HOOK (verify verb): when the image carries a kdump-setup binary, run
    # `kdump-setup verify --json` here and hand its output to the host. The
    # host-side check (tests/e2e/grub2.sh) asserts on it once the verb exists.
    if [ -x /kdump-setup ]; then
        /kdump-setup verify --json >/tmp/verify.json 2>&1
        out verify-rc "$?"
        while IFS= read -r line; do out verify "$line"; done </tmp/verify.json
    fi

    # HOOK (steps): a test may append a shell fragment as /kde-hook (tests/vm/shrink.sh
    # shrinks the reservation here); it runs in this shell, after the report of the
    # reservation as booted and before `kexec -p` loads the capture kernel into it.
    if [ -r /kde-hook ]; then
        out hook-begin ""
        . /kde-hook
        out hook-end ""
    fi

    append=$(capture_append)
    out capture_append "$append"
    kexec -p /vmlinuz --initrd=/capture.img --append="$append" >/tmp/kexec.log 2>&1
    rc=$?
    out kexec_load_rc "$rc"
    if [ "$rc" -ne 0 ]; then
        while IFS= read -r line; do out kexec_error "$line"; done </tmp/kexec.log
    fi
    out kexec_crash_loaded "$(cat /sys/kernel/kexec_crash_loaded 2>/dev/null)"
    if [ "$rc" -ne 0 ]; then
        out first-end ""
        poweroff -f
    fi
    out crashing ""
    sync
    echo c >/proc/sysrq-trigger
    # Not reached: the panic starts the capture kernel.
    out crash-returned ""
    poweroff -f
}

load_disk_drivers() {
    for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
        [ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko 2>/dev/null
    done
}

# The host names its disks with a virtio serial (kdsdump, kdsesp); wait for one to
# appear. With a second argument, the device of that partition number, once it exists.
find_disk() {
    i=0
    while [ $i -lt 50 ]; do
        for d in /sys/block/vd*; do
            [ -r "$d/serial" ] || continue
            [ "$(cat "$d/serial")" = "$1" ] || continue
            dev=/dev/${d##*/}${2:-}
            if [ -b "$dev" ]; then echo "$dev"; return 0; fi
        done
        i=$((i + 1))
        sleep 0.2
    done
    return 1
}

# /kde-esp (an archive the test appends to the initramfs, tests/e2e/lib.sh) says
# "MOUNTPOINT [efivarfs]": mount the ESP the firmware booted us from (virtio serial
# kdsesp, GPT partition 1) read-only there, so `verify` reads the very files the boot
# loader read; with "efivarfs", also the EFI variables (LoaderInfo names the loader).
mount_esp() {
    [ -r /kde-esp ] || return 0
    read -r where efivars </kde-esp
    load_disk_drivers
    for m in fat vfat nls_cp437 nls_ascii nls_utf8; do insmod /lib/modules/$m.ko 2>/dev/null; done
    mkdir -p "$where"
    part=$(find_disk kdsesp 1) && mount -t vfat -o ro "$part" "$where"
    out esp_mount "$where $?"
    if [ "$efivars" = efivarfs ]; then
        insmod /lib/modules/efivarfs.ko 2>/dev/null
        mount -t efivarfs efivarfs /sys/firmware/efi/efivars
        out efivarfs_mount "$?"
    fi
}

capture() {
    out capture-begin ""
    out capture_cmdline "$(cat /proc/cmdline)"
    if [ ! -e /proc/vmcore ]; then
        out vmcore_missing ""
        dmesg | grep -i -e vmcore -e elfcorehdr -e "out of memory" | while IFS= read -r line; do out capture_dmesg "$line"; done
        out capture-end ""
        poweroff -f
    fi
    out vmcore_bytes "$(ls -l /proc/vmcore | awk '{print $5}')"
    out capture_mem_total_kib "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
    load_disk_drivers
    disk=$(find_disk kdsdump) || disk=
    out dump_disk "${disk:-none}"
    if [ -n "$disk" ]; then
        # Flattened format (-F) streams to stdout; the host reassembles it with
        # makedumpfile -R. -d 31 drops zero, cache, user and free pages, -l is
        # LZO compression (what the real kdump tools use in spirit: -c/-l).
        makedumpfile --message-level 22 -F -l -d 31 /proc/vmcore 2>/tmp/mdf.log | dd of="$disk" bs=1M 2>/tmp/dd.log
        rc=$?
        sync
        out makedumpfile_rc "$rc"
        while IFS= read -r line; do out makedumpfile_log "$line"; done </tmp/mdf.log
        out dd_log "$(tr '\n' ' ' </tmp/dd.log)"
    fi
    out capture-end ""
    poweroff -f
}

# The capture kernel is recognised by our marker on its command line, not only by
# /proc/vmcore: a capture kernel short of memory may fail to set up /proc/vmcore, and
# must then say so instead of acting as a first boot.
case " $(cat /proc/cmdline) " in
    *" kdscapture "*) is_capture=1 ;;
    *) is_capture=0 ;;
esac
if [ -e /proc/vmcore ] || [ "$is_capture" = 1 ]; then
    capture
else
    first_boot
fi
