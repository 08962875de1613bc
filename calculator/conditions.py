"""Conditions: the small operator language of the rule file.

A condition is a frozen tree of :class:`Condition` nodes. The tree's questions
and the considerations both use it, so one evaluator and one "what would flip
this" analysis serve both. Evaluation is a dispatch on ``op`` over a table of
plain functions, with no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Final, Mapping

# Operators and the keys each one takes (besides "op").
OPERATOR_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "true": frozenset({"field"}),
    "false": frozenset({"field"}),
    "below": frozenset({"field", "value"}),
    "at_least": frozenset({"field", "value"}),
    "between": frozenset({"field", "min", "max"}),
    "in": frozenset({"field", "values"}),
    "all": frozenset({"of"}),
    "any": frozenset({"of"}),
    "cheaper": frozenset({"option", "than"}),
    # Only after the walk: the recommendation and the cheapest option.
    "leaf": frozenset({"in"}),
    "cheapest": frozenset({"in"}),
    "cheapest_not_recommended": frozenset(),
}

# Operators that need the finished walk; questions may not use them.
AFTER_WALK_OPERATORS: Final = frozenset({"leaf", "cheapest", "cheapest_not_recommended"})


@dataclass(frozen=True, slots=True)
class Condition:
    """One node of a condition tree. Unused operands stay at their defaults."""

    op: str
    field: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    values: tuple[str, ...] = ()
    of: tuple["Condition", ...] = ()
    option: str | None = None
    than: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What a condition can look at.

    ``costs`` is the cost report (calculator.costs.CostReport), whose
    ``cheaper(option, than)`` answers the ``cheaper`` operator; ``leaf``,
    ``leaf_option`` and ``cheapest`` are None before the walk has finished.
    """

    inputs: Mapping[str, Any]
    costs: Any
    leaf: str | None = None
    leaf_option: str | None = None
    cheapest: str | None = None


def _number_below(value: Any, bound: float) -> bool:
    return value is not None and value < bound


def _number_at_least(value: Any, bound: float) -> bool:
    return value is not None and value >= bound


def _between(c: Condition, ctx: Context) -> bool:
    value = ctx.inputs[c.field]
    return value is not None and c.low <= value <= c.high


_EVALUATORS: Final[Mapping[str, Callable[[Condition, Context], bool]]] = {
    "true": lambda c, ctx: ctx.inputs[c.field] is True,
    "false": lambda c, ctx: ctx.inputs[c.field] is False,
    "below": lambda c, ctx: _number_below(ctx.inputs[c.field], c.value),
    "at_least": lambda c, ctx: _number_at_least(ctx.inputs[c.field], c.value),
    "between": _between,
    "in": lambda c, ctx: ctx.inputs[c.field] in c.values,
    "all": lambda c, ctx: all(holds(part, ctx) for part in c.of),
    "any": lambda c, ctx: any(holds(part, ctx) for part in c.of),
    "cheaper": lambda c, ctx: ctx.costs.cheaper(c.option, c.than),
    "leaf": lambda c, ctx: ctx.leaf in c.values,
    "cheapest": lambda c, ctx: ctx.cheapest in c.values,
    "cheapest_not_recommended": lambda c, ctx: ctx.cheapest != ctx.leaf_option,
}


def holds(condition: Condition, ctx: Context) -> bool:
    """Whether ``condition`` is true for the inputs and results in ``ctx``."""
    return _EVALUATORS[condition.op](condition, ctx)


def fields_of(condition: Condition) -> tuple[str, ...]:
    """Every input field a condition reads, in order, without repeats."""
    seen: dict[str, None] = {}
    stack = [condition]
    while stack:
        c = stack.pop(0)
        if c.field is not None:
            seen[c.field] = None
        stack[:0] = c.of
    return tuple(seen)
