"""The decision-tree diagram, drawn from the rule data.

:func:`layout` measures every box and then places it (two passes, like
tabatkins/railroad-diagrams); the result is plain, frozen geometry. The render
functions pour the rules and that geometry into the Jinja templates next to
this module: an SVG (inline or standalone), Mermaid source, and an HTML list
for screen readers. Nothing here imports MkDocs.

The tree is drawn as a spine: the questions stand in a column in the order
a reader meets them (depth first), each joined to the next by the answer that
goes on; an answer that leads to a question further down (a question whose
two answers both lead on) runs down a lane to the left of the column. The
leaves stand to the side of the question(s) that reach them, and the last
question's second leaf ends the column. Any tree the loader accepts draws.

Run ``python -m build_scripts.diagram OUT_DIR [--rules FILE]`` to write
``decision-tree.svg`` and ``decision-tree.mmd``.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final, Iterable, Mapping, Sequence

import jinja2

from calculator import RuleError, default_rules, load_rules
from calculator.models import Question, Rules, Target

TEMPLATES: Final = Path(__file__).resolve().parent / "templates"
SVG_TEMPLATE: Final = "decision-tree.svg.j2"
MERMAID_TEMPLATE: Final = "decision-tree.mmd.j2"
LIST_TEMPLATE: Final = "decision-tree-list.html.j2"
SVG_FILE: Final = "decision-tree.svg"
MERMAID_FILE: Final = "decision-tree.mmd"

DEFAULT_LINK_PREFIX: Final = "../decision-tree/#"
DEFAULT_ID_PREFIX: Final = "bvb-tree"
ID_PREFIX_PATTERN: Final = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
ANSWERS: Final = ("yes", "no")
MERMAID_ENTITY_START: Final = re.compile(r"#(?=\w+;)")

# Geometry, in SVG user units. The view box is narrow on purpose: scaled down
# to a phone's width the text must stay readable, so the spine is one column
# of questions and the leaves one column beside it.
MARGIN: Final = 8.0  # also room for the 3-unit highlight stroke
SPINE_WIDTH: Final = 232.0
SIDE_GAP: Final = 52.0  # between the spine and the leaves; holds "yes"/"no"
LEAF_WIDTH: Final = 180.0
PAD_X: Final = 12.0
PAD_Y: Final = 10.0
ROW_GAP: Final = 36.0  # between spine boxes; holds the vertical edges' labels
LEAF_GAP: Final = 14.0  # least space between two leaves in the side column
FONT_SIZE: Final = 15.0
LINE_HEIGHT: Final = 19.0
LABEL_FONT_SIZE: Final = 13.0
LABEL_OFFSET: Final = 4.0  # between an edge and its label
ARROW_LENGTH: Final = 8.0
ARROW_HALF_WIDTH: Final = 4.5
ELBOW_INSET: Final = 16.0  # a bent edge turns this far before its leaf
LANE_GAP: Final = 48.0  # between the lanes left of the column, for answers that skip rows
QUESTION_CORNER: Final = 4.0
LEAF_CORNER: Final = 14.0
# The inline SVG never grows wider than 640 CSS px (docs/stylesheets/site.css):
# there the text is about 20 px, and at a phone's 350 px about 11 px.
# Vertical metrics in em: a line's baseline sits BASELINE_SHIFT below the
# middle of its line box, which centres the lower-case and capital letters.
BASELINE_SHIFT: Final = 0.35
ASCENT: Final = 0.8  # em above the baseline, for the label boxes
DESCENT: Final = 0.22  # em below the baseline

# Estimated advance widths in em, close to Arial's (and Roboto's, Helvetica's);
# WIDTH_SAFETY stretches them to cover wider faces such as DejaVu Sans, the
# usual Linux fallback, which runs up to 17 % wider.
_NARROW: Final = frozenset("ijl|!.,:;'")
_SEMI_NARROW: Final = frozenset("frtI()[]-/ ")
_WIDE: Final = frozenset("mwMW@%")
WIDTH_SAFETY: Final = 1.12
BALANCE_MAX_WORDS: Final = 24  # beyond this, balancing costs too many tries; keep greedy


class DiagramError(RuleError):
    """The rule data cannot be drawn (kept for callers; the layout draws any tree the loader accepts)."""


# -- geometry -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned rectangle; ``x``/``y`` is the top-left corner."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    def overlaps(self, other: Box) -> bool:
        """True when the interiors meet; touching edges do not count."""
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom

    def contains(self, other: Box) -> bool:
        return self.x <= other.x and self.y <= other.y and other.right <= self.right and other.bottom <= self.bottom


@dataclass(frozen=True, slots=True)
class TextLine:
    text: str
    x: float
    y: float  # the baseline


@dataclass(frozen=True, slots=True)
class TextBlock:
    """Lines of text and the box they are estimated to cover."""

    lines: tuple[TextLine, ...]
    anchor: str  # SVG text-anchor: "middle" or "start"
    font_size: float
    box: Box

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


@dataclass(frozen=True, slots=True)
class Node:
    """A question or a leaf. ``kind`` and ``id`` together name it: ids repeat across kinds."""

    kind: str  # "question" | "leaf"
    id: str
    box: Box
    corner: float
    label: TextBlock


@dataclass(frozen=True, slots=True)
class Edge:
    """One answer of one question: a polyline, an arrowhead and a label."""

    source: str  # question id
    answer: str  # "yes" | "no"
    target: Target
    points: tuple[Point, ...]  # the line, ending where the arrowhead starts
    arrow: tuple[Point, Point, Point]  # the tip is the middle point
    label: TextBlock


@dataclass(frozen=True, slots=True)
class Layout:
    """The placed diagram. Nodes are in reading order: each question, then the leaves it is first to reach."""

    width: float
    height: float
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    @property
    def view_box(self) -> Box:
        return Box(0.0, 0.0, self.width, self.height)

    def node(self, kind: str, ident: str) -> Node:
        return next(n for n in self.nodes if n.kind == kind and n.id == ident)


# -- measuring ----------------------------------------------------------------


def text_width(text: str, font_size: float) -> float:
    """An estimate, on the wide side, of the rendered width of ``text``."""
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.26
        elif char in _SEMI_NARROW:
            em += 0.34
        elif char in _WIDE:
            em += 0.86
        elif char.isupper():
            em += 0.66
        elif char.isdigit():
            em += 0.57
        else:
            em += 0.54
    return em * font_size * WIDTH_SAFETY


def wrap(text: str, width: float, font_size: float) -> tuple[str, ...]:
    """Word wrap to as few lines as fit in ``width``, as even as possible.

    A word wider than ``width`` gets a line of its own. Greedy wrapping finds
    the number of lines; the lines are then balanced, so that a question ends
    "critical, / under 100 ms?" rather than with an orphan "100 ms?".
    """
    words = text.split()
    greedy: list[str] = []
    for word in words:
        if greedy and text_width(f"{greedy[-1]} {word}", font_size) <= width:
            greedy[-1] = f"{greedy[-1]} {word}"
        else:
            greedy.append(word)
    if len(greedy) == 1 or len(words) > BALANCE_MAX_WORDS:
        return tuple(greedy)
    best, best_width = tuple(greedy), max(text_width(line, font_size) for line in greedy)
    for breaks in itertools.combinations(range(1, len(words)), len(greedy) - 1):
        bounds = zip((0, *breaks), (*breaks, len(words)))
        lines = tuple(" ".join(words[start:end]) for start, end in bounds)
        widest = max(text_width(line, font_size) for line in lines)
        if widest < best_width - 1e-9:  # the first of equals wins: stable output
            best, best_width = lines, widest
    return best


def _r(value: float) -> float:
    """Round geometry to a tenth so the output carries no float noise."""
    return round(value, 1) + 0.0  # + 0.0 turns -0.0 into 0.0


def _centred_text(text: str, box_width: float) -> tuple[tuple[str, ...], float]:
    lines = wrap(text, box_width - 2 * PAD_X, FONT_SIZE)
    return lines, len(lines) * LINE_HEIGHT + 2 * PAD_Y


def _place_text(lines: Sequence[str], box: Box) -> TextBlock:
    """Centre wrapped lines in ``box``."""
    top = box.cy - len(lines) * LINE_HEIGHT / 2
    placed = tuple(
        TextLine(line, _r(box.cx), _r(top + i * LINE_HEIGHT + LINE_HEIGHT / 2 + BASELINE_SHIFT * FONT_SIZE))
        for i, line in enumerate(lines)
    )
    width = max(text_width(line, FONT_SIZE) for line in lines)
    return TextBlock(placed, "middle", FONT_SIZE, Box(_r(box.cx - width / 2), _r(top), _r(width), _r(len(lines) * LINE_HEIGHT)))


def _label(text: str, x: float, baseline: float, anchor: str) -> TextBlock:
    width = text_width(text, LABEL_FONT_SIZE)
    left = {"middle": x - width / 2, "end": x - width}.get(anchor, x)
    box = Box(_r(left), _r(baseline - ASCENT * LABEL_FONT_SIZE), _r(width), _r((ASCENT + DESCENT) * LABEL_FONT_SIZE))
    return TextBlock((TextLine(text, _r(x), _r(baseline)),), anchor, LABEL_FONT_SIZE, box)


# -- the shape of the tree ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Shape:
    """Which question stands in which row, and where each leaf goes."""

    spine: tuple[Question, ...]
    side: Mapping[str, tuple[tuple[int, str], ...]]  # leaf id -> (row, answer) of each edge into it
    bottom: tuple[str, str] | None  # (answer, leaf id) of the last question's edge down the column
    jumps: Mapping[tuple[int, str], int]  # (row, answer) -> the row of the question it skips to
    lanes: Mapping[tuple[int, str], int]  # (row, answer) -> its lane left of the column, 0 nearest


def spine(rules: Rules) -> tuple[Question, ...]:
    """The questions in the order a reader meets them: depth first from the
    root, the "no" branch before the "yes" branch (the loader guarantees a
    tree, so every question appears once)."""
    order: list[Question] = []
    stack = [rules.root]
    while stack:
        question = rules.questions[stack.pop()]
        order.append(question)
        stack += [t.id for t in (question.yes, question.no) if not t.is_leaf]
    return tuple(order)


def _shape(rules: Rules) -> _Shape:
    rows = spine(rules)
    row_of = {q.id: row for row, q in enumerate(rows)}
    sources: dict[str, list[tuple[int, str]]] = {}
    jumps: dict[tuple[int, str], int] = {}
    for row, question in enumerate(rows):
        for answer in ANSWERS:
            target: Target = getattr(question, answer)
            if target.is_leaf:
                sources.setdefault(target.id, []).append((row, answer))
            elif row_of[target.id] != row + 1:
                jumps[(row, answer)] = row_of[target.id]
    last = rows[-1]
    # The last question's "no" leaf ends the column, unless another question
    # also reaches it: a shared leaf must stand beside its questions.
    candidates = [a for a in ("no", "yes") if len(sources[getattr(last, a).id]) == 1]
    bottom = None
    if candidates:
        bottom = (candidates[0], getattr(last, candidates[0]).id)
        del sources[bottom[1]]
    # A lane for each jump, outside the lanes of the jumps it spans.
    lanes: dict[tuple[int, str], int] = {}
    for key, end in sorted(jumps.items(), key=lambda item: item[1] - item[0][0]):
        inner = [lanes[k] for k, e in jumps.items() if k in lanes and key[0] <= k[0] and e <= end]
        lanes[key] = 1 + max(inner, default=-1)
    side = MappingProxyType({leaf: tuple(edges) for leaf, edges in sources.items()})
    return _Shape(rows, side, bottom, MappingProxyType(jumps), MappingProxyType(lanes))


# -- layout -------------------------------------------------------------------


def layout(rules: Rules) -> Layout:
    """Measure every box, then place it; the same rules always give the same layout.

    Guarantees (checked by the tests): no two node boxes overlap, no two text
    boxes overlap, each node's text lies inside its box, and everything lies
    inside ``Layout.view_box``.
    """
    shape = _shape(rules)
    leaves = rules.leaves

    # Pass 1: measure. Widths are fixed per column; heights follow the text.
    q_text = [_centred_text(q.question, SPINE_WIDTH) for q in shape.spine]
    bottom_leaf = shape.bottom[1] if shape.bottom else None
    l_text = {leaf: _centred_text(leaves[leaf].title, LEAF_WIDTH) for leaf in (*shape.side, *([bottom_leaf] if bottom_leaf else []))}

    # Pass 2: place. Questions go down the spine ROW_GAP apart; each side leaf
    # centres on the question(s) it answers, and when it would crowd the leaf
    # above, it and every row from its first question on move down.
    tops: list[float] = []
    y = MARGIN
    for _, height in q_text:
        tops.append(y)
        y += height + ROW_GAP

    def centre(row: int) -> float:
        return tops[row] + q_text[row][1] / 2

    leaf_tops: dict[str, float] = {}
    floor = MARGIN
    for leaf, edges in sorted(shape.side.items(), key=lambda item: item[1][0][0]):
        first, last = edges[0][0], edges[-1][0]
        height = l_text[leaf][1]
        top = (centre(first) + centre(last)) / 2 - height / 2
        if top < floor:
            tops[first:] = [t + floor - top for t in tops[first:]]
            top = floor
        leaf_tops[leaf] = top
        floor = top + height + LEAF_GAP

    gutter = LANE_GAP * (1 + max(shape.lanes.values())) if shape.lanes else 0.0
    spine_x = MARGIN + gutter
    leaf_x = spine_x + SPINE_WIDTH + SIDE_GAP
    q_boxes = [Box(_r(spine_x), _r(top), SPINE_WIDTH, height) for top, (_, height) in zip(tops, q_text)]
    l_boxes = {leaf: Box(_r(leaf_x), _r(top), LEAF_WIDTH, l_text[leaf][1]) for leaf, top in leaf_tops.items()}
    if bottom_leaf:
        l_boxes[bottom_leaf] = Box(
            _r(q_boxes[-1].cx - LEAF_WIDTH / 2), _r(q_boxes[-1].bottom + ROW_GAP), LEAF_WIDTH, l_text[bottom_leaf][1]
        )

    nodes: list[Node] = []
    for row, question in enumerate(shape.spine):
        nodes.append(Node("question", question.id, q_boxes[row], QUESTION_CORNER, _place_text(q_text[row][0], q_boxes[row])))
        for answer in ANSWERS:
            target: Target = getattr(question, answer)
            if target.is_leaf and all(n.kind == "question" or n.id != target.id for n in nodes):
                box = l_boxes[target.id]
                nodes.append(Node("leaf", target.id, box, LEAF_CORNER, _place_text(l_text[target.id][0], box)))

    edges: list[Edge] = []
    for row, question in enumerate(shape.spine):
        for answer in ANSWERS:
            target: Target = getattr(question, answer)
            if (row, answer) in shape.jumps:
                lane_x = spine_x - LANE_GAP * (1 + shape.lanes[(row, answer)]) + LANE_GAP / 2
                edges.append(_lane_edge(question.id, answer, target, q_boxes[row], q_boxes[shape.jumps[(row, answer)]], lane_x))
            elif not target.is_leaf:
                edges.append(_down_edge(question.id, answer, target, q_boxes[row], q_boxes[row + 1]))
            elif (answer, target.id) == shape.bottom and row == len(shape.spine) - 1:
                edges.append(_down_edge(question.id, answer, target, q_boxes[row], l_boxes[target.id]))
            else:
                incoming = shape.side[target.id]
                # A question with both answers to the side starts them apart.
                both = all(getattr(question, a).is_leaf and (row, a) != (len(shape.spine) - 1, shape.bottom and shape.bottom[0]) for a in ANSWERS)
                start = (1 + ANSWERS.index(answer)) / 3 if both else 0.5
                edges.append(
                    _side_edge(question.id, answer, target, q_boxes[row], l_boxes[target.id], incoming.index((row, answer)), len(incoming), start)
                )

    width = leaf_x + LEAF_WIDTH + MARGIN
    height = max(box.bottom for box in (*q_boxes, *l_boxes.values())) + MARGIN
    return Layout(_r(width), _r(height), tuple(nodes), tuple(edges))


def _down_edge(source: str, answer: str, target: Target, above: Box, below: Box) -> Edge:
    """Straight down the spine; the label sits to the right of the line, halfway."""
    x = _r(above.cx)
    base = _r(below.y - ARROW_LENGTH)
    arrow = (Point(_r(x - ARROW_HALF_WIDTH), base), Point(x, _r(below.y)), Point(_r(x + ARROW_HALF_WIDTH), base))
    middle = (above.bottom + below.y) / 2
    label = _label(answer, x + LABEL_OFFSET + 2, middle + BASELINE_SHIFT * LABEL_FONT_SIZE, "start")
    return Edge(source, answer, target, (Point(x, _r(above.bottom)), Point(x, base)), arrow, label)


def _lane_edge(source: str, answer: str, target: Target, question: Box, below: Box, lane_x: float) -> Edge:
    """From the question's left side out to its lane, down, and into the
    left side of the question it skips to; the label sits on the way out."""
    start_y = _r(question.y + question.height * 0.7)
    end_y = _r(below.cy)
    base = _r(below.x - ARROW_LENGTH)
    x = _r(lane_x)
    points = (Point(_r(question.x), start_y), Point(x, start_y), Point(x, end_y), Point(base, end_y))
    arrow = (Point(base, _r(end_y - ARROW_HALF_WIDTH)), Point(_r(below.x), end_y), Point(base, _r(end_y + ARROW_HALF_WIDTH)))
    label = _label(answer, x - LABEL_OFFSET, start_y + LABEL_OFFSET + ASCENT * LABEL_FONT_SIZE, "end")
    return Edge(source, answer, target, points, arrow, label)


def _side_edge(source: str, answer: str, target: Target, question: Box, leaf: Box, index: int, count: int, start: float = 0.5) -> Edge:
    """From the question's right side to the leaf's left side.

    A leaf reached by one edge sits level with its question, so the edge is
    straight. A leaf shared by ``count`` edges spreads their ends down its side
    and each edge bends once, ``ELBOW_INSET`` before the leaf.
    """
    start_y = _r(question.y + question.height * start)
    if count == 1:
        end_y = _r(min(max(start_y, leaf.y + LEAF_CORNER), leaf.bottom - LEAF_CORNER))
    else:
        end_y = _r(leaf.y + leaf.height * (index + 1) / (count + 1))
    base = _r(leaf.x - ARROW_LENGTH)
    elbow = _r(leaf.x - ELBOW_INSET)
    points = [Point(_r(question.right), start_y)]
    if end_y != start_y:
        points += [Point(elbow, start_y), Point(elbow, end_y)]
    points.append(Point(base, end_y))
    arrow = (Point(base, _r(end_y - ARROW_HALF_WIDTH)), Point(_r(leaf.x), end_y), Point(base, _r(end_y + ARROW_HALF_WIDTH)))
    label = _label(answer, (question.right + elbow) / 2, start_y - LABEL_OFFSET - DESCENT * LABEL_FONT_SIZE, "middle")
    return Edge(source, answer, target, tuple(points), arrow, label)


# -- rendering ----------------------------------------------------------------


def _number(value: float) -> str:
    """Fixed rounding for the output: at most one decimal, no "-0", no "2.0"."""
    text = f"{value:.1f}"
    text = text.removesuffix(".0")
    return "0" if text == "-0" else text


def _path(points: Iterable[Point]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{_number(p.x)} {_number(p.y)}" for i, p in enumerate(points))


def _mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label, with entity codes only where Mermaid would misread it.

    A quote would end the label and ``<``/``>`` would be taken for HTML; a
    ``#`` is escaped only where it would start an entity code (``#word;``),
    because the codes are the one escape Mermaid has and not every renderer
    decodes them.
    """
    text = MERMAID_ENTITY_START.sub("#35;", text)
    for char, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, code)
    return text


