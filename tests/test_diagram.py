"""The decision-tree diagram: golden files, structure, geometry, and the command.

Golden files live in tests/golden/. When a change to them is intended, run
``UPDATE_GOLDEN=1 pytest tests/test_diagram.py`` and review the diff; without
the variable a missing or different golden file fails the test.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from build_scripts import diagram
from build_scripts.diagram import Box, DiagramError, Layout
from calculator import RuleError, load_rules
from calculator.models import Rules
from calculator.rules import RULES_FILE

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
RULES_TEXT = (ROOT / "calculator" / RULES_FILE).read_text(encoding="utf-8")
SVG_NS = "{http://www.w3.org/2000/svg}"
PRIVACY_QUESTION = 'question = "Is data privacy non-negotiable?"'


def _href(link) -> str | None:
    """A node's link: xlink:href inline (Material rewrites plain href), href standalone."""
    return link.get("href") or link.get("{http://www.w3.org/1999/xlink}href")


def modified_rules(old: str, new: str) -> Rules:
    """The shipped rules with one exact piece of TOML text replaced."""
    assert RULES_TEXT.count(old) == 1, old
    return load_rules(RULES_TEXT.replace(old, new))


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"{path} is missing; run the tests with UPDATE_GOLDEN=1 to write it"
    assert path.read_bytes() == text.encode("utf-8"), f"{name} differs from its golden file; if intended, rerun with UPDATE_GOLDEN=1 and review the diff"


def expected_nodes(rules: Rules) -> set[tuple[str, str]]:
    return {("question", q) for q in rules.questions} | {("leaf", leaf) for leaf in rules.leaves}


def expected_edges(rules: Rules) -> Counter[tuple[str, str, str, str]]:
    return Counter(
        (q.id, answer, getattr(q, answer).id, getattr(q, answer).kind) for q in rules.questions.values() for answer in ("yes", "no")
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))  # bytes: the standalone file has an XML declaration


def assert_no_blank_lines(text: str) -> None:
    assert text.endswith("\n") and not text.endswith("\n\n")
    blank = [i for i, line in enumerate(text.split("\n")[:-1], start=1) if not line.strip()]
    assert not blank, f"blank lines at {blank}"


# -- golden files and stability -----------------------------------------------


def test_golden_svg(rules):
    check_golden("decision-tree.svg", diagram.render_svg(rules, standalone=True))


def test_golden_mermaid(rules):
    check_golden("decision-tree.mmd", diagram.render_mermaid(rules))


def test_golden_list(rules):
    check_golden("decision-tree-list.html", diagram.render_tree_list(rules))


def test_inline_and_standalone_draw_the_same_picture(rules):
    """Only the root element, the styles (the standalone file's own, the
    inline copy's from site.css) and the link attribute's name differ
    (xlink:href inline, where Material rewrites every plain href); every shape
    is the same."""
    inline = diagram.render_svg(rules)
    standalone = diagram.render_svg(rules, standalone=True)
    assert "<style" not in inline and " style=" not in inline  # the pages' CSP needs no hash for them
    assert inline.split("</desc>")[1].replace(" xlink:href=", " href=") == standalone.split("</style>")[1]
    assert not inline.startswith("<?xml") and standalone.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')


@pytest.mark.parametrize("standalone", [False, True])
def test_rendering_twice_gives_the_same_bytes(rules, standalone):
    assert diagram.render_svg(rules, standalone=standalone) == diagram.render_svg(rules, standalone=standalone)
    assert diagram.render_mermaid(rules) == diagram.render_mermaid(rules)
    assert diagram.render_tree_list(rules) == diagram.render_tree_list(rules)


@pytest.mark.parametrize(
    "render",
    [
        lambda r: diagram.render_svg(r),
        lambda r: diagram.render_svg(r, standalone=True),
        diagram.render_tree_list,
        diagram.render_mermaid,
    ],
    ids=["inline", "standalone", "list", "mermaid"],
)
def test_no_blank_lines(rules, render):
    assert_no_blank_lines(render(rules))


def test_numbers_carry_no_float_noise(rules):
    """Every coordinate is an integer or has one decimal: no "2.0", no "0.30000000000000004"."""
    number = re.compile(r"\d+(\.[1-9])?")
    root = parse(diagram.render_svg(rules))
    values = [root.get("viewBox")]
    for element in root.iter():
        values += [element.get(name) for name in ("x", "y", "height", "rx", "d") if element.get(name)]
        if element.tag == f"{SVG_NS}rect":
            values.append(element.get("width"))
    for value in values:
        for token in re.findall(r"[-\d.]+", value):
            assert number.fullmatch(token), (value, token)


