"""The decision tree as files for other documents: SVG, PNG and Mermaid.

A file that is saved, pasted into slides or printed has lost the site around
it, so each export here carries what it needs on its own:

- links that are absolute (from the site's public address), never relative;
- a visible credit line: the source article and this site's address;
- a paper of its own, light, and dark where the reader's system asks for dark
  (``prefers-color-scheme``), so the text is readable on either background.

:mod:`build_scripts.diagram` draws the tree; this module only post-processes
its standalone SVG, so a change of layout there needs no change here. The PNG
is rendered at build time with resvg (``resvg-py``), from the light SVG, with
a font file named here rather than whatever the machine resolves, so that the
same commit gives the same PNG wherever the fonts match.

Run ``python -m build_scripts.diagram_export OUT_DIR --site-url URL`` to write
the three files.
"""

from __future__ import annotations

import argparse
import re
import sys
from html import escape
from pathlib import Path
from typing import Final, Sequence

from calculator import RuleError, default_rules
from calculator.models import Rules

from . import diagram

SVG_FILE: Final = diagram.SVG_FILE
PNG_FILE: Final = "decision-tree.png"
MERMAID_FILE: Final = diagram.MERMAID_FILE
TREE_PAGE: Final = "decision-tree/"

# The PNG is for slides: at least 1,200 px wide, and sharp on a projector.
PNG_WIDTH: Final = 1440

