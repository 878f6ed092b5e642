#!/usr/bin/env bash
# Real boot of a unified kernel image (UKI) with a command-line add-on: systemd-boot and
# systemd-stub of Debian trixie (systemd 257; bookworm's 252 stub loads no add-ons),
# fetched and extracted by scripts/vm/fetch-uki-tools.sh, under OVMF. Does the kernel
# get the add-on's crashkernel=, and does it reserve what `explain` predicts?
#
# Usage: tests/vm/uki-addon-boot.sh BIN [CASE...]     (default: all five cases)
#   addon        Secure Boot off. UKI = trixie's ukify from Debian's kernel, the test
#                initramfs (scripts/vm/init.sh) and an embedded .cmdline; the add-on
#                (`ukify build --cmdline=crashkernel=VALUE`) in the UKI's own drop-in
#                directory EFI/Linux/<uki>.efi.extra.d/.
#   secureboot   Secure Boot on: OVMF_CODE_4M.secboot.fd with OVMF_VARS_4M.snakeoil.fd
#                (Debian's ovmf enrols its "snakeoil" test key in PK, KEK and db and ships
#                the key). systemd-boot, the UKI and the add-on are signed with it (sbsign);
#                the add-on sits in the global directory loader/addons/, beside a second,
#                unsigned add-on with another crashkernel= that the stub must refuse.
#   options      Secure Boot off, booted through a Type #1 entry (`efi /EFI/Linux/<uki>.efi`
#                with an `options` line, which systemd-boot passes as the load options):
#                the stub takes those options instead of the embedded .cmdline and still
#                appends the add-on.
#   options-secureboot
#                the same entry with Secure Boot on: the stub ignores the options (the UKI
#                has a .cmdline) and boots the embedded command line plus the add-on.
#   old-stub     the control: the same UKI built on bookworm's own systemd-stub 252
#                (/usr/lib/systemd/boot/efi/linuxx64.efi.stub), add-on in its drop-in
#                directory: the stub ignores it, the kernel boots the embedded command
#                line and reserves nothing. Shows the test can fail, and why trixie's
#                stub is needed.
# Asserted per case: /proc/cmdline is the base command line (embedded, or the entry's
# options where the stub honours them) followed by the signed add-on's (the stub appends
# add-ons, the kernel takes the last crashkernel=);
# kexec_crash_size equals `BIN --json explain --cmdline <that line> --memory <guest
# System RAM> --kernel-release <guest release>` and `BIN --json explain VALUE ...`; in
# the secureboot case the kernel says Secure Boot is enabled and the unsigned add-on's
# value is absent.
# Environment: KDUMP_SKIP_VM=1 skips (exit 77); KDUMP_UKI_VALUE (default 256M);
# KDUMP_UKI_MEM (default 2G); KDUMP_UKI_TIMEOUT (seconds per boot, default 300);
# KDUMP_UKI_TOOLS_DIR (the tools' cache); KDUMP_VM_BUILD_DIR (the initramfs).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$script_dir/../e2e/lib.sh"  # esp_create, esp_put; sets repo_root

die() { echo "uki-addon-boot: $*" >&2; exit 1; }
log() { echo "uki-addon-boot: $*" >&2; }

