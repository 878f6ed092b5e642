#!/usr/bin/env bash
# reserve/remove through the built binary on BLS trees (golden/bls/*/root): the dry-run
# diff touches every entry's options, grubenv only where entries use $kernelopts,
# /etc/default/grub and /etc/kernel/cmdline; the real run writes exactly that; a second
# run changes nothing; remove gives back the bytes; ostree is refused with exit 3.
source "$(dirname "$0")/lib.sh"
G=${KDUMP_SOURCE_DIR:-$(dirname "$0")/../..}/golden/bls

# tree NAME: a scratch copy of golden/bls/NAME/root in $T, pristine copy in $T.orig
tree() {
  T=$SCRATCH/$1
  rm -rf "$T" "$T.orig"
  cp -a "$G/$1/root" "$T"
  cp -a "$G/$1/root" "$T.orig"
}
changed_files() { grep '^+++ b/' "$SCRATCH/out" | sed 's|^+++ b/||' | sort; }

tree fedora39
run --root "$T" reserve 256M --dry-run
check "fedora dry-run exits 0" [ "$code" = 0 ]
check "fedora dry-run changes nothing" diff -r "$T" "$T.orig"
check "fedora dry-run: every entry, grub, cmdline; no grubenv" [ "$(changed_files | tr '\n' ' ')" = \
  "boot/loader/entries/c0a4265de6ec4238859db2e7cb8b92d1-5.11.12-300.fc34.x86_64.conf boot/loader/entries/fbb2514d30d245e09bacef0b91f01c45-0-rescue-fbb2514d30d245e09bacef0b91f01c45.conf boot/loader/entries/fbb2514d30d245e09bacef0b91f01c45-6.0.12-100.fc35.x86_64.conf boot/loader/entries/fbb2514d30d245e09bacef0b91f01c45-6.5.6-300.fc39.x86_64.conf etc/default/grub etc/kernel/cmdline " ]
dry=$(cat "$SCRATCH/out")
run --root "$T" reserve 256M
check "fedora real run exits 0" [ "$code" = 0 ]
check "fedora real run prints the dry-run diff" [ "$(grep -v '^changed\|^dry run' "$SCRATCH/out")" = "$(grep -v '^changed\|^dry run' <<<"$dry")" ]
check "every entry's options carry it once" [ "$(grep -l '^options .*crashkernel=256M' "$T"/boot/loader/entries/*.conf | wc -l)" = 4 ]
check "grubenv untouched" cmp "$T/boot/grub2/grubenv" "$T.orig/boot/grub2/grubenv"
run --root "$T" reserve 256M
check "second run: nothing to change" grep -q 'nothing to change' "$SCRATCH/out"
run --root "$T" remove
check "remove exits 0" [ "$code" = 0 ]
check "remove gives back every byte" diff -r "$T" "$T.orig"

tree rhel8-mixed
run --root "$T" --json reserve 256M --dry-run
check "rhel json backend" [ "$(json "j['backend'], j['dry_run'], len(j['commands'])")" = "bls True 0" ]
check "rhel json files" [ "$(json "' '.join(f['path'] for f in j['files'] if f['changed'])")" = \
  "/etc/default/grub /etc/kernel/cmdline /boot/grub2/grubenv /boot/loader/entries/b486fe3f109f430d995b1ee093897980-4.18.0-348.el8.x86_64.conf" ]
run --root "$T" reserve 256M
check "rhel real run exits 0" [ "$code" = 0 ]
check "grubenv stays 1024 bytes" [ "$(stat -c %s "$T/boot/grub2/grubenv")" = 1024 ]
check "kernelopts carries it" grep -aq 'kernelopts=.* crashkernel=256M ' "$T/boot/grub2/grubenv"
check "\$kernelopts entries untouched" cmp "$T/boot/loader/entries/b486fe3f109f430d995b1ee093897980-0-rescue.conf" \
  "$T.orig/boot/loader/entries/b486fe3f109f430d995b1ee093897980-0-rescue.conf"
run --root "$T" reserve 256M
check "rhel second run: nothing to change" grep -q 'nothing to change' "$SCRATCH/out"

tree rhel-grubenv-symlink-esp
run --root "$T" reserve 256M
check "symlinked grubenv: exits 0" [ "$code" = 0 ]
check "symlink stays a symlink" [ "$(readlink "$T/boot/grub2/grubenv")" = ../efi/EFI/redhat/grubenv ]
check "ESP target edited, 1024 bytes" [ "$(grep -ac 'crashkernel=256M' "$T/boot/efi/EFI/redhat/grubenv"):$(stat -c %s "$T/boot/efi/EFI/redhat/grubenv")" = 1:1024 ]
run --root "$T" remove
check "symlinked grubenv: remove" [ "$code" = 0 ]
check "symlinked grubenv: crashkernel= gone" [ "$(grep -ac 'crashkernel=' "$T/boot/efi/EFI/redhat/grubenv")" = 0 ]

tree ostree-refused
run --root "$T" reserve 256M
check "ostree exits 3" [ "$code" = 3 ]
check "ostree names rpm-ostree kargs" grep -q 'rpm-ostree kargs --append=crashkernel=256M' "$SCRATCH/err"
check "ostree tree untouched" diff -r "$T" "$T.orig"

tree rhel-grubenv-1025-bytes
run --root "$T" reserve 256M
check "1025-byte grubenv refused" [ "$code" != 0 ]
check "names the size" grep -q 'exactly 1024 bytes; this file has 1025' "$SCRATCH/err"
check "1025 tree untouched" diff -r "$T" "$T.orig"

tree fedora39
printf 'title x\noptions ro\rquiet\nlinux /v\n' >"$T/boot/loader/entries/zz.conf"
cp "$T/boot/loader/entries/zz.conf" "$T.orig/boot/loader/entries/zz.conf"
run --root "$T" reserve 256M
check "lone CR refused with exit 2" [ "$code" = 2 ]
check "lone CR file:line:column" grep -q '/boot/loader/entries/zz.conf:2:11:' "$SCRATCH/err"
check "CR tree untouched" diff -r "$T" "$T.orig"

finish
