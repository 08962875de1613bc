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

from calculator.answer import default_source_note
from calculator.inputs import preset_query, value_text
from calculator.models import FormChoice, Rules
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
    source = default_source_note(field)
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


def _choice_view(choice: FormChoice) -> dict[str, Any]:
    """A radio group that sets several yes/no fields at once; each radio
    carries the query text it stands for, so the page's script needs no
    field names."""
    return {
        "id": choice.id,
        "type": "form_choice",
        "label": choice.label,
        "help": choice.help,
        "options": [
            {
                "id": o.id,
                "label": o.label,
                "sets": json.dumps({name: value_text(v) for name, v in o.values.items()}, separators=(",", ":")),
                "checked": False,
            }
            for o in choice.options
        ],
    }


def _form_groups(rules: Rules) -> list[dict[str, Any]]:
    """The form's groups in rule-file order; the fields a form choice sets are
    replaced by that choice, where the first of them stood."""
    chosen = {name: c for c in rules.form_choices.values() for name in c.field_ids}
    defaults = rules.defaults()
    groups = []
    for group_id, title in rules.groups.items():
        items: list[dict[str, Any]] = []
        for f in rules.fields.values():
            if f.group != group_id:
                continue
            choice = chosen.get(f.id)
            if choice is None:
                items.append(_field_view(rules, f))
            elif f.id == choice.field_ids[0]:
                view = _choice_view(choice)
                for option, o in zip(view["options"], choice.options):
                    option["checked"] = all(v == defaults[name] for name, v in o.values.items())
                items.append(view)
        groups.append({"id": group_id, "title": title, "fields": items, "folded": group_id == "costs"})
    return groups


def calculator_block(rules: Rules) -> str:
    """The form, generated from the fields, and the prerendered default answer."""
    response = json.loads(answer(json.dumps({"query": "", "page_url": ""}), rules))
    if response["status"] != "ready":
        raise ValueError(f"the default inputs do not evaluate: {response['errors']}")
    groups = _form_groups(rules)
    presets = []
    for preset in rules.presets.values():
        query = preset_query(rules, preset.id)
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
        query=response["query"],
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
