#!/usr/bin/env bash
# "A success means the next boot gets it" (core/next_boot_check.hpp, docs/contract.md §5):
# reserve/remove judge the boot model after the plan before writing. Trees where the plan
# does not reach the entry that boots next exit 3 with every file unchanged (sha256 before
# and after), in a dry run too and with --force; trees where it does succeed with the
# per-entry JSON ("entries", "next_boot", "future_kernels") checked; an unknown next boot
# is said, never claimed.
source "$(dirname "$0")/lib.sh"
SRC=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
G=$SRC/golden
FACTS=(--memory 8G --arch x86_64)

sums() { (cd "$1" && find . -type f -exec sha256sum {} + | sort); }

# --- GRUB2 (Debian 12 with kdump-tools' drop-in adding crashkernel= to _DEFAULT) -------------
cp -a "$G/grub2/debian12-kdump-tools/root" "$SCRATCH/g"
run --json --root "$SCRATCH/g" reserve 256M "${FACTS[@]}"
check "grub: reaches, exit 0" [ "$code" = 0 ]
check "grub: next_boot" [ "$(json "j['next_boot']['verdict'], j['next_boot']['id'], j['next_boot']['known'], j['next_boot']['crashkernel_before'], j['next_boot']['crashkernel_after']")" \
  = "reaches simple True 384M-:128M 256M" ]
check "grub: every entry, the next one first" [ "$(json "[(e['id'], e['default'], e['crashkernel_after']) for e in j['entries']]")" \
  = "[('simple', True, '256M'), ('advanced-6.1.0-99-amd64', False, '256M'), ('recovery-6.1.0-99-amd64', False, None)]" ]
check "grub: what it reserves there" [ "$(json "j['entries'][0]['reserves_bytes_after'], j['entries'][0]['kexec_crash_size_after'], j['entries'][0]['kernel_release'], j['entries'][0]['model']")" \
  = "268435456 268435456 6.1.0-99-amd64 6.1 x86_64" ]
check "grub: future kernels" [ "$(json "[(f['source'], f['crashkernel_before'], f['crashkernel_after']) for f in j['future_kernels']]")" \
  = "[('/etc/default/grub', '384M-:128M', '256M')]" ]

# A ,low value beside the plain one the kernel picks: it is ignored (kernel/crash_reserve.c
# reads ,low only with ,high). The write gate refuses it (exit 2); --force overrides the
# gate but not this check: exit 3, nothing written, in a dry run too.
before=$(sums "$SCRATCH/g")
run --root "$SCRATCH/g" reserve 128M,low --force "${FACTS[@]}"
check "grub ,low: exit 3" [ "$code" = 3 ]
check "grub ,low: names the entry and why" grep -q "the entry that boots next, 'simple' (/etc/default/grub), carries crashkernel=128M,low, but its kernel reads ,low only beside a ,high value and picks crashkernel=256M" "$SCRATCH/err"
check "grub ,low: a hint" grep -q "hint: a ,low value counts only beside a ,high one" "$SCRATCH/err"
check "grub ,low: unchanged" [ "$(sums "$SCRATCH/g")" = "$before" ]
run --json --root "$SCRATCH/g" reserve 128M,low --force --dry-run "${FACTS[@]}"
check "grub ,low dry run: exit 3" [ "$code" = 3 ]
check "grub ,low dry run: JSON verdict" [ "$(json "j['next_boot']['verdict'], j['error']['kind'], j['changed'], j['entries'][0]['carries_intended']")" \
  = "does-not-reach unsupported False False" ]
check "grub ,low dry run: unchanged" [ "$(sums "$SCRATCH/g")" = "$before" ]
# kdump-tools' plain value stays in its conffile (kdump-setup never edits a package's
# file) and the kernel picks a plain value before any ,high one: a ,high value cannot
# reach the next boot here. Exit 3, nothing written.
before=$(sums "$SCRATCH/g")
run --root "$SCRATCH/g" reserve 1G,high "${FACTS[@]}"
check "grub ,high beside the package's plain value: exit 3" [ "$code" = 3 ]
check "grub ,high beside the package's plain value: names what wins" grep -q "would boot with crashkernel=384M-:128M, not crashkernel=1G,high" "$SCRATCH/err"
check "grub ,high beside the package's plain value: unchanged" [ "$(sums "$SCRATCH/g")" = "$before" ]
# Without a package's value, with a ,high value the ,low one counts.
cp -a "$G/grub2/debian12-grub2-common-default/root" "$SCRATCH/gh"
run --root "$SCRATCH/gh" -q reserve 1G,high "${FACTS[@]}"
check "grub ,high: exit 0" [ "$code" = 0 ]
run --json --root "$SCRATCH/gh" reserve 128M,low --force "${FACTS[@]}"
check "grub ,low beside ,high: exit 0" [ "$code" = 0 ]
check "grub ,low beside ,high: main + low" [ "$(json "j['next_boot']['crashkernel_after'], j['entries'][0]['reserves_bytes_after']")" = "128M,low 1207959552" ]

