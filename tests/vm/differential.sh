#!/usr/bin/env bash
# Differential test: does `kdump-setup explain` agree with the real kernel?
#
# Usage: tests/vm/differential.sh [options] KDUMP_SETUP_BINARY
#        tests/vm/differential.sh [options] --kernel-only
#   --cases FILE    case table (default: tests/vm/cases.tsv beside this script); may be
#                   given more than once, the tables are concatenated
#   --kernel NAME   the kernel to boot: a file, or a name of scripts/vm/fetch-kernels.sh
#                   (x86_64-trixie, x86_64-sid, arm64-trixie; fetched when missing).
#                   Default: the newest /boot/vmlinuz-*
#   --arch A        x86_64 (default) or aarch64 (QEMU virt, arm64 busybox initramfs)
#   --section NAME  with --record: replace only this kernel's table in FILE (between
#                   "<!-- begin NAME -->" and "<!-- end NAME -->"), keep the rest
#   --only REGEX    run only the cases whose id matches REGEX (bash =~)
#   -j N            guests at once (default 2; each guest uses one core)
#   --record FILE   write a markdown table of cases, kernel results and timings
#   --reuse         reuse a previous boot's result for an identical case
#                   (same kernel, initramfs, memory and parameters) instead of
#                   booting again; for iterating on the binary, not for CI
#   --kernel-only   boot and report what the kernel did; compare nothing
#
# For every case: boot the kernel under QEMU (scripts/vm/boot.sh) with the case's
# memory and parameters, read what the guest reported, then run
#   BIN --root R --json explain --cmdline "<guest /proc/cmdline>"
#       --memory <guest System RAM> --kernel-release <guest uname -r> --arch A
# where R/proc/iomem holds the guest's System RAM and Kernel lines (its memory map),
# and compare:
#   kexec_crash_size     == the guest's /sys/kernel/kexec_crash_size
#   crash.bytes          == the guest's main "Crash kernel" region (the higher one)
#   low.bytes            == the guest's low "Crash kernel" region (0 when one region)
#   cma.bytes            == the guest's CmaTotal above the kernel's own CMA (the
#                           smallest CmaTotal of the run)
#   kernel_log           every line explain expects (a shell pattern) is in the
#                        guest's kernel log
# The prediction is fed only what the guest itself reported.
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

cases_files=()
kernel=""
arch=x86_64
section=""
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
res_kmain=() res_klow=() res_cma=() pred_cma=()

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

die() { echo "differential: $*" >&2; exit 2; }

