#!/usr/bin/env bash
# The Ansible collection (contrib/ansible) with Debian's ansible-core: playbooks with
# connection: local run the kdump_setup and kdump_setup_verify modules against scratch
# --root trees copied from examples/debian12-grub, using the built binary:
#   apply, an idempotent second run (changed=0), check mode changes nothing, diff mode
#   shows kdump-setup's diff, an invalid value and a tree without a boot loader fail
#   with the tool's message, if_unset keeps a value, state: absent restores the file,
#   and the verify gate (not-loaded / ok / ready).
#   tests/ansible/ansible.sh KDUMP_SETUP_BINARY
source "$(dirname "$0")/../cli/lib.sh"
SRC=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
HERE=$SRC/tests/ansible
G=$SRC/examples/debian12-grub
BIN=$(readlink -f "$BIN")

out= err="ansible-playbook is missing (scripts/packages.txt lists ansible-core)" code=127
check "ansible-playbook installed" command -v ansible-playbook >/dev/null
[ "$failed" = 0 ] || { finish; exit 1; }

# Everything Ansible writes stays in the scratch directory; Debian's python runs the
# modules (a pyenv or venv python first in PATH has no ansible).
export ANSIBLE_COLLECTIONS_PATH=$SRC/contrib/ansible ANSIBLE_HOME=$SCRATCH/ansible-home \
  ANSIBLE_LOCAL_TEMP=$SCRATCH/ansible-tmp ANSIBLE_REMOTE_TEMP=$SCRATCH/ansible-tmp \
  ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
  ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=0

play() {  # play PLAYBOOK [ansible-playbook ARGS...]: output in $out, exit in $code
  local pb=$1; shift
  ansible-playbook -i localhost, "$HERE/$pb" -e kdump_bin="$BIN" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
  code=$?
  out=$(cat "$SCRATCH/out") err=$(cat "$SCRATCH/err")
}
recap() {  # recap KEY: the number in the PLAY RECAP line (changed, failed, ok)
  sed -n "s/^localhost .* $1=\([0-9]*\).*/\1/p" "$SCRATCH/out"
}
grub_line() { grep '^GRUB_CMDLINE_LINUX=' "$1/etc/default/grub"; }

# The modules' documentation parses (ansible-doc reads DOCUMENTATION/EXAMPLES/RETURN).
for m in kdump_setup kdump_setup_verify; do
  ansible-doc kdump_setup.kdump.$m >"$SCRATCH/out" 2>"$SCRATCH/err"; code=$?
  out=$(head -5 "$SCRATCH/out") err=$(cat "$SCRATCH/err")
  check "ansible-doc $m" [ "$code" = 0 ]
done

R=$SCRATCH/root
cp -a "$G" "$R"

# Check mode + diff mode: would change, shows the diff, writes nothing.
play check_diff.yml --check --diff -e root="$R" -e value=256M
check "check mode: playbook passes" [ "$code" = 0 ]
check "check mode: changed=1 in the recap" [ "$(recap changed)" = 1 ]
check "diff mode prints kdump-setup's diff" grep -qF '+GRUB_CMDLINE_LINUX="crashkernel=256M"' "$SCRATCH/out"
check "diff mode names the file" grep -qxF -- '--- a/etc/default/grub' "$SCRATCH/out"
check "check mode changed nothing" cmp -s "$G/etc/default/grub" "$R/etc/default/grub"

# Apply, then the same again: idempotent.
play apply.yml -e root="$R" -e value=256M
check "apply: playbook passes" [ "$code" = 0 ]
check "apply: changed=1" [ "$(recap changed)" = 1 ]
check "apply wrote the value" [ "$(grub_line "$R")" = 'GRUB_CMDLINE_LINUX="crashkernel=256M"' ]
check "apply: reboot_required reported" grep -q 'changed=True reboot_required=True expression=256M' "$SCRATCH/out"
cp "$R/etc/default/grub" "$SCRATCH/grub.after"
play apply.yml -e root="$R" -e value=256M
check "second run: playbook passes" [ "$code" = 0 ]
check "second run: changed=0" [ "$(recap changed)" = 0 ]
check "second run: no reboot required" grep -q 'changed=False reboot_required=False expression=256M' "$SCRATCH/out"
check "second run wrote nothing" cmp -s "$SCRATCH/grub.after" "$R/etc/default/grub"
play check_diff.yml --check --diff -e root="$R" -e value=512M
check "check mode on a configured tree: would change to 512M" [ "$code/$(recap changed)" = 0/1 ]
check "check mode on a configured tree changed nothing" cmp -s "$SCRATCH/grub.after" "$R/etc/default/grub"

