#!/usr/bin/env bash
# Differential test: does `kdump-setup explain` agree with the real kernel?
#
# Usage: tests/vm/differential.sh [options] KDUMP_SETUP_BINARY
#        tests/vm/differential.sh [options] --kernel-only
#   --cases FILE    case table (default: tests/vm/cases.tsv beside this script)
#   --only REGEX    run only the cases whose id matches REGEX (bash =~)
#   -j N            guests at once (default 2; each guest uses one core)
#   --record FILE   write a markdown table of cases, kernel results and timings
#   --reuse         reuse a previous boot's result for an identical case
#                   (same kernel, initramfs, memory and parameters) instead of
#                   booting again; for iterating on the binary, not for CI
#   --kernel-only   boot and report what the kernel did; compare nothing
#
# For every case: boot the newest /boot/vmlinuz-* under QEMU (scripts/vm/boot.sh)
# with the case's memory and parameters, read what the guest reported, then run
#   BIN --json explain --cmdline "<guest /proc/cmdline>" --memory <guest System RAM>
#       --kernel-release <guest uname -r> --arch x86_64
# and compare:
#   kexec_crash_size     == the guest's /sys/kernel/kexec_crash_size
#   crash_regions_bytes  == sum of the guest's "Crash kernel" lines in /proc/iomem
# The prediction is fed only what the guest itself reported, so the test checks
# the parser and the kernel-release model, not our guess of QEMU's memory map.
#
# A case whose expect column is "placement" also passes when the kernel parsed
# the value but could not place it (cases.tsv says why); it is shown as PLACEMENT.
#
# Output: one block per case, then exactly one line "N passed, M failed".
# Exit status: 0 when all cases pass, 1 on any failure, 2 on bad usage.
# Work files go to $KDUMP_VM_BUILD_DIR/differential (default <repo>/build/vm).
# KDUMP_VM_TIMEOUT: seconds per boot (default 90); a timed-out boot is retried once.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
build_dir=${KDUMP_VM_BUILD_DIR:-$repo_root/build/vm}
boot_sh=$repo_root/scripts/vm/boot.sh
work_dir=$build_dir/differential
# Per boot; ~10 s normally, but a host busy compiling can quadruple that.
boot_timeout=${KDUMP_VM_TIMEOUT:-90}

cases_file=$script_dir/cases.tsv
only=""
jobs=2
record=""
reuse=0
kernel_only=0
bin=""

# Parallel arrays, one entry per selected case.
ids=() mems=() params=() expects=() whys=()
# Results, filled in by report_case, used by the summary and --record.
res_ram=() res_ksize=() res_kregions=() res_kmsg=() res_ours=() res_wall=() res_verdict=()

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

die() { echo "differential: $*" >&2; exit 2; }

parse_args() {
    while (($#)); do
        case $1 in
            --cases) cases_file=${2:?}; shift 2 ;;
            --only) only=${2:?}; shift 2 ;;
            -j) jobs=${2:?}; shift 2 ;;
            --record) record=${2:?}; shift 2 ;;
            --reuse) reuse=1; shift ;;
            --kernel-only) kernel_only=1; shift ;;
            -h | --help) usage ;;
            -*) die "unknown option $1" ;;
            *) [[ -z $bin ]] || die "one binary only"; bin=$1; shift ;;
        esac
    done
    if ((kernel_only)); then
        [[ -z $bin ]] || die "--kernel-only takes no binary"
    else
        [[ -n $bin ]] || usage
        # Resolve now: the case subshells run elsewhere.
        [[ -x $bin ]] || die "$bin is not an executable"
        bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
    fi
    [[ $jobs =~ ^[1-9][0-9]*$ ]] || die "-j wants a positive number"
    [[ -r $cases_file ]] || die "cannot read $cases_file"
    command -v jq >/dev/null || die "jq not found (apt-get install jq)"
}

