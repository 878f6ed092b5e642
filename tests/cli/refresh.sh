#!/usr/bin/env bash
# Ownership and `refresh` (kdump-setup(8), docs/contract.md §10) on fake roots:
#   - reserve auto records the value as kdump-setup's (/var/lib/kdump-setup/state.toml,
#     written in the same plan as the boot file); refresh recomputes it from today's
#     facts and writes it only when it changed (a new capture initramfs appears);
#   - an explicit reserve VALUE makes it the admin's, remove forgets it, a hand edit
#     makes it the admin's: refresh then changes nothing and says why;
#   - a corrupt state file is refused (exit 2, FILE:LINE:COLUMN), nothing changed;
#   - the write gate warns above a quarter of RAM and below the policy's minimum RAM;
#   - the kernel-install plugin under Debian 12's real kernel-install, and the Debian
#     /etc/kernel/postinst.d hook under run-parts as the kernel packages call it.
#   tests/cli/refresh.sh KDUMP_SETUP_BINARY
source "$(dirname "$0")/lib.sh"
SRC=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
STATE=var/lib/kdump-setup/state.toml
t=$SCRATCH/root

fresh() {  # Debian 12 + GRUB, running kernel 6.1.0-28-amd64 (proc/sys/kernel/osrelease)
  rm -rf "$t"; cp -a "$SRC/examples/debian12-grub" "$t"
}
tree_sum() {
  (cd "$1" && find . -printf '%p %y %m %s %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum
}
grub_value() { sed -n 's/^GRUB_CMDLINE_LINUX="crashkernel=\([^ "]*\).*/\1/p' "$t/etc/default/grub"; }
state_value() { sed -n 's/^value = "\(.*\)"$/\1/p' "$t/$STATE"; }
state_key() { sed -n "s/^$1 = \"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" "$t/$STATE"; }
reason() { json "j['refresh']['reason']"; }
# initramfs NAME BYTES: a capture initramfs kdump-tools would have built (not compressed:
# its unpacked size is then assumed, the same way every run)
initramfs() { mkdir -p "$t/var/lib/kdump"; head -c "$2" /dev/zero >"$t/var/lib/kdump/$1"; }

# --- reserve auto records ownership, in the same plan -----------------------------------
fresh
run --root "$t" reserve auto --dry-run
check "dry run shows the state file's diff" grep -q '^+++ b/var/lib/kdump-setup/state.toml' <<<"$out"
check "dry run writes no state file" [ ! -e "$t/$STATE" ]
run --root "$t" --json reserve auto
check "reserve auto: exit 0" [ "$code" = 0 ]
check "reserve auto: the state file is one of the plan's files" \
  [ "$(json "[f['path'] for f in j['files'] if f['changed']]")" = "['/etc/default/grub', '/var/lib/kdump-setup/state.toml']" ]
first=$(grub_value)
check "state: owner auto" [ "$(state_key owner)" = auto ]
check "state: schema 2 (it records a directory)" grep -qx 'schema = 2' "$t/$STATE"
check "state: the state file's own directory, made by it, recorded" grep -q '^created_directories = \[.*"/var/lib/kdump-setup"\]$' "$t/$STATE"
check "state: the value written" [ "$(state_value)" = "$first" ]
check "state: backend and where" grep -qx 'files = \["/etc/default/grub"\]' "$t/$STATE"
check "state: the inputs (policy, RAM, kernel release)" \
  [ "$(state_key policy) $(state_key kernel_release)" = "estimate 6.1.0-99-amd64" ]
check "state: no capture initramfs found (assumed)" [ "$(state_key capture_initramfs)" = "" ]

# --- refresh: nothing changed --------------------------------------------------------------
before=$(tree_sum "$t")
run --root "$t" --json refresh
check "refresh unchanged: exit 0" [ "$code" = 0 ]
check "refresh unchanged: reason unchanged" [ "$(reason)" = unchanged ]
check "refresh unchanged: verb refresh" [ "$(json "j['verb']")" = refresh ]
check "refresh unchanged: nothing written" [ "$(tree_sum "$t")" = "$before" ]

# --- a new capture initramfs appears: the value changes -------------------------------------
initramfs initrd.img-6.1.0-99-amd64 3000000
before=$(tree_sum "$t")
run --root "$t" --json refresh --dry-run
check "refresh --dry-run: reason updated" [ "$(reason)" = updated ]
check "refresh --dry-run: would change, changed nothing" \
  [ "$(json "j['would_change'] and not j['changed']")" = True ] && check "refresh --dry-run: tree as before" [ "$(tree_sum "$t")" = "$before" ]
run --root "$t" refresh
check "refresh: exit 0" [ "$code" = 0 ]
check "refresh: says what changed" grep -q "refresh: today's facts give crashkernel=.* instead of crashkernel=$first" <<<"$out"
second=$(grub_value)
check "refresh: the GRUB value changed" [ -n "$second" ] && check "refresh: to another value" [ "$second" != "$first" ]
check "refresh: the state records the new value" [ "$(state_value)" = "$second" ]
check "refresh: the state records the capture initramfs (inside the root)" \
  [ "$(state_key capture_initramfs) $(state_key capture_initramfs_bytes)" = "/var/lib/kdump/initrd.img-6.1.0-99-amd64 3000000" ]
run --root "$t" --json refresh
check "refresh again: unchanged" [ "$(reason)" = unchanged ]

# --- the admin's explicit value: nothing changes ----------------------------------------------
run --root "$t" reserve 512M -q
check "reserve 512M: exit 0" [ "$code" = 0 ]
check "reserve 512M: the state says admin" [ "$(state_key owner) $(state_value)" = "admin 512M" ]
initramfs initrd.img-6.1.0-99-amd64 9000000
before=$(tree_sum "$t")
run --root "$t" --json refresh
check "refresh after reserve VALUE: exit 0" [ "$code" = 0 ]
check "refresh after reserve VALUE: not-owned" [ "$(reason)" = not-owned ]
check "refresh after reserve VALUE: nothing changed" [ "$(tree_sum "$t")" = "$before" ]
run --root "$t" refresh
check "refresh after reserve VALUE: says it is the admin's" grep -q "it is the admin's, nothing to do" <<<"$out"

# --- remove: nothing comes back ----------------------------------------------------------------
run --root "$t" reserve auto -q
run --root "$t" remove -q
check "remove: exit 0" [ "$code" = 0 ]
check "remove: the state file is deleted" [ ! -e "$t/$STATE" ]
check "remove: no crashkernel= left" bash -c '! grep -q crashkernel= "$1"' _ "$t/etc/default/grub"
initramfs initrd.img-6.1.0-99-amd64 4000000
before=$(tree_sum "$t")
run --root "$t" --json refresh
check "refresh after remove: exit 0, no-state" [ "$code $(reason)" = "0 no-state" ]
check "refresh after remove: nothing comes back" [ "$(tree_sum "$t")" = "$before" ]

# --- a hand edit: the admin's now -----------------------------------------------------------------
run --root "$t" reserve auto -q
sed -i 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX="crashkernel=768M"/' "$t/etc/default/grub"
initramfs initrd.img-6.1.0-99-amd64 12000000
before=$(tree_sum "$t")
run --root "$t" --json refresh
check "refresh after a hand edit: exit 0, admin-edited" [ "$code $(reason)" = "0 admin-edited" ]
check "refresh after a hand edit: names the file and the value" \
  grep -q "/etc/default/grub (GRUB_CMDLINE_LINUX) says crashkernel=768M" <<<"$(json "j['refresh']['message']")"
check "refresh after a hand edit: nothing changed" [ "$(tree_sum "$t")" = "$before" ]
sed -i 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX=""/' "$t/etc/default/grub"
run --root "$t" --json refresh
check "refresh after crashkernel= was deleted by hand: admin-edited" [ "$(reason)" = admin-edited ]

# --- a corrupt state file: refused, nothing changed, exit 2 -------------------------------------
fresh
run --root "$t" reserve auto -q
printf 'schema = 1\nowner = "auto"\nvalue = "1G-:256M\n' >"$t/$STATE"
initramfs initrd.img-6.1.0-99-amd64 5000000
before=$(tree_sum "$t")
run --root "$t" refresh
check "corrupt state: exit 2" [ "$code" = 2 ]
check "corrupt state: FILE:LINE:COLUMN" grep -q "state.toml:3:18: " <<<"$err"
check "corrupt state: nothing changed" [ "$(tree_sum "$t")" = "$before" ]
run --root "$t" --json refresh
check "corrupt state (json): exit 2, error line 3" [ "$code $(json "j['error']['line']")" = "2 3" ]
printf 'schema = 1\nowner = "someone"\nvalue = "256M"\n' >"$t/$STATE"
before=$(tree_sum "$t")
for verb in "refresh" "reserve auto" "reserve 256M" "remove"; do
  run --root "$t" $verb
  check "unknown owner: $verb exits 2 naming state.toml:2:" [ "$code" = 2 ] && check "unknown owner: $verb says where" grep -q "state.toml:2:" <<<"$err"
done
check "unknown owner: nothing changed by any verb" [ "$(tree_sum "$t")" = "$before" ]
printf 'schema = 3\nowner = "auto"\nvalue = "256M"\n' >"$t/$STATE"
run --root "$t" refresh
check "newer schema: exit 2, says so" [ "$code" = 2 ] && check "newer schema: message" grep -q "schema 3 is newer" <<<"$err"

# --- the write gate's warnings ----------------------------------------------------------------------
fresh
run --root "$t" reserve 20G --memory 64G --arch x86_64 --dry-run
check "more than a quarter of RAM: warned" grep -q "more than a quarter of the 64 GiB of RAM" <<<"$err"
run --root "$t" reserve 1G --memory 64G --arch x86_64 --dry-run
check "a small value: no quarter warning" bash -c '! grep -q "quarter" <<<"$1"' _ "$err"
run --root "$t" reserve 200M --memory 768M --arch x86_64 --dry-run
check "below the policy's minimum: not recommended" \
  grep -q "kdump is not recommended on this machine: its 768 MiB of RAM is below the estimate policy's minimum of 1 GiB" <<<"$err"
run --root "$t" --json reserve 200M --memory 768M --arch x86_64 --dry-run
check "below the minimum (json): in gate.warnings" \
  [ "$(json "any('not recommended' in w for w in j['gate']['warnings'])")" = True ]
# The sizing note says what was assumed and why in one sentence, and names only what
# exists: no capture initramfs and no kdump package here, so RHEL 7's rule.
run --root "$t" reserve auto --dry-run
check "assumed note: what and why" grep -q "no capture initramfs exists and no kdump package is installed (no kdump-tools, kdumpctl, mkdumprd, /etc/kdump.conf or /etc/sysconfig/kdump), so nothing tells which image the capture kernel will load: sized with RHEL 7's rule, 160 MiB + 64 MiB per TiB of RAM" <<<"$out"
check "assumed note: names a verb that exists" grep -q '`kdump-setup recommend` tells why' <<<"$out"
run --root "$t" reserve auto --dry-run --capture-initramfs /boot/initrd.img-6.1.0-99-amd64
check "--capture-initramfs exists on reserve" [ "$code" = 0 ]

# --- the kernel-install plugin under the real kernel-install ------------------------------------------
PLUGIN=$SRC/kernel-install/95-kdump-setup.install
LOADERENTRY=/usr/lib/kernel/install.d/90-loaderentry.install
MID=0123456789abcdef0123456789abcdef
OLD=6.1.0-1-amd64 KVER=6.1.0-99-amd64
bls=$SCRATCH/bls
mk_bls() {  # Fedora-style BLS tree with GRUB blscfg; the running kernel is $OLD
  rm -rf "$bls"
  mkdir -p "$bls/boot/loader/entries" "$bls/etc/kernel" "$bls/etc/default" "$bls/boot/grub2" "$bls/proc/sys/kernel"
  cp "$SRC/examples/debian12-grub/proc/iomem" "$bls/proc/iomem"
  cp "$SRC/examples/debian12-grub/proc/sys/kernel/arch" "$bls/proc/sys/kernel/arch"
  echo "$OLD" >"$bls/proc/sys/kernel/osrelease"
  printf 'layout=bls\n' >"$bls/etc/kernel/install.conf"
  printf 'root=/dev/vda2 ro quiet' >"$bls/etc/kernel/cmdline"
  printf 'GRUB_CMDLINE_LINUX="quiet"\nGRUB_ENABLE_BLSCFG=true\n' >"$bls/etc/default/grub"
  : >"$bls/boot/grub2/grub.cfg"
  printf 'title Old\nversion %s\noptions root=/dev/vda2 ro quiet\nlinux /vmlinuz-%s\n' "$OLD" "$OLD" \
    >"$bls/boot/loader/entries/$MID-$OLD.conf"
  printf 'root=/dev/vda2 ro quiet\n' >"$bls/proc/cmdline"
}
kernel_install() {  # the real kernel-install (systemd 252), confined to $bls
  BOOT_ROOT=$bls/boot KERNEL_INSTALL_CONF_ROOT=$bls/etc/kernel MACHINE_ID=$MID \
    KERNEL_INSTALL_PLUGINS="$LOADERENTRY $PLUGIN" KDUMP_SETUP=$BIN KDUMP_SETUP_ROOT=$bls \
    kernel-install -v "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
  code=$?
  out=$(cat "$SCRATCH/out") err=$(cat "$SCRATCH/err")
}
printf 'MZ fake kernel image\n' >"$SCRATCH/vmlinuz"
if command -v kernel-install >/dev/null && [ -x "$LOADERENTRY" ] && command -v jq >/dev/null; then
  mk_bls
  run --root "$bls" --json reserve auto
  check "bls: reserve auto exit 0" [ "$code" = 0 ]
  check "bls: backend bls" [ "$(json "j['backend']")" = bls ]
  old_value=$(sed -n 's/^value = "\(.*\)"$/\1/p' "$bls/$STATE")
  # The new kernel's capture initramfs, where kdumpctl builds it.
  head -c 6000000 /dev/zero >"$bls/boot/initramfs-${KVER}kdump.img"
  kernel_install add "$KVER" "$SCRATCH/vmlinuz"
  check "kernel-install add: exit 0" [ "$code" = 0 ]
  check "kernel-install ran the plugin" grep -qF "+$PLUGIN add $KVER" "$SCRATCH/out"
  check "plugin: refresh updated" grep -q "kdump-setup plugin: refresh: updated" "$SCRATCH/out"
  new_value=$(sed -n 's/^value = "\(.*\)"$/\1/p' "$bls/$STATE")
  check "plugin: the recorded value changed" [ -n "$new_value" ] && check "plugin: to a new value" [ "$new_value" != "$old_value" ]
  entry=$bls/boot/loader/entries/$MID-$KVER.conf
  check "plugin: the new entry has the new value" grep -qF "crashkernel=$new_value" "$entry"
  check "plugin: the old entry has the new value" grep -qF "crashkernel=$new_value" "$bls/boot/loader/entries/$MID-$OLD.conf"
  check "plugin: the state records the new kernel and its initramfs" \
    grep -qx "capture_initramfs = \"/boot/initramfs-${KVER}kdump.img\"" "$bls/$STATE"
  check "plugin: kernel release $KVER recorded" grep -qx "kernel_release = \"$KVER\"" "$bls/$STATE"
  kernel_install remove "$KVER"
  check "kernel-install remove: exit 0" [ "$code" = 0 ]

  # The admin's value: refresh does nothing; the new entry still gets the configured value.
  mk_bls
  run --root "$bls" reserve 448M -q
  rm -f "$bls/$STATE"   # and no record at all (no-state), as on a system set up by hand
  printf 'root=/dev/vda2 ro quiet' >"$bls/etc/kernel/cmdline"
  kernel_install add "$KVER" "$SCRATCH/vmlinuz"
  check "admin value: kernel-install exit 0" [ "$code" = 0 ]
  check "admin value: refresh said no-state" grep -q "kdump-setup plugin: refresh: no-state" "$SCRATCH/out"
  check "admin value: the new entry got crashkernel=448M" grep -q '^options .*crashkernel=448M' "$bls/boot/loader/entries/$MID-$KVER.conf"
  check "admin value: no state file appeared" [ ! -e "$bls/$STATE" ]
else
  echo "skip: kernel-install (systemd), its 90-loaderentry.install or jq is missing"
fi

# --- the Debian postinst.d hook under run-parts ------------------------------------------------------
HOOK=$SRC/debian/hooks/zy-kdump-setup
out=$(sh -n "$HOOK" 2>&1); code=$?
check "hook is POSIX sh (sh -n)" [ "$code" = 0 ]
check "hook is executable" [ -x "$HOOK" ]
check "debian/install ships it into /etc/kernel/postinst.d" grep -qx 'debian/hooks/zy-kdump-setup etc/kernel/postinst.d' "$SRC/debian/install"
fresh
mkdir -p "$t/etc/kernel/postinst.d"
cp "$HOOK" "$t/etc/kernel/postinst.d/"
# A stand-in for kdump-tools' hook (same name; the real one runs mkinitramfs): it builds
# the capture initramfs of the new kernel where kdump-tools does.
cat >"$t/etc/kernel/postinst.d/kdump-tools" <<'EOF'
#!/bin/sh
mkdir -p "$KDUMP_SETUP_ROOT/var/lib/kdump"
head -c 7000000 /dev/zero >"$KDUMP_SETUP_ROOT/var/lib/kdump/initrd.img-$1"
echo "kdump-tools: Generating /var/lib/kdump/initrd.img-$1"
EOF
printf '#!/bin/sh\necho "zz-update-grub ran"\n' >"$t/etc/kernel/postinst.d/zz-update-grub"
chmod +x "$t/etc/kernel/postinst.d/"*
order=$(run-parts --test --arg=x "$t/etc/kernel/postinst.d" | xargs -n1 basename | tr '\n' ' ')
out=$order code=0 err=
check "run-parts order: kdump-tools, then zy-kdump-setup, then zz-update-grub" [ "$order" = "kdump-tools zy-kdump-setup zz-update-grub " ]
run --root "$t" reserve auto -q
first=$(grub_value)
NEW=6.1.0-30-amd64
mkdir -p "$t/lib/modules/$NEW"
KDUMP_SETUP=$BIN KDUMP_SETUP_ROOT=$t run-parts --report --exit-on-error --arg="$NEW" --arg="/boot/vmlinuz-$NEW" \
  "$t/etc/kernel/postinst.d" >"$SCRATCH/out" 2>"$SCRATCH/err"
code=$? out=$(cat "$SCRATCH/out") err=$(cat "$SCRATCH/err")
check "run-parts: exit 0" [ "$code" = 0 ]
check "hook: refreshed for the new kernel's capture initramfs" [ "$(grub_value)" != "$first" ]
check "hook: the state records $NEW" grep -qx "kernel_release = \"$NEW\"" "$t/$STATE"
check "hook: --no-update before zz-update-grub" grep -q "not run (--no-update): /usr/sbin/update-grub" <<<"$out"
before=$(tree_sum "$t")
DEB_MAINT_PARAMS="abort-configure" KDUMP_SETUP=$BIN KDUMP_SETUP_ROOT=$t "$HOOK" "$NEW" "/boot/vmlinuz-$NEW" >"$SCRATCH/out" 2>&1
code=$?
check "hook: not on abort-configure" [ "$code" = 0 ] && check "hook: nothing printed or changed" [ -z "$(cat "$SCRATCH/out")" ] && [ "$(tree_sum "$t")" = "$before" ]
printf 'schema = 1\nowner = "auto\n' >"$t/$STATE"
KDUMP_SETUP=$BIN KDUMP_SETUP_ROOT=$t "$HOOK" "$NEW" "/boot/vmlinuz-$NEW" >"$SCRATCH/out" 2>"$SCRATCH/err"
code=$? out=$(cat "$SCRATCH/out") err=$(cat "$SCRATCH/err")
check "hook: a failing refresh still exits 0" [ "$code" = 0 ]
check "hook: and warns with the command" grep -q "W: kdump-setup: refresh failed (exit 2); run: kdump-setup refresh --kernel-release $NEW" <<<"$err"
finish
