"""Reading TOML tables for the rule loader: typed values, and messages that
name the place (``questions[2] 'generic': 'yes' ...``)."""

from __future__ import annotations

import math
from typing import Any, Collection, Iterable, Mapping


TOP = "rules"


class RuleError(ValueError):
    """The rule data is broken; the message says where and what."""


_KIND_NAMES = {str: "text", int: "a number", float: "a number", bool: "true or false", list: "a list", dict: "a table"}


class Table:
    """A TOML table with its location, handing out typed values."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise RuleError(f"{where}: must be a table, not {type(data).__name__}")
        self.data, self.where = data, where
        self.used: set[str] = set()

    def fail(self, key: str, message: str) -> RuleError:
        return RuleError(f"{self.where}: '{key}' {message}")

    def get(self, key: str, kinds: tuple[type, ...], *, required: bool = True, default: Any = None) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                raise self.fail(key, "is missing")
            return default
        value = self.data[key]
        names = " or ".join(dict.fromkeys(_KIND_NAMES[k] for k in kinds))
        if isinstance(value, bool) and bool not in kinds:
            raise self.fail(key, f"must be {names}, not a boolean")
        if not isinstance(value, kinds):
            raise self.fail(key, f"must be {names}, not {type(value).__name__}")
        return value

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.get(key, (str,), required=required)
        if value is not None and not value.strip():
            raise self.fail(key, "is empty")
        return value

    def number(self, key: str, *, required: bool = True) -> float | None:
        value = self.get(key, (int, float), required=required)
        if value is not None and not math.isfinite(value):
            raise self.fail(key, "must be a finite number")
        return value

    def flag(self, key: str) -> bool:
        return self.get(key, (bool,), required=False, default=False)

    def texts(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        values = self.get(key, (list,), required=required, default=[])
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise self.fail(f"{key}[{i}]", "must be non-empty text")
        return tuple(values)

    def table(self, key: str, *, required: bool = True) -> "Table | None":
        value = self.get(key, (dict,), required=required)
        return None if value is None else Table(value, self._inner(key))

    def tables(self, key: str, *, required: bool = True) -> list["Table"]:
        values = self.get(key, (list,), required=required, default=[])
        if required and not values:
            raise self.fail(key, "is empty")
        prefix = self._inner(key)
        return [Table(v, f"{prefix}[{i}]") for i, v in enumerate(values)]

    def _inner(self, key: str) -> str:
        # The file's top level is "rules" in its own messages, and unnamed in
        # the places below it ("fields[3]", not "rules.fields[3]").
        return key if self.where == TOP else f"{self.where}.{key}"

    def identify(self) -> str:
        """Read the table's id and put it into its location for later messages."""
        ident = self.text("id")
        self.where = f"{self.where} '{ident}'"
        return ident

    def done(self) -> None:
        """Refuse keys nobody read: a typo must not pass silently."""
        extra = sorted(set(self.data) - self.used)
        if extra:
            raise self.fail(extra[0], "is not a known key here")


def check_ids(
    where: str,
    kind: str,
    ids: Iterable[str],
    *,
    known: Collection[str] | None = None,
    complete: Collection[str] | None = None,
    indexed: bool = False,
) -> None:
    """The one check for ids: no id repeats; with ``known``, every id is one
    of those; with ``complete``, every one of those appears among the ids.
    ``indexed`` names a repeat by its place in the list ("leaves[2]")."""
    seen: list[str] = []
    for index, ident in enumerate(ids):
        if ident in seen:
            place = f"{where}[{index}] '{ident}'" if indexed else where
            raise RuleError(f"{place}: {kind} {ident!r} is given more than once")
        if known is not None and ident not in known:
            raise RuleError(f"{where}: {kind} {ident!r} is unknown; known: {', '.join(known) or 'none'}")
        seen.append(ident)
    for ident in complete or ():
        if ident not in seen:
            raise RuleError(f"{where}: {kind} {ident!r} is missing")


def by_id(items: Iterable[Any], where: str, kind: str) -> Mapping[str, Any]:
    """Items keyed by their ``id``, in order, refusing a repeated id."""
    items = list(items)
    check_ids(where, kind, (item.id for item in items), indexed=True)
    return {item.id: item for item in items}
