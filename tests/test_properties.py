"""What must hold for every input."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from calculator import default_rules, evaluate, evaluate_json, evaluate_query
from calculator.engine import dumps
from calculator.models import Target
from calculator.page import answer

from .strategies import any_inputs, valid_inputs

RULES = default_rules()
LEAF_IDS = tuple(RULES.leaves)
OPTION_IDS = tuple(RULES.options)
BREAK_EVEN_PAIRS = tuple((p.challenger, p.incumbent) for p in RULES.cost_model.break_evens)


@settings(deadline=None)  # speed is measured in benchmarks/, not here
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


@settings(deadline=None)  # speed is measured in benchmarks/, not here
@given(valid_inputs(), st.integers(0, 10**6), st.integers(1, 10**6))
def test_totals_never_fall_as_volume_rises(inputs, volume, more):
    low = evaluate({**inputs, "monthly_requests": volume})["costs"]["options"]
    high = evaluate({**inputs, "monthly_requests": volume + more})["costs"]["options"]
    for option in OPTION_IDS:
        assert high[option]["total"] >= low[option]["total"]


@settings(max_examples=200, deadline=None)
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


@settings(deadline=None)  # speed is measured in benchmarks/, not here
@given(valid_inputs())
def test_cheapest_is_the_least_total_of_the_options_not_ruled_out(inputs):
    costs = evaluate(inputs)["costs"]
    allowed = [o for o in OPTION_IDS if not costs["options"][o].get("ruled_out")]
    totals = {o: costs["options"][o]["total"] for o in allowed}
    assert costs["cheapest"] in allowed
    assert totals[costs["cheapest"]] == min(totals.values())
    # Ties go to the rule file's order of the options.
    assert costs["cheapest"] == next(o for o in allowed if totals[o] == min(totals.values()))


@settings(max_examples=300, deadline=None)
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
    unknown = [k for k in raw if k not in RULES.fields]
    assert named <= set(raw) | ({"input"} if len(unknown) > 5 else set())
    # Each error belongs to its field: without those fields the rest is valid.
    # (Beyond the first few, unknown names are counted under "input", not named.)
    rest = {k: v for k, v in raw.items() if k not in named and (k in RULES.fields or "input" not in named)}
    assert "errors" not in evaluate(rest)


@settings(deadline=None)  # speed is measured in benchmarks/, not here
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


@settings(deadline=None)  # speed is measured in benchmarks/, not here
@given(valid_inputs())
def test_url_entry_agrees_with_python_entry(inputs):
    query = urlencode({name: _query_text(value) for name, value in inputs.items()})
    assert evaluate_query(query) == dumps(evaluate(inputs))


@settings(deadline=None)  # speed is measured in benchmarks/, not here
@given(valid_inputs())
def test_canonical_query_reproduces_the_answer(inputs):
    result = evaluate(inputs)
    assert json.loads(evaluate_query(result["query"])) == result


# -- fuzzing the doors: any text, any length, any character ---------------------

any_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.text(alphabet="0123456789-.e+", min_size=1, max_size=6000),
    st.builds(lambda name, value: json.dumps({name: value}), st.sampled_from(list(RULES.fields)) | st.text(max_size=60), st.text()),
    st.builds(lambda name, digits: f'{{"{name}": {digits}}}', st.sampled_from(list(RULES.fields)), st.text(alphabet="0123456789", min_size=1, max_size=6000)),
)


def _errors_name_fields(result: dict) -> None:
    for error in result.get("errors", []):
        assert isinstance(error["field"], str), error  # "" only for a key that is ""
        assert isinstance(error["message"], str) and len(error["message"]) < 400, error


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_the_json_door_never_raises_and_names_fields(text):
    result = json.loads(evaluate_json(text))
    assert ("errors" in result) != ("recommendation" in result)
    _errors_name_fields(result)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="abcdefghijklmnopqrstuvwxyz_=&%+0123456789.-", max_size=6000)))
def test_the_url_door_never_raises_and_names_fields(query):
    result = json.loads(evaluate_query(query))
    _errors_name_fields(result)
    assert len(result.get("ignored", [])) <= 10
    assert all(len(name) <= 41 for name in result.get("ignored", []))


@settings(max_examples=150, deadline=None)
@given(st.text(), st.text(max_size=50))
def test_the_page_door_never_raises(query, page_url):
    for request in (json.dumps({"query": query, "page_url": page_url}), query):
        response = json.loads(answer(request))
        assert response["status"] in ("ready", "error")
        _errors_name_fields(response)
