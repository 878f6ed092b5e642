#!/usr/bin/env bash
# Builds the Debian package (dpkg-buildpackage -us -uc -b, debian/), then installs it
# with the real dpkg into scratch roots (`dpkg --root DIR --force-script-chrootless`:
# dpkg runs the maintainer scripts on this machine with DPKG_ROOT=DIR instead of in a
# chroot, which a bare tree could not offer), and checks what postinst and postrm did:
#   - a Debian 12 GRUB tree without crashkernel=: postinst reserved the sized value;
#   - the same tree with an administrator's value: nothing changed (--if-unset);
#   - a tree without a boot loader (a container): the install still succeeds;
#   - reinstall (upgrade path): postinst does nothing; remove and purge: boot files kept.
# Building recompiles the project (about 4-5 minutes on 2 cores, less with a warm
# ccache). KDUMP_SKIP_PKG=1 skips this test.
#   tests/pkg/deb.sh KDUMP_SETUP_BINARY
if [ "${KDUMP_SKIP_PKG:-0}" = 1 ]; then
  echo "skip: KDUMP_SKIP_PKG=1"
  exit 0
fi
source "$(dirname "$0")/../cli/lib.sh"
SRC=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

for tool in dpkg-buildpackage dh dpkg; do
  out= err="$tool is missing (scripts/packages.txt lists debhelper and dpkg-dev)" code=127
  check "$tool installed" command -v "$tool" >/dev/null
done
[ "$failed" = 0 ] || { finish; exit 1; }

# Build in a copy: dpkg-buildpackage writes its results into the parent directory.
mkdir -p "$SCRATCH/src"
tar -C "$SRC" --exclude=./.git --exclude='./build*' --exclude='./obj-*' --exclude=./debian/.debhelper \
  -cf - . | tar -C "$SCRATCH/src" -xf -
ccache_env=()
if command -v ccache >/dev/null; then
  ccache_env=(KDUMP_CCACHE=1 CCACHE_NOHASHDIR=1 CCACHE_BASEDIR="$SCRATCH/src")
fi
start=$SECONDS
(cd "$SCRATCH/src" && env "${ccache_env[@]}" DEB_BUILD_OPTIONS="parallel=2 nocheck" \
  dpkg-buildpackage -us -uc -b) >"$SCRATCH/build.log" 2>&1
code=$?; out=$(tail -30 "$SCRATCH/build.log") err=
check "dpkg-buildpackage -us -uc -b succeeds" [ "$code" = 0 ]
echo "package build took $((SECONDS - start)) s"
deb=$(ls "$SCRATCH"/kdump-setup_*_*.deb 2>/dev/null | head -1)
check "a .deb was built" [ -f "$deb" ]
[ -f "$deb" ] || { finish; exit 1; }

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./||' >"$SCRATCH/contents"
for f in usr/sbin/kdump-setup usr/share/man/man8/kdump-setup.8.gz usr/share/man/man5/kdump-setup.toml.5.gz \
         usr/share/bash-completion/completions/kdump-setup usr/share/zsh/vendor-completions/_kdump-setup \
         usr/share/fish/vendor_completions.d/kdump-setup.fish usr/lib/kernel/install.d/95-kdump-setup.install \
         usr/share/doc/kdump-setup/kdump-setup.toml.example; do
  out=$(cat "$SCRATCH/contents")
  check "package has $f" grep -qxF "$f" "$SCRATCH/contents"
done
# In /etc only the kernel hook that runs `kdump-setup refresh` after kdump-tools' own
# (debian/hooks/zy-kdump-setup; tests/cli/refresh.sh runs it under run-parts).
check "package ships in /etc only the kernel hook" \
  [ "$(grep '^etc/.*[^/]$' "$SCRATCH/contents")" = "etc/kernel/postinst.d/zy-kdump-setup" ]
dpkg-deb -f "$deb" Depends >"$SCRATCH/depends"; out=$(cat "$SCRATCH/depends")
check "Depends on jq (the kernel-install plugin reads --json with it)" grep -qw jq "$SCRATCH/depends"
# The verify unit is installed, not enabled or started (debian/rules; the RPM's presets
# do the same).
check "package has the verify unit" grep -qE '^(usr/)?lib/systemd/system/kdump-setup-verify.service$' "$SCRATCH/contents"
dpkg-deb -e "$deb" "$SCRATCH/control"
out=$(cat "$SCRATCH/control/postinst")
check "postinst does not enable the verify unit" bash -c '! grep -q "deb-systemd-helper enable\|deb-systemd-invoke start" "$1"' _ "$SCRATCH/control/postinst"