# No kernel installed: no GRUB entry exists, so the next boot is unknown: success with a
# warning that says so, and what kernels installed later get.
cp -a "$G/grub2/debian12-kdump-tools/root" "$SCRATCH/nk"
rm "$SCRATCH/nk"/boot/vmlinuz-*
run --root "$SCRATCH/nk" reserve 256M "${FACTS[@]}"
check "no kernel: exit 0" [ "$code" = 0 ]
check "no kernel: warning, no claim" grep -q "warning: which value the next boot gets cannot be known here: no grub2 boot entry exists (no kernel installed yet?); kernels installed later get crashkernel=256M (/etc/default/grub)" "$SCRATCH/err"
check "no kernel: no next-boot line" bash -c "! grep -q '^next boot' '$SCRATCH/out'"
run --json --root "$SCRATCH/nk" reserve 256M --dry-run "${FACTS[@]}"
check "no kernel JSON: unknown" [ "$(json "j['next_boot']['verdict'], j['next_boot']['known'], j['next_boot']['id'], j['entries']")" = "unknown False None []" ]

# --- BLS (RHEL 8 $kernelopts) whose default entry hard-codes crashkernel= after $kernelopts --
cp -a "$G/bls/rhel83-aws-kernelopts/root" "$SCRATCH/b"
E=$SCRATCH/b/boot/loader/entries/b486fe3f109f430d995b1ee093897980-4.18.0-240.15.1.el8_3.x86_64.conf
sed -i 's/^options .*/options $kernelopts $tuned_params crashkernel=512M/' "$E"
run --json --root "$SCRATCH/b" reserve 256M "${FACTS[@]}"
check "bls: exit 0" [ "$code" = 0 ]
check "bls: the default's own value is gone" bash -c "! grep -q 512M '$E'"
check "bls: next boot" [ "$(json "j['next_boot']['id'], j['next_boot']['crashkernel_before'], j['next_boot']['crashkernel_after'], j['next_boot']['rule']")" \
  = "b486fe3f109f430d995b1ee093897980-4.18.0-240.15.1.el8_3.x86_64 512M 256M saved_entry in /boot/grub2/grubenv" ]
check "bls: every entry carries it" [ "$(json "sorted(set(e['crashkernel_after'] for e in j['entries']))")" = "['256M']" ]
run --json --root "$SCRATCH/b" remove
check "bls remove: exit 0, gone" [ "$(json "j['next_boot']['verdict'], j['next_boot']['crashkernel_after'], j['entries'][0]['carries_intended']")" = "reaches None True" ]

# --- systemd-boot Type #1: the default entry's later options line carries another value ---
cp -a "$G/systemd-boot/loader-heptasean-default-without-suffix/root" "$SCRATCH/s"
echo 'options crashkernel=512M' >>"$SCRATCH/s/efi/loader/entries/arch-default.conf"
run --json --root "$SCRATCH/s" reserve 256M --kernel default "${FACTS[@]}"
check "sdboot: exit 0" [ "$code" = 0 ]
check "sdboot: next boot" [ "$(json "j['next_boot']['id'], j['next_boot']['crashkernel_before'], j['next_boot']['crashkernel_after']")" = "arch-default.conf 512M 256M" ]
check "sdboot: no EFI variables here: said" [ "$(json "j['next_boot']['known'], 'EFI variables' in j['next_boot']['uncertain']")" = "False True" ]
check "sdboot: the later line lost it" bash -c "! grep -q 512M '$SCRATCH/s/efi/loader/entries/arch-default.conf'"
before=$(sums "$SCRATCH/s")
run --root "$SCRATCH/s" reserve 128M,low --force --kernel default "${FACTS[@]}"
check "sdboot ,low: exit 3" [ "$code" = 3 ]
check "sdboot ,low: names the entry" grep -q "'arch-default.conf' (/efi/loader/entries/arch-default.conf), carries crashkernel=128M,low" "$SCRATCH/err"
check "sdboot ,low: unchanged" [ "$(sums "$SCRATCH/s")" = "$before" ]

