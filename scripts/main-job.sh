#!/usr/bin/env bash
# The main job: what kdump-setup would do to this machine's boot configuration, as a
# dry run. When this machine has no boot loader to configure (a container, a CI
# runner), it runs on the bundled example system tree instead, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/kdump-setup
[ -x "$bin" ] || scripts/setup.sh

has_reserve() { "$bin" --help 2>/dev/null | grep -qE '^ +reserve\b'; }
has_boot_loader() {
  [ -f /etc/default/grub ] || compgen -G '/boot/loader/entries/*.conf' >/dev/null ||
    [ -f /boot/efi/loader/loader.conf ] || [ -f /efi/loader/loader.conf ]
}

if has_reserve && has_boot_loader; then
  echo "main-job: this machine has a boot loader; dry run on it:"
  exec "$bin" reserve auto --dry-run
fi
example=examples/debian12-grub
if has_reserve; then
  echo "main-job: this machine has no boot loader to configure;" \
       "dry run on the bundled example system $example instead:"
  exec "$bin" --root "$example" reserve auto --dry-run
fi
# Until the reserve verb exists: what this machine's kernel would reserve for the
# Debian default value, measured against this machine's own RAM.
echo "main-job: explain crashkernel=384M-:128M (Debian's kdump-tools value) on this machine:"
exec "$bin" explain 384M-:128M
