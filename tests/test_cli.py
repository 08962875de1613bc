"""The command line, through a real subprocess as scripts use it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from calculator import evaluate
from calculator.engine import dumps

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: str | None = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "calculator", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_evaluate_reads_stdin_and_prints_the_result():
    inputs = {"privacy_required": True, "labeled_examples": 20_000}
    done = run("evaluate", stdin=json.dumps(inputs))
    assert done.returncode == 0, done.stderr
    assert done.stdout == dumps(evaluate(inputs)) + "\n"


def test_evaluate_reads_a_file(tmp_path):
    path = tmp_path / "in.json"
    path.write_text('{"generic_task": true}')
    done = run("evaluate", "--input", str(path), stdin=None)
    assert done.returncode == 0
    assert json.loads(done.stdout)["recommendation"]["id"] == "api"


def test_empty_stdin_means_defaults():
    done = run("evaluate", stdin="")
    assert json.loads(done.stdout) == evaluate({})


def test_flags_override_json():
    done = run("evaluate", "--latency-budget-ms", "40", stdin='{"latency_budget_ms": 400}')
    assert json.loads(done.stdout)["recommendation"]["id"] == "small_model"


def test_empty_latency_flag_means_none():
    done = run("evaluate", "--latency-budget-ms", "", stdin='{"latency_budget_ms": 40}')
    assert json.loads(done.stdout)["inputs"]["latency_budget_ms"] is None


def test_invalid_input_exits_2_with_every_error():
    done = run("evaluate", stdin='{"monthly_requests": -1, "horizon_months": "soon", "extra": 1}')
    assert done.returncode == 2
    errors = json.loads(done.stdout)["errors"]
    assert [e["field"] for e in errors] == ["extra", "monthly_requests", "horizon_months"]


def test_bad_flag_text_is_named():
    done = run("evaluate", "--monthly-requests", "lots")
    assert done.returncode == 2
    assert json.loads(done.stdout) == {"errors": [{"field": "monthly_requests", "message": "'lots' is not a whole number"}]}


def test_unreadable_file_is_named(tmp_path):
    done = run("evaluate", "--input", str(tmp_path / "missing.json"))
    assert done.returncode == 2
    assert json.loads(done.stdout)["errors"][0]["field"] == "--input"


def test_not_json_exits_2():
    done = run("evaluate", stdin="monthly_requests=5")
    assert done.returncode == 2
    assert json.loads(done.stdout)["errors"][0]["field"] == "input"


def test_explain_prints_every_part():
    done = run("explain", "--needs-specific-behavior", "true", "--prompting-reliable", "no", "--labeled-examples", "40000")
    assert done.returncode == 0, done.stderr
    for heading in (
        "Recommendation: Fine-tune a base model (fine_tune)",
        "How the tree got there:",
        "What would change the answer:",
        "Costs over 12 months at 50,000 requests a month:",
        "Break-even volumes",
        "Considerations:",
    ):
        assert heading in done.stdout
    assert "Is prompting reliable enough?  no" in done.stdout
    assert "$6,000 – $60,000" in done.stdout  # the API's band at the article's $0.01-0.10


def test_explain_errors_go_to_stderr():
    done = run("explain", "--horizon-months", "0")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "error: horizon_months: must be at least 1\n"


@pytest.mark.parametrize("args", [("--help",), ("evaluate", "--help"), ("explain", "--help")])
def test_help(args):
    done = run(*args)
    assert done.returncode == 0
    assert "usage: python -m calculator" in done.stdout


def test_unknown_command_is_a_usage_error():
    done = run("decide")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_an_unknown_flag_is_an_input_error_in_the_json_shape():
    done = run("evaluate", "--monthly-request", "5")
    assert done.returncode == 2
    assert json.loads(done.stdout) == {
        "errors": [{"field": "--monthly-request", "message": "is not a flag of this command; did you mean '--monthly-requests'?"}]
    }


def test_a_bad_flag_does_not_hide_the_json_errors():
    done = run("evaluate", "--monthly-requests", "lots", stdin='{"horizon_months": 0, "generic_task": "yes"}')
    assert done.returncode == 2
    fields = [e["field"] for e in json.loads(done.stdout)["errors"]]
    assert sorted(fields) == ["generic_task", "horizon_months", "monthly_requests"]


def test_a_flag_of_5000_digits_names_its_field():
    done = run("evaluate", "--monthly-requests", "1" * 5000)
    assert done.returncode == 2
    assert json.loads(done.stdout) == {
        "errors": [{"field": "monthly_requests", "message": "is a number of 5,000 digits; must be at most 1,000,000,000,000"}]
    }


def test_explain_says_where_each_figure_comes_from_and_credits_the_article():
    done = run("explain", "--privacy-required", "true")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "API cost per request $0.03 per request (our default within the article's range ($0.01-0.10))" in out
    assert "Custom model build cost $50,000 (the article's figure)" in out
    assert "Self-host setup cost $10,000 (our assumption)" in out
    assert "ruled out (Data privacy is non-negotiable: no calls to external services.)" in out
    assert "The Build-vs-Buy Framework for AI Features" in out and "Xceed AI team" in out


def test_fifty_thousand_unknown_keys_and_a_huge_value_give_a_short_answer():
    # Suggestions for the first few unknown names only, then a count; a bad
    # value quoted as an excerpt, not copied back whole.
    raw = {f"unknown_{i}": 1 for i in range(50_000)} | {"monthly_requests": "9" * 5_000_000 + "x"}
    done = run("evaluate", stdin=json.dumps(raw))
    assert done.returncode == 2 and done.stderr == ""
    errors = json.loads(done.stdout)["errors"]
    assert len(done.stdout) < 2_000, len(done.stdout)
    (bad,) = [e for e in errors if e["field"] == "monthly_requests"]
    assert len(bad["message"]) < 200, bad
    assert any(e["message"] == "has 49,995 more names that are not input fields" for e in errors), errors
