#!/usr/bin/env bash
# Builds the RPM (packaging/rpm/kdump-setup.spec, `rpmbuild -bb` with Debian's rpm),
# compares its files with `cmake --install`, then installs it with the real rpm into
# scratch roots (`rpm --root DIR --nodeps -i`). rpm runs the scriptlets chrooted into
# DIR, as on a real system, so each root gets a shell (busybox), /dev/null, the
# libraries the binary links, and a stand-in /usr/sbin/update-grub that logs its calls. Checked, as
# tests/pkg/deb.sh does for the .deb:
#   - a Debian 12 GRUB tree without crashkernel=: %post reserved the sized value and
#     ran update-grub once;
#   - reinstall ($1 == 2): %post does nothing, a removed value stays removed;
#   - erase: the binary is gone, crashkernel= stays;
#   - an administrator's value: unchanged byte for byte;
#   - no boot loader (a container), and a /etc/default/grub kdump-setup refuses: the
#     transaction still succeeds and nothing changed.
# Building recompiles the project (minutes on 2 cores, less with a warm ccache).
# KDUMP_SKIP_PKG=1 skips this test.
#   tests/pkg/rpm.sh KDUMP_SETUP_BINARY
if [ "${KDUMP_SKIP_PKG:-0}" = 1 ]; then
  echo "skip: KDUMP_SKIP_PKG=1"
  exit 0
fi
source "$(dirname "$0")/../cli/lib.sh"
SRC=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SPEC=$SRC/packaging/rpm/kdump-setup.spec

for tool in rpmbuild rpm rpm2cpio cpio busybox; do
  out= err="$tool is missing (scripts/packages.txt lists rpm, cpio and busybox-static)" code=127
  check "$tool installed" command -v "$tool" >/dev/null
done
[ "$failed" = 0 ] || { finish; exit 1; }

