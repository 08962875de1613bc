"""Input checking: every bad value named by its field, never a silent default."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calculator import evaluate, evaluate_json, evaluate_query, parse_query
from calculator.inputs import query_pairs

BAD_VALUES = [
    # (field, value, message)
    ("privacy_required", "yes", "must be true or false, not text"),
    ("privacy_required", 1, "must be true or false, not a number"),
    ("privacy_required", None, "must not be null (bool)"),
    ("latency_budget_ms", 0, "must be greater than 0"),
    ("latency_budget_ms", -5, "must be greater than 0"),
    ("latency_budget_ms", float("nan"), "must be a finite number, not nan"),
    ("latency_budget_ms", float("inf"), "must be a finite number, not inf"),
    ("latency_budget_ms", "50", "must be a number, not text"),
    ("latency_budget_ms", True, "must be a number, not true"),
    ("prompting_reliable", "maybe", "must be one of 'untested', 'yes' or 'no', not 'maybe'"),
    ("prompting_reliable", False, "must be one of 'untested', 'yes' or 'no', not false"),
    ("labeled_examples", 10.5, "must be a whole number, not 10.5"),
    ("labeled_examples", -1, "must be at least 0"),
    ("monthly_requests", 10**12 + 1, "must be at most 1,000,000,000,000"),
    ("monthly_requests", 10**400, "must be at most 1,000,000,000,000"),
    ("monthly_requests", [1], "must be a whole number, not a list"),
    ("horizon_months", 0, "must be at least 1"),
    ("horizon_months", 121, "must be at most 120"),
    ("retrain_every_months", 0, "must be at least 1"),
    ("api_cost_per_request", -0.01, "must be at least 0"),
    ("api_cost_per_request", 1e9 + 1, "must be at most 1,000,000,000"),
    ("custom_build_cost", {"a": 1}, "must be a number, not an object"),
]


@pytest.mark.parametrize("field, value, message", BAD_VALUES)
def test_bad_value_is_named(field, value, message):
    assert evaluate({field: value}) == {"errors": [{"field": field, "message": message}]}


def test_every_error_at_once():
    result = evaluate({"horizon_months": 0, "bogus": 1, "generic_task": "no", "monthly_request": 5})
    assert [e["field"] for e in result["errors"]] == ["bogus", "monthly_request", "generic_task", "horizon_months"]
    assert result["errors"][1]["message"] == "is not an input field; did you mean 'monthly_requests'?"


@pytest.mark.parametrize("raw", [[], "text", 3, None, True])
def test_input_must_be_an_object(raw):
    (error,) = evaluate(raw)["errors"]
    assert error["field"] == "input"
    assert error["message"].startswith("must be a JSON object")


def test_whole_floats_count_as_whole_numbers():
    assert evaluate({"monthly_requests": 5e4})["inputs"]["monthly_requests"] == 50_000


def test_null_latency_means_no_budget():
    assert evaluate({"latency_budget_ms": None})["inputs"]["latency_budget_ms"] is None


@pytest.mark.parametrize(
    "text, field, message",
    [
        ("{", "input", "is not valid JSON"),
        ('{"generic_task": true, "generic_task": false}', "generic_task", "is given more than once"),
        ('{"latency_budget_ms": NaN}', "latency_budget_ms", "must be a finite number, not nan"),
        ('{"latency_budget_ms": Infinity}', "latency_budget_ms", "must be a finite number, not inf"),
        ("[" * 100_000, "input", "is not valid JSON"),
    ],
)
def test_json_entry_rejects_by_field(text, field, message):
    (error,) = json.loads(evaluate_json(text))["errors"]
    assert error["field"] == field
    assert error["message"].startswith(message)


QUERY_CASES = [
    ("privacy_required=true", {"privacy_required": True}),
    ("?generic_task=false&monthly_requests=2000", {"generic_task": False, "monthly_requests": 2000}),
    ("latency_budget_ms=", {"latency_budget_ms": None}),
    ("latency_budget_ms=99.9", {"latency_budget_ms": 99.9}),
    ("labeled_examples=1e4", {"labeled_examples": 10_000}),
    ("prompting_reliable=no", {"prompting_reliable": "no"}),
    ("v=0.9.0&embed=1", {}),
]


@pytest.mark.parametrize("query, expected", QUERY_CASES)
def test_query_parses_like_json(query, expected):
    inputs, errors, _, _ = parse_query(__import__("calculator").default_rules(), query)
    assert errors == []
    assert inputs == evaluate(expected)["inputs"]


QUERY_ERRORS = [
    ("privacy_required=yes", "privacy_required", "must be true or false, not 'yes'"),
    ("monthly_requests=", "monthly_requests", "is empty; give a whole number"),
    ("monthly_requests=nan", "monthly_requests", "'nan' is not a whole number"),
    ("monthly_requests=1_000", "monthly_requests", "'1_000' is not a whole number"),
    ("monthly_requests=10.5", "monthly_requests", "must be a whole number, not 10.5"),
    ("api_cost_per_request=inf", "api_cost_per_request", "'inf' is not a number"),
    ("api_cost_per_request=1e999", "api_cost_per_request", "must be a finite number, not inf"),
    ("latency_budget_ms=0x10", "latency_budget_ms", "'0x10' is not a number"),
    ("generic_task=true&generic_task=false", "generic_task", "is given more than once"),
    ("prompting_reliable=%3Cb%3Ex", "prompting_reliable", "must be one of 'untested', 'yes' or 'no', not '<b>x'"),
]


@pytest.mark.parametrize("query, field, message", QUERY_ERRORS)
def test_query_errors_are_named(query, field, message):
    (error,) = json.loads(evaluate_query(query))["errors"]
    assert error == {"field": field, "message": message}


def test_query_reports_every_error():
    errors = json.loads(evaluate_query("horizon_months=0&generic_task=maybe&x=1"))["errors"]
    assert {e["field"] for e in errors} == {"horizon_months", "generic_task"}


@pytest.mark.parametrize("extra", ["utm_source=deck&utm_medium=email", "fbclid=abc", "gclid=xyz", "h=fine+tune"])
def test_the_url_door_ignores_and_lists_what_is_not_an_input(extra):
    result = json.loads(evaluate_query(f"generic_task=true&{extra}"))
    assert result["recommendation"]["id"] == "api"
    assert result["ignored"] == [pair.split("=")[0] for pair in extra.split("&")]


def test_ignored_names_are_bounded():
    result = json.loads(evaluate_query("&".join(f"{'n' * 100}{i}=1" for i in range(50_000))))
    assert len(result["ignored"]) == 10 and all(len(name) == 41 for name in result["ignored"])


def test_json_and_a_million_unknown_keys_answer_with_a_count():
    text = json.dumps({f"k{i}": 1 for i in range(1_000_000)})
    errors = json.loads(evaluate_json(text))["errors"]
    assert len(errors) == 6
    assert errors[-1] == {"field": "input", "message": "has 999,995 more names that are not input fields"}


def test_old_link_answers_with_a_notice():
    result = json.loads(evaluate_query("generic_task=true&v=0.1.0"))
    assert result["recommendation"]["id"] == "api"
    assert "version 0.1.0" in result["notices"][0]


def test_a_1_0_0_link_opens_with_what_changed_from_the_changelog(rules):
    result = json.loads(evaluate_query("latency_budget_ms=150&v=1.0.0"))
    assert result["recommendation"]["id"] == "small_model"
    (notice,) = result["notices"]
    assert "version 1.0.0" in notice and "version 1.1.0" in notice
    for change in rules.changelog[0].changes:
        assert change in notice


def test_a_long_version_is_quoted_as_an_excerpt():
    (notice,) = json.loads(evaluate_query("v=" + "9" * 100_000))["notices"]
    assert len(notice) < 300 and "9" * 40 + "…" in notice


FIVE_THOUSAND = "1" * 5_000


@pytest.mark.parametrize("field", ["monthly_requests", "labeled_examples", "api_cost_per_request"])
def test_a_number_of_5000_digits_at_the_json_door_names_its_field(field):
    (error,) = json.loads(evaluate_json(f'{{"{field}": {FIVE_THOUSAND}}}'))["errors"]
    assert error["field"] == field
    assert error["message"].startswith("is a number of 5,000 digits; must be at most")


def test_a_number_of_5000_digits_at_the_url_door_names_its_field():
    (error,) = json.loads(evaluate_query(f"monthly_requests={FIVE_THOUSAND}"))["errors"]
    assert error == {"field": "monthly_requests", "message": "is a number of 5,000 digits; must be at most 1,000,000,000,000"}


def test_a_long_bad_value_is_quoted_as_an_excerpt():
    (error,) = json.loads(evaluate_query("monthly_requests=" + "x" * 50_000_000))["errors"]
    assert error == {"field": "monthly_requests", "message": f"'{'x' * 40}…' is not a whole number"}


def test_current_link_has_no_notice(rules):
    result = json.loads(evaluate_query(f"generic_task=true&v={rules.version}"))
    assert "notices" not in result


def test_canonical_query_round_trips():
    result = evaluate({"latency_budget_ms": 250, "api_cost_per_request": 0.05, "generic_task": True})
    assert result["query"] == "latency_budget_ms=250&generic_task=true&api_cost_per_request=0.05&v=1.1.0"
    again = json.loads(evaluate_query(result["query"]))
    assert again["inputs"] == result["inputs"]


@given(st.text(alphabet=st.sampled_from(list("ab=&%+?2fFzé€ ")), max_size=30))
def test_query_pairs_split_like_the_standard_library(query):
    from urllib.parse import parse_qsl

    assert query_pairs(query) == parse_qsl(query.removeprefix("?"), keep_blank_values=True)
