"""The engine: inputs in, the framework's answer out.

:func:`answer` gives the typed view (calculator.answer.Answer) every output
renders from; :func:`evaluate` is the JSON-ready dict of the contract, the
one pure function every interface calls. :func:`evaluate_json` and
:func:`evaluate_query` are its string-in, string-out doors for JSON and for
a URL query.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from .answer import Answer, BreakEven, Change, Note, OptionCost, Step, figures
from .conditions import Context
from .costs import CostReport, band, cost_report, first_volume
from .flips import flips, in_words
from .formatting import count, excerpt, money
from .inputs import VERSION_PARAM, parse_json, parse_query, to_query, validate
from .models import Rules, Target
from .plan import plan_for
from .rules import default_rules

Result = dict[str, Any]


def walk(rules: Rules, ctx: Context) -> tuple[str, list[Step]]:
    """Follow the tree from the root to a leaf; return the leaf id and one
    step per question asked."""
    questions = rules.questions
    steps = plan_for(rules).steps
    question = questions[rules.root]
    path: list[Step] = []
    while True:
        test = question.test
        yes = test.check(ctx)
        # A choice decided the answer ("untested" counts as yes): its step keeps it.
        path.append(steps[question.id][ctx.inputs[test.field] if test.op == "in" else yes])
        target = question.yes if yes else question.no
        if target.kind == "leaf":
            return target.id, path
        question = questions[target.id]


def leaf_from(rules: Rules, ctx: Context, target: Target) -> str:
    """The leaf the tree reaches from ``target``, without the steps."""
    questions = rules.questions
    while target.kind != "leaf":
        question = questions[target.id]
        target = question.yes if question.test.check(ctx) else question.no
    return target.id


def leaf_for(rules: Rules, values: Mapping[str, Any]) -> str:
    """Where valid input values (defaults filled in) lead in the tree."""
    inputs = {**rules.defaults(), **values}
    return walk(rules, Context(inputs, cost_report(rules, inputs)))[0]


def _changes(rules: Rules, ctx: Context, leaf: str, path: list[Step]) -> tuple[Change, ...]:
    """For each question on the path: where the other answer leads, and what
    change of inputs gives that other answer."""
    changes = []
    leaves = rules.leaves
    for step in path:
        question = step.question
        if step.answer == "yes":
            other_answer, other_leaf = "no", leaf_from(rules, ctx, question.no)
        else:
            other_answer, other_leaf = "yes", leaf_from(rules, ctx, question.yes)
        ways = flips(rules, question.test, ctx)
        title = leaves[other_leaf].title
        if ways:
            how = in_words(ways)
            text = f"{how} → {title}" if other_leaf != leaf else f"{how} → still {title}"
        else:
            text = f"No change of inputs turns this answer to {other_answer}."
        changes.append(Change(question, other_answer, leaves[other_leaf], other_leaf != leaf, ways, text))
    return tuple(changes)


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
        elif name.startswith("total_") and name[6:] in costs.totals:
            value = money(costs.totals[name[6:]])
        elif name.startswith("extra_") and name not in rules.fields:
            a, _, b = name[6:].partition("_over_")
            value = money(costs.totals[a] - costs.totals[b])
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


def answer(rules: Rules, inputs: Mapping[str, Any]) -> Answer:
    """The typed answer for inputs that :func:`calculator.inputs.validate` accepted."""
    costs = cost_report(rules, inputs)
    ctx = Context(inputs=inputs, costs=costs)
    leaf_id, path = walk(rules, ctx)
    leaf = rules.leaves[leaf_id]
    done = Context(inputs, costs, leaf_id, leaf.option, costs.cheapest)
    notes = []
    values = None  # made when a consideration holds: most answers have few
    for consideration in rules.considerations:
        if consideration.when.check(done):
            if values is None:
                values = _Placeholders(rules, inputs, costs, leaf.option)
            notes.append(Note(consideration.id, consideration.text.format_map(values)))
    volume, horizon = costs.volume, costs.horizon
    lines, cheapest, ruled_out = costs.lines, costs.cheapest, costs.ruled_out
    options = []
    for option in rules.options.values():
        ident = option.id
        line = lines[ident]
        options.append(
            OptionCost(
                option=option,
                one_off=line.one_off,
                up_front=line.one_off / line.runs,
                runs=line.runs if option.cost.repeat_every else None,
                monthly=line.monthly(volume),
                total=costs.totals[ident],
                band=band(rules, ident, inputs, line),
                ruled_out=ruled_out.get(ident),
                cheapest=ident == cheapest,
                recommended=ident == leaf.option,
            )
        )
    options_by_id, max_volume = rules.options, plan_for(rules).max_volume
    break_evens = tuple(
        BreakEven(
            options_by_id[p.challenger],
            options_by_id[p.incumbent],
            first_volume(lines[p.challenger], lines[p.incumbent], horizon, max_volume),
        )
        for p in rules.cost_model.break_evens
    )
    return Answer(
        version=rules.version,
        source=rules.source,
        inputs=dict(inputs),
        query=to_query(rules, inputs),
        leaf=leaf,
        option=rules.options[leaf.option],
        path=tuple(path),
        changes=_changes(rules, ctx, leaf_id, path),
        considerations=tuple(notes),
        volume=volume,
        horizon=horizon,
        costs=tuple(options),
        cheapest=rules.options[costs.cheapest] if costs.cheapest else None,
        break_evens=break_evens,
        figures=figures(rules, inputs),
    )


def evaluate_valid(rules: Rules, inputs: Mapping[str, Any]) -> Result:
    """The result object for inputs that :func:`calculator.inputs.validate` accepted."""
    return answer(rules, inputs).to_json()


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
    rules = rules or default_rules()
    raw, errors = parse_json(text)
    if errors:
        return dumps({"errors": errors})
    return dumps(evaluate(raw, rules))


def evaluate_query(query: str, rules: Rules | None = None) -> str:
    """A URL query string in, the result JSON out.

    The URL door is forgiving: parameters that are not inputs are ignored and
    listed under ``ignored``. A link made with another rule version still
    answers, with a notice that says what changed since.
    """
    rules = rules or default_rules()
    parsed = parse_query(rules, query)
    result: Result = {"errors": parsed.errors} if parsed.errors else evaluate_valid(rules, parsed.inputs)
    notices = version_notices(rules, parsed.page)
    if notices:
        result["notices"] = notices
    if parsed.ignored:
        result["ignored"] = parsed.ignored
    return dumps(result)


def version_notices(rules: Rules, page: Mapping[str, str]) -> list[str]:
    """A notice when a link was made with another version of the rules,
    naming what changed since, from the rule file's changelog."""
    made_with = page.get(VERSION_PARAM)
    if made_with is None or made_with == rules.version:
        return []
    versions = [release.version for release in rules.changelog]
    shown = excerpt(made_with)
    if made_with not in versions:
        return [f"This link was made with rules version {shown}, which this site does not know; it is answered with version {rules.version}."]
    newer = rules.changelog[: versions.index(made_with)]
    changes = " ".join(change for release in newer for change in release.changes)
    return [f"This link was made with rules version {shown}; it is answered with version {rules.version}. What changed: {changes}"]
