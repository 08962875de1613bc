"""Shared fixtures: the shipped rules, and a helper that evaluates with overrides."""

from __future__ import annotations

from typing import Any

import pytest

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
