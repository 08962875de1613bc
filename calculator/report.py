"""The calculator page's result panel (HTML) and "Copy as Markdown" text.

Pure functions of the engine's typed answer (calculator.answer.Answer): the
build prerenders the default answer with them, and the browser worker renders
every live answer with them, so both show the same markup. Every piece of
text that comes from inputs or rules is escaped here; the page inserts this
HTML as it is.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final, Iterable, Mapping, Sequence

from .answer import Answer, BreakEven, OptionCost
from .costs import cost_lines, to_cent
from .formatting import compact, count, money
from .models import Rules

# The section of the framework page each question and leaf links to.
TREE_PAGE: Final = "../decision-tree/"
ABOUT_PAGE: Final = "../about/"


_SPECIAL: Final = re.compile("[&<>\"']")


def _e(value: Any) -> str:
    """HTML-escape text for element content and attribute values alike (as
    html.escape(quote=True), whose import Pyodide would compile at start-up)."""
    text = str(value)
    if _SPECIAL.search(text) is None:  # most texts: one search, not five replaces
        return text
    return (
        text
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def _volume(value: int | None) -> str:
    return "never" if value is None else f"{count(value)} requests a month"


def _table(cls: str, label: str, body: str) -> str:
    """A table in a wrapper that scrolls sideways on a phone; the wrapper can
    take focus so keyboard users can scroll it too."""
    return f'<div class="bvb-table-wrap {cls}" tabindex="0" role="region" aria-label="{_e(label)}"><table>{body}</table></div>'


def render_result(rules: Rules, ans: Answer, ignored: Sequence[str] = (), notices: Sequence[str] = ()) -> str:
    """The whole result panel as one HTML fragment; a link's notices (made
    with other rules) and ignored names lead it, out of the answer's summary,
    which stays in view and must stay short."""
    parts = [
        _notices(notices),
        _ignored(ignored),
        _recommendation(ans),
        _path(ans),
        _changes(ans),
        _considerations(ans),
        _costs(ans),
        _chart_section(rules, ans),
        _credit(ans),
    ]
    return f'<div class="bvb-result" data-leaf="{_e(ans.leaf.id)}">{"".join(parts)}</div>'


def fix_names(rules: Rules, errors: Sequence[Mapping[str, str]], most: int = 5) -> list[str]:
    """What to fix, in the form's words: each field's label (the name itself
    where it is no field), the first ``most`` of them, then how many more."""
    names = list(dict.fromkeys(rules.fields[e["field"]].label if e["field"] in rules.fields else e["field"] for e in errors))
    if len(names) > most:
        names = names[:most] + [f"{len(names) - most} more"]
    return names


def render_summary(rules: Rules, ans: Answer | None, errors: Sequence[Mapping[str, str]] = ()) -> str:
    """The answer in brief, kept in view beside the form: the recommendation,
    its one-line why, its total cost and the path; or what to fix."""
    if ans is None:
        names = ", ".join(_e(name) for name in fix_names(rules, errors))
        return f'<p class="bvb-summary-title">No answer yet</p><p class="bvb-summary-why">Fix: {names}.</p>'
    cost = ans.cost_of(ans.option.id)
    path = " → ".join(f"{_e(step.question.title)}: {_e(step.label.lower())}" for step in ans.path)
    return (
        f'<p class="bvb-summary-title"><a href="#bvb-rec-title">{_e(ans.leaf.title)}</a></p>'
        f'<p class="bvb-summary-why">{_e(ans.leaf.why)}</p>'
        f'<p class="bvb-summary-cost"><strong>{money(cost.total)}</strong> '
        f'over {ans.horizon} months ({_e(ans.option.title)})</p>'
        f'<p class="bvb-summary-path">{path}</p>'
    )


def _notices(notices: Sequence[str]) -> str:
    return "".join(f'<p class="bvb-note bvb-version-notice">{_e(text)}</p>' for text in notices)


def _ignored(names: Sequence[str]) -> str:
    if not names:
        return ""
    listed = ", ".join(f"<code>{_e(n)}</code>" for n in names)
    return f'<p class="bvb-note bvb-ignored">The link also carried parameters the calculator does not use; they were ignored: {listed}.</p>'


def _recommendation(ans: Answer) -> str:
    leaf, option = ans.leaf, ans.option
    steps = "".join(f"<li>{_e(step)}</li>" for step in leaf.next_steps)
    return (
        '<section class="bvb-recommendation" aria-labelledby="bvb-rec-title">'
        '<p class="bvb-kicker">Recommendation</p>'
        f'<h2 id="bvb-rec-title"><a href="{TREE_PAGE}#{_e(leaf.id)}">{_e(leaf.title)}</a></h2>'
        f'<p class="bvb-action">{_e(leaf.action)}</p>'
        f'<p><strong>Why:</strong> {_e(leaf.why)}</p>'
        f'<p class="bvb-option">Spends like: <strong>{_e(option.title)}</strong> ({_e(option.stance)}).'
        + (f" {_e(leaf.cost_note)}" if leaf.cost_note else "")
        + "</p>"
        f'<h3>Next steps</h3><ol>{steps}</ol>'
        "</section>"
    )


def _path(ans: Answer) -> str:
    items = [
        f'<li data-node="{_e(s.question.id)}"><a href="{TREE_PAGE}#{_e(s.question.id)}">{_e(s.question.question)}</a> '
        f'<span class="bvb-answer bvb-answer--{_e(s.answer)}">{_e(s.label)}</span></li>'
        for s in ans.path
    ]
    items.append(f'<li class="bvb-path-leaf"><a href="{TREE_PAGE}#{_e(ans.leaf.id)}">{_e(ans.leaf.title)}</a></li>')
    return f'<section class="bvb-section-path"><h3>How the tree got there</h3><ol class="bvb-path">{"".join(items)}</ol></section>'


def _changes(ans: Answer) -> str:
    items = []
    for change in ans.changes:
        cls = "bvb-change" + (" is-same" if not change.changes_answer else "")
        items.append(f'<li class="{cls}"><strong>{_e(change.question.title)}:</strong> {_e(change.text)}</li>')
    return f'<section class="bvb-section-changes"><h3>What would change the answer</h3><ul class="bvb-changes">{"".join(items)}</ul></section>'


def _considerations(ans: Answer) -> str:
    if not ans.considerations:
        return ""
    items = "".join(f'<li data-consideration="{_e(c.id)}">{_e(c.text)}</li>' for c in ans.considerations)
    return f'<section class="bvb-section-considerations"><h3>Also consider</h3><ul class="bvb-considerations">{items}</ul></section>'


# The cost table's columns, shared by the page, the Markdown copy and the site.
COST_COLUMNS: Final = ("Option", "Up front", "Later training runs", "Monthly", "Total", "Using the article's ranges")
_COST_LABELS: Final = tuple(_e(h) for h in COST_COLUMNS[1:])


def later_runs_text(c: OptionCost) -> str:
    """Training runs after the first, over the horizon: never shown as one-off."""
    if c.runs is None or c.runs < 2:
        return "none"
    return f"{c.runs - 1} × {money(c.up_front)} = {money(c.later_runs)}"


def band_text(c: OptionCost) -> str:
    """The total with the article's figures, and what else it rests on."""
    b = c.band
    if b is None:
        return "no article figure (our assumptions)"
    shown = f"from {money(b.low)}" if b.high is None else f"{money(b.low)} – {money(b.high)}"
    return shown + (" (with our assumptions for the rest)" if b.mixed else " (the article's range alone)")


