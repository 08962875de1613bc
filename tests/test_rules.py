"""The rule file: the shipped one loads, and each broken variant fails by name."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from calculator import RuleError, load_rules

# The spec's vocabulary, which the shipped rule file must keep (the code
# itself names none of these).
LEAF_IDS = ("api", "prompting", "rag_prompting", "fine_tune", "custom", "small_model", "self_hosted")
OPTION_IDS = ("api", "fine_tune", "self_host", "custom")

SHIPPED = resources.files("calculator").joinpath("rules.toml").read_text(encoding="utf-8")
CASES = tomllib.loads((Path(__file__).parent / "data" / "broken_rules.toml").read_text(encoding="utf-8"))["case"]


def test_there_are_broken_cases():
    assert len(CASES) >= 20  # an empty or truncated fixture file must not pass quietly


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_broken_rules_fail_with_their_message(case):
    assert SHIPPED.count(case["old"]) == 1, f"fixture {case['name']!r} no longer matches the shipped file"
    with pytest.raises(RuleError) as caught:
        load_rules(SHIPPED.replace(case["old"], case["new"]))
    assert str(caught.value) == case["message"]


def test_shipped_rules_load(rules):
    assert tuple(rules.leaves) == LEAF_IDS
    assert tuple(rules.options) == OPTION_IDS
    assert rules.root == "privacy"
    assert rules.changelog[0].version == rules.version


def test_tree_order_is_the_specs(rules):
    order = [(q.id, q.yes.id, q.no.id) for q in rules.questions.values()]
    assert order == [
        ("privacy", "self_hosted", "latency"),
        ("latency", "small_model", "generic"),
        ("generic", "api", "behavior"),
        ("behavior", "prompting", "api"),
        ("prompting", "prompting", "data"),
        ("data", "scale", "rag_prompting"),
        ("scale", "custom", "fine_tune"),
    ]


def test_article_figures_are_facts(rules):
    facts = rules.facts
    assert facts["latency_threshold_ms"].value == 100
    assert (facts["api_latency_overhead_ms"].low, facts["api_latency_overhead_ms"].high) == (200, 500)
    assert facts["labeled_examples_threshold"].value == 10_000
    assert (facts["api_cost_per_request"].low, facts["api_cost_per_request"].high) == (0.01, 0.10)
    assert (facts["fine_tune_run_cost"].low, facts["fine_tune_run_cost"].high) == (500, 5000)
    assert facts["custom_build_cost_floor"].value == 50_000


def test_spec_defaults(rules):
    defaults = rules.defaults()
    assert defaults == {
        "privacy_required": False,
        "latency_budget_ms": None,
        "generic_task": False,
        "needs_specific_behavior": False,
        "prompting_reliable": "untested",
        "labeled_examples": 0,
        "has_ml_team": False,
        "unique_requirements": False,
        "monthly_requests": 50_000,
        "horizon_months": 12,
        "api_cost_per_request": 0.03,
        "fine_tune_run_cost": 2000,
        "retrain_every_months": 3,
        "fine_tune_cost_per_request": 0.005,
        "evaluation_monthly": 1000,
        "custom_build_cost": 50_000,
        "custom_cost_per_request": 0.001,
        "custom_maintenance_monthly": 4000,
        "self_host_setup_cost": 10_000,
        "self_host_monthly": 3000,
        "self_host_cost_per_request": 0.0005,
    }
    sources = {f.id: f.source for f in rules.fields.values()}
    assert sources["api_cost_per_request"] == sources["fine_tune_run_cost"] == "article_range"
    assert sources["custom_build_cost"] == "article"
    for name in ("self_host_setup_cost", "self_host_monthly", "self_host_cost_per_request"):
        assert sources[name] == "assumption" and rules.fields[name].rationale


def test_fact_references_are_filled_in_texts(rules):
    assert rules.questions["latency"].question == "Is latency critical: under 100 ms, or below the 200 ms an API call adds?"
    assert "this site's reading" in rules.questions["latency"].help
    assert "200-500 ms" in rules.leaves["small_model"].why
    assert "$0.01-0.10" in rules.options["api"].cost_text


def test_the_latency_question_reads_both_thresholds_from_the_facts(rules):
    test = rules.questions["latency"].test
    assert (test.op, test.field, test.value) == ("below", "latency_budget_ms", rules.facts["api_latency_overhead_ms"].low)


def test_the_changelog_names_the_new_version(rules):
    assert rules.version == "1.1.0"
    assert [r.version for r in rules.changelog[:2]] == ["1.1.0", "1.0.0"]


def test_every_preset_is_valid_and_distinct(rules):
    from calculator import evaluate

    for preset in rules.presets.values():
        assert evaluate(dict(preset.values))["recommendation"]["id"] == preset.leaf
    # Every leaf has a scenario: the framework page links each to one.
    assert {p.leaf for p in rules.presets.values()} == set(LEAF_IDS)


def test_engine_imports_only_the_standard_library():
    import ast
    import sys

    package = Path(resources.files("calculator"))
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names, f"{path.name} imports {name}"
