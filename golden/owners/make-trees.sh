#!/usr/bin/env bash
# Builds golden/owners/<tool>/<case>/root/: system trees laid out as each tool writes
# them (README.md cites the source of every file format). Rerun after a change; the
# trees are committed. Usage: golden/owners/make-trees.sh
set -euo pipefail
cd "$(dirname "$0")"
MID=8f3c2a61d94e4b6f9a0e2b7c5d1f3a40
UUID=5bfc6a3e-1d2f-4a7e-9d2b-2a5f0e2c1a11

case_dir() {  # case_dir TOOL CASE ARGS DESCRIPTION: a fresh root, args and description
  d=$1/$2
  rm -rf "$d"; mkdir -p "$d/root"
  printf '%s\n' "$3" >"$d/args"
  printf '%s\n' "$4" >"$d/description"
  r=$d/root
}
put() {  # put PATH: stdin into the tree
  mkdir -p "$(dirname "$r$1")"; cat >"$r$1"
}
kernel() {  # kernel RELEASE: an installed kernel (modules directory, image)
  mkdir -p "$r/lib/modules/$1" "$r/boot"; : >"$r/boot/vmlinuz-$1"
}

# --- kernelstub (Pop!_OS 22.04): Config.save_config() json.dump(indent=2) of the
# "default" and "user" dicts; Installer.setup_kernel(): <ESP>/EFI/Pop_OS-<root uuid>/
# vmlinuz.efi, initrd.img, cmdline; loader.conf "default Pop_OS-current"; entries
# Pop_OS-current.conf / Pop_OS-oldkern.conf from make_loader_entry().
case_dir kernelstub pop-os-22.04 "reserve 256M" "Pop!_OS 22.04: kernelstub owns the systemd-boot entries"
put /etc/os-release <<'X'
NAME="Pop!_OS"
VERSION="22.04 LTS"
ID=pop
ID_LIKE="ubuntu debian"
PRETTY_NAME="Pop!_OS 22.04 LTS"
VERSION_ID="22.04"
X
# save_config(): json.dump(indent=2) -- no final newline.
printf '%s' '{
  "default": {
    "kernel_options": [
      "quiet",
      "splash"
    ],
    "esp_path": "/boot/efi",
    "setup_loader": false,
    "manage_mode": false,
    "force_update": false,
    "live_mode": false,
    "config_rev": 3
  },
  "user": {
    "kernel_options": [
      "quiet",
      "loglevel=0",
      "systemd.show_status=false",
      "splash"
    ],
    "esp_path": "/boot/efi",
    "setup_loader": true,
    "manage_mode": true,
    "force_update": false,
    "live_mode": false,
    "config_rev": 3
  }
}' | put /etc/kernelstub/configuration
printf 'default Pop_OS-current\n' | put /boot/efi/loader/loader.conf
put /boot/efi/loader/entries/Pop_OS-current.conf <<X
title Pop!_OS
linux /EFI/Pop_OS-$UUID/vmlinuz.efi
initrd /EFI/Pop_OS-$UUID/initrd.img
options root=UUID=$UUID ro quiet loglevel=0 systemd.show_status=false splash
X
put /boot/efi/loader/entries/Pop_OS-oldkern.conf <<X
title Pop!_OS
linux /EFI/Pop_OS-$UUID/vmlinuz-previous.efi
initrd /EFI/Pop_OS-$UUID/initrd.img-previous
options root=UUID=$UUID ro quiet loglevel=0 systemd.show_status=false splash
X
for f in vmlinuz.efi initrd.img vmlinuz-previous.efi initrd.img-previous; do : | put "/boot/efi/EFI/Pop_OS-$UUID/$f"; done
printf 'BOOT_IMAGE=/boot/vmlinuz-6.9.3-76060903-generic root=UUID=%s ro quiet loglevel=0 systemd.show_status=false splash\n' "$UUID" \
  | put "/boot/efi/EFI/Pop_OS-$UUID/cmdline"
kernel 6.9.3-76060903-generic

