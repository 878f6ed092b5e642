#!/usr/bin/env bash
# kernel-install/95-kdump-setup.install (refresh, then the admin's value into a new BLS
# entry; tests/cli/refresh.sh covers the refresh part) under Debian 12's real kernel-install (systemd
# 252, a shell script) into a scratch tree: BOOT_ROOT, KERNEL_INSTALL_CONF_ROOT and
# MACHINE_ID (252 takes these three from the environment) keep it off the host's /boot
# and /etc; KERNEL_INSTALL_PLUGINS runs only systemd's own 90-loaderentry.install
# (which writes the new entry) and the plugin. Then the plugin alone with the arguments kernel-install passes, on trees where
# kdump-setup must refuse or fail: the kernel install must still succeed.
source "$(dirname "$0")/lib.sh"
SRC=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PLUGIN=$SRC/kernel-install/95-kdump-setup.install
LOADERENTRY=/usr/lib/kernel/install.d/90-loaderentry.install
MID=0123456789abcdef0123456789abcdef
KVER=6.1.0-99-amd64

check "plugin is executable" [ -x "$PLUGIN" ]
out=$(sh -n "$PLUGIN" 2>&1); code=$?
check "plugin is POSIX sh (sh -n)" [ "$code" = 0 ]

# kernel_install TREE ARGS...: the real kernel-install, confined to TREE.
kernel_install() {
  local tree=$1; shift
  BOOT_ROOT=$tree/boot KERNEL_INSTALL_CONF_ROOT=$tree/etc/kernel MACHINE_ID=$MID \
    KERNEL_INSTALL_PLUGINS="$LOADERENTRY $PLUGIN" KDUMP_SETUP=$BIN KDUMP_SETUP_ROOT=$tree \
    kernel-install -v "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
  code=$?
  out=$(cat "$SCRATCH/out") err=$(cat "$SCRATCH/err")
}

# A BLS tree (Fedora style): an entry of an older kernel has crashkernel=, and
# /etc/kernel/cmdline (from which 90-loaderentry copies options) does not.
bls=$SCRATCH/bls
mkdir -p "$bls/boot/loader/entries" "$bls/etc/kernel" "$bls/etc/default" "$bls/boot/grub2" "$bls/proc"
printf 'layout=bls\n' >"$bls/etc/kernel/install.conf"
printf 'root=/dev/vda2 ro quiet' >"$bls/etc/kernel/cmdline"
printf 'GRUB_CMDLINE_LINUX="crashkernel=512M quiet"\nGRUB_ENABLE_BLSCFG=true\n' >"$bls/etc/default/grub"
: >"$bls/boot/grub2/grub.cfg"
printf 'title Old\nversion 6.1.0-1-amd64\noptions root=/dev/vda2 ro crashkernel=512M quiet\nlinux /vmlinuz-6.1.0-1-amd64\n' \
  >"$bls/boot/loader/entries/$MID-6.1.0-1-amd64.conf"
printf 'root=/dev/vda2 ro crashkernel=512M quiet\n' >"$bls/proc/cmdline"
printf 'MZ fake kernel image\n' >"$SCRATCH/vmlinuz"

