"""The cost model: totals over the horizon, the article's bands, break-evens.

Every option's cost is a straight line in the monthly volume V:
``total = one_off + H * (V * per_request + fixed_monthly)``, rounded to the
cent. Rounding keeps ties exact ($12,000.00 is $12,000.00, not a float a hair
above it), and a rounded total still never falls as V rises, so "the first
volume at which B is not dearer than A" is well defined.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, NamedTuple

from .models import BREAK_EVEN_PAIRS, OPTION_IDS, Rules

# CostLine, CostReport (and conditions.Context) are NamedTuples, not frozen
# dataclasses: they are built several times per evaluation, and a frozen
# dataclass's __init__ costs several times a tuple's.


class CostLine(NamedTuple):
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


def cost_lines(inputs: Mapping[str, Any]) -> dict[str, CostLine]:
    """The three options' cost lines, as the spec's cost model defines them."""
    runs = training_runs(inputs["horizon_months"], inputs["retrain_every_months"])
    return {
        "api": CostLine(0.0, inputs["api_cost_per_request"], 0.0),
        "fine_tune": CostLine(
            runs * inputs["fine_tune_run_cost"],
            inputs["fine_tune_cost_per_request"],
            inputs["evaluation_monthly"],
        ),
        "custom": CostLine(
            inputs["custom_build_cost"],
            inputs["custom_cost_per_request"],
            inputs["custom_maintenance_monthly"],
        ),
    }


def first_volume(challenger: CostLine, incumbent: CostLine, horizon: int, max_volume: int, *, strict: bool = False) -> int | None:
    """The smallest whole V in [0, max_volume] at which ``challenger`` costs no
    more than ``incumbent`` over the horizon (strictly less with ``strict``),
    or None if no such volume exists in that range.

    The answer agrees with the rounded totals that are reported: at the
    returned V the comparison holds and at V - 1 it does not.
    """

    a0, a1, a2 = challenger.one_off, challenger.per_request, challenger.fixed_monthly
    b0, b1, b2 = incumbent.one_off, incumbent.per_request, incumbent.fixed_monthly

    def ok(volume: int) -> bool:
        # CostLine.total, inlined: this runs a dozen times per evaluation.
        a = round(a0 + horizon * (volume * a1 + a2), 2)
        b = round(b0 + horizon * (volume * b1 + b2), 2)
        return a < b if strict else a <= b

    guess = max_volume
    if a1 < b1:
        # Where the straight lines cross, then a check on the rounded totals.
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
    # answer must still agree with the totals reported.
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


class CostReport(NamedTuple):
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


def bands(rules: Rules, report: CostReport, runs: int) -> dict[str, dict[str, float | None]]:
    """Each option's total with the article's figures put in place of the inputs'.

    The API's per-request price and the fine-tune's run cost have an article
    range, giving a low and a high total; the custom build's "$50,000+" gives
    a low total only.
    """
    volume, horizon, lines = report.volume, report.horizon, report.lines
    fields = rules.fields
    tune, custom = lines["fine_tune"], lines["custom"]
    price, run, build = fields["api_cost_per_request"], fields["fine_tune_run_cost"], fields["custom_build_cost"]
    # CostLine.total's formula, written out: this is on every evaluation's path.
    tune_monthly = horizon * (volume * tune.per_request + tune.fixed_monthly)
    custom_monthly = horizon * (volume * custom.per_request + custom.fixed_monthly)
    return {
        "api": {
            "low": round(0.0 + horizon * (volume * price.article_low + 0.0), 2),
            "high": round(0.0 + horizon * (volume * price.article_high + 0.0), 2),
        },
        "fine_tune": {
            "low": round(runs * run.article_low + tune_monthly, 2),
            "high": round(runs * run.article_high + tune_monthly, 2),
        },
        "custom": {"low": round(build.article_low + custom_monthly, 2), "high": None},
    }


def break_evens(report: CostReport, max_volume: int) -> dict[str, int | None]:
    """``<challenger>_vs_<incumbent>``: the first monthly volume at which the
    challenger's total is at most the incumbent's."""
    lines, horizon = report.lines, report.horizon
    return {
        f"{challenger}_vs_{incumbent}": first_volume(lines[challenger], lines[incumbent], horizon, max_volume)
        for challenger, incumbent in BREAK_EVEN_PAIRS
    }
