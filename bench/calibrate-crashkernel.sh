#!/usr/bin/env bash
# Calibration bench (not a test): the smallest crashkernel= with which the whole
# crash path works under QEMU, per guest RAM and capture initramfs size.
#
# One trial = scripts/e2e/crash-boot.sh with crashkernel=<N>M: boot, kexec -p,
# sysrq c, capture kernel, makedumpfile to a disk, makedumpfile -R on the host,
# check the KDUMP signature. "Success" means a valid dump came back.
# Per (RAM, image) the search starts at what the estimate policy predicts for the
# image (its value without the safety margin, on the 16 MiB grid) or at the answer for
# the next smaller RAM, whichever is larger (the minimum grows with both), steps by
# 16 MiB to a bracket [fail, success] and bisects it on the 16 MiB grid.
# A timeout is retried once (a starved host is not an answer).
#
# Usage: bench/calibrate-crashkernel.sh [--ram "1 2 4 8 16"] [--pad "0 30 60"]
#            [--base-initramfs FILE[:LABEL]]... [--start MIB]
#            [--binary build/kdump-setup] [--report-only]
#   --ram     guest RAM values in GiB        --pad  capture initramfs padding in MiB
#   --base-initramfs FILE[:LABEL]  also measure a real distribution capture
#             initramfs: FILE (e.g. Debian's mkinitramfs image of the guest kernel)
#             with the capture archive appended as a second segment, so the capture
#             kernel unpacks all of FILE and then runs our /init
#             (scripts/e2e/build-initramfs.sh --base-initramfs). LABEL (default: the
#             file name) names the rows; repeatable. `--pad ""` measures only these.
#   --start   first guess in MiB when the binary cannot predict (default 96)
#   --binary  kdump-setup used for the guesses and the policy comparison
#             (default build/kdump-setup)
#   --append "ARGS" --tag TAG   extra kernel parameters for both kernels of every trial
#             (the capture kernel inherits the first one's command line, as kdump-tools
#             and kdumpctl do); the rows are keyed LABEL@TAG. E.g. --append root=/dev/vda
#             --tag root: with root= the kernel's rootfs is ramfs, not a tmpfs limited to
#             half the memory (init/do_mounts.c init_rootfs).
#   --kernel VMLINUZ --tag TAG   boot this kernel (both the first and the capture kernel)
#             instead of the newest in /boot; the rows are keyed LABEL@TAG and their
#             images live in build/bench/img-LABEL@TAG (built for this kernel's modules)
#   --kernel-root DIR   where that kernel's modules and config are, when it is not
#             installed: DIR/usr/lib/modules/RELEASE, DIR/boot/config-RELEASE
#             (scripts/vm/fetch-kernels.sh --modules). The bench then runs in a private
#             mount namespace with /usr/lib/modules and /boot overlaid by DIR's, so
#             build-initramfs.sh and mkinitramfs find them; the host is not changed.
#   --prove   after each point, one more trial at exactly what the estimate policy
#             reserves for it (recommend with the image and the row's kernel release at
#             the guest's System RAM): the policy table marks the estimate "captured"
#             when a trial at that value brought a dump back
#   --no-report     do not regenerate the Markdown (several runs in a row; run
#             --report-only once at the end: the report runs kdump-setup per row and policy)
#   --report-only   only regenerate the Markdown from the trial log
# The trial log's pad_mib column holds the padding in MiB, or the LABEL of a
# --base-initramfs image.
# Every trial is appended to bench/results/calibration-trials.tsv (kept across
# runs, so a partial run is never lost); bench/results/calibration.md is rewritten
# from it after each (RAM, padding) point. One guest at a time.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$bench_dir/.." && pwd)
results=$bench_dir/results
trials=$results/calibration-trials.tsv
report=$results/calibration.md
work=${KDUMP_BENCH_DIR:-$repo_root/build/bench}
step=16
append="" tag="" kernel=""
policies=(rhel7 kdump-utils debian ubuntu estimate)

