#!/usr/bin/env bash
# Fetches the UKI tools of Debian trixie into a cache, extracted, never installed:
#   systemd-boot-efi   systemd-bootx64.efi, the stub linuxx64.efi.stub, addonx64.efi.stub
#   systemd-ukify      ukify (Python; needs python3-pefile, which bookworm has)
# Why: systemd-stub loads command-line add-ons (ESP/loader/addons/*.addon.efi and
# <uki>.efi.extra.d/*.addon.efi) only since systemd 254 (systemd-stub(7)); bookworm ships
# 252, whose stub ignores them and whose ukify cannot build an add-on.
#
# The packages come from the same Debian archive the machine's apt sources name (the
# URI of its bookworm entry), fetched by apt-get with a temporary sources list and a
# private state directory (InRelease verified against debian-archive-keyring, .deb
# checked against the Packages SHA256 by apt), then `dpkg-deb -x`.
#
# Usage: scripts/vm/fetch-uki-tools.sh [CACHE]
#   CACHE defaults to $KDUMP_UKI_TOOLS_DIR, else <repo>/build/uki-tools.
# Prints the cache directory (which holds root/ with the extracted trees and VERSIONS).
# Quick when the cache is complete. Exit 77 when the archive cannot be reached (the
# tests that need these tools skip then).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
cache=${1:-${KDUMP_UKI_TOOLS_DIR:-$repo_root/build/uki-tools}}
suite=${KDUMP_UKI_TOOLS_SUITE:-trixie}
packages=(systemd-boot-efi systemd-ukify)
# The first systemd whose stub loads add-ons.
min_version=254

die() { echo "fetch-uki-tools: $*" >&2; exit "${2:-1}"; }
log() { echo "fetch-uki-tools: $*" >&2; }

root=$cache/root
stub=$root/usr/lib/systemd/boot/efi/linuxx64.efi.stub
addon_stub=$root/usr/lib/systemd/boot/efi/addonx64.efi.stub
sdboot=$root/usr/lib/systemd/boot/efi/systemd-bootx64.efi
ukify=$root/usr/lib/systemd/ukify

# The systemd version a stub or systemd-boot binary names in its .sdmagic section
# ("#### LoaderInfo: systemd-stub 257.9-1~deb13u1 ####").
efi_version() {
    grep -ao 'LoaderInfo: systemd-[a-z]* [^ ]*' "$1" | head -n 1 | awk '{ print $3 }'
}

check_cache() {
    [[ -f $cache/VERSIONS && -r $stub && -r $addon_stub && -r $sdboot && -r $ukify ]]
}

if check_cache; then
    echo "$cache"
    exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"

# The archive URI of the machine's own Debian entry (deb822 or one-line format).
archive_uri() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -r $f ]] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
             /(^|\n)Suites:[^\n]*bookworm/ && /(^|\n)Types:[^\n]*deb/ {
                 for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); print a[2]; exit }
             }' "$f"
    done
    if [[ -r /etc/apt/sources.list ]]; then
        awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($(i + 1) ~ /^bookworm$/) print $i; break } }' \
            /etc/apt/sources.list
    fi
}
uri=$(archive_uri | grep -v -- '-security' | head -n 1)
[[ -n $uri ]] || die "no bookworm entry in the apt sources to take the archive from"

state=$(mktemp -d "${TMPDIR:-/tmp}/kdump-uki-apt.XXXXXX")
trap 'rm -rf "$state"' EXIT
mkdir -p "$state/lists/partial" "$state/archives/partial" "$state/debs" "$state/etc/preferences.d"
: >"$state/status"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -r $keyring ]] || die "$keyring missing (install debian-archive-keyring)"
printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
    "$uri" "$suite" "$keyring" >"$state/etc/kdump-uki.sources"

apt_opts=(
    -o "Dir::Etc::SourceList=/dev/null"
    -o "Dir::Etc::SourceParts=$state/etc"
    -o "Dir::Etc::Preferences=/dev/null"
    -o "Dir::Etc::PreferencesParts=$state/etc/preferences.d"
    -o "Dir::State=$state"
    -o "Dir::State::Lists=$state/lists"
    -o "Dir::State::status=$state/status"
    -o "Dir::Cache=$state"
    -o "Dir::Cache::archives=$state/archives"
    -o "APT::Architecture=amd64"
    -o "APT::Architectures::=amd64"
    -o "Acquire::Languages=none"
    -o "Debug::NoLocking=1"
)
# The private state directory is not readable by apt's _apt sandbox user.
(($(id -u) == 0)) && apt_opts+=(-o "APT::Sandbox::User=root")
log "apt-get update ($suite from the machine's archive)"
if ! apt-get "${apt_opts[@]}" -qq update >"$state/update.log" 2>&1 ||
    grep -q '^E:' "$state/update.log"; then
    cat "$state/update.log" >&2
    die "cannot read the $suite index from the archive" 77
fi
log "apt-get download ${packages[*]}"
(cd "$state/debs" && apt-get "${apt_opts[@]}" -qq download "${packages[@]}") ||
    die "apt-get download ${packages[*]} failed" 77

rm -rf "$cache.tmp"
mkdir -p "$cache.tmp/root"
versions=""
for deb in "$state"/debs/*.deb; do
    dpkg-deb -x "$deb" "$cache.tmp/root"
    versions+="$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)"$'\n'
done
printf '%s' "$versions" >"$cache.tmp/VERSIONS"
rm -rf "$cache"
mv "$cache.tmp" "$cache"
check_cache || die "the extracted packages lack the stub, systemd-boot or ukify"

# Say which version the add-ons need and what we got.
v=$(efi_version "$stub")
major=${v%%[.~-]*}
[[ $major =~ ^[0-9]+$ ]] || die "cannot read the stub's version from $stub"
((major >= min_version)) || die "the stub is systemd $v; command-line add-ons need systemd >= $min_version"
log "stub: systemd-stub $v (add-ons need >= $min_version); $(tr '\n' ' ' <"$cache/VERSIONS")"
echo "$cache"
