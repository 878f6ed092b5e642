#!/usr/bin/env bash
# Fetch, without installing them, the kernels the differential tests boot besides the
# host's own: Debian trixie's and sid's amd64 kernel images, trixie's arm64 kernel
# image and trixie's arm64 busybox-static. They come from the Debian archive the
# machine's apt sources already name (the first deb URI of /etc/apt/sources.list*),
# through apt itself with a private sources list and state directory: apt checks the
# suite's Release signature, the index's and every .deb's SHA256. Only the kernel
# image file (and busybox) is unpacked from each .deb (dpkg-deb --fsys-tarfile).
#
# Usage: scripts/vm/fetch-kernels.sh [--print] [--modules]
#   --print   only print the cached paths (NAME PATH per line); fail when missing
#   --modules also unpack the amd64 kernels' module trees (usr/lib/modules/<release>,
#             for the capture initramfs images bench/calibrate-crashkernel.sh builds)
#             into <cache>/<name>/root, with depmod -b run there
#
# Cache: $KDUMP_VM_KERNEL_CACHE (default <repo>/build/kernels):
#   x86_64-trixie/vmlinuz-<release>   x86_64-sid/vmlinuz-<release>
#   arm64-trixie/vmlinuz-<release>    arm64-trixie/busybox
#   x86_64-*/root/usr/lib/modules/<release>   (--modules)
# Idempotent: a present cache entry is not fetched again (delete it to refresh).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
cache=${KDUMP_VM_KERNEL_CACHE:-$repo_root/build/kernels}

die() { echo "fetch-kernels: $*" >&2; exit 1; }

# The archive apt already uses (deb822 .sources or one-line .list), never another.
archive_uri() {
    local f uri=""
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
        [[ -r $f ]] || continue
        case $f in
            *.sources) uri=$(awk 'tolower($1) == "uris:" { print $2; exit }' "$f") ;;
            *) uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f") ;;
        esac
        # The security archive carries no kernels for other suites.
        [[ -n $uri && $uri != *security* ]] && break
        uri=""
    done
    [[ -n $uri ]] || die "no Debian archive URI in /etc/apt/sources.list*"
    echo "$uri"
}

keyring() {
    local k
    for k in /usr/share/keyrings/debian-archive-keyring.gpg /etc/apt/trusted.gpg.d; do
        [[ -e $k ]] && { echo "$k"; return 0; }
    done
    die "no Debian archive keyring (install debian-archive-keyring)"
}

# apt with a private sources list, state and cache: the host's apt is untouched.
apt_private() {
    local dir=$1; shift
    apt-get -q -o "Dir::Etc::sourcelist=$dir/sources.list" -o "Dir::Etc::sourceparts=$dir/sources.list.d" \
        -o "Dir::State=$dir/state" -o "Dir::State::status=$dir/state/status" \
        -o "Dir::Cache=$dir/cache" -o "APT::Architectures=amd64,arm64" \
        -o "Dir::Etc::preferences=$dir/preferences" -o "Dir::Etc::preferencesparts=$dir/sources.list.d" \
        -o "Debug::NoLocking=1" "$@"
}

apt_cache_private() {
    local dir=$1; shift
    apt-cache -o "Dir::Etc::sourcelist=$dir/sources.list" -o "Dir::Etc::sourceparts=$dir/sources.list.d" \
        -o "Dir::State=$dir/state" -o "Dir::State::status=$dir/state/status" \
        -o "Dir::Cache=$dir/cache" -o "APT::Architectures=amd64,arm64" \
        -o "Dir::Etc::preferences=$dir/preferences" -o "Dir::Etc::preferencesparts=$dir/sources.list.d" "$@"
}

prepare_apt() {
    local dir=$1 suite=$2 uri key
    uri=$(archive_uri)
    key=$(keyring)
    mkdir -p "$dir"/state/lists/partial "$dir"/cache/archives/partial "$dir"/sources.list.d
    : >"$dir/state/status"
    : >"$dir/preferences"
    echo "deb [arch=amd64,arm64 signed-by=$key] $uri $suite main" >"$dir/sources.list"
    apt_private "$dir" update >"$dir/update.log" 2>&1 || {
        tail -n 5 "$dir/update.log" >&2
        die "apt-get update of $suite failed"
    }
}