# if_unset keeps the value there.
play if_unset.yml -e root="$R" -e existing=256M
check "if_unset: playbook passes, changed=0" [ "$code/$(recap changed)" = 0/0 ]

# Failures carry the tool's message.
play invalid.yml -e root="$R" -e value=2G-1G:64M -e "expect_msg=\"invalid crashkernel= value '2G-1G:64M'\"" \
  -e expect_kind=usage -e expect_rc=2
check "invalid value: assertions pass" [ "$code" = 0 ]
check "invalid value: the task failed (ignored)" [ "$(recap ignored)" = 1 ]
check "invalid value: message shown" grep -qF "invalid crashkernel= value '2G-1G:64M'" "$SCRATCH/out"
check "invalid value changed nothing" cmp -s "$SCRATCH/grub.after" "$R/etc/default/grub"
mkdir -p "$SCRATCH/container"
play invalid.yml -e root="$SCRATCH/container" -e value=256M -e "expect_msg='no supported boot loader found'" \
  -e expect_kind=unsupported -e expect_rc=3
check "no boot loader: fails with the tool's message" [ "$code/$(recap ignored)" = 0/1 ]

# state: absent gives back the original bytes.
play absent.yml -e root="$R"
check "absent: playbook passes, changed=1" [ "$code/$(recap changed)" = 0/1 ]
check "absent restored the original file" cmp -s "$G/etc/default/grub" "$R/etc/default/grub"

# The verify gate on a tree that booted with crashkernel=256M, 256 MiB reserved.
vroot() {  # vroot LOADED: kexec_crash_loaded reads LOADED
  V=$SCRATCH/v$1; rm -rf "$V"; cp -a "$G" "$V"
  sed -i 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX="crashkernel=256M"/' "$V/etc/default/grub"
  mkdir -p "$V/proc/sys/kernel" "$V/sys/kernel"
  echo x86_64 >"$V/proc/sys/kernel/arch"; echo 6.1.0-56-amd64 >"$V/proc/sys/kernel/osrelease"
  echo "root=/dev/vda crashkernel=256M" >"$V/proc/cmdline"
  printf '00001000-0009ffff : System RAM\n00100000-ffffffff : System RAM\n  6f000000-7effffff : Crash kernel\n' >"$V/proc/iomem"
  echo 268435456 >"$V/sys/kernel/kexec_crash_size"
  echo "$1" >"$V/sys/kernel/kexec_crash_loaded"
}
vroot 0
play verify.yml -e root="$V" -e require_loaded=true -e expect_status=not-loaded -e expect_failed=true -e expect_ready=false
check "verify: reserved but not loaded fails the gate" [ "$code/$(recap ignored)" = 0/1 ]
check "verify: says why" grep -q 'no crash kernel is loaded' "$SCRATCH/out"
play verify.yml -e root="$V" -e require_loaded=false -e expect_status=ok -e expect_failed=false -e expect_ready=false
check "verify require_loaded=false: ok" [ "$code/$(recap ignored)" = 0/0 ]
vroot 1
play verify.yml -e root="$V" -e require_loaded=true -e expect_status=ok -e expect_failed=false -e expect_ready=true
check "verify: loaded, ok and ready" [ "$code/$(recap ignored)" = 0/0 ]
play verify.yml -e root="$R" -e require_loaded=true -e expect_status=unsupported -e expect_failed=true -e expect_ready=false
check "verify: no kexec support fails" [ "$code/$(recap ignored)" = 0/1 ]
finish
