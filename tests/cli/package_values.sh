#!/usr/bin/env bash
# A value a kdump package put in its own file (Debian 12's kdump-tools conffile
# /etc/default/grub.d/kdump-tools.cfg), through the binary (docs/contract.md §6.1):
# reserve of the package's value changes nothing (exit 0, says where it is set); another
# value goes into kdump-setup's drop-in, the package's file keeps every byte; remove then
# gives back the original tree (the drop-in deleted) and says that the package's value
# stays. The same for an unquoted GRUB_CMDLINE_LINUX (quoting kept byte for byte).
#   tests/cli/package_values.sh KDUMP_SETUP_BINARY
. "$(dirname "$0")/lib.sh"
src=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
t=$SCRATCH/root
tree_sum() { (cd "$1" && find . -printf '%p %y %s\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum; }

cp -a "$src/golden/grub2/debian12-kdump-tools/root" "$t"
orig=$(tree_sum "$t")
pkgfile=$t/etc/default/grub.d/kdump-tools.cfg
pkgsum=$(sha256sum <"$pkgfile")

run --root "$t" reserve 384M-:128M --memory 8G
check "package's value: exit 0" test "$code" = 0
check "package's value: nothing to change" grep -q "nothing to change" "$SCRATCH/out"
check "package's value: says where it is set" grep -q "already configured: /etc/default/grub.d/kdump-tools.cfg (a conffile of the package kdump-tools) sets it in GRUB_CMDLINE_LINUX_DEFAULT" "$SCRATCH/out"
check "package's value: the tree is unchanged" test "$(tree_sum "$t")" = "$orig"

run --root "$t" reserve 256M --memory 8G --json
check "another value: exit 0" test "$code" = 0
check "another value: the package's file keeps its bytes" test "$(sha256sum <"$pkgfile")" = "$pkgsum"
check "another value: appended after it in our drop-in" \
  grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=256M"' "$t/etc/default/grub.d/zz-kdump-setup.cfg"
check "another value: the JSON notes say so" test "$(json "any('that file stays as the package installed it' in n for n in j['notes'])")" = True

run --root "$t" reserve 256M --memory 8G
check "reserve twice: nothing to change" grep -q "nothing to change" "$SCRATCH/out"

run --root "$t" remove
check "remove: exit 0" test "$code" = 0
check "remove: says the package's value stays" grep -q "crashkernel=384M-:128M stays in GRUB_CMDLINE_LINUX_DEFAULT" "$SCRATCH/out"
check "remove: every byte back, the drop-in deleted" test "$(tree_sum "$t")" = "$orig"

rm -rf "$t"; cp -a "$src/golden/grub2/unquoted-value/root" "$t"
orig=$(tree_sum "$t")
run --root "$t" reserve 256M --memory 8G
check "unquoted: the word stays unquoted" grep -qx 'GRUB_CMDLINE_LINUX=quiet" crashkernel=256M"' "$t/etc/default/grub"
run --root "$t" remove
check "unquoted: remove gives back GRUB_CMDLINE_LINUX=quiet" grep -qx 'GRUB_CMDLINE_LINUX=quiet' "$t/etc/default/grub"
check "unquoted: every byte back" test "$(tree_sum "$t")" = "$orig"

finish
