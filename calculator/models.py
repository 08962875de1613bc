"""Typed, immutable models of the rule data, each built by a small function
beside it from its rule-file table.

The rule file names every question, leaf, option, field and fact; nothing
here lists them again. A builder checks what belongs to its own table and
names the place on failure; checks across tables are in calculator.rules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Final, Mapping

from .conditions import Condition, load_condition
from .inputs import IDENTIFIER, check_value
from .table import RuleError, Table, check_ids

FIELD_TYPES: Final = ("bool", "number", "integer", "choice")
# Where a field's default comes from: the article's own figure, our default
# within one of the article's ranges, our assumption, or (for the decision
# questions) the plain "no" / "not yet" of an answer.
FIELD_SOURCES: Final = ("article", "article_range", "assumption", "answer")


@dataclass(frozen=True, slots=True)
class Fact:
    """A figure from the article: a single ``value`` or a ``low``-``high`` range."""

    id: str
    label: str
    unit: str
    statement: str
    value: float | None = None
    low: float | None = None
    high: float | None = None

    @classmethod
    def load(cls, ident: str, t: Table) -> Fact:
        fact = cls(
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
            raise RuleError(f"{t.where}: give either 'value' or both 'low' and 'high'")
        if fact.low is not None and fact.high is not None and fact.low > fact.high:
            raise RuleError(f"{t.where}: 'low' is above 'high'")
        return fact


@dataclass(frozen=True, slots=True)
class CostSpec:
    """An option's cost line, as input field ids.

    total = one_off x runs + horizon x (volume x per_request + sum(monthly)),
    where runs = 1 + (horizon - 1) // repeat_every, or 1 without it.
    """

    one_off: str | None
    repeat_every: str | None
    per_request: str | None
    monthly: tuple[str, ...]
    field_ids: tuple[str, ...]  # all of the above, in that order

    @classmethod
    def load(cls, t: Table, fields: Mapping[str, Field]) -> CostSpec:
        named = [t.text(k, required=False) for k in ("one_off", "repeat_every", "per_request")]
        monthly = t.texts("monthly", required=False)
        spec = cls(*named, monthly, tuple(f for f in named if f) + monthly)
        t.done()
        for key in ("one_off", "repeat_every", "per_request"):
            name = getattr(spec, key)
            if name is not None:
                _numeric_field(t, key, name, fields)
        for name in spec.monthly:
            _numeric_field(t, "monthly", name, fields)
        if spec.repeat_every is not None and spec.one_off is None:
            raise t.fail("repeat_every", "needs a 'one_off' to repeat")
        if spec.repeat_every is not None and (fields[spec.repeat_every].min or 0) < 1:
            raise t.fail("repeat_every", f"names {spec.repeat_every!r}, which must have a 'min' of 1 or more")
        return spec


def _numeric_field(t: Table, key: str, name: str, fields: Mapping[str, Field]) -> None:
    field = fields.get(name)
    if field is None:
        raise t.fail(key, f"names unknown input field {name!r}")
    if field.type not in ("number", "integer") or field.nullable:
        raise t.fail(key, f"names {name!r}, which must be a number field that cannot be empty")


@dataclass(frozen=True, slots=True)
class RuledOut:
    """A hard constraint that rules an option out, and the reason shown."""

    when: Condition
    reason: str


@dataclass(frozen=True, slots=True)
class Option:
    """A way to get the feature, and the cost line it spends on."""

    id: str
    title: str
    stance: str
    summary: str
    speed: str
    control: str
    cost_text: str
    fits: str
    cost: CostSpec
    ruled_out: tuple[RuledOut, ...] = ()

    @classmethod
    def load(cls, t: Table, scope: Any) -> Option:
        ident = t.identify()
        ruled_out = []
        for r in t.tables("ruled_out", required=False):
            when = load_condition(r.table("when"), scope, costs=False)
            ruled_out.append(RuledOut(when, r.text("reason")))
            r.done()
        option = cls(
            ident,
            *(t.text(k) for k in ("title", "stance", "summary", "speed", "control", "cost_text", "fits")),
            cost=CostSpec.load(t.table("cost"), scope.fields),
            ruled_out=tuple(ruled_out),
        )
        t.done()
        return option


@dataclass(frozen=True, slots=True)
class BreakEvenPair:
    challenger: str
    incumbent: str


@dataclass(frozen=True, slots=True)
class CostModel:
    """Which fields are the volume and the horizon, and the break-evens reported."""

    volume: str
    horizon: str
    break_evens: tuple[BreakEvenPair, ...]

    @classmethod
    def load(cls, t: Table, fields: Mapping[str, Field], options: Mapping[str, Option]) -> CostModel:
        volume, horizon = t.text("volume"), t.text("horizon")
        for key, name in (("volume", volume), ("horizon", horizon)):
            if name not in fields or fields[name].type != "integer" or fields[name].nullable:
                raise t.fail(key, f"must name a whole-number input field, not {name!r}")
        if (fields[horizon].min or 0) < 1:
            raise t.fail("horizon", f"names {horizon!r}, which must have a 'min' of 1 or more")
        pairs = []
        for p in t.tables("break_evens"):
            pair = BreakEvenPair(p.text("challenger"), p.text("incumbent"))
            p.done()
            check_ids(p.where, "option", (pair.challenger, pair.incumbent), known=options)
            pairs.append(pair)
        check_ids(f"{t.where}.break_evens", "pair", (f"{p.challenger} vs {p.incumbent}" for p in pairs))
        t.done()
        return cls(volume, horizon, tuple(pairs))


@dataclass(frozen=True, slots=True)
class Target:
    """Where an answer leads: ``kind`` is "question" or "leaf"."""

    kind: str
    id: str

    @property
    def is_leaf(self) -> bool:
        return self.kind == "leaf"

    @classmethod
    def load(cls, t: Table, key: str) -> Target:
        spec = t.table(key)
        kinds = [k for k in ("question", "leaf") if k in spec.data]
        if len(kinds) != 1:
            raise t.fail(key, "must be { question = <id> } or { leaf = <id> }")
        target = cls(kinds[0], spec.text(kinds[0]))
        spec.done()
        return target


@dataclass(frozen=True, slots=True)
class Question:
    """A node of the decision tree; ``yes`` and ``no`` lead to a question or a leaf."""

    id: str
    title: str
    question: str
    help: str
    examples: tuple[str, ...]
    test: Condition
    yes: Target
    no: Target
    no_note: str | None = None

    @classmethod
    def load(cls, t: Table, scope: Any) -> Question:
        question = cls(
            id=t.identify(),
            title=t.text("title"),
            question=t.text("question"),
            help=t.text("help"),
            examples=t.texts("examples"),
            test=load_condition(t.table("test"), scope),
            yes=Target.load(t, "yes"),
            no=Target.load(t, "no"),
            no_note=t.text("no_note", required=False),
        )
        t.done()
        return question


@dataclass(frozen=True, slots=True)
class Leaf:
    """A recommendation; ``option`` is the option whose cost line it spends like."""

    id: str
    title: str
    option: str
    action: str
    why: str
    next_steps: tuple[str, ...]
    cost_note: str | None = None

    @classmethod
    def load(cls, t: Table, options: Mapping[str, Option]) -> Leaf:
        leaf = cls(
            t.identify(),
            t.text("title"),
            t.text("option"),
            t.text("action"),
            t.text("why"),
            t.texts("next_steps"),
            t.text("cost_note", required=False),
        )
        t.done()
        check_ids(f"{t.where}.option", "option", (leaf.option,), known=options)
        if not leaf.next_steps:
            raise t.fail("next_steps", "is empty")
        return leaf


@dataclass(frozen=True, slots=True)
class Consideration:
    id: str
    when: Condition
    text: str


@dataclass(frozen=True, slots=True)
class Field:
    """An input field: its type, default, bounds and the texts the form shows."""

    id: str
    type: str
    label: str
    help: str
    group: str
    source: str
    default: Any = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    nullable: bool = False
    choices: tuple[str, ...] = ()
    choice_labels: tuple[str, ...] = ()
    question: str | None = None
    article_low: float | None = None
    article_high: float | None = None
    rationale: str | None = None

    @classmethod
    def load(cls, t: Table, scope: Any, groups: Mapping[str, str]) -> Field:
        ident = t.identify()
        kind = t.text("type")
        if kind not in FIELD_TYPES:
            raise t.fail("type", f"is {kind!r}, not one of {', '.join(FIELD_TYPES)}")
        source = t.text("source")
        if source not in FIELD_SOURCES:
            raise t.fail("source", f"must be one of {', '.join(FIELD_SOURCES)}")
        article = {"article_low": None, "article_high": None}
        for key, parts, wanted in (("article_range", ("low", "high"), "article_range"), ("article_floor", ("value",), "article")):
            if key in t.data:
                if source != wanted:
                    raise t.fail(key, f"goes with source = {wanted!r}")
                for name, part in zip(("article_low", "article_high"), parts):
                    article[name] = scope.fact_part(t, key, part)
            elif source == wanted:
                raise t.fail(key, f"is missing; source = {wanted!r} needs it")
        default_key = t.data.get("default")
        numeric = kind in ("number", "integer")
        field = cls(
            id=ident,
            type=kind,
            label=t.text("label"),
            help=t.text("help"),
            group=t.text("group"),
            source=source,
            default=scope.figure(t, "default") if numeric and isinstance(default_key, str)
            else t.get("default", (bool, int, float, str), required=not t.data.get("nullable", False)),
            unit=t.text("unit", required=False),
            min=scope.figure(t, "min", required=False),
            max=scope.figure(t, "max", required=numeric),
            min_exclusive=t.flag("min_exclusive"),
            nullable=t.flag("nullable"),
            choices=t.texts("choices", required=kind == "choice"),
            choice_labels=t.texts("choice_labels", required=kind == "choice"),
            question=t.text("question", required=False),
            rationale=t.text("rationale", required=source == "assumption"),
            **article,
        )
        t.done()
        if field.group not in groups:
            raise t.fail("group", f"is {field.group!r}, not one of the [groups]: {', '.join(groups)}")
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
        if field.source == "article_range" and not field.article_low <= default <= field.article_high:
            raise t.fail("default", "must lie within the article's range")
        if field.source == "article" and default != field.article_low:
            raise t.fail("default", "must be the article's figure that 'article_floor' names")
        # The default as the engine holds it (a number field's 2000 is 2000.0).
        return replace(field, default=default)


@dataclass(frozen=True, slots=True)
class ChoiceOption:
    id: str
    label: str
    values: Mapping[str, bool]


@dataclass(frozen=True, slots=True)
class FormChoice:
    """One form control that sets several yes/no fields at once."""

    id: str
    label: str
    help: str
    options: tuple[ChoiceOption, ...]

    @property
    def field_ids(self) -> tuple[str, ...]:
        return tuple(self.options[0].values)

    @classmethod
    def load(cls, t: Table, fields: Mapping[str, Field]) -> FormChoice:
        ident, label, help_text = t.identify(), t.text("label"), t.text("help")
        options = []
        for o in t.tables("options"):
            values = o.get("values", (dict,))
            for name, value in values.items():
                if name not in fields or fields[name].type != "bool":
                    raise o.fail(f"values.{name}", "must name a yes/no input field")
                if not isinstance(value, bool):
                    raise o.fail(f"values.{name}", "must be true or false")
            options.append(ChoiceOption(o.identify(), o.text("label"), dict(values)))
            o.done()
        t.done()
        check_ids(f"{t.where}.options", "option", (o.id for o in options))
        first = options[0].values.keys()
        for o in options:
            if o.values.keys() != first:
                raise RuleError(f"{t.where}.options '{o.id}': 'values' must set the same fields as the first option")
        combos = [tuple(o.values.values()) for o in options]
        if len(set(combos)) != len(combos):
            raise RuleError(f"{t.where}.options: two options set the same values")
        return cls(ident, label, help_text, tuple(options))


@dataclass(frozen=True, slots=True)
class Preset:
    id: str
    title: str
    description: str
    values: Mapping[str, Any]
    leaf: str

    @classmethod
    def load(cls, t: Table, fields: Mapping[str, Field], leaves: Mapping[str, Leaf]) -> Preset:
        ident = t.identify()
        checked = {}
        for name, value in t.get("values", (dict,)).items():
            if name not in fields:
                raise t.fail(f"values.{name}", "is not an input field")
            normal, problem = check_value(fields[name], value)
            if problem:
                raise t.fail(f"values.{name}", problem)
            checked[name] = normal
        preset = cls(ident, t.text("title"), t.text("description"), checked, t.text("leaf"))
        t.done()
        check_ids(f"{t.where}.leaf", "leaf", (preset.leaf,), known=leaves)
        return preset


@dataclass(frozen=True, slots=True)
class RuleStep:
    option: str
    text: str


@dataclass(frozen=True, slots=True)
class Release:
    version: str
    date: str
    changes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    author: str
    publisher: str
    summary: str
    note: str


@dataclass(frozen=True, slots=True)
class Rules:
    """The whole framework. Lookups by id keep the rule file's order."""

    version: str
    source: Source
    changelog: tuple[Release, ...]
    facts: Mapping[str, Fact]
    options: Mapping[str, Option]
    cost_model: CostModel
    questions: Mapping[str, Question]
    leaves: Mapping[str, Leaf]
    considerations: tuple[Consideration, ...]
    fields: Mapping[str, Field]
    groups: Mapping[str, str]
    form_choices: Mapping[str, FormChoice]
    presets: Mapping[str, Preset]
    rule_of_thumb_summary: str
    rule_of_thumb: tuple[RuleStep, ...]

    @property
    def root(self) -> str:
        """The first question of the tree."""
        return next(iter(self.questions))

    def defaults(self) -> dict[str, Any]:
        """The input object with every field at its default."""
        return {f.id: f.default for f in self.fields.values()}
