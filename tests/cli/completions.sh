#!/usr/bin/env bash
# The bash, zsh and fish completions, driven through the real shells: verbs, options
# per verb, option values, kernel releases from the --root tree, directories for --root.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/complete_lib.bash"

mkdir -p "$SCRATCH/root/boot" "$SCRATCH/root/lib/modules/6.12.9-arm64" "$SCRATCH/rootless"
: >"$SCRATCH/root/boot/vmlinuz-6.1.0-28-amd64"

# expect SHELL NAME LINE WORD...: the candidates for LINE are exactly WORD... (sorted)
expect() {
  local sh=$1 name=$2 line=$3; shift 3
  out=$(complete_"$sh" "$line"); code=$?; err=
  local want; want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
  check "$sh: $name" [ "$out" = "$want" ]
}
# offers SHELL NAME LINE WORD...: the candidates include every WORD
offers() {
  local sh=$1 name=$2 line=$3 w ok=true; shift 3
  out=$(complete_"$sh" "$line"); code=$?; err=
  for w in "$@"; do grep -qxF -- "$w" <<<"$out" || ok=false; done
  check "$sh: $name" $ok
}
# lacks SHELL NAME LINE WORD...: the candidates include none of WORD
lacks() {
  local sh=$1 name=$2 line=$3 w ok=true; shift 3
  out=$(complete_"$sh" "$line"); code=$?; err=
  for w in "$@"; do grep -qxF -- "$w" <<<"$out" && ok=false; done
  check "$sh: $name" $ok
}

out=$(bash --norc -c 'source "$1"; complete -p kdump-setup' bash "$BASH_COMPLETION_FILE"); code=$?; err=
check "bash: complete -p names the function" [ "$out" = "complete -F _kdump_setup kdump-setup" ]

for sh in bash fish zsh; do
  if ! command -v "$sh" >/dev/null; then
    out= err="$sh is not installed (scripts/packages.txt lists it)"; code=127
    check "$sh installed" false
    continue
  fi
  expect "$sh" "re<TAB> gives the four verbs" "kdump-setup re" recommend refresh remove reserve
  expect "$sh" "every verb" "kdump-setup " explain recommend refresh remove reserve shrink status verify
  expect "$sh" "refresh --kernel-release: the --root tree's releases" \
    "kdump-setup --root $SCRATCH/root refresh --kernel-release " 6.1.0-28-amd64 6.12.9-arm64
  expect "$sh" "verbs after a global option" "kdump-setup --json st" status
  expect "$sh" "--backend values" "kdump-setup reserve --backend " auto bls grub2 systemd-boot
  expect "$sh" "--backend values for remove" "kdump-setup remove --backend g" grub2
  expect "$sh" "--policy names" "kdump-setup reserve --policy " rhel7 kdump-utils debian ubuntu table estimate
  expect "$sh" "--policy for recommend" "kdump-setup recommend --policy d" debian
  expect "$sh" "--kernel: all, default and the --root tree's releases" \
    "kdump-setup --root $SCRATCH/root reserve --kernel " all default 6.1.0-28-amd64 6.12.9-arm64
  expect "$sh" "--root after the verb counts too" \
    "kdump-setup remove --root $SCRATCH/root --kernel 6." 6.1.0-28-amd64 6.12.9-arm64
  expect "$sh" "--kernel-release from the tree" \
    "kdump-setup --root $SCRATCH/root explain --kernel-release " 6.1.0-28-amd64 6.12.9-arm64
  expect "$sh" "reserve's value" "kdump-setup reserve a" auto
  offers "$sh" "reserve options" "kdump-setup reserve --" --dry-run --backend --kernel --if-unset \
    --no-update --memory --arch --policy --root --json
  lacks "$sh" "remove has no --if-unset or --policy" "kdump-setup remove --" --if-unset --policy --memory
  offers "$sh" "status: the global options" "kdump-setup status --" --root --config --json --quiet --verbose
  lacks "$sh" "status: no edit options" "kdump-setup status --" --dry-run --backend --kernel
  expect "$sh" "explain --arch" "kdump-setup explain --arch aa" aarch64
done

# --root completes directories (each shell's own style of showing them)
out=$(complete_bash "kdump-setup --root $SCRATCH/roo"); code=$?
check "bash: --root directories" [ "$out" = "$(printf '%s\n' "$SCRATCH/root" "$SCRATCH/rootless")" ]
out=$(complete_fish "kdump-setup --root $SCRATCH/roo"); code=$?
check "fish: --root directories" [ "$out" = "$(printf '%s\n' "$SCRATCH/root/" "$SCRATCH/rootless/")" ]
out=$(complete_zsh "kdump-setup --root $SCRATCH/roo"); code=$?
check "zsh: --root directories" [ "$out" = "$(printf '%s\n' root rootless)" ]
finish
