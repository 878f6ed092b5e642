#!/usr/bin/env bash
# Hostile trees: broken, binary, huge and booby-trapped /etc/default/grub.
# Each must give a clear error naming the file (line:column where it applies), exit 2
# (bad input) or 3 (cannot act) per docs/contract.md §5, and leave the whole tree unchanged
# (contents, modes, mtimes, the listing). A symlink that points outside --root must
# never lead to reading or writing outside: a canary file there keeps its bytes and
# mtime, and its content never shows up in the output.
#   tests/cli/hostile.sh KDUMP_SETUP_BINARY
. "$(dirname "$0")/lib.sh"
src=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
base=$src/golden/grub2/debian12-grub2-common-default/root
t=$SCRATCH/root
canary=$SCRATCH/outside/grub

fresh() { rm -rf "$t"; cp -a "$base" "$t"; }
# Everything about a tree that a run could change.
tree_sum() {
  (cd "$1" && find . -printf '%p %y %m %s %T@ %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum
}
# hostile NAME EXPECTED_EXIT PATTERN: runs reserve on $t prepared by the caller.
hostile() {
  local name=$1 want=$2 pattern=$3 before after
  before=$(tree_sum "$t")
  run --root "$t" reserve 256M
  after=$(tree_sum "$t")
  check "$name: exit $want" test "$code" = "$want"
  check "$name: the error names the file: $pattern" grep -Eq -- "$pattern" "$SCRATCH/err"
  check "$name: the tree is unchanged" test "$before" = "$after"
  echo "$name: exit $code: $(head -1 "$SCRATCH/err")"
}

grub=$t/etc/default/grub

fresh; printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="quiet splash\nGRUB_TIMEOUT=5\n' >"$grub"
hostile "unterminated quote" 2 '/etc/default/grub:2:20: unterminated double quote'

fresh; printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="quiet\0 splash"\n' >"$grub"
hostile "NUL byte" 2 '/etc/default/grub:2:26: a NUL byte \(byte offset 40\)'

fresh; printf 'GRUB_DEFAULT=0\nGRUB_\xffCMDLINE_LINUX="quiet"\n' >"$grub"
hostile "invalid UTF-8 in a key" 2 '/etc/default/grub:2:6: invalid UTF-8 \(byte 0xff\) \(byte offset 20\)'

fresh; mkdir -p "$t/etc/default/grub.d"; printf 'A=1\0\n' >"$t/etc/default/grub.d/50-x.cfg"
hostile "NUL byte in a drop-in" 2 '/etc/default/grub.d/50-x.cfg:1:4: a NUL byte'

# /etc/default/grub linked into /usr (a package's template) where grub.d is not read
# (no grub-mkconfig in the tree, not a Debian-family os-release): nothing is written
# through the link, exit 3 naming it.
fresh; mkdir -p "$t/usr/share/grub/default"; mv "$grub" "$t/usr/share/grub/default/grub"
ln -s /usr/share/grub/default/grub "$grub"; rm -f "$t/usr/sbin/grub-mkconfig" "$t/usr/sbin/update-grub"
printf 'ID=arch\n' >"$t/etc/os-release"
hostile "symlink into /usr without drop-ins" 3 '/etc/default/grub: is a symlink to /usr/share/grub/default/grub'

fresh; python3 -c "import random,sys; random.seed(7); sys.stdout.buffer.write(bytes(random.randrange(256) for _ in range(4096)))" >"$grub"
hostile "binary garbage" 2 '/etc/default/grub:[0-9]+:[0-9]+: '

fresh; printf 'GRUB_DEFAULT=0\r\nGRUB_CMDLINE_LINUX="quiet"\r\n' >"$grub"
hostile "CRLF line ends" 2 '/etc/default/grub:1:15: a carriage return'

fresh; { printf 'GRUB_CMDLINE_LINUX=""\n'; yes '# a comment line, repeated to make a 10 MB file ...............' | head -c 10485760; } >"$grub"
hostile "10 MB file" 3 '/etc/default/grub: refusing to read: larger than'

fresh; rm "$grub"; ln -s grub.real "$grub"; ln -s grub "$t/etc/default/grub.real"
hostile "symlink loop" 3 '/etc/default/grub: Too many levels of symbolic links'

fresh; rm "$grub"; mkdir "$grub"; echo x >"$grub/x"
hostile "directory instead of the file" 3 '/etc/default/grub: is a directory'

mkdir -p "$(dirname "$canary")"
printf 'GRUB_CMDLINE_LINUX="canary-outside-the-root"\n' >"$canary"
touch -d '2001-02-03 04:05:06' "$canary"
canary_before=$(stat -c '%s %Y %i' "$canary")$(sha256sum <"$canary")
for link in "$canary" "../../../outside/grub" "../../../../../../../../..$canary"; do
  fresh; rm "$grub"; ln -s "$link" "$grub"
  hostile "symlink to outside the root ($link)" 3 '/etc/default/grub does not exist'
  check "symlink $link: nothing of the canary is shown" bash -c "! grep -q canary-outside $SCRATCH/out $SCRATCH/err"
done
# The same with a directory symlink on the way (etc/default -> outside).
fresh; rm -r "$t/etc/default"; ln -s "$(dirname "$canary")" "$t/etc/default"
hostile "directory symlink to outside the root" 3 '/etc/default/grub does not exist'
canary_after=$(stat -c '%s %Y %i' "$canary")$(sha256sum <"$canary")
check "the canary outside the root kept its bytes, mtime and inode" test "$canary_before" = "$canary_after"

# World-writable: warned about, the change is made.
fresh; chmod 0777 "$t/etc/default"
run --root "$t" reserve 256M
check "world-writable /etc/default: exit 0" test "$code" = 0
check "world-writable /etc/default: warned" grep -q 'warning: /etc/default is world-writable' "$SCRATCH/err"
check "world-writable /etc/default: written" grep -q 'crashkernel=256M' "$grub"
echo "world-writable /etc/default: exit $code: $(head -1 "$SCRATCH/err")"
finish