# The same system with a configuration edited by hand (a final newline, options as one
# string, as kernelstub's own data/config/kernelstub ships them): kernelstub reads it,
# but kdump-setup does not rewrite it; refused with the command.
case_dir kernelstub pop-os-hand-edited "reserve 256M" "Pop!_OS with a hand-edited kernelstub configuration: refused with the kernelstub command"
cp -a kernelstub/pop-os-22.04/root/. "$r/"
put /etc/kernelstub/configuration <<'X'
{
  "default": {
    "kernel_options": "quiet splash",
    "esp_path": "/boot/efi",
    "setup_loader": false,
    "manage_mode": false,
    "force_update": false,
    "live_mode": false,
    "config_rev": 3
  },
  "user": {
    "kernel_options": "quiet loglevel=0 splash",
    "esp_path": "/boot/efi",
    "setup_loader": true,
    "manage_mode": true,
    "force_update": false,
    "live_mode": false,
    "config_rev": 3
  }
}
X

# --- proxmox-boot-tool (Proxmox VE 8, ZFS root, UEFI): /etc/kernel/proxmox-boot-uuids
# (one ESP UUID a line), /etc/kernel/cmdline (one line), the synced ESP's
# loader/entries/proxmox-<kver>.conf and EFI/proxmox/<kver>/ (zz-proxmox-boot).
case_dir proxmox-boot-tool pve8-zfs-uefi "reserve 256M" "Proxmox VE 8 on ZFS: proxmox-boot-tool syncs the ESPs from /etc/kernel/cmdline"
put /etc/os-release <<'X'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
ID=debian
X
printf '6A1B-2C3D\n6A1B-4E5F\n' | put /etc/kernel/proxmox-boot-uuids
printf 'root=ZFS=rpool/ROOT/pve-1 boot=zfs\n' | put /etc/kernel/cmdline
printf 'timeout 3\ndefault proxmox-*\n' | put /boot/efi/loader/loader.conf
put /boot/efi/loader/entries/proxmox-6.8.12-4-pve.conf <<'X'
title    Proxmox Virtual Environment
version  6.8.12-4-pve
options  root=ZFS=rpool/ROOT/pve-1 boot=zfs
linux    /EFI/proxmox/6.8.12-4-pve/vmlinuz-6.8.12-4-pve
initrd   /EFI/proxmox/6.8.12-4-pve/initrd.img-6.8.12-4-pve
X
: | put /boot/efi/EFI/proxmox/6.8.12-4-pve/vmlinuz-6.8.12-4-pve
kernel 6.8.12-4-pve

# --- proxmox-boot-tool in GRUB mode (legacy BIOS on ZFS): no /etc/kernel/cmdline; the
# command line comes from /etc/default/grub, the ESPs carry GRUB (grub-install run by
# proxmox-boot-tool). Not worked through: refused with the command.
case_dir proxmox-boot-tool pve8-zfs-bios-grub "reserve 256M" "Proxmox VE 8 on ZFS, legacy BIOS: proxmox-boot-tool keeps GRUB on the ESPs from /etc/default/grub"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' | put /etc/os-release
printf '6A1B-2C3D\n' | put /etc/kernel/proxmox-boot-uuids
put /etc/default/grub <<'X'
GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR="Proxmox VE"
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX="root=ZFS=rpool/ROOT/pve-1 boot=zfs"
X
: | put /boot/grub/grub.cfg
kernel 6.8.12-4-pve