die() { echo "calibrate: $*" >&2; exit 1; }
log() { echo "calibrate: $*" >&2; }

# The image directory of a row key: LABEL@kTAG rows (another kernel) have their own
# images; LABEL@TAG rows of --append share LABEL's.
imgdir() {
    local key=$1
    if [[ $key == *@k* ]]; then echo "$work/img-$key"; else echo "$work/img-${key%@*}"; fi
}

# The kernel release a row's images were built for (imgdir/release), else the newest
# in /boot (what scripts/e2e/ boots by default).
row_release() {
    local d
    d=$(imgdir "$1")
    if [[ -s $d/release ]]; then cat "$d/release"; else find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sort -V | tail -n 1 | sed 's/^vmlinuz-//'; fi
}

# One trial; prints "ok" or "fail:<reason>", appends to the trial log.
trial() {
    local ram=$1 pad=$2 mib=$3 out rc attempt result wall sysram crash capkib dump imgsz
    imgsz=$(stat -c %s "$(imgdir "$pad")/capture.img")
    for attempt in 1 2; do
        rc=0
        out=$("$repo_root/scripts/e2e/crash-boot.sh" -m "${ram}G" -t 420 --images "$(imgdir "$pad")" \
            ${kernel:+--kernel "$kernel"} --dir "$work/run" "crashkernel=${mib}M" ${append:+$append} 2>/dev/null) || rc=$?
        result=$(sed -n 's/^KDE:host-result //p' <<<"$out" | head -n 1)
        [[ $result == timeout || $result == guest-error ]] && ((attempt == 1)) && { log "  $result, retrying"; continue; }
        break
    done
    wall=$(sed -n 's/^KDE:host-wall_s //p' <<<"$out" | head -n 1)
    sysram=$(sed -n 's/^KDE:system_ram_bytes //p' <<<"$out" | head -n 1)
    crash=$(sed -n 's/^KDE:kexec_crash_size //p' <<<"$out" | head -n 1)
    capkib=$(sed -n 's/^KDE:capture_mem_total_kib //p' <<<"$out" | head -n 1)
    dump=$(sed -n 's/^KDE:host-dump_bytes //p' <<<"$out" | head -n 1)
    # Why a capture failed, when the serial log says (OOM, panic, kexec message).
    local why=""
    if [[ $result != captured ]]; then
        mkdir -p "$work/logs"
        cp "$work/run/serial.log" "$work/logs/${ram}G-pad${pad}-${mib}M.log" 2>/dev/null || true
        # Only what happened after the deliberate crash: the capture kernel's words.
        why=$(tr -d '\r' <"$work/run/serial.log" | awk '/KDE:crashing/ { on = 1 } on' | grep -av 'sysrq triggered crash' | grep -aoE 'Out of memory[^$]{0,60}|Kernel panic - not syncing: .{0,60}|KDE:kexec_error .{0,80}|Initramfs unpacking failed.{0,40}|KDE:vmcore_missing|KDE:capture_dmesg .{0,80}' | head -n 1 | tr '\t|' '  ' || true)
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$ram" "$pad" "$imgsz" \
        "$mib" "${result:-none}" "${wall:-}" "${sysram:-}" "${crash:-}" "${capkib:-}" "${dump:-0}" "$why" >>"$trials"
    log "  ${ram}G pad ${pad}M crashkernel=${mib}M: $result (${wall}s) $why"
    [[ $result == captured ]] && echo ok || echo "fail:$result"
}

