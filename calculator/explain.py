"""The result as plain text for a terminal: ``python -m calculator explain``."""

from __future__ import annotations

from typing import Any, Mapping

from .formatting import band, count, money
from .models import OPTION_IDS, Rules
from .report import answer_label

WIDTH = 78


def explain(rules: Rules, result: Mapping[str, Any]) -> str:
    """Every part of a result, in the order a reader needs it."""
    rec = result["recommendation"]
    costs = result["costs"]
    lines = [f"Recommendation: {rec['title']} ({rec['id']})", f"  {rec['action']}", f"  Why: {rec['why']}", "  Next steps:"]
    lines += [f"    {i}. {step}" for i, step in enumerate(rec["next_steps"], 1)]

    lines += ["", "How the tree got there:"]
    for i, step in enumerate(result["path"], 1):
        lines.append(f"  {i}. {rules.questions[step['node']].question}  {answer_label(rules, step).lower()}")

    lines += ["", "What would change the answer:"]
    lines += [f"  - {rules.questions[c['node']].title}: {c['text']}" for c in result["changes"]]

    volume, horizon = costs["monthly_requests"], costs["horizon_months"]
    lines += ["", f"Costs over {horizon} months at {count(volume)} requests a month:"]
    header = f"  {'option':<20}{'one-off':>14}{'monthly':>14}{'total':>16}   article's figures"
    lines.append(header)
    for option in OPTION_IDS:
        o = costs["options"][option]
        lines.append(
            f"  {rules.options[option].title:<20}{money(o['one_off']):>14}{money(o['monthly']):>14}"
            f"{money(o['total']):>16}   {band(o['band']['low'], o['band']['high'])}"
        )
    runs = costs["options"]["fine_tune"]["training_runs"]
    lines.append(f"  Fine-tuning counts {runs} training run{'s' if runs != 1 else ''} over the horizon.")
    lines.append(f"  Cheapest over the horizon: {rules.options[costs['cheapest']].title}")

    lines += ["", "Break-even volumes (requests a month):"]
    for key, volume_at in result["break_even"].items():
        challenger, incumbent = key.split("_vs_")
        names = f"{rules.options[challenger].title} vs {rules.options[incumbent].title}"
        shown = count(volume_at) if volume_at is not None else "never, at any volume up to the maximum"
        lines.append(f"  {names:<34}{shown}")

    lines += ["", "Considerations:"]
    lines += [f"  - {c['text']}" for c in result["considerations"]] or ["  (none for these inputs)"]
    return "\n".join(lines) + "\n"


def explain_errors(errors: list[Mapping[str, str]]) -> str:
    """Input errors, one per line, each starting with its field."""
    return "".join(f"error: {e['field']}: {e['message']}\n" for e in errors)