# -- structure ----------------------------------------------------------------


@pytest.mark.parametrize("standalone", [False, True])
def test_svg_parses_and_is_labelled(rules, standalone):
    root = parse(diagram.render_svg(rules, standalone=standalone))
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "group" and "bvb-tree" in root.get("class").split()
    assert root.get("viewBox").startswith("0 0 ")
    title, desc = root.find(f"{SVG_NS}title"), root.find(f"{SVG_NS}desc")
    assert root.get("aria-labelledby") == title.get("id") == "bvb-tree-title"
    assert root.get("aria-describedby") == desc.get("id") == "bvb-tree-desc"
    assert title.text == "The decision tree"
    assert desc.text.count(".") == 2 and all(q.title in desc.text for q in rules.questions.values())
    if standalone:
        style = root.find(f"{SVG_NS}style").text
        assert ".is-on-path" in style and ".is-answer" in style
        assert "var(" not in style and root.get("width") == root.get("viewBox").split()[2]
    else:
        # Inline, site.css draws it (see the site.css test below).
        assert root.find(f"{SVG_NS}style") is None and root.get("style") is None
        assert root.get("width") == "100%"


@pytest.mark.parametrize("prefix", ["../decision-tree/#", "#", "https://example.org/tree/#"])
def test_every_node_is_a_link_with_its_kind(rules, prefix):
    root = parse(diagram.render_svg(rules, link_prefix=prefix))
    links = root.findall(f".//{SVG_NS}a")
    found = [(a.get("data-kind"), a.get("data-node")) for a in links]
    assert len(found) == len(set(found)) and set(found) == expected_nodes(rules)
    for a in links:
        kind, ident = a.get("data-kind"), a.get("data-node")
        assert _href(a) == f"{prefix}{ident}"
        assert a.get("class").split() == ["bvb-node", f"bvb-node--{kind}"]
        assert a.find(f"{SVG_NS}rect") is not None
        text = " ".join(t.text for t in a.iter(f"{SVG_NS}tspan"))
        assert text == (rules.questions[ident].question if kind == "question" else rules.leaves[ident].title)
        assert a.get("aria-label") == text


def test_prompting_is_a_question_and_a_leaf_with_one_anchor(rules):
    root = parse(diagram.render_svg(rules, link_prefix="#"))
    nodes = root.findall(f".//{SVG_NS}a[@data-node='prompting']")
    assert sorted(a.get("data-kind") for a in nodes) == ["leaf", "question"]
    assert {_href(a) for a in nodes} == {"#prompting"}


def test_every_edge_appears_once_with_its_label(rules):
    root = parse(diagram.render_svg(rules))
    groups = root.findall(f".//{SVG_NS}g[@data-from]")
    found = Counter((g.get("data-from"), g.get("data-answer"), g.get("data-to"), g.get("data-to-kind")) for g in groups)
    assert found == expected_edges(rules) and max(found.values()) == 1
    for g in groups:
        assert g.get("class") == "bvb-edge"
        assert g.find(f"{SVG_NS}path[@class='bvb-edge-line']").get("d").startswith("M")
        assert g.find(f"{SVG_NS}path[@class='bvb-edge-arrow']").get("d").endswith("Z")
        assert g.find(f"{SVG_NS}text[@class='bvb-edge-label']").text == g.get("data-answer")


def test_ids_take_the_prefix_so_two_copies_can_share_a_page(rules):
    root = parse(diagram.render_svg(rules, id_prefix="bvb-calc-tree"))
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert ids and all(i.startswith("bvb-calc-tree-") for i in ids)
    assert root.get("aria-labelledby") == "bvb-calc-tree-title"
    with pytest.raises(ValueError, match="id_prefix"):
        diagram.render_svg(rules, id_prefix='x" onload="alert(1)')


def test_texts_are_escaped():
    # "<" is refused by the loader (rule texts are plain text); "&" and quotes are escaped.
    rules = modified_rules(PRIVACY_QUESTION, 'question = "Is data & \\"privacy\\" #1?"')
    root = parse(diagram.render_svg(rules))
    node = root.find(f".//{SVG_NS}a[@data-node='privacy']")
    assert " ".join(t.text for t in node.iter(f"{SVG_NS}tspan")) == 'Is data & "privacy" #1?'
    listing = diagram.render_tree_list(rules)
    assert "Is data &amp; &#34;privacy&#34; #1?" in listing


