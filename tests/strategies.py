"""Hypothesis strategies built from the rule file's fields."""

from __future__ import annotations

from hypothesis import strategies as st

from calculator import default_rules
from calculator.models import Field


def _value(field: Field) -> st.SearchStrategy:
    if field.type == "bool":
        return st.booleans()
    if field.type == "choice":
        return st.sampled_from(field.choices)
    if field.type == "integer":
        low, high = int(field.min), int(field.max)
        # Mostly realistic sizes, sometimes anything the range allows.
        return st.one_of(st.integers(low, min(high, low + 100)), st.integers(low, min(high, 10**8)), st.integers(low, high))
    low = field.min
    numbers = st.one_of(
        st.floats(low, min(field.max, 10.0), exclude_min=field.min_exclusive),
        st.floats(low, field.max, exclude_min=field.min_exclusive),
        st.integers(int(low) + int(field.min_exclusive), 10**6).map(float),
    )
    return st.one_of(st.none(), numbers) if field.nullable else numbers


def valid_inputs() -> st.SearchStrategy[dict]:
    """Any valid input object: each field either left out or given a valid value."""
    fields = default_rules().fields.values()
    return st.fixed_dictionaries({}, optional={f.id: _value(f) for f in fields})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


def any_inputs() -> st.SearchStrategy:
    """Anything JSON can hold, mostly objects keyed by real field names."""
    names = st.sampled_from(list(default_rules().fields)) | st.text(max_size=12)
    return st.one_of(json_values, st.dictionaries(names, json_values, max_size=6), valid_inputs())
