"""Checking inputs: the JSON object, a URL query string, or text from a flag.

Every entry point returns the normalised inputs *or* every error at once, each
naming its field. Nothing here raises on bad input and nothing falls back to a
default silently: a field that is present is either valid or reported.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any, Final, Mapping, NamedTuple

from .formatting import excerpt
from .plan import ASK, plan_for

if TYPE_CHECKING:  # models builds on this module's checks
    from .models import Field, Rules

Error = dict[str, str]

# Query parameters that belong to the page, not to the engine's inputs.
VERSION_PARAM: Final = "v"
PAGE_PARAMS: Final = frozenset({VERSION_PARAM, "embed"})

# A plain decimal number: no "nan", "inf", "0x10", "1_000" or spaces, all of
# which Python's float() would otherwise accept.
_NUMBER_TEXT: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER_TEXT: Final = re.compile(r"[+-]?[0-9]+")  # [0-9], not \d: "١٠" is no number here
_ROOT: Final = "input"
# Unknown names get a "did you mean" only for the first few, and are listed
# only up to a bound: a million unknown keys must answer as fast as one.
NAMED_UNKNOWN: Final = 5
LISTED_IGNORED: Final = 10
# More digits than any bound in the rule data can need; Python refuses to
# turn 4,300 or more digits into an int at all.
MAX_DIGITS: Final = 40
IDENTIFIER: Final = re.compile(r"[a-z][a-z0-9_]*")


class TooLong(NamedTuple):
    """A JSON number with more digits than any field allows, kept unconverted."""

    digits: int
    negative: bool = False


def _json_kind(value: Any) -> str:
    if isinstance(value, TooLong):
        return f"a number of {value.digits:,} digits"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def format_bound(value: float) -> str:
    """A bound as people write it: 1,000,000 rather than 1000000.0."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,}"


def _check_range(field: Field, value: float) -> str | None:
    if field.min is not None:
        if field.min_exclusive and not value > field.min:
            return f"must be greater than {format_bound(field.min)}"
        if not field.min_exclusive and value < field.min:
            return f"must be at least {format_bound(field.min)}"
    if field.max is not None and value > field.max:
        return f"must be at most {format_bound(field.max)}"
    return None