# The versioned package a metapackage (linux-image-amd64) depends on.
versioned_image() {
    local dir=$1 meta=$2
    apt_cache_private "$dir" depends "$meta" |
        awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

# download DIR PKG:ARCH: fetch one .deb (apt checks its SHA256 against the signed
# index) into DIR/cache/archives and print its path.
download() {
    local dir=$1 pkg=$2 name=${2%%:*} arch=${2##*:} deb
    (cd "$dir/cache/archives" && apt_private "$dir" download "$pkg" >>"$dir/download.log" 2>&1) ||
        { tail -n 5 "$dir/download.log" >&2; die "download of $pkg failed"; }
    deb=$(find "$dir/cache/archives" -maxdepth 1 -name "${name}_*_${arch}.deb" | head -n 1)
    [[ -n $deb ]] || die "download of $pkg left no .deb"
    echo "$deb"
}

# The kernel image inside a .deb: ./boot/vmlinuz-V or ./usr/lib/modules/V/vmlinuz.
image_member() {
    dpkg-deb -c "$1" | awk '$1 ~ /^-/ { print $NF }' |
        grep -E '^\./boot/vmlinuz-|^\./usr/lib/modules/[^/]+/vmlinuz$' | head -n 1
}

image_release() {
    local m=$1
    case $m in
        ./boot/vmlinuz-*) echo "${m#./boot/vmlinuz-}" ;;
        *) m=${m%/vmlinuz}; echo "${m##*/}" ;;
    esac
}

# extract_member DEB MEMBER FILE: one file of a .deb, written as FILE (atomically).
extract_member() {
    local deb=$1 member=$2 dest=$3
    dpkg-deb --fsys-tarfile "$deb" | tar -x -O "$member" >"$dest.tmp"
    mv -f "$dest.tmp" "$dest"
}

with_modules=0

# unpack_modules RELEASE OUT DEB...: the module tree and the config of a kernel under
# OUT/root (usr/lib/modules/RELEASE, boot/config-RELEASE), from whichever of the
# packages holds them, indexed with depmod -b (the package's postinst would run depmod
# on the host).
unpack_modules() {
    local release=$1 out=$2 deb members re
    shift 2
    re=$(sed 's/[].[^$*+?(){}|\\]/\\&/g' <<<"$release")  # "6.12.117+deb13-amd64" as a regex
    rm -rf "$out/root.tmp"
    mkdir -p "$out/root.tmp"
    for deb in "$@"; do
        members=$(dpkg-deb -c "$deb" | awk '{ print $NF }' |
            grep -E "^\./(usr/)?lib/modules/$re/|^\./boot/config-$re\$" | grep -v '/$' || true)
        [[ -n $members ]] || continue
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out/root.tmp" -T <(echo "$members")
    done
    if [[ -d $out/root.tmp/lib/modules/$release ]]; then
        mkdir -p "$out/root.tmp/usr/lib/modules"
        cp -a "$out/root.tmp/lib/modules/$release" "$out/root.tmp/usr/lib/modules/"
        rm -rf "$out/root.tmp/lib"
    fi
    [[ -d $out/root.tmp/usr/lib/modules/$release/kernel ]] || die "no modules of $release in $*"
    # Newer kernels ship the config as usr/lib/modules/RELEASE/config only; mkinitramfs
    # reads /boot/config-RELEASE.
    if [[ ! -f $out/root.tmp/boot/config-$release && -f $out/root.tmp/usr/lib/modules/$release/config ]]; then
        mkdir -p "$out/root.tmp/boot"
        cp "$out/root.tmp/usr/lib/modules/$release/config" "$out/root.tmp/boot/config-$release"
    fi
    [[ -f $out/root.tmp/boot/config-$release ]] || die "no boot/config-$release in $*"
    depmod -b "$out/root.tmp/usr" "$release"
    rm -rf "$out/root"
    mv "$out/root.tmp" "$out/root"
}