# --- A UKI whose embedded .cmdline sets crashkernel=512M ----------------------------------
cp -a "$G/systemd-boot/uki-arch-mkinitcpio-default/root" "$SCRATCH/u"
UKI=$SCRATCH/u/efi/EFI/Linux/arch-linux.efi
# The .cmdline section's 0x37 bytes at file offset 0x16a00 (objdump -h), same length.
python3 - "$UKI" <<'EOF'
import sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
assert d[0x16a00:0x16a00 + 4] == b'root'
d[0x16a00:0x16a00 + 0x37] = b'root=/dev/sda2 rw crashkernel=512M'.ljust(0x37, b' ')
open(p, 'wb').write(d)
EOF
clean=$(sums "$SCRATCH/u")
run --json --root "$SCRATCH/u" reserve 256M "${FACTS[@]}"
check "uki: the add-on comes later: exit 0" [ "$code" = 0 ]
check "uki: before and after" [ "$(json "j['entries'][0]['kind'], j['entries'][0]['crashkernel_before'], j['entries'][0]['crashkernel_after'], j['entries'][0]['reserves_bytes_after']")" \
  = "uki 512M 256M 268435456" ]
run --root "$SCRATCH/u" remove
check "uki remove: exit 0" [ "$code" = 0 ]
check "uki remove: says the image still sets one" grep -q "still boots with crashkernel=512M: the image's embedded .cmdline" "$SCRATCH/err"
check "uki remove: the add-on is gone" [ "$(sums "$SCRATCH/u")" = "$clean" ]
# Another add-on that sorts after kdump-setup's one carries crashkernel=384M: refused.
cp -a "$SCRATCH/u" "$SCRATCH/u384"
run --root "$SCRATCH/u384" -q reserve 384M "${FACTS[@]}"
mkdir -p "$SCRATCH/u/efi/EFI/Linux/arch-linux.efi.extra.d"
mv "$SCRATCH/u384/efi/EFI/Linux/arch-linux.efi.extra.d/kdump-setup-crashkernel.addon.efi" \
   "$SCRATCH/u/efi/EFI/Linux/arch-linux.efi.extra.d/zz-site.addon.efi"
before=$(sums "$SCRATCH/u")
run --root "$SCRATCH/u" status
check "uki + later add-on: status sees 384M" grep -q "^entry       \* arch-linux.efi (/efi/EFI/Linux/arch-linux.efi, 6.12.1-arch1-1): crashkernel=384M$" "$SCRATCH/out"
run --root "$SCRATCH/u" reserve 256M "${FACTS[@]}"
check "uki + later add-on: exit 3" [ "$code" = 3 ]
check "uki + later add-on: names it" grep -q "zz-site.addon.efi comes later on the command line and carries crashkernel=384M" "$SCRATCH/err"
check "uki + later add-on: unchanged" [ "$(sums "$SCRATCH/u")" = "$before" ]
# Sorting before it, the same add-on is overridden by ours: fine.
mv "$SCRATCH/u/efi/EFI/Linux/arch-linux.efi.extra.d/zz-site.addon.efi" "$SCRATCH/u/efi/EFI/Linux/arch-linux.efi.extra.d/aa-site.addon.efi"
run --json --root "$SCRATCH/u" reserve 256M "${FACTS[@]}"
check "uki + earlier add-on: exit 0" [ "$code" = 0 ]
check "uki + earlier add-on: 384M before, 256M after" [ "$(json "j['next_boot']['crashkernel_before'], j['next_boot']['crashkernel_after']")" = "384M 256M" ]