parse_args() {
    while (($#)); do
        case $1 in
            --cases) cases_files+=("${2:?}"); shift 2 ;;
            --kernel) kernel=${2:?}; shift 2 ;;
            --arch) arch=${2:?}; shift 2 ;;
            --section) section=${2:?}; shift 2 ;;
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
    ((${#cases_files[@]})) || cases_files=("$script_dir/cases.tsv")
    local f
    for f in "${cases_files[@]}"; do [[ -r $f ]] || die "cannot read $f"; done
    [[ $arch == x86_64 || $arch == aarch64 ]] || die "--arch must be x86_64 or aarch64"
    command -v jq >/dev/null || die "jq not found (apt-get install jq)"
}

load_cases() {
    local id mem param expect why cases_file
    for cases_file in "${cases_files[@]}"; do
        while IFS=$'\t' read -r id mem param expect why || [[ -n $id ]]; do
            [[ -z $id || $id == \#* ]] && continue
            [[ -n $mem && -n $param ]] || die "$cases_file: case $id needs memory and parameters"
            [[ $expect == - || $expect == placement ]] ||
                die "$cases_file: case $id: expect must be - or placement, not '$expect'"
            [[ -n $only && ! $id =~ $only ]] && continue
            ids+=("$id") mems+=("$mem") params+=("$param") expects+=("$expect") whys+=("$why")
        done <"$cases_file"
    done
    ((${#ids[@]})) || die "no cases selected"
}

# The kernel file: --kernel as a path, a fetch-kernels.sh name, or the newest in /boot.
resolve_kernel() {
    if [[ -z $kernel ]]; then
        kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%p\n' | sort -V | tail -n 1)
        [[ -n $kernel ]] || die "no /boot/vmlinuz-* (install linux-image-amd64)"
    elif [[ ! -f $kernel ]]; then
        local name=$kernel fetch=$repo_root/scripts/vm/fetch-kernels.sh
        kernel=$("$fetch" --print 2>/dev/null | awk -v n="$name" '$1 == n { print $2 }')
        if [[ -z $kernel ]]; then
            "$fetch" >&2 || die "scripts/vm/fetch-kernels.sh failed"
            kernel=$("$fetch" --print | awk -v n="$name" '$1 == n { print $2 }')
        fi
        [[ -n $kernel ]] || die "no kernel named $name (scripts/vm/fetch-kernels.sh --print)"
    fi
    [[ -r $kernel ]] || die "cannot read $kernel"
}

# The initramfs for the guest's arch: the host's busybox for x86_64, the fetched arm64
# busybox-static for aarch64.
build_initramfs() {
    if [[ $arch == aarch64 ]]; then
        local bb
        bb=$(dirname "$kernel")/busybox
        [[ -x $bb ]] || die "no arm64 busybox beside $kernel (scripts/vm/fetch-kernels.sh)"
        KDUMP_VM_BUSYBOX=$bb "$repo_root/scripts/vm/build-initramfs.sh" "$build_dir/initramfs-aarch64.cpio.gz" |
            sed 's/ (up to date)$//'
    else
        "$repo_root/scripts/vm/build-initramfs.sh" | sed 's/ (up to date)$//'
    fi
}

# What identifies a boot's result: if any of it changes, boot again.
boot_key() {
    local i=$1
    printf '%s\n' "mem=${mems[i]}" "params=${params[i]}" \
        "kernel=$kernel $(stat -c '%s %Y' "$kernel")" "arch=$arch" \
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
            "$boot_sh" --arch "$arch" --kernel "$kernel" -m "${mems[i]}" -t "$boot_timeout" --initramfs "$initramfs" \
                --log "$base.serial" -- ${params[i]} >"$base.kds" 2>"$base.err" || rc=$?
            # A host too busy for the guest's timer check (IO-APIC + timer) panics
            # the guest before any crashkernel decision: not a kernel answer either.
            ((rc == 124)) || { ((rc != 0)) && grep -aq "timer doesn't work" "$base.serial"; } || break
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
    want="console=$console nokaslr panic=-1 ${params[i]}"
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

# The guest's memory map as explain reads it: <root>/proc/iomem.
guest_root() {
    local kfile=$1 root=$2
    mkdir -p "$root/proc"
    sed -n 's/^KDS:iomem //p' "$kfile" >"$root/proc/iomem"
}

# "start-end" of each Crash kernel line -> sizes, low (lower address) first.
region_sizes() {
    sed -n 's/^KDS:iomem_crash *\([0-9a-f]*\)-\([0-9a-f]*\) .*/\1 \2/p' "$1" |
        while read -r a b; do echo $((0x$b - 0x$a + 1)); done
}

# Does the guest's kernel log have a line matching the shell pattern?
log_has() {
    local pattern=$1 kfile=$2 line
    while IFS= read -r line; do
        # shellcheck disable=SC2053 # the pattern is a glob on purpose
        [[ $line == *$pattern* ]] && return 0
    done < <(sed -n 's/^KDS:dmesg //p' "$kfile")
    return 1
}

# Run explain on what the guest reported and compare. Sets verdict, reason, ours
# in report_case's scope.
compare_case() {
    local i=$1 kfile=$2 ksize=$3 kregions=$4 ram=$5 cmdline release json erc=0 root
    cmdline=$(kds cmdline "$kfile")
    release=$(kds release "$kfile")
    root=$work_dir/${ids[i]}.root
    guest_root "$kfile" "$root"
    json=$("$bin" --root "$root" --json explain --cmdline "$cmdline" --memory "$ram" \
        --kernel-release "$release" --arch "$arch" 2>"$work_dir/${ids[i]}.explain.err") || erc=$?
    printf '%s\n' "$json" >"$work_dir/${ids[i]}.explain.json"

    local osize ocrash olow ocma summary
    if ! osize=$(jq -er '.kexec_crash_size | numbers' <<<"$json" 2>/dev/null) ||
        ! ocrash=$(jq -er '.crash.bytes | numbers' <<<"$json" 2>/dev/null) ||
        ! olow=$(jq -er '.low.bytes | numbers' <<<"$json" 2>/dev/null) ||
        ! ocma=$(jq -er '.cma.bytes | numbers' <<<"$json" 2>/dev/null); then
        verdict=FAIL
        reason="explain gave no usable JSON (exit $erc): $(head -c 300 <<<"$json") $(head -n 2 "$work_dir/${ids[i]}.explain.err")"
        return 0
    fi
    summary=$(jq -r '"valid=\(.valid) crash=\(.crash.bytes)\(if .crash.offset then "@\(.crash.offset)" else "" end) low=\(.low.bytes) cma=\(.cma.bytes)" + (if .placement.above_4g_fallback then " high-fallback" else "" end) + (if .placement.failure then " placement-failure" else "" end) + (if .placement.kaslr_dependent then " KASLR-dependent" else "" end) + (if .error then " error=\(.error.message)" else "" end)' <<<"$json" 2>/dev/null || echo "?")
    ours="kexec_crash_size=$(human "$osize") main=$(human "$ocrash") low=$(human "$olow") cma=$(human "$ocma")"
    printf '    ours:   %s | %s (exit %s)\n' "$ours" "$summary" "$erc"

    local -a sizes
    mapfile -t sizes < <(region_sizes "$kfile")
    local kmain=0 klow=0
    if ((${#sizes[@]} == 1)); then kmain=${sizes[0]}
    elif ((${#sizes[@]} >= 2)); then klow=${sizes[0]} kmain=${sizes[1]}
    fi
    res_kmain[i]=$kmain res_klow[i]=$klow

    local problems=() pattern
    [[ $osize == "$ksize" ]] || problems+=("kexec_crash_size kernel $ksize, ours $osize")
    [[ $ocrash == "$kmain" ]] || problems+=("main region kernel $kmain, ours $ocrash")
    [[ $olow == "$klow" ]] || problems+=("low region kernel $klow, ours $olow")
    pred_cma[i]=$ocma
    while IFS= read -r pattern; do
        [[ -z $pattern ]] && continue
        log_has "$pattern" "$kfile" || problems+=("kernel log lacks '$pattern'")
    done < <(jq -r '.kernel_log[]?' <<<"$json")
    ((${#problems[@]})) || return 0
    # The kernel accepted the value but found no room for it where the map we were
    # given has room (what the boot loader put there is not in /proc/iomem).
    if [[ ${expects[i]} == placement && $ksize == 0 && $kregions == 0 ]] &&
        grep -qE 'reservation failed - (memory is in use|No suitable area found)|cannot allocate crashkernel' "$kfile" &&
        jq -e '.valid == true and (.crash.bytes // 0) > 0' <<<"$json" >/dev/null 2>&1; then
        verdict=PLACEMENT
        reason="placement: the kernel could not place a value we parse the same way (cases.tsv)"
        return 0
    fi
    verdict=FAIL
    reason="MISMATCH: $(IFS=';'; echo "${problems[*]}")"
}

# CmaTotal: the kernel's own CMA area (cma=, CONFIG_CMA_SIZE_MBYTES) is in it too, so
# compare what each case adds to the smallest figure of the run.
check_cma() {
    local i base="" kb failed=0
    for i in "${!ids[@]}"; do
        kb=$(kds cma_total_kb "$work_dir/${ids[i]}.kds" 2>/dev/null)
        [[ $kb =~ ^[0-9]+$ ]] || continue
        res_cma[i]=$((kb * 1024))
        [[ -z $base || ${res_cma[i]} -lt $base ]] && base=${res_cma[i]}
    done
    [[ -n $base ]] || return 0
    for i in "${!ids[@]}"; do
        [[ -n ${res_cma[i]:-} && -n ${pred_cma[i]:-} ]] || continue
        res_cma[i]=$((res_cma[i] - base))
        if [[ ${res_cma[i]} != "${pred_cma[i]}" && ${res_verdict[i]} != FAIL ]]; then
            echo "${ids[i]}: CmaTotal above the kernel's own CMA is ${res_cma[i]}, ours ${pred_cma[i]}: FAIL"
            res_verdict[i]=FAIL
            failed=$((failed + 1))
        fi
    done
    return "$failed"
}

# Markdown: one table per kernel, every case with what the kernel did and what
# explain predicted. With --section only that kernel's part of the file is replaced.
write_record() {
    local out=$1 i kernel_rel accel machine table
    kernel_rel=$(for i in "${!ids[@]}"; do kds release "$work_dir/${ids[i]}.kds" 2>/dev/null; done | sort -u | paste -sd, -)
    accel=tcg
    if [[ $arch == x86_64 ]] && (exec 3<>/dev/kvm) 2>/dev/null && grep -qwE 'vmx|svm' /proc/cpuinfo; then accel=kvm; fi
    machine="QEMU \`pc\` machine with SeaBIOS"
    [[ $arch == aarch64 ]] && machine="QEMU \`virt\` machine (-cpu max), direct kernel boot"
    table=$(
        echo "Kernel: \`${kernel_rel:-?}\` ($arch), $machine, $accel," \
            "$jobs guest(s) at once on $(nproc) CPU(s), command line prefix \`console=$console nokaslr panic=-1\`." \
            "Host load average when the run started: $load_at_start (timings scale with it)." \
            "Wall time of the whole run: ${run_wall}s for ${#ids[@]} cases; $passed_count agree, $failed_count disagree." \
            "$( ((reuse)) && echo "Run with --reuse: reused boots show the timing of the run that booted them.")"
        echo
        echo "| case | -m | parameters | why | System RAM (bytes) | kernel: main / low region | kexec_crash_size | CMA | kernel log | explain predicted | wall | result |"
        echo "| --- | --- | --- | --- | ---: | --- | ---: | ---: | --- | --- | ---: | --- |"
        for i in "${!ids[@]}"; do
            # shellcheck disable=SC2016 # literal backquotes: markdown code
            printf '| %s | %s | `%s` | %s | %s | %s / %s | %s | %s | %s | %s | %s.%ss | %s |\n' \
                "${ids[i]}" "${mems[i]}" "${params[i]}" "$(md_escape "${whys[i]}")" "${res_ram[i]:-}" \
                "$(human "${res_kmain[i]:-}")" "$(human "${res_klow[i]:-}")" \
                "$(human "${res_ksize[i]:-}")" "$(human "${res_cma[i]:-}")" \
                "$(md_escape "${res_kmsg[i]:-}")" "$(md_escape "${res_ours[i]:-}")" \
                "$((${res_wall[i]:-0} / 1000))" "$(((${res_wall[i]:-0} % 1000) / 100))" \
                "$( ((kernel_only)) && echo "-" || echo "${res_verdict[i]}")"
        done
    )
    if [[ -z $section ]]; then
        { echo "<!-- Generated by tests/vm/differential.sh --record; do not edit by hand. -->"; echo; echo "$table"; } >"$out"
        return 0
    fi
    local begin="<!-- begin $section -->" end="<!-- end $section -->" tmp
    tmp=$(mktemp "$out.XXXXXX")
    printf '%s\n' "$table" >"$tmp.table"
    if [[ -f $out ]] && grep -qxF "$begin" "$out"; then
        awk -v b="$begin" -v e="$end" -v f="$tmp.table" '
            $0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
            $0 == e { skip = 0 }
            !skip' "$out" >"$tmp"
    else
        { [[ -f $out ]] && cat "$out"; echo; echo "## $section"; echo; echo "$begin"; cat "$tmp.table"; echo "$end"; } >"$tmp"
    fi
    mv -f "$tmp" "$out"
    rm -f "$tmp.table"
}

md_escape() {
    local s=${1//|/\\|}
    echo "${s:--}"
}

main() {
    parse_args "$@"
    load_cases
    resolve_kernel
    console=ttyS0
    [[ $arch == aarch64 ]] && console=ttyAMA0
    # One work directory per kernel: the ctest tests of several kernels run at once.
    work_dir=$work_dir/$(basename "$kernel")
    mkdir -p "$work_dir"
    # Build once here, not in every parallel boot.
    initramfs=$(build_initramfs)
    echo "kernel: $kernel ($arch)"

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

    if ((!kernel_only)); then
        local cma_failed=0
        check_cma || cma_failed=$?
        passed=$((passed - cma_failed)) failed=$((failed + cma_failed))
    fi
    run_wall=$(($(date +%s) - t0)) passed_count=$passed failed_count=$failed
    [[ -z $record ]] || write_record "$record"
    echo "total wall time: ${run_wall}s for ${#ids[@]} cases, $jobs at once"
    ((placement == 0)) || echo "of the passed, $placement only by the placement rule (PLACEMENT above)"
    echo "$passed passed, $failed failed"
    ((failed == 0))
}

main "$@"
