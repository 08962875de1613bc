"""The Content-Security-Policy written by build_scripts/csp.py.

Statically: every page carries exactly one policy meta, before anything it
governs, naming the hash of every inline script and style that remains; and
_headers carries the same policy. In Chromium: no `securitypolicyviolation`
and no console CSP error on any page, through a calculator change, through
instant navigation, in an embed, and with the policy sent as a real header
(which also governs the engine's worker).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from build_scripts.local_site import _QuietHandler, free_port
from tests.browser.conftest import framing_host
from tests.browser.site_pages import page_files, page_paths

META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.IGNORECASE | re.DOTALL)
STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>", re.IGNORECASE | re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"', re.IGNORECASE)
RESULT_READY = '#calculator-result[data-status="ready"]'
ENGINE_MS = 90_000  # Pyodide starts in seconds; a loaded machine is slower

# Records every violation in the page's window, from before the first script.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber} (${(event.sample || "").slice(0, 60)})`);
});
"""


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def directive(policy: str, name: str) -> list[str]:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    raise AssertionError(f"no {name} in {policy}")


# ---------------------------------------------------------------------------
# The built files.


def test_every_page_has_one_policy_first_in_head_covering_its_inline_code(site):
    folder = site[1]
    files = page_files(folder)
    assert len(files) >= 8
    policies = set()
    for file in files:
        text = file.read_text(encoding="utf-8")
        metas = META.findall(text)
        assert len(metas) == 1, f"{file}: {len(metas)} policy metas"
        policy = html.unescape(metas[0])
        policies.add(policy)
        head = text[: text.index("</head>")]
        first_governed = min(
            (head.find(tag) for tag in ("<script", "<style", "<link") if tag in head), default=len(head)
        )
        assert head.find("Content-Security-Policy") < first_governed, f"{file}: policy after a script/style/link"

        scripts = directive(policy, "script-src")
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
        assert scripts[:2] == ["'self'", "'wasm-unsafe-eval'"]
        for attributes, code in INLINE_SCRIPT.findall(text):
            if "application/json" in attributes:
                continue  # data, not run
            assert sha256_source(code) in scripts, f"{file}: inline script not in the policy: {code[:80]!r}"
        styles = directive(policy, "style-src")
        assert "'unsafe-inline'" not in styles
        for code in STYLE_ELEMENT.findall(text):
            assert sha256_source(code) in styles, f"{file}: <style> not in the policy: {code[:80]!r}"
        for value in STYLE_ATTRIBUTE.findall(text):
            assert sha256_source(html.unescape(value)) in styles, f"{file}: style={value!r} not in the policy"
        for name, value in (("object-src", ["'none'"]), ("base-uri", ["'self'"]), ("default-src", ["'self'"])):
            assert directive(policy, name) == value
    # One policy for all: instant navigation keeps the first page's.
    assert len(policies) == 1, policies
    headers = (folder / "_headers").read_text(encoding="utf-8").splitlines()
    assert headers[0] == "/*"
    assert f"  Content-Security-Policy: {policies.pop()}" in headers


# ---------------------------------------------------------------------------
# In Chromium.


class Watched:
    """A browser context that records CSP violations and console CSP errors."""

    def __init__(self, browser, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.console: list[str] = []
        self.page = self.context.new_page()
        self.page.set_default_timeout(90_000)
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def violations(self, frame=None) -> list[str]:
        return (frame or self.page).evaluate("window.__cspViolations || ['(no recorder)']") + self.console

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser, site):
    w = Watched(browser, site[0])
    yield w
    w.close()


def test_no_violation_on_any_page(watched, site):
    page = watched.page
    for path in page_paths(site[1]):
        page.goto(watched.base + path)
        page.wait_for_load_state("load")
        # The inline scripts and Material's bundle ran under the policy.
        assert page.evaluate("typeof __md_scope === 'object' && typeof document$ === 'object'"), path
        if path == "calculator/":
            expect(page.locator(RESULT_READY)).to_have_count(1, timeout=ENGINE_MS)
        assert watched.violations() == [], path