def _autoescape(name: str | None) -> bool:
    # Mermaid source is not markup; HTML escapes would show up in its labels.
    return name is None or not name.endswith(".mmd.j2")


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=_autoescape,
        keep_trailing_newline=True,
        # Block tags take their line with them, so no template leaves a blank
        # line: the SVG and the list are inlined into pages.
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["n"] = _number
    env.filters["path"] = _path
    env.filters["mermaid"] = _mermaid_text
    return env


# Colours for the standalone SVG's <style>: they must work on white paper
# with no page around them. Inline, the same rules live in
# docs/stylesheets/site.css and follow Material's palette variables instead.
STANDALONE_COLOURS: Final = {
    "font": "-apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif",
    "fg": "#222",
    "fg_light": "#666",
    "bg": "#fff",
    "primary": "#3f51b5",
    "on_primary": "#fff",
    "accent": "#526cfe",
    # The answer's box: white on the accent is 4.26:1, under AA for text.
    "answer": "#303f9f",
    "on_answer": "#fff",
}


def describe(rules: Rules) -> str:
    """One sentence for the SVG's <desc>: the questions in the order they are asked."""
    titles = [q.title for q in spine(rules)]
    return (
        f"{len(titles)} questions, asked in this order: {'; then '.join(titles)}. "
        f"Each answer leads to the next question or ends at one of {len(rules.leaves)} recommendations."
    )


