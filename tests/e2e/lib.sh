# Sourced, not run. What the end-to-end tests (tests/e2e/grub2.sh, bls.sh,
# systemd_boot.sh) and the systemd-boot boot test (tests/vm/sdboot-boot.sh) share:
#
#   esp_create IMG MIB          a GPT disk with one EFI System Partition at 1 MiB (FAT32)
#   esp_put IMG SRC DEST        copy a host file into it (parent folders made as needed)
#   esp_get IMG SRC DEST        copy a file of it back out (to cmp what the loader reads)
#   e2e_setup BIN NAME [TOOL...]  checks, skips (exit 77), kernel, guest RAM, images
#   run_case CASE               one case of one backend: reserve, boot media, crash boot,
#                               every host-side assertion (tests/e2e/README.md)
#   guest_initrd SRC TREE SPEC OUT  the initramfs plus the tree's /etc for the guest
#   sdboot_esp TREE ESP DIR INITRD SPEC  systemd-boot and the tree's boot files on an ESP
#
# No loop mounts: the ESP is written with mtools through the partition offset
# ("IMG@@1M"), so the tests run without mount privileges for the image.

e2e_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$e2e_lib_dir/../.." && pwd)
# The partition does not end on a "track" of mtools' made-up geometry; that is fine.
export MTOOLS_SKIP_CHECK=1

esp_create() {
    local img=$1 mib=$2
    rm -f "$img"
    truncate -s "${mib}M" "$img"
    printf 'label: gpt\nstart=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="ESP"\n' |
        sfdisk -q "$img" >/dev/null
    mformat -i "$img@@1M" -F -v ESP ::
}

esp_put() {
    local img=$1 src=$2 dest=$3 dir="" part
    local -a parts
    IFS=/ read -ra parts <<<"${dest%/*}"
    for part in "${parts[@]}"; do
        [[ -n $part ]] || continue
        dir+=/$part
        mmd -i "$img@@1M" "::$dir" 2>/dev/null || true
    done
    mcopy -o -i "$img@@1M" "$src" "::$dest"
}

esp_get() { mcopy -n -i "$1@@1M" "::$2" "$3"; }

# Every file under DIR, at the same path under the ESP's root.
esp_put_dir() {
    local img=$1 dir=$2 f
    while IFS= read -r -d '' f; do esp_put "$img" "$dir/$f" "/$f"; done < <(cd "$dir" && find . -type f -printf '%P\0')
}

# The kernel's command line from a Type #1 entry: every options line joined with one
# space, as systemd-boot passes them.
entry_options() {
    awk '$1 == "options" { sub(/^[ \t]*options[ \t]+/, ""); sub(/[ \t]+$/, ""); printf "%s%s", sep, $0; sep = " " }' "$1"
}

# ---------------------------------------------------------------------------
# End-to-end cases. A backend script defines, then calls e2e_setup and run_case:
#   backend                   the --backend name given to reserve
#   make_tree TREE            the staging tree, with the real kernel and $images/first.img
#   check_written TREE VALUE  assert the written files carry exactly that one
#                             crashkernel= (call fail, return 1 otherwise)
#   make_boot_media TREE ESP  the ESP image the firmware boots
#   guest_backend             (optional) the backend `verify` must find in the guest,
#                             which then also needs the tree (guest_initrd); empty when
#                             the guest has no boot files (grub2)
#   guest_reason              (optional) words its backend_reason must contain

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
# The first "KDE:KEY value" of OUT. Readers of a pipe read it to the end here: under
# pipefail + set -e a writer killed by SIGPIPE would end the test without a word.
kv() { awk -v k="KDE:$1 " 'index($0, k) == 1 && !f { print substr($0, length(k) + 1); f = 1 }' <<<"$2"; }

