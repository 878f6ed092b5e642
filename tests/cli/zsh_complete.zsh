#!/usr/bin/env zsh
# zsh_complete.zsh FPATH_DIR LINE: prints the candidates zsh's completion system offers
# for LINE (one per line), as an interactive `zsh -f` with compinit would. It runs a
# child zsh in a pseudo-terminal (zsh/zpty), types LINE and TAB, and a wrapped compadd
# prints every match the completion functions add (the technique of
# zsh-capture-completion: compadd -O into an array, then print it).
zmodload zsh/zpty || exit 2
dir=$1 line=$2
zpty z zsh -f -i
zpty -w z "PS1= PROMPT= RPROMPT=; unsetopt zle_bracketed_paste 2>/dev/null"
zpty -w z "fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'zstyle ":completion:*" list-grouped false; zstyle ":completion:*" insert-tab false'
zpty -w z 'bindkey "^I" complete-word; null-line() { print -r -- "<<END>>" }'
zpty -w z 'compprefuncs=(); comppostfuncs=(null-line exit)'
zpty -w z 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hits; builtin compadd -A __hits "$@"; local r=$?
  local h; for h in $__hits; do print -r -- "<<M>>$h"; done
  builtin compadd "$@"; return r
}'
# Split in the command so that the terminal's echo of it does not match: only the output
# says the setup has run (typed ahead during compinit, the line could be lost).
zpty -w z 'print -r -- "<<REA""DY>>"'
zpty -r -m z out '*<<READY>>*' || exit 2
zpty -n -w z "$line"$'\t'
out=
while zpty -r z chunk; do
  out+=$chunk
  [[ $out == *'<<END>>'* ]] && break
done
zpty -d z
print -r -- ${(F)${(u)${(M)${(f)out//$'\r'/}:#*<<M>>*}#*<<M>>}}
