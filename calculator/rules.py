"""Loading the rule file into typed models, refusing bad data by name.

:func:`load_rules` is the only reader of ``rules.toml``. Each problem is a
:class:`RuleError` whose message names the place (``questions[2] 'generic'``)
and the key, so an author can fix the file without reading this code.
"""

from __future__ import annotations

import functools
import math
import re
import string
import tomllib
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Mapping

from .conditions import AFTER_WALK_OPERATORS, OPERATOR_KEYS, Condition
from .formatting import count, figure_range, money
from .inputs import IDENTIFIER, check_value
from .models import (
    FIELD_IDS,
    FIELD_SOURCES,
    FIELD_TYPES,
    LEAF_IDS,
    OPTION_IDS,
    Consideration,
    Fact,
    Field,
    Leaf,
    Option,
    Preset,
    Question,
    Release,
    Rules,
    RuleStep,
    Source,
    Target,
)

RULES_FILE: Final = "rules.toml"
FACT_PREFIX: Final = "facts."
# "{facts.<id>}" in any text of the rule file is replaced by that fact's
# figure when the file is loaded, so each figure is written down once.
FACT_IN_TEXT: Final = re.compile(r"\{facts\.(\w+)\}")
PLACEHOLDERS: Final = frozenset({"cheapest_title", "cheapest_total", "recommended_title", "recommended_total"})


class RuleError(ValueError):
    """The rule data is broken; the message says where and what."""


class _Table:
    """A TOML table with its location, handing out typed values."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise RuleError(f"{where}: must be a table, not {type(data).__name__}")
        self.data, self.where = data, where
        self.used: set[str] = set()

    def fail(self, key: str, message: str) -> RuleError:
        return RuleError(f"{self.where}: '{key}' {message}")

    def get(self, key: str, kinds: tuple[type, ...], *, required: bool = True, default: Any = None) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                raise self.fail(key, "is missing")
            return default
        value = self.data[key]
        if isinstance(value, bool) and bool not in kinds:
            raise self.fail(key, f"must be {_kind_names(kinds)}, not a boolean")
        if not isinstance(value, kinds):
            raise self.fail(key, f"must be {_kind_names(kinds)}, not {type(value).__name__}")
        return value

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.get(key, (str,), required=required)
        if value is not None and not value.strip():
            raise self.fail(key, "is empty")
        return value

    def number(self, key: str, *, required: bool = True) -> float | None:
        value = self.get(key, (int, float), required=required)
        if value is not None and not math.isfinite(value):
            raise self.fail(key, "must be a finite number")
        return value

    def texts(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        values = self.get(key, (list,), required=required, default=[])
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise self.fail(f"{key}[{i}]", "must be non-empty text")
        return tuple(values)

    def tables(self, key: str) -> list["_Table"]:
        values = self.get(key, (list,))
        if not values:
            raise self.fail(key, "is empty")
        return [_Table(v, f"{key}[{i}]") for i, v in enumerate(values)]

    def done(self) -> None:
        """Refuse keys nobody read: a typo must not pass silently."""
        extra = sorted(set(self.data) - self.used)
        if extra:
            raise self.fail(extra[0], "is not a known key here")


def _kind_names(kinds: tuple[type, ...]) -> str:
    names = {str: "text", int: "a number", float: "a number", bool: "true or false", list: "a list", dict: "a table"}
    return " or ".join(dict.fromkeys(names[k] for k in kinds))


def _identify(table: _Table) -> str:
    """Read the table's id and put it into its location for later messages."""
    ident = table.text("id")
    table.where = f"{table.where} '{ident}'"
    return ident