if command -v kernel-install >/dev/null && [ -x "$LOADERENTRY" ]; then
  kernel_install "$bls" add "$KVER" "$SCRATCH/vmlinuz"
  check "kernel-install add succeeds with the plugin" [ "$code" = 0 ]
  entry=$bls/boot/loader/entries/$MID-$KVER.conf
  check "90-loaderentry wrote the new entry" [ -f "$entry" ]
  check "kernel-install ran the plugin with add KVER ENTRY_DIR IMAGE" \
    grep -qF "+$PLUGIN add $KVER $bls/boot/$MID/$KVER $SCRATCH/vmlinuz" "$SCRATCH/out"
  check "nothing went to the host's /boot" [ ! -e "/boot/$MID" ]
  # Does this build's kdump-setup handle the tree (the bls backend)? Then the new
  # entry must carry the configured value; until then the plugin must stay harmless.
  "$BIN" --root "$bls" --json reserve 256M --if-unset --dry-run >"$SCRATCH/probe" 2>/dev/null
  code=$? validate_json "$SCRATCH/probe" "reserve --if-unset probe"
  if grep -q '"kept_existing": true' "$SCRATCH/probe"; then
    check "the new entry got crashkernel=512M" grep -q '^options .*crashkernel=512M' "$entry"
    check "the old entry is unchanged" grep -qx 'options root=/dev/vda2 ro crashkernel=512M quiet' \
      "$bls/boot/loader/entries/$MID-6.1.0-1-amd64.conf"
  else
    echo "note: this build has no backend for the BLS tree; checked only that the plugin is harmless"
    check "plugin said why it did nothing" grep -q 'kdump-setup plugin: cannot read the configuration' "$SCRATCH/out"
    out=$(cat "$entry")
    check "the new entry is what 90-loaderentry wrote" grep -qx "options    root=/dev/vda2 ro quiet systemd.machine_id=$MID" "$entry"
  fi
  kernel_install "$bls" remove "$KVER"
  check "kernel-install remove succeeds" [ "$code" = 0 ]
  check "remove took the entry away" [ ! -e "$entry" ]
else
  echo "skip: kernel-install (package systemd) is not installed"
fi

# The plugin alone, as kernel-install calls it: add KVER ENTRY_DIR IMAGE.
plugin() {
  KERNEL_INSTALL_VERBOSE=1 KDUMP_SETUP=$BIN "$PLUGIN" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
  code=$?
  out=$(cat "$SCRATCH/out") err=$(cat "$SCRATCH/err")
}
grub=$SCRATCH/grub
cp -a "$SRC/examples/debian12-grub" "$grub"
sed -i 's/^GRUB_CMDLINE_LINUX=""/GRUB_CMDLINE_LINUX="crashkernel=384M"/' "$grub/etc/default/grub"
before=$(cd "$grub" && find . -type f -exec sha256sum {} + | sort)
after() { (cd "$grub" && find . -type f -exec sha256sum {} + | sort); }

KDUMP_SETUP_ROOT=$grub KERNEL_INSTALL_LAYOUT=bls plugin add "$KVER" "$grub/boot/x/$KVER" "$SCRATCH/vmlinuz"
check "grub2 refuses one kernel: the plugin still exits 0" [ "$code" = 0 ]
check "and warns with the command to run" grep -q "warning: could not add crashkernel=384M to the entry of $KVER" "$SCRATCH/err"
check "and changes nothing" [ "$(after)" = "$before" ]

KDUMP_SETUP_ROOT=$grub KERNEL_INSTALL_LAYOUT=other plugin add "$KVER" "$grub/boot/x/$KVER" "$SCRATCH/vmlinuz"
# Any layout: refresh runs (here: no record, so nothing to do); the admin's value is
# copied into a new entry only with the bls layout.
check "layout other: exit 0" [ "$code" = 0 ] && check "layout other: refresh ran, said no-state" grep -q 'refresh: no-state' "$SCRATCH/out"
check "layout other: no copy of the admin's value" bash -c '! grep -q "giving" "$1"' _ "$SCRATCH/out"

sed -i 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX=""/' "$grub/etc/default/grub"
before=$(after)
KDUMP_SETUP_ROOT=$grub KERNEL_INSTALL_LAYOUT=bls plugin add "$KVER" "$grub/boot/x/$KVER" "$SCRATCH/vmlinuz"
check "nothing configured: exit 0" [ "$code" = 0 ]
check "nothing configured: says so" grep -q 'no crashkernel= configured' "$SCRATCH/out"
check "nothing configured: nothing added" [ "$(after)" = "$before" ]

