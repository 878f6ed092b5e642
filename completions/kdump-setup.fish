# fish completion for kdump-setup(8). Installed as
# share/fish/vendor_completions.d/kdump-setup.fish. Style of fish's own bootctl.fish:
# verbs gated by __fish_seen_subcommand_from, no file completion except where a path is
# asked for. tests/cli/surface.sh fails when the program has a verb or option missing here.

set -l verbs reserve remove refresh explain recommend status verify shrink
complete -c kdump-setup -f

function __kdump_setup_releases --description 'kernel releases under the --root tree'
    set -l root /
    set -l tokens (commandline -opc)
    for i in (seq (count $tokens))
        switch $tokens[$i]
            case --root
                set -l n (math $i + 1)
                test $n -le (count $tokens); and set root $tokens[$n]
            case '--root=*'
                set root (string replace -- --root= '' $tokens[$i])
        end
    end
    for f in $root/boot/vmlinuz-* $root/lib/modules/* $root/usr/lib/modules/*
        test -e $f; or continue
        string replace -r '^vmlinuz-' '' (path basename $f)
    end | sort -u
end

# Global options, accepted before or after the verb.
complete -c kdump-setup -l root -x -a '(__fish_complete_directories)' -d 'Operate on the system tree under DIR'
complete -c kdump-setup -l config -r -F -d 'Configuration file instead of /etc/kdump-setup.toml'
complete -c kdump-setup -l json -d 'Print one JSON object on stdout'
complete -c kdump-setup -s q -l quiet -d 'Print only errors'
complete -c kdump-setup -s v -l verbose -d 'Explain each step'
complete -c kdump-setup -s h -l help -d 'Print help and exit'

# Verbs.
complete -c kdump-setup -n "not __fish_seen_subcommand_from $verbs" -a reserve -d 'Write a crashkernel= value through the boot loader'
complete -c kdump-setup -n "not __fish_seen_subcommand_from $verbs" -a remove -d 'Remove crashkernel= from the boot configuration'
complete -c kdump-setup -n "not __fish_seen_subcommand_from $verbs" -a refresh -d 'Size again the value reserve auto chose; write it if it changed'
complete -c kdump-setup -n "not __fish_seen_subcommand_from $verbs" -a explain -d 'What the kernel will reserve for a value, and why'
complete -c kdump-setup -n "not __fish_seen_subcommand_from $verbs" -a recommend -d 'Size a value for this machine, and say why'
complete -c kdump-setup -n "not __fish_seen_subcommand_from $verbs" -a status -d 'Configured, running and reserved values'
complete -c kdump-setup -n "not __fish_seen_subcommand_from $verbs" -a verify -d 'Check the reservation after the reboot'
complete -c kdump-setup -n "not __fish_seen_subcommand_from $verbs" -a shrink -d 'Give reserved memory back now, without a reboot'

# reserve VALUE
complete -c kdump-setup -n '__fish_seen_subcommand_from reserve' -a auto -d 'Sized for this machine by the policy'

# reserve, remove and refresh
set -l edit '__fish_seen_subcommand_from reserve remove refresh'
complete -c kdump-setup -n $edit -l dry-run -d 'Show the diff, change nothing'
complete -c kdump-setup -n $edit -l backend -x -a 'auto grub2 bls systemd-boot' -d 'Boot loader to write through'
complete -c kdump-setup -n $edit -l kernel -x -a 'all default (__kdump_setup_releases)' -d 'Entries to change'
complete -c kdump-setup -n $edit -l no-update -d 'Do not run update-grub/grub-mkconfig; list them'
complete -c kdump-setup -n '__fish_seen_subcommand_from reserve' -l if-unset -d 'Change nothing if crashkernel= is already set'
complete -c kdump-setup -n '__fish_seen_subcommand_from verify' -l require-loaded -d 'Also require a loaded capture kernel'
complete -c kdump-setup -n '__fish_seen_subcommand_from reserve refresh' -l force -d 'Write a value the write gate refuses'

# Facts and sizing
set -l facts '__fish_seen_subcommand_from reserve refresh explain recommend'
complete -c kdump-setup -n $facts -l memory -x -d 'RAM as the kernel counts it (16G, 2048M, bytes)'
complete -c kdump-setup -n $facts -l arch -x -a 'x86_64 i386 aarch64 ppc64le s390x riscv64 loongarch64' -d Architecture
complete -c kdump-setup -n '__fish_seen_subcommand_from reserve refresh recommend' -l policy -x -a 'estimate rhel7 kdump-utils debian ubuntu table' -d 'Sizing policy (default estimate)'
complete -c kdump-setup -n '__fish_seen_subcommand_from reserve refresh recommend' -l extra -x -d 'Headroom added to every tier'
complete -c kdump-setup -n '__fish_seen_subcommand_from reserve refresh recommend' -l luks -x -a 'auto off' -d 'Memory to unlock LUKS: auto, off or a size'
complete -c kdump-setup -n '__fish_seen_subcommand_from reserve refresh recommend' -l capture-initramfs -r -F -d 'Capture initramfs to size for'
complete -c kdump-setup -n '__fish_seen_subcommand_from recommend' -l initramfs-size -x -d 'Size of the capture initramfs file (estimate)'

# explain
complete -c kdump-setup -n '__fish_seen_subcommand_from explain' -l cmdline -x -d 'A whole kernel command line'
complete -c kdump-setup -n '__fish_seen_subcommand_from explain refresh' -l kernel-release -x -a '(__kdump_setup_releases)' -d 'Kernel release to model'
complete -c kdump-setup -n '__fish_seen_subcommand_from reserve recommend' -l kernel-release -x -a '(__kdump_setup_releases)' -d 'Kernel release to size the capture kernel for'

# shrink
complete -c kdump-setup -n '__fish_seen_subcommand_from shrink' -l to -x -a auto -d 'New size: auto (the estimate) or SIZE'
complete -c kdump-setup -n '__fish_seen_subcommand_from shrink' -l dry-run -d 'Say what would be given back, change nothing'
complete -c kdump-setup -n '__fish_seen_subcommand_from shrink' -l reload -d 'Unload and reload the crash kernel through the kdump service'
