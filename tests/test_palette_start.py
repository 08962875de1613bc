"""Pages start with Material's palette-switching mark (build_scripts/palette_start.py)."""

from __future__ import annotations

import pytest

from build_scripts.palette_start import MARK, NoPaletteBody, start_switching
from tests.browser.site_pages import page_files

BODY = '<body dir="ltr" data-md-color-scheme="default" data-md-color-primary="indigo">'


def test_the_palette_body_gets_the_mark_once():
    html = f"<html><head></head>{BODY}<p>x</p></body></html>"
    marked = start_switching(html)
    assert marked == html.replace("<body ", f"<body {MARK} ")
    assert start_switching(marked) == marked


def test_a_mark_with_a_value_is_kept_as_it_is():
    html = f'<body {MARK}="" data-md-color-scheme="slate">'
    assert start_switching(html) == html


def test_an_attribute_that_only_starts_like_the_mark_does_not_count():
    html = f'<body {MARK}-later="1" data-md-color-scheme="slate">'
    assert start_switching(html).startswith(f"<body {MARK} {MARK}-later")


def test_a_page_without_material_s_palette_body_is_an_error():
    with pytest.raises(NoPaletteBody, match="data-md-color-scheme"):
        start_switching('<html><body dir="ltr"><p>x</p></body></html>')


def test_every_built_page_starts_marked(site):
    files = page_files(site[1])
    assert any(f.name == "404.html" for f in files)
    for file in files:
        html = file.read_text(encoding="utf-8")
        assert html.count(f"<body {MARK} ") == 1, f"{file} does not start with Material's switching mark"
