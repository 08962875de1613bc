"""Shared fixtures: the shipped rules, and a helper that evaluates with overrides."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

from build_scripts.site_build import build_site

from calculator import default_rules, evaluate
from calculator.models import Rules


@pytest.fixture(scope="session")
def rules() -> Rules:
    return default_rules()


def answer(**inputs: Any) -> dict[str, Any]:
    """Evaluate and insist the inputs were valid."""
    result = evaluate(inputs)
    assert "errors" not in result, result
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript", ".wasm": "application/wasm"}

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """(base URL, site folder): built with site_url = the served address, so
    Material's instant navigation stays in the page as it does for readers."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    folder = tmp_path_factory.mktemp("site")
    build_site(folder, site_url=base)
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, folder
    server.shutdown()
