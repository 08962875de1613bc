"""Loading the rule file into typed models, refusing bad data by name.

:func:`load_rules` is the only reader of ``rules.toml``. Each model is built
by the function beside its type in calculator.models; this module puts the
tables in order and checks what spans several of them (the tree's shape,
one preset per leaf, references by id). Every problem is a
:class:`RuleError` whose message names the place (``questions[2]
'generic'``) and the key, so an author can fix the file without reading code.
"""

from __future__ import annotations

import functools
import re
import string
import tomllib
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Mapping

from .formatting import count, figure_range, money
from .models import (
    Consideration,
    CostModel,
    Fact,
    Field,
    FormChoice,
    Leaf,
    Option,
    Preset,
    Question,
    Release,
    Rules,
    RuleStep,
    Source,
)
from .table import TOP, RuleError, Table, by_id, check_ids

__all__ = ["RuleError", "default_rules", "load_rules", "fact_figure", "placeholders_in"]

RULES_FILE: Final = "rules.toml"
FACT_PREFIX: Final = "facts."
# "{facts.<id>}" (or "{facts.<id>.low}") in any text of the rule file is
# replaced by that fact's figure when the file is loaded, so each figure is
# written down once.
FACT_IN_TEXT: Final = re.compile(r"\{facts\.(\w+?)(?:\.(value|low|high))?\}")
# Placeholders a consideration may use besides the input fields; the
# per-option ones are checked against the options by pattern.
PLACEHOLDERS: Final = frozenset({"cheapest_title", "cheapest_total", "recommended_title", "recommended_total"})
OPTION_PLACEHOLDER: Final = re.compile(r"total_(\w+)|extra_(\w+?)_over_(\w+)")


class _Scope:
    """What is loaded so far, as the model builders and conditions see it."""

    def __init__(self, facts: Mapping[str, Fact]) -> None:
        self.facts = facts
        self.fields: Mapping[str, Field] = {}
        self.options: Mapping[str, Option] = {}
        self.leaves: Mapping[str, Leaf] = {}

    def figure(self, table: Table, key: str, *, required: bool = True) -> float | None:
        """A number, or a reference "facts.<id>" / "facts.<id>.low|high|value"."""
        value = table.get(key, (int, float, str), required=required)
        if not isinstance(value, str):
            return table.number(key, required=required)
        if not value.startswith(FACT_PREFIX):
            raise table.fail(key, f"must be a number or a reference like 'facts.<id>', not {value!r}")
        name, _, part = value.removeprefix(FACT_PREFIX).partition(".")
        return self._part(table, key, name, part or "value")

    def fact_part(self, table: Table, key: str, part: str) -> float:
        ref = table.get(key, (str,))
        if not ref.startswith(FACT_PREFIX):
            raise table.fail(key, f"must be a reference like 'facts.<id>', not {ref!r}")
        return self._part(table, key, ref.removeprefix(FACT_PREFIX), part)

    def _part(self, table: Table, key: str, name: str, part: str) -> float:
        fact = self.facts.get(name)
        if fact is None:
            raise table.fail(key, f"refers to unknown fact {name!r}")
        if part not in ("value", "low", "high") or getattr(fact, part) is None:
            raise table.fail(key, f"refers to {name}.{part}, which the fact does not have")
        return getattr(fact, part)


def _fill_texts(value: Any, where: str, facts: Mapping[str, Fact]) -> Any:
    """Replace {facts.<id>} in every text below ``value``; refuse raw HTML.

    Rule texts are plain text, put into HTML, Markdown, SVG and a terminal
    alike: a "<" would be markup on some of those and not on others.
    """
    if isinstance(value, str):
        if "<" in value:
            raise RuleError(f"{where}: contains '<'; rule texts are plain text, not HTML")

        def figure(match: re.Match[str]) -> str:
            fact = facts.get(match.group(1))
            part = match.group(2)
            if fact is None or (part and getattr(fact, part) is None):
                raise RuleError(f"{where}: refers to unknown fact {match.group(0)}")
            return fact_figure(fact, part)

        return FACT_IN_TEXT.sub(figure, value)
    if isinstance(value, list):
        return [_fill_texts(v, f"{where}[{i}]", facts) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _fill_texts(v, f"{where}.{k}" if where else k, facts) for k, v in value.items()}
    return value


def fact_figure(fact: Fact, part: str | None = None) -> str:
    """A fact's figure as the article writes it: "100", "200-500", "$0.01-0.10"."""
    write = money if fact.unit.startswith("$") else count
    if part:
        return write(getattr(fact, part))
    if fact.value is not None:
        return write(fact.value)
    return figure_range(fact.low, fact.high, dollars=fact.unit.startswith("$"))


