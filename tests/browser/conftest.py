"""Browser fixtures: the site built once, served on 127.0.0.1, and Debian's
Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest

from build_scripts.local_site import CHROMIUM, CHROMIUM_ARGS, free_port, serve
from build_scripts.site_build import build_site

# A project page's address: the site built for it and served under its path.
PUBLIC_URL = "https://example.org/sub/"
SUBPATH = "/sub/"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield browser
        browser.close()


class Visit:
    """A fresh browser context that records every request and console error."""

    def __init__(self, browser, base: str, site: Path) -> None:
        self.base = base
        self.site = site
        self.context = browser.new_context(viewport={"width": 1440, "height": 900})
        self.requests: list[str] = []
        self.finished: list[str] = []  # requests answered in full (not a refused cache probe)
        self.errors: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.context.on("requestfinished", lambda r: self.finished.append(r.url))
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.set_default_timeout(90_000)

    def foreign_requests(self) -> list[str]:
        """Every request that went anywhere but the site's own host."""
        own = urlsplit(self.base).netloc
        return [
            url for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != own
        ]


@pytest.fixture
def visit(browser, site) -> Iterator[Visit]:
    v = Visit(browser, *site)
    yield v
    v.context.close()


@pytest.fixture(scope="session")
def subpath_site(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """(served base URL, site folder): built with SITE_URL = PUBLIC_URL and
    served at http://127.0.0.1:PORT/sub/, with the site's 404.html for
    anything missing, as GitHub Pages serves a project page."""
    port = free_port()
    folder = tmp_path_factory.mktemp("subpath-site")
    build_site(folder, site_url=PUBLIC_URL)
    server = serve(folder, port, prefix=SUBPATH)
    yield f"http://127.0.0.1:{port}{SUBPATH}", folder
    server.shutdown()


@pytest.fixture
def subpath_visit(browser, subpath_site) -> Iterator[Visit]:
    v = Visit(browser, *subpath_site)
    yield v
    v.context.close()


def wait_until(page, condition: str, timeout_ms: int = 90_000) -> None:
    """Wait until ``condition`` (the source of a JavaScript function that
    returns a boolean) holds in the page.

    Playwright's wait_for_function polls by evaluating a string inside the
    page, which the site's policy (no 'unsafe-eval') refuses once the first
    check has failed; page.evaluate compiles its function outside the page's
    policy, so the polling lives in there.
    """
    page.evaluate(
        """([source, limit]) => new Promise((done, fail) => {
            const start = performance.now();
            const tick = () => {
                if (CONDITION()) return done(true);
                if (performance.now() - start > limit) return fail(new Error(`timed out waiting for ${source}`));
                setTimeout(tick, 50);
            };
            tick();
        })""".replace("CONDITION", f"({condition})"),
        [condition, timeout_ms],
    )


@contextlib.contextmanager
def framing_host(folder: Path, src: str) -> Iterator[str]:
    """Another site (another port, so another origin) whose page frames
    ``src`` as the documents page's embed snippet does; yields its address."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(
        f'<!doctype html><title>Host</title><iframe id="framed" src="{src}"'
        ' width="800" height="900" title="Build vs buy calculator"></iframe>',
        encoding="utf-8",
    )
    port = free_port()
    host = serve(folder, port)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        host.shutdown()