def check_value(field: Field, value: Any) -> tuple[Any, str | None]:
    """Check one field's JSON value; return (normalised value, error message)."""
    if value is None:
        if field.nullable:
            return None, None
        return None, f"must not be null ({_expected(field)})"
    kind = field.type
    if kind == "bool":
        if isinstance(value, bool):
            return value, None
        return None, f"must be true or false, not {_json_kind(value)}"
    if kind == "choice":
        if isinstance(value, str) and value in field.choices:
            return value, None
        shown = repr(excerpt(value)) if isinstance(value, str) else _json_kind(value)
        return None, f"must be one of {_or_list(field.choices)}, not {shown}"
    # number or integer
    if isinstance(value, TooLong):
        bound = _check_range(field, -math.inf if value.negative else math.inf)
        return None, f"is {_json_kind(value)}; {bound or 'too long to use'}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, f"must be {_expected(field)}, not {_json_kind(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return None, f"must be a finite number, not {value!r}"
    if kind == "integer" and isinstance(value, float):
        if not value.is_integer():
            return None, f"must be a whole number, not {value!r}"
        value = int(value)
    # Range first: a huge JSON integer compares exactly but would overflow float().
    problem = _check_range(field, value)
    if problem:
        return None, problem
    if kind == "number":
        value = float(value)  # one type per field keeps output and comparisons stable
    return value, None


def _expected(field: Field) -> str:
    return {"integer": "a whole number", "number": "a number"}.get(field.type, field.type)


def _or_list(items: tuple[str, ...]) -> str:
    quoted = [repr(i) for i in items]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else quoted[0]


def printable(name: str) -> str:
    """A name as it can be printed and encoded: a lone surrogate from JSON
    (written \\ud800 in JSON) would make UTF-8 output fail, so such names are escaped."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "backslashreplace").decode("ascii")
    return name


def shown_name(name: Any) -> str:
    """A name from outside as a message may quote it: printable and short."""
    return excerpt(printable(str(name)))


def unknown_names(rules: Rules, names: list[str], where: str) -> list[Error]:
    """Errors for names that are not input fields: the first few named, with
    a "did you mean" where one is close, and the rest counted."""
    import difflib  # only for this hint: Pyodide compiles each stdlib module it imports

    errors = []
    for name in names[:NAMED_UNKNOWN]:
        message = "is not an input field"
        hint = difflib.get_close_matches(name, list(rules.fields), n=1) if len(name) <= 2 * MAX_DIGITS else []
        if hint:
            message += f"; did you mean '{hint[0]}'?"
        errors.append({"field": shown_name(name), "message": message})
    if len(names) > NAMED_UNKNOWN:
        rest = len(names) - NAMED_UNKNOWN
        errors.append({"field": where, "message": f"has {rest:,} more name{'s' if rest != 1 else ''} that are not input fields"})
    return errors


def validate(rules: Rules, raw: Any) -> tuple[dict[str, Any] | None, list[Error]]:
    """Check an input object; return (inputs with defaults filled in, errors).

    On any error the inputs are None and the list holds one entry per problem.
    """
    if not isinstance(raw, Mapping):
        return None, [{"field": _ROOT, "message": f"must be a JSON object, not {_json_kind(raw)}"}]
    fields = rules.fields
    unknown = [str(name) for name in raw if name not in fields]
    if not unknown:
        # Most inputs are valid: check them quickly, and look again below,
        # field by field, only if one is not plainly valid.
        plan = plan_for(rules)
        inputs = plan.defaults.copy()
        quick = plan.quick
        for name, value in raw.items():
            normal = quick[name](value)
            if normal is ASK:
                normal, problem = check_value(fields[name], value)
                if problem:
                    break
            inputs[name] = normal
        else:
            return inputs, []
    errors = unknown_names(rules, unknown, _ROOT)
    inputs = {}
    for name, field in fields.items():
        if name in raw:
            value, problem = check_value(field, raw[name])
            if problem:
                errors.append({"field": name, "message": problem})
            inputs[name] = value
        else:
            inputs[name] = field.default
    return (None, errors) if errors else (inputs, [])


def parse_text(field: Field, text: str) -> tuple[Any, str | None]:
    """Turn text from a URL or a command-line flag into a JSON-like value."""
    kind = field.type
    if kind == "bool":
        lowered = text.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true", None
        return None, f"must be true or false, not {excerpt(text)!r}"
    if kind == "choice":
        return text, None
    stripped = text.strip()
    if stripped == "":
        if field.nullable:
            return None, None
        return None, f"is empty; give {_expected(field)}"
    if kind == "integer" and _INTEGER_TEXT.fullmatch(stripped):
        digits = len(stripped.lstrip("+-").lstrip("0"))
        return (TooLong(digits, stripped.startswith("-")) if digits > MAX_DIGITS else int(stripped)), None
    if _NUMBER_TEXT.fullmatch(stripped):
        return float(stripped), None
    return None, f"{excerpt(text)!r} is not {_expected(field)}"


_HEX: Final = frozenset("0123456789abcdefABCDEF")


def query_pairs(query: str) -> list[tuple[str, str]]:
    """Split a URL query into (name, text) pairs, decoded as browsers encode
    them ("+" is a space, %XX are UTF-8 bytes); blank values are kept.

    urllib.parse.parse_qsl does the same, but importing urllib.parse (and
    the ipaddress module it pulls in) is a large part of the engine's start-up
    in Pyodide, which compiles every standard-library module it imports.
    """
    pairs = []
    for piece in query.removeprefix("?").split("&"):
        if not piece:
            continue
        name, _, text = piece.partition("=")
        pairs.append((_unquote(name), _unquote(text)))
    return pairs


def _unquote(text: str) -> str:
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    head, *rest = text.split("%")
    out = bytearray(head.encode("utf-8"))
    for part in rest:
        if len(part) >= 2 and part[0] in _HEX and part[1] in _HEX:
            out.append(int(part[:2], 16))
            out += part[2:].encode("utf-8")
        else:
            out += b"%" + part.encode("utf-8")  # not an escape: kept as written
    return out.decode("utf-8", "replace")


def parse_pairs(rules: Rules, pairs: list[tuple[str, str]]) -> tuple[dict[str, Any], list[Error], list[str]]:
    """Turn (field, text) pairs into a raw input object; return it, the text
    errors, and the names that are not input fields (for the caller to
    report or to ignore)."""
    raw: dict[str, Any] = {}
    errors: list[Error] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for name, text in pairs:
        field = rules.fields.get(name)
        if field is None:
            unknown.append(name)
            continue
        if name in seen:
            errors.append({"field": name, "message": "is given more than once"})
            continue
        seen.add(name)
        value, problem = parse_text(field, text)
        if problem:
            errors.append({"field": name, "message": problem})
        else:
            raw[name] = value
    return raw, errors, unknown


class ParsedQuery(NamedTuple):
    inputs: dict[str, Any] | None  # None when there are errors
    errors: list[Error]
    page: dict[str, str]  # the page's own parameters: the rule version, embed
    ignored: list[str]  # names that are not inputs, short, at most LISTED_IGNORED


def parse_query(rules: Rules, query: str) -> ParsedQuery:
    """Parse a URL query string.

    The same field names as the JSON input; booleans are ``true``/``false``;
    an empty latency means no budget. ``v`` (the rule version the link was
    made with) and ``embed`` belong to the page and are returned separately.
    Other names (``utm_source``, ``fbclid``, Material's search ``h``) are
    ignored and listed: links pick them up on their way to a reader.
    """
    pairs = query_pairs(query)
    page = {name: text for name, text in pairs if name in PAGE_PARAMS}
    raw, errors, unknown = parse_pairs(rules, [(n, t) for n, t in pairs if n not in PAGE_PARAMS])
    ignored = [shown_name(name) for name in dict.fromkeys(unknown)][:LISTED_IGNORED]
    inputs, more = validate(rules, raw)
    errors.extend(more)
    if errors:
        return ParsedQuery(None, errors, page, ignored)
    return ParsedQuery(inputs, [], page, ignored)


def plain_number(value: float | int) -> str:
    """A number as the query string and the CLI write it (no exponent, no .0)."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def value_text(value: Any) -> str:
    """A valid input value as the URL, the CLI flags and the form write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return plain_number(value)
    return str(value)


def form_texts(rules: Rules, query: str) -> dict[str, str]:
    """What each form control shows for a query: the defaults, overridden by
    the query's own text field by field (kept as typed, valid or not)."""
    texts = dict(plan_for(rules).default_texts)
    for name, text in query_pairs(query):
        if name in texts:
            texts[name] = text
    return texts


def to_query(rules: Rules, inputs: Mapping[str, Any]) -> str:
    """The canonical query string: the fields that differ from their defaults,
    in rule-file order, then the rule version."""
    # Names, choices and numbers are [A-Za-z0-9._+-] (the rule loader checks
    # the choices); only "+" needs quoting. urlencode quoted every character
    # and took a quarter of the engine's time.
    pairs = []
    for name, default in plan_for(rules).defaults.items():
        value = inputs[name]
        if value == default:
            continue
        pairs.append(f"{name}={value_text(value).replace('+', '%2B')}")
    pairs.append(f"{VERSION_PARAM}={rules.version.replace('+', '%2B')}")
    return "&".join(pairs)


def preset_query(rules: Rules, preset_id: str) -> str:
    """A preset's canonical query: its values over the defaults, as
    :func:`to_query` writes any inputs (its button's link, a practice request)."""
    return to_query(rules, {**rules.defaults(), **rules.presets[preset_id].values})


def parse_json(text: str) -> tuple[Any, list[Error]]:
    """Parse JSON input text; return (value, errors).

    A key given twice is an error: json.loads would keep the last copy silently.
    """
    repeated: list[str] = []

    def keep_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in pairs:
            if key in obj:
                repeated.append(key)
            obj[key] = value
        return obj

    def whole_number(digits: str) -> Any:
        # Left as it is written beyond any bound: int() refuses 4,300 digits.
        length = len(digits.lstrip("-").lstrip("0"))
        return TooLong(length, digits.startswith("-")) if length > MAX_DIGITS else int(digits)

    try:
        raw = json.loads(text, object_pairs_hook=keep_pairs, parse_int=whole_number)
    except (ValueError, RecursionError) as error:
        return None, [{"field": _ROOT, "message": f"is not valid JSON: {excerpt(str(error), 120)}"}]
    if repeated:
        return None, [{"field": shown_name(key), "message": "is given more than once"} for key in dict.fromkeys(repeated)][:NAMED_UNKNOWN]
    return raw, []
