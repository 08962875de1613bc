"""The engine: inputs in, the framework's answer out, as JSON-ready dicts.

:func:`evaluate` is the one pure function every interface calls (the command
line, the build, and the browser worker through calculator.page).
:func:`evaluate_json` and :func:`evaluate_query` are its string-in,
string-out doors for JSON and for a URL query.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from .conditions import Context
from .costs import CostReport, bands, break_evens, cost_report, training_runs
from .flips import flips_with_text
from .formatting import count, money
from .inputs import VERSION_PARAM, parse_json, parse_query, to_query, validate
from .models import Rules, Target
from .rules import default_rules

Result = dict[str, Any]


def walk(rules: Rules, ctx: Context, start: Target | None = None) -> tuple[str, list[dict[str, str]]]:
    """Follow the tree from ``start`` (the root by default) to a leaf.

    Returns the leaf id and the path: one ``{"node", "answer"}`` per question
    asked, from the first to the one that led to the leaf. ``answer`` is the
    branch taken ("yes" or "no"); a question decided by a choice also gives
    the chosen ``value``.
    """
    target = start or Target("question", rules.root)
    path: list[dict[str, str]] = []
    questions = rules.questions
    while not target.is_leaf:
        question = questions[target.id]
        test = question.test
        yes = test.check(ctx)
        step = {"node": question.id, "answer": "yes" if yes else "no"}
        if test.op == "in":
            # A choice decided the answer ("untested" counts as yes): keep it.
            step["value"] = ctx.inputs[test.field]
        path.append(step)
        target = question.yes if yes else question.no
    return target.id, path


def _changes(rules: Rules, ctx: Context, leaf: str, path: list[dict[str, str]]) -> list[Result]:
    """For each question on the path: where the other answer leads, and what
    change of inputs gives that other answer."""
    changes = []
    for step in path:
        question = rules.questions[step["node"]]
        other_answer = "no" if step["answer"] == "yes" else "yes"
        other_leaf, _ = walk(rules, ctx, question.yes if other_answer == "yes" else question.no)
        ways, how = flips_with_text(rules, question.test, ctx)
        title = rules.leaves[other_leaf].title
        if ways:
            text = f"{how} → {title}" if other_leaf != leaf else f"{how} → still {title}"
        else:
            text = f"No change of inputs turns this answer to {other_answer}."
        changes.append(
            {
                "node": question.id,
                "answer": other_answer,
                "leaf": other_leaf,
                "changes_answer": other_leaf != leaf,
                "ways": ways,
                "text": text,
            }
        )
    return changes


class _Placeholders(dict):
    """The values a consideration's text may use, computed on first use."""

    def __init__(self, rules: Rules, inputs: Mapping[str, Any], costs: CostReport, option: str) -> None:
        super().__init__()
        self.rules, self.inputs, self.costs, self.option = rules, inputs, costs, option

    def __missing__(self, name: str) -> str:
        rules, costs = self.rules, self.costs
        if name == "cheapest_title":
            value = rules.options[costs.cheapest].title
        elif name == "cheapest_total":
            value = money(costs.totals[costs.cheapest])
        elif name == "recommended_title":
            value = rules.options[self.option].title
        elif name == "recommended_total":
            value = money(costs.totals[self.option])
        else:
            field = rules.fields[name]
            raw = self.inputs[name]
            # Numbers without their unit, which the sentence around them says;
            # money keeps its dollar sign.
            if raw is None:
                value = "none"
            elif field.type in ("number", "integer"):
                value = money(raw) if (field.unit or "").startswith("$") else count(raw)
            else:
                value = str(raw)
        self[name] = value
        return value


def evaluate_valid(rules: Rules, inputs: Mapping[str, Any]) -> Result:
    """The answer for inputs that :func:`calculator.inputs.validate` accepted."""
    costs = cost_report(inputs)
    ctx = Context(inputs=inputs, costs=costs)
    leaf_id, path = walk(rules, ctx)
    leaf = rules.leaves[leaf_id]
    done = Context(inputs, costs, leaf_id, leaf.option, costs.cheapest)
    values = _Placeholders(rules, inputs, costs, leaf.option)
    considerations = [
        {"id": c.id, "text": c.text.format_map(values)} for c in rules.considerations if c.when.check(done)
    ]
    volume, horizon = costs.volume, costs.horizon
    runs = training_runs(horizon, inputs["retrain_every_months"])
    band = bands(rules, costs, runs)
    options = {}
    for option, line in costs.lines.items():
        entry: Result = {
            "one_off": line.one_off,
            "monthly": line.monthly(volume),
            "total": costs.totals[option],
            "band": band[option],
        }
        options[option] = entry
    options["fine_tune"]["training_runs"] = runs
    return {
        "version": rules.version,
        "inputs": dict(inputs),
        "query": to_query(rules, inputs),
        "recommendation": {
            "id": leaf.id,
            "title": leaf.title,
            "option": leaf.option,
            "action": leaf.action,
            "why": leaf.why,
            "next_steps": list(leaf.next_steps),
        },
        "path": path,
        "changes": _changes(rules, ctx, leaf_id, path),
        "considerations": considerations,
        "costs": {
            "monthly_requests": volume,
            "horizon_months": horizon,
            "options": options,
            "cheapest": costs.cheapest,
        },
        "break_even": break_evens(costs, int(rules.fields["monthly_requests"].max)),
    }


def evaluate(raw: Any, rules: Rules | None = None) -> Result:
    """The framework's answer for an input object (a dict, as from JSON).

    Invalid input gives ``{"errors": [{"field", "message"}, ...]}`` with every
    problem at once; this function never raises on bad input.
    """
    rules = rules or default_rules()
    inputs, errors = validate(rules, raw)
    if errors:
        return {"errors": errors}
    return evaluate_valid(rules, inputs)


def dumps(result: Result) -> str:
    """The one JSON spelling of a result, the same in CPython and Pyodide."""
    return json.dumps(result, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def evaluate_json(text: str, rules: Rules | None = None) -> str:
    """JSON text in, JSON text out: :func:`evaluate` for scripts in other languages."""
    raw, errors = parse_json(text)
    if errors:
        return dumps({"errors": errors})
    return dumps(evaluate(raw, rules))


def evaluate_query(query: str, rules: Rules | None = None) -> str:
    """A URL query string in, the result JSON out.

    A link made with another rule version still answers, with a notice that
    the rules (and so perhaps the defaults) have changed since.
    """
    rules = rules or default_rules()
    inputs, errors, page = parse_query(rules, query)
    result: Result = {"errors": errors} if errors else evaluate_valid(rules, inputs)
    notices = version_notices(rules, page)
    if notices:
        result["notices"] = notices
    return dumps(result)


def version_notices(rules: Rules, page: Mapping[str, str]) -> list[str]:
    """A notice when a link was made with another version of the rules."""
    made_with = page.get(VERSION_PARAM)
    if made_with is None or made_with == rules.version:
        return []
    return [f"This link was made with version {made_with} of the rules; it is answered with version {rules.version}."]
