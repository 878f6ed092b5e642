#!/usr/bin/env bash
# The committed roff pages (docs/man/) are what scripts/gen-man.sh makes of the Markdown
# sources, and man(1) renders them. Regenerating needs pandoc; without it (a build
# machine that only packages the committed pages) the staleness half is skipped.
source "$(dirname "$0")/lib.sh"
SRC=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

for page in kdump-setup.8 kdump-setup.toml.5; do
  MANWIDTH=80 man -l "$SRC/docs/man/$page" >"$SCRATCH/out" 2>"$SCRATCH/err"; code=$?
  out=$(head -3 "$SCRATCH/out") err=$(cat "$SCRATCH/err")
  check "man -l $page renders" [ "$code" = 0 ]
  check "$page has NAME" grep -q '^NAME' "$SCRATCH/out"
  out=$(lexgrog "$SRC/docs/man/$page" 2>&1); code=$?
  check "$page: whatis entry parses (lexgrog)" [ "$code" = 0 ]
done
MANWIDTH=80 man -l "$SRC/docs/man/kdump-setup.8" 2>/dev/null >"$SCRATCH/page"
for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS CONFIGURATION FILES ENVIRONMENT \
         "EXIT STATUS" EXAMPLES "SEE ALSO"; do
  out= code= err=
  check "kdump-setup(8) has $s" grep -qx "$s" "$SCRATCH/page"
done

if command -v pandoc >/dev/null; then
  out=$("$SRC/scripts/gen-man.sh" "$SCRATCH/man" 2>&1); code=$?
  check "gen-man.sh runs" [ "$code" = 0 ]
  for page in kdump-setup.8 kdump-setup.toml.5; do
    out=$(diff -u "$SRC/docs/man/$page" "$SCRATCH/man/$page"); code=$?
    err="stale: run scripts/gen-man.sh and commit docs/man/"
    check "docs/man/$page is up to date with its source" [ "$code" = 0 ]
  done
else
  echo "skip: pandoc is not installed, the staleness check needs it"
fi
finish
