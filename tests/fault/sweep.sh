#!/usr/bin/env bash
# Fault sweep of the real binary at the system-call boundary (docs/contract.md §7).
#   tests/fault/sweep.sh BINARY SHIM TREE ARGS...
# runs `BINARY --root COPY ARGS...` on a fresh copy of TREE once per fault point N =
# 1, 2, ... with fault_shim.so preloaded (KDUMP_FAULT_AT=N), for every error kind
# (EIO ENOSPC EROFS EACCES, then SIGKILL at the call), until a run no longer reaches N.
# After each run:
#   - every file is byte-identical to its old or its new content (never truncated/mixed);
#   - a run that exits 0 left the whole new tree; one that fails (not killed) left the
#     whole tree old or whole new: the renames are undone on failure;
#   - no file is left that a boot loader reads (only hidden .kdump-*.tmp/.bak leftovers,
#     and those only after a kill or a failed unlink);
#   - a rerun without faults exits 0, gives exactly the new tree and no leftovers (it
#     removes them even beside files it no longer needs to write). One exception, after
#     a kill only: kdump-setup's record (var/lib/kdump-setup/state.toml) may differ or be
#     absent. The killed run may have made directories (/etc/kernel, the record's own)
#     without committing the record that lists them; the rerun finds them and, unable
#     to tell them from directories that were there, does not claim them (remove then
#     leaves them, empty). The boot files are checked without exception.
# Prints "N fault points, 0 corrupted"; exits 1 when anything is corrupted.
# KDUMP_FAULT_KINDS="EIO kill" restricts the kinds.
set -uo pipefail
bin=$1 shim=$2 tree=$3
shift 3
args=("$@")
kinds=${KDUMP_FAULT_KINDS:-EIO ENOSPC EROFS EACCES kill}

base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
work=$(mktemp -d "$base/kdump-sweep-XXXXXX")
trap 'rm -rf "$work"' EXIT
# An ASan-built binary refuses to run when another library is preloaded before its runtime.
export ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0

# "PATH SHA" lines for every file and symlink of a tree, sorted by path.
manifest() {
  (cd "$1" && find . \( -type f -o -type l \) -print0 | sort -z | xargs -0 -r sha256sum) |
    awk '{ h=$1; $1=""; sub(/^ +/, ""); print $0 " " h }'
}

run() {  # run DIR AT KIND -> sets rc, hit
  local dir=$1 at=$2 kind=$3 report=$work/report
  rm -f "$report"
  (KDUMP_FAULT_AT=$at KDUMP_FAULT_ERRNO=$kind KDUMP_FAULT_REPORT=$report LD_PRELOAD=$shim \
    "$bin" --root "$dir" "${args[@]}"; exit $?) >"$work/out" 2>&1
  rc=$?
  hit=$(grep '^hit ' "$report" 2>/dev/null || true)
  calls=$(grep -o '^calls [0-9]*' "$report" 2>/dev/null | tail -1 | cut -d' ' -f2)
}

cp -a "$tree" "$work/old"
cp -a "$tree" "$work/new"
run "$work/new" 0 EIO
if [ "$rc" != 0 ]; then
  echo "sweep: the run without faults failed (exit $rc):"; cat "$work/out"; exit 1
fi
manifest "$work/old" >"$work/old.m"
manifest "$work/new" >"$work/new.m"
if cmp -s "$work/old.m" "$work/new.m"; then
  echo "sweep: ${args[*]} changes nothing on $tree: nothing to sweep"; exit 1
fi

declare -A old_sum new_sum
while read -r p h; do old_sum[$p]=$h; done < <(sed 's/ \([0-9a-f]*\)$/\t\1/' "$work/old.m" | tr ' \t' '\001 ')
while read -r p h; do new_sum[$p]=$h; done < <(sed 's/ \([0-9a-f]*\)$/\t\1/' "$work/new.m" | tr ' \t' '\001 ')

changed=0
for p in $(printf '%s\n' "${!old_sum[@]}" "${!new_sum[@]}" | sort -u); do
  [ "${old_sum[$p]:-absent}" = "${new_sum[$p]:-absent}" ] || changed=$((changed + 1))
done
echo "sweep: ${args[*]} on $(basename "$tree"): $((changed)) file changes, $calls counted calls per run"
points=0 corrupted=0 stale=0 leftovers_seen=0
problem() { corrupted=$((corrupted + 1)); echo "CORRUPTED [$kind N=$n ${hit#hit } exit $rc]: $*"; }

