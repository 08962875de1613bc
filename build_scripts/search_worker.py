"""The calculator page starts Material's search worker through our wrapper.

``docs/javascripts/search-worker.js`` holds Material's search index back
until the page's engine has settled (or the reader searches): on a 2-core
machine its build competed with the engine's start. Material reads the
worker's URL from the page's ``__config`` JSON; on a page with
``engine: true`` in its front matter that URL becomes the wrapper's, with
Material's own as its ``worker`` parameter (relative to the wrapper).
"""

from __future__ import annotations

import json
import posixpath
import re

WRAPPER = "javascripts/search-worker.js"

_CONFIG = re.compile(r'(<script id="__config" type="application/json">)(?P<json>.*?)(</script>)', re.S)


class NoSearchConfig(ValueError):
    """The page has no Material __config with a search worker."""


def check_languages(languages: list[str]) -> None:
    """Material's worker imports lunr's files for a language other than
    English relative to its own address, which the wrapper changes (the
    wrapper sits in javascripts/, Material's worker in
    assets/javascripts/workers/): only English search works through it."""
    other = [language for language in languages if language != "en"]
    if other:
        raise NoSearchConfig(
            f"search languages {other}: the calculator page's search wrapper ({WRAPPER}) only serves English search; "
            "move it beside Material's worker (assets/javascripts/workers/) before adding another language"
        )


def through_wrapper(page_html: str) -> str:
    """``page_html`` with Material's search worker started through the wrapper."""
    match = _CONFIG.search(page_html)
    if match is None:
        raise NoSearchConfig('no <script id="__config"> in the page: is the theme still Material?')
    config = json.loads(match["json"])
    search, base = config.get("search"), config.get("base")
    if not (isinstance(search, str) and isinstance(base, str)):
        raise NoSearchConfig("Material's __config has no search worker or base")
    if WRAPPER in search:
        return page_html
    from_root = posixpath.normpath(posixpath.relpath(search, base))
    config["search"] = f"{base}/{WRAPPER}?worker=../{from_root}"
    # As Jinja's tojson writes it: no <, > or & that HTML could read.
    text = json.dumps(config).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"{page_html[: match.start('json')]}{text}{page_html[match.end('json') :]}"
