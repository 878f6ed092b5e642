#!/usr/bin/env bash
# Rebuilds the input trees of golden/systemd-boot/ from tests/corpus (keeps expected.*).
# Each corpus file is copied byte for byte; the rest of a tree is the minimum systemd-boot
# needs: loader/loader.conf on the ESP (bootctl's /efi, /boot, /boot/efi).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
corpus=$here/../../tests/corpus

mk() {  # case args description
    local c=$here/$1
    rm -rf "$c/root"
    mkdir -p "$c/root"
    printf '%s\n' "$2" >"$c/args"
    printf '%s\n' "$3" >"$c/description"
    echo "$c/root"
}

# Every entry of corpus/sdboot, each on a different ESP mount point, with a corpus
# /etc/kernel/cmdline (the last one without: the file is created).
esps=(/boot /efi /boot/efi)
cmdlines=("$corpus"/kernel-cmdline/*)
i=0
for f in "$corpus"/sdboot/*.conf; do
    n=$(basename "$f" .conf)
    esp=${esps[i % 3]}
    if ((i < ${#cmdlines[@]})); then
        k=${cmdlines[i]}
        r=$(mk "entry-$n" "reserve 512M" "corpus entry $n on $esp with /etc/kernel/cmdline $(basename "$k")")
        mkdir -p "$r/etc/kernel"
        cp "$k" "$r/etc/kernel/cmdline"
    else
        r=$(mk "entry-$n-no-kernel-cmdline" "reserve 512M" "corpus entry $n on $esp, no /etc/kernel/cmdline: created from the default entry's options")
        mkdir -p "$r/etc"
    fi
    mkdir -p "$r$esp/loader/entries"
    printf 'timeout 3\n' >"$r$esp/loader/loader.conf"
    cp "$f" "$r$esp/loader/entries/$(basename "$f")"
    i=$((i + 1))
done

# Every loader.conf of corpus/loader-conf: which entry is the default (--kernel default).
for f in "$corpus"/loader-conf/*.conf; do
    n=$(basename "$f" .conf)
    r=$(mk "loader-$n" "reserve 256M --kernel default" "corpus loader.conf $n: only the default entry is edited")
    mkdir -p "$r/efi/loader/entries" "$r/etc"
    cp "$f" "$r/efi/loader/loader.conf"
    for e in arch-default arch-lts arch-fallback; do
        printf 'title %s\nlinux /vmlinuz-linux\ninitrd /initramfs-linux.img\noptions root=/dev/sda2 rw\n' "$e" \
            >"$r/efi/loader/entries/$e.conf"
    done
done

# Only unified kernel images: refused, with the explanation.
r=$(mk uki-only "reserve 512M" "an ESP with only EFI/Linux/*.efi: refused (exit 3), signed add-on or rebuild explained")
mkdir -p "$r/efi/loader" "$r/efi/EFI/Linux" "$r/etc/kernel"
printf 'timeout 0\n' >"$r/efi/loader/loader.conf"
printf 'MZ placeholder UKI\n' >"$r/efi/EFI/Linux/arch-linux.efi"
printf 'root=/dev/sda2 rw\n' >"$r/etc/kernel/cmdline"

# UKIs next to Type #1 entries: entries edited, UKIs noted.
r=$(mk uki-and-entries "reserve 512M" "UKIs next to Type #1 entries: the entries are edited, the UKIs explained")
mkdir -p "$r/boot/loader/entries" "$r/boot/EFI/Linux" "$r/etc"
printf 'timeout 0\n' >"$r/boot/loader/loader.conf"
printf 'MZ placeholder UKI\n' >"$r/boot/EFI/Linux/linux-6.9.efi"
printf 'title Linux\nlinux /vmlinuz\noptions root=/dev/sda2 rw crashkernel=128M\noptions quiet crashkernel=64M\n' \
    >"$r/boot/loader/entries/linux.conf"

# remove after a reserve: every crashkernel= word of every options line goes.
r=$(mk remove-two-lines "remove" "remove: crashkernel= on two options lines and in /etc/kernel/cmdline")
mkdir -p "$r/efi/loader/entries" "$r/etc/kernel"
printf 'timeout 0\n' >"$r/efi/loader/loader.conf"
printf 'title Linux\nlinux /vmlinuz\noptions root=/dev/sda2 crashkernel=128M\noptions crashkernel=1G-:256M quiet\n' \
    >"$r/efi/loader/entries/linux.conf"
printf '# comment crashkernel=1M stays\nroot=/dev/sda2 crashkernel=128M\n' >"$r/etc/kernel/cmdline"

# A package's /usr/lib/kernel/cmdline (a distribution's default; kernel-install reads it
# while /etc/kernel/cmdline does not exist) with crashkernel=: never edited. The same
# value: nothing changes; another value: /etc/kernel/cmdline is created from its words
# (it replaces the package's file for kernel-install) and remove deletes it again.
for v in same:512M other:256M; do
    kind=${v%%:*} value=${v#*:}
    if [ "$kind" = same ]; then
        r=$(mk usr-lib-kernel-cmdline-same-value "reserve $value" "/usr/lib/kernel/cmdline sets crashkernel=512M, no /etc/kernel/cmdline, the entry carries it: reserve 512M changes nothing")
        opts="root=UUID=2f1c7e0a-5b1d-4c9e-8f3a-0d6b7e9a1c24 ro quiet crashkernel=512M"
        printf 'the entry carries the crashkernel=512M that kernel-install copied from /usr/lib/kernel/cmdline: remove takes it out of the entry, the package'"'"'s file keeps it\n' >"$(dirname "$r")/no-roundtrip"
    else
        r=$(mk usr-lib-kernel-cmdline-other-value "reserve $value" "/usr/lib/kernel/cmdline sets crashkernel=512M, no /etc/kernel: reserve 256M creates /etc/kernel/cmdline from the package's words")
        opts="root=UUID=2f1c7e0a-5b1d-4c9e-8f3a-0d6b7e9a1c24 ro quiet"
    fi
    mkdir -p "$r/efi/loader/entries" "$r/usr/lib/kernel"
    printf 'timeout 3\n' >"$r/efi/loader/loader.conf"
    printf 'title Debian GNU/Linux 12\nversion 6.1.0-28-amd64\nlinux /vmlinuz-6.1.0-28-amd64\ninitrd /initrd.img-6.1.0-28-amd64\noptions %s\n' "$opts" \
        >"$r/efi/loader/entries/debian-6.1.0-28-amd64.conf"
    printf '# the distribution'"'"'s default command line\nroot=UUID=2f1c7e0a-5b1d-4c9e-8f3a-0d6b7e9a1c24 ro quiet\ncrashkernel=512M\n' \
        >"$r/usr/lib/kernel/cmdline"
done