# The "uki" layout: a UKI already has kdump-setup's add-on; the new kernel's UKI (here
# a second image, version 6.9.0 in its .uname) gets its own copy, the first keeps its
# bytes; remove then deletes both, and the tree is what it was before the add-ons.
uki=$SCRATCH/uki
cp -a "$SRC/golden/systemd-boot/uki-arch-mkinitcpio-default/root" "$uki"
ukibefore=$(cd "$uki" && find . -type f -exec sha256sum {} + | sort)
"$BIN" --root "$uki" -q reserve 256M >/dev/null 2>&1
check "uki: reserve 256M installs the first add-on" [ -f "$uki/efi/EFI/Linux/arch-linux.efi.extra.d/kdump-setup-crashkernel.addon.efi" ]
first=$(sha256sum <"$uki/efi/EFI/Linux/arch-linux.efi.extra.d/kdump-setup-crashkernel.addon.efi")
cp "$SRC/golden/systemd-boot/uki-and-entries/root/boot/EFI/Linux/linux-6.9.efi" "$uki/efi/EFI/Linux/linux-6.9.0.efi"
KDUMP_SETUP_ROOT=$uki KERNEL_INSTALL_LAYOUT=uki plugin add 6.9.0 "$uki/efi/x/6.9.0" "$SCRATCH/vmlinuz"
check "uki: plugin exits 0" [ "$code" = 0 ]
check "uki: plugin gave 6.9.0 the value" grep -q 'giving 6.9.0 crashkernel=256M' "$SCRATCH/out"
check "uki: the new UKI has its add-on" [ -f "$uki/efi/EFI/Linux/linux-6.9.0.efi.extra.d/kdump-setup-crashkernel.addon.efi" ]
check "uki: the first add-on is unchanged" [ "$(sha256sum <"$uki/efi/EFI/Linux/arch-linux.efi.extra.d/kdump-setup-crashkernel.addon.efi")" = "$first" ]
out=$("$BIN" --root "$uki" --json status 2>/dev/null)
check "uki: status sees crashkernel=256M on both UKIs" [ "$(grep -c 'crashkernel=256M\|"256M"' <<<"$out")" -ge 1 ]
"$BIN" --root "$uki" -q remove --kernel all >/dev/null 2>&1
rm -f "$uki/efi/EFI/Linux/linux-6.9.0.efi"
check "uki: remove gives the tree back (no add-on, no .extra.d/)" [ "$(cd "$uki" && find . -type f -exec sha256sum {} + | sort)" = "$ukibefore" ] && check "uki: no directory left" [ -z "$(find "$uki/efi/EFI/Linux" -name '*.extra.d')" ]

