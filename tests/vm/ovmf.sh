# Sourced, not run. The OVMF boot the firmware tests share (tests/vm/sdboot-boot.sh,
# tests/vm/uki-addon-boot.sh):
#
#   kvm_usable                       /dev/kvm opens and the CPU has VMX/SVM
#   ovmf_boot OPTIONS... -- DISK     one boot of a GPT disk image (an ESP) under OVMF,
#                                    the serial console into a file
#     --code F      the firmware code (read-only pflash unit 0)
#     --vars F      a private copy of the variable store (pflash unit 1; written to)
#     --serial F    where the console goes
#     --mem SIZE    guest RAM (default 2G)
#     --timeout S   seconds before the guest is killed (default 300)
#     --secure      Secure Boot firmware: q35 with SMM on and the pflash secured (the
#                   *.secboot.fd builds refuse to run otherwise)
#     --serial-id ID  the disk's virtio serial (the e2e initramfs finds its ESP as
#                   "kdsesp", scripts/e2e/init.sh)
# TCG unless KVM really works. Returns QEMU's (or timeout's) exit status.
#
#   ovmf_boot_answer DIR VARS OPTIONS... -- DISK
#                                    ovmf_boot with a fresh copy of the variable store
#                                    VARS (DIR/vars.fd) and the console in DIR/serial.log,
#                                    once more if the guest's timer check failed (a starved
#                                    TCG host: that boot answers nothing); leaves
#                                    DIR/serial.txt (without CRs) and DIR/kde (the KDE:
#                                    lines), sets boot_secs and boot_qrc; returns 1 when
#                                    the guest did not finish (no KDE:first-end). Calls the
#                                    caller's `log` for the retry.

kvm_usable() { (exec 3<>/dev/kvm) 2>/dev/null && grep -qwE 'vmx|svm' /proc/cpuinfo; }

ovmf_boot() {
    local code="" vars="" serial="" mem=2G timeout=300 secure=0 serial_id="" disk
    while (($#)); do
        case $1 in
            --code) code=$2; shift 2 ;;
            --vars) vars=$2; shift 2 ;;
            --serial) serial=$2; shift 2 ;;
            --mem) mem=$2; shift 2 ;;
            --timeout) timeout=$2; shift 2 ;;
            --secure) secure=1; shift ;;
            --serial-id) serial_id=$2; shift 2 ;;
            --) shift; break ;;
            *) echo "ovmf_boot: unknown option $1" >&2; return 2 ;;
        esac
    done
    disk=${1:?ovmf_boot: no disk}
    [[ -n $code && -n $vars && -n $serial ]] || { echo "ovmf_boot: --code, --vars and --serial are needed" >&2; return 2; }
    local machine=q35
    ((secure)) && machine=q35,smm=on
    local -a q=(qemu-system-x86_64 -machine "$machine" -nographic -no-reboot -net none -smp 1 -m "$mem"
        -drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
        -drive "if=pflash,format=raw,unit=1,file=$vars")
    if [[ -n $serial_id ]]; then
        q+=(-drive "if=none,id=esp,format=raw,file=$disk" -device "virtio-blk-pci,drive=esp,serial=$serial_id,bootindex=0")
    else
        q+=(-drive "file=$disk,format=raw,if=virtio")
    fi
    ((secure)) && q+=(-global driver=cfi.pflash01,property=secure,value=on)
    if kvm_usable; then q+=(-accel kvm -cpu host); else q+=(-accel tcg -cpu max); fi
    timeout -k 5 "$timeout" "${q[@]}" </dev/null >"$serial" 2>&1
}

ovmf_boot_answer() {
    local dir=$1 vars=$2 try t0 t1
    shift 2
    for try in 1 2; do
        cp "$vars" "$dir/vars.fd"
        t0=$(date +%s.%N)
        boot_qrc=0
        ovmf_boot --vars "$dir/vars.fd" --serial "$dir/serial.log" "$@" || boot_qrc=$?
        t1=$(date +%s.%N)
        # Files, never pipes, for every check: under pipefail, grep -q quitting early
        # kills the writer with SIGPIPE and the pipeline "fails" on a match.
        tr -d '\r' <"$dir/serial.log" >"$dir/serial.txt"
        grep -aq "IO-APIC + timer doesn't work" "$dir/serial.txt" || break
        log "the guest's timer check failed (TCG on a busy host): booting again"
    done
    boot_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    grep -ao 'KDE:.*' "$dir/serial.txt" >"$dir/kde" || true
    grep -q '^KDE:first-end' "$dir/kde"
}