def render_svg(
    rules: Rules,
    *,
    link_prefix: str = DEFAULT_LINK_PREFIX,
    standalone: bool = False,
    id_prefix: str = DEFAULT_ID_PREFIX,
    path: Sequence[Mapping[str, str]] = (),
    answer: str | None = None,
) -> str:
    """The diagram as SVG text: byte-stable, without blank lines.

    ``path`` (the engine's ``[{"node", "answer"}, ...]``) and ``answer`` (the
    leaf reached) mark a path through the tree with the classes the page's
    script toggles later (``is-on-path``, ``is-answer``, ``has-path``).

    Each node is an ``<a href="{link_prefix}{id}" data-node data-kind>``; each
    edge a ``<g data-from data-answer data-to data-to-kind>``. Ids inside start
    with ``id_prefix`` so that two copies can share a page. ``standalone``
    adds the XML declaration, a fixed size and colours that need no page.
    """
    if not ID_PREFIX_PATTERN.fullmatch(id_prefix):
        raise ValueError(f"id_prefix {id_prefix!r} is not a valid id start (a letter, then letters, digits, '-', '_')")
    return _environment().get_template(SVG_TEMPLATE).render(
        layout=layout(rules),
        version=rules.version,
        title="The decision tree",
        description=describe(rules),
        link_prefix=link_prefix,
        standalone=standalone,
        id_prefix=id_prefix,
        font_size=FONT_SIZE,
        label_font_size=LABEL_FONT_SIZE,
        colours=STANDALONE_COLOURS,
        path_questions={step["node"] for step in path},
        path_edges={(step["node"], step["answer"]) for step in path},
        answer=answer,
    )


