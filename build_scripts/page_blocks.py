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

from calculator.answer import Answer, article_range
from calculator.engine import answer
from calculator.formatting import count, money
from calculator.inputs import format_bound, value_text
from calculator.models import Field, Rules
from calculator.report import break_even_text, markdown_cost_table

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
            f"| [{o.title}](#{option_anchor(o.id)}) | {o.stance} | {o.speed} | {o.control} | {_cell(o.cost_text)} | {_cell(o.fits)} |"
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
            f"- **Cost:** {o.cost_text}",
            f"- **When it fits:** {o.fits}",
            f"- **Where the tree sends you here:** {leaf_links}.",
            "",
        ]
    return "\n".join(out)


def options_cards(rules: Rules) -> str:
    """The options side by side, for the home page."""
    cards = [
        f'- **{o.title}** <span class="bvb-stance">{o.stance}</span>\n\n    ---\n\n    {o.speed}; {o.control.lower()}.\n    {o.cost_text}'
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
    """The calculator query of the first preset that ends at the leaf (the
    loader makes sure there is one, and that it does end there)."""
    preset = next(p for p in rules.presets.values() if p.leaf == leaf_id)
    return _answer(rules, preset.values).query


def _answer(rules: Rules, values) -> Answer:
    return answer(rules, {**rules.defaults(), **values})


def _target_link(rules: Rules, target) -> str:
    if target.is_leaf:
        return f"[{rules.leaves[target.id].title}](#{target.id})"
    return f"next question, [{rules.questions[target.id].title}](#{target.id})"


def facts_list(rules: Rules) -> str:
    return "\n".join(f"- **{f.label}:** {f.statement}" for f in rules.facts.values())


SOURCE_WORDS: Final = {
    "article": "the article's figure",
    "article_range": "our default within the article's range",
    "assumption": "our assumption",
    "answer": "your answer",
}


def inputs_table(rules: Rules) -> str:
    rows = [
        "| Input | Field | Default | Allowed | Source | Why this default |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in rules.fields.values():
        source = SOURCE_WORDS[f.source]
        if f.article_low is not None:
            source += f" ({article_range(f)})"
        rows.append(
            f"| {f.label} | `{f.id}` | {_default_text(f)} | {_allowed_text(f)} | {source} | {_cell(f.rationale or '')} |"
        )
    return "\n".join(rows)


def assumptions_list(rules: Rules) -> str:
    """Each default that is our assumption, with the one line that says why."""
    return "\n".join(
        f"- **{f.label}: {_default_text(f)}.** {f.rationale}" for f in rules.fields.values() if f.source == "assumption"
    )


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
    ans = _answer(rules, {})
    lines = [
        f"With the defaults, **{count(ans.volume)} requests a month over {ans.horizon} months**:",
        "",
        *markdown_cost_table(ans, reasons=False, bold_total=True),
    ]
    lines.append("")
    lines += [f"- {c.option.title}: {_formula_with_figures(rules, ans, c.option.id)}" for c in ans.costs]
    cheapest = ans.cheapest.title if ans.cheapest else "none"
    lines += [
        "",
        f"The cheapest over the horizon is **{cheapest}**. Break-even volumes: "
        + " ".join(break_even_text(b) for b in ans.break_evens),
        "",
        f"[Open this example in the calculator]({CALCULATOR_PAGE}?{ans.query}){{ .md-button }}",
    ]
    return "\n".join(lines)


def _formula_with_figures(rules: Rules, ans: Answer, option_id: str) -> str:
    """An option's cost line with the figures put in: "50,000 × $0.03 = $1,500 a month ..."."""
    spec, c = rules.options[option_id].cost, ans.cost_of(option_id)
    inputs = ans.inputs
    parts = []
    if spec.one_off:
        once = money(inputs[spec.one_off])
        parts.append(f"{c.runs} runs × {once} = {money(c.one_off)}" if c.runs is not None else f"{once} up front")
    monthly = []
    if spec.per_request:
        monthly.append(f"{count(ans.volume)} × {money(inputs[spec.per_request])}")
    monthly += [money(inputs[f]) for f in spec.monthly]
    parts.append(f"{' + '.join(monthly) or '$0'} = {money(c.monthly)} a month, × {ans.horizon}")
    return "; ".join(parts) + f": **{money(c.total)}**."


def rule_of_thumb(rules: Rules) -> str:
    lines = [f"**{rules.rule_of_thumb_summary}**", ""]
    for i, step in enumerate(rules.rule_of_thumb, 1):
        lines.append(f"{i}. {step.text} ([{rules.options[step.option].title}](options.md#{option_anchor(step.option)}))")
    return "\n".join(lines)


def presets_list(rules: Rules) -> str:
    lines = ["| Scenario | Recommendation | Link |", "| --- | --- | --- |"]
    for preset in rules.presets.values():
        ans = _answer(rules, preset.values)
        lines.append(
            f"| **{preset.title}**: {preset.description} | [{ans.leaf.title}](decision-tree.md#{ans.leaf.id}) | "
            f"[`calculator/?{ans.query}`]({CALCULATOR_PAGE}?{ans.query}) |"
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
    return (
        f"*{s.title}*, by {s.author} ({s.publisher}). {s.summary}\n\n{s.note}\n\n"
        "The article is credited by name: its text gives no public address to link to."
    )


def rules_version(rules: Rules) -> str:
    return f"The rule data is at version **{rules.version}**."


def credit_line(rules: Rules) -> str:
    """The footer's credit to the source article."""
    return f"Framework and figures from \u201c{rules.source.title}\u201d by {rules.source.author} ({rules.source.publisher})."


def cost_formulas(rules: Rules) -> str:
    """The cost model's formulas, named with the options' and fields' own labels."""
    f = rules.fields

    def name(field_id: str) -> str:
        label = f[field_id].label
        return label if label[:3].isupper() else label[0].lower() + label[1:]

    rows = ["| Option | Paid once | Paid every month |", "| --- | --- | --- |"]
    for o in rules.options.values():
        spec = o.cost
        once = "nothing"
        if spec.one_off:
            once = name(spec.one_off)
            if spec.repeat_every:
                once = f"training runs × {once}, where runs = 1 + ⌊(*H* − 1) / {name(spec.repeat_every)}⌋"
        monthly = ([f"*V* × {name(spec.per_request)}"] if spec.per_request else []) + [name(m) for m in spec.monthly]
        rows.append(f"| {o.title} | {once} | {' + '.join(monthly) or 'nothing'} |")
    return "\n".join(rows)


def ruled_out_list(rules: Rules) -> str:
    """The hard constraints that rule an option out."""
    return "\n".join(
        f"- **{o.title}** is ruled out when: {r.reason}" for o in rules.options.values() for r in o.ruled_out
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
    "assumptions-list": assumptions_list,
    "ruled-out-list": ruled_out_list,
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
