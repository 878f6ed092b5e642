#!/usr/bin/env bash
# Regenerates the committed roff man pages from their Markdown sources with pandoc, so
# a build never needs a doc tool (like mold's docs/mold.1). tests/cli/man_pages.sh
# fails when the committed pages are stale.
#   scripts/gen-man.sh            rewrite docs/man/*
#   scripts/gen-man.sh OUTDIR     write into OUTDIR instead (the staleness test)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/man}
mkdir -p "$out"
version=$(sed -n 's/^project(kdump-setup VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)

# The first "# name(N)" heading becomes the .TH title (pandoc splits name and section);
# "## NAME" and the others become .SH sections. No date: the output depends only on
# the source and the version, so the staleness check is exact.
for src in docs/kdump-setup.8.md docs/kdump-setup.toml.5.md; do
  page=$(basename "$src" .md)
  pandoc --standalone --from markdown-smart-citations --to man --shift-heading-level-by=-1 \
    -M "footer=kdump-setup $version" -M "header=kdump-setup manual" -M date= \
    "$src" -o "$out/$page"
done
