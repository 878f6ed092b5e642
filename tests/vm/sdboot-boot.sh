#!/usr/bin/env bash
# Real boot through systemd-boot under OVMF: does the kernel get the crashkernel= value
# kdump-setup wrote into the loader entries, and does it reserve what `explain` predicts?
#
# Usage: tests/vm/sdboot-boot.sh BIN [CASE...]     CASE: systemd-boot, bls (default: both)
#
# For each case:
#   1. a staging tree is written (loader.conf with `timeout 0`, so the default boots at
#      once, and one entry for the Debian kernel); `BIN --root STAGE reserve VALUE` edits it
#      (systemd-boot case: the systemd-boot backend; bls case: a GRUB+BLS tree written by
#      the bls backend — its entry is the same Type #1 format, which systemd-boot boots);
#   2. a GPT disk image is made with sfdisk (one partition of the ESP type) and formatted
#      and filled with mtools, no loop mount: EFI/BOOT/BOOTX64.EFI = Debian's
#      systemd-bootx64.efi, the kernel, the test initramfs (scripts/vm/init.sh), and the
#      loader/ files exactly as kdump-setup wrote them;
#   3. QEMU boots it with OVMF (pflash CODE + a copy of VARS), TCG unless KVM really works;
#   4. asserted: /proc/cmdline carries crashkernel=VALUE exactly once and is the entry's
#      options (without the initrd= words systemd-boot adds); kexec_crash_size equals
#      `BIN --json explain --cmdline ... --memory <guest System RAM> --kernel-release`.
# Environment: KDUMP_SKIP_VM=1 skips (exit 77); KDUMP_VM_BUILD_DIR for the initramfs;
# KDUMP_SDBOOT_VALUE overrides the value (default a range expression, so the prediction
# depends on the guest's RAM).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$script_dir/../e2e/lib.sh"  # esp_create, esp_put, entry_options; sets repo_root
. "$script_dir/ovmf.sh"        # ovmf_boot

die() { echo "sdboot-boot: $*" >&2; exit 1; }
log() { echo "sdboot-boot: $*" >&2; }

