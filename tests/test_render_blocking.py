"""What every built page makes the browser wait for before its first paint.

Lighthouse's render-blocking-resources audit counted five stylesheets per
page. Every stylesheet in the head is a request the first paint waits for,
so ours is a single file (docs/stylesheets/site.css, print and
accessibility rules included). Our scripts are modules, which never block
the parser; Material's bundle keeps its place at the end of the body
(overrides/main.html says why it is not deferred).
"""

from __future__ import annotations

from html.parser import HTMLParser

from tests.browser.site_pages import page_files


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stylesheets: list[str] = []
        self.blocking_scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and "stylesheet" in (a.get("rel") or "").split() and a.get("media", "all") in ("all", "screen"):
            self.stylesheets.append(a.get("href") or "")
        if tag == "script" and a.get("src"):
            if "defer" not in a and "async" not in a and a.get("type") != "module":
                self.blocking_scripts.append(a["src"])


def _resources(file):
    parser = _Resources()
    parser.feed(file.read_text(encoding="utf-8"))
    return parser


def test_each_page_waits_for_material_s_two_stylesheets_and_ours_only(site):
    for file in page_files(site[1]):
        sheets = _resources(file).stylesheets
        ours = [href for href in sheets if "assets/stylesheets/" not in href]
        assert len(sheets) - len(ours) == 2, f"{file}: Material's stylesheets are {sheets}"
        assert [href.rsplit("/", 1)[-1] for href in ours] == ["site.css"], f"{file}: our stylesheets are {ours}"


def test_no_page_has_a_parser_blocking_script_but_material_s_bundle(site):
    for file in page_files(site[1]):
        found = _resources(file)
        blocking = [src.rsplit("/", 1)[-1] for src in found.blocking_scripts]
        assert [name.split(".")[0] for name in blocking] == ["bundle"], f"{file}: parser-blocking scripts {blocking}"
        assert all("assets/javascripts/" in src for src in found.blocking_scripts), f"{file}: {found.blocking_scripts}"
