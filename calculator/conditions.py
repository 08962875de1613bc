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
    "not": frozenset({"of"}),
    # Whether one option's total over the horizon is at most another's: the
    # same rule as the break-even volumes, so both give one number.
    "costs_at_most": frozenset({"option", "than"}),
    # Only after the walk: the recommendation and the cheapest option.
    "leaf": frozenset({"in"}),
    "cheapest": frozenset({"in"}),
    "cheapest_not_recommended": frozenset(),
}

# Operators that need the finished walk; questions may not use them.
AFTER_WALK_OPERATORS: Final = frozenset({"leaf", "cheapest", "cheapest_not_recommended"})
# Operators that need the costs; a rule that rules an option out may not use them.
COST_OPERATORS: Final = frozenset({"costs_at_most"}) | AFTER_WALK_OPERATORS
_FIELD_TYPES: Final = {"true": ("bool",), "false": ("bool",), "in": ("choice",)}


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
    # Compiled once from the fields above, never changed after.
    check: Callable[["Context"], bool] = dataclass_field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.op not in OPERATOR_KEYS:
            raise ValueError(f"unknown operator {self.op!r}")
        object.__setattr__(self, "check", _compile(self))


class Context(NamedTuple):
    """What a condition can look at.

    ``costs`` is the cost report (calculator.costs.CostReport), whose
    ``costs_at_most(option, than)`` answers that operator; ``leaf``,
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
    if op == "not":
        part = c.of[0].check
        return lambda ctx: not part(ctx)
    if op == "costs_at_most":
        option, than = c.option, c.than
        return lambda ctx: ctx.costs.costs_at_most(option, than)
    if op == "leaf":
        return lambda ctx: ctx.leaf in c.values
    if op == "cheapest":
        return lambda ctx: ctx.cheapest in c.values
    if op == "cheapest_not_recommended":
        return lambda ctx: ctx.cheapest != ctx.leaf_option
    raise ValueError(f"unknown operator {op!r}")


def load_condition(t: Any, scope: Any, *, after_walk: bool = False, costs: bool = True) -> Condition:
    """Build a condition from its rule-file table.

    ``scope`` is the loader's view of what is loaded so far (``fields``,
    ``leaves``, ``options`` and ``figure(table, key)``). ``after_walk``
    allows the operators that need the finished walk; ``costs`` those that
    need the cost report.
    """
    op = t.text("op")
    if op not in OPERATOR_KEYS:
        raise t.fail("op", f"is {op!r}, not one of {', '.join(OPERATOR_KEYS)}")
    if op in AFTER_WALK_OPERATORS and not after_walk:
        raise t.fail("op", f"{op!r} can only be used in considerations, after the walk")
    if op in COST_OPERATORS and not costs:
        raise t.fail("op", f"{op!r} needs the costs, which are not known here")
    keys = OPERATOR_KEYS[op]
    extra = sorted(set(t.data) - keys - {"op"})
    if extra:
        raise t.fail(extra[0], f"is not a key of the {op!r} operator")
    args: dict[str, Any] = {"op": op}
    if "field" in keys:
        name = t.text("field")
        field = scope.fields.get(name)
        if field is None:
            raise t.fail("field", f"names unknown input field {name!r}")
        wanted = _FIELD_TYPES.get(op, ("number", "integer"))
        if field.type not in wanted:
            raise t.fail("field", f"names {name!r}, a {field.type} field; {op!r} needs a {' or '.join(wanted)} field")
        args["field"] = name
    if "value" in keys:
        args["value"] = scope.figure(t, "value")
    if "min" in keys:
        args["low"], args["high"] = scope.figure(t, "min"), scope.figure(t, "max")
    if op == "in":
        args["values"] = _listed(t, "values", scope.fields[args["field"]].choices, f"choices of {args['field']!r}")
    if op in ("leaf", "cheapest"):
        args["values"] = _listed(t, "in", scope.leaves if op == "leaf" else scope.options, f"{op} ids")
    if op == "costs_at_most":
        for key in ("option", "than"):
            if t.text(key) not in scope.options:
                raise t.fail(key, f"must be one of {', '.join(scope.options)}")
        args["option"], args["than"] = t.data["option"], t.data["than"]
    if op in ("all", "any", "not"):
        parts = t.tables("of")
        if op == "not" and len(parts) != 1:
            raise t.fail("of", "must hold exactly one condition for 'not'")
        args["of"] = tuple(load_condition(p, scope, after_walk=after_walk, costs=costs) for p in parts)
    t.used.update(keys)
    return Condition(**args)


def _listed(t: Any, key: str, allowed: Any, what: str) -> tuple[str, ...]:
    values = t.texts(key)
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise t.fail(key, f"must list {what} ({', '.join(allowed)}); {bad[0] if bad else 'none'} is not")
    return values
