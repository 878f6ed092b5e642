#!/usr/bin/env bash
# 16 `reserve` runs with different values started at once on the same tree (docs/contract.md
# §7 "One lock for the whole run"): each one finishes or reports the lock /
# a stale file (exit 3); afterwards every file is exactly what one of the successful
# runs alone makes of the tree: no mixed values, no lost or half-written file, no
# leftover. Repeated a few rounds, on a two-file GRUB2 apply.
#   tests/cli/concurrency.sh KDUMP_SETUP_BINARY
. "$(dirname "$0")/lib.sh"
src=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tree=$src/golden/grub2/debian12-kdump-tools/root
values=(64M 96M 128M 160M 192M 224M 256M 288M 320M 352M 384M 416M 448M 480M 512M 544M)

manifest() { (cd "$1" && find . \( -type f -o -type l \) -print0 | sort -z | xargs -0 sha256sum); }

# What each value alone makes of the tree.
for v in "${values[@]}"; do
  cp -a "$tree" "$SCRATCH/ref-$v"
  run --root "$SCRATCH/ref-$v" reserve "$v"
  check "reference run $v" test "$code" = 0
  manifest "$SCRATCH/ref-$v" >"$SCRATCH/ref-$v.m"
done

rounds=${KDUMP_CONCURRENCY_ROUNDS:-5}
total_ok=0 total_lock=0
for round in $(seq "$rounds"); do
  t=$SCRATCH/t$round
  cp -a "$tree" "$t"
  pids=()
  for v in "${values[@]}"; do
    "$BIN" --root "$t" reserve "$v" >"$SCRATCH/out-$round-$v" 2>&1 &
    pids+=($!)
  done
  ok=() lock=0 other=0
  for i in "${!values[@]}"; do
    wait "${pids[$i]}"; c=$?
    v=${values[$i]}
    if [ "$c" = 0 ]; then ok+=("$v")
    elif [ "$c" = 3 ] && grep -q 'lock\|since it was read' "$SCRATCH/out-$round-$v"; then lock=$((lock + 1))
    else other=$((other + 1)); echo "round $round: $v exited $c: $(cat "$SCRATCH/out-$round-$v")"; fi
  done
  code="ok=${#ok[@]} lock=$lock other=$other" out="" err=""
  check "round $round: every run finished or reported the lock" test "$other" = 0
  check "round $round: at least one run changed the tree" test "${#ok[@]}" -ge 1
  manifest "$t" >"$SCRATCH/t$round.m"
  match=""
  for v in "${ok[@]}"; do cmp -s "$SCRATCH/t$round.m" "$SCRATCH/ref-$v.m" && match=$v; done
  [ -n "$match" ] || diff "$SCRATCH/ref-${ok[0]:-64M}.m" "$SCRATCH/t$round.m"
  check "round $round: the tree is exactly one successful run's result (got ${match:-none})" test -n "$match"
  check "round $round: no leftover" test -z "$(find "$t" -name '.*.kdump-*')"
  echo "round $round: ${#ok[@]} finished, $lock reported the lock or a stale file; the tree is the result of reserve ${match:-?}"
  total_ok=$((total_ok + ${#ok[@]})) total_lock=$((total_lock + lock))
done
echo "concurrency: $rounds rounds x ${#values[@]} runs: $total_ok finished, $total_lock reported the lock (exit 3)"
finish