version=$(sed -n 's/^project(kdump-setup VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
out=$(rpmspec -q --qf '%{version}\n' "$SPEC" 2>&1) code=$? err=
check "the spec's Version is the project's ($version)" [ "$out" = "$version" ]

# The source tarball rpmbuild unpacks (%autosetup -n kdump-setup-VERSION).
top=$SCRATCH/rpmbuild
mkdir -p "$top/SOURCES"
tar -C "$SRC" --exclude=./.git --exclude='./build*' --exclude='./obj-*' --exclude=./debian/.debhelper \
  --transform "s|^\./|kdump-setup-$version/|" -czf "$top/SOURCES/kdump-setup-$version.tar.gz" .
ccache_env=() ccache_def=()
if command -v ccache >/dev/null; then
  ccache_env=(CCACHE_NOHASHDIR=1 CCACHE_BASEDIR="$top/BUILD/kdump-setup-$version")
  ccache_def=(--define "kdump_ccache 1")
fi
# --nodeps: the BuildRequires are Fedora's names, installed here under Debian's.
# No debuginfo subpackage: Debian has no find-debuginfo.
start=$SECONDS
env "${ccache_env[@]}" rpmbuild -bb --nodeps --define "_topdir $top" --define "debug_package %{nil}" \
  --define "_smp_mflags -j2" "${ccache_def[@]}" "$SPEC" >"$SCRATCH/build.log" 2>&1
code=$?; out=$(tail -30 "$SCRATCH/build.log") err=
check "rpmbuild -bb succeeds" [ "$code" = 0 ]
echo "package build took $((SECONDS - start)) s"
pkg=$(ls "$top"/RPMS/*/kdump-setup-"$version"-*.rpm 2>/dev/null | head -1)
check "an .rpm was built" [ -f "$pkg" ]
[ -f "$pkg" ] || { finish; exit 1; }

# The same files as `cmake --install` (man pages may be compressed by rpm).
# (rpm adds usr/lib/.build-id links to the binary, as on Fedora.)
rpm -qlp "$pkg" 2>/dev/null | sed 's|^/||; s|\.gz$||' | grep -v '^usr/lib/\.build-id' | sort >"$SCRATCH/rpm-files"
build=$(cd "$(dirname "$BIN")" && pwd)
DESTDIR=$SCRATCH/dest cmake --install "$build" --prefix /usr >/dev/null 2>&1
(cd "$SCRATCH/dest" && find . -type f -o -type l | sed 's|^\./||' | sort) >"$SCRATCH/cmake-files"
grep -vxF -f <(cd "$SCRATCH/dest" && find . -mindepth 1 -type d | sed 's|^\./||') "$SCRATCH/rpm-files" \
  >"$SCRATCH/rpm-files-only" || true
out=$(diff "$SCRATCH/cmake-files" "$SCRATCH/rpm-files-only") code=$? err=
check "the rpm has exactly the files of cmake --install" [ "$code" = 0 ]
check "the rpm ships nothing in /etc" bash -c '! grep -q "^etc/" "$1"' _ "$SCRATCH/rpm-files"
out=$(rpm -qp --scripts "$pkg" 2>&1) code=$? err=
check "%post checks for the first installation" grep -qF '[ "$1" -eq 1 ]' <<<"$out"
check "%post cannot fail the transaction" grep -qF 'reserve auto --if-unset || :' <<<"$out"

# The package's own binary: its libraries go into each root for the chrooted %post.
mkdir -p "$SCRATCH/x"
(cd "$SCRATCH/x" && rpm2cpio "$pkg" | cpio -idm --quiet)
libs=$(ldd "$SCRATCH/x/usr/sbin/kdump-setup" | grep -o '/[^ ]*' | sort -u)

new_root() {  # new_root DIR [TEMPLATE]: an empty rpm database, sh, libraries, the template
  local r=$1 l
  mkdir -p "$r/bin" "$r/usr/sbin" "$r/var/log" "$r/tmp" "$r/dev"
  [ -n "${2:-}" ] && cp -a "$2/." "$r/"
  # The scriptlets and kdump-setup's command runner use /dev/null.
  mknod -m 666 "$r/dev/null" c 1 3 2>/dev/null || : >"$r/dev/null"
  cp /bin/busybox "$r/bin/busybox"
  ln -sf busybox "$r/bin/sh"
  for l in $libs; do mkdir -p "$r$(dirname "$l")"; cp -L "$l" "$r$l"; done
  printf '#!/bin/sh\necho "update-grub $*" >>/var/log/update-grub.calls\n' >"$r/usr/sbin/update-grub"
  chmod +x "$r/usr/sbin/update-grub"
  rpm --root "$r" --dbpath /var/lib/rpm --initdb
}
rpm_root() {  # rpm_root DIR RPM-ARGS...: the real rpm on the scratch root
  local root=$1; shift
  rpm --root "$root" --dbpath /var/lib/rpm --nodeps "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
  code=$?
  out=$(cat "$SCRATCH/out") err=$(cat "$SCRATCH/err")
}
grub_line() { grep '^GRUB_CMDLINE_LINUX=' "$1/etc/default/grub"; }
calls() { cat "$1/var/log/update-grub.calls" 2>/dev/null | wc -l; }

# 1. A Debian 12 GRUB tree without crashkernel=: %post reserves the sized value (what
# `reserve auto --dry-run` on the tree says) and runs update-grub (in the chroot the
# tree is /, as on the real machine).
r1=$SCRATCH/r1
new_root "$r1" "$SRC/examples/debian12-grub"
"$BIN" --root "$r1" --json reserve auto --dry-run >"$SCRATCH/plan" 2>/dev/null
code=$? validate_json "$SCRATCH/plan" "reserve auto --dry-run plan"
expr=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['expression'])" "$SCRATCH/plan")
rpm_root "$r1" -i "$pkg"
check "install into a GRUB tree succeeds" [ "$code" = 0 ]
check "the binary is installed" [ -x "$r1/usr/sbin/kdump-setup" ]
check "the verify unit is installed" [ -f "$r1/usr/lib/systemd/system/kdump-setup-verify.service" ]
out=$(grub_line "$r1")
check "%post reserved crashkernel=$expr" [ "$out" = "GRUB_CMDLINE_LINUX=\"crashkernel=$expr\"" ]
check "%post ran update-grub once" [ "$(calls "$r1")" = 1 ]
out=$(rpm --root "$r1" --dbpath /var/lib/rpm -q kdump-setup 2>&1)
check "rpm records it installed" grep -q "^kdump-setup-$version-" <<<"$out"

# 2. Reinstall ($1 == 2 in %post): nothing again, even after the administrator removed
# the value.
sed -i 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX=""/' "$r1/etc/default/grub"
rpm_root "$r1" --reinstall "$pkg"
check "reinstall succeeds" [ "$code" = 0 ]
out=$(grub_line "$r1")
check "reinstall does not re-add a removed value" [ "$out" = 'GRUB_CMDLINE_LINUX=""' ]
check "reinstall ran no update-grub" [ "$(calls "$r1")" = 1 ]
sed -i "s/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX=\"crashkernel=$expr\"/" "$r1/etc/default/grub"

# 3. Erase keeps the boot configuration.
rpm_root "$r1" -e kdump-setup
check "erase succeeds" [ "$code" = 0 ]
check "erase took the binary" [ ! -e "$r1/usr/sbin/kdump-setup" ]
out=$(grub_line "$r1")
check "erase kept crashkernel=" [ "$out" = "GRUB_CMDLINE_LINUX=\"crashkernel=$expr\"" ]

# 4. An administrator's value: --if-unset keeps it, byte for byte.
r2=$SCRATCH/r2
new_root "$r2" "$SRC/examples/debian12-grub"
sed -i 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX="quiet crashkernel=384M"/' "$r2/etc/default/grub"
sum=$(sha256sum <"$r2/etc/default/grub")
rpm_root "$r2" -i "$pkg"
check "install over an admin's value succeeds" [ "$code" = 0 ]
check "the admin's /etc/default/grub is unchanged" [ "$(sha256sum <"$r2/etc/default/grub")" = "$sum" ]
check "no drop-in was added" [ ! -e "$r2/etc/default/grub.d" ]
check "no update-grub for a kept value" [ "$(calls "$r2")" = 0 ]

# 5. No boot loader at all (a container): the transaction must not fail.
r3=$SCRATCH/r3
new_root "$r3"
rpm_root "$r3" -i "$pkg"
check "install without a boot loader succeeds" [ "$code" = 0 ]
check "kdump-setup said why on stderr" grep -q 'kdump-setup:' "$SCRATCH/err"
out=$(rpm --root "$r3" --dbpath /var/lib/rpm -q kdump-setup 2>&1)
check "and it is installed" grep -q "^kdump-setup-$version-" <<<"$out"

# 6. A /etc/default/grub kdump-setup refuses to edit (exit 2): installed, untouched.
r4=$SCRATCH/r4
new_root "$r4" "$SRC/examples/debian12-grub"
sed -i 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX="quiet/' "$r4/etc/default/grub"
sum=$(sha256sum <"$r4/etc/default/grub")
rpm_root "$r4" -i "$pkg"
check "install over a refused grub file succeeds" [ "$code" = 0 ]
check "the refused file is unchanged" [ "$(sha256sum <"$r4/etc/default/grub")" = "$sum" ]
check "kdump-setup named the file" grep -q 'etc/default/grub' "$SCRATCH/err"
finish