load_cases() {
    local id mem param expect why
    while IFS=$'\t' read -r id mem param expect why || [[ -n $id ]]; do
        [[ -z $id || $id == \#* ]] && continue
        [[ -n $mem && -n $param ]] || die "$cases_file: case $id needs memory and parameters"
        [[ $expect == - || $expect == placement ]] ||
            die "$cases_file: case $id: expect must be - or placement, not '$expect'"
        [[ -n $only && ! $id =~ $only ]] && continue
        ids+=("$id") mems+=("$mem") params+=("$param") expects+=("$expect") whys+=("$why")
    done <"$cases_file"
    ((${#ids[@]})) || die "no cases selected"
}

# What identifies a boot's result: if any of it changes, boot again.
boot_key() {
    local i=$1
    printf '%s\n' "mem=${mems[i]}" "params=${params[i]}" \
        "kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f %s %T@\n' | sort -V | tail -n 1)" \
        "initramfs=$(sha256sum <"$initramfs" | cut -d' ' -f1)" \
        "boot.sh=$(sha256sum <"$boot_sh" | cut -d' ' -f1)"
}

# Boot case i in the background; writes $work_dir/<id>.{kds,rc,ms,serial}.
start_case() {
    local i=$1 base
    base=$work_dir/${ids[i]}
    if ((reuse)) && [[ -s $base.key && -s $base.kds ]] &&
        [[ $(cat "$base.rc" 2>/dev/null) == 0 ]] && diff -q <(boot_key "$i") "$base.key" >/dev/null; then
        pids[i]=""
        return 0
    fi
    rm -f "$base".{kds,rc,ms,key}
    (
        local t0 t1 rc=0
        t0=$(date +%s%N)
        # Word splitting of the parameters is intended: "a=1 b=2" is two;
        # globbing is not (a parameter may contain * or ?).
        set -f
        # A timeout means a starved host, not a kernel answer: try once more.
        local _attempt
        for _attempt in 1 2; do
            rc=0
            # shellcheck disable=SC2086
            "$boot_sh" -m "${mems[i]}" -t "$boot_timeout" --initramfs "$initramfs" \
                --log "$base.serial" -- ${params[i]} >"$base.kds" 2>"$base.err" || rc=$?
            ((rc == 124)) || break
        done
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000000)) >"$base.ms"
        boot_key "$i" >"$base.key"
        echo "$rc" >"$base.rc"
    ) &
    pids[i]=$!
}

# Value of the first "KDS:<key> value" line.
kds() {
    awk -v k="KDS:$1 " 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }' "$2"
}

# 134217728 -> "128M"; other figures stay in bytes.
human() {
    local b=$1
    if [[ ! $b =~ ^[0-9]+$ ]]; then echo "$b"
    elif ((b == 0)); then echo 0
    elif ((b % (1 << 30) == 0)); then echo "$((b >> 30))G"
    elif ((b % (1 << 20) == 0)); then echo "$((b >> 20))M"
    else echo "$b"
    fi
}

# The kernel's own words about crashkernel, without the command line echoes.
kernel_says() {
    sed -n 's/^KDS:dmesg \[ *[0-9.]*\] //p' "$1" | { grep -v 'ommand line:' || true; } |
        paste -sd';' - | sed 's/;/; /g'
}

# Wait for case i, compare, print its block and remember the results.
report_case() {
    local i=$1 id base rc ms kfile
    id=${ids[i]}
    base=$work_dir/$id
    [[ -z ${pids[i]} ]] || wait "${pids[i]}" || true
    rc=$(cat "$base.rc" 2>/dev/null || echo missing)
    ms=$(cat "$base.ms" 2>/dev/null || echo 0)
    kfile=$base.kds

    local n=$((i + 1)) total=${#ids[@]}
    printf '[%2d/%d] %s: -m %s %s\n' "$n" "$total" "$id" "${mems[i]}" "${params[i]}"

    local verdict=PASS reason="" ram="" ksize="" kregions="" kmsg="" ours="-"
    if [[ $rc != 0 ]]; then
        verdict=FAIL reason="boot failed (exit $rc): $(tail -n 1 "$base.err" 2>/dev/null)"
    else
        ram=$(kds system_ram_bytes "$kfile")
        ksize=$(kds kexec_crash_size "$kfile")
        kregions=$(kds crash_regions_bytes "$kfile")
        kmsg=$(kernel_says "$kfile")
        printf '    kernel: kexec_crash_size=%s crash_regions=%s ram=%s | %s\n' \
            "$(human "$ksize")" "$(human "$kregions")" "$ram" "${kmsg:-(no crash messages)}"
        if [[ ! $ksize =~ ^[0-9]+$ || ! $kregions =~ ^[0-9]+$ || ! $ram =~ ^[0-9]+$ ]]; then
            verdict=FAIL reason="guest report incomplete (see $base.serial)"
        elif ! reason=$(check_guest "$i" "$kfile" "$ram"); then
            verdict=FAIL
        elif ((!kernel_only)); then
            compare_case "$i" "$kfile" "$ksize" "$kregions" "$ram"
        fi
    fi
    [[ -z $reason ]] || echo "    $reason"
    printf '    %s.%ss %s\n' "$((ms / 1000))" "$(printf '%03d' $((ms % 1000)) | cut -c1)" \
        "$( ((kernel_only)) && [[ $verdict == PASS ]] && echo DONE || echo "$verdict")"

    res_ram[i]=$ram res_ksize[i]=$ksize res_kregions[i]=$kregions res_kmsg[i]=$kmsg
    res_ours[i]=$ours res_wall[i]=$ms res_verdict[i]=$verdict
}

# Sanity of the guest's report itself, before trusting it as the reference:
# QEMU passed our parameters unchanged, and the RAM figure we hand to explain
# is the one the kernel used (6.1 prints it in MB, truncated, when it reserves).
check_guest() {
    local i=$1 kfile=$2 ram=$3 want got kernel_mb
    want="console=ttyS0 nokaslr panic=-1 ${params[i]}"
    got=$(kds cmdline "$kfile")
    if [[ $got != "$want" ]]; then
        echo "guest /proc/cmdline is '$got', expected '$want'"
        return 1
    fi
    kernel_mb=$(sed -n '/for crashkernel (System RAM: /{s/.*(System RAM: \([0-9]*\)MB).*/\1/p;q}' "$kfile")
    if [[ -n $kernel_mb ]] && ((kernel_mb != ram >> 20)); then
        echo "iomem System RAM $ram bytes disagrees with the kernel's ${kernel_mb}MB"
        return 1
    fi
    return 0
}

# Run explain on what the guest reported and compare. Sets verdict, reason, ours
# in report_case's scope.
compare_case() {
    local i=$1 kfile=$2 ksize=$3 kregions=$4 ram=$5 cmdline release json erc=0
    cmdline=$(kds cmdline "$kfile")
    release=$(kds release "$kfile")
    json=$("$bin" --json explain --cmdline "$cmdline" --memory "$ram" \
        --kernel-release "$release" --arch x86_64 2>"$work_dir/${ids[i]}.explain.err") || erc=$?
    printf '%s\n' "$json" >"$work_dir/${ids[i]}.explain.json"

    local osize oregions summary
    if ! osize=$(jq -er '.kexec_crash_size | numbers' <<<"$json" 2>/dev/null) ||
        ! oregions=$(jq -er '.crash_regions_bytes | numbers' <<<"$json" 2>/dev/null); then
        verdict=FAIL
        reason="explain gave no usable JSON (exit $erc): $(head -c 300 <<<"$json") $(head -n 2 "$work_dir/${ids[i]}.explain.err")"
        return 0
    fi
    summary=$(jq -r '"valid=\(.valid) crash=\(.crash.bytes // "null")\(if .crash.offset then "@\(.crash.offset)" else "" end) low=\(.low.bytes // "null")" + (if .error then " error=\(.error.message)" else "" end)' <<<"$json" 2>/dev/null || echo "?")
    ours="kexec_crash_size=$(human "$osize") crash_regions=$(human "$oregions")"
    printf '    ours:   %s | %s (exit %s)\n' "$ours" "$summary" "$erc"
    [[ $osize == "$ksize" && $oregions == "$kregions" ]] && return 0
    # The kernel accepted the value but found no room for it: the memory map,
    # not the parser, decided. Only where the case says so.
    if [[ ${expects[i]} == placement && $ksize == 0 && $kregions == 0 ]] &&
        grep -qE 'reservation failed - (memory is in use|No suitable area found)' "$kfile" &&
        jq -e '.valid == true and (.crash.bytes // 0) > 0' <<<"$json" >/dev/null 2>&1; then
        verdict=PLACEMENT
        reason="placement: the kernel could not place a value we parse the same way (cases.tsv)"
        return 0
    fi
    verdict=FAIL
    reason="MISMATCH: kernel kexec_crash_size=$ksize crash_regions=$kregions, ours kexec_crash_size=$osize crash_regions=$oregions"
}

# Markdown for docs: every case with the kernel's answer and the timing.
write_record() {
    local out=$1 i kernel_rel accel
    kernel_rel=$(for i in "${!ids[@]}"; do kds release "$work_dir/${ids[i]}.kds" 2>/dev/null; done | sort -u | paste -sd, -)
    accel=tcg
    if (exec 3<>/dev/kvm) 2>/dev/null && grep -qwE 'vmx|svm' /proc/cpuinfo; then accel=kvm; fi
    {
        echo "<!-- Generated by tests/vm/differential.sh --record; do not edit by hand. -->"
        echo
        echo "Kernel: \`${kernel_rel:-?}\` (x86_64), QEMU \`pc\` machine with SeaBIOS, $accel," \
            "$jobs guest(s) at once on $(nproc) CPU(s), command line prefix \`console=ttyS0 nokaslr panic=-1\`." \
            "Host load average when the run started: $load_at_start (timings scale with it)." \
            "$( ((reuse)) && echo "Run with --reuse: reused boots show the timing of the run that booted them.")"
        echo
        echo "| case | -m | parameters | why | System RAM (bytes) | kexec_crash_size | Crash kernel regions | kernel log | explain | wall | result |"
        echo "| --- | --- | --- | --- | ---: | ---: | ---: | --- | --- | ---: | --- |"
        for i in "${!ids[@]}"; do
            # shellcheck disable=SC2016 # literal backquotes: markdown code
            printf '| %s | %s | `%s` | %s | %s | %s | %s | %s | %s | %s.%ss | %s |\n' \
                "${ids[i]}" "${mems[i]}" "${params[i]}" "$(md_escape "${whys[i]}")" "${res_ram[i]:-}" \
                "$(human "${res_ksize[i]:-}")" "$(human "${res_kregions[i]:-}")" \
                "$(md_escape "${res_kmsg[i]:-}")" "$(md_escape "${res_ours[i]:-}")" \
                "$((${res_wall[i]:-0} / 1000))" "$(((${res_wall[i]:-0} % 1000) / 100))" \
                "$( ((kernel_only)) && echo "-" || echo "${res_verdict[i]}")"
        done
    } >"$out"
}

md_escape() {
    local s=${1//|/\\|}
    echo "${s:--}"
}

main() {
    parse_args "$@"
    load_cases
    mkdir -p "$work_dir"
    # Build once here, not in every parallel boot.
    initramfs=$("$repo_root/scripts/vm/build-initramfs.sh" | sed 's/ (up to date)$//')

    local t0 i next=0 passed=0 failed=0 placement=0
    t0=$(date +%s)
    load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
    pids=()
    # Keep up to $jobs guests running; report strictly in case order.
    for ((i = 0; i < ${#ids[@]}; i++)); do
        while ((next < ${#ids[@]} && next < i + jobs)); do
            start_case "$next"
            next=$((next + 1))
        done
        report_case "$i"
        if [[ ${res_verdict[i]} == PASS ]]; then
            passed=$((passed + 1))
        elif [[ ${res_verdict[i]} == PLACEMENT ]]; then
            passed=$((passed + 1)) placement=$((placement + 1))
        else
            failed=$((failed + 1))
        fi
    done

    [[ -z $record ]] || write_record "$record"
    echo "total wall time: $(($(date +%s) - t0))s for ${#ids[@]} cases, $jobs at once"
    ((placement == 0)) || echo "of the passed, $placement only by the placement rule (PLACEMENT above)"
    echo "$passed passed, $failed failed"
    ((failed == 0))
}

main "$@"