def test_changing_a_question_changes_the_svg(rules):
    """The diagram is generated from the rule data, not typed in."""
    changed = modified_rules(PRIVACY_QUESTION, 'question = "Must the data stay in house, whatever it costs?"')
    svg = diagram.render_svg(changed)
    assert "Must the data stay in house," in svg and "non-negotiable?" not in svg
    assert svg != diagram.render_svg(rules)
    assert "Must the data stay in house, whatever it costs?" in diagram.render_mermaid(changed)
    assert "Must the data stay in house, whatever it costs?" in diagram.render_tree_list(changed)


# Privacy's "yes" asks about latency and its "no" goes on to the task: a
# question whose two answers both lead to questions (and a preset moved so
# that every leaf keeps one).
BRANCHING = (
    ('yes = { leaf = "self_hosted" }\nno = { question = "latency" }', 'yes = { question = "latency" }\nno = { question = "generic" }'),
    ('yes = { leaf = "small_model" }\nno = { question = "generic" }', 'yes = { leaf = "small_model" }\nno = { leaf = "self_hosted" }'),
    ("values = { latency_budget_ms = 50,", "values = { privacy_required = true, latency_budget_ms = 50,"),
)


def branching_rules() -> Rules:
    text = RULES_TEXT
    for old, new in BRANCHING:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return load_rules(text)


def test_a_question_whose_answers_both_lead_to_questions_draws_cleanly():
    rules = branching_rules()
    layout = diagram.layout(rules)
    assert_layout_is_clean(rules, layout)
    # "no" goes straight down the column; "yes" skips to latency, down a lane on the left.
    (jump,) = [e for e in layout.edges if e.source == "privacy" and e.answer == "yes"]
    assert jump.target.id == "latency" and jump.points[1].x < layout.node("question", "privacy").box.x
    svg = diagram.render_svg(rules)
    root = parse(svg)
    assert {a.get("data-node") for a in root.iter(f"{SVG_NS}a")} == {i for _, i in expected_nodes(rules)}
    assert "q_privacy -->|yes| q_latency" in diagram.render_mermaid(rules)
    assert 'data-to="latency"' in diagram.render_tree_list(rules)


# -- geometry -----------------------------------------------------------------


def segment_boxes(layout: Layout) -> list[tuple[object, Box]]:
    """Each straight piece of each edge, as a zero-width or zero-height box."""
    pieces = []
    for edge in layout.edges:
        line = (*edge.points, edge.arrow[1])
        for a, b in zip(line, line[1:]):
            pieces.append((edge, Box(min(a.x, b.x), min(a.y, b.y), abs(a.x - b.x), abs(a.y - b.y))))
    return pieces


def assert_layout_is_clean(rules: Rules, layout: Layout) -> None:
    nodes = layout.nodes
    assert {(n.kind, n.id) for n in nodes} == expected_nodes(rules) and len(nodes) == len(expected_nodes(rules))
    view = layout.view_box
    for i, node in enumerate(nodes):
        assert view.contains(node.box), node.id
        assert node.box.contains(node.label.box), f"text of {node.kind} {node.id!r} spills out of its box"
        for other in nodes[i + 1 :]:
            assert not node.box.overlaps(other.box), f"boxes of {node.id!r} and {other.id!r} overlap"
    texts = [(f"{n.kind} {n.id}", n.label.box) for n in nodes] + [
        (f"label {e.source}={e.answer}", e.label.box) for e in layout.edges
    ]
    for i, (name, box) in enumerate(texts):
        assert view.contains(box), name
        for other_name, other in texts[i + 1 :]:
            assert not box.overlaps(other), f"texts {name} and {other_name} overlap"
    for edge in layout.edges:
        assert not any(edge.label.box.overlaps(n.box) for n in nodes), f"label of {edge.source}={edge.answer} sits on a box"
        for point in (*edge.points, *edge.arrow):
            assert view.x <= point.x <= view.right and view.y <= point.y <= view.bottom
    for edge, piece in segment_boxes(layout):
        ends = {("question", edge.source), (edge.target.kind, edge.target.id)}
        for node in nodes:
            if (node.kind, node.id) not in ends:
                assert not piece.overlaps(node.box), f"edge {edge.source}={edge.answer} crosses {node.kind} {node.id!r}"
        for other in layout.edges:
            assert not piece.overlaps(other.label.box), f"edge {edge.source}={edge.answer} crosses the label of {other.source}={other.answer}"