# "remove" under the real kernel-install: the new kernel's UKI is named as
# 90-uki-copy.install names it (ENTRY_TOKEN-VERSION.efi); UKICOPY stands in for the
# "remove" step of systemd 253-256's 90-uki-copy.install (Debian 12's 252 has none),
# which deletes the image and leaves its .extra.d/. The plugin then deletes
# kdump-setup's add-on there and the directory kdump-setup created, and the record
# forgets both; the other UKI keeps its add-on. A .extra.d/ that was there before (with
# another file) keeps that file and stays. Then remove gives the whole tree back.
tree_sum() { (cd "$1" && find . -printf '%p %y\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum; }
UKICOPY=$SCRATCH/90-uki-copy.install
printf '#!/bin/sh\n[ "$1" = remove ] || exit 0\nexec rm -f "$KERNEL_INSTALL_BOOT_ROOT/EFI/Linux/$KERNEL_INSTALL_ENTRY_TOKEN-$2.efi" "$KERNEL_INSTALL_BOOT_ROOT/EFI/Linux/$KERNEL_INSTALL_ENTRY_TOKEN-$2+"*.efi\n' >"$UKICOPY"
chmod +x "$UKICOPY"
mkdir -p "$SCRATCH/kconf"
for other in no yes; do
  u=$SCRATCH/uki-rm-$other
  cp -a "$SRC/golden/systemd-boot/uki-arch-mkinitcpio-default/root" "$u"
  treebefore=$(tree_sum "$u")
  "$BIN" --root "$u" -q reserve 256M >/dev/null 2>&1
  first=$(sha256sum <"$u/efi/EFI/Linux/arch-linux.efi.extra.d/kdump-setup-crashkernel.addon.efi")
  new=$u/efi/EFI/Linux/$MID-6.9.0.efi
  cp "$SRC/golden/systemd-boot/uki-and-entries/root/boot/EFI/Linux/linux-6.9.efi" "$new"
  [ "$other" = yes ] && mkdir "$new.extra.d" && printf 'not an add-on\n' >"$new.extra.d/README"
  KDUMP_SETUP_ROOT=$u KERNEL_INSTALL_LAYOUT=uki plugin add 6.9.0 "$u/efi/x/6.9.0" "$SCRATCH/vmlinuz"
  check "uki remove ($other dir before): the new UKI got its add-on" [ -f "$new.extra.d/kdump-setup-crashkernel.addon.efi" ]
  if [ "$other" = no ]; then
    check "uki remove: its .extra.d/ recorded as created" grep -q "\"/efi/EFI/Linux/$MID-6.9.0.efi.extra.d\"" "$u/var/lib/kdump-setup/state.toml"
  else
    check "uki remove (dir before): its .extra.d/ not recorded as created" bash -c '! grep -q "6.9.0.efi.extra.d\"" "$1"' _ "$u/var/lib/kdump-setup/state.toml"
  fi
  BOOT_ROOT=$u/efi KERNEL_INSTALL_CONF_ROOT=$SCRATCH/kconf MACHINE_ID=$MID \
    KERNEL_INSTALL_PLUGINS="$UKICOPY $PLUGIN" KDUMP_SETUP=$BIN KDUMP_SETUP_ROOT=$u \
    kernel-install -v remove 6.9.0 >"$SCRATCH/out" 2>"$SCRATCH/err"
  code=$?
  check "uki remove ($other): kernel-install remove exit 0" [ "$code" = 0 ]
  check "uki remove ($other): the UKI is gone (90-uki-copy)" [ ! -e "$new" ]
  check "uki remove ($other): the plugin removed kdump-setup's add-on" [ ! -e "$new.extra.d/kdump-setup-crashkernel.addon.efi" ]
  check "uki remove ($other): the plugin said so" grep -q "removed what kdump-setup wrote for 6.9.0" "$SCRATCH/out"
  check "uki remove ($other): the record no longer names that kernel's files" bash -c '! grep -q "6.9.0" "$1"' _ "$u/var/lib/kdump-setup/state.toml"
  check "uki remove ($other): the record stays for the other UKI" grep -qx 'value = "256M"' "$u/var/lib/kdump-setup/state.toml"
  check "uki remove ($other): the other UKI's add-on is unchanged" [ "$(sha256sum <"$u/efi/EFI/Linux/arch-linux.efi.extra.d/kdump-setup-crashkernel.addon.efi")" = "$first" ]
  if [ "$other" = no ]; then
    check "uki remove: the .extra.d/ kdump-setup created is gone" [ ! -e "$new.extra.d" ]
    "$BIN" --root "$u" -q remove >/dev/null 2>&1
    check "uki remove, then remove: the tree is the original (directories too)" [ "$(tree_sum "$u")" = "$treebefore" ]
  else
    check "uki remove (dir before): the directory and its README stay" [ "$(cat "$new.extra.d/README")" = "not an add-on" ]
    check "uki remove (dir before): nothing else in it" [ "$(ls -A "$new.extra.d")" = README ]
  fi
done
# A kernel kdump-setup has nothing of: exit 0, nothing changed.
u=$SCRATCH/uki-rm-no
before=$(tree_sum "$u")
KDUMP_SETUP_ROOT=$u plugin remove 7.0.0 "$u/efi/x/7.0.0"
check "remove of an unknown kernel: exit 0" [ "$code" = 0 ]
check "remove of an unknown kernel: says nothing to do" grep -q "nothing for 7.0.0" "$SCRATCH/out"
check "remove of an unknown kernel: nothing changed" [ "$(tree_sum "$u")" = "$before" ]

KDUMP_SETUP_ROOT=$SCRATCH/missing plugin add "$KVER" /x "$SCRATCH/vmlinuz"
check "a root kdump-setup cannot open: exit 0" [ "$code" = 0 ]
KDUMP_SETUP=/nonexistent/kdump-setup "$PLUGIN" add "$KVER" /x "$SCRATCH/vmlinuz"; code=$?
check "kdump-setup not installed: exit 0" [ "$code" = 0 ]
plugin remove "$KVER" /x
check "remove: exit 0, nothing to do" [ "$code" = 0 ]
finish
