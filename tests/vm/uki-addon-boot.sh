#!/usr/bin/env bash
# Real boot of a unified kernel image (UKI) with a command-line add-on that
# `kdump-setup reserve` installed: systemd-boot and systemd-stub of Debian trixie
# (systemd 257; bookworm's 252 stub loads no add-ons), fetched and extracted by
# scripts/vm/fetch-uki-tools.sh, under OVMF (tests/vm/ovmf.sh).
#
# Usage: tests/vm/uki-addon-boot.sh BIN [CASE...]     (default: all six cases)
#   addon        Secure Boot off. A staging tree: the ESP at /efi with loader/loader.conf
#                and EFI/Linux/<uki>.efi (trixie's ukify: Debian's kernel, the e2e
#                initramfs with BIN inside (scripts/e2e/build-initramfs.sh), an embedded
#                .cmdline), trixie's addonx64.efi.stub in /usr/lib/systemd/boot/efi.
#                `BIN --root TREE reserve VALUE` installs the add-on in
#                EFI/Linux/<uki>.efi.extra.d/; it must be byte for byte what
#                `ukify build --cmdline=crashkernel=VALUE` writes.
#   secureboot   Secure Boot on: OVMF_CODE_4M.secboot.fd with OVMF_VARS_4M.snakeoil.fd
#                (Debian's ovmf enrols its "snakeoil" test key in PK, KEK and db and ships
#                the key). The tree says Secure Boot is on (its efivarfs SecureBoot
#                variable) and names the key in /etc/kernel/uki.conf (ukify's
#                SecureBootPrivateKey=/SecureBootCertificate=): reserve signs the add-on
#                with it (sbverify checks). systemd-boot and the UKI are signed too; an
#                unsigned add-on with another crashkernel= in loader/addons/ must be
#                refused by the stub.
#   vendor       Secure Boot on, no signing key configured (no /etc/kernel/uki.conf): the
#                distribution ships signed add-ons for the kernel where Fedora's
#                kernel-uki-virt-addons puts them (/usr/lib/modules/<release>/
#                vmlinuz-virt.efi.extra.d/: crashkernel=128M, =VALUE, =512M and a fips=1
#                one, each built by ukify and signed with the snakeoil key, which OVMF's
#                db trusts, as a distribution's key is trusted through shim). reserve VALUE
#                must copy the crashkernel=VALUE one as it is, byte for byte (cmp: its
#                signature's time stamp makes it unlike any add-on built again); without
#                it reserve would have refused (no key to sign its own). The stub verifies
#                its signature and appends it.
#   options      Secure Boot off, booted through a Type #1 entry (`efi /EFI/Linux/<uki>.efi`
#                with an `options` line, which systemd-boot passes as the load options),
#                the add-on built by ukify: the stub takes those options instead of the
#                embedded .cmdline and still appends the add-on.
#   options-secureboot
#                the same entry with Secure Boot on: the stub ignores the options (the UKI
#                has a .cmdline) and boots the embedded command line plus the add-on.
#   old-stub     the control: the same UKI built on bookworm's own systemd-stub 252
#                (/usr/lib/systemd/boot/efi/linuxx64.efi.stub). reserve must refuse (exit
#                3, the stub named); an add-on built by ukify in its drop-in directory is
#                then ignored by the stub, the kernel boots the embedded command line and
#                reserves nothing. Shows the test can fail, and why reserve refuses.
# Asserted per case: /proc/cmdline is the base command line (embedded, or the entry's
# options where the stub honours them) followed by the add-on's (the stub appends
# add-ons, the kernel takes the last crashkernel=); kexec_crash_size equals
# `BIN --json explain --cmdline <that line> --memory <guest System RAM> --kernel-release
# <release>` and `BIN --json explain VALUE ...`; in the Secure Boot cases the kernel says
# Secure Boot is enabled and the unsigned add-on's value is absent. In the reserve cases
# (addon, secureboot, vendor) also: `BIN verify --json` in the guest (the ESP mounted at /efi,
# efivarfs, the tree's /etc) exits 0 with status ok, backend systemd-boot, the kernel's
# reservation, configured == running; then `BIN --root TREE remove` gives the tree back:
# the sha256 listing of every file (and the list of directories) equals the one taken
# before reserve.
# Environment: KDUMP_SKIP_VM=1 skips (exit 77); KDUMP_UKI_VALUE (default 256M);
# KDUMP_UKI_MEM (default 2G); KDUMP_UKI_TIMEOUT (seconds per boot, default 300);
# KDUMP_UKI_TOOLS_DIR (the tools' cache); KDUMP_E2E_BUILD_DIR (the initramfs images).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$script_dir/../e2e/lib.sh"  # esp_create, esp_put, esp_put_dir, guest_initrd; sets repo_root
. "$script_dir/ovmf.sh"        # ovmf_boot

