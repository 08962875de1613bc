"""A strict Content-Security-Policy for the built site.

Written after the build, from the final HTML: every page gets the same
``<meta http-equiv="Content-Security-Policy">`` as the first thing after its
charset, and ``header_lines`` gives the same policy for a ``_headers`` file
(Netlify, Cloudflare Pages and the like read one).

Why one policy for all pages: Material's instant navigation keeps the first
page's document, and so its policy, while it swaps in the next page's content
and runs that page's inline scripts. The script hashes are therefore the union
over every page's inline scripts, and each page carries the whole union.

What the policy allows, and why:

- scripts: this site's files, plus the SHA-256 of each inline script that
  remains (Material's ``__md_scope`` and palette code, the embed switch in
  overrides/main.html, Material's anchor fix). Never 'unsafe-inline' or
  'unsafe-eval'. Pyodide compiles WebAssembly, which needs
  'wasm-unsafe-eval' and nothing more.
- styles: this site's files, plus the hashes of the inline ``<style>``
  elements and ``style`` attributes that remain in our markup (the diagram's);
  hashes of attributes need 'unsafe-hashes', which allows exactly those
  attribute values and no others. Material's and our scripts set styles through
  the CSSOM (``element.style``), which a policy does not govern.
- images: this site and data: URLs (Material's icons are inline SVG, the
  diagram download builds one).
- workers, fetches, forms, base: this site only (fonts and the rest fall
  back to default-src 'self'); no plugins.

``frame-ancestors`` cannot be delivered in a meta tag, and the calculator is
meant to be embedded in other sites' iframes, so the header leaves it out
(allowing every ancestor) rather than list any.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

META_START = '<meta http-equiv="Content-Security-Policy"'

# Script types a browser runs; anything else (Material's application/json
# config) is data, which a policy does not govern.
_RUNNABLE_TYPES = {"", "text/javascript", "application/javascript", "module"}

_META_PATTERN = re.compile(r'\s*<meta http-equiv="Content-Security-Policy"[^>]*>', re.IGNORECASE)
_CHARSET_PATTERN = re.compile(r"<meta\s+charset=[^>]*>", re.IGNORECASE)
_HEAD_PATTERN = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


def source_hash(text: str) -> str:
    """The CSP source expression for an inline script, style or attribute."""
    # Browsers hash the text after the HTML parser has turned CR LF into LF.
    digest = hashlib.sha256(text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@dataclass
class InlineCode:
    """The inline code of one or more documents, as CSP hash sources."""

    scripts: set[str] = field(default_factory=set)
    styles: set[str] = field(default_factory=set)
    style_attributes: set[str] = field(default_factory=set)

    def update(self, other: InlineCode) -> None:
        self.scripts |= other.scripts
        self.styles |= other.styles
        self.style_attributes |= other.style_attributes


class _InlineCodeFinder(HTMLParser):
    """Collects inline scripts, <style> elements and style attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = InlineCode()
        self._open: str | None = None  # "script" or "style" while inside one
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("style") is not None:
            self.found.style_attributes.add(source_hash(attributes["style"]))
        runnable = (attributes.get("type") or "").strip().lower() in _RUNNABLE_TYPES
        if tag == "script" and "src" not in attributes and runnable:
            self._open, self._text = "script", []
        elif tag == "style":
            self._open, self._text = "style", []

    def handle_data(self, data):
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == self._open:
            text = "".join(self._text)
            (self.found.scripts if tag == "script" else self.found.styles).add(source_hash(text))
            self._open = None


def inline_code_of_html(text: str) -> InlineCode:
    finder = _InlineCodeFinder()
    finder.feed(_META_PATTERN.sub("", text))
    finder.close()
    return finder.found


def inline_code_of_svg(text: str) -> InlineCode:
    """An SVG file opened on its own runs under the header policy too."""
    found = InlineCode()
    for element in ET.fromstring(text.encode("utf-8")).iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "style":
            found.styles.add(source_hash(element.text or ""))
        if element.get("style") is not None:
            found.style_attributes.add(source_hash(element.get("style")))
    return found


def policy(code: InlineCode) -> str:
    """The policy for a site whose inline code is ``code``."""
    scripts = " ".join(sorted(code.scripts))
    styles = " ".join(sorted(code.styles | code.style_attributes))
    unsafe_hashes = " 'unsafe-hashes'" if code.style_attributes else ""
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'wasm-unsafe-eval' {scripts}".rstrip(),
        f"style-src 'self'{unsafe_hashes} {styles}".rstrip(),
        "img-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
    return "; ".join(directives)


def meta_tag(site_policy: str) -> str:
    # The policy holds single quotes and no double ones: only & and < need care.
    return f'{META_START} content="{html.escape(site_policy, quote=False)}">'


def with_meta(page: str, site_policy: str) -> str:
    """``page`` with exactly one policy meta, right after its charset (the
    charset must stay within the first 1024 bytes; the policy must come
    before any script, style or stylesheet it governs)."""
    page = _META_PATTERN.sub("", page)
    anchor = _CHARSET_PATTERN.search(page) or _HEAD_PATTERN.search(page)
    if anchor is None:
        raise ValueError("no <head> to put the Content-Security-Policy in")
    return page[: anchor.end()] + "\n    " + meta_tag(site_policy) + page[anchor.end() :]


def site_inline_code(site: Path) -> InlineCode:
    code = InlineCode()
    for page in sorted(site.rglob("*.html")):
        code.update(inline_code_of_html(page.read_text(encoding="utf-8")))
    for drawing in sorted(site.rglob("*.svg")):
        code.update(inline_code_of_svg(drawing.read_text(encoding="utf-8")))
    return code


def apply_to_site(site: Path) -> str:
    """Write the site's policy into every page of the built ``site``; return it."""
    site_policy = policy(site_inline_code(site))
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        page.write_text(with_meta(text, site_policy), encoding="utf-8")
    return site_policy


def header_lines(site_policy: str) -> list[str]:
    """The policy as lines of a ``_headers`` file, for every path of the site.

    The header also covers what a meta tag cannot: the engine's worker script
    (a worker runs under its own response's policy, not the page's) and the
    standalone diagram files. No frame-ancestors: see the module's docstring.
    """
    return ["/*", f"  Content-Security-Policy: {site_policy}"]
