"""The cost model: totals over the horizon, the article's bands, break-evens.

Every option's cost is a straight line in the monthly volume V:
``total = one_off + H * (V * per_request + fixed_monthly)``, rounded to the
cent. Rounding keeps ties exact ($12,000.00 is $12,000.00, not a float a hair
above it), and a rounded total still never falls as V rises, so "the first
volume at which B is not dearer than A" is well defined.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Mapping

from .models import BREAK_EVEN_PAIRS, OPTION_IDS, Rules


@dataclass(frozen=True, slots=True)
class CostLine:
    """One option's cost: paid once, per request, and per month."""

    one_off: float
    per_request: float
    fixed_monthly: float

    def monthly(self, volume: int) -> float:
        return round(volume * self.per_request + self.fixed_monthly, 2)

    def total(self, volume: int, horizon: int) -> float:
        return round(self.one_off + horizon * (volume * self.per_request + self.fixed_monthly), 2)


def training_runs(horizon: int, retrain_every: int) -> int:
    """Runs over the horizon: one at the start, then one every ``retrain_every`` months."""
    return 1 + (horizon - 1) // retrain_every


def cost_lines(inputs: Mapping[str, Any], **overrides: float) -> dict[str, CostLine]:
    """The three options' cost lines; ``overrides`` replace input figures (for bands)."""
    get = lambda name: overrides.get(name, inputs[name])  # noqa: E731
    runs = training_runs(inputs["horizon_months"], inputs["retrain_every_months"])
    return {
        "api": CostLine(0.0, get("api_cost_per_request"), 0.0),
        "fine_tune": CostLine(
            runs * get("fine_tune_run_cost"),
            inputs["fine_tune_cost_per_request"],
            inputs["evaluation_monthly"],
        ),
        "custom": CostLine(
            get("custom_build_cost"),
            inputs["custom_cost_per_request"],
            inputs["custom_maintenance_monthly"],
        ),
    }


def first_volume(challenger: CostLine, incumbent: CostLine, horizon: int, max_volume: int, *, strict: bool = False) -> int | None:
    """The smallest whole V in [0, max_volume] at which ``challenger`` costs no
    more than ``incumbent`` over the horizon (strictly less with ``strict``),
    or None if no such volume exists in that range.

    The answer is exact for the rounded totals: at the returned V the
    comparison holds and at V - 1 it does not.
    """

    def ok(volume: int) -> bool:
        a, b = challenger.total(volume, horizon), incumbent.total(volume, horizon)
        return a < b if strict else a <= b

    if ok(0):
        return 0
    if challenger.per_request >= incumbent.per_request or not ok(max_volume):
        # The challenger's line never falls towards the incumbent's.
        return None
    # Where the straight lines cross, then a check on the rounded totals.
    gap = challenger.one_off - incumbent.one_off + horizon * (challenger.fixed_monthly - incumbent.fixed_monthly)
    guess = min(max(math.ceil(gap / (horizon * (incumbent.per_request - challenger.per_request))), 1), max_volume)
    if ok(guess) and not ok(guess - 1):
        return guess
    # Rounding moved the crossing: bisect, keeping ok(high) and not ok(low).
    low, high = 0, max_volume
    if ok(guess):
        high = guess
    else:
        low = guess
    while high - low > 1:
        middle = (low + high) // 2
        if ok(middle):
            high = middle
        else:
            low = middle
    return high


@dataclass(frozen=True, slots=True)
class CostReport:
    lines: dict[str, CostLine]
    totals: dict[str, float]
    cheapest: str
    volume: int
    horizon: int

    def cheaper(self, option: str, than: str) -> bool:
        """Whether ``option`` costs strictly less than ``than`` over the horizon."""
        return self.totals[option] < self.totals[than]


def cost_report(inputs: Mapping[str, Any]) -> CostReport:
    volume, horizon = inputs["monthly_requests"], inputs["horizon_months"]
    lines = cost_lines(inputs)
    totals = {option: lines[option].total(volume, horizon) for option in OPTION_IDS}
    # min() keeps the first of equal totals: the article's order of preference.
    cheapest = min(OPTION_IDS, key=totals.__getitem__)
    return CostReport(lines, totals, cheapest, volume, horizon)


def bands(rules: Rules, inputs: Mapping[str, Any]) -> dict[str, dict[str, float | None]]:
    """Each option's total with the article's figures put in place of the inputs'.

    Fields with an article range (API per request, fine-tune run) give a low
    and a high total; the custom build's "$50,000+" gives a low total only.
    """
    volume, horizon = inputs["monthly_requests"], inputs["horizon_months"]
    result: dict[str, dict[str, float | None]] = {}
    for option, field_id in _BAND_FIELDS.items():
        field = rules.fields[field_id]
        low = cost_lines(inputs, **{field_id: field.article_low})[option].total(volume, horizon)
        high = None
        if field.article_high is not None:
            high = cost_lines(inputs, **{field_id: field.article_high})[option].total(volume, horizon)
        result[option] = {"low": low, "high": high}
    return result


# Which input the article gives a range for, per option.
_BAND_FIELDS: Final = {
    "api": "api_cost_per_request",
    "fine_tune": "fine_tune_run_cost",
    "custom": "custom_build_cost",
}


def break_evens(report: CostReport, max_volume: int) -> dict[str, int | None]:
    """``<challenger>_vs_<incumbent>``: the first monthly volume at which the
    challenger's total is at most the incumbent's."""
    lines, horizon = report.lines, report.horizon
    return {
        f"{challenger}_vs_{incumbent}": first_volume(lines[challenger], lines[incumbent], horizon, max_volume)
        for challenger, incumbent in BREAK_EVEN_PAIRS
    }