e2e_setup() {
    bin=$(readlink -f "${1:?usage: $2.sh BIN [CASE...]}")
    local name=$2 t
    shift 2
    if [[ ${KDUMP_SKIP_E2E:-0} == 1 ]]; then skip "KDUMP_SKIP_E2E=1"; fi
    for t in qemu-system-x86_64 mformat mmd mcopy sfdisk makedumpfile jq "$@"; do
        command -v "$t" >/dev/null || skip "$t not installed (scripts/packages.txt)"
    done
    [[ -r /usr/share/OVMF/OVMF_CODE.fd ]] || skip "ovmf not installed"
    build=${KDUMP_E2E_BUILD_DIR:-$repo_root/build/e2e}
    mem=${KDUMP_E2E_MEM:-2G}
    mem_bytes=$(numfmt --from=iec "$mem")
    kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sort -V | tail -n 1)
    [[ -n $kernel ]] || skip "no /boot/vmlinuz-*"
    release=${kernel#vmlinuz-}
    failures=0
    e2e_name=$name
    # HOOK (verify verb): the binary goes into the guest only when it has the verb.
    verify_bin=""
    if "$bin" --help 2>/dev/null | grep -E '^  verify[[:space:]]' >/dev/null; then verify_bin=$bin; fi
    images=$build/images
    mkdir -p "$images"
    # ctest runs the e2e tests in parallel and each rebuilds the shared images: one at a
    # time, so none boots an image another is halfway through writing.
    flock "$images/.lock" "$repo_root/scripts/e2e/build-initramfs.sh" --out "$images" \
        ${verify_bin:+--kdump-setup "$verify_bin"} >/dev/null
}

e2e_finish() {
    if ((failures)); then echo "$e2e_name e2e: $failures failure(s)"; exit 1; fi
    echo "$e2e_name e2e: all cases passed"
}

# Every text file of TREE that names crashkernel= names it exactly once, as VALUE, and
# the kernel gets exactly that one from ENTRY (a Type #1 entry under TREE; the files
# reserve wrote are the only ones with crashkernel= in these trees; kdump-setup's own
# record, var/lib/kdump-setup/state.toml, is not a boot file and is left out).
check_tree_value() {
    local tree=$1 value=$2 entry=$3 f n bad=0 files=0
    while IFS= read -r f; do
        files=$((files + 1))
        n=$({ grep -o 'crashkernel=[^[:space:]"]*' "$f" || true; } | wc -l)  # none: 0, not a pipefail exit
        if ((n != 1)) || [[ $(grep -o 'crashkernel=[^[:space:]"]*' "$f") != "$value" ]]; then
            fail "${f#"$tree"/}: $(grep -o 'crashkernel=[^[:space:]"]*' "$f" | tr '\n' ' ')(want $value once)"
            bad=1
        fi
    done < <(grep -rIl --exclude-dir=kdump-setup 'crashkernel=' "$tree" | sort)
    ((bad == 0)) || return 1
    local opts
    opts=$(entry_options "$tree/$entry")
    n=$({ grep -o 'crashkernel=[^ ]*' <<<"$opts" || true; } | wc -l)  # none: 0, not a pipefail exit
    if ((n == 1)) && grep -qF -- " $value " <<<" $opts "; then
        pass "$files file(s) carry $value exactly once; the booted entry gives the kernel: $opts"
    else
        fail "the booted entry ${entry##*/} gives the kernel: $opts"; return 1
    fi
}

# The entry files on the ESP are the tree's, byte for byte (nothing regenerated them).
check_esp_entries() {
    local img=$1 dir=$2 f n=0
    for f in "$dir"/loader/entries/*.conf; do
        esp_get "$img" "/loader/entries/${f##*/}" "$f.from-esp" || { fail "no ${f##*/} on the ESP"; return 1; }
        cmp -s "$f" "$f.from-esp" || { fail "${f##*/} on the ESP differs from what reserve wrote"; return 1; }
        rm -f "$f.from-esp"
        n=$((n + 1))
    done
    pass "the ESP holds the $n entry file(s) reserve wrote, byte for byte (cmp)"
}

