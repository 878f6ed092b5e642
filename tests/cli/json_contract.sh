#!/usr/bin/env bash
# The --json contract (kdump-setup(8), JSON OUTPUT; docs/kdump-setup.schema.json): one
# object on stdout for every run, errors included, with schema_version, verb, exit_code;
# dry_run/changed/would_change as documented; verify --require-loaded as the gate; the
# usage errors of the global options. run() (lib.sh) validates each --json output.
source "$(dirname "$0")/lib.sh"
SRC=${KDUMP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
G=$SRC/examples/debian12-grub
T=$SCRATCH/t
fresh() { rm -rf "$T"; cp -a "$G" "$T"; }
one_object() { /usr/bin/python3 -c "import json,sys; json.loads(open(sys.argv[1]).read())" "$SCRATCH/out"; }

# Errors: an invalid value (exit 2, column), no boot loader (exit 3), a bad option
# (CLI11's message), a missing root; each one object with error{...}.
fresh
run --root "$T" --json reserve 2G-1G:64M
check "invalid value exits 2" [ "$code" = 2 ]
check "invalid value: one object" one_object
check "invalid value error" [ "$(json "j['verb'], j['exit_code'], j['exit_meaning'], j['error']['kind'], j['error']['column']")" \
  = "reserve 2 bad-input usage 4" ]
check "invalid value message on stdout and stderr" [ "$(json "'invalid crashkernel= value' in j['error']['message'] and len(j['error']['hints']) > 0")" = True ]
check "invalid value: message on stderr too" grep -q "invalid crashkernel= value" "$SCRATCH/err"
check "invalid value changed nothing" cmp -s "$G/etc/default/grub" "$T/etc/default/grub"

mkdir -p "$SCRATCH/empty"
run --root "$SCRATCH/empty" --json reserve 256M
check "no boot loader exits 3" [ "$code" = 3 ]
check "no boot loader error" [ "$(json "j['error']['kind'], j['exit_meaning'], len(j['error']['hints'])")" = "unsupported cannot-act 3" ]

run --json reserve 256M --bogus
check "unknown option exits 2" [ "$code" = 2 ]
check "unknown option error" [ "$(json "j['verb'], j['error']['kind'], '--bogus' in j['error']['message']")" = "reserve usage True" ]
run --json
check "no verb exits 2" [ "$code" = 2 ]
check "no verb: verb null" [ "$(json "j['verb'], j['error']['kind']")" = "None usage" ]

run --json --root /does-not-exist status
check "missing root exits 3" [ "$code" = 3 ]
check "missing root said once" [ "$(json "j['error']['message'], j['error']['file']")" \
  = "cannot open the root directory: No such file or directory /does-not-exist" ]
run --root /does-not-exist status
check "missing root text said once" [ "$(grep -c 'cannot open the root directory' "$SCRATCH/err")" = 1 ]
check "missing root text not doubled" bash -c '! grep -q "directory: cannot open" "$1"' _ "$SCRATCH/err"

run --json --root "" status
check "--root '' exits 2" [ "$code" = 2 ]
check "--root '' names the option" [ "$(json "j['error']['kind'], j['error']['message']")" = "usage --root: empty path" ]
run -q -v status
check "-q -v exits 2" [ "$code" = 2 ]
check "-q -v says why" grep -q -- "--quiet excludes --verbose" "$SCRATCH/err"
run --json explain 2G-1G:64M --memory 4G --arch x86_64 --kernel-release 6.1.0
check "explain rejection exit 2" [ "$code" = 2 ]
check "explain rejection error object" [ "$(json "j['valid'], j['error']['kind'], j['error']['column'], j['exit_code']")" = "False parse 4 2" ]
run --json explain 256M --memory bogus
check "explain bad --memory: error only" [ "$(json "j['error']['message'], 'valid' in j")" = "--memory: 'bogus' is not a size False" ]

# Every verb's --help lists the global options.
for v in reserve remove explain recommend status verify; do
  run "$v" --help
  check "$v --help lists the global options" grep -q -- '--root DIR' "$SCRATCH/out"
done

# dry_run / changed / would_change: a dry run would change, a real run changed, a
# second run changes nothing; --if-unset --dry-run says dry_run true.
fresh
run --root "$T" --json reserve 256M --dry-run --no-update
check "dry run pair" [ "$(json "j['dry_run'], j['changed'], j['would_change'], j['reboot_required']")" = "True False True True" ]
check "dry run: --no-update command would not run" [ "$(json "[(c['argv'][0], c['ran'], c['would_run']) for c in j['commands']]")" \
  = "[('/usr/sbin/update-grub', False, False)]" ]
check "dry run changed nothing" cmp -s "$G/etc/default/grub" "$T/etc/default/grub"
run --root "$T" reserve 256M --dry-run --no-update
check "text: no 'would run' with --no-update" bash -c '! grep -q "^would run:" "$1"' _ "$SCRATCH/out"
check "text: would not run (--no-update)" grep -q '^would not run (--no-update): /usr/sbin/update-grub$' "$SCRATCH/out"
run --root "$T" reserve 256M --dry-run
check "text under --root: would not run (--root)" grep -q '^would not run (--root): /usr/sbin/update-grub$' "$SCRATCH/out"
run --root "$T" --json reserve 256M --no-update
check "real run pair" [ "$(json "j['dry_run'], j['changed'], j['would_change'], j['reboot_required'], j['kept_existing']")" = "False True True True False" ]
run --root "$T" --json reserve 256M --no-update
check "second run changes nothing" [ "$(json "j['changed'], j['would_change'], j['reboot_required']")" = "False False False" ]
run --root "$T" --json reserve auto --if-unset --dry-run --memory 8G
check "--if-unset --dry-run: dry_run true" [ "$(json "j['dry_run'], j['kept_existing'], j['changed'], j['would_change'], j['existing'][0]['value']")" \
  = "True True False False 256M" ]
run --root "$T" --json reserve auto --if-unset --memory 8G
check "--if-unset real run: dry_run false" [ "$(json "j['dry_run'], j['kept_existing']")" = "False True" ]
run --root "$T" --json remove --dry-run --no-update
check "remove dry run" [ "$(json "j['verb'], j['expression'], j['dry_run'], j['changed'], j['would_change']")" = "remove None True False True" ]
check "remove dry run: next boot and entries" [ "$(json "j['next_boot']['verdict'], j['next_boot']['crashkernel_before'], j['next_boot']['crashkernel_after'], len(j['entries']) > 0, j['entries'][0]['default']")" \
  = "reaches 256M None True True" ]
cp "$SCRATCH/out" "$SCRATCH/remove.json"

# verify: ok means reserved; --require-loaded also needs kexec_crash_loaded = 1.
mkroot() {  # mkroot LOADED: 4 GiB x86_64 6.1 booted and configured with 256M
  R=$SCRATCH/v$1; rm -rf "$R"; cp -a "$G" "$R"
  sed -i 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX="crashkernel=256M"/' "$R/etc/default/grub"
  mkdir -p "$R/proc/sys/kernel" "$R/sys/kernel"
  echo x86_64 >"$R/proc/sys/kernel/arch"; echo 6.1.0-56-amd64 >"$R/proc/sys/kernel/osrelease"
  echo "root=/dev/vda crashkernel=256M" >"$R/proc/cmdline"
  printf '00001000-0009ffff : System RAM\n00100000-ffffffff : System RAM\n  6f000000-7effffff : Crash kernel\n' >"$R/proc/iomem"
  echo 268435456 >"$R/sys/kernel/kexec_crash_size"
  [ "$1" = unknown ] || echo "$1" >"$R/sys/kernel/kexec_crash_loaded"
}
mkroot 0
run --root "$R" --json verify
check "reserved, not loaded: ok, not ready" [ "$code/$(json "j['status'], j['loaded'], j['ready']")" = "0/ok False False" ]
run --root "$R" --json verify --require-loaded
check "--require-loaded: not-loaded exit 1" [ "$code/$(json "j['status'], j['ready'], j['exit_meaning']")" = "1/not-loaded False not-ok" ]
check "--require-loaded message" [ "$(json "'no crash kernel is loaded' in j['message']")" = True ]
run --root "$R" verify --require-loaded
check "--require-loaded text" grep -q '^not-loaded: crashkernel=256M is reserved but no crash kernel is loaded' "$SCRATCH/out"
run --root "$R" --json status
check "status: ready false, exit 0" [ "$code/$(json "j['status'], j['ready']")" = "0/ok False" ]
run --root "$R" status
check "status table ready row" grep -q '^ready       no$' "$SCRATCH/out"
mkroot 1
run --root "$R" --json verify --require-loaded
check "loaded: ok and ready" [ "$code/$(json "j['status'], j['loaded'], j['ready']")" = "0/ok True True" ]
mkroot unknown
run --root "$R" --json verify --require-loaded
check "loaded unknown: not-loaded" [ "$code/$(json "j['status'], j['loaded']")" = "1/not-loaded None" ]
run --root "$R" --json verify
check "loaded unknown without the option: ok" [ "$code/$(json "j['status']")" = "0/ok" ]

# The validator itself rejects what breaks the contract (so the checks above can fail).
printf '{"schema_version": 1, "verb": "reserve", "exit_code": 2, "exit_meaning": "bad-input"}\n' >"$SCRATCH/bad1"
printf '{"schema_version": 1, "verb": "verify", "exit_code": 0, "exit_meaning": "ok"}\n{}\n' >"$SCRATCH/bad2"
# A reserve report without the next-boot keys, and a does-not-reach verdict that exits 0.
python3 - "$SCRATCH/remove.json" "$SCRATCH" <<'EOF2'
import json, sys
j = json.load(open(sys.argv[1]))
no_entries = {k: v for k, v in j.items() if k != 'entries'}
json.dump(no_entries, open(sys.argv[2] + '/bad3', 'w'))
j['next_boot']['verdict'] = 'does-not-reach'
json.dump(j, open(sys.argv[2] + '/bad4', 'w'))
EOF2
for b in bad1 bad2 bad3 bad4; do
  check "schema rejects $b" bash -c '! /usr/bin/python3 "$1" "$2" "$3" >/dev/null' _ "$LIB_DIR/validate_json.py" "$JSON_SCHEMA" "$SCRATCH/$b"
done
finish
