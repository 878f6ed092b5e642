#!/usr/bin/env bash
# Every key of /etc/kdump-setup.toml changes what the verbs do: the file alone wins over
# the built-in default, and the command line wins over the file. A bad file stops every
# verb with exit 2 and FILE:LINE:COLUMN.
source "$(dirname "$0")/lib.sh"
G=${KDUMP_SOURCE_DIR:-$(dirname "$0")/../..}/golden/bls
A=(--memory 8G --arch x86_64)

# tree: a scratch copy of golden/bls/fedora39/root in $T (BLS entries, GRUB with BLS)
tree() {
  T=$SCRATCH/t
  rm -rf "$T"
  cp -a "$G/fedora39/root" "$T"
  mkdir -p "$T/etc"
}
conf() { printf '%s\n' "$@" >"$T/etc/kdump-setup.toml"; }
setting() {  # setting KEY: "value origin" from recommend --json
  json "next(s['value'] + ' ' + s['origin'] for s in j['settings'] if s['key'] == '$1')"
}
changed() { json "len([f for f in j['files'] if f['changed']])"; }

# policy
tree; conf 'policy = "rhel7"'
run --root "$T" --json recommend "${A[@]}"
check "policy: file wins over default" [ "$(json "j['policy']")" = rhel7 ]
check "policy: origin is the file" grep -q "rhel7 .*kdump-setup.toml:1" <<<"$(setting policy)"
run --root "$T" --json reserve auto --dry-run "${A[@]}"
check "policy: reserve auto obeys the file" grep -q "the rhel7 policy" <<<"$(json "j['notes'][0]")"
run --root "$T" --json reserve auto --dry-run "${A[@]}" --policy estimate
check "policy: --policy wins over the file" grep -q "the estimate policy" <<<"$(json "j['notes'][0]")"
run --root "$T" reserve 256M --dry-run --policy nonesuch
check "policy: unknown --policy refused by reserve EXPR" [ "$code" = 2 ]
check "policy: the error names --policy" grep -q -- "--policy: unknown policy 'nonesuch'" "$SCRATCH/err"

# extra
tree; conf 'extra = "64M"'
run --root "$T" --json recommend "${A[@]}" --policy rhel7
check "extra: file adds 64M" [ "$(json "j['bytes_for_this_machine'] - j['policy_bytes'] + 64*2**20 > 0 and any(a['kind']=='extra' and a['bytes']==64*2**20 for a in j['additions'])")" = True ]
with=$(json "j['bytes_for_this_machine']")
run --root "$T" --json recommend "${A[@]}" --policy rhel7 --extra 0
check "extra: --extra 0 wins over the file" [ "$(json "j['bytes_for_this_machine']")" = $((with - 64 * 1024 * 1024)) ]
check "extra: origin --extra" [ "$(setting extra)" = "0 --extra" ]

# luks (the image's crypttab says a LUKS volume exists)
tree; printf 'data UUID=1234 none luks\n' >"$T/etc/crypttab"; conf 'luks = "1G"'
run --root "$T" --json recommend "${A[@]}" --policy rhel7
check "luks: file adds 1G" [ "$(json "[a['bytes'] for a in j['additions'] if a['kind']=='luks']")" = "[1073741824]" ]
run --root "$T" --json recommend "${A[@]}" --policy rhel7 --luks off
check "luks: --luks off wins over the file" [ "$(json "[a for a in j['additions'] if a['kind']=='luks']")" = "[]" ]

# capture_initramfs
tree; mkdir -p "$T/var/lib/kdump"; head -c 3000000 /dev/zero >"$T/var/lib/kdump/a.img"
head -c 9000000 /dev/zero >"$T/var/lib/kdump/b.img"; conf 'capture_initramfs = "/var/lib/kdump/a.img"'
run --root "$T" --json recommend "${A[@]}"
check "capture_initramfs: file names a.img" [ "$(json "j['capture_initramfs']['found'], j['capture_initramfs']['file_bytes']")" = "True 3000000" ]
run --root "$T" --json recommend "${A[@]}" --capture-initramfs /var/lib/kdump/b.img
check "capture_initramfs: --capture-initramfs wins" [ "$(json "j['capture_initramfs']['file_bytes']")" = 9000000 ]
run --root "$T" --json reserve auto --dry-run "${A[@]}" --capture-initramfs /var/lib/kdump/b.img
check "capture_initramfs: reserve auto sizes for it" grep -q "9000000 bytes" <<<"$(json "j['notes'][0]")"