def render_mermaid(rules: Rules) -> str:
    """The tree as Mermaid ``flowchart TD`` source, for other documents."""
    order = layout(rules).nodes  # reading order helps Mermaid's own layout
    return _environment().get_template(MERMAID_TEMPLATE).render(
        version=rules.version,
        nodes=order,
        questions=rules.questions,
        leaves=rules.leaves,
        spine=spine(rules),
        answers=ANSWERS,
    )


def render_tree_list(rules: Rules, *, link_prefix: str = "#") -> str:
    """The tree as a nested HTML list, the diagram's twin for screen readers."""
    rows = spine(rules)
    return _environment().get_template(LIST_TEMPLATE).render(
        spine=rows,
        number={q.id: i for i, q in enumerate(rows, start=1)},
        questions=rules.questions,
        leaves=rules.leaves,
        answers=ANSWERS,
        link_prefix=link_prefix,
    )


def standalone_files(rules: Rules, *, link_prefix: str = DEFAULT_LINK_PREFIX) -> dict[str, str]:
    """The downloadable files by name: the standalone SVG and the Mermaid source.

    The default ``link_prefix`` suits files served from a folder one below the
    site root (``diagrams/``), beside the ``decision-tree/`` page.
    """
    return {
        SVG_FILE: render_svg(rules, link_prefix=link_prefix, standalone=True),
        MERMAID_FILE: render_mermaid(rules),
    }


def write_diagrams(out_dir: Path | str, rules: Rules | None = None, *, link_prefix: str = DEFAULT_LINK_PREFIX) -> list[Path]:
    """Write :func:`standalone_files` into ``out_dir`` (created); return the paths written.

    Both files are rendered before anything is written, so rules the diagram
    cannot draw leave neither a folder nor half of the pair behind.
    """
    files = standalone_files(default_rules() if rules is None else rules, link_prefix=link_prefix)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = out / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m build_scripts.diagram", description="Write the decision-tree diagram files.")
    parser.add_argument("out_dir", type=Path, help="folder to write decision-tree.svg and decision-tree.mmd into")
    parser.add_argument("--rules", type=Path, help="a rule file to draw instead of the shipped one")
    args = parser.parse_args(argv)
    try:
        rules = load_rules(args.rules.read_text(encoding="utf-8")) if args.rules else default_rules()
        paths = write_diagrams(args.out_dir, rules)
    except RuleError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # an unreadable rule file or an unwritable folder
        print(f"error: {error.filename}: {error.strerror}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
