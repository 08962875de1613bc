"""The command line: ``python -m calculator evaluate|explain``.

Input is a JSON object on standard input or in ``--input FILE``; each input
field also has a flag (``--monthly-requests 2000000``) whose text is read the
same way as a URL query parameter, and which wins over the JSON.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Sequence, TextIO

from .engine import answer, dumps
from .explain import explain, explain_errors
from .formatting import excerpt, quantity
from .inputs import Error, parse_json, parse_pairs, printable, validate
from .models import Rules
from .rules import RuleError, default_rules

EXIT_OK = 0
EXIT_INVALID = 2


def _flag(field_id: str) -> str:
    return "--" + field_id.replace("_", "-")


def _parser(rules: Rules) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m calculator",
        description="The Build-vs-Buy framework for AI features: API, fine-tune or build?",
        epilog="Exit status: 0 answered, 2 invalid input (every error named by field).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary in (
        ("evaluate", "print the result as JSON (the contract for scripts)"),
        ("explain", "print the result for people: recommendation, path, costs"),
    ):
        # No abbreviated flags: "--monthly-request" is a typo to report, not a guess.
        sub = commands.add_parser(name, help=summary, description=summary, allow_abbrev=False)
        sub.add_argument(
            "--input",
            metavar="FILE",
            help="read the input JSON object from FILE ('-' for standard input); "
            "without it, standard input is read unless it is a terminal",
        )
        fields = sub.add_argument_group("input fields", "each overrides the same field of the JSON input")
        for field in rules.fields.values():
            if field.type == "bool":
                shape = "true|false"
            elif field.type == "choice":
                shape = "|".join(field.choices)
            else:
                shape = "N"
            default = "none" if field.default is None else (
                quantity(field.default, field.unit) if field.type in ("number", "integer") else str(field.default).lower()
            )
            empty = "; empty for none" if field.nullable else ""
            fields.add_argument(
                _flag(field.id),
                dest=field.id,
                metavar=shape,
                help=f"{field.label} (default {default}{empty})",
            )
    return parser


def _read_json(path: str | None, stdin: TextIO) -> tuple[Any, list[Error]]:
    if path is None and stdin.isatty():
        return {}, []
    source = "standard input" if path in (None, "-") else path
    try:
        if path in (None, "-"):
            # Bytes, decoded here: a bad byte is an input error, not a traceback.
            raw = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode("utf-8")
        else:
            with open(path, "rb") as handle:
                raw = handle.read()
        text = raw.decode("utf-8-sig")  # a byte-order mark is not an error
    except OSError as error:
        return None, [{"field": "--input", "message": f"cannot read {source}: {error.strerror or error}"}]
    except UnicodeDecodeError as error:
        field = "input" if path in (None, "-") else "--input"
        return None, [{"field": field, "message": f"{source} is not UTF-8 text ({error.reason} at byte {error.start})"}]
    if not text.strip():
        return {}, []  # empty input: every field at its default
    return parse_json(text)


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    try:
        rules = default_rules()
    except RuleError as error:
        print(f"error: the rule file is broken: {error}", file=sys.stderr)
        return 1
    parser = _parser(rules)
    args, unknown = parser.parse_known_args(argv)
    # An unknown flag is an input error like any other, reported with the rest.
    flags = [text for text in unknown if text.startswith("-")] or unknown
    errors = [_unknown_flag(rules, text) for text in flags[:5]]
    raw, json_errors = _read_json(args.input, stdin)
    errors += json_errors
    pairs = [(name, getattr(args, name)) for name in rules.fields if getattr(args, name) is not None]
    flag_values, flag_errors, _ = parse_pairs(rules, pairs)
    errors += flag_errors
    inputs = None
    if not json_errors:
        # The JSON's own errors are reported even when a flag is bad; a field
        # whose flag was bad is not checked again from the JSON.
        bad_flags = {error["field"] for error in flag_errors}
        merged = {**raw, **flag_values} if isinstance(raw, dict) else raw
        if isinstance(merged, dict):
            merged = {k: v for k, v in merged.items() if k not in bad_flags}
        inputs, more = validate(rules, merged)
        errors += more
    if errors:
        if args.command == "evaluate":
            stdout.write(dumps({"errors": errors}) + "\n")
        else:
            sys.stderr.write(explain_errors(errors))
        return EXIT_INVALID
    ans = answer(rules, inputs)
    if args.command == "evaluate":
        stdout.write(dumps(ans.to_json()) + "\n")
    else:
        stdout.write(explain(ans))
    return EXIT_OK


def _unknown_flag(rules: Rules, text: str) -> Error:
    import difflib

    name = text.split("=", 1)[0]
    known = ["--input", "--help"] + [_flag(field_id) for field_id in rules.fields]
    hint = difflib.get_close_matches(name, known, n=1) if len(name) <= 80 else []
    message = "is not a flag of this command" + (f"; did you mean '{hint[0]}'?" if hint else "")
    return {"field": excerpt(printable(name)), "message": message}
