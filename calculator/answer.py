"""The engine's answer as one typed view.

Every output renders from :class:`Answer`: the page's result panel and its
Markdown copy (calculator.report), the command line (calculator.explain) and
the site's pages (build_scripts.page_blocks). :meth:`Answer.to_json` is the
result object of the JSON contract; it is the one place where a break-even's
key ("fine_tune_vs_api") is spelled.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from .costs import Band
from .formatting import amount_for, figure_range
from .models import Field, Leaf, Option, Question, Rules, Source
from .plan import plan_for


def provenance(field: Field, value: Any) -> str:
    """Where a figure comes from, in words a reader understands."""
    if value != field.default:
        return "your figure"
    if field.source == "article":
        return "the article's figure"
    if field.source == "article_range":
        return f"our default within the article's range ({article_range(field)})"
    if field.source == "assumption":
        return "our assumption"
    return "your answer"


def default_source_note(field: Field) -> str:
    """The form's note on where a field's default comes from: the words of
    :func:`provenance`, with the article's range or our rationale."""
    if field.source == "answer":
        return ""
    words = provenance(field, field.default)
    if field.source == "article":
        words += f" ({article_range(field)})"
    elif field.source == "assumption":
        words += f": {field.rationale}"
    words = words[0].upper() + words[1:]
    return words if words.endswith(".") else words + "."


def article_range(field: Field) -> str:
    """The article's figure for a field: "$0.01-0.10", or "$50,000+" for a floor."""
    dollars = (field.unit or "").startswith("$")
    return figure_range(field.article_low, field.article_high, dollars=dollars)


# The answer and its records are NamedTuples, immutable like the frozen
# dataclasses of the models but several times cheaper to build: an answer
# makes two dozen of them.


class Step(NamedTuple):
    """One question on the path and the answer taken ("yes" or "no"); a
    question decided by a choice also keeps the chosen ``value``."""

    question: Question
    answer: str
    value: str | None
    label: str  # the answer in words: "Yes", "No", or the choice's label


class Change(NamedTuple):
    """The other answer to a question on the path: where it leads, and how to get it."""

    question: Question
    answer: str
    leaf: Leaf
    changes_answer: bool
    ways: list[list[dict[str, Any]]]
    text: str


class Note(NamedTuple):
    """A consideration that holds for these inputs."""

    id: str
    text: str


class OptionCost(NamedTuple):
    """One option's costs. ``one_off`` is everything paid outside the monthly
    bill over the horizon; ``up_front`` is the part paid at the start, and
    ``runs`` counts the payments (training runs) when the option repeats it."""

    option: Option
    one_off: float
    up_front: float
    runs: int | None
    monthly: float
    total: float
    band: Band | None
    ruled_out: str | None  # the reason, when a hard constraint rules it out
    cheapest: bool
    recommended: bool

    @property
    def later_runs(self) -> float:
        return self.one_off - self.up_front


class BreakEven(NamedTuple):
    """The first monthly volume at which ``challenger`` costs no more than
    ``incumbent`` over the horizon; None where no volume gets there."""

    challenger: Option
    incumbent: Option
    at: int | None

    @property
    def key(self) -> str:
        return f"{self.challenger.id}_vs_{self.incumbent.id}"


class Figure(NamedTuple):
    """A cost input as used, with where it comes from."""

    field: Field
    value: Any
    source: str
    text: str  # "Label value (source)", as the lists of figures write it


def figure(field: Field, value: Any) -> Figure:
    """A cost input's figure, its source and its text."""
    source = provenance(field, value)
    if value is None:
        shown = "none"
    elif field.type in ("number", "integer"):
        shown = amount_for(value, field.unit, field.label)
    else:
        shown = str(value)
    return Figure(field, value, source, f"{field.label} {shown} ({source})")


class Answer(NamedTuple):
    version: str
    source: Source
    inputs: Mapping[str, Any]
    query: str
    leaf: Leaf
    option: Option  # the option whose cost line the leaf spends like
    path: tuple[Step, ...]
    changes: tuple[Change, ...]
    considerations: tuple[Note, ...]
    volume: int
    horizon: int
    costs: tuple[OptionCost, ...]
    cheapest: Option | None
    break_evens: tuple[BreakEven, ...]
    figures: tuple[Figure, ...]

    def cost_of(self, option_id: str) -> OptionCost:
        return next(c for c in self.costs if c.option.id == option_id)

    def to_json(self) -> dict[str, Any]:
        """The result object of the JSON contract."""
        leaf = self.leaf
        return {
            "version": self.version,
            "inputs": dict(self.inputs),
            "query": self.query,
            "recommendation": {
                "id": leaf.id,
                "title": leaf.title,
                "option": leaf.option,
                "action": leaf.action,
                "why": leaf.why,
                "next_steps": list(leaf.next_steps),
            },
            "path": [_step_json(s) for s in self.path],
            "changes": [
                {
                    "node": c.question.id,
                    "answer": c.answer,
                    "leaf": c.leaf.id,
                    "changes_answer": c.changes_answer,
                    "ways": c.ways,
                    "text": c.text,
                }
                for c in self.changes
            ],
            "considerations": [{"id": n.id, "text": n.text} for n in self.considerations],
            "costs": {
                "monthly_requests": self.volume,
                "horizon_months": self.horizon,
                "options": {c.option.id: _cost_json(c) for c in self.costs},
                "cheapest": self.cheapest.id if self.cheapest else None,
            },
            "break_even": {b.key: b.at for b in self.break_evens},
            "figures": {f.field.id: f.source for f in self.figures},
        }


def _step_json(step: Step) -> dict[str, str]:
    out = {"node": step.question.id, "answer": step.answer}
    if step.value is not None:
        out["value"] = step.value
    return out


def _cost_json(c: OptionCost) -> dict[str, Any]:
    out: dict[str, Any] = {
        "one_off": c.one_off,
        "up_front": c.up_front,
        "monthly": c.monthly,
        "total": c.total,
        "band": None if c.band is None else {"low": c.band.low, "high": c.band.high, "mixed": c.band.mixed},
    }
    if c.runs is not None:
        out["training_runs"] = c.runs
    if c.ruled_out is not None:
        out["ruled_out"] = True
        out["reason"] = c.ruled_out
    return out


def figures(rules: Rules, inputs: Mapping[str, Any]) -> tuple[Figure, ...]:
    """The inputs that are figures rather than answers, with their sources
    (a field at its default has one Figure, made once per rule set)."""
    out = []
    for at_default in plan_for(rules).figures:
        field = at_default.field
        value = inputs[field.id]
        # "is": a field left out holds the default object itself; an equal
        # value typed in (-0.0 for 0.0, say) keeps its own Figure.
        out.append(at_default if value is field.default else figure(field, value))
    return tuple(out)
