"""Markdown blocks for the framework's pages, generated from the rule data.

A page holds a marker such as ``<!-- bvb:inputs-table -->`` on a line of its
own; :func:`fill_markers` replaces it with the block of that name. Every
table, figure and section that restates the framework comes from here, so
nothing in ``docs/`` types a fact twice. No MkDocs import: the hooks call
these functions, and so can a test or a script.
"""

from __future__ import annotations

import re
from typing import Callable, Final

from calculator import evaluate
from calculator.formatting import band, count, figure_range, money
from calculator.inputs import format_bound, value_text
from calculator.models import OPTION_IDS, Field, Rules

MARKER: Final = re.compile(r"^<!-- bvb:([a-z0-9-]+) -->$", re.MULTILINE)
CALCULATOR_PAGE: Final = "calculator.md"


class UnknownMarker(ValueError):
    """A page names a block that does not exist."""


def option_anchor(option_id: str) -> str:
    """The options page's anchor for an option: "option-fine-tune"."""
    return "option-" + option_id.replace("_", "-")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def options_table(rules: Rules) -> str:
    rows = [
        "| Option | Stance | Speed | Control | Cost | When it fits |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for o in rules.options.values():
        rows.append(
            f"| [{o.title}](#{option_anchor(o.id)}) | {o.stance} | {o.speed} | {o.control} | {_cell(o.cost)} | {_cell(o.fits)} |"
        )
    return "\n".join(rows)


def options_sections(rules: Rules) -> str:
    """One section per option, with the leaves that spend on it."""
    out = []
    for o in rules.options.values():
        leaves = [leaf for leaf in rules.leaves.values() if leaf.option == o.id]
        leaf_links = ", ".join(f"[{leaf.title}](decision-tree.md#{leaf.id})" for leaf in leaves)
        out += [
            f"## {o.title} ({o.stance}) {{#{option_anchor(o.id)}}}",
            "",
            o.summary,
            "",
            f"- **Speed:** {o.speed}.",
            f"- **Control:** {o.control}.",
            f"- **Cost:** {o.cost}",
            f"- **When it fits:** {o.fits}",
            f"- **Where the tree sends you here:** {leaf_links}.",
            "",
        ]
    return "\n".join(out)


def options_cards(rules: Rules) -> str:
    """The three options side by side, for the home page."""
    cards = [
        f'- **{o.title}** <span class="bvb-stance">{o.stance}</span>\n\n    ---\n\n    {o.speed}; {o.control.lower()}.\n    {o.cost}'
        for o in rules.options.values()
    ]
    return '<div class="grid cards" markdown>\n\n' + "\n\n".join(cards) + "\n\n</div>"


def questions_list(rules: Rules) -> str:
    """The questions in the order the tree asks them, with where "yes" leads."""
    lines = []
    for i, q in enumerate(rules.questions.values(), 1):
        yes = _target_text(rules, q.yes)
        no = _target_text(rules, q.no)
        lines.append(f"{i}. [{q.question}](decision-tree.md#{q.id}) Yes: {yes}. No: {no}.")
    return "\n".join(lines)


def _target_text(rules: Rules, target) -> str:
    if target.is_leaf:
        return f"**{rules.leaves[target.id].title}**"
    return f"go on to *{rules.questions[target.id].title.lower()}*"


def tree_sections(rules: Rules) -> str:
    """One section per question and per leaf, each anchored at its id.

    A question and a leaf that share an id ("prompting") share one section:
    a page cannot hold two anchors of the same name.
    """
    out: list[str] = ["## The questions", ""]
    for q in rules.questions.values():
        out += [f"### {q.title} {{#{q.id}}}", "", f"**{q.question}**", "", q.help, ""]
        if q.examples:
            out += ["Examples from the article: " + ", ".join(f"*{e}*" for e in q.examples) + ".", ""]
        out.append(f"- **Yes:** {_target_link(rules, q.yes)}")
        out.append(f"- **No:** {_target_link(rules, q.no)}" + (f" {q.no_note}" if q.no_note else ""))
        out.append("")
        if q.id in rules.leaves:
            out += [f"#### Recommendation: {rules.leaves[q.id].title}", ""] + _leaf_body(rules, q.id)
    out += ["## The recommendations", ""]
    for leaf in rules.leaves.values():
        if leaf.id in rules.questions:
            out += [f"### {leaf.title}", "", f"See [{rules.questions[leaf.id].title}](#{leaf.id}) above.", ""]
            continue
        out += [f"### {leaf.title} {{#{leaf.id}}}", ""]
        out += _leaf_body(rules, leaf.id)
    return "\n".join(out)


def _leaf_body(rules: Rules, leaf_id: str) -> list[str]:
    leaf = rules.leaves[leaf_id]
    option = rules.options[leaf.option]
    steps = [f"{i}. {step}" for i, step in enumerate(leaf.next_steps, 1)]
    return [
        f"**What to do:** {leaf.action}",
        "",
        f"**Why:** {leaf.why}",
        "",
        f"**Spends like:** [{option.title}](options.md#{option_anchor(option.id)}) ({option.stance})."
        + (f" {leaf.cost_note}" if leaf.cost_note else ""),
        "",
        "**Next steps:**",
        "",
        *steps,
        "",
        f"[Try a scenario that ends here]({CALCULATOR_PAGE}?{_scenario_for(rules, leaf_id)}){{ .md-button }}",
        "",
    ]


def _scenario_for(rules: Rules, leaf_id: str) -> str:
    """The calculator query of the first preset that ends at the leaf."""
    for preset in rules.presets.values():
        result = evaluate(dict(preset.values), rules)
        if result["recommendation"]["id"] == leaf_id:
            return result["query"]
    raise ValueError(f"no preset in the rule file ends at leaf {leaf_id!r}; add one")


def _target_link(rules: Rules, target) -> str:
    if target.is_leaf:
        return f"[{rules.leaves[target.id].title}](#{target.id})"
    return f"next question, [{rules.questions[target.id].title}](#{target.id})"


def facts_list(rules: Rules) -> str:
    return "\n".join(f"- **{f.label}:** {f.statement}" for f in rules.facts.values())


def inputs_table(rules: Rules) -> str:
    rows = [
        "| Input | Field | Default | Allowed | Source |",
        "| --- | --- | --- | --- | --- |",
    ]
    for f in rules.fields.values():
        source = {"article": "the article", "assumption": "assumption", "answer": "your answer"}[f.source]
        if f.article_low is not None:
            source += f" ({figure_range(f.article_low, f.article_high, dollars=True)})"
        rows.append(f"| {f.label} | `{f.id}` | {_default_text(f)} | {_allowed_text(f)} | {source} |")
    return "\n".join(rows)


def _default_text(f: Field) -> str:
    if f.default is None:
        return "none"
    if f.type == "choice":
        return dict(zip(f.choices, f.choice_labels))[f.default]
    if f.type == "bool":
        return "yes" if f.default else "no"
    unit = f.unit or ""
    return money(f.default) + unit[1:] if unit.startswith("$") else f"{count(f.default)} {unit}".rstrip()


def _allowed_text(f: Field) -> str:
    if f.type == "bool":
        return "`true` or `false`"
    if f.type == "choice":
        return ", ".join(f"`{c}`" for c in f.choices)
    kind = "whole number" if f.type == "integer" else "number"
    low = f"above {format_bound(f.min)}" if f.min_exclusive else f"{format_bound(f.min)}"
    text = f"{kind}, {low} to {format_bound(f.max)}" if not f.min_exclusive else f"{kind} {low}, at most {format_bound(f.max)}"
    return text + ("; empty for none" if f.nullable else "")


def worked_example(rules: Rules) -> str:
    """The default scenario, computed by the engine while the site builds."""
    result = evaluate({}, rules)
    inputs, costs = result["inputs"], result["costs"]
    v, h = inputs["monthly_requests"], inputs["horizon_months"]
    api, tune, custom = (costs["options"][o] for o in OPTION_IDS)
    runs = tune["training_runs"]
    be = result["break_even"]
    lines = [
        f"With the defaults, **{count(v)} requests a month over {h} months**:",
        "",
        "| Option | One-off | Monthly | Total over the horizon | With the article's figures |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for option in OPTION_IDS:
        o = costs["options"][option]
        lines.append(
            f"| {rules.options[option].title} | {money(o['one_off'])} | {money(o['monthly'])} | **{money(o['total'])}** "
            f"| {band(o['band']['low'], o['band']['high'])} |"
        )
    lines += [
        "",
        f"- API: {count(v)} × {money(inputs['api_cost_per_request'])} = {money(api['monthly'])} a month, "
        f"× {h} = {money(api['total'])}.",
        f"- Fine-tune: 1 + ⌊({h} − 1) / {inputs['retrain_every_months']}⌋ = {runs} training runs × "
        f"{money(inputs['fine_tune_run_cost'])} = {money(tune['one_off'])}, plus {count(v)} × "
        f"{money(inputs['fine_tune_cost_per_request'])} + {money(inputs['evaluation_monthly'])} evaluation = "
        f"{money(tune['monthly'])} a month: {money(tune['total'])}.",
        f"- Custom: {money(custom['one_off'])} to build, plus {count(v)} × {money(inputs['custom_cost_per_request'])} + "
        f"{money(inputs['custom_maintenance_monthly'])} upkeep = {money(custom['monthly'])} a month: {money(custom['total'])}.",
        "",
        f"The cheapest over the horizon is **{rules.options[costs['cheapest']].title}**. Break-even volumes: "
        f"fine-tuning costs no more than the API from **{_be(be['fine_tune_vs_api'])}** requests a month, "
        f"a custom model no more than the API from **{_be(be['custom_vs_api'])}**, and no more than fine-tuning "
        f"from **{_be(be['custom_vs_fine_tune'])}**.",
        "",
        f"[Open this example in the calculator]({CALCULATOR_PAGE}?{result['query']}){{ .md-button }}",
    ]
    return "\n".join(lines)


def _be(value: int | None) -> str:
    return "never" if value is None else count(value)


def rule_of_thumb(rules: Rules) -> str:
    lines = [f"**{rules.rule_of_thumb_summary}**", ""]
    for i, step in enumerate(rules.rule_of_thumb, 1):
        lines.append(f"{i}. {step.text} ([{rules.options[step.option].title}](options.md#{option_anchor(step.option)}))")
    return "\n".join(lines)


def presets_list(rules: Rules) -> str:
    lines = ["| Scenario | Recommendation | Link |", "| --- | --- | --- |"]
    for preset in rules.presets.values():
        result = evaluate(dict(preset.values), rules)
        rec = result["recommendation"]
        lines.append(
            f"| **{preset.title}**: {preset.description} | [{rec['title']}](decision-tree.md#{rec['id']}) | "
            f"[`calculator/?{result['query']}`]({CALCULATOR_PAGE}?{result['query']}) |"
        )
    return "\n".join(lines)


def anchors_table(rules: Rules) -> str:
    lines = ["| Section | Link |", "| --- | --- |"]
    for q in rules.questions.values():
        lines.append(f"| Question: {q.question} | [`decision-tree/#{q.id}`](decision-tree.md#{q.id}) |")
    for leaf in rules.leaves.values():
        lines.append(f"| Recommendation: {leaf.title} | [`decision-tree/#{leaf.id}`](decision-tree.md#{leaf.id}) |")
    return "\n".join(lines)


def query_fields(rules: Rules) -> str:
    lines = ["| Parameter | Example |", "| --- | --- |"]
    for f in rules.fields.values():
        example = {"bool": "true", "choice": f.choices[-1] if f.choices else ""}.get(f.type)
        if example is None:
            example = "" if f.nullable else value_text(f.default)
        lines.append(f"| `{f.id}` | `{f.id}={example}` |")
    lines.append("| `v` | the rule version the link was made with (added by the page) |")
    lines.append("| `embed` | `embed=1` shows only the calculator, for an iframe |")
    return "\n".join(lines)


def changelog(rules: Rules) -> str:
    out = []
    for release in rules.changelog:
        out += [f"### {release.version} ({release.date})", ""] + [f"- {c}" for c in release.changes] + [""]
    return "\n".join(out)


def source_credit(rules: Rules) -> str:
    s = rules.source
    return f"*{s.title}*, by {s.author} ({s.publisher}). {s.summary}\n\n{s.note}"


def rules_version(rules: Rules) -> str:
    return f"The rule data is at version **{rules.version}**."


def credit_line(rules: Rules) -> str:
    """The footer's credit to the source article."""
    return f'Framework and figures from "{rules.source.title}" by {rules.source.author}.'


def cost_formulas(rules: Rules) -> str:
    """The cost model's formulas, named with the options' and fields' own labels."""
    f, o = rules.fields, rules.options

    def name(field_id: str) -> str:
        return f[field_id].label.lower() if not f[field_id].label.startswith("API") else f[field_id].label

    return "\n".join(
        [
            "| Option | Paid once | Paid every month |",
            "| --- | --- | --- |",
            f"| {o['api'].title} | nothing | *V* × {name('api_cost_per_request')} |",
            f"| {o['fine_tune'].title} | training runs × {name('fine_tune_run_cost')}, where runs = 1 + ⌊(*H* − 1) / "
            f"{name('retrain_every_months')}⌋ | *V* × {name('fine_tune_cost_per_request')} + {name('evaluation_monthly')} |",
            f"| {o['custom'].title} | {name('custom_build_cost')} | *V* × {name('custom_cost_per_request')} + "
            f"{name('custom_maintenance_monthly')} |",
        ]
    )


BLOCKS: Final[dict[str, Callable[[Rules], str]]] = {
    "options-table": options_table,
    "options-sections": options_sections,
    "options-cards": options_cards,
    "questions-list": questions_list,
    "tree-sections": tree_sections,
    "facts-list": facts_list,
    "cost-formulas": cost_formulas,
    "inputs-table": inputs_table,
    "worked-example": worked_example,
    "rule-of-thumb": rule_of_thumb,
    "presets-list": presets_list,
    "anchors-table": anchors_table,
    "query-fields": query_fields,
    "changelog": changelog,
    "source-credit": source_credit,
    "rules-version": rules_version,
}


def fill_markers(text: str, rules: Rules, blocks: dict[str, Callable[[Rules], str]] = BLOCKS) -> str:
    """Replace each ``<!-- bvb:name -->`` line whose name is in ``blocks``.

    Markers for other block tables (the HTML ones filled after Markdown) are
    left alone; a name found in no table is an error for the author.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in blocks:
            return f"<!-- generated by build_scripts/page_blocks.py: {name} -->\n" + blocks[name](rules)
        if name in KNOWN_ELSEWHERE:
            return match.group(0)
        raise UnknownMarker(f"unknown marker 'bvb:{name}'; known: {', '.join(sorted(set(BLOCKS) | KNOWN_ELSEWHERE))}")

    return MARKER.sub(replace, text)


# Markers filled in the HTML (after Markdown), by build_scripts/page_html.py.
KNOWN_ELSEWHERE: Final = frozenset({"diagram", "calculator"})
