# -*- coding: utf-8 -*-
# Runs kdump-setup with --json and reads its one JSON object (kdump-setup(8), JSON
# OUTPUT; docs/kdump-setup.schema.json in the kdump-setup source tree). Shared by the
# kdump_setup and kdump_setup_verify modules.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

# The schema_version this collection was written against: keys are only ever added
# under one version, so a newer binary with the same version is fine.
SCHEMA_VERSION = 1


def find_binary(module):
    """The kdump-setup to run: the `binary` option, else kdump-setup from PATH/sbin."""
    binary = module.params.get("binary")
    if binary:
        return binary
    return module.get_bin_path("kdump-setup", required=True, opt_dirs=["/usr/sbin", "/usr/local/sbin"])


def global_args(module):
    """--json, --root and --config as the module's options say."""
    args = [find_binary(module), "--json"]
    if module.params.get("root"):
        args += ["--root", module.params["root"]]
    if module.params.get("config"):
        args += ["--config", module.params["config"]]
    return args


def run_json(module, argv):
    """Runs argv; returns (rc, report, stderr). Fails the task when stdout is not the
    one JSON object the contract promises, or its schema_version is not ours."""
    rc, stdout, stderr = module.run_command(argv)
    try:
        report = json.loads(stdout)
    except ValueError as e:
        module.fail_json(msg="kdump-setup did not print one JSON object: %s" % e, rc=rc,
                         cmd=argv, stdout=stdout, stderr=stderr)
    if not isinstance(report, dict) or report.get("schema_version") != SCHEMA_VERSION:
        module.fail_json(msg="kdump-setup printed JSON of schema_version %r; this module reads %d"
                         % (report.get("schema_version") if isinstance(report, dict) else None,
                            SCHEMA_VERSION), rc=rc, cmd=argv, stdout=stdout, stderr=stderr)
    return rc, report, stderr


def fail_with_error(module, argv, rc, report, stderr, **extra):
    """Fails the task with the tool's own message (the JSON error object), its
    file:line:column and hints, and the exit code with its meaning."""
    error = report.get("error") or {}
    msg = error.get("message") or ("kdump-setup exited %d" % rc)
    where = error.get("file")
    if where:
        if error.get("line"):
            where += ":%d" % error["line"]
            if error.get("column"):
                where += ":%d" % error["column"]
        msg = "%s: %s" % (where, msg)
    elif error.get("column"):
        msg = "%s (column %d)" % (msg, error["column"])
    module.fail_json(msg=msg, error=error, hints=error.get("hints", []), rc=rc,
                     exit_meaning=report.get("exit_meaning"), cmd=argv, stderr=stderr, report=report,
                     **extra)
