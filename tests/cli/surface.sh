#!/usr/bin/env bash
# Every verb and option of the real CLI11 app (the hidden `kdump-setup --list-surface`)
# must be offered by each shell's completion for that verb, and documented in the man
# page (SYNOPSIS line of the verb, and an OPTIONS entry). The contract's verbs
# (docs/contract.md §3), status and verify included, must be documented and completed even
# before the program has them; a verb the program has beyond those is checked too.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/complete_lib.bash"
CONTRACT_VERBS="reserve remove explain recommend status verify"

run --list-surface
check "--list-surface exits 0" [ "$code" = 0 ]
surface=$out
check "surface lists the verbs" grep -q '^verb reserve$' <<<"$surface"
run --help
check "--list-surface is hidden from --help" bash -c '! grep -q list-surface "$1"' _ "$SCRATCH/out"

verbs=$( (sed -n 's/^verb //p' <<<"$surface"; tr ' ' '\n' <<<"$CONTRACT_VERBS") | sort -u)
options_of() {  # options_of SCOPE: long and short names ("-" = global)
  awk -v s="$1" '$1 == "option" && $2 == s { print $3 }' <<<"$surface"
}
values_of() {  # values_of SCOPE OPTION: the lower-case words of its type name (auto|grub2|...)
  awk -v s="$1" -v o="$2" '$1 == "option" && $2 == s && $3 == o { print $4 }' <<<"$surface" |
    tr '|' '\n' | grep -E '^[a-z0-9_-]+$'
}

# The man page as rendered by man(1), without line wrapping.
man_text=$(MANWIDTH=1000 man -l "$SRC/docs/man/kdump-setup.8" 2>/dev/null | col -b)
check "man -l renders the page" grep -q '^NAME' <<<"$man_text"
synopsis_of() { grep -E "^ +kdump-setup \[GLOBAL OPTIONS\] $1( |\$)" <<<"$man_text"; }
options_section=$(sed -n '/^OPTIONS$/,/^CONFIGURATION$/p' <<<"$man_text")
commands_section=$(sed -n '/^COMMANDS$/,/^OPTIONS$/p' <<<"$man_text")
documented_option() {  # an OPTIONS entry starts with the option ("-q, --quiet", "--kernel all|...")
  grep -qE -- "^ +(-[a-z], )?$1( |,|\$)" <<<"$options_section"
}

for sh in bash fish zsh; do
  cands=$(complete_"$sh" "kdump-setup ")
  for v in $verbs; do
    out=$cands code= err=
    check "$sh completes verb $v" grep -qxF "$v" <<<"$cands"
  done
done

for v in $verbs; do
  out=$(synopsis_of "$v") code= err=
  check "man: SYNOPSIS line for $v" [ -n "$out" ]
  check "man: COMMANDS entry for $v" grep -qE "^ +$v( |\$)" <<<"$commands_section"
  syn=$out
  for o in $(options_of "$v"); do
    [[ $o == -h || $o == --help ]] && continue  # every verb has it; documented once
    out=$syn
    check "man: $v SYNOPSIS has $o" grep -qF -- "$o" <<<"$syn"
    out=$options_section
    check "man: OPTIONS describes $o" documented_option "$o"
  done
  for sh in bash fish zsh; do
    cands=$(complete_"$sh" "kdump-setup $v -")
    for o in $(options_of "$v") $(options_of -); do
      out=$cands code= err=
      check "$sh: $v offers $o" grep -qxF -- "$o" <<<"$cands"
    done
    for o in $(options_of "$v"); do
      want=$(values_of "$v" "$o")
      [ -n "$want" ] || continue
      cands=$(complete_"$sh" "kdump-setup $v $o ")
      for w in $want; do
        out=$cands
        check "$sh: $v $o offers $w" grep -qxF -- "$w" <<<"$cands"
      done
    done
  done
done

global_line=$(grep -E '^ +GLOBAL OPTIONS:' <<<"$man_text")
for o in $(options_of -); do
  [[ $o == -h ]] && continue
  out=$global_line code= err=
  [[ $o == --help ]] || check "man: GLOBAL OPTIONS line has $o" grep -qF -- "$o" <<<"$global_line"
  out=$options_section
  check "man: OPTIONS describes global $o" documented_option "$o"
done
finish
