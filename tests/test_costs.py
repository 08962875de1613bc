"""The cost model against figures worked by hand."""

from __future__ import annotations

import pytest

from calculator.costs import CostLine, first_volume, training_runs

from .conftest import answer


def test_defaults_worked_by_hand():
    # V = 50,000 a month, H = 12 months, defaults from the rule file.
    costs = answer()["costs"]["options"]
    # API: 50,000 x $0.03 = $1,500 a month; x 12 = $18,000.
    assert costs["api"] == {"one_off": 0.0, "monthly": 1500.0, "total": 18000.0, "band": {"low": 6000.0, "high": 60000.0}}
    # Fine-tune: runs = 1 + floor(11 / 3) = 4 -> $8,000; 50,000 x 0.005 + 1,000 = $1,250 a month.
    assert costs["fine_tune"] == {
        "one_off": 8000.0,
        "monthly": 1250.0,
        "total": 23000.0,
        "training_runs": 4,
        # Article: $500 and $5,000 a run -> 2,000 + 15,000 and 20,000 + 15,000.
        "band": {"low": 17000.0, "high": 35000.0},
    }
    # Custom: $50,000 + 12 x (50 + 4,000) = $98,600; the article gives a floor only.
    assert costs["custom"] == {"one_off": 50000.0, "monthly": 4050.0, "total": 98600.0, "band": {"low": 98600.0, "high": None}}


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


def test_cheapest_ties_go_to_the_article_order():
    # All three free: the API wins the tie, as the rule of thumb prefers.
    free = dict(api_cost_per_request=0, fine_tune_run_cost=0, fine_tune_cost_per_request=0, evaluation_monthly=0,
                custom_build_cost=0, custom_cost_per_request=0, custom_maintenance_monthly=0)
    assert answer(**free)["costs"]["cheapest"] == "api"
    assert answer(**dict(free, api_cost_per_request=0.01))["costs"]["cheapest"] == "fine_tune"


def test_cheapest_at_high_volume_is_custom():
    assert answer(monthly_requests=10_000_000)["costs"]["cheapest"] == "custom"


def test_totals_are_cents():
    total = answer(monthly_requests=3, api_cost_per_request=0.1, horizon_months=1)["costs"]["options"]["api"]["total"]
    assert total == 0.3  # 3 x 0.1 is 0.30000000000000004 before rounding


def test_first_volume_strict_and_not():
    cheap, dear = CostLine(100.0, 0.0, 0.0), CostLine(0.0, 1.0, 0.0)
    assert first_volume(cheap, dear, 1, 10**12) == 100
    assert first_volume(cheap, dear, 1, 10**12, strict=True) == 101
    assert first_volume(cheap, dear, 1, 99) is None
