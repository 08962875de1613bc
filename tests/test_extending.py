"""The rule file is the single source: a new question needs no code change.

The test adds a question (with its field, its leaf and a preset that ends
there) to a copy of the rule file, and builds the engine's answers, the
diagram and the pages from that copy.
"""

from __future__ import annotations

import re
from pathlib import Path

from build_scripts import diagram, page_blocks, page_html
from calculator import evaluate, load_rules
from calculator.rules import RULES_FILE

ROOT = Path(__file__).resolve().parent.parent
RULES_TEXT = (ROOT / "calculator" / RULES_FILE).read_text(encoding="utf-8")

NEW_QUESTION = '''
[[questions]]
id = "budget"
title = "Budget"
question = "Is there a budget for the feature yet?"
help = "Without one, nothing is worth building or buying yet."
examples = []
test = { op = "true", field = "has_budget" }
yes = { leaf = "api" }
no = { leaf = "wait_for_budget" }
'''
NEW_LEAF = '''
[[leaves]]
id = "wait_for_budget"
title = "Wait for a budget"
option = "api"
action = "Write down what the feature is worth before choosing how to build it."
why = "With no budget, every option is premature."
next_steps = ["Estimate the feature's value.", "Come back with a budget."]
'''
NEW_FIELD = '''
[[fields]]
id = "has_budget"
type = "bool"
default = true
label = "There is a budget"
help = "Money set aside for the feature."
group = "decision"
question = "budget"
source = "answer"
'''
NEW_PRESET = '''
[[presets]]
id = "no_budget"
title = "No budget yet"
description = "An idea without money behind it."
values = { has_budget = false }
leaf = "wait_for_budget"
'''


def extended_text() -> str:
    text = RULES_TEXT
    # "Neither generic nor specific" now asks about the budget before the API.
    old = 'yes = { question = "prompting" }\nno = { leaf = "api" }'
    assert text.count(old) == 1
    text = text.replace(old, 'yes = { question = "prompting" }\nno = { question = "budget" }')
    for marker, block in (("\n# ---------------------------------------------------------------------------\n# The leaves", NEW_QUESTION),
                          ("\n# ---------------------------------------------------------------------------\n# Considerations", NEW_LEAF),
                          ("\n[groups]", NEW_FIELD),
                          ("\n# ---------------------------------------------------------------------------\n\n[rule_of_thumb]", NEW_PRESET)):
        assert text.count(marker) == 1, marker
        text = text.replace(marker, block + marker)
    return text


def test_a_new_question_works_end_to_end_without_code():
    rules = load_rules(extended_text())
    assert "budget" in rules.questions and "wait_for_budget" in rules.leaves
    # The engine.
    result = evaluate({"has_budget": False}, rules)
    assert result["recommendation"]["id"] == "wait_for_budget"
    assert [s["node"] for s in result["path"]][-2:] == ["behavior", "budget"]
    assert evaluate({}, rules)["recommendation"]["id"] == "api"
    (change,) = [c for c in evaluate({}, rules)["changes"] if c["node"] == "budget"]
    assert change["leaf"] == "wait_for_budget" and "There is a budget: no" in change["text"]
    # The diagram, all three renderings.
    assert 'data-node="wait_for_budget"' in diagram.render_svg(rules)
    assert "q_budget -->|no| l_wait_for_budget" in diagram.render_mermaid(rules)
    assert 'data-node="budget"' in diagram.render_tree_list(rules)
    # The pages: every marker of every page, Markdown and HTML blocks alike.
    pages = {}
    for page in sorted((ROOT / "docs").glob("*.md")):
        text = page_blocks.fill_markers(page.read_text(encoding="utf-8"), rules)
        pages[page.name] = page_html.fill_html_markers(text, rules)
        assert "<!-- bvb:" + "diagram -->" not in pages[page.name]
    assert "{#budget}" in pages["decision-tree.md"] and "{#wait_for_budget}" in pages["decision-tree.md"]
    assert "Wait for a budget" in pages["decision-tree.md"]
    assert "`has_budget`" in pages["embedding.md"] + pages["costs.md"]
    assert 'name="has_budget"' in pages["calculator.md"]


def test_code_names_no_question_leaf_or_field_of_the_shipped_framework():
    """Only the rule file (and tests) name these: code gives them no special behavior."""
    names = re.compile(r"\b(rag_prompting|unique_requirements|labeled_examples)\b|[\"']scale[\"']")
    found = []
    for folder in ("calculator", "build_scripts", "docs/javascripts", "overrides"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".mjs", ".js", ".j2", ".html") and "__pycache__" not in path.parts:
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    if names.search(line):
                        found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []
