#!/usr/bin/env python3
"""Builds the input trees of golden/bls/<case>/root from tests/corpus (byte for byte)
and a few synthetic files. Keeps expected.* files. Run from the repository root:
    python3 golden/bls/make-cases.py
"""
import os, shutil, sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "..", "tests", "corpus")

RHEL_MID = "b486fe3f109f430d995b1ee093897980"
FED_MID = "fbb2514d30d245e09bacef0b91f01c45"
KU_MID = "e986846f63134c7295458cf36300ba5b"

FEDORA_GRUB = (
    'GRUB_TIMEOUT=5\n'
    'GRUB_DISTRIBUTOR="$(sed \'s, release .*$,,g\' /etc/system-release)"\n'
    'GRUB_DEFAULT=saved\n'
    'GRUB_DISABLE_SUBMENU=true\n'
    'GRUB_TERMINAL_OUTPUT="console"\n'
    'GRUB_CMDLINE_LINUX="rhgb quiet"\n'
    'GRUB_DISABLE_RECOVERY="true"\n'
    'GRUB_ENABLE_BLSCFG=true\n'
)
GRUB_CFG = "# placeholder: grub2-mkconfig output on Fedora/RHEL calls blscfg\ninsmod blscfg\nblscfg\n"


def corpus(kind, name):
    with open(os.path.join(CORPUS, kind, name), "rb") as f:
        return f.read()


def grubenv(lines):
    data = b"# GRUB Environment Block\n" + b"".join(l.encode() + b"\n" for l in lines)
    return data + b"#" * (1024 - len(data))