# --- sdbootutil (openSUSE Tumbleweed, btrfs snapshots): entry_conf_file() names
# "<entry-token>-<kver>-<snapshot>.conf", install_kernel() writes "version
# <snapshot>@<kver>" and "options" from create_boot_options() (/etc/kernel/cmdline).
case_dir sdbootutil tumbleweed-snapshots "reserve 256M" "openSUSE Tumbleweed: sdbootutil writes one entry per snapshot from /etc/kernel/cmdline"
put /etc/os-release <<'X'
NAME="openSUSE Tumbleweed"
ID="opensuse-tumbleweed"
ID_LIKE="opensuse suse"
PRETTY_NAME="openSUSE Tumbleweed"
X
printf '%s\n' "$MID" | put /etc/machine-id
printf 'root=UUID=%s rootflags=subvol=@/.snapshots/5/snapshot splash=silent quiet security=selinux selinux=1 mitigations=auto\n' "$UUID" | put /etc/kernel/cmdline
printf 'timeout 8\ndefault opensuse-tumbleweed-6.12.8-1-default-5.conf\n#\n' | put /boot/efi/loader/loader.conf
for snap in 4 5; do
put "/boot/efi/loader/entries/opensuse-tumbleweed-6.12.8-1-default-$snap.conf" <<X
title      openSUSE Tumbleweed 20250110
version    $snap@6.12.8-1-default
machine-id $MID
sort-key   opensuse-tumbleweed
options    root=UUID=$UUID rootflags=subvol=@/.snapshots/$snap/snapshot splash=silent quiet security=selinux selinux=1 mitigations=auto systemd.machine_id=$MID
linux      /opensuse-tumbleweed/6.12.8-1-default/linux-0a1b2c3d4e5f
initrd     /opensuse-tumbleweed/6.12.8-1-default/initrd-5f4e3d2c1b0a
X
done
: | put /usr/bin/sdbootutil
kernel 6.12.8-1-default

# --- mkinitcpio UKIs (Arch Linux): /etc/mkinitcpio.d/linux.preset from the package's
# hook.preset with default_uki= enabled; build_uki() embeds /etc/kernel/cmdline and
# /etc/cmdline.d/*.conf; the UKI is the only boot entry (EFI/Linux).
case_dir mkinitcpio arch-uki "reserve 256M" "Arch Linux: mkinitcpio builds the UKI that boots; the command line is embedded in it"
printf 'NAME="Arch Linux"\nID=arch\nPRETTY_NAME="Arch Linux"\n' | put /etc/os-release
put /etc/mkinitcpio.d/linux.preset <<'X'
# mkinitcpio preset file for the 'linux' package

#ALL_config="/etc/mkinitcpio.conf"
ALL_kver="/boot/vmlinuz-linux"

PRESETS=('default' 'fallback')

#default_config="/etc/mkinitcpio.conf"
#default_image="/boot/initramfs-linux.img"
default_uki="/efi/EFI/Linux/arch-linux.efi"
default_options="--splash /usr/share/systemd/bootctl/splash-arch.bmp"

#fallback_config="/etc/mkinitcpio.conf"
#fallback_image="/boot/initramfs-linux-fallback.img"
fallback_uki="/efi/EFI/Linux/arch-linux-fallback.efi"
fallback_options="-S autodetect"
X
printf 'rw root=UUID=%s\n' "$UUID" | put /etc/cmdline.d/root.conf
printf 'quiet bgrt_disable\n' | put /etc/cmdline.d/quiet.conf
printf 'timeout 3\n' | put /efi/loader/loader.conf
: | put /efi/EFI/Linux/arch-linux.efi
: | put /efi/EFI/Linux/arch-linux-fallback.efi
: | put /boot/vmlinuz-linux
mkdir -p "$r/lib/modules/6.12.9-arch1-1"

# --- zipl (s390x), classic /etc/zipl.conf (SLES 15): sections with parameters=.
case_dir zipl sles15-zipl-conf "reserve 256M" "SLES 15 on s390x: zipl writes the IPL record from /etc/zipl.conf"
printf 'NAME="SLES"\nVERSION_ID="15.6"\nID="sles"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP6"\n' | put /etc/os-release
put /etc/zipl.conf <<'X'
# Modified by YaST2. Last modification on Mon Jan  6 10:11:12 UTC 2025
[defaultboot]
defaultmenu = menu

:menu
    default = 1
    prompt = 1
    target = /boot/zipl
    timeout = 10
    1 = SLES15
    2 = SLES15-previous

[SLES15]
    image = /boot/image
    target = /boot/zipl
    ramdisk = /boot/initrd,0x2000000
    parameters = "root=/dev/disk/by-path/ccw-0.0.0150-part1 hvc_iucv=8 TERM=dumb resume=/dev/disk/by-path/ccw-0.0.0151-part1"