die() { echo "uki-addon-boot: $*" >&2; exit 1; }
log() { echo "uki-addon-boot: $*" >&2; }

[[ ${KDUMP_SKIP_VM:-0} == 1 ]] && { log "KDUMP_SKIP_VM=1: skipped"; exit 77; }
bin=${1:?usage: uki-addon-boot.sh BIN [CASE...]}
bin=$(realpath "$bin")
shift
cases=("$@")
((${#cases[@]})) || cases=(addon secureboot vendor options options-secureboot old-stub)

for c in mformat mmd mcopy sfdisk qemu-system-x86_64 jq sbsign sbverify openssl cpio kexec makedumpfile; do
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
# The e2e initramfs with BIN as /kdump-setup: the guest mounts its ESP and runs verify.
images=${KDUMP_E2E_BUILD_DIR:-$repo_root/build/e2e}/images-uki
"$repo_root/scripts/e2e/build-initramfs.sh" --out "$images" --kdump-setup "$bin" >/dev/null ||
    die "scripts/e2e/build-initramfs.sh failed"
value=${KDUMP_UKI_VALUE:-256M}
mem=${KDUMP_UKI_MEM:-2G}
embedded="console=ttyS0 nokaslr panic=-1"
loader_options="console=ttyS0 nokaslr panic=-1 kds_from=loader"
secureboot_guid=8be4df61-93ca-11d2-aa0d-00e098032b8c

work=$(mktemp -d "${TMPDIR:-/tmp}/kdump-uki.XXXXXX")
keep=0
cleanup() { ((keep)) && log "kept $work" || rm -rf "$work"; }
trap cleanup EXIT

# The snakeoil key without its passphrase ("snakeoil", README.Debian of ovmf), for sbsign.
openssl rsa -in "$snakeoil_key" -passin pass:snakeoil -out "$work/db.key" 2>/dev/null ||
    die "cannot decrypt $snakeoil_key"

# build_uki OUT INITRD [SIGN [STUB]]: the UKI of this test (signed with the snakeoil key
# when SIGN=1; on trixie's stub unless STUB names another).
build_uki() {
    local out=$1 initrd=$2 sign=${3:-0} stub=${4:-$efi/linuxx64.efi.stub}
    local -a a=(build "--linux=$kernel" "--initrd=$initrd" "--cmdline=$embedded"
        "--uname=$release" "--os-release=@/etc/os-release" "--stub=$stub"
        "--output=$out")
    ((sign)) && a+=(--signtool=sbsign "--secureboot-private-key=$work/db.key"
        "--secureboot-certificate=$snakeoil_pem")
    "${ukify[@]}" "${a[@]}" >"$work/ukify.log" 2>&1 || { cat "$work/ukify.log" >&2; die "ukify build (UKI) failed"; }
}

# build_addon OUT CMDLINE [SIGN]
build_addon() {
    local out=$1 cmdline=$2 sign=${3:-0}
    local -a a=(build "--cmdline=$cmdline" "--stub=$efi/addonx64.efi.stub" "--output=$out")
    ((sign)) && a+=(--signtool=sbsign "--secureboot-private-key=$work/db.key"
        "--secureboot-certificate=$snakeoil_pem")
    "${ukify[@]}" "${a[@]}" >"$work/ukify.log" 2>&1 || { cat "$work/ukify.log" >&2; die "ukify build (add-on) failed"; }
}

# The guest's initramfs: the e2e first.img, the tree's /etc, /kde-esp ("/efi efivarfs":
# mount the ESP and the EFI variables, then run verify) and a /kde-hook that powers off
# instead of crashing (this test is about the first boot).
guest_image() {
    local tree=$1 out=$2 stage
    guest_initrd "$images/first.img" "$tree" "/efi efivarfs" "$out"
    stage=$(mktemp -d "$work/hook.XXXXXX")
    printf 'out first-end ""\nsync\npoweroff -f\n' >"$stage/kde-hook"
    truncate -s $((($(stat -c %s "$out") + 3) / 4 * 4)) "$out"
    (cd "$stage" && printf 'kde-hook\0' | cpio --null --create --format=newc --owner=0:0 --quiet) >>"$out"
    rm -rf "$stage"
}

# Every directory and every file's sha256 under TREE, sorted.
tree_listing() {
    (cd "$1" && find . -mindepth 1 -type d -printf 'dir %p\n' | LC_ALL=C sort &&
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

kv_file() { awk -v k="KDE:$1 " 'index($0, k) == 1 && !f { print substr($0, length(k) + 1); f = 1 }' "$2"; }

failures=0
case_fail() { log "[$1] FAIL: $2"; keep=1 ok=0; }

run_case() {
    local c=$1 dir="$work/$1" secure=0 code vars uki_name addon_dir entry=0 base=$embedded
    local stub=$efi/linuxx64.efi.stub applied=1 via_reserve=1 ok=1 vendor=0 vendor_file=""
    local tree=$dir/tree esp=$dir/tree/efi
    mkdir -p "$dir"
    uki_name=debian-$release.efi
    case $c in
        addon) addon_dir=EFI/Linux/$uki_name.extra.d ;;
        secureboot) secure=1 addon_dir=EFI/Linux/$uki_name.extra.d ;;
        vendor) secure=1 vendor=1 addon_dir=EFI/Linux/$uki_name.extra.d ;;
        options) entry=1 via_reserve=0 addon_dir=EFI/Linux/$uki_name.extra.d base=$loader_options ;;
        options-secureboot) secure=1 entry=1 via_reserve=0 addon_dir=EFI/Linux/$uki_name.extra.d ;;
        old-stub) addon_dir=EFI/Linux/$uki_name.extra.d applied=0
            stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
            [[ -r $stub ]] || die "$stub missing (systemd-boot-efi)" ;;
        *) die "unknown case $c" ;;
    esac
    if ((secure)); then
        code=$ovmf/OVMF_CODE_4M.secboot.fd vars=$ovmf/OVMF_VARS_4M.snakeoil.fd
    else
        code=$ovmf/OVMF_CODE_4M.fd vars=$ovmf/OVMF_VARS_4M.fd
    fi

    # The staging tree reserve works on.
    mkdir -p "$esp/EFI/Linux" "$esp/loader" "$tree/etc" "$tree/usr/lib/systemd/boot/efi"
    cp "$efi/addonx64.efi.stub" "$tree/usr/lib/systemd/boot/efi/"
    if ((entry)); then
        printf 'default uki-options.conf\ntimeout 0\nconsole-mode keep\n' >"$esp/loader/loader.conf"
        mkdir -p "$esp/loader/entries"
        printf 'title UKI with loader options\nefi /EFI/Linux/%s\noptions %s\n' "$uki_name" "$loader_options" \
            >"$esp/loader/entries/uki-options.conf"
    else
        printf 'timeout 0\nconsole-mode keep\n' >"$esp/loader/loader.conf"
    fi
    if ((secure)); then
        # Secure Boot on, as the efivarfs file says (4 bytes of attributes, then 1).
        mkdir -p "$tree/sys/firmware/efi/efivars"
        printf '\x06\x00\x00\x00\x01' >"$tree/sys/firmware/efi/efivars/SecureBoot-$secureboot_guid"
    fi
    if ((vendor)); then
        # The distribution's signed add-ons (Fedora's kernel-uki-virt-addons layout); no
        # key of the admin's: kdump-setup cannot sign an add-on of its own here.
        local vdir=$tree/usr/lib/modules/$release/vmlinuz-virt.efi.extra.d v
        mkdir -p "$vdir"
        for v in 128M "$value" 512M; do
            build_addon "$vdir/crashkernel-${v//[^A-Za-z0-9]/_}-virt.example.x86_64.addon.efi" "crashkernel=$v" 1
        done
        build_addon "$vdir/fips-virt.example.x86_64.addon.efi" "fips=1" 1
        vendor_file=$vdir/crashkernel-${value//[^A-Za-z0-9]/_}-virt.example.x86_64.addon.efi
    elif ((secure)); then
        # The admin's UKI signing key, where ukify's configuration names it.
        mkdir -p "$tree/etc/kernel" "$tree/etc/kernel/keys"
        cp "$work/db.key" "$tree/etc/kernel/keys/db.key"
        cp "$snakeoil_pem" "$tree/etc/kernel/keys/db.pem"
        printf '[UKI]\nSecureBootPrivateKey=/etc/kernel/keys/db.key\nSecureBootCertificate=/etc/kernel/keys/db.pem\n' \
            >"$tree/etc/kernel/uki.conf"
        # Sorts before ours (loader/addons/ comes first): were it applied, the stub would
        # have checked no signature; its value must not reach the kernel.
        mkdir -p "$esp/loader/addons"
        build_addon "$esp/loader/addons/zz-unsigned.addon.efi" "crashkernel=999M" 0
    fi
    guest_image "$tree" "$dir/initrd.img"
    build_uki "$esp/EFI/Linux/$uki_name" "$dir/initrd.img" "$secure" "$stub"
    if ((vendor)); then
        # The control: without the distribution's add-ons, reserve has no key to sign one
        # of its own under Secure Boot and must refuse (exit 3, nothing written).
        local crc=0
        mv "$tree/usr/lib/modules" "$dir/modules.aside"
        "$bin" --root "$tree" reserve "$value" --backend systemd-boot --dry-run >"$dir/control.log" 2>&1 || crc=$?
        mv "$dir/modules.aside" "$tree/usr/lib/modules"
        if ((crc == 3)) && grep -q 'no key is configured to sign the add-on' "$dir/control.log"; then
            log "[$c] control: without the distribution's add-ons reserve --dry-run refuses (exit 3): $(grep -m 1 'no key is configured' "$dir/control.log")"
        else
            case_fail "$c" "without the distribution's add-ons reserve --dry-run exited $crc, want 3 (no key to sign): $(cat "$dir/control.log")"
        fi
    fi
    tree_listing "$tree" >"$dir/before.sha256"

    local addon=$esp/$addon_dir/kdump-setup-crashkernel.addon.efi
    if ((via_reserve)); then
        local rrc=0
        "$bin" --root "$tree" reserve "$value" --backend systemd-boot >"$dir/reserve.log" 2>&1 || rrc=$?
        if ((applied)); then
            if ((rrc != 0)); then
                case_fail "$c" "reserve exited $rrc: $(cat "$dir/reserve.log")"
            elif [[ ! -f $addon ]]; then
                case_fail "$c" "reserve wrote no $addon_dir/kdump-setup-crashkernel.addon.efi: $(cat "$dir/reserve.log")"
            elif ((vendor)); then
                if ! cmp -s "$addon" "$vendor_file"; then
                    case_fail "$c" "the add-on reserve wrote is not the distribution's ${vendor_file#"$tree"}: $(cat "$dir/reserve.log")"
                elif ! grep -qF "${vendor_file#"$tree"}" "$dir/reserve.log"; then
                    case_fail "$c" "reserve did not name the distribution's add-on it copied: $(cat "$dir/reserve.log")"
                elif sbverify --cert "$snakeoil_pem" "$addon" >"$dir/sbverify.log" 2>&1; then
                    log "[$c] reserve copied the distribution's ${vendor_file#"$tree"} to $addon_dir/kdump-setup-crashkernel.addon.efi, byte for byte (cmp; $(stat -c %s "$addon") bytes, sbverify: $(tail -n 1 "$dir/sbverify.log"))"
                else
                    case_fail "$c" "sbverify of the copied add-on: $(cat "$dir/sbverify.log")"
                fi
            elif ((secure)); then
                if sbverify --cert "$snakeoil_pem" "$addon" >"$dir/sbverify.log" 2>&1; then
                    log "[$c] reserve wrote $addon_dir/kdump-setup-crashkernel.addon.efi, signed with the key of /etc/kernel/uki.conf (sbverify: $(tail -n 1 "$dir/sbverify.log"))"
                else
                    case_fail "$c" "sbverify of the add-on: $(cat "$dir/sbverify.log")"
                fi
            else
                build_addon "$dir/ukify.addon.efi" "crashkernel=$value" 0
                if cmp -s "$addon" "$dir/ukify.addon.efi"; then
                    log "[$c] reserve wrote $addon_dir/kdump-setup-crashkernel.addon.efi, byte for byte ukify's ($(stat -c %s "$addon") bytes)"
                else
                    case_fail "$c" "the add-on reserve wrote differs from ukify's"
                fi
            fi
        else
            if ((rrc == 3)) && grep -q 'loads no command-line add-ons' "$dir/reserve.log"; then
                log "[$c] reserve refused (exit 3): $(grep -m 1 'loads no' "$dir/reserve.log")"
            else
                case_fail "$c" "reserve on a 252 stub exited $rrc, want 3 naming the stub: $(cat "$dir/reserve.log")"
            fi
            mkdir -p "$esp/$addon_dir"
            build_addon "$addon" "crashkernel=$value" 0
        fi
    else
        mkdir -p "$esp/$addon_dir"
        build_addon "$addon" "crashkernel=$value" "$secure"
    fi
    ((ok)) || { failures=$((failures + 1)); return; }

    # The ESP: systemd-boot (signed under Secure Boot) and the tree's /efi as it is.
    cp "$efi/systemd-bootx64.efi" "$dir/BOOTX64.EFI"
    if ((secure)); then
        sbsign --key "$work/db.key" --cert "$snakeoil_pem" --output "$dir/BOOTX64.EFI" \
            "$efi/systemd-bootx64.efi" 2>/dev/null || die "sbsign systemd-boot failed"
    fi
    esp_create "$dir/disk.img" $(($(du -sm "$esp" | cut -f1) + 48))
    esp_put "$dir/disk.img" "$dir/BOOTX64.EFI" /EFI/BOOT/BOOTX64.EFI
    esp_put_dir "$dir/disk.img" "$esp"
    log "[$c] ESP: /EFI/BOOT/BOOTX64.EFI (systemd-boot), /EFI/Linux/$uki_name ($(grep -ao 'systemd-stub [0-9][^ ]*' "$stub" | head -n 1), .cmdline '$embedded')$( ((entry)) && echo ", /loader/entries/uki-options.conf (efi + options '$loader_options')"), /$addon_dir/kdump-setup-crashkernel.addon.efi (crashkernel=$value$( ((vendor)) && echo ", the distribution's"))$( ((secure && !vendor)) && echo ", /loader/addons/zz-unsigned.addon.efi (crashkernel=999M, unsigned)")$( ((secure)) && echo "; all else signed with the snakeoil key")"

    local secs
    local -a sb=()
    ((secure)) && sb=(--secure)
    if ! ovmf_boot_answer "$dir" "$vars" --code "$code" --mem "$mem" \
        --timeout "${KDUMP_UKI_TIMEOUT:-300}" --serial-id kdsesp "${sb[@]}" -- "$dir/disk.img"; then
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
    local want="$base crashkernel=$value"
    ((applied)) || want=$base
    [[ $cmdline == "$want" ]] ||
        case_fail "$c" "/proc/cmdline is not the base command line$( ((applied)) && echo " plus the add-on's"): want '$want'"
    if ((secure)); then
        if ! grep -aq 'Secure boot enabled' "$dir/serial.txt"; then
            case_fail "$c" "the kernel did not report Secure Boot enabled"
        else
            log "[$c] the kernel says: $(grep -ao -m 1 'secureboot: Secure boot enabled' "$dir/serial.txt")"
        fi
        [[ $cmdline == *crashkernel=999M* ]] && case_fail "$c" "the unsigned add-on was applied"
    fi
    if ((!applied)); then
        if [[ $ksize == 0 && $ok == 1 ]]; then
            echo "PASS $c: reserve refused systemd-stub $(grep -ao 'systemd-stub [0-9][^ ]*' "$stub" | head -n 1 | cut -d' ' -f2), which ignored an add-on: /proc/cmdline '$cmdline', kexec_crash_size 0 (boot ${secs}s)"
        else
            ((ok)) && case_fail "$c" "kexec_crash_size $ksize, want 0 (the add-on must not have been applied)"
            failures=$((failures + 1))
        fi
        return
    fi
    local from_line from_value
    from_line=$("$bin" --json explain --cmdline "$cmdline" --memory "$ram" --kernel-release "$release" --arch x86_64 |
        jq -er '.kexec_crash_size | numbers') || from_line=none
    from_value=$("$bin" --json explain "$value" --memory "$ram" --kernel-release "$release" --arch x86_64 |
        jq -er '.kexec_crash_size | numbers') || from_value=none
    log "[$c] explain predicts kexec_crash_size $from_line (from /proc/cmdline), $from_value (from $value)"
    [[ $from_line == "$ksize" && $from_value == "$ksize" && $ksize != 0 ]] ||
        case_fail "$c" "kernel reserved $ksize, explain predicts $from_line / $from_value"

    if ((via_reserve)); then
        # verify in the guest, on the ESP it booted from and the firmware's variables.
        local vjson vrc
        vrc=$(kv_file verify-rc "$dir/kde")
        vjson=$(sed -n 's/^KDE:verify //p' "$dir/kde")
        [[ $(kv_file esp_mount "$dir/kde") == "/efi 0" ]] || case_fail "$c" "the guest could not mount its ESP: $(kv_file esp_mount "$dir/kde")"
        if [[ $vrc == 0 ]] && jq -e --arg k "$ksize" \
            '.status == "ok" and (.reserved_bytes | tostring) == $k and .backend == "systemd-boot" and .configured != null and .configured == .running' \
            <<<"$vjson" >/dev/null 2>&1; then
            log "[$c] verify in the guest: exit 0, $(jq -c '{status, backend, configured, running, reserved_bytes}' <<<"$vjson")"
        else
            case_fail "$c" "verify in the guest: rc $vrc: $vjson"
        fi
        # remove gives the tree back, byte for byte.
        local mrc=0
        "$bin" --root "$tree" remove --backend systemd-boot >"$dir/remove.log" 2>&1 || mrc=$?
        tree_listing "$tree" >"$dir/after.sha256"
        if ((mrc == 0)) && cmp -s "$dir/before.sha256" "$dir/after.sha256"; then
            log "[$c] remove: the tree is back byte for byte ($(grep -c '^[0-9a-f]' "$dir/after.sha256") files, $(grep -c '^dir ' "$dir/after.sha256") directories, sha256)"
        else
            case_fail "$c" "remove exited $mrc; tree differs: $(diff "$dir/before.sha256" "$dir/after.sha256" | tr '\n' ' ')"
        fi
    fi
    if ((ok)); then
        echo "PASS $c: crashkernel=$value reached the kernel from a UKI add-on (/$addon_dir$( ((via_reserve)) && echo ", installed by reserve")) through systemd-stub after '$base'; kexec_crash_size $ksize = explain's prediction$( ((via_reserve)) && echo "; verify ok in the guest; remove restored the tree") (boot ${secs}s)"
    else
        failures=$((failures + 1))
    fi
}

for c in "${cases[@]}"; do run_case "$c"; done
((failures == 0)) || { log "$failures case(s) failed"; exit 1; }