[[ ${KDUMP_SKIP_VM:-0} == 1 ]] && { log "KDUMP_SKIP_VM=1: skipped"; exit 77; }
bin=${1:?usage: sdboot-boot.sh BIN [CASE...]}
bin=$(realpath "$bin")
shift
cases=("$@")
((${#cases[@]})) || cases=(systemd-boot bls)

sdboot_efi=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
ovmf_code=/usr/share/OVMF/OVMF_CODE.fd
ovmf_vars=/usr/share/OVMF/OVMF_VARS.fd
for f in "$sdboot_efi" "$ovmf_code" "$ovmf_vars"; do
    [[ -r $f ]] || die "$f missing (install systemd-boot-efi ovmf)"
done
for c in mformat mmd mcopy sfdisk qemu-system-x86_64 jq; do
    command -v "$c" >/dev/null || die "$c not found (scripts/packages.txt)"
done

kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sort -V | tail -n 1)
[[ -n $kernel ]] || die "no /boot/vmlinuz-*"
release=${kernel#vmlinuz-}
kernel=/boot/$kernel
initramfs=$("$repo_root/scripts/vm/build-initramfs.sh" | sed 's/ (up to date)$//')
value=${KDUMP_SDBOOT_VALUE:-1G-4G:192M,4G-:256M}
mem=${KDUMP_SDBOOT_MEM:-2G}

work=$(mktemp -d "${TMPDIR:-/tmp}/kdump-sdboot.XXXXXX")
keep=0
cleanup() { ((keep)) && log "kept $work" || rm -rf "$work"; }
trap cleanup EXIT


# The staging tree of one case; prints the directory that holds loader/ in it.
stage_systemd_boot() {
    local s=$1
    mkdir -p "$s/efi/loader/entries" "$s/etc" "$s/proc"
    # Two options lines (systemd-boot joins them), an old value on the second one.
    printf 'title   Debian GNU/Linux (kdump-setup test)\nversion %s\nlinux   /vmlinuz\ninitrd  /initrd.img\noptions console=ttyS0 nokaslr panic=-1\noptions quiet crashkernel=64M\n' \
        "$release" >"$s/efi/loader/entries/debian-$release.conf"
    printf '# kdump-setup sdboot-boot test\ndefault debian-*\ntimeout 0\nconsole-mode keep\n' >"$s/efi/loader/loader.conf"
    echo "$s/efi"
}

stage_bls() {
    local s=$1 mid=0123456789abcdef0123456789abcdef
    mkdir -p "$s/boot/loader/entries" "$s/etc/default" "$s/proc" "$s/boot/grub2"
    printf 'GRUB_TIMEOUT=0\nGRUB_CMDLINE_LINUX="console=ttyS0 nokaslr panic=-1"\nGRUB_ENABLE_BLSCFG=true\n' >"$s/etc/default/grub"
    printf 'title Debian (%s) BLS\nversion %s\nlinux /vmlinuz\ninitrd /initrd.img\noptions console=ttyS0 nokaslr panic=-1\ngrub_users $grub_users\ngrub_arg --unrestricted\n' \
        "$release" "$release" >"$s/boot/loader/entries/$mid-$release.conf"
    echo "$s/boot"
}

# GPT disk with one ESP partition at 1 MiB (tests/e2e/lib.sh), filled with mtools.
make_disk() {
    local disk=$1 bootdir=$2 f
    esp_create "$disk" 64
    esp_put "$disk" "$sdboot_efi" /EFI/BOOT/BOOTX64.EFI
    esp_put "$disk" "$kernel" /vmlinuz
    esp_put "$disk" "$initramfs" /initrd.img
    for f in "$bootdir"/loader/entries/*.conf; do esp_put "$disk" "$f" "/loader/entries/${f##*/}"; done
    if [[ -f $bootdir/loader/loader.conf ]]; then
        esp_put "$disk" "$bootdir/loader/loader.conf" /loader/loader.conf
    else
        # The BLS tree is GRUB's; systemd-boot gets the loader.conf of this test.
        printf 'timeout 0\n' >"$work/loader.conf"
        esp_put "$disk" "$work/loader.conf" /loader/loader.conf
    fi
}

boot() {
    local disk=$1 vars=$2 serial=$3
    ovmf_boot --code "$ovmf_code" --vars "$vars" --serial "$serial" --mem "$mem" \
        --timeout "${KDUMP_SDBOOT_TIMEOUT:-240}" -- "$disk"
}

# No early-quitting reader on a pipe: under pipefail its SIGPIPE would fail the lookup.
kds() { tr -d '\r' <"$2" | sed -n "s/^.*KDS:$1 //p" | sed -n '1p'; }

failures=0
run_case() {
    local c=$1 dir="$work/$1" bootdir t0 t1 rc=0
    mkdir -p "$dir"
    case $c in
        systemd-boot) bootdir=$(stage_systemd_boot "$dir/stage"); backend=systemd-boot ;;
        bls) bootdir=$(stage_bls "$dir/stage"); backend=bls ;;
        *) die "unknown case $c" ;;
    esac
    log "[$c] $bin --root STAGE reserve --backend $backend $value"
    "$bin" --root "$dir/stage" reserve --backend "$backend" "$value" >"$dir/reserve.out" 2>&1 ||
        { cat "$dir/reserve.out" >&2; log "[$c] FAIL: reserve exited non-zero"; failures=$((failures + 1)); return; }
    sed 's/^/    /' "$dir/reserve.out" >&2
    local entry
    entry=$(ls "$bootdir"/loader/entries/*.conf | head -n 1)
    # What systemd-boot passes: every options line joined with one space.
    local options
    options=$(entry_options "$entry")
    log "[$c] entry options: $options"
    make_disk "$dir/disk.img" "$bootdir"
    cp "$ovmf_vars" "$dir/vars.fd"
    t0=$(date +%s.%N)
    boot "$dir/disk.img" "$dir/vars.fd" "$dir/serial.log" || rc=$?
    t1=$(date +%s.%N)
    local secs
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    tr -d '\r' <"$dir/serial.log" | grep -ao 'KDS:.*' >"$dir/kds" || true
    if ! grep -q '^KDS:end' "$dir/kds"; then
        log "[$c] FAIL: guest did not finish (qemu exit $rc, ${secs}s); serial log tail:"
        tr -d '\r' <"$dir/serial.log" | tail -n 30 >&2
        keep=1 failures=$((failures + 1))
        return
    fi
    local cmdline ksize ram krel
    cmdline=$(kds cmdline "$dir/kds")
    ksize=$(kds kexec_crash_size "$dir/kds")
    ram=$(kds system_ram_bytes "$dir/kds")
    krel=$(kds release "$dir/kds")
    log "[$c] booted in ${secs}s: release $krel, System RAM $ram, kexec_crash_size $ksize"
    log "[$c] /proc/cmdline: $cmdline"
    local stripped="" w n=0 got=""
    for w in $cmdline; do
        case $w in initrd=* | BOOT_IMAGE=*) continue ;; crashkernel=*) n=$((n + 1)) got=${w#crashkernel=} ;; esac
        stripped+="${stripped:+ }$w"
    done
    local ok=1
    if [[ $n != 1 || $got != "$value" ]]; then
        log "[$c] FAIL: the kernel got $n crashkernel= word(s), last '$got', want exactly '$value'"
        ok=0
    fi
    if [[ $stripped != "$options" ]]; then
        log "[$c] FAIL: /proc/cmdline (without initrd=) is not the entry's options: '$stripped' vs '$options'"
        ok=0
    fi
    local json osize
    json=$("$bin" --json explain --cmdline "$cmdline" --memory "$ram" --kernel-release "$krel" --arch x86_64) || true
    osize=$(jq -er '.kexec_crash_size | numbers' <<<"$json" 2>/dev/null) || osize="none"
    log "[$c] explain predicts kexec_crash_size $osize"
    if [[ $osize != "$ksize" ]]; then
        log "[$c] FAIL: kernel reserved $ksize, explain predicts $osize"
        ok=0
    fi
    if ((ok)); then
        echo "PASS $c: crashkernel=$got reached the kernel through systemd-boot; kexec_crash_size $ksize = explain's prediction (boot ${secs}s)"
    else
        keep=1 failures=$((failures + 1))
    fi
}

for c in "${cases[@]}"; do run_case "$c"; done
((failures == 0)) || { log "$failures case(s) failed"; exit 1; }