def test_layout_has_no_overlaps_and_fits_the_view_box(rules):
    assert_layout_is_clean(rules, diagram.layout(rules))


def test_edges_join_their_nodes(rules):
    layout = diagram.layout(rules)
    for edge in layout.edges:
        source = layout.node("question", edge.source).box
        target = layout.node(edge.target.kind, edge.target.id).box
        start, tip = edge.points[0], edge.arrow[1]
        assert start.x in (source.right, source.cx) and start.y in (source.cy, source.bottom)
        assert (tip.x == target.x and target.y < tip.y < target.bottom) or (tip.y == target.y and tip.x == target.cx)
        base = edge.arrow[0]
        middle = type(base)((base.x + edge.arrow[2].x) / 2, (base.y + edge.arrow[2].y) / 2)
        assert edge.points[-1] == middle  # the line runs into the arrowhead's base
        for a, b in zip(edge.points, edge.points[1:]):
            assert a.x == b.x or a.y == b.y  # only straight pieces and right angles


def test_a_leaf_stands_level_with_the_question_that_alone_reaches_it(rules):
    layout = diagram.layout(rules)
    privacy, self_hosted = layout.node("question", "privacy").box, layout.node("leaf", "self_hosted").box
    assert privacy.cy == self_hosted.cy and self_hosted.x > privacy.right
    edge = next(e for e in layout.edges if e.source == "privacy" and e.answer == "yes")
    assert len(edge.points) == 2 and edge.points[0].y == edge.points[1].y  # straight across


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGH,?-", min_size=1, max_size=8)
texts = st.lists(words, min_size=1, max_size=18).map(" ".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_texts_lay_out_cleanly(rules, data):
    """Long, short, one-word texts: boxes grow, neighbours move, nothing overlaps."""
    questions = {
        ident: dataclasses.replace(q, question=data.draw(texts, label=f"question {ident}")) for ident, q in rules.questions.items()
    }
    leaves = {ident: dataclasses.replace(leaf, title=data.draw(texts, label=f"leaf {ident}")) for ident, leaf in rules.leaves.items()}
    changed = dataclasses.replace(rules, questions=MappingProxyType(questions), leaves=MappingProxyType(leaves))
    assert_layout_is_clean(changed, diagram.layout(changed))


@pytest.mark.parametrize(
    "text, width, lines",
    [
        ("Is latency critical, under 100 ms?", 180, ("Is latency critical,", "under 100 ms?")),
        ("short", 180, ("short",)),
        ("a supercalifragilisticexpialidocious word", 60, ("a", "supercalifragilisticexpialidocious", "word")),
    ],
)
def test_wrap_balances_lines(text, width, lines):
    assert diagram.wrap(text, width, 15) == lines


# -- Mermaid and the list -----------------------------------------------------


def test_mermaid_names_every_node_and_edge(rules):
    source = diagram.render_mermaid(rules)
    assert "\nflowchart TD\n" in source
    for q in rules.questions.values():
        assert f'    q_{q.id}{{"{q.question}"}}\n' in source
        for answer in ("yes", "no"):
            target = getattr(q, answer)
            assert f"    q_{q.id} -->|{answer}| {'l' if target.is_leaf else 'q'}_{target.id}\n" in source
    for leaf in rules.leaves.values():
        assert f'    l_{leaf.id}["{leaf.title}"]\n' in source
    assert "click" not in source


def test_mermaid_escapes_quotes():
    rules = modified_rules(PRIVACY_QUESTION, 'question = "Is \\"data privacy\\" #1 for you, #quot; included?"')
    source = diagram.render_mermaid(rules)
    assert 'q_privacy{"Is #quot;data privacy#quot; #1 for you, #35;quot; included?"}' in source


def test_list_links_every_question_and_answer(rules):
    listing = diagram.render_tree_list(rules, link_prefix="#")
    root = ET.fromstring(listing)
    assert root.tag == "ol"
    items = root.findall("li")
    assert [li.get("data-node") for li in items] == list(rules.questions)  # the shipped order is the spine's
    answers = Counter()
    for li in items:
        assert li.find("a").get("href") == f"#{li.get('data-node')}"
        for answer in li.findall("ul/li"):
            answers[(li.get("data-node"), answer.get("data-answer"), answer.get("data-to"), answer.get("data-to-kind"))] += 1
            assert answer.find("a").get("href") == f"#{answer.get('data-to')}"
            assert answer.text.startswith(f"{answer.get('data-answer').capitalize()} → ")
    assert answers == expected_edges(rules)
    assert "Yes → <a href=\"#self_hosted\">Self-host the model</a>." in listing


# -- files and the command ----------------------------------------------------


def test_standalone_files_are_the_downloads(rules):
    files = diagram.standalone_files(rules)
    assert list(files) == ["decision-tree.svg", "decision-tree.mmd"]
    assert files["decision-tree.svg"] == diagram.render_svg(rules, standalone=True)
    assert files["decision-tree.mmd"] == diagram.render_mermaid(rules)
    assert 'href="#privacy"' in diagram.standalone_files(rules, link_prefix="#")["decision-tree.svg"]


def test_write_diagrams_writes_both_files(tmp_path, rules):
    out = tmp_path / "new" / "diagrams"
    paths = diagram.write_diagrams(out, rules)
    assert paths == [out / "decision-tree.svg", out / "decision-tree.mmd"]
    assert paths[0].read_bytes() == diagram.render_svg(rules, standalone=True).encode()
    assert paths[1].read_bytes() == diagram.render_mermaid(rules).encode()


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "12345"}  # another hash seed: no dict-order noise
    return subprocess.run([sys.executable, "-m", "build_scripts.diagram", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_command_writes_both_files(tmp_path, rules):
    result = run_module(str(tmp_path))
    assert result.returncode == 0, result.stderr
    svg, mmd = tmp_path / "decision-tree.svg", tmp_path / "decision-tree.mmd"
    assert result.stdout.split() == [str(svg), str(mmd)]
    assert svg.read_bytes() == diagram.render_svg(rules, standalone=True).encode()
    assert mmd.read_bytes() == diagram.render_mermaid(rules).encode()


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('yes = { leaf = "small_model" }', 'yes = { leaf = "smal_model" }', "questions[1] 'latency'.yes: leaf 'smal_model' is unknown"),
        (
            'yes = { leaf = "api" }\nno = { question = "behavior" }',
            'yes = { question = "behavior" }\nno = { question = "behavior" }',
            "questions[2] 'generic': both answers lead to question 'behavior'",
        ),
    ],
    ids=["broken rules", "both answers the same"],
)
def test_command_reports_bad_rules(tmp_path, old, new, message):
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(RULES_TEXT.replace(old, new), encoding="utf-8")
    out = tmp_path / "out"
    result = run_module(str(out), "--rules", str(rules_file))
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert result.stdout == "" and not out.exists()


