#!/usr/bin/env bash
# `DESTDIR=... cmake --install BUILD --prefix /usr` puts every file where a distribution
# expects it (GNUInstallDirs, each shell's vendor completion directory, kernel-install's
# plugin directory) and nothing in /etc. BUILD is the directory of the binary under test.
source "$(dirname "$0")/lib.sh"
build=$(cd "$(dirname "$BIN")" && pwd)
dest=$SCRATCH/dest

out=$(DESTDIR=$dest cmake --install "$build" --prefix /usr 2>&1); code=$?
check "cmake --install succeeds" [ "$code" = 0 ]
(cd "$dest" && find . -type f | sed 's|^\./||' | sort) >"$SCRATCH/files"
for f in usr/sbin/kdump-setup \
         usr/share/man/man8/kdump-setup.8 \
         usr/share/man/man5/kdump-setup.toml.5 \
         usr/share/bash-completion/completions/kdump-setup \
         usr/share/zsh/vendor-completions/_kdump-setup \
         usr/share/fish/vendor_completions.d/kdump-setup.fish \
         usr/lib/kernel/install.d/95-kdump-setup.install \
         usr/share/doc/kdump-setup/kdump-setup.toml.example \
         usr/share/doc/kdump-setup/first-setup.md \
         usr/share/doc/kdump-setup/image-builds.md \
         usr/share/doc/kdump-setup/package-scripts.md \
         usr/share/doc/kdump-setup/fleet.md; do
  out=$(cat "$SCRATCH/files")
  check "installs $f" grep -qxF "$f" "$SCRATCH/files"
done
check "nothing under etc/" bash -c '! grep -q "^etc/" "$1"' _ "$SCRATCH/files"
check "the plugin is executable" [ -x "$dest/usr/lib/kernel/install.d/95-kdump-setup.install" ]
check "the binary is executable" [ -x "$dest/usr/sbin/kdump-setup" ]
out=$(MANWIDTH=80 man -l "$dest/usr/share/man/man8/kdump-setup.8" 2>&1 | head -3)
check "the installed man page renders" grep -q kdump-setup <<<"$out"
# the installed bash completion, under its installed name, still registers itself
out=$(bash --norc -c 'source "$1"; complete -p kdump-setup' _ "$dest/usr/share/bash-completion/completions/kdump-setup")
check "installed bash completion registers" [ "$out" = "complete -F _kdump_setup kdump-setup" ]
finish
