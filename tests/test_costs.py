"""The cost model against figures worked by hand."""

from __future__ import annotations

import pytest

from calculator.costs import CostLine, first_volume, training_runs

from .conftest import answer


def test_defaults_worked_by_hand():
    # V = 50,000 a month, H = 12 months, defaults from the rule file.
    costs = answer()["costs"]["options"]
    # API: 50,000 x $0.03 = $1,500 a month; x 12 = $18,000.
    # The band is the article's range alone: nothing else is in the API's line.
    assert costs["api"] == {
        "one_off": 0.0, "up_front": 0.0, "monthly": 1500.0, "total": 18000.0,
        "band": {"low": 6000.0, "high": 60000.0, "mixed": False},
    }
    # Fine-tune: runs = 1 + floor(11 / 3) = 4 -> $8,000; 50,000 x 0.005 + 1,000 = $1,250 a month.
    assert costs["fine_tune"] == {
        "one_off": 8000.0,
        "up_front": 2000.0,  # the first run; the other three are over the horizon
        "monthly": 1250.0,
        "total": 23000.0,
        "training_runs": 4,
        # Article: $500 and $5,000 a run -> 2,000 + 15,000 and 20,000 + 15,000.
        # with our assumptions (evaluation, serving, retraining) for the rest.
        "band": {"low": 17000.0, "high": 35000.0, "mixed": True},
    }
    # Self-host (rules 1.1.0, our assumptions): $10,000 + 12 x (50,000 x 0.0005 + 3,000)
    # = 10,000 + 12 x 3,025 = $46,300; the article gives no figure for it.
    assert costs["self_host"] == {"one_off": 10000.0, "up_front": 10000.0, "monthly": 3025.0, "total": 46300.0, "band": None}
    # Custom: $50,000 + 12 x (50 + 4,000) = $98,600; the article gives a floor only.
    assert costs["custom"] == {
        "one_off": 50000.0, "up_front": 50000.0, "monthly": 4050.0, "total": 98600.0,
        "band": {"low": 98600.0, "high": None, "mixed": True},
    }


def test_break_evens_worked_by_hand():
    # fine-tune vs API: 8,000 + 12(0.005V + 1,000) <= 0.36V  ->  V >= 66,666.7
    # custom vs API:    98,000 + 0.012V <= 0.36V             ->  V >= 281,609.2
    # custom vs FT:     98,000 + 0.012V <= 20,000 + 0.06V    ->  V >= 1,625,000
    assert answer()["break_even"] == {"fine_tune_vs_api": 66_667, "custom_vs_api": 281_610, "custom_vs_fine_tune": 1_625_000}


def test_break_even_is_null_when_never_reached():
    result = answer(fine_tune_cost_per_request=0.05)  # dearer per request than the API
    assert result["break_even"]["fine_tune_vs_api"] is None


def test_break_even_is_zero_when_already_cheaper():
    assert answer(custom_build_cost=0, custom_maintenance_monthly=0)["break_even"]["custom_vs_api"] == 0


@pytest.mark.parametrize("horizon, every, runs", [(1, 3, 1), (3, 3, 1), (4, 3, 2), (7, 3, 3), (12, 3, 4), (12, 12, 1), (120, 1, 120)])
def test_training_runs(horizon, every, runs):
    assert training_runs(horizon, every) == runs


FREE = dict(api_cost_per_request=0, fine_tune_run_cost=0, fine_tune_cost_per_request=0, evaluation_monthly=0,
            custom_build_cost=0, custom_cost_per_request=0, custom_maintenance_monthly=0,
            self_host_setup_cost=0, self_host_monthly=0, self_host_cost_per_request=0)


def test_cheapest_ties_go_to_the_order_api_fine_tune_self_host_custom():
    assert answer(**FREE)["costs"]["cheapest"] == "api"
    assert answer(**dict(FREE, api_cost_per_request=0.01))["costs"]["cheapest"] == "fine_tune"
    assert answer(**dict(FREE, api_cost_per_request=0.01, evaluation_monthly=1))["costs"]["cheapest"] == "self_host"
    assert answer(**dict(FREE, api_cost_per_request=0.01, evaluation_monthly=1, self_host_monthly=1))["costs"]["cheapest"] == "custom"


def test_cheapest_at_high_volume_is_self_host():
    # 10 M a month: self-host 10,000 + 12 x (5,000 + 3,000) = $106,000 beats custom's $218,000.
    costs = answer(monthly_requests=10_000_000)["costs"]
    assert costs["cheapest"] == "self_host" and costs["options"]["self_host"]["total"] == 106_000


@pytest.mark.parametrize(
    "inputs, reason",
    [
        (dict(privacy_required=True), "Data privacy is non-negotiable: no calls to external services."),
        (dict(latency_budget_ms=150), "The latency budget is under the 200 ms an API call adds."),
        (dict(latency_budget_ms=199.9), "The latency budget is under the 200 ms an API call adds."),
    ],
)
def test_a_hard_constraint_rules_the_api_out_but_it_is_still_costed(inputs, reason):
    costs = answer(**inputs, monthly_requests=1_000)["costs"]
    api = costs["options"]["api"]
    assert api["ruled_out"] is True and api["reason"] == reason
    assert api["total"] == 360.0  # 1,000 x 0.03 x 12: the cheapest by far, and still not "cheapest"
    assert costs["cheapest"] == "fine_tune"


def test_nothing_is_ruled_out_without_a_constraint():
    for inputs in ({}, dict(latency_budget_ms=200)):
        options = answer(**inputs)["costs"]["options"]
        assert not any("ruled_out" in o for o in options.values())


def test_self_hosted_and_small_model_spend_like_self_host():
    assert answer(privacy_required=True)["recommendation"]["option"] == "self_host"
    assert answer(latency_budget_ms=50)["recommendation"]["option"] == "self_host"


def test_totals_are_cents():
    total = answer(monthly_requests=3, api_cost_per_request=0.1, horizon_months=1)["costs"]["options"]["api"]["total"]
    assert total == 0.3  # 3 x 0.1 is 0.30000000000000004 before rounding


def test_first_volume_strict_and_not():
    cheap, dear = CostLine(100.0, 0.0, 0.0), CostLine(0.0, 1.0, 0.0)
    assert first_volume(cheap, dear, 1, 10**12) == 100
    assert first_volume(cheap, dear, 1, 10**12, strict=True) == 101
    assert first_volume(cheap, dear, 1, 99) is None
