"""The answer as plain text for a terminal: ``python -m calculator explain``."""

from __future__ import annotations

from typing import Mapping

from .answer import Answer
from .formatting import count, money
from .report import band_text, break_even_text, credit_text, figures_text, later_runs_text, option_marks


def explain(ans: Answer) -> str:
    """Every part of an answer, in the order a reader needs it."""
    leaf = ans.leaf
    lines = [f"Recommendation: {leaf.title} ({leaf.id})", f"  {leaf.action}", f"  Why: {leaf.why}", "  Next steps:"]
    lines += [f"    {i}. {step}" for i, step in enumerate(leaf.next_steps, 1)]

    lines += ["", "How the tree got there:"]
    lines += [f"  {i}. {s.question.question}  {s.label.lower()}" for i, s in enumerate(ans.path, 1)]

    lines += ["", "What would change the answer:"]
    lines += [f"  - {c.question.title}: {c.text}" for c in ans.changes]

    lines += ["", f"Costs over {ans.horizon} months at {count(ans.volume)} requests a month:"]
    lines.append(f"  {'option':<20}{'up front':>12}{'monthly':>14}{'total':>16}")
    for c in ans.costs:
        lines.append(f"  {c.option.title:<20}{money(c.up_front):>12}{money(c.monthly):>14}{money(c.total):>16}")
        details = [f"later training runs: {later_runs_text(c)}"] if c.runs is not None else []
        details.append(f"using the article's ranges: {band_text(c)}")
        marks = option_marks(c)
        if marks:
            details.append(", ".join(marks) + (f" ({c.ruled_out})" if c.ruled_out else ""))
        lines += [f"    {d}" for d in details]
    cheapest = ans.cheapest.title if ans.cheapest else "none (every option is ruled out)"
    lines.append(f"  Cheapest over the horizon, of the options not ruled out: {cheapest}")
    lines.append(f"  Figures: {figures_text(ans)}.")

    lines += ["", "Break-even volumes:"]
    lines += [f"  - {break_even_text(b)}" for b in ans.break_evens]

    lines += ["", "Considerations:"]
    lines += [f"  - {c.text}" for c in ans.considerations] or ["  (none for these inputs)"]
    lines += ["", credit_text(ans)]
    return "\n".join(lines) + "\n"


def explain_errors(errors: list[Mapping[str, str]]) -> str:
    """Input errors, one per line, each starting with its field."""
    return "".join(f"error: {e['field']}: {e['message']}\n" for e in errors)