[SLES15-previous]
    image = /boot/image.prev
    target = /boot/zipl
    ramdisk = /boot/initrd.prev,0x2000000
    parameters = "root=/dev/disk/by-path/ccw-0.0.0150-part1 hvc_iucv=8 TERM=dumb"
X
kernel 6.4.0-150600.23.25-default

# --- zipl with BLS (RHEL 9 on s390x): the minimal zipl.conf of s390-tools
# (zipl/doc/zipl.conf.minimal) and BLS entries that zipl reads.
case_dir zipl rhel9-s390x-bls "reserve 256M" "RHEL 9 on s390x: BLS entries, applied only when zipl runs"
printf 'NAME="Red Hat Enterprise Linux"\nVERSION_ID="9.4"\nID="rhel"\n' | put /etc/os-release
put /etc/zipl.conf <<'X'
[defaultboot]
defaultauto
prompt=1
timeout=5
secure=auto
target=/boot
X
put "/boot/loader/entries/$MID-5.14.0-427.13.1.el9_4.s390x.conf" <<X
title Red Hat Enterprise Linux (5.14.0-427.13.1.el9_4.s390x) 9.4 (Plow)
version 5.14.0-427.13.1.el9_4.s390x
linux /boot/vmlinuz-5.14.0-427.13.1.el9_4.s390x
initrd /boot/initramfs-5.14.0-427.13.1.el9_4.s390x.img
options root=/dev/mapper/rhel-root crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M rd.lvm.lv=rhel/root cio_ignore=all,!condev
id rhel-20240416000000-5.14.0-427.13.1.el9_4.s390x
grub_users \$grub_users
grub_arg --unrestricted
grub_class rhel
X
kernel 5.14.0-427.13.1.el9_4.s390x

# --- rpm-ostree (Fedora Silverblue 41): ostree's BLS entries carry ostree=.
case_dir rpm-ostree silverblue-41 "reserve 256M" "Fedora Silverblue: rpm-ostree generates the entries; kernel arguments go through rpm-ostree kargs"
printf 'NAME="Fedora Linux"\nVERSION_ID=41\nID=fedora\nVARIANT_ID=silverblue\n' | put /etc/os-release
: | put /run/ostree-booted
mkdir -p "$r/ostree/repo"
put /boot/loader/entries/ostree-1.conf <<'X'
title Fedora Linux 41.20250105.0 (Silverblue) (ostree:0)
version 1
options rhgb quiet root=UUID=5bfc6a3e-1d2f-4a7e-9d2b-2a5f0e2c1a11 rootflags=subvol=root rw ostree=/ostree/boot.1/fedora/3c1a7f2e9d0b4a5c6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5/0
linux /ostree/fedora-3c1a7f2e9d0b4a5c6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5/vmlinuz-6.12.7-200.fc41.x86_64
initrd /ostree/fedora-3c1a7f2e9d0b4a5c6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5/initramfs-6.12.7-200.fc41.x86_64.img
X

# --- bootc (Fedora bootc image): ostree deployment plus /usr/lib/bootc/kargs.d TOML
# (bootc lib/src/kargs.rs KARGS_PATH; "kargs = [...]").
case_dir bootc fedora-bootc-41 "reserve 256M" "A bootc host: kernel arguments come from the image's kargs.d or rpm-ostree kargs"
printf 'NAME="Fedora Linux"\nVERSION_ID=41\nID=fedora\n' | put /etc/os-release
: | put /run/ostree-booted
printf 'kargs = ["console=ttyS0,115200n8"]\n' | put /usr/lib/bootc/kargs.d/10-console.toml
put /boot/loader/entries/ostree-1.conf <<'X'
title Fedora Linux 41 (ostree:0)
version 1
options root=UUID=5bfc6a3e-1d2f-4a7e-9d2b-2a5f0e2c1a11 rw boot=UUID=0d1e2f30-4152-6374-8596-a7b8c9d0e1f2 console=ttyS0,115200n8 ostree=/ostree/boot.1/default/9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9/0
linux /ostree/default-9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9/vmlinuz-6.12.7-200.fc41.x86_64
initrd /ostree/default-9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9/initramfs-6.12.7-200.fc41.x86_64.img
X
echo "trees written"