def test_no_violation_through_a_calculator_change(watched):
    page = watched.page
    page.goto(watched.base + "calculator/")
    expect(page.locator(RESULT_READY)).to_have_count(1, timeout=ENGINE_MS)
    page.locator("#f-privacy_required").check()
    expect(page.locator(f'{RESULT_READY}[data-recommendation="self_hosted"]')).to_have_count(1, timeout=ENGINE_MS)
    page.locator(".bvb-preset").first.click()
    expect(page.locator(RESULT_READY)).to_have_count(1, timeout=ENGINE_MS)
    assert watched.violations() == []


def test_no_violation_through_instant_navigation(watched, site):
    page = watched.page
    page.goto(watched.base)
    page.evaluate("window.__firstDocument = true")
    # The site's pages in the navigation (not the table of contents' anchors).
    links = page.locator(".md-nav--primary > .md-nav__list > .md-nav__item > a.md-nav__link[href]")
    targets = [href for href in links.evaluate_all("links => links.map((a) => a.getAttribute('href'))")]
    assert len(targets) >= 7, targets
    for href in targets:
        page.locator(f'.md-nav--primary > .md-nav__list > .md-nav__item > a.md-nav__link[href="{href}"]').click()
        page.wait_for_url(re.compile(re.escape(href.lstrip("./")) + "$"))
        expect(page.locator("h1").first).to_be_visible()
        if "calculator" in href:
            expect(page.locator(RESULT_READY)).to_have_count(1, timeout=ENGINE_MS)
        # Still the first document: Material swapped the content in.
        assert page.evaluate("window.__firstDocument === true"), f"{href} was a full page load"
    assert watched.violations() == []


def test_no_violation_in_an_embed(watched, tmp_path):
    page = watched.page
    page.goto(watched.base + "calculator/?embed=1")
    expect(page.locator("html.bvb-embed")).to_have_count(1)  # the inline embed switch ran
    expect(page.locator(RESULT_READY)).to_have_count(1, timeout=ENGINE_MS)
    assert watched.violations() == []
    # And framed by another site's page: another port is another origin.
    with framing_host(tmp_path / "host", f"{watched.base}calculator/?embed=1") as host:
        page.goto(host)
        frame = page.frame_locator("#framed")
        expect(frame.locator(RESULT_READY)).to_have_count(1, timeout=ENGINE_MS)
        inner = next(f for f in page.frames if "calculator" in f.url)
        assert watched.violations(inner) == []


class _HeadersHandler(_QuietHandler):
    """Serves the site as a host that reads _headers would: every response
    carries the headers listed under "/*"."""

    extra: tuple[tuple[str, str], ...] = ()

    def end_headers(self) -> None:
        for name, value in self.extra:
            self.send_header(name, value)
        super().end_headers()


def _headers_for_every_path(site: Path) -> tuple[tuple[str, str], ...]:
    lines = (site / "_headers").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "/*"
    # The "/*" block: its indented lines, up to the next path (the cache rules).
    block = []
    for line in lines[1:]:
        if not line.startswith((" ", "\t")):
            break
        block.append(line)
    return tuple(tuple(part.strip() for part in line.split(":", 1)) for line in block if line.strip())


def test_header_policy_lets_the_engine_and_its_worker_run(browser, site):
    import http.server
    import threading

    handler = type("Handler", (_HeadersHandler,), {"extra": _headers_for_every_path(site[1])})
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(site[1])))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    watched = Watched(browser, f"http://127.0.0.1:{port}/")
    try:
        page = watched.page
        response = page.goto(watched.base + "calculator/")
        assert "wasm-unsafe-eval" in response.headers["content-security-policy"]
        # The worker runs under the header (a meta does not reach workers):
        # the engine still loads Pyodide and answers.
        expect(page.locator(RESULT_READY)).to_have_count(1, timeout=ENGINE_MS)
        page.locator("#f-privacy_required").check()
        expect(page.locator(f'{RESULT_READY}[data-recommendation="self_hosted"]')).to_have_count(1, timeout=ENGINE_MS)
        assert watched.violations() == []
    finally:
        watched.close()
        server.shutdown()