# fetch_image SUITE ARCH: the kernel image of SUITE's linux-image-ARCH.
fetch_image() {
    local suite=$1 arch=$2 out=$cache/$3 dir pkg deb modules_deb=""
    local have_modules=1
    if ((with_modules)) && [[ $arch != arm64 ]] && ! compgen -G "$out/root/boot/config-*" >/dev/null; then
        have_modules=0
    fi
    if compgen -G "$out/vmlinuz-*" >/dev/null && [[ $arch != arm64 || -x $out/busybox ]] && ((have_modules)); then
        return 0
    fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/kdump-fetch.XXXXXX")
    prepare_apt "$dir" "$suite"
    pkg=$(versioned_image "$dir" "linux-image-$arch:$arch")
    pkg=${pkg%%:*}
    [[ -n $pkg ]] || die "no versioned kernel image behind linux-image-$arch in $suite"
    echo "fetch-kernels: $suite $arch: $pkg"
    deb=$(download "$dir" "$pkg:$arch")
    modules_deb=$deb
    # Newer kernels split the image: linux-image-V depends on linux-binary-V (same
    # version), which holds the image as /usr/lib/modules/V/vmlinuz.
    if [[ -z $(image_member "$deb") ]]; then
        pkg=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | awk '$1 ~ /^linux-binary-/ { print $1; exit }')
        [[ -n $pkg ]] || die "$(basename "$deb") has no kernel image and no linux-binary dependency"
        echo "fetch-kernels: $suite $arch: $pkg"
        deb=$(download "$dir" "$pkg:$arch")
    fi
    local member
    member=$(image_member "$deb")
    [[ -n $member ]] || die "$(basename "$deb") has no kernel image"
    mkdir -p "$out"
    extract_member "$deb" "$member" "$out/vmlinuz-$(image_release "$member")"
    if ((with_modules)) && [[ $arch != arm64 ]]; then
        local -a debs=("$modules_deb")
        [[ $deb == "$modules_deb" ]] || debs+=("$deb")
        # Newer kernels also split the modules and the config off: linux-modules-V and
        # linux-base-V, dependencies of linux-image-V.
        local dep
        for dep in $(dpkg-deb -f "$modules_deb" Depends | tr ',' '\n' | awk '$1 ~ /^linux-(modules|base)-[0-9]/ { print $1 }'); do
            echo "fetch-kernels: $suite $arch: $dep"
            debs+=("$(download "$dir" "$dep:$arch")")
        done
        unpack_modules "$(image_release "$member")" "$out" "${debs[@]}"
    fi
    if [[ $arch == arm64 ]]; then
        deb=$(download "$dir" busybox-static:arm64)
        member=$(dpkg-deb -c "$deb" | awk '$1 ~ /^-/ { print $NF }' | grep -E '^\./(usr/)?bin/busybox$' | head -n 1)
        [[ -n $member ]] || die "$(basename "$deb") has no bin/busybox"
        extract_member "$deb" "$member" "$out/busybox"
        chmod 0755 "$out/busybox"
    fi
    rm -rf "$dir"
}

print_cache() {
    local name f ok=0
    for name in x86_64-trixie x86_64-sid arm64-trixie; do
        for f in "$cache/$name"/vmlinuz-*; do
            [[ -e $f ]] || { ok=1; continue; }
            echo "$name $f"
        done
    done
    return "$ok"
}

main() {
    if [[ ${1:-} == --print ]]; then
        print_cache
        return
    fi
    if [[ ${1:-} == --modules ]]; then with_modules=1; shift; fi
    [[ $# -eq 0 ]] || die "usage: $0 [--print] [--modules]"
    command -v apt-get >/dev/null || die "apt-get not found"
    mkdir -p "$cache"
    fetch_image trixie amd64 x86_64-trixie
    fetch_image sid amd64 x86_64-sid
    fetch_image trixie arm64 arm64-trixie
    print_cache
}

main "$@"