[[ ${KDUMP_SKIP_VM:-0} == 1 ]] && { log "KDUMP_SKIP_VM=1: skipped"; exit 77; }
bin=${1:?usage: uki-addon-boot.sh BIN [CASE...]}
bin=$(realpath "$bin")
shift
cases=("$@")
((${#cases[@]})) || cases=(addon secureboot options options-secureboot old-stub)

for c in mformat mmd mcopy sfdisk qemu-system-x86_64 jq sbsign openssl; do
    command -v "$c" >/dev/null || die "$c not found (scripts/packages.txt)"
done
python=/usr/bin/python3  # Debian's, with python3-pefile (ukify imports it)
"$python" -c 'import pefile' 2>/dev/null || die "python3-pefile missing (scripts/packages.txt)"

rc=0
tools=$("$repo_root/scripts/vm/fetch-uki-tools.sh") || rc=$?
((rc == 77)) && { log "the trixie UKI tools cannot be fetched: skipped"; exit 77; }
((rc == 0)) || die "scripts/vm/fetch-uki-tools.sh failed"
efi=$tools/root/usr/lib/systemd/boot/efi
ukify=("$python" "$tools/root/usr/lib/systemd/ukify")
ovmf=/usr/share/OVMF
snakeoil_key=/usr/share/ovmf/PkKek-1-snakeoil.key
snakeoil_pem=/usr/share/ovmf/PkKek-1-snakeoil.pem
for f in "$efi/systemd-bootx64.efi" "$efi/linuxx64.efi.stub" "$efi/addonx64.efi.stub" \
    "$ovmf/OVMF_CODE_4M.fd" "$ovmf/OVMF_VARS_4M.fd" "$ovmf/OVMF_CODE_4M.secboot.fd" \
    "$ovmf/OVMF_VARS_4M.snakeoil.fd" "$snakeoil_key" "$snakeoil_pem"; do
    [[ -r $f ]] || die "$f missing (ovmf, scripts/vm/fetch-uki-tools.sh)"
done
log "tools: $("${ukify[@]}" --version), $(grep -ao 'systemd-stub [0-9][^ ]*' "$efi/linuxx64.efi.stub" | head -n 1), $(grep -ao 'systemd-boot [0-9][^ ]*' "$efi/systemd-bootx64.efi" | head -n 1)"

kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sort -V | tail -n 1)
[[ -n $kernel ]] || die "no /boot/vmlinuz-*"
release=${kernel#vmlinuz-}
kernel=/boot/$kernel
initramfs=$("$repo_root/scripts/vm/build-initramfs.sh" | sed 's/ (up to date)$//')
value=${KDUMP_UKI_VALUE:-256M}
mem=${KDUMP_UKI_MEM:-2G}
embedded="console=ttyS0 nokaslr panic=-1"
loader_options="console=ttyS0 nokaslr panic=-1 kds_from=loader"

work=$(mktemp -d "${TMPDIR:-/tmp}/kdump-uki.XXXXXX")
keep=0
cleanup() { ((keep)) && log "kept $work" || rm -rf "$work"; }
trap cleanup EXIT

kvm_usable() { (exec 3<>/dev/kvm) 2>/dev/null && grep -qwE 'vmx|svm' /proc/cpuinfo; }

# The snakeoil key without its passphrase ("snakeoil", README.Debian of ovmf), for sbsign.
openssl rsa -in "$snakeoil_key" -passin pass:snakeoil -out "$work/db.key" 2>/dev/null ||
    die "cannot decrypt $snakeoil_key"

# build_uki OUT [SIGN [STUB]]: the UKI of this test (signed with the snakeoil key when
# SIGN=1; on trixie's stub unless STUB names another).
build_uki() {
    local out=$1 sign=${2:-0} stub=${3:-$efi/linuxx64.efi.stub}
    local -a a=(build "--linux=$kernel" "--initrd=$initramfs" "--cmdline=$embedded"
        "--uname=$release" "--os-release=@/etc/os-release" "--stub=$stub"
        "--output=$out")
    ((sign)) && a+=(--signtool=sbsign "--secureboot-private-key=$work/db.key"
        "--secureboot-certificate=$snakeoil_pem")
    "${ukify[@]}" "${a[@]}" >"$out.log" 2>&1 || { cat "$out.log" >&2; die "ukify build (UKI) failed"; }
}

# build_addon OUT CMDLINE [SIGN]
build_addon() {
    local out=$1 cmdline=$2 sign=${3:-0}
    local -a a=(build "--cmdline=$cmdline" "--stub=$efi/addonx64.efi.stub" "--output=$out")
    ((sign)) && a+=(--signtool=sbsign "--secureboot-private-key=$work/db.key"
        "--secureboot-certificate=$snakeoil_pem")
    "${ukify[@]}" "${a[@]}" >"$out.log" 2>&1 || { cat "$out.log" >&2; die "ukify build (add-on) failed"; }
}

boot() {
    local disk=$1 code=$2 vars=$3 serial=$4 secure=$5 timeout=${KDUMP_UKI_TIMEOUT:-300}
    local machine=q35
    ((secure)) && machine=q35,smm=on
    local -a q=(qemu-system-x86_64 -machine "$machine" -nographic -no-reboot -net none -smp 1 -m "$mem"
        -drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
        -drive "if=pflash,format=raw,unit=1,file=$vars"
        -drive "file=$disk,format=raw,if=virtio")
    ((secure)) && q+=(-global driver=cfi.pflash01,property=secure,value=on)
    if kvm_usable; then q+=(-accel kvm -cpu host); else q+=(-accel tcg -cpu max); fi
    timeout -k 5 "$timeout" "${q[@]}" </dev/null >"$serial" 2>&1
}

kds() { grep -a "^KDS:$1 " "$2" | head -n 1 | cut -d' ' -f2-; }

failures=0
run_case() {
    local c=$1 dir="$work/$1" secure=0 code vars uki_name addon_dir entry=0 base=$embedded
    local stub=$efi/linuxx64.efi.stub applied=1
    mkdir -p "$dir"
    uki_name=debian-$release.efi
    case $c in
        addon) addon_dir=/EFI/Linux/$uki_name.extra.d ;;
        secureboot) secure=1 addon_dir=/loader/addons ;;
        options) entry=1 addon_dir=/EFI/Linux/$uki_name.extra.d base=$loader_options ;;
        options-secureboot) secure=1 entry=1 addon_dir=/EFI/Linux/$uki_name.extra.d ;;
        old-stub) addon_dir=/EFI/Linux/$uki_name.extra.d applied=0
            stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
            [[ -r $stub ]] || die "$stub missing (systemd-boot-efi)" ;;
        *) die "unknown case $c" ;;
    esac
    if ((secure)); then
        code=$ovmf/OVMF_CODE_4M.secboot.fd vars=$ovmf/OVMF_VARS_4M.snakeoil.fd
    else
        code=$ovmf/OVMF_CODE_4M.fd vars=$ovmf/OVMF_VARS_4M.fd
    fi
    build_uki "$dir/$uki_name" "$secure" "$stub"
    build_addon "$dir/kdump-setup-crashkernel.addon.efi" "crashkernel=$value" "$secure"
    cp "$efi/systemd-bootx64.efi" "$dir/BOOTX64.EFI"
    if ((secure)); then
        sbsign --key "$work/db.key" --cert "$snakeoil_pem" --output "$dir/BOOTX64.EFI" \
            "$efi/systemd-bootx64.efi" 2>/dev/null || die "sbsign systemd-boot failed"
        # Sorts after the signed one: were it applied, its value would be the last.
        build_addon "$dir/zz-unsigned.addon.efi" "crashkernel=999M" 0
    fi
    if ((entry)); then
        printf 'default uki-options.conf\ntimeout 0\nconsole-mode keep\n' >"$dir/loader.conf"
        printf 'title UKI with loader options\nefi /EFI/Linux/%s\noptions %s\n' "$uki_name" "$loader_options" \
            >"$dir/uki-options.conf"
    else
        printf 'timeout 0\nconsole-mode keep\n' >"$dir/loader.conf"
    fi

    esp_create "$dir/disk.img" 64
    esp_put "$dir/disk.img" "$dir/BOOTX64.EFI" /EFI/BOOT/BOOTX64.EFI
    esp_put "$dir/disk.img" "$dir/loader.conf" /loader/loader.conf
    ((entry)) && esp_put "$dir/disk.img" "$dir/uki-options.conf" /loader/entries/uki-options.conf
    esp_put "$dir/disk.img" "$dir/$uki_name" "/EFI/Linux/$uki_name"
    esp_put "$dir/disk.img" "$dir/kdump-setup-crashkernel.addon.efi" "$addon_dir/kdump-setup-crashkernel.addon.efi"
    ((secure)) && esp_put "$dir/disk.img" "$dir/zz-unsigned.addon.efi" "$addon_dir/zz-unsigned.addon.efi"
    log "[$c] ESP: /EFI/BOOT/BOOTX64.EFI (systemd-boot), /EFI/Linux/$uki_name ($(grep -ao 'systemd-stub [0-9][^ ]*' "$stub" | head -n 1), .cmdline '$embedded')$( ((entry)) && echo ", /loader/entries/uki-options.conf (efi + options '$loader_options')"), $addon_dir/kdump-setup-crashkernel.addon.efi (crashkernel=$value)$( ((secure)) && echo ", $addon_dir/zz-unsigned.addon.efi (crashkernel=999M, unsigned); all else signed with the snakeoil key")"

    cp "$vars" "$dir/vars.fd"
    local t0 t1 secs qrc=0
    t0=$(date +%s.%N)
    boot "$dir/disk.img" "$code" "$dir/vars.fd" "$dir/serial.log" "$secure" || qrc=$?
    t1=$(date +%s.%N)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    tr -d '\r' <"$dir/serial.log" | grep -ao 'KDS:.*' >"$dir/kds" || true
    if ! grep -q '^KDS:end' "$dir/kds"; then
        log "[$c] FAIL: guest did not finish (qemu exit $qrc, ${secs}s); serial log tail:"
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
    local ok=1 want="$base crashkernel=$value"
    ((applied)) || want=$base
    if [[ $cmdline != "$want" ]]; then
        log "[$c] FAIL: /proc/cmdline is not the base command line$( ((applied)) && echo " plus the add-on's"): want '$want'"
        ok=0
    fi
    if ((secure)); then
        if ! tr -d '\r' <"$dir/serial.log" | grep -aq 'Secure boot enabled'; then
            log "[$c] FAIL: the kernel did not report Secure Boot enabled"
            ok=0
        else
            log "[$c] the kernel says: $(tr -d '\r' <"$dir/serial.log" | grep -ao 'secureboot: Secure boot enabled' | head -n 1)"
        fi
        [[ $cmdline == *crashkernel=999M* ]] && { log "[$c] FAIL: the unsigned add-on was applied"; ok=0; }
    fi
    if ((!applied)); then
        if [[ $ksize == 0 && $ok == 1 ]]; then
            echo "PASS $c: systemd-stub $(grep -ao 'systemd-stub [0-9][^ ]*' "$stub" | head -n 1 | cut -d' ' -f2) ignored the add-on: /proc/cmdline '$cmdline', kexec_crash_size 0 (boot ${secs}s)"
        else
            ((ok)) && log "[$c] FAIL: kexec_crash_size $ksize, want 0 (the add-on must not have been applied)"
            keep=1 failures=$((failures + 1))
        fi
        return
    fi
    local from_line from_value
    from_line=$("$bin" --json explain --cmdline "$cmdline" --memory "$ram" --kernel-release "$krel" --arch x86_64 |
        jq -er '.kexec_crash_size | numbers') || from_line=none
    from_value=$("$bin" --json explain "$value" --memory "$ram" --kernel-release "$krel" --arch x86_64 |
        jq -er '.kexec_crash_size | numbers') || from_value=none
    log "[$c] explain predicts kexec_crash_size $from_line (from /proc/cmdline), $from_value (from $value)"
    if [[ $from_line != "$ksize" || $from_value != "$ksize" ]]; then
        log "[$c] FAIL: kernel reserved $ksize, explain predicts $from_line / $from_value"
        ok=0
    fi
    if ((ok)); then
        echo "PASS $c: crashkernel=$value reached the kernel from a UKI add-on ($addon_dir) through systemd-stub after '$base'; kexec_crash_size $ksize = explain's prediction (boot ${secs}s)"
    else
        keep=1 failures=$((failures + 1))
    fi
}

for c in "${cases[@]}"; do run_case "$c"; done
((failures == 0)) || { log "$failures case(s) failed"; exit 1; }