# check DIR MODE: MODE any (killed), old-or-new (failed), new (succeeded or rerun), clean
check() {
  local dir=$1 mode=$2 p h all_old=1 all_new=1 bad=0
  declare -A seen=()
  while read -r p h; do
    seen[$p]=1
    [ "$mode" = clean ] && [ "$kind" = kill ] && [ "$p" = ./var/lib/kdump-setup/state.toml ] && continue
    if [ -n "${old_sum[$p]+x}" ] || [ -n "${new_sum[$p]+x}" ]; then
      [ "$h" = "${old_sum[$p]:-absent}" ] || all_old=0
      [ "$h" = "${new_sum[$p]:-absent}" ] || all_new=0
      if [ "$h" != "${old_sum[$p]:-absent}" ] && [ "$h" != "${new_sum[$p]:-absent}" ]; then
        problem "$(echo "$p" | tr '\001' ' ') is neither its old nor its new content"; bad=1
      fi
    else
      local name=${p##*/}
      name=$(echo "$name" | tr '\001' ' ')
      if [[ $name == .*.kdump-*.tmp || $name == .*.kdump-*.bak ]]; then
        # Hidden, and no boot loader reads *.tmp/*.bak. After a success only when the
        # fault hit the unlink of a backup (then the run warned about it).
        # A rerun removes them beside every file its backend read (Plan::examined),
        # also where it writes nothing: after the rerun none may be left.
        if [ "$mode" = clean ]; then
          stale=$((stale + 1))
          problem "leftover $(echo "$p" | tr '\001' ' ') still there after the rerun"; bad=1
        elif [ "$mode" = new ] && [[ $hit != *unlink* ]]; then
          problem "leftover $(echo "$p" | tr '\001' ' ') after a run that succeeded"; bad=1
        fi
        leftovers_seen=$((leftovers_seen + 1))
      else
        problem "unexpected file $(echo "$p" | tr '\001' ' ') (a boot loader could read it)"; bad=1
      fi
    fi
  done < <(manifest "$dir" | sed 's/ \([0-9a-f]*\)$/\t\1/' | tr ' \t' '\001 ')
  for p in "${!old_sum[@]}" "${!new_sum[@]}"; do
    [ -n "${seen[$p]+x}" ] && continue
    [ "$mode" = clean ] && [ "$kind" = kill ] && [ "$p" = ./var/lib/kdump-setup/state.toml ] && continue
    [ "${old_sum[$p]:-absent}" = absent ] || all_old=0
    [ "${new_sum[$p]:-absent}" = absent ] || all_new=0
    if [ -n "${old_sum[$p]+x}" ] && [ -n "${new_sum[$p]+x}" ]; then
      problem "$(echo "$p" | tr '\001' ' ') is missing"; bad=1
    fi
  done
  [ $bad = 0 ] || return
  case $mode in
    new|clean) [ $all_new = 1 ] || problem "the tree is not the new tree" ;;
    old-or-new) [ $all_old = 1 ] || [ $all_new = 1 ] || problem "the run failed but left some files new and some old" ;;
  esac
}

for kind in $kinds; do
  n=1
  while :; do
    rm -rf "$work/t"; cp -a "$work/old" "$work/t"
    run "$work/t" "$n" "$kind"
    if [ -z "$hit" ]; then  # the run made fewer than n calls: the sweep of this kind is done
      [ "$rc" = 0 ] || problem "run without a fault reached failed (exit $rc)"
      check "$work/t" clean
      break
    fi
    points=$((points + 1))
    if [ "$kind" = kill ]; then
      [ "$rc" = 137 ] || problem "SIGKILL was not what ended the run (exit $rc)"
      check "$work/t" any
    elif [ "$rc" = 0 ]; then
      check "$work/t" new
      if [[ $hit == *unlink* ]] && [ -n "$(find "$work/t" -name '.*.kdump-*')" ] &&
         ! grep -q 'warning: .*cannot remove\|warning: .*remove the backup' "$work/out"; then
        problem "a backup was left without a warning: $(cat "$work/out")"
      fi
    else
      case $rc in 2|3) ;; *) problem "exit $rc is not in the contract: $(head -3 "$work/out")" ;; esac
      check "$work/t" old-or-new
    fi
    frc=$rc fhit=$hit
    run "$work/t" 0 EIO
    hit=$fhit
    if [ "$rc" != 0 ]; then problem "the rerun after the fault failed (exit $rc): $(head -3 "$work/out")"; fi
    check "$work/t" clean
    rc=$frc
    n=$((n + 1))
  done
  echo "sweep: $kind: $((n - 1)) fault points"
done
echo "sweep: hidden .kdump-* leftovers (never read by a boot loader): $leftovers_seen after faults, $stale still there after the rerun"
echo "$points fault points, $corrupted corrupted"
[ "$corrupted" = 0 ]
