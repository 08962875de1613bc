"""Conditions: the small operator language of the rule file.

A condition is a frozen tree of :class:`Condition` nodes. The tree's questions
and the considerations both use it, so one evaluator and one "what would flip
this" analysis serve both. Evaluation is a dispatch on ``op`` over a table of
plain functions, with no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Callable, Final, Mapping, NamedTuple

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
    check: Callable[["Context"], bool] = dataclass_field(default=None, init=False, repr=False, compare=False)
    # calculator.flips keeps the input-independent answers here, per target.
    memo: dict = dataclass_field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.op not in OPERATOR_KEYS:
            raise ValueError(f"unknown operator {self.op!r}")
        object.__setattr__(self, "check", _compile(self))


class Context(NamedTuple):
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


def _compile(c: Condition) -> Callable[[Context], bool]:
    """A closure that answers the condition: built once when the rules load,
    because the engine asks dozens of conditions per evaluation."""
    op, name = c.op, c.field
    if op == "true":
        return lambda ctx: ctx.inputs[name] is True
    if op == "false":
        return lambda ctx: ctx.inputs[name] is False
    if op == "below":
        bound = c.value
        return lambda ctx: (v := ctx.inputs[name]) is not None and v < bound
    if op == "at_least":
        bound = c.value
        return lambda ctx: (v := ctx.inputs[name]) is not None and v >= bound
    if op == "between":
        low, high = c.low, c.high
        return lambda ctx: (v := ctx.inputs[name]) is not None and low <= v <= high
    if op == "in":
        values = c.values
        return lambda ctx: ctx.inputs[name] in values
    if op in ("all", "any"):
        parts = tuple(part.check for part in c.of)
        wanted = op == "any"  # the answer that settles it early

        def combined(ctx: Context) -> bool:
            for part in parts:
                if part(ctx) is wanted:
                    return wanted
            return not wanted

        return combined
    if op == "cheaper":
        option, than = c.option, c.than
        return lambda ctx: ctx.costs.cheaper(option, than)
    if op == "leaf":
        return lambda ctx: ctx.leaf in c.values
    if op == "cheapest":
        return lambda ctx: ctx.cheapest in c.values
    if op == "cheapest_not_recommended":
        return lambda ctx: ctx.cheapest != ctx.leaf_option
    raise ValueError(f"unknown operator {op!r}")
