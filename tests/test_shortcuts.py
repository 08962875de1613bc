"""The engine's shortcuts for speed give what the plain paths give."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculator import default_rules
from calculator import report
from calculator.costs import CostLine
from calculator.engine import answer
from calculator.inputs import TooLong, check_value, validate
from calculator.plan import ASK, plan_for

from .strategies import json_values, valid_inputs

RULES = default_rules()
FIELDS = tuple(RULES.fields.values())

# Values near every bound and type edge, beside whatever JSON can hold.
edge_values = st.one_of(
    json_values,
    st.sampled_from([f.min for f in FIELDS if f.min is not None] + [f.max for f in FIELDS if f.max is not None]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.builds(TooLong, st.integers(41, 5000), st.booleans()),
)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(FIELDS), edge_values)
def test_a_quick_check_passes_only_what_the_full_check_passes_and_as_it_would(field, value):
    quick = plan_for(RULES).quick[field.id](value)
    if quick is ASK:
        return
    normal, problem = check_value(field, value)
    assert problem is None
    assert type(quick) is type(normal) and quick == normal


def test_quick_checks_pass_the_plain_values():
    """Else the test above would pass with checks that ask about everything."""
    plan = plan_for(RULES)
    for name, value in RULES.defaults().items():
        assert value is None or plan.quick[name](value) is not ASK, name


def _chart(raw: dict) -> str:
    inputs, errors = validate(RULES, raw)
    assert not errors
    return report.render_chart(RULES, answer(RULES, inputs))


@settings(max_examples=300, deadline=None)  # speed is measured in benchmarks/, not here
@given(valid_inputs())
def test_the_chart_drawn_from_unrounded_totals_is_the_chart_of_the_rounded_ones(raw):
    fast = _chart(raw)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report, "_EXACT_BELOW", -math.inf)  # every point from CostLine.total
        plain = _chart(raw)
    assert fast == plain


def test_the_chart_rounds_only_a_few_totals(monkeypatch):
    """Else the test above would compare the plain path with itself."""
    calls = []
    total = CostLine.total
    monkeypatch.setattr(CostLine, "total", lambda line, volume, horizon: calls.append(volume) or total(line, volume, horizon))
    ans = answer(RULES, RULES.defaults())
    calls.clear()
    report.render_chart(RULES, ans)
    points = len(ans.costs) * report._SAMPLES
    assert len(calls) < points / 4
