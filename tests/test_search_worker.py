"""The calculator page starts Material's search worker through our wrapper (build_scripts/search_worker.py)."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

import pytest

from build_scripts.search_worker import WRAPPER, NoSearchConfig, check_languages, through_wrapper

CONFIG = re.compile(r'<script id="__config" type="application/json">(.*?)</script>', re.S)


def _page(config: dict) -> str:
    return f'<html><body><script id="__config" type="application/json">{json.dumps(config)}</script></body></html>'


def _config(page: str) -> dict:
    return json.loads(CONFIG.search(page)[1])


def test_the_worker_url_becomes_the_wrapper_s_with_material_s_as_its_parameter():
    page = _page({"base": "..", "search": "../assets/javascripts/workers/search.1234.min.js", "translations": {"x": "a <b> & c"}})
    changed = _config(through_wrapper(page))
    assert changed["search"] == f"../{WRAPPER}?worker=../assets/javascripts/workers/search.1234.min.js"
    assert changed["translations"] == {"x": "a <b> & c"}  # the rest unchanged
    assert "<b>" not in through_wrapper(page)  # written as Jinja's tojson writes it
    # From the page's address, the wrapper's parameter names Material's worker.
    page_url = "https://example.org/docs/calculator/"
    wrapper = urljoin(page_url, changed["search"])
    assert urljoin(wrapper, changed["search"].split("worker=")[1]) == "https://example.org/docs/assets/javascripts/workers/search.1234.min.js"
    assert through_wrapper(through_wrapper(page)) == through_wrapper(page)


def test_a_page_without_material_s_config_is_an_error():
    with pytest.raises(NoSearchConfig, match="__config"):
        through_wrapper("<html><body></body></html>")
    with pytest.raises(NoSearchConfig, match="search worker"):
        through_wrapper(_page({"base": ".."}))


def test_only_the_calculator_page_uses_the_wrapper(site):
    folder = site[1]
    for page in folder.rglob("index.html"):
        config = _config(page.read_text(encoding="utf-8"))
        relative = page.parent.relative_to(folder).as_posix()
        if relative == "calculator":
            wrapper, worker = config["search"].split("?worker=")
            assert (page.parent / wrapper).resolve() == (folder / WRAPPER).resolve()
            assert ((folder / WRAPPER).parent / worker).resolve().is_file()
        else:
            assert WRAPPER not in config["search"], relative


def test_only_english_search_goes_through_the_wrapper():
    check_languages(["en"])
    with pytest.raises(NoSearchConfig, match=r"\['de'\].*assets/javascripts/workers"):
        check_languages(["en", "de"])
