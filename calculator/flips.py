"""What would flip a condition: the input changes that turn its answer over.

For a condition and the current inputs, :func:`flips` returns the ways to make
it come out the other way, as alternatives (any one will do), each a list of
requirements (all of them needed). A requirement names its field, says the
change in words and, for numeric fields, gives the value where the answer
turns.
"""

from __future__ import annotations

from typing import Any, Callable, Final, Mapping

from .conditions import Condition, Context
from .costs import CostReport, first_volume
from .formatting import amount_for
from .models import Field, Rules

Requirement = dict[str, Any]
Alternatives = list[list[Requirement]]


def _amount(value: float, field: Field) -> str:
    return amount_for(value, field.unit, field.label)


def _requirement(field: Field, text: str, at: float | None = None) -> Requirement:
    sep = " " if field.label.endswith("?") else ": "
    entry: Requirement = {"field": field.id, "text": f"{field.label}{sep}{text}"}
    if at is not None:
        entry["at"] = at
    return entry


def _flip_bool(rules: Rules, c: Condition, ctx: Context, target: bool) -> Alternatives:
    field = rules.fields[c.field]
    wanted = target if c.op == "true" else not target
    return [[_requirement(field, "yes" if wanted else "no")]]


def _flip_below(rules: Rules, c: Condition, ctx: Context, target: bool) -> Alternatives:
    field = rules.fields[c.field]
    if target:
        return [[_requirement(field, f"under {_amount(c.value, field)}", c.value)]]
    text = f"{_amount(c.value, field)} or more"
    if field.nullable:
        text += ", or none"
    return [[_requirement(field, text, c.value)]]


def _flip_at_least(rules: Rules, c: Condition, ctx: Context, target: bool) -> Alternatives:
    field = rules.fields[c.field]
    if target:
        return [[_requirement(field, f"{_amount(c.value, field)} or more", c.value)]]
    return [[_requirement(field, f"fewer than {_amount(c.value, field)}", c.value)]]


def _flip_between(rules: Rules, c: Condition, ctx: Context, target: bool) -> Alternatives:
    field = rules.fields[c.field]
    if target:
        low, high = _amount(c.low, field), _amount(c.high, field)
        return [[_requirement(field, f"between {low} and {high}")]]
    return [
        [_requirement(field, f"under {_amount(c.low, field)}", c.low)],
        [_requirement(field, f"over {_amount(c.high, field)}", c.high)],
    ]


def _flip_in(rules: Rules, c: Condition, ctx: Context, target: bool) -> Alternatives:
    field = rules.fields[c.field]
    wanted = [label for choice, label in zip(field.choices, field.choice_labels) if (choice in c.values) == target]
    return [[_requirement(field, " or ".join(wanted))]]


def _flip_all(rules: Rules, c: Condition, ctx: Context, target: bool) -> Alternatives:
    if not target:
        # Making any one part false is enough.
        return [alt for part in c.of if part.check(ctx) for alt in flips(rules, part, ctx)]
    return _every(rules, [part for part in c.of if not part.check(ctx)], ctx)


def _flip_any(rules: Rules, c: Condition, ctx: Context, target: bool) -> Alternatives:
    if target:
        return [alt for part in c.of if not part.check(ctx) for alt in flips(rules, part, ctx)]
    return _every(rules, [part for part in c.of if part.check(ctx)], ctx)


def _every(rules: Rules, parts: list[Condition], ctx: Context) -> Alternatives:
    """Alternatives that flip every one of ``parts``: one choice from each."""
    combined: Alternatives = [[]]
    for part in parts:
        options = flips(rules, part, ctx)
        combined = [done + more for done in combined for more in options]
    return combined


def _flip_not(rules: Rules, c: Condition, ctx: Context, target: bool) -> Alternatives:
    return _FLIPPERS[c.of[0].op](rules, c.of[0], ctx, not target)


def _flip_costs_at_most(rules: Rules, c: Condition, ctx: Context, target: bool) -> Alternatives:
    """The monthly volume at which one option starts or stops costing no more
    than another: the break-even rule, so both report the same number."""
    report: CostReport = ctx.costs
    field = rules.fields[rules.cost_model.volume]
    option, than = report.lines[c.option], report.lines[c.than]
    max_volume = int(field.max)
    if option.per_request < than.per_request:
        # At most from some volume on: below it, dearer.
        start = first_volume(option, than, report.horizon, max_volume)
        if start is None:
            return []
        if target:
            return [[_requirement(field, f"{_amount(start, field)} or more", start)]]
        return [[_requirement(field, f"fewer than {_amount(start, field)}", start)]] if start > 0 else []
    # At most up to some volume, dearer from it on (or dearer at every volume).
    end = first_volume(than, option, report.horizon, max_volume, strict=True)
    if end is None:
        return []
    if target:
        return [[_requirement(field, f"fewer than {_amount(end, field)}", end)]] if end > 0 else []
    return [[_requirement(field, f"{_amount(end, field)} or more", end)]]


_FLIPPERS: Final[Mapping[str, Callable[[Rules, Condition, Context, bool], Alternatives]]] = {
    "true": _flip_bool,
    "false": _flip_bool,
    "below": _flip_below,
    "at_least": _flip_at_least,
    "between": _flip_between,
    "in": _flip_in,
    "all": _flip_all,
    "any": _flip_any,
    "not": _flip_not,
    "costs_at_most": _flip_costs_at_most,
}


def flips(rules: Rules, condition: Condition, ctx: Context) -> Alternatives:
    """Ways to make ``condition`` come out the other way for these inputs.

    An empty list means no change of inputs can flip it.
    """
    return _FLIPPERS[condition.op](rules, condition, ctx, not condition.check(ctx))


def in_words(ways: Alternatives) -> str:
    """Alternatives in words: "A; B or C" (all of A and B, or C)."""
    return " or ".join("; ".join(r["text"] for r in way) for way in ways)
