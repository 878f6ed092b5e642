#!/usr/bin/env bash
# explain through the built binary: exit codes and JSON of the contract.
source "$(dirname "$0")/lib.sh"
K61=(--arch x86_64 --kernel-release 6.1.0-56-amd64)

run explain 512M-2G:64M,2G-:128M --memory 2047M "${K61[@]}"
check "issue example says 128 MiB" [ "$code" = 0 ]
check "issue example text" grep -q '^reserves 128 MiB (134217728 bytes)$' "$SCRATCH/out"

run --json explain 512M-2G:64M,2G-:128M --memory 2047M "${K61[@]}"
check "json exit 0" [ "$code" = 0 ]
check "json keys" [ "$(json "sorted(k for k in ['valid','error','memory_bytes','crash','low','cma','kexec_crash_size','warnings'] if k in j)")" \
  = "['cma', 'crash', 'error', 'kexec_crash_size', 'low', 'memory_bytes', 'valid', 'warnings']" ]
check "json crash keys" [ "$(json "sorted(j['crash'].keys() & {'bytes','offset','matched_range','token'})")" \
  = "['bytes', 'matched_range', 'offset', 'token']" ]
check "json bytes" [ "$(json "j['crash']['bytes'], j['kexec_crash_size'], j['crash']['matched_range']")" \
  = "134217728 134217728 2G-" ]
check "stdout is one JSON object only" python3 -c "import json; json.load(open('$SCRATCH/out'))"

run explain 2G-1G:64M --memory 4G "${K61[@]}"
check "end <= start exits 2" [ "$code" = 2 ]
check "caret under the end" [ "$(sed -n 3p "$SCRATCH/err")" = "     ^" ]
check "kernel message" grep -q '^  kernel: crashkernel: end <= start$' "$SCRATCH/err"

run --json explain 2G-1G:64M --memory 4G "${K61[@]}"
check "json error" [ "$(json "j['valid'], j['error']['kernel_message'], j['error']['column']")" \
  = "False crashkernel: end <= start 4" ]

run explain 256M --memory 4X "${K61[@]}"
check "bad --memory exits 2" [ "$code" = 2 ]
check "bad --memory names the option" grep -q -- '--memory' "$SCRATCH/err"

mkdir -p "$SCRATCH/root"
run --root "$SCRATCH/root" explain 256M "${K61[@]}"
check "offline RAM missing exits 3" [ "$code" = 3 ]
check "offline RAM missing names --memory" grep -q -- '--memory' "$SCRATCH/err"

mkdir -p "$SCRATCH/root/proc"
printf '00001000-0009fbff : System RAM\n00100000-7ffdffff : System RAM\n  01000000-01ffffff : Kernel code\n' \
  >"$SCRATCH/root/proc/iomem"
run --root "$SCRATCH/root" --json explain 2G-:128M "${K61[@]}"
check "RAM from the root's /proc/iomem" [ "$(json "j['memory_bytes'], j['crash']['bytes']")" = "2146954240 134217728" ]

run
check "no verb exits 2" [ "$code" = 2 ]
finish