def option_marks(c: OptionCost) -> list[str]:
    """Words that mark a row: cheapest, recommended, ruled out."""
    marks = []
    if c.ruled_out:
        marks.append("ruled out")
    if c.cheapest:
        marks.append("cheapest")
    if c.recommended:
        marks.append("recommended")
    return marks


def _costs(ans: Answer) -> str:
    rows = []
    for c in ans.costs:
        classes = " ".join("is-" + m.replace(" ", "-") for m in option_marks(c))
        tags = "".join(f' <span class="bvb-tag">{m}</span>' for m in option_marks(c))
        reason = f'<br><span class="bvb-reason">{_e(c.ruled_out)}</span>' if c.ruled_out else ""
        cells = (money(c.up_front), _e(later_runs_text(c)), money(c.monthly), money(c.total), _e(band_text(c)))
        # Each cell names its column (data-label): on a phone the table is
        # laid out as cards, without its header row.
        row = "".join(f'<td data-label="{label}">{cell}</td>' for label, cell in zip(_COST_LABELS, cells))
        rows.append(f'<tr class="{classes}" data-option="{_e(c.option.id)}"><th scope="row">{_e(c.option.title)}{tags}{reason}</th>{row}</tr>')
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in COST_COLUMNS)
    return (
        f'<section class="bvb-section-costs"><h3>Costs over {ans.horizon} months at {count(ans.volume)} requests a month</h3>'
        + _table("bvb-costs", "Costs by option", f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>")
        + f'<p class="bvb-note">Where the figures come from: {_e(figures_text(ans))}.</p>'
        "</section>"
    )


def figures_text(ans: Answer) -> str:
    """Every cost figure used, with its source in words."""
    return "; ".join(f.text for f in ans.figures)


def credit_text(ans: Answer) -> str:
    s = ans.source
    return f"Framework and figures from \u201c{s.title}\u201d by {s.author} ({s.publisher}); rules version {ans.version}."


def _credit(ans: Answer) -> str:
    return f'<p class="bvb-note bvb-credit">{_e(credit_text(ans))} <a href="{ABOUT_PAGE}">About the source</a>.</p>'


# -- the chart ----------------------------------------------------------------

_W: Final = 640
_H: Final = 320
_LEFT: Final = 64
_RIGHT: Final = 28  # room for the last x label, centred on the edge
_TOP: Final = 16
_BOTTOM: Final = 44
# Points per cost line. A line's total is straight in the volume, a gentle
# bend on the chart's log-log axes; over its four or more decades 32 points
# (eight or more a decade, segments of about 15 px) draw it as smoothly as
# 48 did, for two thirds of the work on every recompute.
_SAMPLES: Final = 32


def _decades(low: float, high: float) -> tuple[int, int]:
    return math.floor(math.log10(low)), math.ceil(math.log10(high))


def chart_domain(ans: Answer, max_volume: float) -> tuple[float, float]:
    """The volumes the chart spans: every break-even and the user's volume,
    with a decade of room on each side, at least four decades in all."""
    volume = max(ans.volume, 1)
    marks = [volume] + [b.at for b in ans.break_evens if b.at]
    low_exp, high_exp = _decades(min(marks), max(marks))
    low_exp, high_exp = max(low_exp - 1, 0), min(high_exp + 1, round(math.log10(max_volume)))
    while high_exp - low_exp < 4:
        if low_exp > 0:
            low_exp -= 1
        else:
            high_exp += 1
    return 10.0**low_exp, 10.0**high_exp


# How far a total rounded to the cent can lie from the unrounded one: half
# a cent, plus float spacing, which stays far below that under _EXACT_BELOW.
_CENT_SLACK: Final = 0.01
_EXACT_BELOW: Final = 1e12


def _positive_totals(unrounded: Iterable[list[float]]) -> tuple[float, float]:
    """The least and the greatest of the samples' totals (rounded to the
    cent) that are above zero; (1.0, 1.0) when none is. Since rounding is
    monotonic, only the extremes of the unrounded totals need rounding."""
    amounts = sorted(a for series in unrounded for a in series)
    high = to_cent(amounts[-1])
    if not high > 0:
        return 1.0, 1.0
    return next(t for t in map(to_cent, amounts) if t > 0), high


def _fmt(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def render_chart(rules: Rules, ans: Answer, summary: str | None = None) -> str:
    """Total cost against monthly volume, both on log scales, as inline SVG;
    ``summary`` is :func:`chart_summary`'s text, escaped, if the caller has it."""
    horizon = ans.horizon
    lines = cost_lines(rules, ans.inputs)
    x_low, x_high = chart_domain(ans, rules.fields[rules.cost_model.volume].max)
    xs = [x_low * (x_high / x_low) ** (i / (_SAMPLES - 1)) for i in range(_SAMPLES)]
    volumes = [round(x) for x in xs]
    # Each point stands for CostLine.total at its sample, the totals the
    # tables report; the loop over the lines below says when a point may be
    # drawn from the total before rounding.
    unrounded = {o: [line.unrounded(v, horizon) for v in volumes] for o, line in lines.items()}
    y_low_exp, y_high_exp = _decades(*_positive_totals(unrounded.values()))
    if y_high_exp == y_low_exp:
        y_high_exp += 1
    y_low, y_high = 10.0**y_low_exp, 10.0**y_high_exp
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    x_span, y_span = math.log10(x_high / x_low), math.log10(y_high / y_low)

    def px(x: float) -> float:
        return _LEFT + plot_w * math.log10(max(x, x_low) / x_low) / x_span

    def py(y: float) -> float:
        y = y_low if y < y_low else y_high if y > y_high else y  # min() and max() would cost two calls a point
        return _TOP + plot_h * (1 - math.log10(y / y_low) / y_span)

    out = [
        f'<svg class="bvb-chart" viewBox="0 0 {_W} {_H}" role="img" aria-labelledby="bvb-chart-title bvb-chart-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        '<title id="bvb-chart-title">Total cost over the horizon against monthly volume</title>',
        f'<desc id="bvb-chart-desc">{_e(chart_summary(ans)) if summary is None else summary}</desc>',
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
    # Rounding a total T to the cent moves its point by at most slack / T px
    # (py's slope is plot_h / (y_span ln 10 T) px per dollar).
    slack = plot_h * _CENT_SLACK / (y_span * math.log(10))
    x_texts = [_fmt(px(x)) + "," for x in xs]  # each sample's x, once for all lines
    for c in ans.costs:
        option = _e(c.option.id)
        line = lines[c.option.id]
        corners = []
        for x_text, volume, amount in zip(x_texts, volumes, unrounded[c.option.id]):
            # Trick: the point of the unrounded total has the text the rounded
            # total's would have unless it lies within the slack of a 0.1 px
            # step of _fmt (y * 10 % 1 is 0.5 on a step); only there is the
            # (slow) rounded total needed. tests/test_shortcuts.py checks it.
            y = py(amount)
            if not (
                0 <= amount < _EXACT_BELOW
                and abs(y * 10 % 1 - 0.5) > 10 * slack / max(y_low, amount - _CENT_SLACK) + 1e-6
            ):
                y = py(line.total(volume, horizon))
            corners.append(x_text + _fmt(y))
        points = " ".join(corners)
        ruled = " is-ruled-out" if c.ruled_out else ""
        out.append(f'<polyline class="bvb-line bvb-line--{option}{ruled}" data-option="{option}" points="{points}"/>')
    volume = ans.volume
    if x_low <= max(volume, 1) <= x_high:
        x = px(max(volume, 1))
        out.append(
            f'<line class="bvb-you" x1="{_fmt(x)}" y1="{_TOP}" x2="{_fmt(x)}" y2="{_TOP + plot_h}"><title>Your volume: '
            f"{count(volume)} requests a month</title></line>"
        )
        out.append(f'<text class="bvb-you-label" x="{_fmt(x + 4)}" y="{_TOP + 12}">you: {compact(volume)}</text>')
    for b in ans.break_evens:
        if b.at is None or not x_low <= max(b.at, 1) <= x_high:
            continue
        y = py(lines[b.challenger.id].total(b.at, horizon))
        out.append(
            f'<circle class="bvb-break-even" data-break-even="{_e(b.key)}" cx="{_fmt(px(max(b.at, 1)))}" cy="{_fmt(y)}" r="4">'
            f"<title>{_e(break_even_text(b))}</title></circle>"
        )
    out.append("</svg>")
    return "".join(out)


def break_even_text(b: BreakEven) -> str:
    a, other = b.challenger.title, b.incumbent.title
    if b.at is None:
        return f"{a} never costs as little as {other}, at any volume."
    return f"{a} costs no more than {other} from {count(b.at)} requests a month."


def chart_summary(ans: Answer) -> str:
    """The chart in words: its text alternative."""
    totals = "; ".join(f"{c.option.title} {money(c.total)}" + (" (ruled out)" if c.ruled_out else "") for c in ans.costs)
    crossings = " ".join(break_even_text(b) for b in ans.break_evens)
    return f"At {count(ans.volume)} requests a month over {ans.horizon} months: {totals}. {crossings}"


def _chart_section(rules: Rules, ans: Answer) -> str:
    legend = "".join(
        f'<li><svg width="28" height="10" aria-hidden="true"><line class="bvb-line bvb-line--{_e(c.option.id)}" x1="0" y1="5" x2="28" y2="5"/>'
        f"</svg> {_e(c.option.title)}</li>"
        for c in ans.costs
    )
    rows = "".join(
        f'<tr><th scope="row">{_e(b.challenger.title)} vs {_e(b.incumbent.title)}</th>'
        f'<td data-break-even="{_e(b.key)}">{_volume(b.at)}</td></tr>'
        for b in ans.break_evens
    )
    summary = _e(chart_summary(ans))  # the chart's description and its caption
    return (
        '<section class="bvb-section-chart"><h3>Total cost against monthly volume</h3>'
        f'<figure class="bvb-chart-figure">{render_chart(rules, ans, summary)}'
        f'<figcaption><ul class="bvb-legend">{legend}</ul>{summary}</figcaption></figure>'
        '<h4>Break-even volumes</h4><p class="bvb-note">The first monthly volume at which the first option costs '
        "no more than the second over the horizon.</p>"
        + _table("bvb-break-evens", "Break-even volumes", f"<tbody>{rows}</tbody>")
        + "</section>"
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
    # No role="alert": this list is redrawn on every invalid keystroke and an
    # alert would speak each one; the page's settled status speaks the error.
    return (
        '<div class="bvb-result bvb-result--error"><p><strong>These inputs need fixing before the engine '
        f'can answer:</strong></p><ul class="bvb-errors">{"".join(items)}</ul></div>'
    )


def about_link(page_url: str) -> str | None:
    """The About page beside the calculator page, as an absolute address."""
    base = page_url.split("#")[0].split("?")[0]
    if "://" not in base:
        return None
    base = base.rstrip("/")
    return base.rsplit("/", 1)[0] + "/about/"


def render_markdown(rules: Rules, ans: Answer, link: str, page_url: str = "") -> str:
    """A decision record for a document: recommendation, figures and their
    sources, the link back, and the credit."""
    leaf = ans.leaf
    lines = [
        f"### Build vs buy: {leaf.title}",
        "",
        f"**Recommendation:** {leaf.title} (`{leaf.id}`). {leaf.action}",
        "",
        f"**Why:** {leaf.why}",
        "",
        "**Path:** " + " → ".join(f"{s.question.title}: {s.label.lower()}" for s in ans.path) + f" → {leaf.title}",
        "",
        f"Costs over {ans.horizon} months at {count(ans.volume)} requests a month:",
        "",
        *markdown_cost_table(ans, reasons=True),
    ]
    lines += ["", "Break-even volumes:"]
    lines += [f"- {b.challenger.title} vs {b.incumbent.title}: {_volume(b.at)}" for b in ans.break_evens]
    lines += ["", "**Figures used:** " + figures_text(ans) + "."]
    if ans.considerations:
        lines += ["", "**Also consider:**"] + [f"- {c.text}" for c in ans.considerations]
    about = about_link(page_url)
    credit = credit_text(ans) + (f" [About the source]({about})" if about else "")
    lines += ["", f"[Open this scenario in the calculator]({link}) · {credit}", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_cost_table(ans: Answer, *, reasons: bool, bold_total: bool = False) -> list[str]:
    """The cost table as Markdown lines, for the Markdown record (with each
    ruled-out option's reason) and the site's worked example (totals in bold)."""
    lines = ["| " + " | ".join(COST_COLUMNS) + " |", "| --- | ---: | --- | ---: | ---: | --- |"]
    for c in ans.costs:
        marks = option_marks(c)
        title = c.option.title + (f" ({', '.join(marks)})" if marks else "")
        if reasons and c.ruled_out:
            title += f": {c.ruled_out}"
        total = f"**{money(c.total)}**" if bold_total else money(c.total)
        lines.append(
            f"| {_cell(title)} | {money(c.up_front)} | {later_runs_text(c)} | {money(c.monthly)} | {total} | {band_text(c)} |"
        )
    return lines
