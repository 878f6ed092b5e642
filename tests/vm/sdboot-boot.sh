#!/usr/bin/env bash
# Real boot through systemd-boot under OVMF: does the kernel get the crashkernel= value
# kdump-setup wrote into the loader entries, and does it reserve what `explain` predicts?
#
# Usage: tests/vm/sdboot-boot.sh BIN [CASE...]     CASE: systemd-boot, bls, kernel-install
#                                                  (default: all three)
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
#
# The kernel-install case: the value must reach a kernel installed *after* reserve, through
# /etc/kernel/cmdline and Debian 12's real kernel-install (systemd 252):
#   1. a tree as `bootctl install` and an earlier kernel-install left it: the ESP at /efi
#      with loader/loader.conf (no default: the newest entry boots), loader/entries.srel
#      "type1", the entry-token directory <machine-id>/, and the entry of an older
#      kernel; no /etc/kernel/cmdline (kernel-install would copy /proc/cmdline);
#   2. `BIN --root TREE reserve VALUE` (no --backend: the tree says systemd-boot) edits
#      that entry and creates /etc/kernel/cmdline;
#   3. `kernel-install add RELEASE /boot/vmlinuz-RELEASE INITRD`, only its
#      90-loaderentry.install plugin, confined to the tree: BOOT_ROOT=TREE/efi,
#      KERNEL_INSTALL_CONF_ROOT=TREE/etc/kernel (252's 90-loaderentry.install then reads
#      the command line from $KERNEL_INSTALL_CONF_ROOT/cmdline, never the host's
#      /etc/kernel/cmdline), MACHINE_ID; the layout comes from entries.srel. It runs in
#      a private mount namespace (unshare -m) where TREE/efi is a tmpfs holding a copy
#      of the ESP, as /efi is a mount of its own on a real system: 90-loaderentry writes
#      the entry's paths relative to the mount point of BOOT_ROOT (stat -c %m); the
#      result is copied back. INITRD is the e2e initramfs with BIN and the tree's /etc
#      (tests/e2e/lib.sh, guest_initrd), which powers off after `verify --json`;
#   4. the ESP (the tree's /efi as kernel-install left it) is booted like the others;
#      asserted: the new entry is what the kernel booted (/proc/cmdline without initrd=
#      is its options), crashkernel=VALUE exactly once, kexec_crash_size = explain;
#      `BIN verify --json` in the guest (ESP at /efi, efivarfs) exits 0, status ok,
#      backend systemd-boot, configured == running, next_boot.id the new entry.
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
((${#cases[@]})) || cases=(systemd-boot bls kernel-install)

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

failures=0 skipped=0

# --- kernel-install ------------------------------------------------------------------------
mid=0123456789abcdef0123456789abcdef
loaderentry=/usr/lib/kernel/install.d/90-loaderentry.install

kv_file() { awk -v k="KDE:$1 " 'index($0, k) == 1 && !f { print substr($0, length(k) + 1); f = 1 }' "$2"; }
ki_fail() { log "[kernel-install] FAIL: $*"; keep=1 ok=0; }

# kernel-install add RELEASE KERNEL INITRD into TREE (its ESP at TREE/efi made a mount
# point in a private mount namespace; see the header).
ki_add() {
    local tree=$1 rel=$2 image=$3 initrd=$4 out=$5
    mv "$tree/efi" "$tree/efi.staged"
    mkdir "$tree/efi" "$tree/efi.out"
    local rc=0
    unshare -m --propagation private bash -c '
        set -e
        mount -t tmpfs kds-esp "$1/efi"
        cp -a "$1/efi.staged/." "$1/efi/"
        BOOT_ROOT=$1/efi KERNEL_INSTALL_CONF_ROOT=$1/etc/kernel MACHINE_ID=$2 \
            KERNEL_INSTALL_PLUGINS=$3 kernel-install -v add "$4" "$5" "$6"
        cp -a "$1/efi/." "$1/efi.out/"
    ' ki "$tree" "$mid" "$loaderentry" "$rel" "$image" "$initrd" >"$out" 2>&1 || rc=$?
    rmdir "$tree/efi"
    if ((rc == 0)); then
        mv "$tree/efi.out" "$tree/efi"
        rm -rf "$tree/efi.staged"
    else
        rm -rf "$tree/efi.out"
        mv "$tree/efi.staged" "$tree/efi"
    fi
    return "$rc"
}

run_kernel_install_case() {
    local c=kernel-install dir="$work/kernel-install" ok=1
    local tree=$dir/tree esp=$dir/tree/efi old=${release%%-*}-0-amd64
    command -v kernel-install >/dev/null || die "kernel-install not found (systemd)"
    command -v unshare >/dev/null || die "unshare not found (util-linux)"
    if ! unshare -m --propagation private true 2>"$work/unshare.err"; then
        # No mount namespace (an unprivileged container): the entry's paths would be
        # wrong without the ESP mount, so this case cannot run here; the others do.
        log "[$c] SKIP: no private mount namespace here (unshare -m: $(cat "$work/unshare.err"))"
        skipped=$((skipped + 1))
        return
    fi
    [[ -x $loaderentry ]] || die "$loaderentry missing (systemd)"
    local t
    for t in cpio kexec makedumpfile; do command -v "$t" >/dev/null || die "$t not found (scripts/packages.txt)"; done
    # The e2e initramfs with BIN as /kdump-setup: the guest mounts its ESP, runs verify.
    local images=${KDUMP_E2E_BUILD_DIR:-$repo_root/build/e2e}/images-sdboot
    "$repo_root/scripts/e2e/build-initramfs.sh" --out "$images" --kdump-setup "$bin" >/dev/null ||
        die "scripts/e2e/build-initramfs.sh failed"

    # 1. The tree, as bootctl install (252) and the kernel-install of an older kernel left it.
    mkdir -p "$esp/loader/entries" "$esp/$mid/$old" "$tree/etc/kernel" "$tree/proc"
    printf 'timeout 0\nconsole-mode keep\n' >"$esp/loader/loader.conf"
    printf 'type1\n' >"$esp/loader/entries.srel"
    cp "$kernel" "$esp/$mid/$old/linux"
    printf 'title      Debian GNU/Linux 12 (bookworm)\nversion    %s\nmachine-id %s\nsort-key   debian\noptions    console=ttyS0 nokaslr panic=-1 crashkernel=64M systemd.machine_id=%s\nlinux      /%s/%s/linux\n' \
        "$old" "$mid" "$mid" "$mid" "$old" >"$esp/loader/entries/$mid-$old.conf"

    # 2. reserve.
    log "[$c] $bin --root TREE reserve $value"
    if ! "$bin" --root "$tree" reserve "$value" >"$dir/reserve.out" 2>&1; then
        cat "$dir/reserve.out" >&2
        log "[$c] FAIL: reserve exited non-zero"; keep=1 failures=$((failures + 1)); return
    fi
    sed 's/^/    /' "$dir/reserve.out" >&2
    if [[ ! -f $tree/etc/kernel/cmdline ]]; then
        log "[$c] FAIL: reserve wrote no /etc/kernel/cmdline"; keep=1 failures=$((failures + 1)); return
    fi
    log "[$c] /etc/kernel/cmdline after reserve: $(cat "$tree/etc/kernel/cmdline")"

    # 3. kernel-install add of the kernel this test boots, with the guest's initramfs.
    local initrd=$dir/initrd.img stage
    guest_initrd "$images/first.img" "$tree" "/efi efivarfs" "$initrd"
    stage=$(mktemp -d "$work/hook.XXXXXX")
    printf 'out first-end ""\nsync\npoweroff -f\n' >"$stage/kde-hook"
    truncate -s $((($(stat -c %s "$initrd") + 3) / 4 * 4)) "$initrd"
    (cd "$stage" && printf 'kde-hook\0' | cpio --null --create --format=newc --owner=0:0 --quiet) >>"$initrd"
    log "[$c] kernel-install add $release $kernel initrd.img (BOOT_ROOT=TREE/efi, KERNEL_INSTALL_CONF_ROOT=TREE/etc/kernel, plugin 90-loaderentry.install)"
    if ! ki_add "$tree" "$release" "$kernel" "$initrd" "$dir/kernel-install.out"; then
        cat "$dir/kernel-install.out" >&2
        log "[$c] FAIL: kernel-install add failed"; keep=1 failures=$((failures + 1)); return
    fi
    grep -E '^(Creating|Installing|Using|.*layout=)' "$dir/kernel-install.out" | sed 's/^/    /' >&2 || true
    local entry=$esp/loader/entries/$mid-$release.conf options n w
    if [[ ! -f $entry ]]; then
        ls -R "$esp" >&2
        log "[$c] FAIL: kernel-install wrote no loader/entries/$mid-$release.conf"; keep=1 failures=$((failures + 1)); return
    fi
    sed 's/^/    | /' "$entry" >&2
    options=$(entry_options "$entry")
    n=0
    for w in $options; do [[ $w == crashkernel=* ]] && n=$((n + 1)); done
    if ((n != 1)) || [[ " $options " != *" crashkernel=$value "* ]]; then
        ki_fail "the entry kernel-install wrote has options '$options', want crashkernel=$value once"
    fi
    cmp -s "$initrd" "$esp/$mid/$release/initrd.img" || ki_fail "$mid/$release/initrd.img is not the initramfs given to kernel-install"
    cmp -s "$kernel" "$esp/$mid/$release/linux" || ki_fail "$mid/$release/linux is not $kernel"

    # 4. The ESP, booted.
    esp_create "$dir/disk.img" $(($(du -sm "$esp" | cut -f1) + 48))
    esp_put "$dir/disk.img" "$sdboot_efi" /EFI/BOOT/BOOTX64.EFI
    esp_put_dir "$dir/disk.img" "$esp"
    local secs
    if ! ovmf_boot_answer "$dir" "$ovmf_vars" --code "$ovmf_code" --mem "$mem" \
        --timeout "${KDUMP_SDBOOT_TIMEOUT:-240}" --serial-id kdsesp -- "$dir/disk.img"; then
        log "[$c] FAIL: guest did not finish (qemu exit $boot_qrc, ${boot_secs}s); serial log tail:"
        tail -n 30 "$dir/serial.txt" >&2
        keep=1 failures=$((failures + 1))
        return
    fi
    secs=$boot_secs
    local cmdline ksize ram
    cmdline=$(kv_file cmdline "$dir/kde")
    ksize=$(kv_file kexec_crash_size "$dir/kde")
    ram=$(kv_file system_ram_bytes "$dir/kde")
    log "[$c] booted in ${secs}s: System RAM $ram, kexec_crash_size $ksize"
    log "[$c] /proc/cmdline: $cmdline"
    local stripped="" w got="" k=0
    for w in $cmdline; do
        case $w in initrd=* | BOOT_IMAGE=*) continue ;; crashkernel=*) k=$((k + 1)) got=${w#crashkernel=} ;; esac
        stripped+="${stripped:+ }$w"
    done
    ((k == 1)) && [[ $got == "$value" ]] ||
        ki_fail "the kernel got $k crashkernel= word(s), last '$got', want exactly '$value'"
    [[ $stripped == "$options" ]] ||
        ki_fail "/proc/cmdline (without initrd=) is not the options of the entry kernel-install wrote: '$stripped' vs '$options'"
    # The older entry has the same options now; systemd-boot's initrd= word names the one booted.
    [[ " $cmdline " == *" initrd=\\$mid\\$release\\initrd.img "* ]] ||
        ki_fail "systemd-boot did not boot the entry kernel-install wrote (no initrd=\\$mid\\$release\\initrd.img)"
    local osize
    osize=$("$bin" --json explain --cmdline "$cmdline" --memory "$ram" --kernel-release "$release" --arch x86_64 |
        jq -er '.kexec_crash_size | numbers') || osize=none
    log "[$c] explain predicts kexec_crash_size $osize"
    [[ $osize == "$ksize" && $ksize != 0 ]] || ki_fail "kernel reserved $ksize, explain predicts $osize"
    local vrc vjson
    vrc=$(kv_file verify-rc "$dir/kde")
    vjson=$(sed -n 's/^KDE:verify //p' "$dir/kde")
    [[ $(kv_file esp_mount "$dir/kde") == "/efi 0" ]] || ki_fail "the guest could not mount its ESP: $(kv_file esp_mount "$dir/kde")"
    # ... and kdump-setup's model of systemd-boot names the entry that booted as the next.
    if [[ $vrc == 0 ]] && jq -e --arg k "$ksize" --arg id "$mid-$release.conf" \
        '.status == "ok" and (.reserved_bytes | tostring) == $k and .backend == "systemd-boot" and .configured != null and .configured == .running and .next_boot.id == $id' \
        <<<"$vjson" >/dev/null 2>&1; then
        log "[$c] verify in the guest: exit 0, $(jq -c '{status, backend, configured, running, reserved_bytes, next_boot: .next_boot.id, rule: .next_boot.rule}' <<<"$vjson")"
    else
        ki_fail "verify in the guest: rc $vrc: $vjson"
    fi
    if ((ok)); then
        echo "PASS $c: crashkernel=$value reached a kernel installed after reserve, through /etc/kernel/cmdline and kernel-install's entry; kexec_crash_size $ksize = explain's prediction; verify ok in the guest (boot ${secs}s)"
    else
        failures=$((failures + 1))
    fi
}

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

for c in "${cases[@]}"; do
    if [[ $c == kernel-install ]]; then run_kernel_install_case; else run_case "$c"; fi
done
((failures == 0)) || { log "$failures case(s) failed"; exit 1; }
((skipped < ${#cases[@]})) || exit 77