CREDIT_FONT_SIZE: Final = 11.0
CREDIT_LINE_HEIGHT: Final = 14.0
CREDIT_GAP: Final = 10.0  # between the tree and the credit
# Fonts for the PNG, first found wins. Liberation Sans has Arial's metrics,
# which the layout's width estimates are made for; DejaVu Sans is wider but
# the layout leaves room for it.
PNG_FONTS: Final = (
    ("Liberation Sans", ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf")),
    ("DejaVu Sans", ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")),
    ("Arial", ("Arial.ttf", "Arial Bold.ttf")),
)
FONT_DIRS: Final = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".fonts",
    Path.home() / ".local/share/fonts",
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts/Supplemental"),
    Path("C:/Windows/Fonts"),
)

_SVG_OPEN: Final = re.compile(r'<svg\b[^>]*\bviewBox="0 0 ([0-9.]+) ([0-9.]+)"[^>]*\bheight="([0-9.]+)"[^>]*>')
_STYLE_END: Final = "</style>\n"

# The credit and the paper, then the dark palette. The dark colours follow
# Material's slate scheme, so an exported tree matches the site in dark mode.
LIGHT_STYLE: Final = """<style>
.bvb-paper{fill:#fff}
.bvb-credit{fill:#555;font-size:11px}
.bvb-credit a{fill:#3f51b5;text-decoration:underline}
</style>
"""
DARK_STYLE: Final = """<style class="bvb-palette-dark">
@media (prefers-color-scheme: dark){
.bvb-paper{fill:#1e2129}
.bvb-node rect{fill:#1e2129;stroke:#8c9eff}
.bvb-node text{fill:#e2e4e9}
.bvb-node--leaf rect{fill:#3f51b5;stroke:#8c9eff}
.bvb-node--leaf text{fill:#fff}
.bvb-edge-line{stroke:#a3a8b8}
.bvb-edge-arrow,.bvb-edge-label{fill:#a3a8b8}
.bvb-credit{fill:#c3c7d2}
.bvb-credit a{fill:#8c9eff}
}
</style>
"""


def _n(value: float) -> str:
    """At most one decimal and no "2.0", as the diagram writes its numbers."""
    return f"{value:.1f}".removesuffix(".0")


class ExportError(ValueError):
    """The diagram could not be turned into a file for other documents."""


def public_link_prefix(site_url: str) -> str:
    """Where a node's link points in an exported file: its section, absolutely."""
    if not re.match(r"https?://[^/]+", site_url):
        raise ExportError(f"site_url {site_url!r} must be an absolute http(s) address, such as https://example.org/")
    return site_url.rstrip("/") + "/" + TREE_PAGE + "#"


def credit_lines(rules: Rules, site_url: str) -> tuple[str, str]:
    """The credit: the article and its authors, then this site's address."""
    return (
        f"From \u201c{rules.source.title}\u201d by {rules.source.author}.",
        site_url.rstrip("/") + "/" + TREE_PAGE,
    )


def public_svg(rules: Rules, site_url: str, *, dark: bool = True) -> str:
    """The standalone SVG with absolute links, a credit line and its own paper.

    ``dark`` adds the dark palette for ``prefers-color-scheme: dark``; the PNG
    is rendered without it (resvg applies media rules as if they matched).
    """
    svg = diagram.render_svg(rules, link_prefix=public_link_prefix(site_url), standalone=True)
    opening = _SVG_OPEN.search(svg)
    if opening is None or _STYLE_END not in svg:
        raise ExportError("the standalone SVG has no '<svg viewBox=\"0 0 W H\" height=...>' or no <style>: "
                          "build_scripts/diagram_export.py must follow the template's change")
    width, height = opening.group(1), opening.group(2)
    article, address = credit_lines(rules, site_url)
    lines = [*diagram.wrap(article, float(width) - 2 * diagram.MARGIN, CREDIT_FONT_SIZE), address]
    grown = _n(float(height) + CREDIT_GAP + len(lines) * CREDIT_LINE_HEIGHT + diagram.MARGIN / 2)

    tag = opening.group(0).replace(f'viewBox="0 0 {width} {height}"', f'viewBox="0 0 {width} {grown}"')
    tag = tag.replace(f'height="{opening.group(3)}"', f'height="{grown}"')
    head, tail = (svg[: opening.start()] + tag + svg[opening.end():]).split(_STYLE_END, 1)
    body, end = tail.rsplit("</svg>", 1)
    paper = f'<rect class="bvb-paper" width="{width}" height="{grown}"/>\n'
    styles = LIGHT_STYLE + (DARK_STYLE if dark else "")
    return head + _STYLE_END + styles + paper + body + _credit(lines, float(height), address) + "</svg>" + end


def _credit(lines: Sequence[str], top: float, address: str) -> str:
    """The credit lines below the tree; the site's address is a link."""
    texts = []
    for i, line in enumerate(lines):
        y = _n(top + CREDIT_GAP + (i + 0.75) * CREDIT_LINE_HEIGHT)
        body = escape(line)
        if line == address:
            body = f'<a href="{escape(address)}">{body}</a>'
        texts.append(f'<text x="{_n(diagram.MARGIN)}" y="{y}">{body}</text>')
    return '<g class="bvb-credit">\n' + "\n".join(texts) + "\n</g>\n"


def png_font() -> tuple[str, list[str]]:
    """(family, font files) of the first font in PNG_FONTS found on this machine."""
    for family, names in PNG_FONTS:
        for folder in FONT_DIRS:
            if not folder.is_dir():
                continue
            found = {path.name: path for path in sorted(folder.rglob("*.ttf")) if path.name in names}
            if names[0] in found:
                return family, [str(found[name]) for name in names if name in found]
    wanted = ", ".join(family for family, _ in PNG_FONTS)
    raise ExportError(f"no font for the diagram's PNG: install one of {wanted} (Debian: apt-get install fonts-liberation)")


def render_png(svg: str, *, width: int = PNG_WIDTH) -> bytes:
    """Rasterise ``svg`` at ``width`` pixels with resvg, on the font from :func:`png_font`."""
    try:
        import resvg_py
    except ImportError:
        raise ExportError("the diagram's PNG needs resvg-py: pip install -e '.[dev]'") from None
    family, files = png_font()
    # Only the named font: the family list in the SVG resolves to it, and no
    # other installed font can change the picture.
    svg = re.sub(r"font-family:[^;}]+", f"font-family:{family}", svg)
    return bytes(resvg_py.svg_to_bytes(
        svg_string=svg, width=width, skip_system_fonts=True, font_files=files,
        font_family=family, sans_serif_family=family,
    ))


def export_files(rules: Rules, site_url: str) -> dict[str, str | bytes]:
    """The downloadable files by name: SVG (both palettes), PNG (light), Mermaid."""
    return {
        SVG_FILE: public_svg(rules, site_url),
        PNG_FILE: render_png(public_svg(rules, site_url, dark=False)),
        MERMAID_FILE: diagram.render_mermaid(rules),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m build_scripts.diagram_export", description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path, help="folder to write the SVG, PNG and Mermaid files into")
    parser.add_argument("--site-url", required=True, help="the site's public address, e.g. https://example.org/")
    args = parser.parse_args(argv)
    try:
        files = export_files(default_rules(), args.site_url)
    except (RuleError, ExportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = args.out_dir / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="\n")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
