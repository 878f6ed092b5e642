#!/usr/bin/python
# -*- coding: utf-8 -*-
# After the reboot: did the kernel reserve what is configured, is kdump ready?
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kdump_setup_verify
short_description: Check after the reboot that the crash kernel memory is reserved (and kdump ready)
description:
  - Runs C(kdump-setup verify --json) on the managed node. It compares the configured
    C(crashkernel=) value, the running kernel's command line, and what the kernel
    reserved (C(/sys/kernel/kexec_crash_size), the C(Crash kernel) regions of
    C(/proc/iomem)), and returns one status and one sentence.
  - C(ok) means the memory is reserved as configured. With I(require_loaded=true) (the
    default) it also needs a capture kernel loaded by the kdump service
    (C(/sys/kernel/kexec_crash_loaded)); else the status is C(not-loaded). That is
    "kdump works now", the gate a rollout wants.
  - The task fails unless the status is C(ok) (see I(fail_on_not_ok)). It never changes anything.
version_added: "0.1.0"
options:
  require_loaded:
    description: Also require a loaded capture kernel (C(verify --require-loaded)).
    type: bool
    default: true
  fail_on_not_ok:
    description:
      - Fail the task when the status is not C(ok). With C(false) the task succeeds and
        returns the status, for a play that decides itself.
    type: bool
    default: true
  root:
    description: Check the system tree under this directory instead of C(/).
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
  - Supports check mode (it only reads).
author:
  - kdump-setup contributors
"""

EXAMPLES = r"""
- name: Reserve, reboot if needed, then gate on kdump being ready
  block:
    - kdump_setup.kdump.kdump_setup:
        value: auto
      register: kdump
    - ansible.builtin.reboot:
      when: kdump.reboot_required
    - kdump_setup.kdump.kdump_setup_verify:

- name: Only the reservation (the kdump service is started later)
  kdump_setup.kdump.kdump_setup_verify:
    require_loaded: false
"""

RETURN = r"""
status:
  description: C(ok), C(pending-reboot), C(not-configured), C(not-reserved), C(mismatch), C(unsupported), C(next-boot-unknown), C(offline-image), or C(not-loaded).
  type: str
  returned: success
message:
  description: One sentence that says why.
  type: str
  returned: success
ready:
  description: Status C(ok) and a capture kernel loaded; kdump works now.
  type: bool
  returned: success
loaded:
  description: A capture kernel is loaded; null when the kernel does not say.
  type: bool
  returned: success
configured:
  description: The value configured for the next boot.
  type: str
  returned: success
running:
  description: The value the running kernel booted with.
  type: str
  returned: success
reserved_bytes:
  description: What the kernel reserved.
  type: int
  returned: success
expected_bytes:
  description: What the running value means on this machine.
  type: int
  returned: success
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


def main():
    module = AnsibleModule(
        argument_spec=dict(
            require_loaded=dict(type="bool", default=True),
            fail_on_not_ok=dict(type="bool", default=True),
            root=dict(type="path", default="/"),
            config=dict(type="path"),
            binary=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    argv = global_args(module) + ["verify"]
    if module.params["require_loaded"]:
        argv.append("--require-loaded")
    rc, report, stderr = run_json(module, argv)
    if report.get("error"):
        fail_with_error(module, argv, rc, report, stderr, changed=False)
    result = dict(changed=False, report=report, cmd=argv)
    for key in ("status", "message", "ready", "loaded", "configured", "running",
                "reserved_bytes", "expected_bytes", "backend"):
        result[key] = report.get(key)
    if report["status"] != "ok" and module.params["fail_on_not_ok"]:
        module.fail_json(msg="%s: %s" % (report["status"], report["message"]), rc=rc, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
