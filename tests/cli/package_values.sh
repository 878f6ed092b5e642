#!/usr/bin/env bash
# A value a kdump package put in its own file (Debian 12's kdump-tools conffile
# /etc/default/grub.d/kdump-tools.cfg), through the binary (docs/contract.md §6.1):
# reserve of the package's value changes nothing (exit 0, says where it is set); another
# value goes into kdump-setup's drop-in, the package's file keeps every byte; remove then
# gives back the original tree (the drop-in deleted) and says that the package's value
# stays. The same for an unquoted GRUB_CMDLINE_LINUX (quoting kept byte for byte).
# Directories: remove deletes those that reserve created (recorded in the state file) and
# no other: a systemd-boot tree without /etc/kernel comes back without it; a UKI's empty
# .extra.d/ that was there before reserve is still there after remove (sha256 of the
# whole tree, directories included). A package's /usr/lib/kernel/cmdline (kernel-install
# reads it while /etc/kernel/cmdline does not exist) is a package value too: reserve of
# its value creates no /etc/kernel/cmdline, another value creates it with the package's
# other words, remove gives the tree back and says the package's value stays.
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

# Directories reserve created go again; (a) /etc/kernel for a created /etc/kernel/cmdline.
rm -rf "$t"; cp -a "$src/golden/systemd-boot/entry-heptasean-arch-fallback-colon-values-no-kernel-cmdline/root" "$t"
orig=$(tree_sum "$t")
check "no /etc/kernel before reserve" test ! -e "$t/etc/kernel"
run --root "$t" reserve 256M
check "created dir: reserve exit 0" test "$code" = 0
check "created dir: /etc/kernel/cmdline created" test -f "$t/etc/kernel/cmdline"
check "created dir: recorded in the state file" grep -q '^created_directories = \[.*"/etc/kernel"' "$t/var/lib/kdump-setup/state.toml"
check "created dir: state file is schema 2" grep -qx 'schema = 2' "$t/var/lib/kdump-setup/state.toml"
run --root "$t" remove --dry-run
check "created dir: the dry run names the directory" grep -qx 'delete directory /etc/kernel/ (created by kdump-setup, empty once its files are gone)' "$SCRATCH/out"
run --root "$t" remove
check "created dir: remove exit 0" test "$code" = 0
check "created dir: no /etc/kernel left" test ! -e "$t/etc/kernel"
check "created dir: the tree is the original, directories included" test "$(tree_sum "$t")" = "$orig"

# (b) an empty <uki>.efi.extra.d/ that existed before reserve stays after remove.
rm -rf "$t"; cp -a "$src/golden/systemd-boot/uki-arch-mkinitcpio-default/root" "$t"
mkdir "$t/efi/EFI/Linux/arch-linux.efi.extra.d"
orig=$(tree_sum "$t")
run --root "$t" reserve 256M
check "existing .extra.d: reserve exit 0" test "$code" = 0
check "existing .extra.d: add-on installed" test -f "$t/efi/EFI/Linux/arch-linux.efi.extra.d/kdump-setup-crashkernel.addon.efi"
check "existing .extra.d: no record (no directory was created)" test ! -e "$t/var/lib/kdump-setup/state.toml"
run --root "$t" remove
check "existing .extra.d: remove exit 0" test "$code" = 0
check "existing .extra.d: the empty directory is still there" test -d "$t/efi/EFI/Linux/arch-linux.efi.extra.d"
check "existing .extra.d: the tree is the original" test "$(tree_sum "$t")" = "$orig"
# ... and one reserve made goes with its add-on.
rmdir "$t/efi/EFI/Linux/arch-linux.efi.extra.d"
orig=$(tree_sum "$t")
run --root "$t" reserve 256M
run --root "$t" remove
check "created .extra.d: removed with the add-on" test ! -e "$t/efi/EFI/Linux/arch-linux.efi.extra.d"
check "created .extra.d: the tree is the original" test "$(tree_sum "$t")" = "$orig"

# /usr/lib/kernel/cmdline with crashkernel=512M, no /etc/kernel/cmdline.
rm -rf "$t"; cp -a "$src/golden/systemd-boot/usr-lib-kernel-cmdline-other-value/root" "$t"
orig=$(tree_sum "$t")
vsum=$(sha256sum <"$t/usr/lib/kernel/cmdline")
run --root "$t" --json reserve 512M --memory 8G
check "vendor cmdline, same value: exit 0" test "$code" = 0
check "vendor cmdline, same value: no /etc/kernel/cmdline created" test ! -e "$t/etc/kernel"
check "vendor cmdline, same value: only the entry changed" \
  test "$(json "[f['path'] for f in j['files'] if f['changed']]")" = "['/efi/loader/entries/debian-6.1.0-28-amd64.conf']"
check "vendor cmdline, same value: future kernels from /usr/lib/kernel/cmdline" \
  test "$(json "[(f['source'], f['crashkernel_after']) for f in j['future_kernels']]")" = "[('/usr/lib/kernel/cmdline', '512M')]"
run --root "$t" --json remove
check "vendor cmdline, remove: exit 0" test "$code" = 0
check "vendor cmdline, remove: says the package's value stays" \
  test "$(json "any('crashkernel=512M stays for kernels installed later: /usr/lib/kernel/cmdline' in n for n in j['notes'])")" = True
check "vendor cmdline, remove: the package's file keeps its bytes" test "$(sha256sum <"$t/usr/lib/kernel/cmdline")" = "$vsum"
check "vendor cmdline, remove: the tree is the original" test "$(tree_sum "$t")" = "$orig"
run --root "$t" reserve 256M --memory 8G
check "vendor cmdline, other value: /etc/kernel/cmdline has the package's other words" \
  grep -qx 'root=UUID=2f1c7e0a-5b1d-4c9e-8f3a-0d6b7e9a1c24 ro quiet crashkernel=256M' "$t/etc/kernel/cmdline"
check "vendor cmdline, other value: the package's file keeps its bytes" test "$(sha256sum <"$t/usr/lib/kernel/cmdline")" = "$vsum"
run --root "$t" status
check "vendor cmdline, other value: status sees it" grep -q '^configured  crashkernel=256M$' "$SCRATCH/out"
run --root "$t" remove
check "vendor cmdline, other value: remove exit 0" test "$code" = 0
check "vendor cmdline, other value: remove gives back the tree (no /etc/kernel)" test "$(tree_sum "$t")" = "$orig"

finish