# SRC (an initramfs) with the tree's etc/ and /kde-esp (SPEC: "MOUNTPOINT [efivarfs]",
# read by scripts/e2e/init.sh) appended as a second, uncompressed archive, which the
# kernel unpacks over the first. The kernel only takes a cpio header at a 4-byte
# offset: zeros pad SRC to one (and are skipped).
guest_initrd() {
    local src=$1 tree=$2 spec=$3 out=$4 stage
    stage=$(mktemp -d "${TMPDIR:-/tmp}/kds-guest-tree.XXXXXX")
    cp -a "$tree/etc" "$stage/etc"
    echo "$spec" >"$stage/kde-esp"
    cp "$src" "$out"
    truncate -s $((($(stat -c %s "$out") + 3) / 4 * 4)) "$out"
    (cd "$stage" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
        cpio --null --create --format=newc --owner=0:0 --quiet) >>"$out"
    rm -rf "$stage"
}

# The ESP Debian's systemd-boot boots from: its EFI binary as \EFI\BOOT\BOOTX64.EFI and
# the files of TREE/DIR (the tree's ESP, or its /boot) as they are, except INITRD (a
# path under DIR), which also carries the tree's /etc and says where the guest mounts
# the ESP (guest_initrd SPEC), so `verify` there sees this system's files.
sdboot_efi=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
sdboot_esp() {
    local tree=$1 esp=$2 dir=$3 initrd=$4 spec=$5
    [[ -r $sdboot_efi ]] || { fail "$sdboot_efi missing (systemd-boot-efi)"; return 1; }
    esp_create "$esp" 96
    esp_put "$esp" "$sdboot_efi" /EFI/BOOT/BOOTX64.EFI
    esp_put_dir "$esp" "$tree/$dir"
    guest_initrd "$tree/$dir/$initrd" "$tree" "$spec" "$tree/guest-initrd.img"
    esp_put "$esp" "$tree/guest-initrd.img" "/$initrd"
    check_esp_entries "$esp" "$tree/$dir"
}

# One case: CASE is "auto" (reserve auto for the guest's RAM, the default policy) or a
# value such as 224M.
run_case() {
    local name=$1 tree=$build/$backend-$1 value expr
    echo "== case $name ($backend, guest RAM $mem)"
    make_tree "$tree"
    # The tree runs the guest's kernel, and its capture initramfs (the one the guest
    # loads with kexec -p) lies where Debian's kdump-tools keeps it, so `reserve auto`
    # sizes the reservation from that file (the capture_initramfs fact).
    mkdir -p "$tree/proc/sys/kernel" "$tree/var/lib/kdump"
    echo "$release" >"$tree/proc/sys/kernel/osrelease"
    cp "$images/capture.img" "$tree/var/lib/kdump/initrd.img-$release"
    local -a args=(--root "$tree" reserve --no-update --backend "$backend")
    if [[ $name == auto ]]; then
        # The value comes from recommend: the default policy may change.
        args+=(auto --memory "$mem_bytes" --arch x86_64)
        local rec
        rec=$("$bin" --root "$tree" --json recommend --memory "$mem_bytes" --arch x86_64)
        expr=$(jq -r .expression <<<"$rec")
        if [[ $(jq -r '.facts.capture_initramfs.value.path // empty' <<<"$rec") == "$tree/var/lib/kdump/initrd.img-$release" ]]; then
            pass "recommend sizes for the capture initramfs in the tree ($(jq -r .facts.capture_initramfs.value.bytes <<<"$rec") bytes): $expr"
        else
            fail "recommend did not find /var/lib/kdump/initrd.img-$release: $(jq -c .facts.capture_initramfs <<<"$rec")"
        fi
    else
        args+=("$name")
        expr=$name
    fi
    if "$bin" "${args[@]}" >"$tree.reserve.log" 2>&1; then
        pass "reserve ${args[*]:4}"
    else
        fail "reserve exited $?: $(cat "$tree.reserve.log")"; return
    fi
    value="crashkernel=$expr"
    local t0=$SECONDS
    check_written "$tree" "$value" || return
    make_boot_media "$tree" "$tree.esp.img" || { fail "boot media"; return; }
    echo "   (files + boot media: $((SECONDS - t0)) s)"
    boot_and_check "$tree" "$value"
}