new_root() {  # new_root DIR [TEMPLATE]: an empty dpkg database, plus the template tree
  mkdir -p "$1/var/lib/dpkg/info" "$1/var/lib/dpkg/updates"
  [ -n "${2:-}" ] && cp -a "$2/." "$1/"
  touch "$1/var/lib/dpkg/status" "$1/var/lib/dpkg/available"
}
dpkg_root() {  # dpkg_root DIR DPKG-ARGS...: the real dpkg on the scratch root
  local root=$1; shift
  # --force-depends: the scratch database does not list libc6 and friends (this
  # machine's libraries are used; the scripts run here, not in a chroot).
  dpkg --root="$root" --force-script-chrootless --force-depends --force-not-root "$@" \
    >"$SCRATCH/out" 2>"$SCRATCH/err"
  code=$?
  out=$(cat "$SCRATCH/out") err=$(cat "$SCRATCH/err")
}
grub_line() { grep '^GRUB_CMDLINE_LINUX=' "$1/etc/default/grub"; }

# 1. A Debian 12 GRUB tree without crashkernel=: postinst reserves the sized value.
r1=$SCRATCH/r1
new_root "$r1" "$SRC/examples/debian12-grub"
"$BIN" --root "$r1" --json reserve auto --dry-run >"$SCRATCH/plan" 2>/dev/null
code=$? validate_json "$SCRATCH/plan" "reserve auto --dry-run plan"
expr=$(python3 -c "import json; print(json.load(open('$SCRATCH/plan'))['expression'])")
dpkg_root "$r1" -i "$deb"
check "install into a GRUB tree succeeds" [ "$code" = 0 ]
check "the binary is installed" [ -x "$r1/usr/sbin/kdump-setup" ]
out=$(grub_line "$r1")
check "postinst reserved crashkernel=$expr" [ "$out" = "GRUB_CMDLINE_LINUX=\"crashkernel=$expr\"" ]
check "dpkg records it installed" grep -q '^Status: install ok installed' "$r1/var/lib/dpkg/status"
check "the kernel hook is installed, executable" [ -x "$r1/etc/kernel/postinst.d/zy-kdump-setup" ]
check "postinst's reserve auto recorded the value as kdump-setup's" \
  grep -qx 'owner = "auto"' "$r1/var/lib/kdump-setup/state.toml"

# 2. Reinstall (configure with the old version): postinst must not act again, even
# after the administrator removed the value.
sed -i 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX=""/' "$r1/etc/default/grub"
dpkg_root "$r1" -i "$deb"
check "reinstall succeeds" [ "$code" = 0 ]
out=$(grub_line "$r1")
check "reinstall does not re-add a removed value" [ "$out" = 'GRUB_CMDLINE_LINUX=""' ]
sed -i "s/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX=\"crashkernel=$expr\"/" "$r1/etc/default/grub"

# 3. remove and purge keep the boot configuration.
dpkg_root "$r1" -r kdump-setup
check "remove succeeds" [ "$code" = 0 ]
check "remove took the binary" [ ! -e "$r1/usr/sbin/kdump-setup" ]
out=$(grub_line "$r1")
check "remove kept crashkernel=" [ "$out" = "GRUB_CMDLINE_LINUX=\"crashkernel=$expr\"" ]
dpkg_root "$r1" -P kdump-setup
check "purge succeeds" [ "$code" = 0 ]
out=$(grub_line "$r1")
check "purge kept crashkernel=" [ "$out" = "GRUB_CMDLINE_LINUX=\"crashkernel=$expr\"" ]
check "purge deleted the ownership record" [ ! -e "$r1/var/lib/kdump-setup" ]
check "purge deleted the kernel hook (a conffile)" [ ! -e "$r1/etc/kernel/postinst.d/zy-kdump-setup" ]

# 4. An administrator's value: --if-unset keeps it, byte for byte.
r2=$SCRATCH/r2
new_root "$r2" "$SRC/examples/debian12-grub"
sed -i 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX="quiet crashkernel=384M"/' "$r2/etc/default/grub"
sum=$(sha256sum <"$r2/etc/default/grub")
dpkg_root "$r2" -i "$deb"
check "install over an admin's value succeeds" [ "$code" = 0 ]
check "the admin's /etc/default/grub is unchanged" [ "$(sha256sum <"$r2/etc/default/grub")" = "$sum" ]
check "no drop-in was added" [ ! -e "$r2/etc/default/grub.d" ]

# 5. No boot loader at all (a container): the install must not fail.
r3=$SCRATCH/r3
new_root "$r3"
dpkg_root "$r3" -i "$deb"
check "install without a boot loader succeeds" [ "$code" = 0 ]
check "and is configured" grep -q '^Status: install ok installed' "$r3/var/lib/dpkg/status"
check "kdump-setup said why on stderr" grep -q 'kdump-setup:' "$SCRATCH/err"
finish
