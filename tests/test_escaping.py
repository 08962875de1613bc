"""A rule-file text reaches every output as the same plain text.

Rule texts may hold "&" and quotes ("<" is refused by the loader: see
test_rules). Each HTML output escapes them, so that a browser reads back
exactly the rule file's text; the Markdown and terminal outputs carry the
text as it is. One leaf's title and why, changed, are followed through the
engine's page door (summary, detail, Markdown record), the command line's
explanation, the diagram (SVG and tree list) and every marker of every page.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import markdown

from build_scripts import diagram, page_blocks, page_html
import calculator
from calculator import engine, load_rules
from calculator.explain import explain
from calculator.inputs import validate
from calculator.page import answer
from calculator.rules import RULES_FILE

TITLE = 'Use an API & "ship" it'
WHY = "Frontier models do this well & it's \"cheap\" at low volume; A&B tests will tell."


def _rules():
    text = (Path(calculator.__file__).parent / RULES_FILE).read_text(encoding="utf-8")
    old_title = 'title = "Use an API"'
    old_why = 'why = "Frontier models already do this well. An API ships fastest, and at low volume nothing is cheaper; do not fine-tune what the API already does."'
    assert text.count(old_title) == 1 and text.count(old_why) == 1
    return load_rules(text.replace(old_title, f"title = {json.dumps(TITLE)}").replace(old_why, f"why = {json.dumps(WHY)}"))


class _Text(HTMLParser):
    """The text a browser shows (and the attribute values it reads)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag, attrs) -> None:
        self.parts.extend(value for _, value in attrs if value)


def shown(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def assert_escaped(html: str, where: str) -> None:
    # The raw text is nowhere in the markup ("&" and quotes are escaped)...
    for text in (TITLE, WHY):
        assert text not in html, f"{where}: {text!r} is in the HTML unescaped"
    # ...and a browser reads it back whole.
    assert TITLE in shown(html), f"{where}: the title does not read back"


def test_the_page_door_escapes_rule_texts_in_html_and_keeps_them_in_markdown():
    rules = _rules()
    got = json.loads(answer(json.dumps({"query": "", "page_url": "https://example.org/calculator/"}), rules))
    assert got["status"] == "ready" and got["recommendation"] == "api"
    assert got["title"] == TITLE  # JSON carries the text itself
    assert_escaped(got["summary_html"], "summary")
    assert WHY in shown(got["summary_html"])
    assert_escaped(got["html"], "detail")
    assert WHY in shown(got["html"])
    # Markdown shows "&" and quotes as they are.
    assert TITLE in got["markdown"] and WHY in got["markdown"]


def test_the_command_line_prints_rule_texts_as_they_are():
    rules = _rules()
    inputs, errors = validate(rules, {})
    assert not errors
    text = explain(engine.answer(rules, inputs))
    assert TITLE in text and WHY in text


def test_the_diagram_escapes_rule_texts():
    rules = _rules()
    assert_escaped(diagram.render_svg(rules), "svg")
    assert_escaped(diagram.render_tree_list(rules), "tree list")


# The Markdown extensions the pages' blocks use (mkdocs.yml).
EXTENSIONS = ["attr_list", "md_in_html", "admonition", "tables", "def_list", "toc", "pymdownx.details", "pymdownx.superfences"]


def test_every_page_block_escapes_rule_texts():
    """The HTML blocks as the hooks insert them after Markdown; the Markdown
    blocks as Markdown renders them."""
    rules = _rules()
    showing = []
    for name, block in page_html.HTML_BLOCKS.items():
        html = block(rules)
        assert TITLE not in html and WHY not in html, f"HTML block {name}: a rule text is unescaped"
        if TITLE in shown(html):
            showing.append(name)
    for name, block in page_blocks.BLOCKS.items():
        html = markdown.markdown(block(rules), extensions=EXTENSIONS)
        assert TITLE not in html and WHY not in html, f"Markdown block {name}: a rule text is unescaped"
        if TITLE in shown(html):
            showing.append(name)
    # The title shows on the calculator, the diagram, the tree's sections and
    # the presets at least: the checks above saw it.
    assert {"calculator", "diagram", "tree-sections", "presets-list"} <= set(showing), showing
