"""Pages start in the state Material's palette code puts them in first.

When Material's bundle starts it marks the body ``data-md-color-switching``
(its stylesheet turns every transition off under that mark), applies the
palette, reads the header's computed colours, and removes the mark again.
Adding the attribute matches ``[data-md-color-switching] *``, so Chromium
restyles every element of the page: a full style recalculation inside the
bundle's first long task (about 12 ms on the tree page's 700 elements on a
desktop CPU, four times that on Lighthouse's phone). A page that already
carries the mark makes Material's setAttribute a no-op: one full restyle
fewer on every page load. Material removes the mark as it always does, so
transitions come back once the palette is applied; without JavaScript the
page simply has none, which nothing needs.
"""

from __future__ import annotations

import re

MARK = "data-md-color-switching"

# Material's <body> carries the palette attributes (data-md-color-scheme and
# friends); that is the element its palette code marks.
_BODY = re.compile(r"<body\b(?P<attrs>[^>]*\bdata-md-color-scheme=[^>]*)>")


class NoPaletteBody(ValueError):
    """The page has no <body data-md-color-scheme=...>: not a Material page."""


def start_switching(html: str) -> str:
    """``html`` with Material's switching mark on its <body> (unchanged if it has one)."""
    match = _BODY.search(html)
    if match is None:
        raise NoPaletteBody("no <body data-md-color-scheme=...> to mark: is the theme still Material with a palette?")
    if re.search(rf"\s{MARK}(?=[\s=>])", match["attrs"]):
        return html
    return f"{html[: match.start()]}<body {MARK}{match['attrs']}>{html[match.end():]}"