# The crash boot of TREE's ESP and every assertion on what the guest reported.
boot_and_check() {
    local tree=$1 value=$2 out rc=0
    out=$("$repo_root/scripts/e2e/crash-boot.sh" -m "$mem" -t 300 --esp "$tree.esp.img" --dir "$tree/run") || rc=$?
    printf '%s\n' "$out" | sed 's/^/   | /' | grep -v makedumpfile_log
    local cmdline crash sysram n
    cmdline=$(kv cmdline "$out")
    crash=$(kv kexec_crash_size "$out")
    sysram=$(kv system_ram_bytes "$out")
    n=$({ grep -o 'crashkernel=[^ ]*' <<<"$cmdline" || true; } | wc -l)  # none: 0, not a pipefail exit
    if ((n == 1)) && grep -qF -- " $value " <<<" $cmdline "; then
        pass "guest /proc/cmdline carries $value once"
    else
        fail "guest cmdline: $cmdline"
    fi
    # A script that can say what the boot model predicts for the tree checks it here.
    if declare -F check_model_cmdline >/dev/null; then check_model_cmdline "$tree" "$cmdline"; fi
    local predicted
    predicted=$("$bin" --json explain --cmdline "$cmdline" --memory "${sysram:-0}" --arch x86_64 \
        --kernel-release "$release" | jq -r .kexec_crash_size)
    if [[ -n $crash && $crash == "$predicted" && $crash != 0 ]]; then
        pass "kexec_crash_size $crash == explain's prediction (System RAM $sysram)"
    else
        fail "kexec_crash_size ${crash:-none}, explain predicts $predicted (System RAM $sysram)"
    fi
    if [[ -n $verify_bin ]]; then
        check_guest_verify "$out" "$crash"
    else
        echo "   verify: not on this branch (hook in scripts/e2e/init.sh)"
    fi
    if ((rc == 0)) && [[ $(kv host-result "$out") == captured ]]; then
        pass "dump captured: $(kv host-dump_format "$out"), $(kv host-dump_bytes "$out") bytes, capture kernel powered off ($(kv host-wall_s "$out") s)"
    else
        fail "capture: $(kv host-result "$out") (crash-boot exit $rc)"
    fi
}

# The guest's `verify --json` (its lines come back as "KDE:verify ..."): exit 0, status
# ok, the reservation it saw is the kernel's, and, when the guest has the tree, the
# backend it found is this test's and the next boot's value is the running one.
check_guest_verify() {
    local out=$1 crash=$2 json
    json=$(sed -n 's/^KDE:verify //p' <<<"$out")
    if [[ $(kv verify-rc "$out") != 0 ]]; then fail "verify in the guest: rc $(kv verify-rc "$out"): $json"; return; fi
    if ! jq -e --arg c "$crash" '.status == "ok" and (.reserved_bytes | tostring) == $c' <<<"$json" >/dev/null; then
        fail "verify in the guest: $(jq -c '{status, message, reserved_bytes}' <<<"$json" 2>/dev/null || echo "$json")"
        return
    fi
    if [[ -n ${guest_backend:-} ]]; then
        [[ $(kv esp_mount "$out") == *" 0" ]] || { fail "the guest could not mount its ESP: $(kv esp_mount "$out")"; return; }
        if ! jq -e --arg b "$guest_backend" --arg r "${guest_reason:-}" \
            '.backend == $b and (.backend_reason | contains($r)) and .configured != null and .configured == .running' <<<"$json" >/dev/null; then
            fail "verify in the guest: $(jq -c '{backend, backend_reason, configured, running}' <<<"$json")"
            return
        fi
        pass "verify --json in the guest: ok, backend $guest_backend, configured == running ($(jq -r .configured <<<"$json"))"
    else
        pass "verify --json in the guest: exit 0, status ok ($(jq -r .message <<<"$json"))"
    fi
}
