"""The "Using it in your documents" page's links and snippets, at the site's public address.

Everything a reader copies from that page ends up in another document (a
deck, a wiki, a strategy memo), far from this site, so every address here is
absolute, made from ``site_url``. The lists of anchors come from the rule data
(questions, recommendations, options), so a renamed or added node shows up
without an edit to the page.

A page holds a marker such as ``<!-- bvb-publish:anchors -->`` on a line of
its own; :func:`fill_markers` replaces it with the block of that name. The
markers differ from page_blocks' ``<!-- bvb:... -->`` because these blocks need
the site's address as well as the rules. No MkDocs import.
"""

from __future__ import annotations

import re
from html import escape
from typing import Callable, Final
from urllib.parse import urlsplit

from calculator import evaluate
from calculator.inputs import preset_query
from calculator.models import Rules

from . import diagram_export
from .page_blocks import option_anchor

MARKER_START: Final = "<!-- bvb-publish:"
MARKER: Final = re.compile(r"^<!-- bvb-publish:([a-z0-9-]+) -->$", re.MULTILINE)
TREE_PAGE: Final = "decision-tree/"
OPTIONS_PAGE: Final = "options/"
CALCULATOR_PAGE: Final = "calculator/"
DIAGRAMS: Final = "diagrams/"
EMBED_HEIGHT_MESSAGE: Final = "bvb-embed-height"  # posted by the embedded calculator
EMBED_FRAME_ID: Final = "bvb-calculator-frame"


class UnknownMarker(ValueError):
    """A page names a publish block that does not exist."""


def site_root(site_url: str) -> str:
    """``site_url`` with exactly one trailing slash; an error for anything not absolute."""
    diagram_export.public_link_prefix(site_url)  # raises ExportError for a relative or empty address
    return site_url.rstrip("/") + "/"


def _copyable(url: str) -> str:
    """A link that shows its own address, and a button that copies it."""
    u = escape(url, quote=True)
    # Long addresses may break only at their seams: after a "/", before a "&".
    scheme, rest = escape(url).split("://", 1)
    shown = scheme + "://" + rest.replace("/", "/<wbr>").replace("&amp;", "<wbr>&amp;")
    return (
        f'<a class="bvb-address" href="{u}">{shown}</a> '
        f'<button type="button" class="md-button bvb-copy" data-copy="{u}" aria-label="Copy {u}">Copy</button>'
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def anchors(rules: Rules, site_url: str) -> str:
    """Every question, recommendation and option, each with its absolute address."""
    root = site_root(site_url)
    rows = ["| Section | Address |", "| --- | --- |"]
    for q in rules.questions.values():
        rows.append(f"| Question: {_cell(q.question)} | {_copyable(root + TREE_PAGE + '#' + q.id)} |")
    for leaf in rules.leaves.values():
        rows.append(f"| Recommendation: {_cell(leaf.title)} | {_copyable(root + TREE_PAGE + '#' + leaf.id)} |")
    for option in rules.options.values():
        rows.append(f"| Option: {_cell(option.title)} | {_copyable(root + OPTIONS_PAGE + '#' + option_anchor(option.id))} |")
    return "\n".join(rows)


def scenarios(rules: Rules, site_url: str) -> str:
    """The rule file's presets as absolute calculator links, in the engine's canonical form.

    A list, not a table: the addresses are long, and each breaks only
    between its parameters (``<wbr>`` before each ``&``).
    """
    root = site_root(site_url)
    items = []
    for preset in rules.presets.values():
        result = evaluate(dict(preset.values), rules)
        rec = result["recommendation"]
        url = f"{root}{CALCULATOR_PAGE}?{result['query']}"
        items.append(
            f"- **{preset.title}**: {preset.description} Recommendation: "
            f"[{rec['title']}]({root}{TREE_PAGE}#{rec['id']}).<br>\n  {_copyable(url)}"
        )
    return "\n".join(items)


def _origin(site_url: str) -> str:
    parts = urlsplit(site_url)
    return f"{parts.scheme}://{parts.netloc}"


def embed_calculator(rules: Rules, site_url: str) -> str:
    """The iframe snippet, with a listener that sizes the frame to the height the embed posts."""
    root = site_root(site_url)
    query = preset_query(rules, next(iter(rules.presets)))
    src = f"{root}{CALCULATOR_PAGE}?embed=1&{query}"
    return "\n".join([
        "```html",
        f'<iframe id="{EMBED_FRAME_ID}" src="{escape(src)}"',
        '        title="Build vs buy calculator" width="100%" height="900" style="border:0"></iframe>',
        "<script>",
        "  // The calculator posts its height whenever it changes; the frame follows,",
        "  // so it never scrolls inside the page. Messages from anywhere else are ignored.",
        '  addEventListener("message", (event) => {',
        f'    const frame = document.getElementById("{EMBED_FRAME_ID}");',
        f'    if (event.origin !== "{_origin(site_url)}" || event.source !== frame.contentWindow) return;',
        f'    if (event.data?.type === "{EMBED_HEIGHT_MESSAGE}" && event.data.height > 0) {{',
        '      frame.style.height = `${Math.ceil(event.data.height)}px`;',
        "    }",
        "  });",
        "</script>",
        "```",
    ])


def diagram_files(rules: Rules, site_url: str) -> str:
    """The diagram's files at their absolute addresses, and snippets that show them."""
    base = site_root(site_url) + DIAGRAMS
    svg, png, mmd = (base + name for name in (diagram_export.SVG_FILE, diagram_export.PNG_FILE, diagram_export.MERMAID_FILE))
    alt = "The Build-vs-Buy decision tree"
    return "\n".join([
        "| File | Address |",
        "| --- | --- |",
        f"| **SVG**, for web pages and documents that take SVG; light and dark | {_copyable(svg)} |",
        f"| **PNG**, {diagram_export.PNG_WIDTH} px wide, for slides and tools that do not take SVG | {_copyable(png)} |",
        f"| **Mermaid source**, for GitHub, GitLab and wikis that draw Mermaid | {_copyable(mmd)} |",
        "",
        "In HTML:",
        "",
        "```html",
        f'<a href="{site_root(site_url)}{TREE_PAGE}"><img src="{svg}" alt="{alt}" width="480"></a>',
        "```",
        "",
        "In Markdown:",
        "",
        "```markdown",
        f"[![{alt}]({png})]({site_root(site_url)}{TREE_PAGE})",
        "```",
    ])


BLOCKS: Final[dict[str, Callable[[Rules, str], str]]] = {
    "anchors": anchors,
    "scenarios": scenarios,
    "embed-calculator": embed_calculator,
    "diagram-files": diagram_files,
}


def fill_markers(text: str, rules: Rules, site_url: str) -> str:
    """Replace each ``<!-- bvb-publish:name -->`` line with its block, made for ``site_url``."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in BLOCKS:
            raise UnknownMarker(f"unknown marker 'bvb-publish:{name}'; known: {', '.join(sorted(BLOCKS))}")
        return f"<!-- generated by build_scripts/publish_blocks.py: {name} -->\n" + BLOCKS[name](rules, site_url)

    return MARKER.sub(replace, text)
