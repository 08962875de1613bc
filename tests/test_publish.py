"""Exports and snippets for other documents: absolute links, a credit, both palettes, a PNG."""

from __future__ import annotations

import re
import struct
from html.parser import HTMLParser

import pytest

from build_scripts import diagram_export, publish_blocks
from build_scripts.page_blocks import option_anchor

SITE = "https://example.org/sub/"


class _Links(HTMLParser):
    """Every href and data-copy, and the text outside tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.copies: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        if "data-copy" in attrs:
            self.copies.append(attrs["data-copy"])

    def handle_data(self, data):
        self.text.append(data)


def _links(text: str) -> _Links:
    parser = _Links()
    parser.feed(text)
    return parser


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


# -- the diagram's files ------------------------------------------------------


@pytest.fixture(scope="module")
def svg(rules) -> str:
    return diagram_export.public_svg(rules, SITE)


def test_svg_links_are_absolute_and_reach_every_node(svg, rules):
    hrefs = _links(svg).hrefs
    assert hrefs, "the SVG lost its links"
    assert all(h.startswith(SITE) for h in hrefs), [h for h in hrefs if not h.startswith(SITE)]
    for ident in (*rules.questions, *rules.leaves):
        assert f"{SITE}decision-tree/#{ident}" in hrefs


def test_svg_carries_a_visible_credit(svg, rules):
    credit = re.search(r'<g class="bvb-credit">(.*?)</g>', svg, re.S)
    assert credit, "no credit group"
    text = "".join(_links(credit.group(1)).text)
    assert rules.source.title in text
    assert rules.source.author in text
    assert f"{SITE}decision-tree/" in text
    # Inside the picture: below the tree, within the view box.
    height = float(re.search(r'viewBox="0 0 [0-9.]+ ([0-9.]+)"', svg).group(1))
    ys = [float(y) for y in re.findall(r'<text x="[0-9.]+" y="([0-9.]+)"', credit.group(1))]
    assert ys and max(ys) < height


def test_svg_has_a_paper_and_a_dark_palette(svg, rules):
    assert '<rect class="bvb-paper"' in svg
    dark = re.search(r"@media \(prefers-color-scheme: dark\)\{(.*?)\n\}", svg, re.S)
    assert dark and ".bvb-paper{fill:#1e2129}" in dark.group(1) and ".bvb-node text{fill:" in dark.group(1)
    light_only = diagram_export.public_svg(rules, SITE, dark=False)
    assert "prefers-color-scheme" not in light_only and '<rect class="bvb-paper"' in light_only


@pytest.mark.parametrize("bad", ["", "/sub/", "example.org/", "ftp://example.org/"])
def test_a_relative_site_url_is_refused_by_name(rules, bad):
    with pytest.raises(diagram_export.ExportError, match="site_url"):
        diagram_export.public_svg(rules, bad)


def test_png_is_wide_enough_and_not_blank(rules):
    png = diagram_export.export_files(rules, SITE)[diagram_export.PNG_FILE]
    width, height = png_size(png)
    assert width >= 1200 and height > width  # the tree is a column
    assert len(png) > 20_000, "a PNG this small holds no drawing"


def test_png_is_the_same_bytes_every_time(rules):
    assert diagram_export.render_png(diagram_export.public_svg(rules, SITE, dark=False)) == diagram_export.render_png(
        diagram_export.public_svg(rules, SITE, dark=False)
    )


# -- the documents page's blocks ----------------------------------------------


def test_anchors_list_every_question_leaf_and_option_absolutely(rules):
    block = publish_blocks.anchors(rules, SITE)
    links = _links(block)
    expected = (
        [f"{SITE}decision-tree/#{q}" for q in rules.questions]
        + [f"{SITE}decision-tree/#{leaf}" for leaf in rules.leaves]
        + [f"{SITE}options/#{option_anchor(o)}" for o in rules.options]
    )
    assert links.hrefs == expected
    assert links.copies == expected  # one copy button per address, copying that address


def test_scenarios_are_absolute_engine_links(rules):
    from calculator import evaluate

    links = _links(publish_blocks.scenarios(rules, SITE))
    queries = [evaluate(dict(p.values), rules)["query"] for p in rules.presets.values()]
    assert links.copies == [f"{SITE}calculator/?{q}" for q in queries]
    assert all(h.startswith(SITE) for h in links.hrefs)


def test_embed_snippet_is_absolute_and_trusts_only_the_site(rules):
    snippet = publish_blocks.embed_calculator(rules, SITE)
    assert f'src="{SITE}calculator/?embed=1&amp;' in snippet
    assert 'event.origin !== "https://example.org"' in snippet
    assert "event.source !== frame.contentWindow" in snippet
    assert '"bvb-embed-height"' in snippet
    assert "YOUR-HOST" not in snippet


def test_diagram_files_block_has_no_relative_address(rules):
    block = publish_blocks.diagram_files(rules, SITE)
    for url in re.findall(r'(?:href|src|data-copy)="([^"]+)"|\]\(([^)]+)\)', block):
        address = url[0] or url[1]
        assert address.startswith(SITE), address
    assert f"{SITE}diagrams/decision-tree.png" in block


def test_unknown_publish_marker_names_itself(rules):
    with pytest.raises(publish_blocks.UnknownMarker, match="bvb-publish:nope"):
        publish_blocks.fill_markers("<!-- bvb-publish:nope -->", rules, SITE)


def test_markers_are_filled_and_say_who_wrote_them(rules):
    page = "Intro\n\n<!-- bvb-publish:anchors -->\n\nOutro\n"
    out = publish_blocks.fill_markers(page, rules, SITE)
    assert "<!-- generated by build_scripts/publish_blocks.py: anchors -->" in out
    assert out.startswith("Intro") and out.rstrip().endswith("Outro")