def case(name, args, description, files):
    d = os.path.join(HERE, name)
    root = os.path.join(d, "root")
    if os.path.isdir(root):
        shutil.rmtree(root)
    for path, data in files.items():
        p = os.path.join(root, path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if isinstance(data, tuple) and data[0] == "symlink":
            os.symlink(data[1], p)
            continue
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
    with open(os.path.join(d, "args"), "w") as f:
        f.write(args + "\n")
    with open(os.path.join(d, "description"), "w") as f:
        f.write(description + "\n")


def fedora_entry(release, mid=FED_MID, options="root=UUID=5bfc6a3e-1d2f-4a7e-9d2b-2a5f0e2c1a11 ro rhgb quiet"):
    return (f"title Fedora Linux ({release}) 39 (Cloud Edition)\nversion {release}\n"
            f"linux /vmlinuz-{release}\ninitrd /initramfs-{release}.img\noptions {options}\n"
            "grub_users $grub_users\ngrub_arg --unrestricted\ngrub_class fedora\n")


def fedora_tree(entries, cmdline=None, env=None, grub=FEDORA_GRUB, mid=FED_MID):
    files = {
        "etc/default/grub": grub,
        "etc/machine-id": mid + "\n",
        "etc/os-release": 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=39\n',
        "boot/grub2/grub.cfg": GRUB_CFG,
        "boot/grub2/grubenv": env if env is not None else grubenv([f"saved_entry={mid}-6.5.6-300.fc39.x86_64", "boot_success=1"]),
    }
    if cmdline is not None:
        files["etc/kernel/cmdline"] = cmdline
    for n, t in entries.items():
        files["boot/loader/entries/" + n] = t
    return files


def rhel_tree():
    return {
        "etc/default/grub": corpus("grub-default", "rhel83-aws-ec2-crashkernel-auto"),
        "etc/machine-id": RHEL_MID + "\n",
        "etc/os-release": 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nVERSION_ID="8.3"\n',
        "boot/grub2/grub.cfg": GRUB_CFG,
        "boot/grub2/grubenv": corpus("grubenv", "rhel83-aws-kernelopts-crashkernel-auto"),
        f"boot/loader/entries/{RHEL_MID}-4.18.0-240.15.1.el8_3.x86_64.conf": corpus("bls", "rhel83-aws-kernelopts-tuned.conf"),
        f"boot/loader/entries/{RHEL_MID}-0-rescue.conf": corpus("bls", "rhel83-aws-rescue-kernelopts-only.conf"),
        "boot/loader/entries/d8aff414dbe6429cbe36b52011441ef4-4.18.0-240.1.1.el8_3.x86_64.conf": corpus("bls", "rhel83-aws-stale-machine-id.conf"),
    }


def main():
    # The demonstration tree of the report: Fedora 39 cloud, /etc/kernel/cmdline present.
    fed = {
        f"{FED_MID}-6.5.6-300.fc39.x86_64.conf": fedora_entry("6.5.6-300.fc39.x86_64"),
        f"{FED_MID}-6.0.12-100.fc35.x86_64.conf": corpus("bls", "fedora35-cloud-inline-options.conf"),
        "c0a4265de6ec4238859db2e7cb8b92d1-5.11.12-300.fc34.x86_64.conf": corpus("bls", "fedora34-cloud-stale-machine-id-trailing-space.conf"),
        f"{FED_MID}-0-rescue-{FED_MID}.conf": fedora_entry(f"0-rescue-{FED_MID}").replace("Fedora Linux (0-rescue", "Fedora Linux (0-rescue"),
    }
    case("fedora39", "reserve 256M", "Fedora 39: literal options in every entry (a stale machine-id, a trailing space, a rescue entry), /etc/kernel/cmdline and GRUB_CMDLINE_LINUX",
         fedora_tree(fed, cmdline="root=UUID=5bfc6a3e-1d2f-4a7e-9d2b-2a5f0e2c1a11 ro rhgb quiet\n",
                     env=corpus("grubenv", "fedora35-legion-warning-line")))
    case("fedora39-default-only", "reserve 256M --kernel default", "--kernel default: only the entry saved_entry names; /etc/default/grub and /etc/kernel/cmdline untouched",
         fedora_tree(fed, cmdline="root=UUID=5bfc6a3e-1d2f-4a7e-9d2b-2a5f0e2c1a11 ro rhgb quiet\n"))
    case("fedora39-release", "reserve 512M --kernel 6.0.12-100.fc35.x86_64", "--kernel RELEASE picks the entry by version",
         fedora_tree(fed))
    case("fedora39-unknown-release", "reserve 512M --kernel 9.9.9", "--kernel with a release no entry boots: usage error listing the releases",
         fedora_tree(fed))

    # A NUL byte inside a key of an entry: refused with file, line, column and byte offset.
    nul = {f"{FED_MID}-6.5.6-300.fc39.x86_64.conf":
           fedora_entry("6.5.6-300.fc39.x86_64").encode().replace(b"options", b"opt\x00ions", 1)}
    case("nul-byte-entry", "reserve 256M", "A NUL byte in the key of an entry's options line: refused (exit 2) with file:line:column and the byte offset, nothing changed",
         fedora_tree(nul))

    # RHEL 8: $kernelopts in grubenv with crashkernel=auto, rescue, stale machine-id.
    case("rhel83-aws-kernelopts", "reserve 256M", "RHEL 8.3: options $kernelopts $tuned_params; kernelopts in the 1024-byte grubenv holds crashkernel=auto; a rescue entry and an entry of another machine-id",
         rhel_tree())
    case("rhel83-aws-remove", "remove", "RHEL 8.3: remove takes crashkernel=auto out of kernelopts and GRUB_CMDLINE_LINUX", rhel_tree())
    case("rhel83-aws-one-kernel", "reserve 256M --kernel 4.18.0-240.15.1.el8_3.x86_64",
         "RHEL 8.3, one kernel: kernelopts is shared, so the value goes on that entry's own line after $kernelopts", rhel_tree())
    # RHEL 8 after an upgrade to 8.5: a new kernel with literal options next to the
    # $kernelopts entries; /etc/kernel/cmdline present. The report's demonstration tree.
    t = rhel_tree()
    t[f"boot/loader/entries/{RHEL_MID}-4.18.0-348.el8.x86_64.conf"] = (
        "title Red Hat Enterprise Linux (4.18.0-348.el8.x86_64) 8.5 (Ootpa)\nversion 4.18.0-348.el8.x86_64\n"
        "linux /boot/vmlinuz-4.18.0-348.el8.x86_64\ninitrd /boot/initramfs-4.18.0-348.el8.x86_64.img $tuned_initrd\n"
        "options root=UUID=949779ce-46aa-434e-8eb0-852514a5d69e ro console=ttyS0,115200n8 console=tty0 net.ifnames=0 "
        "rd.blacklist=nouveau nvme_core.io_timeout=4294967295 crashkernel=auto $tuned_params\n"
        "id rhel-20211109-4.18.0-348.el8.x86_64\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class kernel\n")
    t["etc/kernel/cmdline"] = ("root=UUID=949779ce-46aa-434e-8eb0-852514a5d69e ro console=ttyS0,115200n8 console=tty0 "
                               "net.ifnames=0 rd.blacklist=nouveau nvme_core.io_timeout=4294967295 crashkernel=auto\n")
    case("rhel8-mixed", "reserve 256M", "RHEL 8.5: $kernelopts entries (grubenv edited) next to an entry with literal options (edited), /etc/kernel/cmdline and GRUB_CMDLINE_LINUX in step", t)
    # Older Fedora/RHEL EFI installs: /boot/grub2/grubenv is a symlink into the ESP.
    t = rhel_tree()
    t["boot/efi/EFI/redhat/grubenv"] = t.pop("boot/grub2/grubenv")
    t["boot/grub2/grubenv"] = ("symlink", "../efi/EFI/redhat/grubenv")
    case("rhel-grubenv-symlink-esp", "reserve 256M", "grubenv is a relative symlink into the ESP: the target is edited, the link stays", t)
    t = rhel_tree()
    t["boot/grub2/grubenv"] = corpus("grubenv", "grubby-test-1025-bytes-trailing-newline")
    case("rhel-grubenv-1025-bytes", "reserve 256M", "entries use $kernelopts but grubenv is 1025 bytes: refused, nothing changed", t)
    t = rhel_tree()
    t["boot/grub2/grubenv"] = grubenv(["saved_entry=" + RHEL_MID + "-4.18.0-240.15.1.el8_3.x86_64",
                                        "kernelopts=root=/dev/xvda1 ro rd.lvm.lv=" + "x" * 860])
    case("rhel-grubenv-full", "reserve 1G-4G:192M,4G-64G:256M,64G-:512M", "kernelopts would not fit into 1024 bytes: refused", t)

    # kdump-utils samples: long crashkernel=, fadump, ~custom duplicate entry, rescue.
    ku = {
        f"{KU_MID}-0-rescue.conf": corpus("bls", "kdump-utils-fc33-rescue.conf"),
        f"{KU_MID}-5.14.14-200.fc34.x86_64.0~custom.conf": corpus("bls", "kdump-utils-fc34-custom-tilde.conf"),
        f"{KU_MID}-5.15.6-100.fc34.x86_64.conf": corpus("bls", "kdump-utils-fc34-grub_class-fedora.conf"),
    }
    case("kdump-utils-fc34", "reserve 256M", "kdump-utils test entries: a long crashkernel= range list replaced in place, fadump=on kept, a ~custom duplicate, a rescue entry",
         fedora_tree(ku, env=corpus("grubenv", "kdump-utils-empty-grubenv"), mid=KU_MID))

    # Two options lines: GRUB reads the first only.
    two = {f"{FED_MID}-6.5.6-300.fc39.x86_64.conf":
           "title Fedora Linux (6.5.6-300.fc39.x86_64) 39\nversion 6.5.6-300.fc39.x86_64\nlinux /vmlinuz-6.5.6-300.fc39.x86_64\n"
           "options root=/dev/vda2 ro\noptions crashkernel=128M quiet\ninitrd /initramfs-6.5.6-300.fc39.x86_64.img\n"}
    case("two-options-lines", "reserve 256M", "two options lines: the first is edited (GRUB reads only it); crashkernel= on the second is noted",
         fedora_tree(two))

    # CRLF, tabs, no final newline.
    odd = {f"{FED_MID}-6.5.6-300.fc39.x86_64.conf":
           "title\tFedora Linux\r\nversion\t6.5.6-300.fc39.x86_64\r\nlinux\t/vmlinuz-6.5.6-300.fc39.x86_64\r\noptions\t\troot=/dev/vda2   ro \t\r\n\r\ninitrd /initramfs-6.5.6-300.fc39.x86_64.img"}
    case("crlf-tabs-no-final-newline", "reserve 256M", "CRLF line ends, tabs, runs of spaces, trailing blanks and no final newline survive", fedora_tree(odd))

    # saved_entry with a comma (grubby's test grubenv), GRUB_DEFAULT=saved, --kernel default.
    comma_env = corpus("grubenv", "grubby-test-saved_entry-with-comma")
    ents = {f"{FED_MID}-6.5.6-300.fc39.x86_64.conf": fedora_entry("6.5.6-300.fc39.x86_64"),
            f"{FED_MID}-6.4.0-100.fc39.x86_64.conf": fedora_entry("6.4.0-100.fc39.x86_64")}
    case("grubby-saved-entry-comma", "reserve 256M --kernel default", "grubby's grubenv: saved_entry is a title with a comma that names no entry here; GRUB falls back to the first entry",
         fedora_tree(ents, env=comma_env))

    # Every kernel-cmdline sample as /etc/kernel/cmdline of a Fedora tree.
    for n in sorted(os.listdir(os.path.join(CORPUS, "kernel-cmdline"))):
        case("kernel-cmdline-" + n, "reserve 256M", f"/etc/kernel/cmdline from the corpus ({n}) edited in step with the entries",
             fedora_tree({f"{FED_MID}-6.5.6-300.fc39.x86_64.conf": fedora_entry("6.5.6-300.fc39.x86_64")},
                         cmdline=corpus("kernel-cmdline", n)))

    # ostree: refused with the rpm-ostree command.
    t = fedora_tree({"ostree-1-fedora-coreos.conf": fedora_entry("6.5.6-300.fc39.x86_64", options="ostree=/ostree/boot.1/fedora-coreos/abc/0 rw")})
    t["run/ostree-booted"] = ""
    case("ostree-refused", "reserve 256M", "/run/ostree-booted: refused (exit 3) naming rpm-ostree kargs", t)

    # Boot counting in the name.
    bc = {f"{FED_MID}-6.5.6-300.fc39.x86_64+3-1.conf": fedora_entry("6.5.6-300.fc39.x86_64")}
    case("boot-counting-name", "reserve 256M --kernel default", "boot counter +3-1 in the file name: the file keeps its name; saved_entry names the entry without the counter",
         fedora_tree(bc))


if __name__ == "__main__":
    main()
