"""Typed, immutable models of the rule data, and the spec's fixed vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Mapping

from .conditions import Condition

# The vocabulary every interface shares (framework-spec.md). The rule file
# supplies the texts; these ids are the contract and may not change with it.
LEAF_IDS: Final = ("api", "prompting", "rag_prompting", "fine_tune", "custom", "small_model", "self_hosted")
OPTION_IDS: Final = ("api", "fine_tune", "custom")  # also the cost tie-break order
FIELD_IDS: Final = (
    "privacy_required",
    "latency_budget_ms",
    "generic_task",
    "needs_specific_behavior",
    "prompting_reliable",
    "labeled_examples",
    "has_ml_team",
    "unique_requirements",
    "monthly_requests",
    "horizon_months",
    "api_cost_per_request",
    "fine_tune_run_cost",
    "retrain_every_months",
    "fine_tune_cost_per_request",
    "evaluation_monthly",
    "custom_build_cost",
    "custom_cost_per_request",
    "custom_maintenance_monthly",
)
FIELD_TYPES: Final = ("bool", "number", "integer", "choice")
# Where a field's default comes from: the article's figures, our assumption,
# or (for the decision questions) the plain "no" / "not yet" of an answer.
FIELD_SOURCES: Final = ("article", "assumption", "answer")
BREAK_EVEN_PAIRS: Final = (("fine_tune", "api"), ("custom", "api"), ("custom", "fine_tune"))


@dataclass(frozen=True, slots=True)
class Fact:
    """A figure from the article: a single ``value`` or a ``low``-``high`` range."""

    id: str
    label: str
    unit: str
    statement: str
    value: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True, slots=True)
class Option:
    """One of the three ways to get the feature, as the article describes it."""

    id: str
    title: str
    stance: str
    summary: str
    speed: str
    control: str
    cost: str
    fits: str


@dataclass(frozen=True, slots=True)
class Target:
    """Where an answer leads: ``kind`` is "question" or "leaf"."""

    kind: str
    id: str

    @property
    def is_leaf(self) -> bool:
        return self.kind == "leaf"


@dataclass(frozen=True, slots=True)
class Question:
    """A node of the decision tree; ``yes`` and ``no`` lead to a question or a leaf."""

    id: str
    title: str
    question: str
    help: str
    examples: tuple[str, ...]
    test: Condition
    yes: Target
    no: Target
    no_note: str | None = None


@dataclass(frozen=True, slots=True)
class Leaf:
    """A recommendation; ``option`` is the cost-model option it spends on."""

    id: str
    title: str
    option: str
    action: str
    why: str
    next_steps: tuple[str, ...]
    cost_note: str | None = None


@dataclass(frozen=True, slots=True)
class Consideration:
    id: str
    when: Condition
    text: str


@dataclass(frozen=True, slots=True)
class Field:
    """An input field: its type, default, bounds and the texts the form shows."""

    id: str
    type: str
    label: str
    help: str
    group: str
    source: str
    default: Any = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    nullable: bool = False
    choices: tuple[str, ...] = ()
    choice_labels: tuple[str, ...] = ()
    question: str | None = None
    article_low: float | None = None
    article_high: float | None = None


@dataclass(frozen=True, slots=True)
class Preset:
    id: str
    title: str
    description: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RuleStep:
    option: str
    text: str


@dataclass(frozen=True, slots=True)
class Release:
    version: str
    date: str
    changes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    author: str
    publisher: str
    summary: str
    note: str


@dataclass(frozen=True, slots=True)
class Rules:
    """The whole framework. Lookups by id keep the rule file's order."""

    version: str
    source: Source
    changelog: tuple[Release, ...]
    facts: Mapping[str, Fact]
    options: Mapping[str, Option]
    questions: Mapping[str, Question]
    leaves: Mapping[str, Leaf]
    considerations: tuple[Consideration, ...]
    fields: Mapping[str, Field]
    groups: Mapping[str, str]
    presets: Mapping[str, Preset]
    rule_of_thumb_summary: str
    rule_of_thumb: tuple[RuleStep, ...]

    @property
    def root(self) -> str:
        """The first question of the tree."""
        return next(iter(self.questions))

    def defaults(self) -> dict[str, Any]:
        """The input object with every field at its default."""
        return {f.id: f.default for f in self.fields.values()}
