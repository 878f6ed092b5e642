# Drives each shell's real completion of kdump-setup for a command line and prints the
# candidates, sorted, one per line. Sourced by tests/cli/completions.sh and surface.sh (not .sh: it is no test).
#   complete_bash|complete_fish|complete_zsh 'kdump-setup reserve --backend '
# A trailing space means "complete a new, empty word".
SRC=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BASH_COMPLETION_FILE=$SRC/completions/kdump-setup.bash
FISH_COMPLETION_FILE=$SRC/completions/kdump-setup.fish
ZSH_COMPLETION_DIR=$SRC/completions/zsh

complete_bash() {  # sources the file in a clean bash, fills COMP_WORDS/COMP_CWORD
  bash --norc --noprofile -c '
    source "$1" || exit 2
    read -r -a COMP_WORDS <<<"$2"
    [[ $2 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$2 COMP_POINT=${#2}
    fn=$(complete -p kdump-setup | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
    "$fn" kdump-setup "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' bash "$BASH_COMPLETION_FILE" "$1" | sed '/^$/d' | sort
}

complete_fish() {  # fish's own `complete -C`, descriptions cut off
  fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$FISH_COMPLETION_FILE" "$1" |
    cut -f1 | sort
}

complete_zsh() {  # compinit in a `zsh -f` under a pseudo-terminal, see zsh_complete.zsh
  # A loaded machine (CI runs ctest -j2 beside QEMU guests) sometimes loses the
  # pseudo-terminal exchange and gets nothing back: ask again before calling it empty.
  local out try
  for try in 1 2 3; do
    out=$(timeout 30 zsh -f "$SRC/tests/cli/zsh_complete.zsh" "$ZSH_COMPLETION_DIR" "$1" | sort)
    [ -n "$out" ] && break
  done
  [ -z "$out" ] || printf '%s\n' "$out"
}
