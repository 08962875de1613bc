"""The calculator page's result panel (HTML) and "Copy as Markdown" text.

Pure functions of the engine's result: the build prerenders the default
answer with them, and the browser worker renders every live answer with
them, so both show the same markup. Every piece of text that comes from
inputs or rules is escaped here; the page inserts this HTML as it is.
"""

from __future__ import annotations

import math
from typing import Any, Final, Mapping

from .costs import cost_lines
from .formatting import amount_for, band, compact, count, figure_range, money
from .models import OPTION_IDS, Rules

# The section of the framework page each question and leaf links to.
TREE_PAGE: Final = "../decision-tree/"


def _e(value: Any) -> str:
    """HTML-escape text for element content and attribute values alike (as
    html.escape(quote=True), whose import Pyodide would compile at start-up)."""
    return (
        str(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def _volume(value: int | None) -> str:
    return "never" if value is None else f"{count(value)} requests a month"


def render_result(rules: Rules, result: Mapping[str, Any]) -> str:
    """The whole result panel as one HTML fragment."""
    parts = [
        _recommendation(rules, result),
        _path(rules, result),
        _changes(rules, result),
        _considerations(result),
        _costs(rules, result),
        _chart_section(rules, result),
    ]
    return f'<div class="bvb-result" data-leaf="{_e(result["recommendation"]["id"])}">{"".join(parts)}</div>'


def render_summary(rules: Rules, result: Mapping[str, Any] | None, errors: list[Mapping[str, str]] = ()) -> str:
    """The answer in brief, kept in view beside the form: the recommendation,
    its one-line why, its total cost and the path; or what to fix."""
    if result is None:
        names = ", ".join(_e(rules.fields[e["field"]].label if e["field"] in rules.fields else e["field"]) for e in errors)
        return f'<p class="bvb-summary-title">No answer yet</p><p class="bvb-summary-why">Fix: {names}.</p>'
    rec, costs = result["recommendation"], result["costs"]
    option = rules.options[rec["option"]]
    path = " → ".join(f"{_e(rules.questions[s['node']].title)}: {_e(answer_label(rules, s).lower())}" for s in result["path"])
    return (
        f'<p class="bvb-summary-title"><a href="#bvb-rec-title">{_e(rec["title"])}</a></p>'
        f'<p class="bvb-summary-why">{_e(rec["why"])}</p>'
        f'<p class="bvb-summary-cost"><strong>{money(costs["options"][rec["option"]]["total"])}</strong> '
        f'over {costs["horizon_months"]} months ({_e(option.title)})</p>'
        f'<p class="bvb-summary-path">{path}</p>'
    )


def _recommendation(rules: Rules, result: Mapping[str, Any]) -> str:
    rec = result["recommendation"]
    steps = "".join(f"<li>{_e(step)}</li>" for step in rec["next_steps"])
    option = rules.options[rec["option"]]
    leaf = rules.leaves[rec["id"]]
    return (
        '<section class="bvb-recommendation" aria-labelledby="bvb-rec-title">'
        '<p class="bvb-kicker">Recommendation</p>'
        f'<h2 id="bvb-rec-title"><a href="{TREE_PAGE}#{_e(rec["id"])}">{_e(rec["title"])}</a></h2>'
        f'<p class="bvb-action">{_e(rec["action"])}</p>'
        f'<p><strong>Why:</strong> {_e(rec["why"])}</p>'
        f'<p class="bvb-option">Spends like: <strong>{_e(option.title)}</strong> ({_e(option.stance)}).'
        + (f" {_e(leaf.cost_note)}" if leaf.cost_note else "")
        + "</p>"
        f'<h3>Next steps</h3><ol>{steps}</ol>'
        "</section>"
    )


def answer_label(rules: Rules, step: Mapping[str, Any]) -> str:
    """A path step's answer in words: "Yes", "No", or the choice made
    ("Not tested yet" takes the "yes" branch of "is prompting reliable?")."""
    if "value" in step:
        field = rules.fields[rules.questions[step["node"]].test.field]
        return dict(zip(field.choices, field.choice_labels))[step["value"]]
    return step["answer"].capitalize()


def _path(rules: Rules, result: Mapping[str, Any]) -> str:
    items = []
    for step in result["path"]:
        question = rules.questions[step["node"]]
        items.append(
            f'<li data-node="{_e(question.id)}"><a href="{TREE_PAGE}#{_e(question.id)}">{_e(question.question)}</a> '
            f'<span class="bvb-answer bvb-answer--{_e(step["answer"])}">{_e(answer_label(rules, step))}</span></li>'
        )
    rec = result["recommendation"]
    items.append(f'<li class="bvb-path-leaf"><a href="{TREE_PAGE}#{_e(rec["id"])}">{_e(rec["title"])}</a></li>')
    return f'<section class="bvb-section-path"><h3>How the tree got there</h3><ol class="bvb-path">{"".join(items)}</ol></section>'


def _changes(rules: Rules, result: Mapping[str, Any]) -> str:
    items = []
    for change in result["changes"]:
        question = rules.questions[change["node"]]
        cls = "bvb-change" + (" is-same" if not change["changes_answer"] else "")
        items.append(f'<li class="{cls}"><strong>{_e(question.title)}:</strong> {_e(change["text"])}</li>')
    return f'<section class="bvb-section-changes"><h3>What would change the answer</h3><ul class="bvb-changes">{"".join(items)}</ul></section>'


def _considerations(result: Mapping[str, Any]) -> str:
    if not result["considerations"]:
        return ""
    items = "".join(f'<li data-consideration="{_e(c["id"])}">{_e(c["text"])}</li>' for c in result["considerations"])
    return f'<section class="bvb-section-considerations"><h3>Also consider</h3><ul class="bvb-considerations">{items}</ul></section>'


def _costs(rules: Rules, result: Mapping[str, Any]) -> str:
    costs = result["costs"]
    rec_option = result["recommendation"]["option"]
    rows = []
    for option in OPTION_IDS:
        o = costs["options"][option]
        marks = []
        if option == costs["cheapest"]:
            marks.append("is-cheapest")
        if option == rec_option:
            marks.append("is-recommended")
        tags = "".join(
            f' <span class="bvb-tag">{label}</span>'
            for flag, label in ((option == costs["cheapest"], "cheapest"), (option == rec_option, "recommended"))
            if flag
        )
        rows.append(
            f'<tr class="{" ".join(marks)}" data-option="{option}"><th scope="row">{_e(rules.options[option].title)}{tags}</th>'
            f"<td>{money(o['one_off'])}</td><td>{money(o['monthly'])}</td><td>{money(o['total'])}</td>"
            f"<td>{band(o['band']['low'], o['band']['high'])}</td></tr>"
        )
    runs = costs["options"]["fine_tune"]["training_runs"]
    return (
        f'<section class="bvb-section-costs"><h3>Costs over {costs["horizon_months"]} months at {count(costs["monthly_requests"])} requests a month</h3>'
        '<div class="bvb-table-wrap bvb-costs"><table><thead><tr><th scope="col">Option</th><th scope="col">One-off</th>'
        '<th scope="col">Monthly</th><th scope="col">Total</th><th scope="col">With the article\'s figures</th></tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>'
        f'<p class="bvb-note">Fine-tuning counts {runs} training run{"s" if runs != 1 else ""} over the horizon. '
        f"The last column puts the article's figures in place of yours: {_e(article_ranges(rules))}.</p>"
        "</section>"
    )


def article_ranges(rules: Rules) -> str:
    """The input figures the article gives a range or a floor for, in words."""
    parts = []
    for field in rules.fields.values():
        if field.article_low is None:
            continue
        parts.append(f"{field.label} {figure_range(field.article_low, field.article_high, dollars=True)}")
    return "; ".join(parts)


# -- the chart ----------------------------------------------------------------

_W: Final = 640
_H: Final = 320
_LEFT: Final = 64
_RIGHT: Final = 28  # room for the last x label, centred on the edge
_TOP: Final = 16
_BOTTOM: Final = 44
_SAMPLES: Final = 48


def _decades(low: float, high: float) -> tuple[int, int]:
    return math.floor(math.log10(low)), math.ceil(math.log10(high))


def chart_domain(result: Mapping[str, Any], max_volume: float) -> tuple[float, float]:
    """The volumes the chart spans: every break-even and the user's volume,
    with a decade of room on each side, at least four decades in all."""
    volume = max(result["costs"]["monthly_requests"], 1)
    marks = [volume] + [v for v in result["break_even"].values() if v]
    low_exp, high_exp = _decades(min(marks), max(marks))
    low_exp, high_exp = max(low_exp - 1, 0), min(high_exp + 1, round(math.log10(max_volume)))
    while high_exp - low_exp < 4:
        if low_exp > 0:
            low_exp -= 1
        else:
            high_exp += 1
    return 10.0**low_exp, 10.0**high_exp


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def render_chart(rules: Rules, result: Mapping[str, Any]) -> str:
    """Total cost against monthly volume, both on log scales, as inline SVG."""
    inputs, horizon = result["inputs"], result["costs"]["horizon_months"]
    lines = cost_lines(inputs)
    x_low, x_high = chart_domain(result, rules.fields["monthly_requests"].max)
    xs = [x_low * (x_high / x_low) ** (i / (_SAMPLES - 1)) for i in range(_SAMPLES)]
    series = {o: [lines[o].total(round(x), horizon) for x in xs] for o in OPTION_IDS}
    positive = [t for values in series.values() for t in values if t > 0] or [1.0]
    y_low_exp, y_high_exp = _decades(min(positive), max(positive))
    if y_high_exp == y_low_exp:
        y_high_exp += 1
    y_low, y_high = 10.0**y_low_exp, 10.0**y_high_exp
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def px(x: float) -> float:
        return _LEFT + plot_w * math.log10(max(x, x_low) / x_low) / math.log10(x_high / x_low)

    def py(y: float) -> float:
        y = min(max(y, y_low), y_high)
        return _TOP + plot_h * (1 - math.log10(y / y_low) / math.log10(y_high / y_low))

    out = [
        f'<svg class="bvb-chart" viewBox="0 0 {_W} {_H}" role="img" aria-labelledby="bvb-chart-title bvb-chart-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        '<title id="bvb-chart-title">Total cost over the horizon against monthly volume</title>',
        f'<desc id="bvb-chart-desc">{_e(chart_summary(rules, result))}</desc>',
    ]
    for exp in range(_decades(x_low, x_high)[0], _decades(x_low, x_high)[1] + 1):
        x = px(10.0**exp)
        out.append(f'<line class="bvb-grid" x1="{_fmt(x)}" y1="{_TOP}" x2="{_fmt(x)}" y2="{_TOP + plot_h}"/>')
        out.append(f'<text class="bvb-axis" x="{_fmt(x)}" y="{_TOP + plot_h + 16}" text-anchor="middle">{compact(10.0**exp)}</text>')
    for exp in range(y_low_exp, y_high_exp + 1):
        y = py(10.0**exp)
        out.append(f'<line class="bvb-grid" x1="{_LEFT}" y1="{_fmt(y)}" x2="{_LEFT + plot_w}" y2="{_fmt(y)}"/>')
        out.append(f'<text class="bvb-axis" x="{_LEFT - 6}" y="{_fmt(y + 4)}" text-anchor="end">${compact(10.0**exp)}</text>')
    out.append(
        f'<text class="bvb-axis bvb-axis-title" x="{_LEFT + plot_w / 2:.0f}" y="{_H - 6}" text-anchor="middle">'
        "requests a month (log scale)</text>"
    )
    for option in OPTION_IDS:
        points = " ".join(f"{_fmt(px(x))},{_fmt(py(t))}" for x, t in zip(xs, series[option]))
        out.append(f'<polyline class="bvb-line bvb-line--{option}" data-option="{option}" points="{points}"/>')
    volume = result["costs"]["monthly_requests"]
    if x_low <= max(volume, 1) <= x_high:
        x = px(max(volume, 1))
        out.append(
            f'<line class="bvb-you" x1="{_fmt(x)}" y1="{_TOP}" x2="{_fmt(x)}" y2="{_TOP + plot_h}"><title>Your volume: '
            f"{count(volume)} requests a month</title></line>"
        )
        out.append(f'<text class="bvb-you-label" x="{_fmt(x + 4)}" y="{_TOP + 12}">you: {compact(volume)}</text>')
    for key, at in result["break_even"].items():
        if at is None or not x_low <= max(at, 1) <= x_high:
            continue
        challenger = key.split("_vs_")[0]
        y = py(lines[challenger].total(at, horizon))
        out.append(
            f'<circle class="bvb-break-even" data-break-even="{key}" cx="{_fmt(px(max(at, 1)))}" cy="{_fmt(y)}" r="4">'
            f"<title>{_e(_break_even_text(rules, key, at))}</title></circle>"
        )
    out.append("</svg>")
    return "".join(out)


def _break_even_text(rules: Rules, key: str, at: int | None) -> str:
    challenger, incumbent = key.split("_vs_")
    a, b = rules.options[challenger].title, rules.options[incumbent].title
    if at is None:
        return f"{a} never costs as little as {b}, at any volume."
    return f"{a} costs no more than {b} from {count(at)} requests a month."


def chart_summary(rules: Rules, result: Mapping[str, Any]) -> str:
    """The chart in words: its text alternative."""
    costs = result["costs"]
    totals = "; ".join(f"{rules.options[o].title} {money(costs['options'][o]['total'])}" for o in OPTION_IDS)
    crossings = " ".join(_break_even_text(rules, k, v) for k, v in result["break_even"].items())
    return (
        f"At {count(costs['monthly_requests'])} requests a month over {costs['horizon_months']} months: {totals}. "
        f"{crossings}"
    )


def _chart_section(rules: Rules, result: Mapping[str, Any]) -> str:
    legend = "".join(
        f'<li><svg width="28" height="10" aria-hidden="true"><line class="bvb-line bvb-line--{o}" x1="0" y1="5" x2="28" y2="5"/>'
        f"</svg> {_e(rules.options[o].title)}</li>"
        for o in OPTION_IDS
    )
    rows = "".join(
        f"<tr><th scope=\"row\">{_e(rules.options[k.split('_vs_')[0]].title)} vs "
        f"{_e(rules.options[k.split('_vs_')[1]].title)}</th>"
        f'<td data-break-even="{k}">{_volume(v)}</td></tr>'
        for k, v in result["break_even"].items()
    )
    return (
        '<section class="bvb-section-chart"><h3>Total cost against monthly volume</h3>'
        f'<figure class="bvb-chart-figure">{render_chart(rules, result)}'
        f'<figcaption><ul class="bvb-legend">{legend}</ul>{_e(chart_summary(rules, result))}</figcaption></figure>'
        '<h4>Break-even volumes</h4><p class="bvb-note">The first monthly volume at which the first option costs '
        "no more than the second over the horizon.</p>"
        f'<div class="bvb-table-wrap bvb-break-evens"><table><tbody>{rows}</tbody></table></div>'
        "</section>"
    )


# -- errors and Markdown --------------------------------------------------------


def render_errors(rules: Rules, errors: list[Mapping[str, str]]) -> str:
    """The list of input errors, each with its field's label."""
    items = []
    for error in errors:
        field = rules.fields.get(error["field"])
        name = field.label if field else error["field"]
        items.append(
            f'<li data-field="{_e(error["field"])}"><strong>{_e(name)}</strong> '
            f'(<code>{_e(error["field"])}</code>) {_e(error["message"])}</li>'
        )
    return (
        '<div class="bvb-result bvb-result--error" role="alert"><p><strong>These inputs need fixing before the engine '
        f'can answer:</strong></p><ul class="bvb-errors">{"".join(items)}</ul></div>'
    )


def render_markdown(rules: Rules, result: Mapping[str, Any], link: str) -> str:
    """A decision record for a document: recommendation, figures, assumptions, link."""
    rec, costs, inputs = result["recommendation"], result["costs"], result["inputs"]
    lines = [
        f"### Build vs buy: {rec['title']}",
        "",
        f"**Recommendation:** {rec['title']} (`{rec['id']}`). {rec['action']}",
        "",
        f"**Why:** {rec['why']}",
        "",
        "**Path:** "
        + " → ".join(f"{rules.questions[s['node']].title}: {answer_label(rules, s).lower()}" for s in result["path"])
        + f" → {rec['title']}",
        "",
        f"| Option | Total over {costs['horizon_months']} months | With the article's figures |",
        "| --- | ---: | --- |",
    ]
    for option in OPTION_IDS:
        o = costs["options"][option]
        mark = " (cheapest)" if option == costs["cheapest"] else ""
        lines.append(f"| {rules.options[option].title}{mark} | {money(o['total'])} | {band(o['band']['low'], o['band']['high'])} |")
    lines += ["", f"At {count(costs['monthly_requests'])} requests a month. Break-even volumes:"]
    for key, at in result["break_even"].items():
        challenger, incumbent = key.split("_vs_")
        lines.append(f"- {rules.options[challenger].title} vs {rules.options[incumbent].title}: {_volume(at)}")
    figures = [
        f"{f.label}: {_field_value(f, inputs[f.id])}" + _figure_source(f, inputs[f.id])
        for f in rules.fields.values()
        if f.group != "decision"
    ]
    lines += ["", "**Figures used:** " + "; ".join(figures) + "."]
    if result["considerations"]:
        lines += ["", "**Also consider:**"] + [f"- {c['text']}" for c in result["considerations"]]
    lines += [
        "",
        f"[Open this scenario in the calculator]({link}) · rules v{result['version']} · framework: "
        f"*{rules.source.title}*, {rules.source.author}",
        "",
    ]
    return "\n".join(lines)


def _figure_source(field: Any, value: Any) -> str:
    """Whose figure it is: a default is the article's or our assumption; a
    changed value is the reader's own."""
    if value != field.default:
        return ""
    return " (the article's)" if field.source == "article" else " (default, an assumption)"


def _field_value(field: Any, value: Any) -> str:
    if value is None:
        return "none"
    if field.type in ("number", "integer"):
        return amount_for(value, field.unit, field.label)
    return str(value)
