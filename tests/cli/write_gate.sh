#!/usr/bin/env bash
# The write gate: reserve evaluates the value with the kernel model of `explain` for
# every kernel release the tree has, at the RAM given, and refuses (exit 2, the tree
# byte-identical afterwards) what the kernel rejects, what reserves nothing there and
# what reserves less than 32 MiB; --force writes them and says what it overrode.
#   tests/cli/write_gate.sh KDUMP_SETUP_BINARY
. "$(dirname "$0")/lib.sh"
src=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
base=$src/golden/grub2/debian12-grub2-common-default/root   # Debian 12, kernel 6.1.0-99-amd64
t=$SCRATCH/root
M=(--memory 32G --arch x86_64)

fresh() {  # fresh [RELEASE]: the Debian tree; with RELEASE, that kernel instead of 6.1
  rm -rf "$t"; cp -a "$base" "$t"
  if [ -n "${1:-}" ]; then
    rm -f "$t"/boot/vmlinuz-* "$t"/boot/initrd.img-*
    mkdir -p "$t/lib/modules/$1"
  fi
}
tree_sum() {
  (cd "$1" && find . -printf '%p %y %m %s %T@ %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum
}

# refused RELEASE VALUE PATTERN: exit 2 with PATTERN on stderr, nothing changed (also
# --dry-run); then --force writes it and says so.
refused() {
  local rel=$1 value=$2 pattern=$3 before after
  fresh "$rel"
  before=$(tree_sum "$t")
  run --root "$t" reserve "${M[@]}" -- "$value"
  after=$(tree_sum "$t")
  check "$value ($rel): exit 2" test "$code" = 2
  check "$value ($rel): the kernel's words: $pattern" grep -Fq -- "$pattern" "$SCRATCH/err"
  check "$value ($rel): names the kernel" grep -q "kernel ${rel:-6.1.0-99-amd64}" "$SCRATCH/err"
  check "$value ($rel): hints --force" grep -q 'reserve --force' "$SCRATCH/err"
  check "$value ($rel): tree byte-identical" test "$before" = "$after"
  run --root "$t" reserve --dry-run "${M[@]}" -- "$value"
  check "$value ($rel): --dry-run verdict exit 2" test "$code" = 2
  run --root "$t" --json reserve "${M[@]}" -- "$value"
  check "$value ($rel): json gate refused" test "$(json "j['gate']['verdict'], j['changed']")" = "refused False"
  after=$(tree_sum "$t")
  check "$value ($rel): still byte-identical" test "$before" = "$after"
  run --root "$t" reserve --force "${M[@]}" -- "$value"
  check "$value ($rel): --force exit 0" test "$code" = 0
  check "$value ($rel): --force wrote it" grep -Fq "GRUB_CMDLINE_LINUX=\"crashkernel=$value\"" "$t/etc/default/grub"
  check "$value ($rel): --force says what it overrode" grep -q 'WARNING: --force: writing it anyway, overriding' "$SCRATCH/err"
  echo "refused $value ($rel): $(head -1 "$SCRATCH/err" | cut -c1-160)"
}

refused "" 0M 'it reserves nothing (the size is 0)'
refused "" 16E 'overflows 64 bits'
refused "" 256M,cma '"crashkernel: unrecognized char: ," at column 5'
refused "" 40G 'crashkernel reservation failed - No suitable area found.'
refused "" 256 'it reserves only 256 bytes, below the 32 MiB'
refused "" 16M 'it reserves only 16 MiB'
refused "" 512M-2G:64M 'crashkernel size resulted in zero bytes'
refused "" 1G-:40G '"crashkernel: invalid size"'
# Malformed values never reach the gate: the strict parser refuses them, --force or not.
fresh
before=$(tree_sum "$t")
for v in 2G-1G:64M abc 256M@1G@2G; do
  run --root "$t" reserve --force "${M[@]}" -- "$v"
  check "$v: malformed, exit 2 even with --force" test "$code" = 2
  check "$v: malformed, says invalid" grep -q "invalid crashkernel= value '$v'" "$SCRATCH/err"
done
check "malformed: tree byte-identical" test "$before" = "$(tree_sum "$t")"

# Generic reservation (>= 6.12): a size not below the RAM is refused without a message.
refused 6.12.9-amd64 32G 'the size is not below the system RAM'
# 6.16 knows ",cma", but a CMA area alone reserves no crash kernel region.
refused 6.16.1-amd64 256M,cma 'no usable crashkernel=X,high'

# Accepted values: written, with the policy warning when below its figure.
fresh
before=$(tree_sum "$t")
run --root "$t" --json reserve --dry-run "${M[@]}" 128M
check "128M dry-run exit 0" test "$code" = 0
check "128M json gate warn" test "$(json "j['gate']['verdict'], j['gate']['memory_checked'], len(j['gate']['kernels'])")" = "warn True 1"
check "128M warns about the policy" test "$(json "'policy sizes' in j['gate']['warnings'][0]")" = True
check "dry run changed nothing" test "$before" = "$(tree_sum "$t")"
run --root "$t" reserve "${M[@]}" 128M
check "128M exit 0" test "$code" = 0
check "128M warning is loud" grep -q '^kdump-setup: WARNING: kernel 6.1.0-99-amd64 .* reserves 128 MiB, less than' "$SCRATCH/err"
check "128M written" grep -q 'GRUB_CMDLINE_LINUX="crashkernel=128M"' "$t/etc/default/grub"
fresh
run --root "$t" --json reserve "${M[@]}" 2G-:1G
check "1G at 32G: verdict ok" test "$(json "j['gate']['verdict'], j['gate']['kernels'][0]['crash_bytes']")" = "ok 1073741824"

# Offline without the RAM: said so; what does not depend on the RAM is still refused.
fresh
run --root "$t" --json reserve --dry-run --arch x86_64 40G
check "no RAM: 40G not refused" test "$code" = 0
check "no RAM: memory_checked false" test "$(json "j['gate']['memory_checked']")" = False
check "no RAM: says RAM was not checked" test "$(json "j['gate']['warnings'][0].startswith('RAM was not checked')")" = True
run --root "$t" reserve --dry-run --arch x86_64 0M
check "no RAM: 0M still refused" test "$code" = 2
run --root "$t" reserve --dry-run --arch x86_64 256
check "no RAM: 256 bytes still refused" test "$code" = 2
run --root "$t" reserve --dry-run --arch x86_64 512M-2G:64M
check "no RAM: a range table is not judged" test "$code" = 0
check "no RAM: text says so" grep -q 'WARNING: RAM was not checked' "$SCRATCH/err"

# BLS (Fedora 39): every entry's kernel is checked; --kernel RELEASE names one more.
rm -rf "$t"; cp -a "$src/golden/bls/fedora39/root" "$t"
run --root "$t" --json reserve --dry-run "${M[@]}" 256M
check "bls: the entries' kernels are checked" test "$(json "sorted(k['release'] for k in j['gate']['kernels'] if k['role'] == 'boot entry')")" \
  = "['5.11.12-300.fc34.x86_64', '6.0.12-100.fc35.x86_64', '6.5.6-300.fc39.x86_64']"
run --root "$t" --json reserve --dry-run "${M[@]}" --kernel 6.5.6-300.fc39.x86_64 256M
check "bls: --kernel RELEASE is checked too" test "$(json "[k['role'] for k in j['gate']['kernels']][0]")" = "--kernel"

before=$(tree_sum "$t")
run --root "$t" reserve "${M[@]}" 0M
check "bls: 0M refused" test "$code" = 2
check "bls: tree byte-identical" test "$before" = "$(tree_sum "$t")"
finish
