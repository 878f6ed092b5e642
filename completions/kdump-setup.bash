# bash completion for kdump-setup(8)                             -*- shell-script -*-
# Installed as share/bash-completion/completions/kdump-setup. Self-contained: it does
# not need bash-completion's helpers, so it also works when sourced by hand.
# The verbs and options are those of the contract (docs/contract.md §3); tests/cli/surface.sh
# fails when the program has one that is missing here.

_kdump_setup_releases() {  # kernel releases installed under the --root tree
  local root=$1 f
  for f in "$root"/boot/vmlinuz-* "$root"/lib/modules/* "$root"/usr/lib/modules/*; do
    [ -e "$f" ] || continue
    f=${f##*/}
    printf '%s\n' "${f#vmlinuz-}"
  done | sort -u
}

_kdump_setup() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev= i w verb= root=/
  local verbs="reserve remove refresh explain recommend status verify shrink"
  local globals="--root --config --json -q --quiet -v --verbose -h --help"
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  # "--backend=gr": bash splits at '=' (COMP_WORDBREAKS)
  if [[ $prev == = ]] && ((COMP_CWORD > 1)); then
    prev=${COMP_WORDS[COMP_CWORD - 2]}
  elif [[ $cur == = ]]; then
    prev=${COMP_WORDS[COMP_CWORD - 1]} cur=
  fi

  # The verb and --root seen so far (global options may come before or after the verb).
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case $w in
      --root) ((i + 1 < COMP_CWORD)) && root=${COMP_WORDS[i + 1]} ;;
      --root=*) root=${w#--root=} ;;
      --config | --backend | --kernel | --memory | --arch | --policy | --initramfs-size | --cmdline | --kernel-release | --to)
        ((i++)) ;;
      -*) ;;
      *) [ -z "$verb" ] && [[ " $verbs " == *" $w "* ]] && verb=$w ;;
    esac
  done
  [[ $root == "~"* ]] && root=$HOME${root#\~}

  local values=
  case $prev in
    --root)
      COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    --config)
      COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    --backend) values="auto grub2 bls systemd-boot" ;;
    --policy) values="estimate rhel7 kdump-utils debian ubuntu table" ;;
    --kernel) values="all default $(_kdump_setup_releases "$root")" ;;
    --kernel-release) values=$(_kdump_setup_releases "$root") ;;
    --arch) values="x86_64 i386 aarch64 ppc64le s390x riscv64 loongarch64" ;;
    --luks) values="auto off" ;;
    --to) values="auto" ;;
    --capture-initramfs)
      COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    --memory | --cmdline | --extra | --initramfs-size) COMPREPLY=(); return ;;
  esac
  if [ -n "$values" ] || [[ $prev == --@(backend|policy|kernel|kernel-release|arch|luks|to) ]]; then
    COMPREPLY=($(compgen -W "$values" -- "$cur"))
    return
  fi

  local opts=
  case $verb in
    reserve) opts="--dry-run --backend --kernel --if-unset --force --no-update --memory --arch --kernel-release --policy --extra --luks --capture-initramfs" ;;
    remove) opts="--dry-run --backend --kernel --no-update" ;;
    refresh) opts="--dry-run --backend --kernel --force --no-update --memory --arch --kernel-release --policy --extra --luks --capture-initramfs" ;;
    explain) opts="--cmdline --memory --arch --kernel-release" ;;
    recommend) opts="--memory --arch --kernel-release --policy --extra --luks --capture-initramfs --initramfs-size" ;;
    status) opts= ;;
    verify) opts="--require-loaded" ;;
    shrink) opts="--to --dry-run --reload" ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$globals $opts" -- "$cur"))
  elif [ -z "$verb" ]; then
    COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
  elif [ "$verb" = reserve ]; then
    COMPREPLY=($(compgen -W "auto" -- "$cur"))
  fi
}
complete -F _kdump_setup kdump-setup
