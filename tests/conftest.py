"""Shared fixtures: the shipped rules, and a helper that evaluates with overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from build_scripts.local_site import free_port, serve
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


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """(base URL, site folder): built with site_url = the served address, so
    Material's instant navigation stays in the page as it does for readers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    folder = tmp_path_factory.mktemp("site")
    build_site(folder, site_url=base)
    server = serve(folder, port)
    yield base, folder
    server.shutdown()