# table and policies
tree; conf 'policy = "table"' '[table]' 'x86_64 = "1G-:300M"'
run --root "$T" --json recommend "${A[@]}"
check "table: the file's table" [ "$(json "j['expression']")" = "1G-:300M" ]
run --root "$T" --json recommend "${A[@]}" --policy rhel7
check "table: --policy wins" [ "$(json "j['policy']")" = rhel7 ]
tree; conf 'policy = "site"' '[policies.site]' 'tables = { x86_64 = "1G-:320M" }'
run --root "$T" --json reserve auto --dry-run "${A[@]}"
check "policies: reserve auto uses the file's policy" [ "$(json "j['expression']")" = "1G-:320M" ]
run --root "$T" --json reserve auto --dry-run "${A[@]}" --policy rhel7
check "policies: --policy wins" [ "$(json "j['expression']")" != "1G-:320M" ]

# backend
tree; conf 'backend = "grub2"'
run --root "$T" reserve 256M --dry-run
check "backend: the file's grub2 is used (and does not apply here)" [ "$code" = 3 ]
check "backend: says grub2" grep -q "grub2 backend does not apply" "$SCRATCH/err"
run --root "$T" --json remove --dry-run
check "backend: remove obeys it too" [ "$code" = 3 ]
run --root "$T" --json reserve 256M --dry-run --backend bls
check "backend: --backend wins" [ "$(json "j['backend']")" = bls ]

# kernel
tree; conf 'kernel = "default"'
run --root "$T" --json reserve 256M --dry-run
check "kernel: the file's default entry only" [ "$(changed)" = 1 ]
run --root "$T" --json reserve 256M --dry-run --kernel all
check "kernel: --kernel all wins" [ "$(changed)" = 6 ]

# update (a GRUB tree lists its regeneration command)
T=$SCRATCH/g; rm -rf "$T"; cp -a "${G%/bls}/grub2/debian12-grub2-common-default/root" "$T"; mkdir -p "$T/etc"
conf 'update = false'
run --root "$T" reserve 256M
check "update: the file's false lists the command as not run (--no-update)" grep -q "^not run (--no-update):" "$SCRATCH/out"
conf 'update = true'
run --root "$T" reserve 300M --no-update
check "update: --no-update wins over the file's true" grep -q "^not run (--no-update):" "$SCRATCH/out"
run --root "$T" reserve 400M
check "update: the file's true does not say --no-update" bash -c '! grep -q "(--no-update)" "$1"' _ "$SCRATCH/out"

# recommend -v shows what reserve uses
tree; conf 'backend = "bls"' 'kernel = "default"' 'update = false'
run --root "$T" -v recommend "${A[@]}"
check "recommend -v: backend from the file" grep -q "backend = bls  \[.*kdump-setup.toml:1\]" "$SCRATCH/out"
check "recommend -v: kernel from the file" grep -q "kernel = default  \[.*kdump-setup.toml:2\]" "$SCRATCH/out"

# [uki]: the add-on signing key, shown by -v with its origin; not a path: exit 2 at the value
tree; conf '[uki]' 'secureboot_private_key = "/etc/kernel/db.key"' 'secureboot_certificate = "/etc/kernel/db.crt"'
run --root "$T" -v recommend "${A[@]}"
check "[uki]: -v shows the key and its line" grep -q "uki.secureboot_private_key = /etc/kernel/db.key  \[.*kdump-setup.toml:2\]" "$SCRATCH/out"
tree; conf '[uki]' 'secureboot_private_key = "db.key"'
run --root "$T" recommend "${A[@]}"
check "[uki]: a relative key path exits 2" [ "$code" = 2 ]
check "[uki]: names file:line:column" grep -q "kdump-setup.toml:2:26" "$SCRATCH/err"

# a bad configuration file stops every verb
tree; conf 'policy = "rhel7"' 'bogus = 1'
for verb in "reserve 256M --dry-run" "remove --dry-run" status verify "explain 256M ${A[*]} --kernel-release 6.1.0" \
            "recommend ${A[*]}"; do
  # shellcheck disable=SC2086
  run --root "$T" $verb
  check "bad config: $verb exits 2" [ "$code" = 2 ]
  check "bad config: $verb names file:line:column" grep -q "kdump-setup.toml:2:1" "$SCRATCH/err"
done
finish
