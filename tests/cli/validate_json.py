#!/usr/bin/python3
"""Validates kdump-setup --json output against docs/kdump-setup.schema.json with
Debian's python3-jsonschema (Draft 2020-12). Usage: validate_json.py SCHEMA FILE...
Each FILE must hold exactly one JSON object (the contract: one object per run).
Prints one line per problem; exits 1 if any."""
import json
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        text = open(path).read()
        try:
            obj, end = json.JSONDecoder().raw_decode(text)
        except ValueError as e:
            print(f"{path}: not JSON: {e}: {text[:200]!r}")
            bad += 1
            continue
        if text[end:].strip():
            print(f"{path}: more than one JSON value on stdout: {text[end:end + 200]!r}")
            bad += 1
        for err in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in err.absolute_path) or "(top)"
            print(f"{path}: {where}: {err.message}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