def placeholders_in(text: str) -> list[str]:
    """The {names} a text uses; raises ValueError on a malformed brace."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def _consideration(t: Table, scope: _Scope) -> Consideration:
    ident = t.identify()
    from .conditions import load_condition

    when = load_condition(t.table("when"), scope, after_walk=True)
    text = t.text("text")
    try:
        names = placeholders_in(text)
    except ValueError as error:
        raise t.fail("text", f"has a broken placeholder: {error}") from None
    for name in names:
        match = OPTION_PLACEHOLDER.fullmatch(name)
        options = [o for o in (match.groups() if match else ()) if o]
        if name in scope.fields or name in PLACEHOLDERS or (options and all(o in scope.options for o in options)):
            continue
        raise t.fail("text", f"uses unknown placeholder {{{name}}}")
    t.done()
    return Consideration(ident, when, text)


def _check_tree(questions: Mapping[str, Question], leaves: Mapping[str, Leaf]) -> None:
    """The questions form a tree from the first one: every target exists, no
    cycle, no question reached twice, nothing unreachable."""
    for index, question in enumerate(questions.values()):
        for key in ("yes", "no"):
            target = getattr(question, key)
            check_ids(f"questions[{index}] '{question.id}'.{key}", target.kind, (target.id,),
                      known=leaves if target.is_leaf else questions)
        if question.yes == question.no:
            raise RuleError(f"questions[{index}] '{question.id}': both answers lead to {question.yes.kind} {question.yes.id!r}")
    root = next(iter(questions))
    reached: list[str] = []
    reached_leaves: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in reached:
            raise RuleError(f"questions: {node!r} is reached by more than one answer (or by a cycle); the questions must form a tree")
        reached.append(node)
        for target in (questions[node].no, questions[node].yes):
            if target.is_leaf:
                reached_leaves.add(target.id)
            else:
                stack.append(target.id)
    for index, ident in enumerate(questions):
        if ident not in reached:
            raise RuleError(f"questions[{index}] '{ident}': unreachable from the first question {root!r}")
    for ident in leaves:
        if ident not in reached_leaves:
            raise RuleError(f"leaves: leaf {ident!r} is unreachable from the first question {root!r}")


def _load(data: dict[str, Any]) -> Rules:
    top = Table(data, TOP)
    version = top.text("version")
    facts_t = top.table("facts")
    scope = _Scope({ident: Fact.load(ident, Table(body, f"facts.{ident}")) for ident, body in facts_t.data.items()})
    facts_t.used.update(facts_t.data)
    top.data = {k: v if k == "facts" else _fill_texts(v, k, scope.facts) for k, v in top.data.items()}

    source_t = top.table("source")
    source = Source(*(source_t.text(k) for k in ("title", "author", "publisher", "summary", "note")))
    source_t.done()
    changelog = []
    for t in top.tables("changelog"):
        changelog.append(Release(t.text("version"), t.text("date"), t.texts("changes")))
        t.done()
    if changelog[0].version != version:
        raise RuleError(f"changelog[0]: 'version' is {changelog[0].version!r}; the newest entry must be the rules' version {version!r}")
    check_ids("changelog", "version", (r.version for r in changelog))

    groups_t = top.table("groups")
    groups = {name: groups_t.text(name) for name in groups_t.data}
    scope.fields = by_id((Field.load(t, scope, groups) for t in top.tables("fields")), "fields", "field")
    scope.options = by_id((Option.load(t, scope) for t in top.tables("options")), "options", "option")
    cost_model = CostModel.load(top.table("cost_model"), scope.fields, scope.options)
    scope.leaves = by_id((Leaf.load(t, scope.options) for t in top.tables("leaves")), "leaves", "leaf")
    questions = by_id((Question.load(t, scope) for t in top.tables("questions")), "questions", "question")
    _check_tree(questions, scope.leaves)
    for index, field in enumerate(scope.fields.values()):
        if field.question is not None:
            check_ids(f"fields[{index}] '{field.id}'.question", "question", (field.question,), known=questions)
    considerations = by_id((_consideration(t, scope) for t in top.tables("considerations")), "considerations", "consideration")
    form_choices = by_id((FormChoice.load(t, scope.fields) for t in top.tables("form_choices", required=False)), "form_choices", "form choice")
    check_ids("form_choices", "field", (f for c in form_choices.values() for f in c.field_ids))
    presets = by_id((Preset.load(t, scope.fields, scope.leaves) for t in top.tables("presets")), "presets", "preset")

    thumb_t = top.table("rule_of_thumb")
    steps = []
    for t in thumb_t.tables("steps"):
        steps.append(RuleStep(t.text("option"), t.text("text")))
        t.done()
        check_ids(f"{t.where}.option", "option", (steps[-1].option,), known=scope.options)
    top.done()
    rules = Rules(
        version=version,
        source=source,
        changelog=tuple(changelog),
        facts=MappingProxyType(dict(scope.facts)),
        options=MappingProxyType(dict(scope.options)),
        cost_model=cost_model,
        questions=MappingProxyType(dict(questions)),
        leaves=MappingProxyType(dict(scope.leaves)),
        considerations=tuple(considerations.values()),
        fields=MappingProxyType(dict(scope.fields)),
        groups=MappingProxyType(groups),
        form_choices=MappingProxyType(dict(form_choices)),
        presets=MappingProxyType(dict(presets)),
        rule_of_thumb_summary=thumb_t.text("summary"),
        rule_of_thumb=tuple(steps),
    )
    thumb_t.done()
    _check_presets(rules)
    return rules


def _check_presets(rules: Rules) -> None:
    """Each preset ends where it says: the pages link each leaf to its preset."""
    from .engine import leaf_for  # the walk needs the loaded rules

    for index, preset in enumerate(rules.presets.values()):
        reached = leaf_for(rules, preset.values)
        if reached != preset.leaf:
            raise RuleError(f"presets[{index}] '{preset.id}': 'leaf' is {preset.leaf!r}, but its values lead to {reached!r}")
    check_ids("presets", "leaf", dict.fromkeys(p.leaf for p in rules.presets.values()), complete=rules.leaves)


def load_rules(text: str) -> Rules:
    """Parse and check rule data given as TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RuleError(f"rules: not valid TOML: {error}") from None
    return _load(data)


@functools.cache
def default_rules() -> Rules:
    """The rules shipped inside the package, loaded once per process."""
    # Beside this module, in a source tree and in the wheel alike (a plain path
    # rather than importlib.resources, which costs Pyodide a module to compile).
    return load_rules(Path(__file__).with_name(RULES_FILE).read_text(encoding="utf-8"))
