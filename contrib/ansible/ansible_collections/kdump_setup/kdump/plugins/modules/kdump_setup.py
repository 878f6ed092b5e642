#!/usr/bin/python
# -*- coding: utf-8 -*-
# Reserve (or remove) crash kernel memory with kdump-setup on the managed node.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kdump_setup
short_description: Reserve crash kernel memory (crashkernel=) through the boot loader in use
description:
  - Runs C(kdump-setup reserve) or C(kdump-setup remove) with C(--json) on the managed
    node. kdump-setup parses C(crashkernel=) as the kernel does, sizes C(auto) for the
    machine, and writes it through GRUB2, BLS entries or systemd-boot.
  - The new value takes effect at the next boot; the module returns C(reboot_required)
    so that a play can reboot (or not) as it decides. After the reboot,
    M(kdump_setup.kdump.kdump_setup_verify) checks that the kernel reserved it.
  - Check mode runs C(--dry-run) (nothing is written); diff mode returns the unified
    diff of every file that changes (would change, in check mode).
version_added: "0.1.0"
options:
  state:
    description:
      - C(present) writes I(value); C(absent) removes C(crashkernel=) from the boot configuration.
    type: str
    choices: [present, absent]
    default: present
  value:
    description:
      - C(auto) (sized for this machine by I(policy)) or a C(crashkernel=) value such as
        C(512M) or C(2G-64G:256M,64G-:512M). Checked as the kernel parses it; an invalid
        value fails the task with the tool's message. Only with I(state=present).
    type: str
    default: auto
  policy:
    description:
      - Sizing policy for I(value=auto) (C(estimate), C(rhel7), C(kdump-utils), C(debian),
        C(ubuntu), C(table), or one from the configuration file).
    type: str
  backend:
    description: The boot loader configuration to write through.
    type: str
    choices: [auto, grub2, bls, systemd-boot]
    default: auto
  kernel:
    description:
      - Which entries to change, C(all), C(default), or a kernel release (BLS and
        systemd-boot; GRUB2 writes GRUB_CMDLINE_LINUX, which every kernel gets).
    type: str
    default: all
  if_unset:
    description:
      - Change nothing if any C(crashkernel=) is already configured (an administrator's
        value wins). Only with I(state=present).
    type: bool
    default: false
  no_update:
    description: Do not run update-grub/grub-mkconfig; they are listed in C(commands).
    type: bool
    default: false
  memory:
    description:
      - RAM of the target (C(16G)), for I(value=auto) on a tree whose RAM cannot be read
        (an image under I(root)).
    type: str
  root:
    description:
      - Operate on the system tree under this directory (image builds, chroots).
        Regeneration commands are not run under a root other than C(/).
    type: path
    default: /
  config:
    description: Configuration file to read instead of C(/etc/kdump-setup.toml) under I(root).
    type: path
  binary:
    description: The kdump-setup program to run (default C(kdump-setup) from the PATH or C(/usr/sbin)).
    type: path
requirements:
  - kdump-setup on the managed node
notes:
  - Supports check mode (C(--dry-run)) and diff mode.
  - C(changed) is kdump-setup's C(would_change), so in check mode it is true when a real run would change a file.
author:
  - kdump-setup contributors
"""

EXAMPLES = r"""
- name: Reserve crash kernel memory sized for each machine
  kdump_setup.kdump.kdump_setup:
    value: auto
  register: kdump

- name: Reboot when the new reservation needs it
  ansible.builtin.reboot:
  when: kdump.reboot_required

- name: A fixed value, only where none is configured yet
  kdump_setup.kdump.kdump_setup:
    value: 2G-64G:256M,64G-:512M
    if_unset: true

- name: An image build
  kdump_setup.kdump.kdump_setup:
    root: /mnt/image
    memory: 16G
    no_update: true

- name: Take the reservation away
  kdump_setup.kdump.kdump_setup:
    state: absent
"""

RETURN = r"""
changed:
  description: A file changed (in check mode, would change).
  type: bool
  returned: always
reboot_required:
  description: The new value takes effect at the next boot.
  type: bool
  returned: success
expression:
  description: The crashkernel= value written (C(auto) resolved); null for I(state=absent).
  type: str
  returned: success
backend:
  description: The boot loader backend used (C(grub2), C(bls), C(systemd-boot)).
  type: str
  returned: success
kept_existing:
  description: I(if_unset=true) found a value and changed nothing.
  type: bool
  returned: success
existing:
  description: With I(if_unset=true), where a value was found (C(file), C(where), C(value)).
  type: list
  elements: dict
  returned: success
files:
  description: Every file of the plan (C(path), C(changed), C(diff), C(reason)).
  type: list
  elements: dict
  returned: success
commands:
  description: Regeneration commands (C(argv), C(ran), C(would_run), C(reason)).
  type: list
  elements: dict
  returned: success
notes:
  description: kdump-setup's notes (how C(auto) was sized, what to run under a root).
  type: list
  elements: str
  returned: success
error:
  description: On failure, kdump-setup's error object (C(kind), C(message), C(file), C(line), C(column), C(hints)).
  type: dict
  returned: failure
report:
  description: kdump-setup's whole JSON object.
  type: dict
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kdump_setup.kdump.plugins.module_utils.kdump_setup_json import (
    fail_with_error,
    global_args,
    run_json,
)


def build_argv(module):
    p = module.params
    argv = global_args(module)
    if p["state"] == "present":
        argv += ["reserve", p["value"]]
        if p["if_unset"]:
            argv.append("--if-unset")
        if p["policy"]:
            argv += ["--policy", p["policy"]]
        if p["memory"]:
            argv += ["--memory", p["memory"]]
    else:
        argv.append("remove")
    argv += ["--backend", p["backend"], "--kernel", p["kernel"]]
    if p["no_update"]:
        argv.append("--no-update")
    if module.check_mode:
        argv.append("--dry-run")
    return argv


def diffs(report):
    """One Ansible diff per changed file, from kdump-setup's unified diff."""
    return [
        {"before_header": f["path"], "after_header": f["path"], "prepared": f["diff"]}
        for f in report.get("files", [])
        if f.get("changed")
    ]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            value=dict(type="str", default="auto"),
            policy=dict(type="str"),
            backend=dict(type="str", choices=["auto", "grub2", "bls", "systemd-boot"], default="auto"),
            kernel=dict(type="str", default="all"),
            if_unset=dict(type="bool", default=False),
            no_update=dict(type="bool", default=False),
            memory=dict(type="str"),
            root=dict(type="path", default="/"),
            config=dict(type="path"),
            binary=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "absent" and (p["if_unset"] or p["policy"] or p["memory"]):
        module.fail_json(msg="if_unset, policy and memory apply to state=present only")
    argv = build_argv(module)
    rc, report, stderr = run_json(module, argv)
    if report.get("error") or rc != 0:
        # A regeneration command that failed after the files were written: changed.
        fail_with_error(module, argv, rc, report, stderr, changed=bool(report.get("changed")))
    result = dict(
        changed=bool(report["would_change"]),
        reboot_required=bool(report["reboot_required"]),
        expression=report.get("expression"),
        backend=report.get("backend"),
        kept_existing=bool(report.get("kept_existing")),
        existing=report.get("existing", []),
        files=report.get("files", []),
        commands=report.get("commands", []),
        notes=report.get("notes", []),
        report=report,
        cmd=argv,
    )
    if module._diff:
        result["diff"] = diffs(report)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