# Smallest passing value for (ram, pad), starting at the guess; prints it.
# Steps of one grid unit from a good guess: two trials settle a point the guess hit.
# After three steps the same way the step doubles (a bad guess costs few trials).
search() {
    local ram=$1 pad=$2 guess=$3 lo="" hi="" m r gap=$step n=0
    m=$guess
    r=$(trial "$ram" "$pad" "$m")
    if [[ $r == ok ]]; then
        hi=$m
        while :; do  # step down
            m=$((hi - gap)); ((m >= step)) || { lo=0; break; }
            r=$(trial "$ram" "$pad" "$m")
            if [[ $r == ok ]]; then hi=$m; ((++n < 3)) || gap=$((gap * 2)); else lo=$m; break; fi
        done
    else
        lo=$m
        while :; do  # step up
            m=$((lo + gap)); ((m <= 2048)) || die "no success up to 2048 MiB at ${ram}G ${pad}"
            r=$(trial "$ram" "$pad" "$m")
            if [[ $r == ok ]]; then hi=$m; break; else lo=$m; ((++n < 3)) || gap=$((gap * 2)); fi
        done
    fi
    while ((hi - lo > step)); do  # bisect on the 16 MiB grid
        m=$(((lo + hi) / 2 / step * step))
        ((m > lo)) || m=$((lo + step))
        r=$(trial "$ram" "$pad" "$m")
        if [[ $r == ok ]]; then hi=$m; else lo=$m; fi
    done
    echo "$hi"
}

# What POLICY reserves for RAM_BYTES with capture initramfs IMAGE (a file): the image
# is named through a configuration file's capture_initramfs, as an administrator would,
# so the estimate policy reads its size and unpacked size (the others ignore it).
policy_bytes() {
    local bin=$1 policy=$2 ram_bytes=$3 image=$4 release=$5 conf
    conf=$(mktemp)
    printf 'capture_initramfs = "%s"\n' "$(readlink -f "$image")" >"$conf"
    "$bin" --config "$conf" recommend --policy "$policy" --memory "$ram_bytes" --arch x86_64 \
        --kernel-release "$release" --json 2>/dev/null |
        sed -n 's/^ *"bytes_for_this_machine": *\([0-9]*\).*/\1/p' || true
    rm -f "$conf"
}

# A point already settled by an earlier run (a success and a failure 16 MiB below it
# in the trial log): prints the minimum, or nothing.
settled() {
    awk -F'\t' -v r="$1" -v p="$2" -v s="$step" '
        !/^#/ && $2 == r && $3 == p { if ($6 == "captured") ok[$5] = 1; else bad[$5] = 1 }
        END { m = ""; for (v in ok) if (m == "" || v + 0 < m + 0) m = v
              if (m != "" && ((m - s) in bad || m - s <= 0)) print m }' "$trials"
}

# A trial at exactly MIB for (ram, key) brought a dump back.
proven() {
    awk -F'\t' -v r="$1" -v p="$2" -v m="$3" '!/^#/ && $2 == r && $3 == p && $5 == m && $6 == "captured" { f = 1 } END { exit !f }' "$trials"
}

