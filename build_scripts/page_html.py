"""HTML blocks for the pages: the diagram and the calculator.

These are put into the page after Markdown has run (inline SVG and a form
do not survive Markdown well). The calculator's default answer is computed
here, by the same engine and renderer the browser worker uses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from calculator import evaluate
from calculator.formatting import figure_range
from calculator.inputs import value_text
from calculator.models import Rules
from calculator.page import answer

from .diagram import render_svg, render_tree_list

TEMPLATES: Final = Path(__file__).parent / "templates"
HTML_MARKER: Final = re.compile(r"<!-- bvb:(diagram|calculator) -->")
DIAGRAM_FILES: Final = ("decision-tree.svg", "decision-tree.mmd")

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    undefined=StrictUndefined,
    autoescape=True,
    keep_trailing_newline=True,
)


def diagram_block(rules: Rules) -> str:
    """The decision-tree page's diagram, its list twin, and the downloads."""
    return (
        '<figure class="bvb-diagram" id="diagram">'
        + render_svg(rules, link_prefix="#")
        + '<figcaption>The tree, top to bottom. Each box links to its section below. '
        '<a href="../diagrams/decision-tree.svg" download>Download the SVG</a> · '
        '<a href="../diagrams/decision-tree.mmd" download>Mermaid source</a> · '
        '<button type="button" class="bvb-copy-mermaid md-button" data-src="../diagrams/decision-tree.mmd">Copy Mermaid source</button>'
        "</figcaption></figure>"
        + '<details class="bvb-tree-list"><summary>The tree as a list</summary>'
        + render_tree_list(rules, link_prefix="#")
        + "</details>"
    )


def _field_view(rules: Rules, field: Any) -> dict[str, Any]:
    if field.article_low is not None:
        source = f"Article: {figure_range(field.article_low, field.article_high, dollars=True)}."
    else:
        source = {"article": "From the article.", "assumption": "Our assumption.", "answer": ""}[field.source]
    return {
        "id": field.id,
        "type": field.type,
        "label": field.label,
        "help": field.help,
        "unit": field.unit,
        # "Requests a month", not "Requests a month (requests a month)".
        "unit_shown": field.unit if field.unit and field.unit.lower() not in field.label.lower() else None,
        "nullable": field.nullable,
        "default": field.default,
        "text": value_text(field.default),
        "choices": [{"value": c, "label": label} for c, label in zip(field.choices, field.choice_labels)],
        "source": field.source,
        "source_text": source,
    }


def calculator_block(rules: Rules) -> str:
    """The form, generated from the fields, and the prerendered default answer."""
    response = json.loads(answer(json.dumps({"query": "", "page_url": ""})))
    if response["status"] != "ready":
        raise ValueError(f"the default inputs do not evaluate: {response['errors']}")
    groups = []
    for group_id, title in rules.groups.items():
        fields = [_field_view(rules, f) for f in rules.fields.values() if f.group == group_id]
        groups.append({"id": group_id, "title": title, "fields": fields, "folded": group_id == "costs"})
    presets = []
    for preset in rules.presets.values():
        query = evaluate(dict(preset.values), rules)["query"]  # the engine's canonical link
        presets.append({"id": preset.id, "title": preset.title, "description": preset.description, "query": query})
    return _env.get_template("calculator.html.j2").render(
        version=rules.version,
        source_title=rules.source.title,
        source_author=rules.source.author,
        presets=presets,
        groups=groups,
        diagram=render_svg(
            rules,
            link_prefix="../decision-tree/#",
            id_prefix="bvb-calc-tree",
            path=response["path"],
            answer=response["recommendation"],
        ),
        recommendation=response["recommendation"],
        result_html=response["html"],
        summary_html=response["summary_html"],
    )


HTML_BLOCKS: Final[dict[str, Callable[[Rules], str]]] = {
    "diagram": diagram_block,
    "calculator": calculator_block,
}


def fill_html_markers(html: str, rules: Rules) -> str:
    """Replace the HTML markers that Markdown passed through untouched."""
    return HTML_MARKER.sub(lambda m: HTML_BLOCKS[m.group(1)](rules), html)
