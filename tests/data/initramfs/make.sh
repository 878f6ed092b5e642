#!/usr/bin/env bash
# Regenerates the initramfs fixtures of tests/unit/test_core_capture_initramfs.cpp with
# the real tools: a newc cpio archive (what an initramfs segment unpacks to) and the
# same archive compressed by gzip, zstd (with and without its content size) and xz.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/etc"
seq 1 3000 >"$stage/etc/numbers"
printf '#!/bin/sh\necho hello\n' >"$stage/init"
head -c 5000 /dev/zero | tr '\0' 'k' >"$stage/bin/blob"
find "$stage" -exec touch -h -d @0 {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --create --format=newc --owner=0:0 --reproducible --quiet) >main.cpio
mkdir -p "$stage/early/kernel/x86/microcode"
head -c 1000 /dev/zero | tr '\0' 'm' >"$stage/early/kernel/x86/microcode/GenuineIntel.bin"
(cd "$stage/early" && find . -mindepth 1 | LC_ALL=C sort | cpio --create --format=newc --owner=0:0 --reproducible --quiet) >early.cpio
gzip -9 -n -c main.cpio >main.cpio.gz
zstd -q -19 -c main.cpio >main.cpio.zst
zstd -q -19 --no-content-size -c <main.cpio >main.cpio.nosize.zst
xz -9 -c main.cpio >main.cpio.xz
