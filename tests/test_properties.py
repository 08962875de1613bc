"""What must hold for every input."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from calculator import default_rules, evaluate, evaluate_json, evaluate_query
from calculator.engine import dumps
from calculator.models import BREAK_EVEN_PAIRS, LEAF_IDS, OPTION_IDS, Target

from .strategies import any_inputs, valid_inputs

RULES = default_rules()


@given(valid_inputs())
def test_one_leaf_and_a_path_that_follows_the_tree(inputs):
    result = evaluate(inputs)
    leaf = result["recommendation"]["id"]
    assert leaf in LEAF_IDS
    path = result["path"]
    assert path[0]["node"] == RULES.root
    target = Target("question", RULES.root)
    for step in path:
        assert not target.is_leaf and step["node"] == target.id
        question = RULES.questions[step["node"]]
        target = question.yes if step["answer"] == "yes" else question.no
    assert target == Target("leaf", leaf)


@given(valid_inputs(), st.integers(0, 10**6), st.integers(1, 10**6))
def test_totals_never_fall_as_volume_rises(inputs, volume, more):
    low = evaluate({**inputs, "monthly_requests": volume})["costs"]["options"]
    high = evaluate({**inputs, "monthly_requests": volume + more})["costs"]["options"]
    for option in OPTION_IDS:
        assert high[option]["total"] >= low[option]["total"]


@settings(max_examples=200)
@given(valid_inputs())
def test_break_even_is_the_first_volume_not_dearer(inputs):
    result = evaluate(inputs)
    for challenger, incumbent in BREAK_EVEN_PAIRS:
        volume = result["break_even"][f"{challenger}_vs_{incumbent}"]

        def totals(v):
            options = evaluate({**inputs, "monthly_requests": v})["costs"]["options"]
            return options[challenger]["total"], options[incumbent]["total"]

        if volume is None:
            # Not at the largest allowed volume, nor at none.
            for v in (0, int(RULES.fields["monthly_requests"].max)):
                a, b = totals(v)
                assert a > b
            continue
        a, b = totals(volume)
        assert a <= b
        if volume > 0:
            a, b = totals(volume - 1)
            assert a > b


@given(valid_inputs())
def test_cheapest_is_the_least_total(inputs):
    costs = evaluate(inputs)["costs"]
    totals = {o: costs["options"][o]["total"] for o in OPTION_IDS}
    assert totals[costs["cheapest"]] == min(totals.values())
    assert costs["cheapest"] == next(o for o in OPTION_IDS if totals[o] == min(totals.values()))


@settings(max_examples=300)
@given(any_inputs())
def test_no_input_raises_and_errors_name_their_fields(raw):
    result = evaluate(raw)
    if "errors" not in result:
        assert result["recommendation"]["id"] in LEAF_IDS
        return
    assert result["errors"], "an error list is never empty"
    named = {e["field"] for e in result["errors"]}
    if not isinstance(raw, dict):
        assert named == {"input"}
        return
    assert named <= set(raw)
    # Each error belongs to its field: without those fields the rest is valid.
    assert "errors" not in evaluate({k: v for k, v in raw.items() if k not in named})


@given(any_inputs())
def test_json_entry_agrees_with_python_entry(raw):
    try:
        text = json.dumps(raw, allow_nan=True)
    except (TypeError, ValueError):
        return
    assert evaluate_json(text) == dumps(evaluate(json.loads(text)))


def _query_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


@given(valid_inputs())
def test_url_entry_agrees_with_python_entry(inputs):
    query = urlencode({name: _query_text(value) for name, value in inputs.items()})
    assert evaluate_query(query) == dumps(evaluate(inputs))


@given(valid_inputs())
def test_canonical_query_reproduces_the_answer(inputs):
    result = evaluate(inputs)
    assert json.loads(evaluate_query(result["query"])) == result
