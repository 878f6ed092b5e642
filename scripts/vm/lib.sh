# What the QEMU scripts share (scripts/vm/, scripts/e2e/). Source it after defining
# die() (each script names itself in its messages).

# The newest kernel in /boot, by version order (not by mtime): what the guests boot.
newest_kernel() {
    local k
    k=$(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)
    [[ -n $k ]] || die "no /boot/vmlinuz-* found (install linux-image-amd64)"
    echo "/boot/$k"
}

# pack_initramfs STAGE OUT LEVEL: STAGE as a gzip'd newc cpio (gzip -LEVEL), reproducible
# (every mtime 0, names sorted, owned by root), so the same tree gives the same bytes;
# OUT is replaced only when the archive is complete.
pack_initramfs() {
    local stage=$1 out=$2 level=$3 tmp
    find "$stage" -exec touch -h -d @0 {} +
    # A temporary name of its own: tests run in parallel may pack the same image at once,
    # and a shared "$out.tmp" would be renamed away under the other writer.
    tmp=$(mktemp "$out.XXXXXX")
    (cd "$stage" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
        cpio --null --create --format=newc --owner=0:0 --reproducible --quiet) |
        gzip "-$level" -n >"$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$out"
}