# --- --backend grub2 on a machine the firmware says boots with systemd-boot ---------------
# (LoaderInfo, set by systemd-boot at every boot): GRUB's files do not decide the next boot.
cp -a "$G/systemd-boot/loader-heptasean-default-without-suffix/root" "$SCRATCH/fw"
mkdir -p "$SCRATCH/fw/etc/default" "$SCRATCH/fw/boot/grub" "$SCRATCH/fw/sys/firmware/efi/efivars"
echo 'GRUB_CMDLINE_LINUX="quiet"' >"$SCRATCH/fw/etc/default/grub"
printf '# generated\n' >"$SCRATCH/fw/boot/grub/grub.cfg"
: >"$SCRATCH/fw/boot/vmlinuz-6.1.0-13-amd64"
python3 - "$SCRATCH/fw/sys/firmware/efi/efivars/LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f" <<'EOF'
import sys
open(sys.argv[1], 'wb').write(b'\x06\x00\x00\x00' + 'systemd-boot 254.5\0'.encode('utf-16-le'))
EOF
before=$(sums "$SCRATCH/fw")
run --root "$SCRATCH/fw" reserve 256M --backend grub2 "${FACTS[@]}"
check "forced grub2 on systemd-boot: exit 3" [ "$code" = 3 ]
check "forced grub2: names the systemd-boot entry" grep -q "the entry that boots next, 'arch-default.conf' (/efi/loader/entries/arch-default.conf), would boot with no crashkernel=, not crashkernel=256M" "$SCRATCH/err"
check "forced grub2: says why" grep -q "the firmware says this system boots with systemd-boot 254.5 (LoaderInfo)" "$SCRATCH/err"
check "forced grub2: the command that works" grep -q "hint: kdump-setup reserve --backend systemd-boot '256M'" "$SCRATCH/err"
check "forced grub2: unchanged" [ "$(sums "$SCRATCH/fw")" = "$before" ]
run --json --root "$SCRATCH/fw" reserve 256M --backend systemd-boot --kernel default "${FACTS[@]}"
check "systemd-boot there: exit 0, certain" [ "$(json "j['next_boot']['verdict'], j['next_boot']['known'], j['next_boot']['id']")" = "reaches True arch-default.conf" ]

# --- reserve auto on a UKI with the distribution's signed add-ons --------------------
# Secure Boot is on and no key is configured: reserve auto installs the smallest vendor
# add-on that meets the policy's figure (192M at 2 GiB) instead of its own range
# expression; the next-boot check judges the entry by that value, the state file says
# so, and refresh does not take the vendor value for a hand edit.
rm -rf "$SCRATCH/vendor"; cp -a "$G/systemd-boot/uki-vendor-addon/root" "$SCRATCH/vendor"
before=$(sums "$SCRATCH/vendor")
run --json --root "$SCRATCH/vendor" reserve auto --memory 2G --arch x86_64
check "auto with vendor add-ons: exit 0" [ "$code" = 0 ]
check "auto with vendor add-ons: the next boot gets the vendor's 192M" \
  [ "$(json "j['next_boot']['verdict'], [e['crashkernel_after'] for e in j['entries'] if e['next_boot']]")" = "reaches ['192M']" ]
check "auto with vendor add-ons: the add-on is the vendor's, byte for byte" \
  cmp "$SCRATCH/vendor/efi/EFI/Linux/arch-linux.efi.extra.d/kdump-setup-crashkernel.addon.efi" \
  "$SCRATCH/vendor/usr/lib/modules/6.12.1-arch1-1/vmlinuz-virt.efi.extra.d/crashkernel-192M-virt.example.x86_64.addon.efi"
check "auto with vendor add-ons: the state file records the substitute" \
  grep -qx 'value = "192M"' "$SCRATCH/vendor/var/lib/kdump-setup/state.toml"
run --json --root "$SCRATCH/vendor" refresh --memory 2G --arch x86_64
check "refresh after it: unchanged, not admin-edited" [ "$(json "j['refresh']['reason']")" = unchanged ]
run --json --root "$SCRATCH/vendor" refresh --memory 3000G --arch x86_64
check "refresh at 3000 GiB: the 512M vendor add-on replaces it" \
  [ "$code:$(json "[e['crashkernel_after'] for e in j['entries'] if e['next_boot']]")" = "0:['512M']" ]
run --root "$SCRATCH/vendor" remove
check "remove after it: exit 0" [ "$code" = 0 ]
check "remove after it: no add-on, no state file left" \
  [ ! -e "$SCRATCH/vendor/efi/EFI/Linux/arch-linux.efi.extra.d" -a ! -e "$SCRATCH/vendor/var/lib/kdump-setup/state.toml" ]
check "remove after it: every file as before (sha256)" [ "$(sums "$SCRATCH/vendor")" = "$before" ]

finish