SITE_CSS = Path(__file__).parents[1] / "docs" / "stylesheets" / "site.css"


def css_rules(text: str) -> dict[tuple[str, ...], dict[str, str]]:
    """Plain rules (no at-rule blocks) by selector list: property -> value."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    rules: dict[tuple[str, ...], dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        key = tuple(" ".join(s.split()) for s in selectors.split(","))
        pairs = (d.split(":", 1) for d in body.split(";") if d.strip())
        rules[key] = {name.strip(): value.strip() for name, value in pairs}
    return rules


def test_site_css_draws_the_inline_diagram_as_the_standalone_file_does(rules):
    """The inline diagram's rules live in site.css: the same selectors and
    properties as the standalone file's <style>, the same sizes and weights
    (the layout wraps text for diagram.FONT_SIZE), and each colour the
    palette's variable with the standalone colour as its fallback."""
    standalone = diagram.render_svg(rules, standalone=True)
    own = css_rules(standalone.split("<style>")[1].split("</style>")[0])
    site = css_rules(SITE_CSS.read_text(encoding="utf-8"))
    assert own, "no rules in the standalone file's <style>"
    for selectors, declarations in own.items():
        assert selectors in site, f"site.css has no rule for {', '.join(selectors)}"
        assert site[selectors].keys() == declarations.keys(), selectors
        for name, value in declarations.items():
            if name == "font-family":
                continue  # inline, the page's font; standalone, a system stack
            shown = site[selectors][name]
            assert shown == value or re.fullmatch(rf"var\(--md-[a-z-]+, {re.escape(value)}\)", shown) or (
                _number(shown) is not None and _number(shown) == _number(value)
            ), f"{', '.join(selectors)} {{{name}: {shown}}} in site.css, {value} in the standalone file"


def _number(text: str) -> float | None:
    try:
        return float(text.removesuffix("px"))
    except ValueError:
        return None
