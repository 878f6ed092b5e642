#!/usr/bin/env bash
# The dependency rule of docs/ARCHITECTURE.md, checked on every #include "..." line:
#   util <- grammar <- core <- backends <- cli
# A file may include headers of its own layer and of the layers to its left only.
# Fails with the file, line and include that point the wrong way.
set -uo pipefail
SRC=${1:-$(dirname "$0")/..}
cd "$SRC" || exit 2

rank() {  # rank LAYER: its position in the rule
  case $1 in util) echo 0 ;; grammar) echo 1 ;; core) echo 2 ;; backends) echo 3 ;; cli) echo 4 ;; *) echo 9 ;; esac
}
layer_of_file() {
  case $1 in
    src/util/*) echo util ;; grammar/*) echo grammar ;; src/core/*) echo core ;;
    backends/*) echo backends ;; src/cli/*) echo cli ;;
  esac
}
layer_of_include() {  # the first path component of "x/y.hpp"; grammar/src is private
  case $1 in
    util/*) echo util ;; grammar/*) echo grammar ;; core/*) echo core ;;
    backends/*) echo backends ;; cli/*) echo cli ;; src/*) echo src ;; *) echo local ;;
  esac
}

bad=0
checked=0
while IFS= read -r f; do
  from=$(layer_of_file "$f")
  [ -n "$from" ] || continue
  while IFS=: read -r line inc; do
    inc=${inc#*\"}; inc=${inc%%\"*}
    to=$(layer_of_include "$inc")
    checked=$((checked + 1))
    [ "$to" = local ] && continue  # a header beside the file ("crashkernel_rules.hpp")
    if [ "$to" = src ] || [ "$(rank "$to")" -gt "$(rank "$from")" ]; then
      echo "$f:$line: $from includes \"$inc\" ($to): the rule is util <- grammar <- core <- backends <- cli"
      bad=$((bad + 1))
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
done < <(find src grammar backends -name '*.hpp' -o -name '*.cpp' | sort)

# The check itself must see a wrong-way include: a grammar file naming a cli header.
probe=$(mktemp -d)
mkdir -p "$probe/grammar/src"
echo '#include "cli/invocation.hpp"' >"$probe/grammar/src/probe.cpp"
to=$(layer_of_include cli/invocation.hpp); from=$(layer_of_file grammar/src/probe.cpp)
rm -rf "$probe"
if [ "$(rank "$to")" -le "$(rank "$from")" ]; then
  echo "layering.sh does not flag grammar -> cli"
  bad=$((bad + 1))
fi

echo "$checked includes checked, $bad point the wrong way"
[ "$bad" -eq 0 ]
