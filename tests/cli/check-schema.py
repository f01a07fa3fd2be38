#!/usr/bin/env python3
"""check-schema.py SCHEMA [DOCUMENT]: validate a JSON document (default:
standard input) against one of sc-build's schemas (docs/schemas/), as the
CLI tests do with every --json output.

The schemas refer to each other by $id (https://sc-build.invalid/schemas/
NAME.schema.json, never fetched): every *.schema.json beside SCHEMA is
loaded, and each is itself checked against its metaschema first.  Exit 0
when the document holds, 1 with every violation on stderr, 2 on bad usage.
Uses Debian's python3-jsonschema: 4.10 in Debian 12, whose RefResolver
finds a schema by $id; from 4.18 on, python3-referencing's Registry does.
"""
import json
import pathlib
import sys

import jsonschema

try:
    from referencing import Registry, Resource
except ImportError:  # jsonschema before 4.18 (Debian 12)
    Registry = None


def load_schemas(directory):
    """Every schema of the directory, by $id, each checked first."""
    schemas = {}
    for path in sorted(directory.glob("*.schema.json")):
        schema = json.loads(path.read_text())
        jsonschema.validators.validator_for(schema).check_schema(schema)
        schemas[schema["$id"]] = schema
    return schemas


def make_validator(schema, schemas):
    """A validator of schema that resolves $refs among schemas, offline."""
    cls = jsonschema.validators.validator_for(schema)
    if Registry is not None:
        registry = Registry().with_resources(
            (uri, Resource.from_contents(s)) for uri, s in schemas.items())
        return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)
    resolver = jsonschema.RefResolver.from_schema(schema, store=schemas)
    return cls(schema, resolver=resolver, format_checker=cls.FORMAT_CHECKER)


def path_of(error):
    return "/".join(str(p) for p in error.absolute_path) or "(top)"


def report(name, error, depth):
    """One line per violation; a oneOf that no branch held names each
    branch's own violations beneath it, not the whole document."""
    indent = "  " * depth
    if error.validator in ("oneOf", "anyOf") and error.context:
        print(f"{indent}{name}: {path_of(error)}: no branch of {error.validator} holds:",
              file=sys.stderr)
        for sub in sorted(error.context, key=lambda e: list(e.absolute_path)):
            report(name, sub, depth + 1)
    else:
        print(f"{indent}{name}: {path_of(error)}: {error.message}", file=sys.stderr)


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    schema_path = pathlib.Path(argv[1])
    schema = json.loads(schema_path.read_text())
    schemas = load_schemas(schema_path.parent)
    text = pathlib.Path(argv[2]).read_text() if len(argv) == 3 else sys.stdin.read()
    name = argv[2] if len(argv) == 3 else "<stdin>"
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        print(f"{name}: not JSON: {e}", file=sys.stderr)
        return 1
    validator = make_validator(schema, schemas)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    for error in errors:
        report(name, error, 0)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
