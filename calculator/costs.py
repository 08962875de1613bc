"""The cost model: totals over the horizon, the article's bands, break-evens.

Every option's cost is a straight line in the monthly volume V, read from its
cost line in the rule file:
``total = one_off + H * (V * per_request + fixed_monthly)``, rounded to the
cent (:meth:`CostLine.total`, the one formula, with the sum in
:meth:`CostLine.unrounded`). Rounding keeps ties exact
($12,000.00 is $12,000.00, not a float a hair above it), and a rounded total
still never falls as V rises, so "the first volume at which B is not dearer
than A" is well defined.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, NamedTuple

from .conditions import Context
from .models import CostSpec, Rules
from .plan import plan_for

# CostLine and CostReport (and conditions.Context) are NamedTuples, not frozen
# dataclasses: they are built several times per evaluation, and a frozen
# dataclass's __init__ costs several times a tuple's.


def to_cent(amount: float) -> float:
    """An amount rounded to the cent, as every total is. round() is
    monotonic: it never puts two amounts in the opposite order."""
    return round(amount, 2)


class CostLine(NamedTuple):
    """One option's cost: paid once (over all runs), per request, and per month."""

    one_off: float
    per_request: float
    fixed_monthly: float
    runs: int = 1

    def monthly(self, volume: int) -> float:
        return round(volume * self.per_request + self.fixed_monthly, 2)

    def total(self, volume: int, horizon: int) -> float:
        return to_cent(self.unrounded(volume, horizon))

    def unrounded(self, volume: int, horizon: int) -> float:
        """The total before it is rounded to the cent."""
        return self.one_off + horizon * (volume * self.per_request + self.fixed_monthly)


def training_runs(horizon: int, repeat_every: int) -> int:
    """Runs over the horizon: one at the start, then one every ``repeat_every`` months."""
    return 1 + (horizon - 1) // repeat_every


def cost_line(spec: CostSpec, inputs: Mapping[str, Any], horizon: int) -> CostLine:
    """An option's cost line for these inputs, as its rule-file spec defines it."""
    runs = training_runs(horizon, inputs[spec.repeat_every]) if spec.repeat_every else 1
    one_off = runs * inputs[spec.one_off] if spec.one_off else 0.0
    per_request = inputs[spec.per_request] if spec.per_request else 0.0
    return CostLine(one_off, per_request, float(sum([inputs[f] for f in spec.monthly])), runs)


def cost_lines(rules: Rules, inputs: Mapping[str, Any]) -> dict[str, CostLine]:
    horizon = inputs[rules.cost_model.horizon]
    return {o.id: cost_line(o.cost, inputs, horizon) for o in plan_for(rules).options}


def first_volume(challenger: CostLine, incumbent: CostLine, horizon: int, max_volume: int, *, strict: bool = False) -> int | None:
    """The smallest whole V in [0, max_volume] at which ``challenger`` costs no
    more than ``incumbent`` over the horizon (strictly less with ``strict``),
    or None if there is none.

    The answer agrees with the rounded totals that are reported: at the
    returned V the comparison holds and at V - 1 it does not.
    """

    def ok(volume: int) -> bool:
        # Rounding to the cent never reverses an order (round() is monotonic),
        # so the unrounded totals settle it where they already agree; the
        # rounded totals (round() is slow) decide only whether they tie.
        a, b = challenger.unrounded(volume, horizon), incumbent.unrounded(volume, horizon)
        if strict:
            return a < b and challenger.total(volume, horizon) < incumbent.total(volume, horizon)
        return a <= b or challenger.total(volume, horizon) <= incumbent.total(volume, horizon)

    guess = max_volume
    a1, b1 = challenger.per_request, incumbent.per_request
    if a1 < b1:
        # Where the straight lines cross, then a check on the rounded totals.
        a0, a2, b0, b2 = challenger.one_off, challenger.fixed_monthly, incumbent.one_off, incumbent.fixed_monthly
        crossing = (a0 - b0 + horizon * (a2 - b2)) / (horizon * (b1 - a1))
        if 0 < crossing <= max_volume:  # also keeps math.ceil away from inf
            guess = math.ceil(crossing)
            if ok(guess) and not ok(guess - 1):
                return guess
    if ok(0):
        return 0
    if not ok(max_volume):
        return None
    # Only float rounding of totals near 10^16 and beyond gets here; the
    # answer must still agree with the totals reported. Bisect, keeping
    # ok(high) and not ok(low).
    low, high = (0, guess) if ok(guess) else (guess, max_volume)
    while high - low > 1:
        middle = (low + high) // 2
        if ok(middle):
            high = middle
        else:
            low = middle
    return high


class CostReport(NamedTuple):
    lines: dict[str, CostLine]
    totals: dict[str, float]
    ruled_out: dict[str, str]  # option id -> the reason
    cheapest: str | None  # None only if every option is ruled out
    volume: int
    horizon: int

    def costs_at_most(self, option: str, than: str) -> bool:
        """Whether ``option`` costs no more than ``than`` over the horizon."""
        return self.totals[option] <= self.totals[than]


def cost_report(rules: Rules, inputs: Mapping[str, Any]) -> CostReport:
    plan = plan_for(rules)
    volume, horizon = inputs[plan.volume], inputs[plan.horizon]
    ctx = Context(inputs, None)
    lines, totals, ruled_out = {}, {}, {}
    cheapest = None
    for option in plan.options:
        ident = option.id
        line = lines[ident] = cost_line(option.cost, inputs, horizon)
        total = totals[ident] = line.total(volume, horizon)
        for rule in option.ruled_out:
            if rule.when.check(ctx):
                ruled_out[ident] = rule.reason
                break
        else:
            # Strictly less: the first of equal totals wins, the rule file's
            # order of preference.
            if cheapest is None or total < totals[cheapest]:
                cheapest = ident
    return CostReport(lines, totals, ruled_out, cheapest, volume, horizon)


class Band(NamedTuple):
    """An option's total with the article's figures in place of the inputs'.

    ``high`` is None when the article gives only a floor. ``ranged`` names the
    fields given the article's figures; ``mixed`` says other figures of the
    line (our assumptions, or the reader's) stayed as they were.
    """

    low: float
    high: float | None
    ranged: tuple[str, ...]
    mixed: bool


def band(rules: Rules, option_id: str, inputs: Mapping[str, Any], line: CostLine) -> Band | None:
    """The option's band, or None when the article gives no figure for its
    line; ``line`` is the option's cost line for ``inputs``."""
    plan = plan_for(rules)
    figures = plan.bands[option_id]
    if figures is None:
        return None
    spec = figures.spec
    volume, horizon = inputs[plan.volume], inputs[plan.horizon]
    # The line's own fields only: the article's figures for the ranged ones,
    # the inputs' for the rest.
    kept = {f: inputs[f] for f in figures.kept}
    total_low = cost_line(spec, {**kept, **figures.low}, horizon).total(volume, horizon)
    total_high = None
    if figures.high is not None:
        total_high = cost_line(spec, {**kept, **figures.high}, horizon).total(volume, horizon)
    # Other figures matter only where they add to the total.
    mixed = any(f == spec.repeat_every and line.runs > 1 or f != spec.repeat_every and inputs[f] != 0 for f in figures.kept)
    return Band(total_low, total_high, figures.ranged, mixed)