class _Loader:
    def __init__(self, data: dict[str, Any]) -> None:
        self.top = _Table(data, "rules")
        self.facts: dict[str, Fact] = {}

    # -- facts and references ------------------------------------------------

    def load_facts(self) -> None:
        raw = self.top.get("facts", (dict,))
        for ident, body in raw.items():
            t = _Table(body, f"facts.{ident}")
            fact = Fact(
                id=ident,
                label=t.text("label"),
                unit=t.text("unit"),
                statement=t.text("statement"),
                value=t.number("value", required=False),
                low=t.number("low", required=False),
                high=t.number("high", required=False),
            )
            t.done()
            if (fact.value is None) == (fact.low is None or fact.high is None):
                raise RuleError(f"facts.{ident}: give either 'value' or both 'low' and 'high'")
            if fact.low is not None and fact.high is not None and fact.low > fact.high:
                raise RuleError(f"facts.{ident}: 'low' is above 'high'")
            self.facts[ident] = fact

    def figure(self, table: _Table, key: str, *, required: bool = True) -> float | None:
        """A number, or a reference "facts.<id>" / "facts.<id>.low|high|value"."""
        value = table.get(key, (int, float, str), required=required)
        if not isinstance(value, str):
            return table.number(key, required=required)
        if not value.startswith(FACT_PREFIX):
            raise table.fail(key, f"must be a number or a reference like 'facts.<id>', not {value!r}")
        name, _, part = value.removeprefix(FACT_PREFIX).partition(".")
        fact = self.facts.get(name)
        if fact is None:
            raise table.fail(key, f"refers to unknown fact {name!r}")
        part = part or "value"
        if part not in ("value", "low", "high") or getattr(fact, part) is None:
            raise table.fail(key, f"refers to {value!r}, which the fact does not have")
        return getattr(fact, part)

    # -- conditions ----------------------------------------------------------

    def condition(self, t: _Table, fields: Mapping[str, Field], *, after_walk: bool) -> Condition:
        op = t.text("op")
        if op not in OPERATOR_KEYS:
            raise t.fail("op", f"is {op!r}, not one of {', '.join(OPERATOR_KEYS)}")
        if op in AFTER_WALK_OPERATORS and not after_walk:
            raise t.fail("op", f"{op!r} can only be used in considerations, after the walk")
        keys = OPERATOR_KEYS[op]
        extra = sorted(set(t.data) - keys - {"op"})
        if extra:
            raise t.fail(extra[0], f"is not a key of the {op!r} operator")
        args: dict[str, Any] = {"op": op}
        if "field" in keys:
            name = t.text("field")
            field = fields.get(name)
            if field is None:
                raise t.fail("field", f"names unknown input field {name!r}")
            wanted = {"true": ("bool",), "false": ("bool",), "in": ("choice",)}.get(op, ("number", "integer"))
            if field.type not in wanted:
                raise t.fail("field", f"names {name!r}, a {field.type} field; {op!r} needs a {' or '.join(wanted)} field")
            args["field"] = name
        if "value" in keys:
            args["value"] = self.figure(t, "value")
        if "min" in keys:
            args["low"], args["high"] = self.figure(t, "min"), self.figure(t, "max")
        if op == "in":
            values = t.texts("values")
            unknown = [v for v in values if v not in fields[args["field"]].choices]
            if unknown or not values:
                raise t.fail("values", f"must be choices of {args['field']!r}; {unknown[0] if unknown else 'none'} is not")
            args["values"] = values
        if op in ("leaf", "cheapest"):
            allowed = LEAF_IDS if op == "leaf" else OPTION_IDS
            values = t.texts("in")
            bad = [v for v in values if v not in allowed]
            if bad or not values:
                raise t.fail("in", f"must list ids from {', '.join(allowed)}; {bad[0] if bad else 'none'} is not")
            args["values"] = values
        if op == "cheaper":
            for key in ("option", "than"):
                if t.text(key) not in OPTION_IDS:
                    raise t.fail(key, f"must be one of {', '.join(OPTION_IDS)}")
            args["option"], args["than"] = t.data["option"], t.data["than"]
        if op in ("all", "any"):
            parts = t.get("of", (list,))
            if not parts:
                raise t.fail("of", "is empty")
            args["of"] = tuple(
                self.condition(_Table(p, f"{t.where}.of[{i}]"), fields, after_walk=after_walk) for i, p in enumerate(parts)
            )
        return Condition(**args)

    # -- sections ------------------------------------------------------------

    def fields(self) -> dict[str, Field]:
        groups = self.groups
        result: dict[str, Field] = {}
        for t in self.top.tables("fields"):
            ident = _identify(t)
            if ident in result:
                raise t.fail("id", f"repeats field {ident!r}")
            if ident not in FIELD_IDS:
                raise t.fail("id", f"is not an input of the framework ({', '.join(FIELD_IDS)})")
            kind = t.text("type")
            if kind not in FIELD_TYPES:
                raise t.fail("type", f"is {kind!r}, not one of {', '.join(FIELD_TYPES)}")
            low_high: dict[str, float | None] = {"article_low": None, "article_high": None}
            if "article_range" in t.data:
                ref = t.get("article_range", (str,))
                low_high["article_low"] = self._fact_part(t, "article_range", ref, "low")
                low_high["article_high"] = self._fact_part(t, "article_range", ref, "high")
            if "article_floor" in t.data:
                ref = t.get("article_floor", (str,))
                low_high["article_low"] = self._fact_part(t, "article_floor", ref, "value")
            field = Field(
                id=ident,
                type=kind,
                label=t.text("label"),
                help=t.text("help"),
                group=t.text("group"),
                source=t.text("source"),
                default=self.default(t, kind),
                unit=t.text("unit", required=False),
                min=self.figure(t, "min", required=False),
                max=self.figure(t, "max", required=kind in ("number", "integer")),
                min_exclusive=t.get("min_exclusive", (bool,), required=False, default=False),
                nullable=t.get("nullable", (bool,), required=False, default=False),
                choices=t.texts("choices", required=kind == "choice"),
                choice_labels=t.texts("choice_labels", required=kind == "choice"),
                question=t.text("question", required=False),
                **low_high,
            )
            t.done()
            if field.group not in groups:
                raise t.fail("group", f"is {field.group!r}, not one of the [groups]: {', '.join(groups)}")
            if field.source not in FIELD_SOURCES:
                raise t.fail("source", f"must be one of {', '.join(FIELD_SOURCES)}")
            bad = [c for c in field.choices if not IDENTIFIER.fullmatch(c)]
            if bad:
                raise t.fail("choices", f"has {bad[0]!r}; choices are lower-case ids (a-z, 0-9, _)")
            if len(field.choices) != len(field.choice_labels):
                raise t.fail("choice_labels", "must give one label per choice")
            if field.min is not None and field.max is not None and field.min > field.max:
                raise t.fail("min", "is above 'max'")
            default, problem = check_value(field, field.default)
            if problem:
                raise t.fail("default", problem)
            result[ident] = _with_default(field, default)
        missing = [f for f in FIELD_IDS if f not in result]
        if missing:
            raise RuleError(f"fields: input field {missing[0]!r} is missing")
        return result

    def default(self, t: _Table, kind: str) -> Any:
        """A field's default; numeric ones may name a fact ("facts.<id>")."""
        required = not t.data.get("nullable", False)
        if kind in ("number", "integer") and isinstance(t.data.get("default"), str):
            return self.figure(t, "default")
        return t.get("default", (bool, int, float, str), required=required)

    def _fact_part(self, t: _Table, key: str, ref: str, part: str) -> float:
        name = ref.removeprefix(FACT_PREFIX)
        fact = self.facts.get(name) if ref.startswith(FACT_PREFIX) else None
        if fact is None:
            raise t.fail(key, f"refers to unknown fact {ref!r}")
        value = getattr(fact, part)
        if value is None:
            raise t.fail(key, f"refers to {ref!r}, which has no '{part}'")
        return value

    def fill_facts(self, value: Any, where: str) -> Any:
        """Replace {facts.<id>} in every text below ``value``."""
        if isinstance(value, str):

            def figure(match: re.Match[str]) -> str:
                fact = self.facts.get(match.group(1))
                if fact is None:
                    raise RuleError(f"{where}: refers to unknown fact {match.group(0)}")
                return fact_figure(fact)

            return FACT_IN_TEXT.sub(figure, value)
        if isinstance(value, list):
            return [self.fill_facts(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: self.fill_facts(v, f"{where}.{k}" if where else k) for k, v in value.items()}
        return value

    def load(self) -> Rules:
        top = self.top
        version = top.text("version")
        self.load_facts()
        top.data = {k: v if k == "facts" else self.fill_facts(v, k) for k, v in top.data.items()}
        source_t = _Table(top.get("source", (dict,)), "source")
        source = Source(*(source_t.text(k) for k in ("title", "author", "publisher", "summary", "note")))
        source_t.done()
        changelog = []
        for t in top.tables("changelog"):
            changelog.append(Release(t.text("version"), t.text("date"), t.texts("changes")))
            t.done()
        if changelog[0].version != version:
            raise RuleError(f"changelog[0]: 'version' is {changelog[0].version!r}; the newest entry must be the rules' version {version!r}")
        groups_t = _Table(top.get("groups", (dict,)), "groups")
        self.groups = {name: groups_t.text(name) for name in groups_t.data}
        fields = self.fields()
        options = self.options()
        leaves = self.leaves(options)
        questions = self.questions(fields, leaves)
        considerations = self.considerations(fields)
        presets = self.presets(fields)
        thumb_t = _Table(top.get("rule_of_thumb", (dict,)), "rule_of_thumb")
        summary = thumb_t.text("summary")
        steps = []
        for t in thumb_t.tables("steps"):
            t.where = f"rule_of_thumb.{t.where}"
            option = t.text("option")
            if option not in options:
                raise t.fail("option", f"is {option!r}, not one of {', '.join(options)}")
            steps.append(RuleStep(option, t.text("text")))
            t.done()
        thumb_t.done()
        for field in fields.values():
            if field.question is not None and field.question not in questions:
                raise RuleError(f"fields[{list(fields).index(field.id)}] '{field.id}': 'question' names unknown question {field.question!r}")
        top.done()
        return Rules(
            version=version,
            source=source,
            changelog=tuple(changelog),
            facts=MappingProxyType(self.facts),
            options=MappingProxyType(options),
            questions=MappingProxyType(questions),
            leaves=MappingProxyType(leaves),
            considerations=tuple(considerations),
            fields=MappingProxyType(fields),
            groups=MappingProxyType(self.groups),
            presets=MappingProxyType(presets),
            rule_of_thumb_summary=summary,
            rule_of_thumb=tuple(steps),
        )

    def options(self) -> dict[str, Option]:
        result: dict[str, Option] = {}
        for t in self.top.tables("options"):
            ident = _identify(t)
            if ident in result:
                raise t.fail("id", f"repeats option {ident!r}")
            if ident not in OPTION_IDS:
                raise t.fail("id", f"is not an option of the cost model ({', '.join(OPTION_IDS)})")
            result[ident] = Option(ident, *(t.text(k) for k in ("title", "stance", "summary", "speed", "control", "cost", "fits")))
            t.done()
        missing = [o for o in OPTION_IDS if o not in result]
        if missing:
            raise RuleError(f"options: option {missing[0]!r} is missing")
        return result

    def leaves(self, options: Mapping[str, Option]) -> dict[str, Leaf]:
        result: dict[str, Leaf] = {}
        for t in self.top.tables("leaves"):
            ident = _identify(t)
            if ident in result:
                raise t.fail("id", f"repeats leaf {ident!r}")
            if ident not in LEAF_IDS:
                raise t.fail("id", f"is not a leaf of the framework ({', '.join(LEAF_IDS)})")
            leaf = Leaf(
                ident,
                t.text("title"),
                t.text("option"),
                t.text("action"),
                t.text("why"),
                t.texts("next_steps"),
                t.text("cost_note", required=False),
            )
            t.done()
            if leaf.option not in options:
                raise t.fail("option", f"is {leaf.option!r}, not one of {', '.join(options)}")
            if not leaf.next_steps:
                raise t.fail("next_steps", "is empty")
            result[ident] = leaf
        missing = [leaf for leaf in LEAF_IDS if leaf not in result]
        if missing:
            raise RuleError(f"leaves: leaf {missing[0]!r} is missing")
        return result

    def questions(self, fields: Mapping[str, Field], leaves: Mapping[str, Leaf]) -> dict[str, Question]:
        result: dict[str, Question] = {}
        tables = self.top.tables("questions")
        for t in tables:
            ident = _identify(t)
            if ident in result:
                raise t.fail("id", f"repeats question {ident!r}")
            question = Question(
                id=ident,
                title=t.text("title"),
                question=t.text("question"),
                help=t.text("help"),
                examples=t.texts("examples"),
                test=self.condition(_Table(t.get("test", (dict,)), f"{t.where}.test"), fields, after_walk=False),
                yes=_target(t, "yes"),
                no=_target(t, "no"),
                no_note=t.text("no_note", required=False),
            )
            t.done()
            result[ident] = question
        for t, question in zip(tables, result.values()):
            for key in ("yes", "no"):
                target = getattr(question, key)
                if target.id not in (leaves if target.is_leaf else result):
                    raise t.fail(key, f"points to unknown {target.kind} {target.id!r}")
        _check_shape(result, leaves)
        return result

    def considerations(self, fields: Mapping[str, Field]) -> list[Consideration]:
        result: list[Consideration] = []
        seen: set[str] = set()
        for t in self.top.tables("considerations"):
            ident = _identify(t)
            if ident in seen:
                raise t.fail("id", f"repeats consideration {ident!r}")
            seen.add(ident)
            when = self.condition(_Table(t.get("when", (dict,)), f"{t.where}.when"), fields, after_walk=True)
            text = t.text("text")
            try:
                names = placeholders_in(text)
            except ValueError as error:
                raise t.fail("text", f"has a broken placeholder: {error}") from None
            for name in names:
                if name not in fields and name not in PLACEHOLDERS:
                    raise t.fail("text", f"uses unknown placeholder {{{name}}}")
            t.done()
            result.append(Consideration(ident, when, text))
        return result

    def presets(self, fields: Mapping[str, Field]) -> dict[str, Preset]:
        result: dict[str, Preset] = {}
        for t in self.top.tables("presets"):
            ident = _identify(t)
            if ident in result:
                raise t.fail("id", f"repeats preset {ident!r}")
            values = t.get("values", (dict,))
            checked = {}
            for name, value in values.items():
                if name not in fields:
                    raise t.fail(f"values.{name}", "is not an input field")
                normal, problem = check_value(fields[name], value)
                if problem:
                    raise t.fail(f"values.{name}", problem)
                checked[name] = normal
            result[ident] = Preset(ident, t.text("title"), t.text("description"), MappingProxyType(checked))
            t.done()
        return result


def fact_figure(fact: Fact) -> str:
    """A fact's figure as the article writes it: "100", "200-500", "$0.01-0.10"."""
    dollars = fact.unit.startswith("$")
    if fact.value is not None:
        return money(fact.value) if dollars else count(fact.value)
    return figure_range(fact.low, fact.high, dollars=dollars)


def placeholders_in(text: str) -> list[str]:
    """The {names} a text uses; raises ValueError on a malformed brace."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def _with_default(field: Field, default: Any) -> Field:
    return replace(field, default=default)


def _target(t: _Table, key: str) -> Target:
    spec = _Table(t.get(key, (dict,)), f"{t.where}.{key}")
    kinds = [k for k in ("question", "leaf") if k in spec.data]
    if len(kinds) != 1:
        raise t.fail(key, "must be { question = <id> } or { leaf = <id> }")
    target = Target(kinds[0], spec.text(kinds[0]))
    spec.done()
    return target


def _check_shape(questions: Mapping[str, Question], leaves: Mapping[str, Leaf]) -> None:
    """The questions must form a tree from the first one: no cycle, nothing unreachable."""
    root = next(iter(questions))
    reached: set[str] = set()
    reached_leaves: set[str] = set()

    def visit(node: str, trail: tuple[str, ...]) -> None:
        if node in trail:
            loop = " -> ".join(trail[trail.index(node):] + (node,))
            raise RuleError(f"questions: cycle {loop}")
        reached.add(node)
        question = questions[node]
        for target in (question.yes, question.no):
            if target.is_leaf:
                reached_leaves.add(target.id)
            else:
                visit(target.id, trail + (node,))

    visit(root, ())
    for index, ident in enumerate(questions):
        if ident not in reached:
            raise RuleError(f"questions[{index}] '{ident}': unreachable from the first question {root!r}")
    for ident in leaves:
        if ident not in reached_leaves:
            raise RuleError(f"leaves: leaf {ident!r} is unreachable from the first question {root!r}")


def load_rules(text: str) -> Rules:
    """Parse and check rule data given as TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RuleError(f"rules: not valid TOML: {error}") from None
    return _Loader(data).load()


@functools.cache
def default_rules() -> Rules:
    """The rules shipped inside the package, loaded once per process."""
    # Beside this module, in a source tree and in the wheel alike (a plain path
    # rather than importlib.resources, which costs Pyodide a module to compile).
    return load_rules(Path(__file__).with_name(RULES_FILE).read_text(encoding="utf-8"))