write_report() {
    local bin=$1
    [[ -s $trials ]] || return 0
    {
        echo "# crashkernel= calibration under QEMU (generated by bench/calibrate-crashkernel.sh)"
        echo
        echo "Smallest \`crashkernel=<N>M\` (16 MiB grid) with which the whole crash path worked:"
        echo "first kernel booted, \`kexec -p\` loaded the same kernel and the capture initramfs,"
        echo "\`echo c > /proc/sysrq-trigger\`, the capture kernel ran \`makedumpfile -F -l -d 31\`"
        echo "to a virtio disk, the host reassembled it with \`makedumpfile -R\` and found the"
        echo "\`KDUMP   \` signature. Guest: \`-machine pc\`, SeaBIOS, 1 vCPU, TCG, \`nokaslr\`;"
        echo "guest kernel $(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sort -V | tail -n 1) (the newest in /boot, as scripts/e2e/ boots)."
        echo
        echo "Failure kinds: \`capture-failed\` = the deliberate crash happened but no dump came"
        echo "back (the capture kernel ran out of memory while booting or unpacking the"
        echo "initramfs, or makedumpfile failed); \`kexec-failed\` = \`kexec -p\` could not place"
        echo "the capture kernel and initramfs in the reservation."
        echo
        echo "Capture initramfs images (\`capture.img\` of scripts/e2e/build-initramfs.sh; file and"
        echo "unpacked size as \`kdump-setup recommend\` reads them, facts.capture_initramfs):"
        echo
        echo "- \`pad N MiB\`: the minimal capture archive (busybox-static, kexec, makedumpfile, virtio"
        echo "  modules, our /init) plus N MiB of random data (\`--pad-mb N\`): incompressible, so"
        echo "  file and unpacked size grow alike."
        echo "- \`debian-kdump-tools\`: the image Debian's kdump-tools builds, made the way its"
        echo "  \`/etc/kernel/postinst.d/kdump-tools\` does (a copy of /etc/initramfs-tools with"
        echo "  \`conf.d/zzz-kdump\` = \`MODULES=dep\`, \`mkinitramfs -d DIR -o FILE 6.1.0-57-amd64\`; in"
        echo "  this container \`dep\` could not probe the root disk, so it holds few modules), then the"
        echo "  minimal archive appended as a second segment (\`--base-initramfs\`): the capture kernel"
        echo "  unpacks all of Debian's image, then runs our /init."
        echo "- \`debian-boot-initrd\`: Debian's own \`/boot/initrd.img-6.1.0-57-amd64\` (MODULES=most,"
        echo "  zstd), which kdump-tools falls back to, with the minimal archive appended likewise."
        echo
        echo "| image | file bytes | unpacked bytes | layout |"
        echo "|---|---|---|---|"
        local lab f facts
        for f in "$work"/img-*/capture.img; do
            [[ -s $f && -x $bin ]] || continue
            lab=${f%/capture.img}; lab=${lab##*/img-}
            facts=$(fact_line "$bin" "$f")
            [[ $lab =~ ^([0-9]+)(@.*)?$ ]] && lab="pad ${BASH_REMATCH[1]} MiB${BASH_REMATCH[2]}"
            echo "| $lab | $facts |"
        done | sort -t'|' -k3,3n
        echo
        echo "Reproduce (one guest at a time; each trial is two boots; ~25 s per trial here):"
        echo
        echo '```sh'
        echo 'cmake --build build'
        echo 'cp -pr /etc/initramfs-tools /tmp/kt && mkdir -p /tmp/kt/conf.d && echo MODULES=dep >/tmp/kt/conf.d/zzz-kdump'
        echo 'mkinitramfs -d /tmp/kt -o build/bench/initrd.img-6.1.0-57-amd64.kdump-tools 6.1.0-57-amd64'
        echo 'bench/calibrate-crashkernel.sh --ram "1 2 4 8 16" --pad "0 30 60" \\'
        echo '    --base-initramfs build/bench/initrd.img-6.1.0-57-amd64.kdump-tools:debian-kdump-tools \\'
        echo '    --base-initramfs /boot/initrd.img-6.1.0-57-amd64:debian-boot-initrd'
        echo '```'
        echo
        echo "Raw trials: \`bench/results/calibration-trials.tsv\` (its pad_mib column holds the padding"
        echo "or the image's label). Every point of the grid below was measured; none was skipped."
        echo
        echo "| guest RAM | capture initramfs | min crashkernel | largest failing | failure there | trials | wall (all trials) |"
        echo "|---|---|---|---|---|---|---|"
        awk -F'\t' '
            /^#/ { next }
            { key = $2 "\t" $3; keys[key] = 1; img[key] = $4; n[key]++; wall[key] += $7
              if ($6 == "captured") { if (!(key in ok) || $5 < ok[key]) ok[key] = $5 }
              else if (!(key in bad) || $5 > bad[key]) { bad[key] = $5; why[key] = $6 ($12 != "" ? ": " $12 : "") } }
            END { for (k in keys) { split(k, a, "\t"); lab = a[2]
                    if (lab ~ /^[0-9]+(@|$)/) { pn = lab; sub(/@.*/, "", pn); pt = lab; sub(/^[0-9]+/, "", pt); lab = "pad " pn " MiB" pt }
                    printf "%08d\t%012d\t| %s GiB | %.1f MB (%s) | %s | %s | %s | %d | %.0f s |\n", a[1], img[k], a[1], img[k] / 1e6, lab,
                      (k in ok) ? ok[k] " MiB" : "none yet", (k in bad) ? bad[k] " MiB" : "-", (k in bad) ? why[k] : "-", n[k], wall[k] } }' "$trials" |
            sort | cut -f3-
        echo
        echo "A point is settled when its min and largest failing value are 16 MiB apart."
        echo
        if [[ -x $bin ]]; then
            echo "## Policies against the measured minimum"
            echo
            echo "\`kdump-setup --config C recommend --policy P --memory <guest System RAM> --arch x86_64\`,"
            echo "where C names the row's image as \`capture_initramfs\` (as an administrator would);"
            echo "ratio = policy / measured minimum (below 1 = the capture fails; above 1 = waste)."
            echo "Only \`estimate\` (the default) reads the image; the table policies ignore it."
            echo
            printf '| guest RAM | capture initramfs | min |'; printf ' %s |' "${policies[@]}"; echo
            printf '|---|---|---|'; printf -- '---|%.0s' "${policies[@]}"; echo
            local line ram pad min sysram img p b label
            while IFS=$'\t' read -r ram pad min sysram img; do
                label=$pad
                if [[ $pad =~ ^([0-9]+)(@.*)?$ ]]; then label="pad ${BASH_REMATCH[1]} MiB${BASH_REMATCH[2]}"; fi
                printf '| %s GiB | %s, %s MB | %s MiB |' "$ram" "$label" "$(awk -v b="$img" 'BEGIN { printf "%.1f", b / 1e6 }')" "$min"
                for p in "${policies[@]}"; do
                    b=$(policy_bytes "$bin" "$p" "$sysram" "$(imgdir "$pad")/capture.img" "$(row_release "$pad")")
                    if [[ -z $b ]]; then printf ' n/a |'; continue; fi
                    if [[ $b == 0 ]]; then printf ' nothing (below its minimum RAM) |'; continue; fi
                    local mark=""
                    [[ $p != estimate ]] || ! proven "$ram" "$pad" $((b >> 20)) || mark=", captured"
                    awk -v b="$b" -v m="$min" -v k="$mark" 'BEGIN { r = b / (m * 1048576); printf " %d MiB (%.2f%s%s) |", b / 1048576, r, r < 1 ? ", FAILS" : "", k }'
                done
                echo
            done < <(awk -F'\t' '!/^#/ && $6 == "captured" { k = $2 "\t" $3; if (!(k in ok) || $5 < ok[k]) { ok[k] = $5; ram[k] = $8; img[k] = $4 } }
                     END { for (k in ok) print k "\t" ok[k] "\t" ram[k] "\t" img[k] }' "$trials" | sort -t$'\t' -n -k1,1 -k5,5)
            echo
            echo "## The estimate policy's model, and why it is the default"
            echo
            echo "Every failure of the padded and Debian images was \"Initramfs unpacking failed: write"
            echo "error\": the capture kernel's rootfs is a tmpfs that may fill only half of the memory"
            echo "the kernel has when it mounts it (mm/shmem.c), while the initramfs file itself still"
            echo "occupies memory (init/initramfs.c). So a capture initramfs of F bytes that unpacks to U"
            echo "needs about F + 2 U on top of a fixed need; the minimal image's failures (80 MiB) and"
            echo "the kdump-tools image's (112 MiB: out of memory) bound that need. One value fits all"
            echo "25 points, 16 MiB grid included: 70 MiB (the kdump-tools image bounds it to ≤ 69.9, the"
            echo "MODULES=most image at 16 GiB to > 69.3 with the 64 MiB/TiB term). \`estimate\` ="
            echo "70 MiB + F + 2 U + 64 MiB/TiB + 24 MiB margin (src/core/estimate_policy.hpp); the range"
            echo "table adds up to 8 MiB at 1–16 GiB. A 32 MiB margin would put the minimal image at"
            echo "126/96 = 1.31 ×, over the 1.3 × goal; 24 MiB keeps every point within 1.04–1.26 ×."
            echo "F and U are read from the capture initramfs the kdump tool built"
            echo "(\`/var/lib/kdump/initrd.img-RELEASE\`, \`/boot/initramfs-RELEASEkdump.img\`,"
            echo "\`/boot/initrd-RELEASE-kdump\`, or \`capture_initramfs\` in the configuration)."
            echo
            echo "The design card's default, rhel7 (160 MiB + 64 MiB/TiB from 2 GiB), fails with the"
            echo "34 MB padded image and with Debian's own MODULES=most image, reserves 1.75 × the"
            echo "minimum with the minimal one, and nothing at 1 GiB; no fixed table can be right for"
            echo "both a 3 MB and a 34 MB capture initramfs (96 vs 368 MiB at the same RAM). So the"
            echo "default is \`estimate\`. With no capture initramfs found it sizes for the image the"
            echo "installed kdump package will build, as measured for the capture kernel's generation"
            echo "(Debian kdump-tools: its MODULES=dep image, the \`debian-kdump-tools\` rows; without"
            echo "KDUMP_KERNEL or for dracut-based kdump: the MODULES=most image), and with no kdump"
            echo "package at all uses rhel7's 160 MiB + 64 MiB/TiB rule; its notes say which and why"
            echo "(src/core/kdump_package.hpp)."
            echo
            if grep -q $'\t[^\t]*@k' "$trials"; then
                echo "### Per kernel generation: rows marked @k6.12 and @k7.x"
                echo
                echo "The same bench with another Debian kernel as both the first and the capture kernel:"
                echo "trixie's 6.12 and sid's 7.x (scripts/vm/fetch-kernels.sh --modules fetches the kernel"
                echo "images with their modules and config into build/kernels, unpacked, never installed)."
                echo "\`pad 0 MiB@kG\` is the minimal image built with that kernel's virtio modules;"
                echo "\`debian-kdump-tools@kG\` is the image Debian's kdump-tools builds for that kernel"
                echo "(bench/build-kdump-tools-image.sh: its postinst.d hook's MODULES=dep copy of"
                echo "/etc/initramfs-tools, mkinitramfs with the kernel's modules overlaid in a private mount"
                echo "namespace), plus the minimal archive as its second segment, as for 6.1. The estimate"
                echo "policy fits its fixed need per generation the same way (src/core/estimate_policy.hpp)"
                echo "and sizes for the generation of the capture kernel's release (the kernel of the entry"
                echo "that boots next, or \`--kernel-release\`): 6.12 needs 16 MiB less than 6.1 with the"
                echo "minimal image (80 vs 96 MiB), the same with the kdump-tools image (128 MiB, whose"
                echo "modules unpack to more); the points bound its need to (53.2, 64.4] MiB and 56 keeps"
                echo "the minimal image within 1.3 ×; 7.x needs what 6.1 needs (96 and 128 MiB), bounded"
                echo "to (64.8, 68.0]: 68 MiB. \`captured\` in the estimate column: a trial at exactly the"
                echo "estimate's value brought a dump back (\`--prove\`). The MODULES=most image was not built"
                echo "for 6.12 or 7.x: for them the estimate uses 6.1's, and says so."
                echo
                echo '```sh'
                echo 'scripts/vm/fetch-kernels.sh --modules'
                echo 'for g in trixie:k6.12 sid:k7.x; do'
                echo '    d=build/kernels/x86_64-${g%%:*}; k=$(ls $d/vmlinuz-*); r=${k##*/vmlinuz-}'
                echo '    bench/build-kdump-tools-image.sh $r build/bench/initrd.img-$r.kdump-tools $d/root'
                echo '    bench/calibrate-crashkernel.sh --kernel $k --kernel-root $d/root --tag ${g#*:} --prove \\'
                echo '        --ram "2 8" --pad 0 --base-initramfs build/bench/initrd.img-$r.kdump-tools:debian-kdump-tools'
                echo 'done'
                echo '```'
                echo
            fi
            if grep -q '@root' "$trials"; then
                echo "### Rows marked @root: the capture kernel with root= on its command line"
                echo
                echo "The grid above boots both kernels without root=, so the capture kernel's rootfs is"
                echo "a tmpfs (limited to half its memory). With root= (\`--append root=/dev/vda --tag root\`;"
                echo "the capture kernel inherits it, as kdump-tools' KDUMP_CMDLINE, taken from"
                echo "/proc/cmdline, does) the rootfs is ramfs (init/do_mounts.c init_rootfs) and has no"
                echo "such limit: the failures become \"Out of memory\" and the need drops to about"
                echo "F + U + a fixed part (the three 2 GiB rows bound it to 78.2–90.8 MiB; Debian's"
                echo "MODULES=most image needs 256 instead of 368 MiB). \`estimate\` keeps the tmpfs model"
                echo "(it cannot know the capture"
                echo "kernel's command line, and F + 2 U is what captures in both cases), so on these rows"
                echo "it reserves more than 1.3 × the minimum: see the table."
                echo
            fi
        fi
    } >"$report.tmp"
    mv -f "$report.tmp" "$report"
}

# "F | U | layout" of a capture initramfs file, as kdump-setup reads it.
fact_line() {
    local conf
    conf=$(mktemp)
    printf 'capture_initramfs = "%s"\n' "$(readlink -f "$2")" >"$conf"
    "$1" --config "$conf" recommend --memory 4G --arch x86_64 --json 2>/dev/null |
        jq -r '.facts.capture_initramfs.value | "\(.bytes) | \(.unpacked_bytes) | \(.layout)"' || true
    rm -f "$conf"
}

# First guess for (ram GiB, image file): the estimate policy's value without its
# safety margin and range-tier rounding (32 MiB together at 1-16 GiB), down to the
# grid; nothing when the binary cannot say.
predicted() {
    local b
    b=$(policy_bytes "$1" estimate $(($2 << 30)) "$3" "$4")
    [[ -n $b && $b != 0 ]] || return 0
    echo $(((b / 1048576 - 32) / step * step))
}

main() {
    local rams="1 2 4 8 16" pads="0 30 60" guess=96 bin=$repo_root/build/kdump-setup report_only=0 kroot="" prove=0 no_report=0
    local -a argv=("$@")
    local -a bases=()
    while (($#)); do
        case $1 in
            --ram) rams=${2:?}; shift 2 ;;
            --pad) pads=${2?}; shift 2 ;;
            --base-initramfs) bases+=("${2:?}"); shift 2 ;;
            --start) guess=${2:?}; shift 2 ;;
            --binary) bin=${2:?}; shift 2 ;;
            --report-only) report_only=1; shift ;;
            --prove) prove=1; shift ;;
            --no-report) no_report=1; shift ;;
            --append) append=${2:?}; shift 2 ;;
            --tag) tag=${2:?}; shift 2 ;;
            --kernel) kernel=$(readlink -f "${2:?}"); shift 2 ;;
            --kernel-root) kroot=$(readlink -f "${2:?}"); shift 2 ;;
            -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; return 0 ;;
            *) die "unknown argument $1" ;;
        esac
    done
    mkdir -p "$results" "$work"
    if ((report_only)); then write_report "$bin"; return 0; fi
    if [[ -n $kernel ]]; then
        [[ -s $kernel && $kernel == */vmlinuz-* ]] || die "--kernel $kernel: not a vmlinuz-RELEASE file"
        [[ $tag == k* ]] || die "--kernel needs --tag kSOMETHING (the rows' key suffix, e.g. k6.12)"
        [[ -z $append ]] || die "--kernel and --append: one at a time"
    fi
    if [[ -n $kroot && -z ${KDUMP_BENCH_NS:-} ]]; then
        # Re-run in a private mount namespace where the kernel's modules and config
        # appear at their usual places (overlays; the host's files stay as they are).
        local release=${kernel##*/vmlinuz-}
        [[ -d $kroot/usr/lib/modules/$release && -f $kroot/boot/config-$release ]] ||
            die "--kernel-root $kroot has no usr/lib/modules/$release or boot/config-$release"
        exec env KDUMP_BENCH_NS=1 unshare -m bash -euc '
            mount --make-rprivate /
            mount -t overlay overlay -o "lowerdir=/usr/lib/modules:$1/usr/lib/modules" /usr/lib/modules
            mount -t overlay overlay -o "lowerdir=/boot:$1/boot" /boot
            shift; exec "$@"' bash "$kroot" "${BASH_SOURCE[0]}" "${argv[@]}"
    fi
    [[ -s $trials ]] || printf '# utc\tram_gib\tpad_mib\tcapture_img_bytes\tcrashkernel_mib\tresult\twall_s\tsystem_ram_bytes\tkexec_crash_size\tcapture_memtotal_kib\tdump_bytes\twhy\n' >"$trials"
    local pad ram min first prev img b file label
    local -a labels=()
    local sfx="" release
    [[ -z $kernel ]] || sfx="@$tag"
    release=${kernel##*/vmlinuz-}
    for pad in $pads; do
        "$repo_root/scripts/e2e/build-initramfs.sh" --out "$work/img-$pad$sfx" --pad-mb "$pad" \
            ${kernel:+--kernel "$kernel"} >/dev/null
        [[ -z $kernel ]] || echo "$release" >"$work/img-$pad$sfx/release"
        labels+=("$pad")
    done
    for b in "${bases[@]}"; do
        file=${b%%:*}; label=${b#*:}
        [[ $b == *:* ]] || label=$(basename "$file")
        [[ -s $file ]] || die "--base-initramfs $file: no such file or empty"
        [[ $label =~ ^[A-Za-z0-9._+-]+$ && ! $label =~ ^[0-9]+$ ]] || die "--base-initramfs label '$label': letters, digits, . _ + - and not a number"
        "$repo_root/scripts/e2e/build-initramfs.sh" --out "$work/img-$label$sfx" --base-initramfs "$file" \
            ${kernel:+--kernel "$kernel"} >/dev/null
        [[ -z $kernel ]] || echo "$release" >"$work/img-$label$sfx/release"
        labels+=("$label")
    done
    [[ -z $append || -n $tag ]] || die "--append needs --tag (the rows' key suffix)"
    for pad in "${labels[@]}"; do
        prev=0
        img=$(stat -c %s "$work/img-$pad$sfx/capture.img")
        for ram in $rams; do
            first=$(predicted "$bin" "$ram" "$work/img-$pad$sfx/capture.img" "$(row_release "$pad$sfx")")
            [[ -n $first ]] || first=$guess
            ((first >= prev)) || first=$prev
            log "RAM ${ram} GiB, capture initramfs ${pad} ($img bytes), first guess ${first} MiB"
            min=$(settled "$ram" "$pad${tag:+@$tag}")
            [[ -n $min ]] || min=$(search "$ram" "$pad${tag:+@$tag}" "$first")
            log "=> ${ram}G ${pad}: ${min} MiB"
            prev=$min
            if ((prove)); then
                local key=$pad${tag:+@$tag} sysram est
                sysram=$(awk -F'\t' -v r="$ram" -v p="$key" '!/^#/ && $2 == r && $3 == p && $8 != "" { s = $8 } END { print s }' "$trials")
                est=$(policy_bytes "$bin" estimate "${sysram:-$((ram << 30))}" "$(imgdir "$key")/capture.img" "$(row_release "$key")")
                if [[ -n $est && $est != 0 ]] && ! proven "$ram" "$key" $((est >> 20)); then
                    log "prove: ${ram}G $key at the estimate, $((est >> 20)) MiB"
                    trial "$ram" "$key" $((est >> 20)) >/dev/null
                fi
            fi
            ((no_report)) || write_report "$bin"
        done
    done
    ((no_report)) || write_report "$bin"
}

main "$@"
