"""The Build-vs-Buy framework for AI features, as a pure-Python engine.

Standard library only; the same code runs in CPython and in Pyodide.
"""

from .engine import evaluate, evaluate_json, evaluate_query, evaluate_valid
from .inputs import parse_query, validate
from .rules import RuleError, default_rules, load_rules

__all__ = [
    "RuleError",
    "default_rules",
    "evaluate",
    "evaluate_json",
    "evaluate_query",
    "evaluate_valid",
    "load_rules",
    "parse_query",
    "validate",
]
