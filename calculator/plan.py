"""What the engine derives from the rules once, rather than on every answer.

The models in calculator.models say what the rule file says; a :class:`Plan`
holds what every answer reads again and again (each field's quick check,
default and form text, each question's steps, the figures at their defaults,
each option's band figures), worked out from one Rules object. Plans live in
a small cache here, keyed by the Rules object's identity, so the frozen
models stay free of mutable state; a rule set made by
``dataclasses.replace`` is a new object and gets its own plan. A plan is
read-only too: its tables are MappingProxyType views.
"""

from __future__ import annotations

import math
import sys
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Final, Mapping, NamedTuple

if TYPE_CHECKING:  # the models build on calculator.inputs, which reads plans
    from .answer import Figure, Step
    from .models import CostSpec, Field, Option, Question, Rules

# The answer of a quick check that cannot vouch for a value: the full check
# (calculator.inputs.check_value) decides, and words any problem.
ASK: Final = object()

# A few rule sets at once: the shipped one, and those a test or a build loads.
_KEPT: Final = 8


class BandPlan(NamedTuple):
    """An option's figures for its band (calculator.costs.band)."""

    spec: CostSpec
    ranged: tuple[str, ...]  # fields the article gives a figure for
    low: Mapping[str, float]  # those fields at the article's low figures
    high: Mapping[str, float] | None  # ... at its high ones; None for a floor
    kept: tuple[str, ...]  # the line's other fields, as the inputs give them


class Plan(NamedTuple):
    defaults: Mapping[str, Any]  # every field at its default, in rule-file order
    default_texts: Mapping[str, str]  # ... as the form shows it (calculator.inputs.form_texts)
    quick: Mapping[str, Callable[[Any], Any]]  # field id -> its quick check
    steps: Mapping[str, Mapping[Any, Step]]  # question id -> its steps (see _steps)
    figures: tuple[Figure, ...]  # each figure field at its default (calculator.answer.figures)
    bands: Mapping[str, BandPlan | None]  # option id -> its band's figures, or None
    options: tuple[Option, ...]
    volume: str
    horizon: str
    max_volume: int


def plan_for(rules: Rules) -> Plan:
    """The plan of ``rules``, worked out on first use."""
    entry = _PLANS.get(id(rules))
    # The entry keeps its Rules alive, so its id cannot be reused meanwhile.
    if entry is not None and entry[0] is rules:
        return entry[1]
    plan = _make_plan(rules)
    if len(_PLANS) >= _KEPT:
        del _PLANS[next(iter(_PLANS))]
    _PLANS[id(rules)] = (rules, plan)
    return plan


_PLANS: dict[int, tuple[Rules, Plan]] = {}


def _make_plan(rules: Rules) -> Plan:
    from .answer import figure  # answer builds on the models, which build on this module's readers
    from .inputs import value_text

    fields = rules.fields
    bands = {}
    for option in rules.options.values():
        spec = option.cost
        ranged = tuple(f for f in spec.field_ids if fields[f].article_low is not None)
        if not ranged:
            bands[option.id] = None
            continue
        highs = [fields[f].article_high for f in ranged]
        bands[option.id] = BandPlan(
            spec,
            ranged,
            MappingProxyType({f: fields[f].article_low for f in ranged}),
            None if None in highs else MappingProxyType(dict(zip(ranged, highs))),
            tuple(f for f in spec.field_ids if f not in ranged),
        )
    model = rules.cost_model
    return Plan(
        defaults=MappingProxyType({f.id: f.default for f in fields.values()}),
        default_texts=MappingProxyType({f.id: value_text(f.default) for f in fields.values()}),
        quick=MappingProxyType({f.id: _quick_check(f) for f in fields.values()}),
        steps=MappingProxyType({q.id: _steps(rules, q) for q in rules.questions.values()}),
        figures=tuple(figure(f, f.default) for f in fields.values() if f.source != "answer"),
        bands=MappingProxyType(bands),
        options=tuple(rules.options.values()),
        volume=model.volume,
        horizon=model.horizon,
        max_volume=int(fields[model.volume].max),
    )


def _steps(rules: Rules, question: Question) -> Mapping[Any, Step]:
    """The steps a question can add to a path: by its answer (True, False),
    or, where a choice decides it, by the choice, whose label the step shows."""
    from .answer import Step

    test = question.test
    if test.op != "in":
        return MappingProxyType({True: Step(question, "yes", None, "Yes"), False: Step(question, "no", None, "No")})
    field = rules.fields[test.field]
    return MappingProxyType({
        choice: Step(question, "yes" if choice in test.values else "no", choice, label)
        for choice, label in zip(field.choices, field.choice_labels)
    })


def _quick_check(field: Field) -> Callable[[Any], Any]:
    """A check that passes the plainly valid values of ``field`` at once,
    normalised as the full check would, and answers :data:`ASK` for anything
    else: bools, a choice's own text, and numbers of the field's exact type
    within its bounds."""
    kind = field.type
    if kind == "bool":
        return lambda value: value if value is True or value is False else ASK
    if kind == "choice":
        choices = field.choices
        return lambda value: value if value.__class__ is str and value in choices else ASK
    low = -math.inf if field.min is None else field.min
    # The largest finite float, not infinity: an infinite value must be refused.
    high = sys.float_info.max if field.max is None else field.max
    exclusive = field.min_exclusive
    if kind == "integer":

        def whole(value: Any) -> Any:
            if value.__class__ is int and (low < value if exclusive else low <= value) and value <= high:
                return value
            return ASK

        return whole

    def number(value: Any) -> Any:
        # NaN and the infinities fail the bounds and go to the full check.
        cls = value.__class__
        if (cls is float or cls is int) and (low < value if exclusive else low <= value) and value <= high:
            return float(value)
        return ASK

    return number
